// A clip: the stored MPEG-TS segments of a time range remuxed into one MP4 (H.264 + AAC, no re-encoding) with
// mediabunny. The clip is made of whole segments: it starts at the segment boundary at or before the asked start
// (every segment starts with an IDR) and ends with the segment holding the asked end. Gaps between recordings are
// left out: the next recording follows the previous one directly in the clip's timeline.
import {
  BufferSource,
  BufferTarget,
  EncodedAudioPacketSource,
  EncodedPacketSink,
  EncodedVideoPacketSource,
  Input,
  Mp4OutputFormat,
  MP4,
  MPEG_TS,
  Output,
  type EncodedPacket,
} from "mediabunny";
import type { S3Store } from "../store/s3-store.js";
import type { OpenedObject } from "../store/local-store.js";
import { findSegments, type Lister, type RecordedSegment } from "./recordings.js";
import type { TimeRange } from "./time-range.js";

export interface ClipLimits {
  /** Most bytes of stored segments a clip may read (the MP4 is a little smaller). */
  maxBytes: number;
  /** Longest recorded duration a clip may hold. */
  maxDurationMs: number;
}

/** 200 MB or 30 minutes, whichever comes first: the MP4 is built in memory. */
export const DEFAULT_CLIP_LIMITS: ClipLimits = { maxBytes: 200 * 1024 * 1024, maxDurationMs: 30 * 60_000 };

/** The range holds more than the limits allow; decided from the listing, before any segment is read. */
export class ClipTooLargeError extends Error {
  override name = "ClipTooLargeError";
}

/** Nothing was recorded in the range. */
export class NothingRecordedError extends Error {
  override name = "NothingRecordedError";
}

/** A segment could not be read as H.264 + AAC (MPEG-TS, or fMP4 joined to its init segment), or its stream format differs from the clip's first. */
export class ClipSourceError extends Error {
  override name = "ClipSourceError";
}

/** Reads a whole stored segment. */
export type SegmentReader = (key: string) => Promise<Uint8Array>;

/** The largest segment a clip reads: a minute of 8 Mbps video is 60 MB. */
const SEGMENT_MAX_BYTES = 64 * 1024 * 1024;

/** Where segment bytes come from: a local directory (open) or an S3 bucket (a GET on the store's connection). */
export function segmentReaderFor(store: { open?(key: string): Promise<OpenedObject | undefined> } | Pick<S3Store, "connection">): SegmentReader {
  if ("open" in store && store.open) {
    const open = store.open.bind(store);
    return async (key) => {
      const opened = await open(key);
      if (!opened) throw new ClipSourceError(`segment ${key} disappeared while the clip was made`);
      const chunks: Buffer[] = [];
      for await (const chunk of opened.stream) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    };
  }
  if ("connection" in store) {
    const connection = store.connection;
    // (The clip's size was checked from the listing; this bounds one answer should the store send more.)
    return async (key) => (await connection.send({ method: "GET", key, maxBodyBytes: SEGMENT_MAX_BYTES })).body;
  }
  throw new Error("this store cannot read segments");
}

export interface ClipPlan {
  segments: RecordedSegment[];
  bytes: number;
  durationMs: number;
  /** Wall-clock start of the first segment and end of the last one. */
  startMs: number;
  endMs: number;
}

/** Lists the range and checks the limits: a clip that would be too large is refused before reading anything. */
export async function planClip(store: Lister, cameraPrefix: string, range: TimeRange, limits: ClipLimits = DEFAULT_CLIP_LIMITS): Promise<ClipPlan> {
  const segments = await findSegments(store, cameraPrefix, range);
  if (segments.length === 0) throw new NothingRecordedError("nothing was recorded in this range");
  const bytes = segments.reduce((sum, s) => sum + s.size, 0);
  const durationMs = segments.reduce((sum, s) => sum + s.durationMs, 0);
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  const min = (ms: number) => `${(ms / 60_000).toFixed(1)} min`;
  if (bytes > limits.maxBytes) {
    throw new ClipTooLargeError(`the range holds ${mb(bytes)} of recordings; a clip may hold at most ${mb(limits.maxBytes)}: choose a shorter range`);
  }
  if (durationMs > limits.maxDurationMs) {
    throw new ClipTooLargeError(`the range holds ${min(durationMs)} of recordings; a clip may hold at most ${min(limits.maxDurationMs)}: choose a shorter range`);
  }
  const last = segments[segments.length - 1];
  return { segments, bytes, durationMs, startMs: segments[0].startMs, endMs: last.startMs + last.durationMs };
}

/**
 * Remuxes the segments (time order, as planClip gives them) into an MP4 with its index at the front (fast start).
 * One segment is in memory at a time besides the MP4 being built.
 */
