// The audio path fed directly (MuxerCore.putAudio) and through `ipc-hls mux --audio`, with good and bad input:
// audio that arrives before the first IDR, a broken ADTS header, a sample-rate change, audio with no video, and a
// file that holds no audio at all. Segments are judged by our TS checker and ffmpeg.
import { afterAll, describe, expect, test } from "vitest";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MuxerCore } from "../src/core.js";
import type { Segment } from "../src/core-types.js";
import { accessUnits } from "./support/annexb.js";
import { checkSegments } from "./support/ts-inspect.js";
import { decodeErrors, fixturePath, probeStreams, tempDir } from "./support/media-tools.js";
import { runCli, collectOutput } from "./support/mux-run.js";
import { adtsFrames } from "./support/adts.js";

const tmp = tempDir("audio-input-");
afterAll(() => tmp.cleanup());

const video = accessUnits(new Uint8Array(readFileSync(fixturePath("video/baseline-320x240-25fps.h264"))));
const mono48k = adtsFrames(new Uint8Array(readFileSync(fixturePath("audio/aac-lc-48000-mono.aac"))));
const stereo44k = adtsFrames(new Uint8Array(readFileSync(fixturePath("audio/aac-lc-44100-stereo.aac"))));
const FRAME_US = 40_000;
const AAC_US = (1024 * 1e6) / 48000; // 21 333.33 µs

type Taken = { bytes: Uint8Array; meta: Omit<Segment, "parts"> };

function drain(core: MuxerCore, into: Taken[]): void {
  for (let s = core.takeSegment(); s; s = core.takeSegment()) {
    const { parts, ...meta } = s;
    const bytes = new Uint8Array(s.byteLength);
    parts.reduce((at, p) => (bytes.set(p, at), at + p.length), 0);
    into.push({ bytes, meta });
    core.release(s.id);
  }
}

/** Interleaves video (baseline, 25 fps) and 48 kHz mono audio in time order from audioStartUs on. */
async function muxAv(options: { audioStartUs?: number; videoFrames?: number; audioFrames?: (i: number) => Uint8Array | undefined } = {}) {
  const core = await MuxerCore.create({ bufferSize: 2 * 1024 * 1024, segmentDuration: 1 });
  const segments: Taken[] = [];
  const reasons: string[] = [];
  const n = options.videoFrames ?? video.length;
  const audioStart = options.audioStartUs ?? 0;
  let a = 0;
  for (let v = 0; v < n; v++) {
    const t = v * FRAME_US;
    while (audioStart + a * AAC_US <= t && a < mono48k.length) {
      const frame = options.audioFrames ? options.audioFrames(a) : mono48k[a]!;
      if (frame) {
        const r = core.putAudio([frame], audioStart + a * AAC_US);
        if (r) reasons.push(`audio ${a}: ${r}`);
      }
      a++;
    }
    const r = core.putVideo([video[v]!], t, t);
    if (r) reasons.push(`video ${v}: ${r}`);
    drain(core, segments);
  }
  core.flush();
  drain(core, segments);
  return { segments, reasons, stats: core.stats() };
}

async function decodesCleanly(segments: Taken[], name: string): Promise<void> {
  for (const [i, s] of segments.entries()) {
    const file = join(tmp.path, `${name}-${i}.ts`);
    writeFileSync(file, s.bytes);
    expect(await decodeErrors(file), `${name} segment ${i}`).toBe("");
    const kinds = (await probeStreams(file)).map((x) => x.codecType).sort();
    expect(kinds, `${name} segment ${i}`).toEqual(["audio", "video"]);
  }
}

