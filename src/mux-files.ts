// Muxes raw elementary-stream files (Annex B H.264, optional ADTS AAC) into HLS segments in a directory:
// the library behind `ipc-hls mux`. The WASM core does the cutting, timing and packaging; this file only
// reads, interleaves the two inputs by stream time, and writes what the core hands out.
import { addAbortSignal } from "node:stream";
import { mkdir, open, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { initFileName, MuxerCore, segmentFileName } from "./core.js";
import { feedRawStreams, timingWarnings, VIDEO_CHUNK, AUDIO_CHUNK } from "./raw-feed.js";
import type { Container, CoreStats, Segment } from "./core-types.js";
import { formatVodPlaylist, type PlaylistSegment } from "./vod-playlist.js";

export interface MuxFilesOptions {
  /** Annex B H.264 file, or "-" for standard input. */
  video: string;
  /** ADTS AAC file. */
  audio?: string;
  /** The frame rate; without it, the one the stream's SPS carries (RawInputError "needs-rate" if none). */
  fpsNum?: number;
  fpsDen?: number;
  outDir: string;
  segmentDuration?: number;
  bufferSize?: number;
  /** "ts": segment-NNNNNN.ts; "fmp4": init.mp4 and segment-NNNNNN.m4s. Default: the core's rule for the codec seen. */
  container?: Container;
  /** Called after each segment is written. */
  onSegment?: (segment: Segment, file: string) => void;
  /** Stops reading (e.g. Ctrl-C): the open segment is finished at its last whole frame and the playlist written. */
  signal?: AbortSignal;
}

export interface MuxFilesResult {
  segments: { file: string; bytes: number; durationTicks: number; codecs: string; width: number; height: number }[];
  playlist: string;
  stats: CoreStats;
  /** Timings that disagree by more than 2 % (a given --fps with the stream's, the audio's length with the video's). */
  warnings: string[];
}

/** How much of a file is read at once (then cut into chunks): one read per 4 KiB chunk costs more than the muxing. */
const READ_BLOCK_BYTES = 64 * 1024;

/**
 * A file's (or standard input's) bytes in chunks of at most `size`, the same whatever the source. A file is read
 * into one block, reused: a chunk is only valid until the next is asked for (the feed copies each into the core
 * at once). A new block per read cost a board 0.5-1 MiB more (README "Boards"): it lives outside the JS heap until
 * V8 collects its wrapper, which can outlive the young generation while a real-time push paces through the block.
 * `signal` stops the reading: it then fails with the signal's AbortError (also a read waiting on standard input).
 */
export async function* fileChunks(path: string, size: number, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  if (path === "-") {
    // Standard input may be a pipe, a file or a socket: read the stream Node made for it.
    if (signal) addAbortSignal(signal, process.stdin);
    for await (const block of process.stdin as AsyncIterable<Buffer>) yield* cut(block, size);
    return;
  }
  // (A regular file: the CLI takes no other path, and its reads end at once.)
  const file = await open(path, "r");
  try {
    const block = Buffer.allocUnsafe(READ_BLOCK_BYTES);
    for (;;) {
      signal?.throwIfAborted();
      const { bytesRead } = await file.read(block, 0, block.byteLength, null);
      if (bytesRead === 0) return;
      yield* cut(block.subarray(0, bytesRead), size);
    }
  } finally {
    await file.close();
  }
}

function* cut(block: Uint8Array, size: number): Generator<Uint8Array> {
  for (let at = 0; at < block.byteLength; at += size) yield block.subarray(at, at + size);
}

export async function muxFiles(options: MuxFilesOptions): Promise<MuxFilesResult> {
  const core = await MuxerCore.create({
    bufferSize: options.bufferSize ?? 8 * 1024 * 1024,
    segmentDuration: options.segmentDuration ?? 2,
    overflowPolicy: "drop-new",
    container: options.container,
  });
  let initWritten = 0;
  await mkdir(options.outDir, { recursive: true });
  const written: MuxFilesResult["segments"] = [];
  const playlist: PlaylistSegment[] = [];

  const drain = async () => {
    for (let s = core.takeSegment(); s; s = core.takeSegment()) {
      const file = segmentFileName(s.seq, s.init ? "fmp4" : "ts");
      // A new init segment starts a new period of the playlist (the decoder is set up anew).
      let map: string | undefined;
      if (s.init && s.init.version !== initWritten) {
        map = initFileName(s.init.version);
        await writeFile(join(options.outDir, map), s.init.bytes);
      }
      await writeFile(join(options.outDir, file), Buffer.concat(s.parts));
      core.release(s.id);
      written.push({ file, bytes: s.byteLength, durationTicks: s.durationTicks, codecs: s.codecs, width: s.width, height: s.height });
      const changed = map !== undefined && initWritten !== 0;
      if (s.init) initWritten = s.init.version;
      playlist.push({ uri: file, durationTicks: s.durationTicks, discontinuity: (s.discontinuity || changed) && written.length > 1, map });
      options.onSegment?.(s, file);
    }
  };

  core.raw.rawStart(options.fpsNum, options.fpsDen);
  const { signal } = options;
  const video = fileChunks(options.video, VIDEO_CHUNK, signal);
  const audio = options.audio ? fileChunks(options.audio, AUDIO_CHUNK, signal) : undefined;
  // Segments are written out as they are finished (after every video chunk), so the ring only ever holds the open
  // one and the one just finished: an input of any length fits a ring that holds two segments.
  await feedRawStreams(core.raw, video, audio, { pace: drain, signal, audioName: options.audio });
  core.flush();
  await drain();
  const text = formatVodPlaylist(playlist);
  await writeFile(join(options.outDir, "index.m3u8"), text);
  return { segments: written, playlist: text, stats: core.stats(), warnings: timingWarnings(core.raw, options.fpsNum !== undefined) };
}