export async function remuxToMp4(segments: readonly RecordedSegment[], read: SegmentReader): Promise<Uint8Array> {
  const target = new BufferTarget();
  const output = new Output({ format: new Mp4OutputFormat({ fastStart: "in-memory" }), target });
  const videoOut = new EncodedVideoPacketSource("avc");
  const audioOut = new EncodedAudioPacketSource("aac");
  let started = false; // tracks added, output started
  let written = false; // the first packets (which carry the decoder configurations) are in
  let hasAudio = false;
  let videoConfig: string | undefined;
  let audioConfig: string | undefined;
  // Within one continuous run of a session the TS timestamps continue, so one offset maps them all onto the
  // clip's timeline; a discontinuity (new session, gap) starts a new run where the previous one ended.
  let offset = 0;
  let clipEnd = 0;

  try {
  // fMP4: each segment is read joined to its init segment (read once per init), as a fragmented MP4 file.
  let init: { key: string; bytes: Uint8Array } | undefined;
  for (const segment of segments) {
    let bytes = await read(segment.key);
    if (segment.initKey !== undefined) {
      if (init?.key !== segment.initKey) init = { key: segment.initKey, bytes: await read(segment.initKey) };
      bytes = Buffer.concat([init.bytes, bytes]);
    }
    const input = new Input({ source: new BufferSource(bytes), formats: [MPEG_TS, MP4] });
    try {
      const video = await input.getPrimaryVideoTrack();
      const audio = await input.getPrimaryAudioTrack();
      if (!video || video.codec !== "avc") throw new ClipSourceError(`segment ${segment.key} has no H.264 video`);
      if (audio && audio.codec !== "aac") throw new ClipSourceError(`segment ${segment.key} has audio that is not AAC`);
      const vConfig = await video.getDecoderConfig();
      const aConfig = audio ? await audio.getDecoderConfig() : null;
      if (!vConfig) throw new ClipSourceError(`segment ${segment.key}: no decodable H.264 parameter sets`);

      if (!started) {
        // The MP4 has one track per kind with one set of parameters, taken from the first segment.
        output.addVideoTrack(videoOut);
        hasAudio = audio !== null;
        if (hasAudio) output.addAudioTrack(audioOut);
        await output.start();
        videoConfig = describe(vConfig);
        audioConfig = aConfig ? describe(aConfig) : undefined;
        started = true;
      } else if (describe(vConfig) !== videoConfig || (hasAudio && (!aConfig || describe(aConfig) !== audioConfig))) {
        throw new ClipSourceError(`the stream format changes at segment ${segment.key} (resolution or codec settings): choose a range that ends before it`);
      }

      const videoPackets = await collect(new EncodedPacketSink(video));
      const audioPackets = hasAudio && audio ? await collect(new EncodedPacketSink(audio)) : [];
      if (videoPackets.length === 0) continue; // (a segment without frames adds nothing)
      if (!written || segment.discontinuity) {
        const first = Math.min(...videoPackets.map((p) => p.timestamp), ...audioPackets.map((p) => p.timestamp));
        offset = clipEnd - first;
      }
      for (const [i, packet] of videoPackets.entries()) {
        await videoOut.add(packet.clone({ timestamp: packet.timestamp + offset }), !written && i === 0 ? { decoderConfig: vConfig } : undefined);
        clipEnd = Math.max(clipEnd, packet.timestamp + offset + packet.duration);
      }
      for (const [i, packet] of audioPackets.entries()) {
        await audioOut.add(packet.clone({ timestamp: packet.timestamp + offset }), !written && i === 0 && aConfig ? { decoderConfig: aConfig } : undefined);
        clipEnd = Math.max(clipEnd, packet.timestamp + offset + packet.duration);
      }
      written = true;
    } finally {
      input.dispose();
    }
  }
  if (!written) throw new ClipSourceError("no segment in the range holds video");
  await output.finalize();
  } catch (err) {
    if (output.state !== "finalized" && output.state !== "canceled") await output.cancel();
    throw err;
  }
  return new Uint8Array(target.buffer!);
}

async function collect(sink: EncodedPacketSink): Promise<EncodedPacket[]> {
  const packets: EncodedPacket[] = [];
  for await (const packet of sink.packets()) packets.push(packet);
  return packets;
}

/** A decoder configuration as comparable text (codec string, size, parameter-set bytes). */
function describe(config: { codec: string; description?: unknown; codedWidth?: number; codedHeight?: number; sampleRate?: number; numberOfChannels?: number }): string {
  const d = config.description;
  const bytes = d instanceof ArrayBuffer ? new Uint8Array(d) : ArrayBuffer.isView(d) ? new Uint8Array(d.buffer, d.byteOffset, d.byteLength) : new Uint8Array();
  return JSON.stringify([config.codec, config.codedWidth, config.codedHeight, config.sampleRate, config.numberOfChannels, Buffer.from(bytes).toString("hex")]);
}
