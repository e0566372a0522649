// Helpers of the HlsRecorder end-to-end tests: fixture frames as a camera hands them over, what a separate
// MuxerCore makes of them, what MinIO holds (read with the AWS SDK client), event recording, decode checks.
import { expect } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { HlsRecorder, type HlsRecorderOptions, type SegmentDroppedEvent } from "../../src/sdk.js";
import { MuxerCore } from "../../src/core.js";
import type { UploadedInfo, RetryInfo, SpilledInfo } from "../../src/uploader.js";
import { accessUnits } from "./annexb.js";
import { decodeErrors, fixturePath, rawTimestampsUs } from "./media-tools.js";
import { minio, referenceClient } from "./minio.js";
import { adtsFrames } from "./adts.js";

export interface Frame {
  kind: "video" | "audio";
  bytes: Uint8Array;
  ptsUs: number;
  dtsUs: number;
}

/** Video and audio frames of a fixture pair, interleaved in decode-time order (video first on a tie). */
export async function fixtureFrames(video: string, fps: number, audio?: string, sampleRate = 48_000): Promise<Frame[]> {
  const data = new Uint8Array(readFileSync(fixturePath(video)));
  const { ptsUs, dtsUs } = await rawTimestampsUs(fixturePath(video), fps);
  const frames: Frame[] = accessUnits(data).map((bytes, i) => ({ kind: "video", bytes, ptsUs: ptsUs[i]!, dtsUs: dtsUs[i]! }));
  if (audio) {
    adtsFrames(new Uint8Array(readFileSync(fixturePath(audio)))).forEach((bytes, i) => {
      const t = Math.round((i * 1024 * 1e6) / sampleRate);
      frames.push({ kind: "audio", bytes, ptsUs: t, dtsUs: t });
    });
  }
  return frames.sort((a, b) => a.dtsUs - b.dtsUs || (a.kind === "video" ? -1 : 1));
}

/** A camera encoder's ring wraps: hand each frame over in two parts. */
export const split = (bytes: Uint8Array) => [bytes.subarray(0, bytes.length >> 1), bytes.subarray(bytes.length >> 1)];

/** What a MuxerCore makes from the same frames, by segment sequence number (copies). */
export async function referenceSegments(frames: Frame[], bufferSize: number): Promise<Map<number, Buffer>> {
  const core = await MuxerCore.create({ bufferSize, audio: frames.some((f) => f.kind === "audio") });
  const out = new Map<number, Buffer>();
  const drain = () => {
    for (let s = core.takeSegment(); s; s = core.takeSegment()) {
      out.set(s.seq, Buffer.concat(s.parts.map((p) => Buffer.from(p)) as unknown as Uint8Array[]));
      core.release(s.id);
    }
  };
  for (const f of frames) {
    if (f.kind === "video") core.putVideo([f.bytes], f.ptsUs, f.dtsUs);
    else core.putAudio([f.bytes], f.ptsUs);
    drain();
  }
  core.flush();
  drain();
  return out;
}

export async function storedObjects(bucket: string) {
  const s3 = referenceClient();
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  const out = new Map<string, { bytes: Buffer; metadata: Record<string, string> }>();
  for (const o of listed.Contents ?? []) {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key! }));
    out.set(o.Key!, { bytes: Buffer.from(await got.Body!.transformToByteArray()), metadata: got.Metadata ?? {} });
  }
  return out;
}

export function record(recorder: HlsRecorder) {
  const uploaded: UploadedInfo[] = [];
  const dropped: SegmentDroppedEvent[] = [];
  const retries: RetryInfo[] = [];
  const errors: Error[] = [];
  const spilled: SpilledInfo[] = [];
  recorder.on("segment-uploaded", (i) => uploaded.push(i));
  recorder.on("segment-spilled", (i) => spilled.push(i));
  recorder.on("segment-dropped", (d) => dropped.push(d));
  recorder.on("retry", (r) => retries.push(r));
  recorder.on("error", (e) => errors.push(e));
  return { uploaded, dropped, retries, errors, spilled };
}

/** A recorder uploading to the test MinIO through a fault proxy at `endpoint`, with short backoffs. */
export function recorderBehindProxy(endpoint: string, bucket: string, options: Pick<HlsRecorderOptions, "bufferSize" | "audio" | "overflowPolicy" | "spill">): HlsRecorder {
  const m = minio();
  return new HlsRecorder({
    ...options,
    region: m.region,
    bucket,
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: m.accessKeyId, secretAccessKey: m.secretAccessKey },
    retryBackoff: { baseMs: 5, capMs: 20 },
  });
}

/** Every stored object decodes alone with ffmpeg -v error -xerror (nothing printed); files go to `dir`. */
export async function expectEachDecodes(stored: Map<string, { bytes: Buffer }>, dir: string, label: string): Promise<void> {
  for (const [key, object] of stored) {
    const file = join(dir, `${label}-${key.replace(/\//g, "_")}`);
    writeFileSync(file, object.bytes as unknown as Uint8Array);
    expect(await decodeErrors(file), key).toBe("");
  }
}
