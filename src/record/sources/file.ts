// A raw H.264 or H.265 file (the codec seen in its first NAL unit) and optional ADTS AAC, played once at the camera's pace (`record cam.h264 --realtime`): for
// trying `record` without a camera and for tests. Frames are timed from --fps and the picture order count by the
// core's raw readers, as `push --realtime` does; the end of the file ends the recording.
import { open as openFile } from "node:fs/promises";
import { annexBCodec } from "../annexb-codec.js";
import { feedRawStreams, RawInputError, VIDEO_CHUNK, AUDIO_CHUNK } from "../../raw-feed.js";
import { fileChunks } from "../../mux-files.js";
import { feedPace } from "../../feed-pace.js";
import type { FrameSink, RecorderFor, Source, SourceSession } from "../source.js";

/** Bytes read for the first NAL header (none in them: H.264, the core's default). */
const SNIFF_BYTES = 64 * 1024;

export interface FileSourceOptions {
  video: string;
  audio?: string;
  /** The frame rate; without it, the one the stream's SPS gives (VUI timing), as `push` takes it. */
  fpsNum?: number;
  fpsDen?: number;
}

export class FileSource implements Source {
  readonly reopens = false;
  readonly label: string;
  readonly mayHaveAudio: boolean;

  constructor(private readonly options: FileSourceOptions) {
    this.label = options.video;
    this.mayHaveAudio = options.audio !== undefined;
  }

  async open(_sink: FrameSink, recorderFor: RecorderFor, signal: AbortSignal): Promise<SourceSession> {
    const { video, audio, fpsNum, fpsDen } = this.options;
    const codec = annexBCodec(await fileStart(video)) ?? "h264";
    const recorder = await recorderFor(codec);
    recorder.startRawStreams(fpsNum, fpsDen);
    const ended = feedRawStreams(recorder, fileChunks(video, VIDEO_CHUNK, signal), audio ? fileChunks(audio, AUDIO_CHUNK, signal) : undefined, {
      signal,
      live: true, // a camera does not wait for the uploads: the overflow policy (and the spill directory) apply
      pace: feedPace(true, signal), // (a stop ends the wait at once)
    }).then(
      () => undefined,
      (err: unknown) =>
        err instanceof RawInputError && err.reason === "needs-rate"
          ? new Error(`${err.message}: give --fps (e.g. --fps 25 or --fps 29.97)`)
          : err instanceof Error ? err : new Error(String(err)),
    );
    return {
      description: `${codec === "h265" ? "H.265" : "H.264"} ${video}${audio ? ` + ${audio}` : ""} at ${rateText(fpsNum, fpsDen)}, real time`,
      ended,
      close: async () => {
        await ended;
      },
    };
  }
}

function rateText(num: number | undefined, den = 1): string {
  if (num === undefined) return "the frame rate its SPS gives";
  return `${den === 1 ? num : `${num}/${den}`} frames/s`;
}

async function fileStart(path: string): Promise<Uint8Array> {
  const file = await openFile(path, "r");
  try {
    const { buffer, bytesRead } = await file.read(new Uint8Array(SNIFF_BYTES), 0, SNIFF_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}
