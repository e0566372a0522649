// A camera that records for more than 26.5 hours: PTS/DTS/PCR are 33-bit counters of a 90 kHz clock and wrap at
// 2^33 ticks. The core is fed a day and a bit of a tiny 1 fps all-IDR stream; the segments around the wrap must carry
// exactly (start + t) mod 2^33, keep continuity counters and every TS rule, and decode with ffmpeg.
import { afterAll, expect, test } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { MuxerCore } from "../src/core.js";
import { accessUnits } from "./support/annexb.js";
import { checkPackets, checkSegments } from "./support/ts-inspect.js";
import { decodeErrors, ffmpegSync, probePackets, tempDir } from "./support/media-tools.js";
import { readFileSync } from "node:fs";

const tmp = tempDir("core-wrap-");
afterAll(() => tmp.cleanup());

const WRAP = 2 ** 33;

test("timestamps wrap at 2^33 exactly; segments across the wrap pass every check and decode", async () => {
  // Two tiny IDR access units (64x64 grey, different idr_pic_id), alternated once a second.
  const raw = join(tmp.path, "tiny.h264");
  ffmpegSync(["-f", "lavfi", "-i", "color=gray:size=64x64:rate=1", "-frames:v", "2", "-c:v", "libx264", "-threads", "1",
    "-x264-params", "keyint=1", "-f", "h264", raw]);
  const idrs = accessUnits(new Uint8Array(readFileSync(raw)));
  expect(idrs.length).toBe(2);

  const core = await MuxerCore.create({ bufferSize: 1024 * 1024, segmentDuration: 60 });
  const seconds = 95_443 + 120; // 2^33 ticks is 95 443.7 s of 90 kHz clock
  let cc: Map<number, number> | undefined;
  const transport: string[] = [];
  const kept: Uint8Array[] = [];
  let firstPts: number | undefined;
  const take = () => {
    for (let s = core.takeSegment(); s; s = core.takeSegment()) {
      const bytes = new Uint8Array(s.byteLength);
      s.parts.reduce((at, p) => (bytes.set(p, at), at + p.length), 0);
      const r = checkPackets(bytes, cc);
      transport.push(...r.violations.slice(0, 3));
      cc = r.lastCc;
      // Keep the segments of the last few minutes: they straddle the wrap.
      if (s.startPtsUs >= (seconds - 400) * 1e6) kept.push(bytes);
      if (firstPts === undefined) firstPts = checkSegments([bytes])[0]!.videoPes[0]!.pts!;
      core.release(s.id);
    }
  };
  for (let t = 0; t < seconds; t++) {
    expect(core.putVideo([idrs[t % 2]!], t * 1e6, t * 1e6)).toBeUndefined();
    take();
  }
  core.flush();
  take();
  expect(transport).toEqual([]);
  expect(kept.length).toBeGreaterThanOrEqual(3);

  // Every video PES timestamp is (first + t × 90 000) mod 2^33, and the kept span does cross the wrap.
  const reports = checkSegments(kept);
  for (const [i, r] of reports.entries()) expect(r.violations, `segment ${i} of the last ones`).toEqual([]);
  const pes = reports.flatMap((r) => r.videoPes);
  const t0 = seconds - pes.length;
  pes.forEach((p, k) => expect(p.pts, `frame at ${t0 + k} s`).toBe((firstPts! + (t0 + k) * 90_000) % WRAP));
  expect(pes.some((p, k) => k > 0 && p.pts! < pes[k - 1]!.pts!), "the clock wrapped inside the kept span").toBe(true);

  // ffmpeg decodes each of them, and reads the timestamps going on across the wrap.
  for (const [i, bytes] of kept.entries()) {
    const file = join(tmp.path, `wrap-${i}.ts`);
    writeFileSync(file, bytes);
    expect(await decodeErrors(file), `segment ${i}`).toBe("");
    const packets = await probePackets(file, "v:0");
    expect(packets.length).toBeGreaterThan(0);
  }
}, 120_000);
