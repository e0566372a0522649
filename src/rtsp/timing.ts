// RTP timestamps → presentation times in µs on one timeline shared by every stream of a session.
//
// Each stream's 32-bit RTP timestamps are unwrapped (a wrap every 13 h at 90 kHz, 25 h at 48 kHz) and anchored
// once, at its first packet: to the PLAY response's RTP-Info (every stream's rtptime there is the same instant)
// when the server sent it for every stream, otherwise to the packet's arrival time. RTCP sender reports then map
// each stream to the camera's wall clock: the audio is re-anchored on the video's timeline by them (lip sync as
// the camera meant it), and wallClockMs() gives the camera's time of any presentation time.
import type { SenderReport } from "./rtcp.js";

/** Re-align audio to video only when the sender reports disagree with the current anchor by more than this. */
const REALIGN_THRESHOLD_US = 1000;

export class StreamTiming {
  private anchored = false;
  private lastExtended = 0;
  private lastRtp = 0;
  /** The anchor: RTP time baseRtp (unwrapped) is baseUs on the timeline. */
  private baseRtp = 0;
  private baseUs = 0;
  lastReport?: SenderReport;

  constructor(
    readonly clockRate: number,
    private readonly timeline: SessionTimeline,
    /** RTP-Info rtptime for this stream, when the server sent it (set before the first packet). */
    public rtpInfoTime?: number,
  ) {}

  /** The presentation time (µs) of a packet with this RTP timestamp; anchors the stream on its first packet. */
  ptsUs(rtp: number): number {
    if (!this.anchored) this.anchor(rtp);
    this.lastExtended += (rtp - this.lastRtp) | 0; // signed 32-bit difference: unwraps in both directions
    this.lastRtp = rtp;
    return Math.round(this.baseUs + ((this.lastExtended - this.baseRtp) * 1e6) / this.clockRate);
  }

  /** The presentation time of an RTP timestamp near the latest packet's, without moving the stream on. */
  ptsAt(rtp: number): number {
    const extended = this.lastExtended + ((rtp - this.lastRtp) | 0);
    return this.baseUs + ((extended - this.baseRtp) * 1e6) / this.clockRate;
  }

  get isAnchored(): boolean {
    return this.anchored;
  }

  private anchor(rtp: number): void {
    this.anchored = true;
    this.lastRtp = rtp;
    this.lastExtended = rtp;
    const info = this.timeline.useRtpInfo ? this.rtpInfoTime : undefined;
    // RTP-Info more than a minute away from the first packet is not believable: use the arrival time then.
    if (info !== undefined && Math.abs((rtp - info) | 0) < 60 * this.clockRate) {
      this.baseRtp = rtp - ((rtp - info) | 0);
      this.baseUs = 0;
    } else {
      this.baseRtp = rtp;
      this.baseUs = this.timeline.arrivalUs();
    }
  }

  /** Moves the anchor so that RTP time `rtp` (near the latest packet) is `us` on the timeline. */
  reanchor(rtp: number, us: number): void {
    this.baseRtp = this.lastExtended + ((rtp - this.lastRtp) | 0);
    this.baseUs = us;
  }
}

export class SessionTimeline {
  readonly streams: StreamTiming[] = [];
  /** The stream the others are aligned to (video). */
  private master?: StreamTiming;
  private origin?: number;

  constructor(
    /** Whether every stream has an RTP-Info rtptime (decided before the first packet). */
    public useRtpInfo: boolean,
    /** A monotonic clock in µs. */
    private readonly clockUs: () => number = () => performance.now() * 1000,
  ) {}

  addStream(clockRate: number, rtpInfoTime: number | undefined, master: boolean): StreamTiming {
    const stream = new StreamTiming(clockRate, this, rtpInfoTime);
    this.streams.push(stream);
    if (master) this.master = stream;
    return stream;
  }

  /** µs since the session's first packet. */
  arrivalUs(): number {
    const now = this.clockUs();
    this.origin ??= now;
    return Math.round(now - this.origin);
  }

  /** Records a sender report; re-aligns the other streams to the master when both have one. */
  senderReport(stream: StreamTiming, report: SenderReport): void {
    stream.lastReport = report;
    const master = this.master;
    if (!master?.lastReport || !master.isAnchored) return;
    for (const other of stream === master ? this.streams : [stream]) {
      if (other === master || !other.lastReport || !other.isAnchored) continue;
      const wanted = this.masterUsAtWallClock(master, other.lastReport.ntpMs);
      if (Math.abs(other.ptsAt(other.lastReport.rtpTimestamp) - wanted) > REALIGN_THRESHOLD_US) {
        other.reanchor(other.lastReport.rtpTimestamp, wanted);
      }
    }
  }

  /** The camera's wall clock (ms since the epoch) at a presentation time, from the master's latest sender report. */
  wallClockMs(ptsUs: number): number | undefined {
    const master = this.master;
    const report = master?.lastReport;
    if (!master || !report || !master.isAnchored) return undefined;
    return report.ntpMs + (ptsUs - master.ptsAt(report.rtpTimestamp)) / 1000;
  }

  private masterUsAtWallClock(master: StreamTiming, ntpMs: number): number {
    const report = master.lastReport!;
    return master.ptsAt(report.rtpTimestamp) + (ntpMs - report.ntpMs) * 1000;
  }
}
