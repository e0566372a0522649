// A raw H.264 file (and optional ADTS AAC) played once at the camera's pace (`record cam.h264 --realtime`): for
// trying `record` without a camera and for tests. Frames are timed from --fps and the picture order count by the
// core's raw readers, as `push --realtime` does; the end of the file ends the recording.
import type { HlsRecorder } from "../../sdk.js";
import { feedRawStreams, VIDEO_CHUNK, AUDIO_CHUNK } from "../../raw-feed.js";
import { fileChunks } from "../../mux-files.js";
import { feedPace } from "../../feed-pace.js";
import type { FrameSink, Source, SourceSession } from "../source.js";

export interface FileSourceOptions {
  video: string;
  audio?: string;
  fpsNum: number;
  fpsDen: number;
}

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
    const ended = feedRawStreams(recorder, fileChunks(video, VIDEO_CHUNK, signal), audio ? fileChunks(audio, AUDIO_CHUNK, signal) : undefined, {
      signal,
      live: true, // a camera does not wait for the uploads: the overflow policy (and the spill directory) apply
      pace: feedPace(true, signal), // (a stop ends the wait at once)
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
