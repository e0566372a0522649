// The fMP4 core under random input, H.264 and H.265 (hvc1) (fast-check, bounded to a few seconds): mutated and random frames, timestamps
// that go back or jump, audio, flushes, rings from 16 to 96 KiB under both policies. It never throws or traps, every
// segment it hands out is a well-formed moof + mdat whose runs lie inside the mdat and cover it, its init segment
// parses, and its mfhd sequence numbers rise. And the samples' NAL units are where a byte-by-byte search of the
// input puts them, with start codes, emulation prevention and runs of zeros put at random places in the slice data
// (the writer searches 64-byte blocks with vector tests; these land at every offset of a block and of the ring).
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { MuxerCore } from "../src/core.js";
import { accessUnits, hevcAccessUnits } from "./support/annexb.js";
import { adtsFrames } from "./support/adts.js";
import { fixturePath } from "./support/media-tools.js";
import { nalUnitsOf, readFragment, readInit } from "./support/mp4-inspect.js";

const CODECS = [
  {
    codec: "H.264",
    frames: [
      ...accessUnits(new Uint8Array(readFileSync(fixturePath("video/high-bframes-320x240-25fps.h264")))),
      ...accessUnits(new Uint8Array(readFileSync(fixturePath("video/multislice-320x240-25fps.h264")))),
    ],
    minSegments: 50,
  },
  // (Every lost HEVC picture counts as referenced: the runs wait for an IRAP more often, so fewer segments.)
  { codec: "H.265", frames: hevcAccessUnits(new Uint8Array(readFileSync(fixturePath("video/hevc-bframes-320x240-25fps.h265")))), minSegments: 10 },
];
const audio = adtsFrames(new Uint8Array(readFileSync(fixturePath("audio/aac-lc-48000-mono.aac"))));

interface Step {
  frame: number;
  flips: [number, number][];
  truncate: number;
  jitterUs: number;
  audio: boolean;
  flush: boolean;
}

const step: fc.Arbitrary<Step> = fc.record({
  frame: fc.nat(),
  flips: fc.oneof(fc.constant([] as [number, number][]), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 4 })),
  truncate: fc.oneof(fc.constant(0), fc.nat({ max: 3000 })),
  jitterUs: fc.oneof(fc.constant(0), fc.integer({ min: -200_000, max: 3_000_000 })),
  audio: fc.boolean(),
  flush: fc.nat({ max: 19 }).map((n) => n === 0),
});

function materialise(frames: Uint8Array[], s: Step): Uint8Array {
  let bytes = frames[s.frame % frames.length]!;
  if (s.truncate > 0) bytes = bytes.subarray(0, Math.min(s.truncate, bytes.length));
  if (s.flips.length > 0) {
    bytes = bytes.slice();
    for (const [at, mask] of s.flips) bytes[at % bytes.length]! ^= mask;
  }
  return bytes;
}

describe.each(CODECS)("fMP4 core under random $codec input", ({ frames, minSegments }) => {
  test("never throws; every segment is a well-formed moof + mdat with a parsable init segment", async () => {
    let segments = 0;
    let withAudio = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 20, maxLength: 160 }),
        fc.integer({ min: 16, max: 96 }),
        fc.constantFrom("drop-oldest" as const, "drop-new" as const),
        async (steps, ringKiB, overflowPolicy) => {
          const core = await MuxerCore.create({ bufferSize: ringKiB * 1024, maxFrameSize: 16 * 1024, segmentDuration: 0.5, overflowPolicy, container: "fmp4" });
          let lastSequence = 0;
          const drain = () => {
            for (let s = core.takeSegment(); s; s = core.takeSegment()) {
              const bytes = Buffer.concat(s.parts);
              expect(bytes.byteLength).toBe(s.byteLength);
              const f = readFragment(bytes);
              expect(f.sequence).toBeGreaterThan(lastSequence);
              lastSequence = f.sequence;
              let described = 0;
              for (const traf of f.trafs) {
                for (const r of traf.runs) {
                  const size = r.samples.reduce((n, x) => n + x.size, 0);
                  expect(f.moofStart + r.dataOffset).toBeGreaterThanOrEqual(f.mdatStart);
                  expect(f.moofStart + r.dataOffset + size).toBeLessThanOrEqual(f.mdatEnd);
                  described += size;
                }
              }
              expect(described).toBe(f.mdatEnd - f.mdatStart);
              expect(s.init).toBeDefined();
              readInit(s.init!.bytes);
              segments++;
              if (f.trafs.length === 2) withAudio++;
              core.release(s.id);
            }
          };
          let ptsUs = 0;
          let audioAt = 0;
          for (const s of steps) {
            ptsUs += 40_000 + s.jitterUs;
            core.putVideo([materialise(frames, s)], ptsUs);
            if (s.audio) core.putAudio([audio[audioAt++ % audio.length]!], ptsUs);
            if (s.flush) core.flush();
            drain();
          }
          core.flush();
          drain();
        },
      ),
      { numRuns: 200 },
    );
    // (The runs did reach the writer: segments came out, some with both tracks. The inputs are random, so the floor
    // is well under what a run gives: five runs made 196–266 segments for H.264 and 41–98 for H.265.)
    expect(segments).toBeGreaterThan(minSegments);
    expect(withAudio).toBeGreaterThan(0);
  }, 60_000);
});

