// Recordings for the playback tests: made by our own SDK from the bundled demo clip, or by Debian's ffmpeg
// (H.264 + AAC in MPEG-TS, 2 s segments cut at keyframes) stored under keys of our layout (src/keys.ts).
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { segmentKey, newSessionId, parseSegmentKey } from "../../src/keys.js";
import type { ObjectStore } from "../../src/store/types.js";
import type { Container } from "../../src/core-types.js";
import { HlsRecorder } from "../../src/sdk.js";
import { accessUnits, hevcAccessUnits } from "./annexb.js";
import { fixturePath, rawTimestampsUs, tempDir } from "./media-tools.js";
import { adtsFrames } from "./adts.js";

const run = promisify(execFile);

export interface RecordedKey {
  key: string;
  startMs: number;
  durationMs: number;
}

export interface StoredSegment extends RecordedKey {
  bytes: Uint8Array;
}

/** Encodes `seconds` of test pattern + tone and stores its segments under `prefix`, starting at `startMs`. */
export async function recordWithFfmpeg(
  store: ObjectStore,
  prefix: string,
  startMs: number,
  seconds: number,
  session = newSessionId(),
): Promise<StoredSegment[]> {
  const dir = tempDir("ipc-hls-rec-");
  try {
    await run("ffmpeg", [
      "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
      "-t", String(seconds), "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-g", "50", "-keyint_min", "50",
      "-sc_threshold", "0", "-c:a", "aac", "-b:a", "64k", "-ac", "1",
      // The hls muxer (unlike the segment muxer) keeps continuity counters and timestamps running across
      // segments, as one camera session does.
      "-f", "hls", "-hls_time", "2", "-hls_list_size", "0", "-hls_segment_filename", join(dir.path, "seg%03d.ts"),
      join(dir.path, "list.m3u8"),
    ]);
    const lines = (await readFile(join(dir.path, "list.m3u8"), "utf8")).split("\n");
    const segments: StoredSegment[] = [];
    let offsetMs = 0;
    for (const [i, line] of lines.entries()) {
      const extinf = /^#EXTINF:([\d.]+),/.exec(line);
      if (!extinf) continue;
      const durationMs = Math.round(Number(extinf[1]) * 1000);
      const key = segmentKey({ prefix, startMs: startMs + offsetMs, durationMs, session, seq: segments.length });
      const bytes = new Uint8Array(await readFile(join(dir.path, lines[i + 1].trim())));
      await store.put(key, [bytes], { contentType: "video/mp2t" });
      segments.push({ key, startMs: startMs + offsetMs, durationMs, bytes });
      offsetMs += durationMs;
    }
    return segments;
  } finally {
    dir.cleanup();
  }
}

/** A raw 25 fps video file to record instead of the demo clip's H.264 (path under fixtures/). */
export interface SdkSource {
  video: string;
  hevc?: boolean;
  /** The SDK's segmentDuration (seconds), for a short file cut into several segments. */
  segmentDuration?: number;
}

/**
 * Records the bundled 10 s demo clip (640x360 H.264 with B-frames + 48 kHz AAC) with our own SDK (HlsRecorder →
 * WASM core → store) into `store` under `prefix`, as if the camera's clock read `startMs` at the first frame.
 * `source` replaces the clip's video (e.g. an H.265 fixture); the audio stays.
 */
export async function recordWithSdk(
  store: ObjectStore,
  prefix: string,
  startMs: number,
  session = newSessionId(),
  container?: Container,
  source: SdkSource = { video: "sample/sample-640x360-25fps.h264" },
): Promise<RecordedKey[]> {
  const video = fixturePath(source.video);
  const { ptsUs, dtsUs } = await rawTimestampsUs(video, 25);
  const units = (source.hevc ? hevcAccessUnits : accessUnits)(new Uint8Array(await readFile(video)));
  const frames = [
    ...units.map((bytes, i) => ({ video: true, bytes, ptsUs: ptsUs[i]!, dtsUs: dtsUs[i]! })),
    ...adtsFrames(new Uint8Array(await readFile(fixturePath("sample/sample-48000-mono.aac")))).map((bytes, i) => {
      const t = Math.round((i * 1024 * 1e6) / 48_000);
      return { video: false, bytes, ptsUs: t, dtsUs: t };
    }),
  ].sort((a, b) => a.dtsUs - b.dtsUs || (a.video ? 1 : -1));
  const recorder = new HlsRecorder({ bufferSize: 4 * 1024 * 1024, store, prefix, session, container, segmentDuration: source.segmentDuration, now: () => startMs });
  const uploaded: string[] = [];
  recorder.on("segment-uploaded", (info) => uploaded.push(info.key));
  await recorder.start();
  for (const f of frames) {
    const dropped = f.video ? recorder.putVideoFrame({ parts: [f.bytes], timestampUs: f.ptsUs, decodeTimestampUs: f.dtsUs }) : recorder.putAudioFrame(f.bytes, f.ptsUs);
    if (dropped) throw new Error(`the recorder dropped a ${f.video ? "video" : "audio"} frame: ${dropped}`);
  }
  const stats = await recorder.close({ deadlineMs: 30_000 });
  if (stats.segmentsDropped > 0 || uploaded.length !== stats.segmentsMade) throw new Error(`recording lost segments: ${JSON.stringify(stats)}`);
  const segments: RecordedKey[] = [];
  for (const object of await store.list(prefix.replace(/\/?$/, "/"))) {
    const fields = parseSegmentKey(object.key);
    if (fields?.session === session) segments.push({ key: object.key, startMs: fields.startMs, durationMs: fields.durationMs });
  }
  return segments.sort((a, b) => a.startMs - b.startMs);
}
