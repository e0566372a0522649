// Muxes raw elementary-stream files (Annex B H.264, optional ADTS AAC) into HLS segments in a directory:
// the library behind `ipc-hls mux`. The WASM core does the cutting, timing and packaging; this file only
// reads, interleaves the two inputs by stream time, and writes what the core hands out.
import { open, mkdir, writeFile, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { MuxerCore, RAW_CHUNK_BYTES } from "./core.js";
import type { CoreStats, Segment } from "./core-types.js";
import { formatVodPlaylist, type PlaylistSegment } from "./vod-playlist.js";

export interface MuxFilesOptions {
  /** Annex B H.264 file, or "-" for standard input. */
  video: string;
  /** ADTS AAC file. */
  audio?: string;
  fpsNum: number;
  fpsDen: number;
  outDir: string;
  segmentDuration?: number;
  bufferSize?: number;
  /** Called after each segment is written. */
  onSegment?: (segment: Segment, file: string) => void;
}

export interface MuxFilesResult {
  segments: { file: string; bytes: number; durationTicks: number; codecs: string; width: number; height: number }[];
  playlist: string;
  stats: CoreStats;
}

// Video is fed in small chunks and audio half a second ahead of it, so that each audio frame is queued in the
// core before the video that follows it in time (the core then interleaves in timestamp order).
const VIDEO_CHUNK = 4096;
const AUDIO_CHUNK = 2048;
const AUDIO_LEAD_TICKS = 45000;

/** segment-000000.ts, segment-000001.ts…: names that sort in time order. */
export function segmentFileName(seq: number): string {
  return `segment-${String(seq).padStart(6, "0")}.ts`;
}

class ChunkReader {
  private done = false;
  private readonly buffer: Buffer;
  constructor(private readonly handle: FileHandle, size: number) {
    this.buffer = Buffer.alloc(size);
  }
  get finished(): boolean {
    return this.done;
  }
  async next(): Promise<Uint8Array | undefined> {
    if (this.done) return undefined;
    const { bytesRead } = await this.handle.read(this.buffer, 0, this.buffer.length, null);
    if (bytesRead === 0) {
      this.done = true;
      return undefined;
    }
    return this.buffer.subarray(0, bytesRead);
  }
}

async function openInput(path: string): Promise<FileHandle> {
  // "-" reads standard input through its file descriptor.
  return open(path === "-" ? "/dev/stdin" : path, "r");
}

export async function muxFiles(options: MuxFilesOptions): Promise<MuxFilesResult> {
  if (VIDEO_CHUNK > RAW_CHUNK_BYTES || AUDIO_CHUNK > RAW_CHUNK_BYTES) throw new Error("chunk sizes exceed the core's chunk area");
  const core = await MuxerCore.create({
    bufferSize: options.bufferSize ?? 8 * 1024 * 1024,
    segmentDuration: options.segmentDuration ?? 2,
    overflowPolicy: "drop-new",
    audio: options.audio !== undefined,
  });
  await mkdir(options.outDir, { recursive: true });
  const videoHandle = await openInput(options.video);
  const audioHandle = options.audio ? await openInput(options.audio) : undefined;
  const written: MuxFilesResult["segments"] = [];
  const playlist: PlaylistSegment[] = [];

  const drain = async () => {
    for (let s = core.takeSegment(); s; s = core.takeSegment()) {
      const file = segmentFileName(s.seq);
      await writeFile(join(options.outDir, file), Buffer.concat(s.parts));
      core.release(s.id);
      written.push({ file, bytes: s.byteLength, durationTicks: s.durationTicks, codecs: s.codecs, width: s.width, height: s.height });
      playlist.push({ uri: file, durationTicks: s.durationTicks, discontinuity: s.discontinuity && written.length > 1 });
      options.onSegment?.(s, file);
    }
  };

  try {
    core.rawStart(options.fpsNum, options.fpsDen);
    const video = new ChunkReader(videoHandle, VIDEO_CHUNK);
    const audio = audioHandle ? new ChunkReader(audioHandle, AUDIO_CHUNK) : undefined;
    let videoStarted = false;
    for (;;) {
      const times = core.rawTimes();
      // Audio goes in once video timing is known (the first picture sets the presentation delay).
      if (audio && !audio.finished && (video.finished || (videoStarted && times.audio <= times.video + AUDIO_LEAD_TICKS))) {
        const chunk = await audio.next();
        if (chunk) core.rawAudio(chunk);
        await drain();
        continue;
      }
      if (video.finished) break;
      const chunk = await video.next();
      if (chunk) {
        if (core.rawVideo(chunk) > 0) videoStarted = true;
      } else {
        core.rawVideoEnd();
        videoStarted = true;
      }
      await drain();
    }
    core.flush();
    await drain();
  } finally {
    await videoHandle.close();
    await audioHandle?.close();
  }
  const text = formatVodPlaylist(playlist);
  await writeFile(join(options.outDir, "index.m3u8"), text);
  return { segments: written, playlist: text, stats: core.stats() };
}