describe("MuxerCore with audio", () => {
  test("A/V in time order: every segment has both, passes the TS checks, decodes; codecs and audio facts reported", async () => {
    const { segments, reasons } = await muxAv();
    expect(reasons).toEqual([]);
    expect(segments.length).toBe(3);
    for (const s of segments) {
      expect(s.meta.codecs).toBe("avc1.42c00d,mp4a.40.2");
      expect(s.meta.audioFrames).toBeGreaterThan(0);
    }
    for (const [i, r] of checkSegments(segments.map((s) => s.bytes)).entries()) expect(r.violations, `segment ${i}`).toEqual([]);
    await decodesCleanly(segments, "av");
  });

  test("audio that starts 0.5 s before the first video frame makes no audio-only segment", async () => {
    const { segments } = await muxAv({ audioStartUs: -500_000 });
    expect(segments.length).toBeGreaterThan(0);
    for (const [i, r] of checkSegments(segments.map((s) => s.bytes)).entries()) {
      expect(r.violations, `segment ${i}`).toEqual([]);
      expect(r.videoPes.length, `segment ${i} has video`).toBeGreaterThan(0);
    }
    // No audio in the first segment from before its first video frame by more than one AAC frame.
    const first = checkSegments([segments[0]!.bytes])[0]!;
    const videoStart = first.videoPes[0]!.pts!;
    for (const p of first.audioPes) expect(videoStart - p.pts!, "audio from before the segment's span").toBeLessThanOrEqual((AAC_US * 90) / 1000 + 1);
  });

  test("a segment that ends up with no audio does not announce an audio stream in its PMT", async () => {
    // Found by core-fuzz: audio arrives just before the first IDR (so it belongs to no segment), then the stream
    // ends after that IDR. The one segment has video only.
    const core = await MuxerCore.create({ bufferSize: 1024 * 1024, segmentDuration: 1 });
    expect(core.putVideo([video[23]!], 23 * FRAME_US, 23 * FRAME_US)).toBe("waiting-for-keyframe");
    core.putVideo([video[24]!], 24 * FRAME_US, 24 * FRAME_US);
    core.putAudio([mono48k[0]!], 24 * FRAME_US);
    expect(core.putVideo([video[25]!], 25 * FRAME_US, 25 * FRAME_US)).toBeUndefined();
    core.flush();
    const segments: Taken[] = [];
    drain(core, segments);
    expect(segments.length).toBe(1);
    const [report] = checkSegments([segments[0]!.bytes]);
    expect(report!.violations).toEqual([]);
    expect(report!.audioPes.length === 0).toBe(report!.audioPid === undefined);
    expect(segments[0]!.meta.codecs.includes("mp4a")).toBe(report!.audioPes.length > 0);
  });

  test("a broken ADTS header is refused as malformed; the stream goes on cleanly", async () => {
    const broken = (i: number) => {
      if (i !== 10) return mono48k[i]!;
      const b = mono48k[i]!.slice();
      b[1] = 0x00; // destroy the syncword
      return b;
    };
    const { segments, reasons } = await muxAv({ audioFrames: broken });
    expect(reasons).toEqual(["audio 10: malformed"]);
    for (const [i, r] of checkSegments(segments.map((s) => s.bytes)).entries()) expect(r.violations, `segment ${i}`).toEqual([]);
    await decodesCleanly(segments, "broken-adts");
  });

  test("a sample-rate change mid-stream is refused as audio-format-change", async () => {
    const switched = (i: number) => (i < 20 ? mono48k[i]! : stereo44k[i]!);
    const { segments, reasons, stats } = await muxAv({ audioFrames: switched });
    expect(reasons.length).toBeGreaterThan(0);
    expect(new Set(reasons.map((r) => r.split(": ")[1]))).toEqual(new Set(["audio-format-change"]));
    expect(stats.audioFramesDropped).toBe(reasons.length);
    for (const [i, r] of checkSegments(segments.map((s) => s.bytes)).entries()) expect(r.violations, `segment ${i}`).toEqual([]);
  });

  test("audio with no video at all: no segment, the frames are counted as dropped", async () => {
    const core = await MuxerCore.create({ bufferSize: 1024 * 1024 });
    const reasons = new Set<string | undefined>();
    for (let a = 0; a < 150; a++) reasons.add(core.putAudio([mono48k[a]!], a * AAC_US));
    core.flush();
    const segments: Taken[] = [];
    drain(core, segments);
    expect(segments).toEqual([]);
    const stats = core.stats();
    expect(stats.audioFramesIn).toBe(150);
    expect(stats.audioFramesDropped).toBe(150);
    expect([...reasons]).toEqual([undefined]);
  });
});

describe("ipc-hls mux --audio with a file that holds no AAC", () => {
  test("no stream is announced that is not there: no invalid codec string, PMT lists only the video", async () => {
    const garbage = join(tmp.path, "not-audio.aac");
    writeFileSync(garbage, Uint8Array.from({ length: 30_000 }, (_, i) => (i * 7919 + 13) & 0xff));
    const out = join(tmp.path, "garbage-audio");
    mkdirSync(out);
    const r = await runCli(["mux", fixturePath("video/baseline-320x240-25fps.h264"), "--audio", garbage, "--fps", "25", "--out", out]);
    // Either a clear refusal, or a video-only recording; never an audio stream with no audio in it.
    if (r.exitCode !== 0) {
      expect(r.stderr.trim()).not.toBe("");
      return;
    }
    expect(r.stdout + r.stderr).not.toMatch(/mp4a\.40\.0/);
    const mux = collectOutput(out);
    expect(mux.segments.length).toBeGreaterThan(0);
    for (const [i, rep] of checkSegments(mux.segments.map((s) => s.bytes)).entries()) expect.soft(rep.violations, `segment ${i}`).toEqual([]);
  });
});
