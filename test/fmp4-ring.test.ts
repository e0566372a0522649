// fMP4 segments through a ring several times smaller than the input: segments that wrap the ring end come out as
// up to four views (head, then samples) and still decode; with the ring full and nothing released, both overflow
// policies drop whole frames or segments (counted) and every segment handed out still decodes under -xerror.
import { afterAll, describe, expect, test } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MuxerCore, type Segment } from "../src/core.js";
import { accessUnits } from "./support/annexb.js";
import { decodeErrors, fixturePath, frameHashes, tempDir } from "./support/media-tools.js";

const tmp = tempDir("fmp4-ring-");
afterAll(() => tmp.cleanup());

const FIXTURE = "video/baseline-320x240-25fps.h264"; // no B-frames: pts = dts
const REPEATS = 6;
const RING = 48 * 1024; // the input is about 300 KB, its largest segment about 32 KB

interface Taken {
  bytes: Buffer;
  parts: number;
  init: Buffer;
}

/** Feeds the fixture REPEATS times, 25 fps; `keep` decides per segment whether it is released at once. */
async function run(policy: "drop-oldest" | "drop-new", release: boolean) {
  const core = await MuxerCore.create({ bufferSize: RING, segmentDuration: 1, overflowPolicy: policy, container: "fmp4" });
  const units = accessUnits(readFileSync(fixturePath(FIXTURE)));
  const taken: Taken[] = [];
  const take = () => {
    for (let s: Segment | undefined = core.takeSegment(); s; s = core.takeSegment()) {
      // Copied at once: a segment not released may be dropped (and overwritten) by a later put.
      taken.push({ bytes: Buffer.concat(s.parts), parts: s.parts.length, init: Buffer.from(s.init!.bytes) });
      expect(s.byteLength).toBe(taken.at(-1)!.bytes.byteLength);
      if (release) core.release(s.id);
    }
  };
  let pts = 0;
  for (let r = 0; r < REPEATS; r++) {
    for (const au of units) {
      core.putVideo([au], pts);
      pts += 40_000;
      take();
    }
  }
  core.flush();
  take();
  return { taken, stats: core.stats(), frames: units.length * REPEATS };
}

describe("fMP4 through a small ring", () => {
  test("released at once: segments wrap the ring end, all decode, the pictures hash as the raw input's", async () => {
    const { taken, stats, frames } = await run("drop-new", true);
    expect(stats.videoFramesDropped).toBe(0);
    expect(stats.segmentsDropped).toBe(0);
    expect(taken.some((t) => t.parts > 2), "some segment wraps the ring end").toBe(true);
    for (const t of taken) expect(t.init.equals(taken[0]!.init)).toBe(true);
    for (const [i, t] of taken.entries()) {
      const file = join(tmp.path, `released-${i}.mp4`);
      writeFileSync(file, Buffer.concat([t.init, t.bytes]));
      expect(await decodeErrors(file), `segment ${i}`).toBe("");
    }
    const whole = join(tmp.path, "released-whole.mp4");
    writeFileSync(whole, Buffer.concat([taken[0]!.init, ...taken.map((t) => t.bytes)]));
    const raw = await frameHashes(fixturePath(FIXTURE), "v:0", ["-r", "25"]);
    const got = await frameHashes(whole);
    expect(got.length).toBe(frames);
    expect(got).toEqual(Array.from({ length: REPEATS }, () => raw).flat());
  });

  test.each(["drop-oldest", "drop-new"] as const)("nothing released, %s: drops are whole and counted, what is handed out decodes", async (policy) => {
    const { taken, stats } = await run(policy, false);
    if (policy === "drop-oldest") expect(stats.segmentsDropped).toBeGreaterThan(0);
    else expect(stats.videoFramesDropped).toBeGreaterThan(0);
    expect(taken.length).toBeGreaterThan(0);
    for (const [i, t] of taken.entries()) {
      const file = join(tmp.path, `${policy}-${i}.mp4`);
      writeFileSync(file, Buffer.concat([t.init, t.bytes]));
      expect(await decodeErrors(file), `segment ${i}`).toBe("");
    }
  });
});
