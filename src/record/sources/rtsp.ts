// An RTSP camera (rtsp:// or rtsps://): the RTSP client (src/rtsp/) depacketizes H.264 or H.265 straight into the
// recorder's frame buffer and hands AAC over as ADTS. Audio in another codec is skipped with a notice; video the
// product cannot record (MJPEG, H.266...) stops the camera with one line. A session ends when the camera drops,
// reboots or stops sending; the camera then opens it again after a backoff.
import { maskUserinfo } from "../../mask-url.js";
import { openRtspSession, RtspUnsupportedError, type RtspOptions, type RtspSession } from "../../rtsp/index.js";
import { UnrecordableSourceError, type FrameSink, type RecorderFor, type Source, type SourceSession } from "../source.js";

export type RtspSourceOptions = Omit<RtspOptions, "signal" | "described">;

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

  async open(sink: FrameSink, recorderFor: RecorderFor, signal: AbortSignal): Promise<SourceSession> {
    let session: RtspSession;
    try {
      session = await openRtspSession(this.url, sink, {
        ...this.options,
        signal,
        described: async (d) => void (await recorderFor(d.video.codec === "H265" ? "h265" : "h264")),
      });
    } catch (err) {
      throw err instanceof RtspUnsupportedError ? new UnrecordableSourceError(err.message) : err;
    }
    const d = session.description;
    const audio = d.audio ? ` + AAC ${d.audio.sampleRate} Hz ${d.audio.channels} ch` : "";
    return {
      description: `${d.video.codec === "H265" ? "H.265" : "H.264"}${audio} from ${this.label}${this.options.transport === "udp" ? " (RTP over UDP)" : ""}`,
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
