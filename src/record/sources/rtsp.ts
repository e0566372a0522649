// An RTSP camera (rtsp:// or rtsps://): the RTSP client (src/rtsp/) depacketizes H.264 straight into the
// recorder's frame buffer and hands AAC over as ADTS. Audio in another codec is skipped with a notice. A session
// ends when the camera drops, reboots or stops sending; the camera then opens it again after a backoff.
import type { HlsRecorder } from "../../sdk.js";
import type { FrameSink, Source, SourceSession } from "../source.js";

// The RTSP client's interface (src/rtsp/, built in parallel): loaded when the first RTSP camera connects.
interface StreamDescription {
  video: { codec: "H264"; profileLevelId?: string };
  audio?: { codec: "AAC"; sampleRate: number; channels: number };
  skippedAudio?: string;
}
interface RtspSession {
  readonly description: StreamDescription;
  readonly ended: Promise<Error | undefined>;
  stats(): { rtpPackets: number; rtpLost: number; videoFrames: number; audioFrames: number; framesLost: number; bytes: number };
  close(): Promise<void>;
}
interface RtspClient {
  openRtspSession(url: string, sink: FrameSink, options?: { transport?: "tcp" | "udp"; timeoutMs?: number; ca?: string | Buffer; signal?: AbortSignal }): Promise<RtspSession>;
  maskUrl(url: string): string;
}
const RTSP_CLIENT = "../../rtsp/index.js";
const loadClient = () => import(RTSP_CLIENT) as Promise<RtspClient>;

export interface RtspSourceOptions {
  transport?: "tcp" | "udp";
  /** No answer or no media for this long (ms) ends the session. */
  timeoutMs?: number;
  ca?: string | Buffer;
}

/** rtsp://user:pass@host/path → rtsp://user:***@host/path (never print a password). */
export function maskPassword(url: string): string {
  return url.replace(/^(rtsps?:\/\/[^:/@]*):[^@/]*@/i, "$1:***@");
}

export class RtspSource implements Source {
  readonly mayHaveAudio = true;
  readonly reopens = true;
  readonly label: string;

  constructor(
    private readonly url: string,
    private readonly options: RtspSourceOptions = {},
  ) {
    this.label = maskPassword(url);
  }

  async open(sink: FrameSink, _recorder: HlsRecorder, signal: AbortSignal): Promise<SourceSession> {
    const client = await loadClient();
    let session: RtspSession;
    try {
      session = await client.openRtspSession(this.url, sink, { ...this.options, signal });
    } catch (err) {
      throw this.scrubbed(err);
    }
    const d = session.description;
    const audio = d.audio ? ` + AAC ${d.audio.sampleRate} Hz ${d.audio.channels} ch` : "";
    return {
      description: `H.264${audio} from ${this.label}`,
      notice: d.skippedAudio ? `${this.label}: audio in ${d.skippedAudio} is not recorded (AAC only): recording video only` : undefined,
      ended: session.ended.then((reason) => reason && this.scrubbed(reason)),
      stats: () => {
        const s = session.stats();
        return { framesLost: s.framesLost, bytes: s.bytes };
      },
      close: () => session.close(),
    };
  }

  /** The error with the URL's password taken out of its message, whatever printed it. */
  private scrubbed(err: unknown): Error {
    const e = err instanceof Error ? err : new Error(String(err));
    const password = passwordOf(this.url);
    if (password && e.message.includes(password)) e.message = e.message.split(password).join("***");
    return e;
  }
}

function passwordOf(url: string): string | undefined {
  try {
    const password = new URL(url).password;
    return password ? [decodeURIComponent(password), password].find((p) => p.length > 0) : undefined;
  } catch {
    return undefined;
  }
}