// ---- NAL units where a byte-by-byte search puts them ----

/** NAL units as H.264 B.2 / H.265 B.2 delimit them: from a start code's end to the next 00 00 01, less trailing zeros. */
function referenceNalUnits(au: Uint8Array): Uint8Array[] {
  const units: Uint8Array[] = [];
  let start = -1;
  for (let i = 0; i + 2 < au.length; i++) {
    if (au[i] !== 0 || au[i + 1] !== 0 || au[i + 2] !== 1) continue;
    if (start >= 0) units.push(au.subarray(start, i));
    start = i + 3;
    i += 2;
  }
  if (start >= 0) units.push(au.subarray(start));
  return units
    .map((u) => {
      let end = u.length;
      while (end > 0 && u[end - 1] === 0) end--;
      return u.subarray(0, end);
    })
    .filter((u) => u.length > 0);
}

// What may go into slice data: start codes (3 and 4 bytes, with a NAL header byte after), an emulation prevention
// sequence, zero runs short and long (a run over a whole block holds pairs but no start code), near misses.
const inserts: fc.Arbitrary<number[]> = fc.oneof(
  fc.integer({ min: 0, max: 255 }).map((h) => [0, 0, 1, h, 0x80]),
  fc.integer({ min: 0, max: 255 }).map((h) => [0, 0, 0, 1, h, 0x80]),
  fc.constant([0, 0, 3]),
  fc.constant([0, 0, 1]),
  fc.nat({ max: 140 }).map((n) => new Array<number>(n + 1).fill(0)),
  fc.constantFrom([0, 1], [0, 0, 2], [1, 0, 0], [0, 2, 0, 1], [0, 0, 0, 0, 1, 0, 0, 1]),
);

const splitCases = [
  {
    codec: "H.264",
    frames: accessUnits(new Uint8Array(readFileSync(fixturePath("video/multislice-320x240-25fps.h264")))),
    firstSlice: (b: number) => (b & 0x1f) === 1 || (b & 0x1f) === 5,
    leftOut: (b: number) => (b & 0x1f) === 9, // AUD
    nonIdrHeader: [0x41], // a non-IDR slice, nal_ref_idc 2
  },
  {
    codec: "H.265",
    frames: hevcAccessUnits(new Uint8Array(readFileSync(fixturePath("video/hevc-bframes-320x240-25fps.h265")))),
    firstSlice: (b: number) => ((b >> 1) & 0x3f) < 32,
    // AUD; an IRAP picture's VPS/SPS/PPS (hvc1: in hvcC)
    leftOut: (b: number, irap: boolean) => ((b >> 1) & 0x3f) === 35 || (irap && ((b >> 1) & 0x3f) >= 32 && ((b >> 1) & 0x3f) <= 34),
    nonIdrHeader: [0x02, 0x01], // TRAIL_R
  },
];

/** Collects the video samples' NAL units (as hex) of every segment the core hands out, releasing each. */
function sampleCollector(core: MuxerCore) {
  const written: string[][] = [];
  const drain = () => {
    for (let s = core.takeSegment(); s; s = core.takeSegment()) {
      const bytes = new Uint8Array(Buffer.concat(s.parts));
      const f = readFragment(bytes);
      for (const r of f.trafs.find((t) => t.track === 1)?.runs ?? []) {
        let at = f.moofStart + r.dataOffset;
        for (const x of r.samples) written.push(nalUnitsOf(bytes.subarray(at, (at += x.size))).map((u) => Buffer.from(u).toString("hex")));
      }
      core.release(s.id);
    }
  };
  return { written, drain };
}

