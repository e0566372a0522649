// Players read consecutive segments as one stream: the PCR must never go backwards from one segment to the next,
// even when audio runs a little ahead of a B-frame stream's decode times, and it must stay below every DTS.
import { afterAll, describe, expect, test } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { muxFiles } from "../src/mux-files.js";
import { MuxerCore } from "../src/core.js";
import { accessUnits } from "./support/annexb.js";
import { adtsFrames } from "./support/adts.js";
import { parseTs } from "./support/ts-inspect.js";
import { fixturePath, tempDir } from "./support/media-tools.js";

const tmp = tempDir("pcr-");
afterAll(() => tmp.cleanup());

/** Checks PCRs over consecutive segments: never backwards, and never past the DTS of a PES that follows. */
function checkClock(segments: { name: string; bytes: Uint8Array }[]): number {
  let last = -Infinity;
  let checked = 0;
  for (const s of segments) {
    const parsed = parseTs(s.bytes);
    const clockAt: number[] = []; // the latest PCR at each packet
    for (const p of parsed.packets) {
      const pcr = p.adaptation?.pcr;
      if (pcr !== undefined) {
        expect(pcr, `${s.name} packet ${p.index}`).toBeGreaterThanOrEqual(last);
        last = pcr;
        checked++;
      }
      clockAt[p.index] = last;
    }
    // A PES must not be due before the clock has reached the packet that starts it: PCR ≤ DTS (27 MHz).
    for (const pes of parsed.pes) {
      const dts = pes.dts ?? pes.pts;
      expect(dts, `${s.name} PES at packet ${pes.packetIndex}`).toBeDefined();
      expect(clockAt[pes.packetIndex]!, `${s.name} PES at packet ${pes.packetIndex}`).toBeLessThanOrEqual(dts! * 300);
    }
  }
  return checked;
}

describe("PCR across segments", () => {
  test("audio flushed at a cut runs far past the next IDR's DTS (PTS 0.5 s after DTS): the clock still never goes back", async () => {
    const video = accessUnits(new Uint8Array(readFileSync(fixturePath("video/baseline-320x240-25fps.h264"))));
    const audio = adtsFrames(new Uint8Array(readFileSync(fixturePath("audio/aac-lc-48000-mono.aac"))));
    const core = await MuxerCore.create({ bufferSize: 2 * 1024 * 1024, segmentDuration: 1, audio: true });
    const events = [
      ...video.map((au, i) => ({ t: i * 40_000, put: () => core.putVideo([au], i * 40_000 + 500_000, i * 40_000) })),
      // Audio handed over half a second before the video of the same time (as the raw feeder does).
      ...audio.slice(0, 140).map((f, i) => ({ t: (i * 1024 * 1e6) / 48_000 - 500_000, put: () => core.putAudio([f], (i * 1024 * 1e6) / 48_000) })),
    ].sort((a, b) => a.t - b.t);
    for (const e of events) expect(e.put()).toBeUndefined();
    core.flush();
    const segments: { name: string; bytes: Uint8Array }[] = [];
    for (let s = core.takeSegment(); s; s = core.takeSegment()) segments.push({ name: `segment ${s.seq}`, bytes: new Uint8Array(Buffer.concat(s.parts)) });
    expect(segments.length).toBe(3);
    expect(checkClock(segments)).toBeGreaterThan(60);
  });

  test.each([
    { video: "video/av-1280x720-25fps.h264", audio: "audio/aac-lc-48000-mono.aac", fps: 25 },
    { video: "video/high-bframes-320x240-25fps.h264", audio: undefined, fps: 25 },
  ])("$video (+ $audio): non-decreasing over the whole recording, and below each PES's DTS", async ({ video, audio, fps }) => {
    const outDir = join(tmp.path, video.replace(/\W/g, "_"));
    const result = await muxFiles({ video: fixturePath(video), audio: audio && fixturePath(audio), fpsNum: fps, fpsDen: 1, outDir, segmentDuration: 1 });
    expect(result.segments.length).toBeGreaterThan(1);
    const segments = result.segments.map((s) => ({ name: s.file, bytes: new Uint8Array(readFileSync(join(outDir, s.file))) }));
    expect(checkClock(segments)).toBeGreaterThan(result.segments.length);
  });
});
