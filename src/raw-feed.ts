// Feeds raw elementary streams (Annex B H.264 and ADTS AAC, as files or pipes deliver them) to the core, or to
// a recorder, interleaved by stream time. Used by `ipc-hls mux`, `push` and `demo`, so all make the same bytes.

/** What takes raw streams: MuxerCore and HlsRecorder both do. */
export interface RawStreamSink {
  putRawVideo(bytes: Uint8Array): unknown;
  endRawVideo(): unknown;
  putRawAudio(bytes: Uint8Array): unknown;
  /** Stream time (90 kHz ticks) of the next video frame and of the next audio frame. */
  rawStreamTimes(): { video: number; audio: number };
  /**
   * Resolves when the next chunk can go in without the overflow policy dropping anything (a recorder waits for
   * its uploads here). A sink that drains synchronously (`mux` writes each segment as it is finished) has none.
   */
  whenWritable?(options: { signal?: AbortSignal }): Promise<unknown>;
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
  /**
   * Stops feeding (e.g. Ctrl-C): between chunks, while waiting for room, and while reading (give the sources the
   * same signal, see fileChunks, so a read that waits on a pipe ends too). A unit cut short is not muxed.
   */
  signal?: AbortSignal;
  /** Ends the waits for room (default: `signal`), e.g. once the uploads stalled: the overflow policy applies then. */
  roomWaitSignal?: AbortSignal;
  /** The source plays a live camera (real-time pace): it cannot wait for room, the overflow policy applies. */
  live?: boolean;
}

export async function feedRawStreams(
  sink: RawStreamSink,
  video: AsyncIterable<Uint8Array>,
  audio: AsyncIterable<Uint8Array> | undefined,
  options: FeedOptions = {},
): Promise<void> {
  const { signal } = options;
  const videoChunks = video[Symbol.asyncIterator]();
  const audioChunks = audio?.[Symbol.asyncIterator]();
  let videoDone = false;
  let audioDone = audioChunks === undefined;
  try {
    while (!signal?.aborted) {
      const times = sink.rawStreamTimes();
      const isAudio = !audioDone && (videoDone || times.audio <= times.video + AUDIO_LEAD_TICKS);
      if (!isAudio && videoDone) break;
      const next = await read(isAudio ? audioChunks! : videoChunks, signal);
      if (!next) break; // stopped while reading
      if (isAudio && next.done) {
        audioDone = true;
        continue;
      }
      // A file must not outrun the uploads: wait for ring space before each put (the end of the video may mux
      // its last unit).
      if (!options.live) await sink.whenWritable?.({ signal: options.roomWaitSignal ?? signal });
      if (signal?.aborted) break;
      if (isAudio) {
        sink.putRawAudio(next.value as Uint8Array);
        continue;
      }
      if (next.done) {
        sink.endRawVideo();
        videoDone = true;
      } else {
        sink.putRawVideo(next.value);
      }
      await options.pace?.(sink.rawStreamTimes().video);
    }
  } finally {
    // Close the sources (files stay open otherwise when the feed stops early).
    await Promise.allSettled([videoChunks.return?.(), audioChunks?.return?.()]);
  }
}

/** The next chunk, or undefined when the feed was stopped while it was being read. */
async function read(chunks: AsyncIterator<Uint8Array>, signal?: AbortSignal): Promise<IteratorResult<Uint8Array> | undefined> {
  try {
    return await chunks.next();
  } catch (err) {
    if (signal?.aborted) return undefined;
    throw err;
  }
}
