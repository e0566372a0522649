// A raw H.264 file (and optional ADTS AAC) played once at the camera's pace (`record cam.h264 --realtime`): for
// trying `record` without a camera and for tests. Frames are timed from --fps and the picture order count by the
// core's raw readers, as `push --realtime` does; the end of the file ends the recording.
import type { HlsRecorder } from "../../sdk.js";
import { feedRawStreams, VIDEO_CHUNK, AUDIO_CHUNK } from "../../raw-feed.js";
import { fileChunks } from "../../mux-files.js";
import type { FrameSink, Source, SourceSession } from "../source.js";

export interface FileSourceOptions {
  video: string;
  audio?: string;
  fpsNum: number;
  fpsDen: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class FileSource implements Source {
  readonly reopens = false;
  readonly label: string;
  readonly mayHaveAudio: boolean;

  constructor(private readonly options: FileSourceOptions) {
    this.label = options.video;
    this.mayHaveAudio = options.audio !== undefined;
  }

  async open(_sink: FrameSink, recorder: HlsRecorder, signal: AbortSignal): Promise<SourceSession> {
    const { video, audio, fpsNum, fpsDen } = this.options;
    recorder.startRawStreams(fpsNum, fpsDen);
    const started = performance.now();
    const ended = feedRawStreams(recorder, fileChunks(video, VIDEO_CHUNK, signal), audio ? fileChunks(audio, AUDIO_CHUNK, signal) : undefined, {
      signal,
      live: true, // a camera does not wait for the uploads: the overflow policy (and the spill directory) apply
      // Camera pace: never ahead of the wall clock.
      pace: async (videoTicks) => {
        // (in short sleeps, so a stop is seen soon)
        for (let ahead = videoTicks / 90 - (performance.now() - started); ahead > 0 && !signal.aborted; ahead = videoTicks / 90 - (performance.now() - started)) {
          await sleep(Math.min(ahead, 200));
        }
      },
    }).then(
      () => undefined,
      (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
    );
    return {
      description: `${video}${audio ? ` + ${audio}` : ""} at ${fpsDen === 1 ? fpsNum : `${fpsNum}/${fpsDen}`} frames/s, real time`,
      ended,
      close: async () => {
        await ended;
      },
    };
  }
}
