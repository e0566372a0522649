// Feeds raw elementary streams (Annex B H.264 and ADTS AAC, as files or pipes deliver them) to the core, or to
// a recorder, interleaved by stream time. Used by `ipc-hls mux`, `push` and `demo`, so all make the same bytes.

/** What takes raw streams: MuxerCore and HlsRecorder both do. */
export interface RawStreamSink {
  putRawVideo(bytes: Uint8Array): unknown;
  endRawVideo(): unknown;
  putRawAudio(bytes: Uint8Array): unknown;
  /** Stream time (90 kHz ticks) of the next video frame and of the next audio frame. */
  rawStreamTimes(): { video: number; audio: number };
}

// Video goes in small chunks and audio at most half a second ahead of it, so that each audio frame is queued in
// the core before the video that follows it in time (the core then interleaves in timestamp order). Both streams
// start at stream time 0, the first picture's presentation time.
export const VIDEO_CHUNK = 4096;
export const AUDIO_CHUNK = 2048;
const AUDIO_LEAD_TICKS = 45000;

export interface FeedOptions {
  /** Called after each video chunk with the stream time reached (ticks); may wait (real-time pacing). */
  pace?: (videoTicks: number) => Promise<void>;
  /** Stops feeding early (e.g. Ctrl-C) when it returns true. */
  stopped?: () => boolean;
}

export async function feedRawStreams(
  sink: RawStreamSink,
  video: AsyncIterable<Uint8Array>,
  audio: AsyncIterable<Uint8Array> | undefined,
  options: FeedOptions = {},
): Promise<void> {
  const videoChunks = video[Symbol.asyncIterator]();
  const audioChunks = audio?.[Symbol.asyncIterator]();
  let videoDone = false;
  let audioDone = audioChunks === undefined;
  while (!options.stopped?.()) {
    const times = sink.rawStreamTimes();
    if (!audioDone && (videoDone || times.audio <= times.video + AUDIO_LEAD_TICKS)) {
      const next = await audioChunks!.next();
      if (next.done) audioDone = true;
      else sink.putRawAudio(next.value);
      continue;
    }
    if (videoDone) break;
    const next = await videoChunks.next();
    if (next.done) {
      sink.endRawVideo();
      videoDone = true;
    } else {
      sink.putRawVideo(next.value);
    }
    await options.pace?.(sink.rawStreamTimes().video);
  }
}
