// What `ipc-hls record` prints while it runs. On a terminal: one status line per camera, redrawn every second,
// with log lines scrolling above them. Otherwise (systemd, a log file): plain log lines, and every camera's
// status line at a fixed interval. Lines never contain secrets (sources are shown with the password masked).
import type { CameraLog, CameraStatus } from "./camera.js";
import type { RecorderStats } from "../sdk.js";

export interface StatusOptions {
  /** Redraw status lines in place (stdout is a terminal). */
  tty: boolean;
  /** Without a terminal, print every camera's status line this often (ms). 0: never. */
  intervalMs: number;
  out?: NodeJS.WritableStream;
  err?: NodeJS.WritableStream;
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

/** One camera on one line. */
export function statusLine(s: CameraStatus): string {
  const t = s.stats;
  const lost = t.segmentsDropped;
  const upload = s.secondsSinceUpload === undefined ? "no upload yet" : `last upload ${s.secondsSinceUpload.toFixed(0)} s ago`;
  return (
    `${s.name}: ${s.state} | segments ${t.segmentsUploaded} uploaded, ${lost} lost` +
    (t.segmentsSpilled || t.spillBacklog ? `, ${t.spillBacklog} waiting on disk` : "") +
    ` | ${t.videoFramesIn} frames | ${mb(t.bytesUploaded)} MB | reconnects ${s.reconnects} | ${upload} | buffer ${(s.bufferUse * 100).toFixed(0)} %`
  );
}

/** The summary of one camera at the end. */
export function summaryLines(name: string, s: RecorderStats, reconnects: number, sourceFramesLost: number, failure?: string): string[] {
  return [
    `${name}:${failure ? ` FAILED: ${failure}` : ""}`,
    `  frames:     ${s.videoFramesIn} video, ${s.audioFramesIn} audio in; ${s.videoFramesDropped + s.audioFramesDropped} dropped by the recorder, ${sourceFramesLost} lost at the source`,
    `  segments:   ${s.segmentsMade} made, ${s.segmentsUploaded} uploaded, ${s.segmentsDropped} lost` +
      (s.segmentsDropped ? ` (${s.segmentsDroppedOverflow} buffer overflow, ${s.segmentsFailed} upload failures or spill-full)` : ""),
    ...(s.segmentsSpilled || s.spillBacklog || s.segmentsUploadedFromSpill
      ? [`  spill:      ${s.segmentsSpilled} spilled, ${s.segmentsUploadedFromSpill} uploaded from disk, ${s.spillBacklog} waiting there (${mb(s.spillBytes)} MB)`]
      : []),
    `  uploads:    ${mb(s.bytesUploaded)} MB, ${s.retries} retries, latency p50 ${s.uploadLatencyMs.p50.toFixed(0)} ms, max ${s.uploadLatencyMs.max.toFixed(0)} ms`,
    `  reconnects: ${reconnects}`,
  ];
}

export class StatusBoard implements CameraLog {
  private readonly out: NodeJS.WritableStream;
  private readonly err: NodeJS.WritableStream;
  private timer?: NodeJS.Timeout;
  /** Status lines on screen now (terminal). */
  private drawn = 0;

  constructor(
    private readonly cameras: () => CameraStatus[],
    private readonly options: StatusOptions,
  ) {
    this.out = options.out ?? process.stdout;
    this.err = options.err ?? process.stderr;
  }

  start(): void {
    if (this.options.tty) {
      this.redraw();
      this.timer = setInterval(() => this.redraw(), 1000);
    } else if (this.options.intervalMs > 0) {
      this.timer = setInterval(() => this.cameras().forEach((c) => this.out.write(`${stamp()} ${statusLine(c)}\n`)), this.options.intervalMs);
    }
    this.timer?.unref();
  }

  /** Stops redrawing; the last status lines stay on screen. */
  stop(): void {
    clearInterval(this.timer);
    if (this.options.tty) this.redraw();
    this.drawn = 0;
  }

  info(camera: string, line: string): void {
    this.write(this.out, `${camera}: ${line}`);
  }

  error(camera: string, line: string): void {
    this.write(this.err, `${camera}: ${line}`);
  }

  /** A line for the whole process (not one camera). */
  note(line: string): void {
    this.write(this.out, line);
  }

  private write(stream: NodeJS.WritableStream, line: string): void {
    if (!this.options.tty) {
      stream.write(`${stamp()} ${line}\n`);
      return;
    }
    // Above the status lines: clear them, print the line, draw them again below it.
    this.clear();
    stream.write(`${line}\n`);
    this.draw();
  }

  private redraw(): void {
    this.clear();
    this.draw();
  }

  private clear(): void {
    if (this.drawn > 0) this.out.write(`\x1b[${this.drawn}A\r\x1b[J`);
    this.drawn = 0;
  }

  private draw(): void {
    const lines = this.cameras().map(statusLine);
    const width = (this.out as NodeJS.WriteStream).columns ?? 200;
    for (const line of lines) this.out.write(`${line.length > width - 1 ? line.slice(0, width - 2) + "…" : line}\n`);
    this.drawn = lines.length;
  }
}

const stamp = () => new Date().toISOString();
