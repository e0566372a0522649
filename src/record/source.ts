// What a camera records from: an RTSP camera, a live pipe (stdin), or a file played at camera pace. A source is
// opened into a session; when a session ends, a source that `reopens` (a camera that dropped or rebooted) is
// opened again after a backoff, one that does not (stdin ended, the file played) ends the recording.
import type { HlsRecorder } from "../sdk.js";

/** The video codecs a camera records. */
export type RecordedCodec = "h264" | "h265";

/**
 * Called by a session once it knows its video codec, before its first frame: the camera's recorder, started and
 * made for that codec (its container follows the codec). The sink's videoTarget is valid once this settled.
 */
export type RecorderFor = (codec: RecordedCodec) => Promise<HlsRecorder>;

/** A source whose stream cannot be recorded (e.g. MJPEG video): opening it again will not help, the camera stops. */
export class UnrecordableSourceError extends Error {
  override name = "UnrecordableSourceError";
}

/**
 * Where a session puts its frames (the RTSP client's FrameSink): a video frame is written straight into
 * `videoTarget` (the recorder's frame buffer, so it is copied once into WASM memory) and then announced with its
 * length; audio comes as whole ADTS frames, never while a video frame is being written into `videoTarget` (the
 * audio input shares that memory). Timestamps are the session's own (µs); the camera maps them onto its timeline.
 */
export type { FrameSink } from "../rtsp/index.js";
import type { FrameSink } from "../rtsp/index.js";

export interface SourceSession {
  /** What is being recorded, e.g. "H.264 + AAC 48000 Hz 2 ch". */
  readonly description: string;
  /** A one-line notice for the log, e.g. that an audio codec was skipped. */
  readonly notice?: string;
  /** Settles when the session ends: with the reason, or undefined for a clean end (stream or file finished). */
  readonly ended: Promise<Error | undefined>;
  /** Counters of the source side (RTP packets lost, frames lost...), for the status line and metrics. */
  stats?(): { framesLost: number; bytes: number };
  close(): Promise<void>;
}

export interface Source {
  /** How the source is shown in logs: passwords masked. */
  readonly label: string;
  /** Whether a session may carry audio (the recorder then lists audio from the first segment). */
  readonly mayHaveAudio: boolean;
  /** Open again after a session ended (a camera), or stop recording (a pipe or file that ended). */
  readonly reopens: boolean;
  open(sink: FrameSink, recorderFor: RecorderFor, signal: AbortSignal): Promise<SourceSession>;
}