const hex = (units: Uint8Array[]) => units.map((u) => Buffer.from(u).toString("hex"));

describe.each(splitCases)("fMP4 samples of $codec access units with start-code-like bytes in the slice data", ({ frames, firstSlice, leftOut, nonIdrHeader }) => {
  test("every slice length from 60 to 200 bytes against a start code at every place in it (and at none)", async () => {
    // The block bounds, the bytes after the last block and a start code straddling them, by construction. (The
    // ring holds two runs, so no segment is dropped while the next opens; 4 MB go through it.)
    const core = await MuxerCore.create({ bufferSize: 160 * 1024, maxFrameSize: 16 * 1024, segmentDuration: 0.5, container: "fmp4" });
    const { written, drain } = sampleCollector(core);
    const expected: string[][] = [];
    let n = 0;
    const put = (frame: Uint8Array, irap: boolean) => {
      expect(core.putVideo([frame], n++ * 40_000)).toBeUndefined();
      expected.push(hex(referenceNalUnits(frame).filter((u) => !leftOut(u[0]!, irap))));
      drain();
    };
    for (let length = 60; length <= 200; length++) {
      put(frames[0]!, true); // an IDR (IRAP) with its parameter sets: each run of frames is a segment of its own
      const payload = Array.from({ length }, (_, i) => ((i * 7) % 251) + 1); // no zero byte
      for (let at = -1; at <= length; at++) {
        const slice = [...nonIdrHeader, ...payload];
        if (at >= 0) slice.splice(nonIdrHeader.length + at, 0, 0, 0, 1, ...nonIdrHeader);
        put(new Uint8Array([0, 0, 0, 1, ...slice]), false);
      }
    }
    core.flush();
    drain();
    expect(written.length).toBe(expected.length);
    written.forEach((units, i) => expect(units, `frame ${i}`).toEqual(expected[i]));
  }, 60_000);


  test("hold the NAL units a byte-by-byte search of the input finds, wherever they fall in a block or the ring", async () => {
    await fc.assert(
      fc.asyncProperty(
        // (At least a second of frames, so the ring wraps; it holds a GOP and a frame, so nothing is dropped.)
        fc.array(fc.array(fc.tuple(fc.nat(), inserts), { maxLength: 6 }), { minLength: 30, maxLength: 90 }),
        fc.integer({ min: 40, max: 96 }),
        fc.nat({ max: 3 }),
        async (insertsPerFrame, ringKiB, trailingZeros) => {
          const core = await MuxerCore.create({ bufferSize: ringKiB * 1024, maxFrameSize: 16 * 1024, segmentDuration: 0.5, container: "fmp4" });
          const expected: string[][] = [];
          const { written, drain } = sampleCollector(core);
          insertsPerFrame.forEach((list, i) => {
            const au = frames[i % frames.length]!;
            const units = referenceNalUnits(au);
            const slice = units.find((u) => firstSlice(u[0]!))!;
            const sliceAt = slice.byteOffset - au.byteOffset;
            const irap = ((slice[0]! >> 1) & 0x3f) >= 16 && ((slice[0]! >> 1) & 0x3f) <= 21; // (H.265 only)
            // Inserts go after the first slice's first 16 bytes (its header stays readable), up to the end, last first.
            const bytes = [...au];
            const places = list.map(([at, insert]) => [sliceAt + 16 + (at % (au.length - sliceAt - 15)), insert] as const).sort((a, b) => b[0] - a[0]);
            for (const [at, insert] of places) bytes.splice(at, 0, ...insert);
            for (let z = 0; z < trailingZeros; z++) bytes.push(0);
            const frame = new Uint8Array(bytes);
            expect(core.putVideo([frame], i * 40_000)).toBeUndefined();
            expected.push(hex(referenceNalUnits(frame).filter((u) => !leftOut(u[0]!, irap))));
            drain();
          });
          core.flush();
          drain();
          expect(written.length).toBe(expected.length);
          written.forEach((units, i) => expect(units, `frame ${i}`).toEqual(expected[i]));
        },
      ),
      { numRuns: 150 },
    );
  }, 60_000);
});
