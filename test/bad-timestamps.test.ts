// Timestamps that are not numbers a timeline can use (NaN, ±Infinity, beyond ±2^53 µs) are refused as
// `malformed`, first frame or later, video or audio, PTS or DTS, and recording goes on: before, a NaN first
// timestamp became the origin and every later frame was refused as `timestamp-backwards`.
import { describe, it, expect, afterAll } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MuxerCore } from "../src/core.js";
import { HlsRecorder } from "../src/sdk.js";
import type { ObjectStore } from "../src/store/types.js";
import { accessUnits } from "./support/annexb.js";
import { adtsFrames } from "./support/adts.js";
import { decodeErrors, fixturePath, rawTimestampsUs, tempDir } from "./support/media-tools.js";

const tmp = tempDir("bad-timestamps-");
afterAll(() => tmp.cleanup());

const VIDEO = "video/baseline-320x240-25fps.h264"; // IDR every 25 frames
const AUDIO = "audio/aac-lc-48000-mono.aac";
const BAD = [NaN, Infinity, -Infinity, 1e300];

async function fixture() {
  const aus = accessUnits(new Uint8Array(readFileSync(fixturePath(VIDEO))));
  const { ptsUs, dtsUs } = await rawTimestampsUs(fixturePath(VIDEO), 25);
  const adts = adtsFrames(new Uint8Array(readFileSync(fixturePath(AUDIO))));
  return { aus, ptsUs, dtsUs, adts };
}

/** Muxes the fixture (video, with audio up to the same time) after `before` puts; returns segments and reasons. */
async function mux(before: (core: MuxerCore) => unknown[], badAt?: { index: number; ptsUs: number; dtsUs: number }) {
  const { aus, ptsUs, dtsUs, adts } = await fixture();
  const core = await MuxerCore.create({ bufferSize: 1024 * 1024, audio: true });
  const early = before(core);
  const segments: Buffer[] = [];
  const reasons: (string | undefined)[] = [];
  const drain = () => {
    for (let s = core.takeSegment(); s; s = core.takeSegment()) {
      segments.push(Buffer.concat(s.parts.map((p) => Buffer.from(p)) as unknown as Uint8Array[]));
      core.release(s.id);
    }
  };
  let a = 0;
  aus.forEach((au, i) => {
    for (; a < adts.length && (a * 1024 * 1e6) / 48000 <= dtsUs[i]!; a++) core.putAudio([adts[a]!], (a * 1024 * 1e6) / 48000);
    const bad = badAt?.index === i;
    reasons.push(core.putVideo([au], bad ? badAt.ptsUs : ptsUs[i]!, bad ? badAt.dtsUs : dtsUs[i]!));
    drain();
  });
  core.flush();
  drain();
  return { early, segments, reasons, stats: core.stats(), ptsUs, dtsUs, aus, adts };
}

describe("MuxerCore refuses unusable timestamps as malformed and keeps recording", () => {
  it.each(BAD.flatMap((bad) => [
    { what: `first video frame, PTS ${bad}`, pts: bad, dts: 0 },
    { what: `first video frame, DTS ${bad}`, pts: 0, dts: bad },
  ]))("$what", async ({ pts, dts }) => {
    const clean = await mux(() => []);
    const { aus } = await fixture();
    const run = await mux((core) => [core.putVideo([aus[0]!], pts, dts)]);
    expect(run.early).toEqual(["malformed"]);
    expect(run.reasons.filter(Boolean)).toEqual([]);
    // The refused frame changed nothing: the same segments, byte for byte.
    expect(run.segments.length).toBe(clean.segments.length);
    run.segments.forEach((s, i) => expect(s.equals(clean.segments[i]!)).toBe(true));
    expect(run.stats.videoFramesIn).toBe(clean.stats.videoFramesIn + 1);
    expect(run.stats.videoFramesDropped).toBe(1);
  });

  it.each(BAD.map((bad) => ({ bad })))("first audio frame at $bad", async ({ bad }) => {
    const clean = await mux(() => []);
    const { adts } = await fixture();
    const run = await mux((core) => [core.putAudio([adts[0]!], bad)]);
    expect(run.early).toEqual(["malformed"]);
    expect(run.reasons.filter(Boolean)).toEqual([]);
    run.segments.forEach((s, i) => expect(s.equals(clean.segments[i]!)).toBe(true));
    expect(run.stats.audioFramesDropped).toBe(clean.stats.audioFramesDropped + 1);
  });

  it.each(BAD.map((bad) => ({ bad })))("a video frame in the middle at $bad: refused, the stream resumes at the next IDR", async ({ bad }) => {
    const run = await mux(() => [], { index: 10, ptsUs: bad, dtsUs: bad });
    expect(run.reasons[10]).toBe("malformed");
    // The frames that referenced it wait for the next IDR (frame 25); nothing is refused as backwards.
    expect(run.reasons.slice(11, 25).every((r) => r === "waiting-for-keyframe")).toBe(true);
    expect(run.reasons.slice(25).filter(Boolean)).toEqual([]);
    expect(run.reasons).not.toContain("timestamp-backwards");
    expect(run.segments.length).toBeGreaterThanOrEqual(2);
    const file = join(tmp.path, `middle-${bad}.ts`);
    writeFileSync(file, Buffer.concat(run.segments as unknown as Uint8Array[]) as unknown as Uint8Array);
    expect(await decodeErrors(file)).toBe("");
  });

  it("negative timestamps are usable (an encoder's first DTS with B-frames is often below zero)", async () => {
    const run = await mux(() => [], undefined);
    const shifted = await (async () => {
      const { aus, ptsUs, dtsUs } = await fixture();
      const core = await MuxerCore.create({ bufferSize: 1024 * 1024 });
      return aus.map((au, i) => core.putVideo([au], ptsUs[i]! - 10_000_000, dtsUs[i]! - 10_000_000));
    })();
    expect(shifted.filter(Boolean)).toEqual([]);
    expect(run.reasons.filter(Boolean)).toEqual([]);
  });
});

describe("HlsRecorder: a NaN first timestamp no longer wedges the recorder", () => {
  it.each([
    { what: "timestampUs NaN", first: { timestampUs: NaN } },
    { what: "timestampUs Infinity", first: { timestampUs: Infinity } },
    { what: "decodeTimestampUs NaN", first: { timestampUs: 0, decodeTimestampUs: NaN } },
  ])("$what: refused as malformed, every later frame recorded", async ({ first }) => {
    const { aus, ptsUs, dtsUs, adts } = await fixture();
    const stored: string[] = [];
    const store: ObjectStore = { description: "memory", put: async (key) => void stored.push(key), list: async () => [] };
    const recorder = new HlsRecorder({ bufferSize: 1024 * 1024, store, audio: true });
    await recorder.start();
    expect(recorder.putAudioFrame(adts[0]!, NaN)).toBe("malformed");
    expect(recorder.putVideoFrame({ parts: [aus[0]!], ...first })).toBe("malformed");
    const reasons = aus.map((au, i) => recorder.putVideoFrame({ parts: [au], timestampUs: ptsUs[i]!, decodeTimestampUs: dtsUs[i]! }));
    expect(reasons.filter(Boolean)).toEqual([]);
    const stats = await recorder.close();
    expect(stats.videoFramesIn).toBe(aus.length + 1);
    expect(stats.videoFramesDropped).toBe(1);
    expect(stats.audioFramesDropped).toBe(1);
    expect(stats.segmentsMade).toBeGreaterThanOrEqual(2);
    expect(stored).toHaveLength(stats.segmentsMade);
  });
});
