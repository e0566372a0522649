// An RTSP camera (rtsp:// or rtsps://): the RTSP client (src/rtsp/) depacketizes H.264 straight into the
// recorder's frame buffer and hands AAC over as ADTS. Audio in another codec is skipped with a notice. A session
// ends when the camera drops, reboots or stops sending; the camera then opens it again after a backoff.
import type { HlsRecorder } from "../../sdk.js";
import { maskUserinfo } from "../../mask-url.js";
import { openRtspSession, type RtspOptions, type RtspSession } from "../../rtsp/index.js";
import type { FrameSink, Source, SourceSession } from "../source.js";

export type RtspSourceOptions = Omit<RtspOptions, "signal">;

export class RtspSource implements Source {
  readonly mayHaveAudio = true;
  readonly reopens = true;
  readonly label: string;

  constructor(
    private readonly url: string,
    private readonly options: RtspSourceOptions = {},
  ) {
    this.label = maskUserinfo(url);
  }

  async open(sink: FrameSink, _recorder: HlsRecorder, signal: AbortSignal): Promise<SourceSession> {
    const session: RtspSession = await openRtspSession(this.url, sink, { ...this.options, signal });
    const d = session.description;
    const audio = d.audio ? ` + AAC ${d.audio.sampleRate} Hz ${d.audio.channels} ch` : "";
    return {
      description: `H.264${audio} from ${this.label}${this.options.transport === "udp" ? " (RTP over UDP)" : ""}`,
      notice: d.skippedAudio ? `audio in ${d.skippedAudio} is not recorded (AAC only): recording video only` : undefined,
      ended: session.ended,
      stats: () => {
        const s = session.stats();
        return { framesLost: s.framesLost + s.audioLost, bytes: s.bytes };
      },
      close: () => session.close(),
    };
  }
}
