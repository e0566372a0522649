// Streams ipc-hls recognises but does not carry are refused by name, not with a generic "no segment": MJPEG (a
// fixture made by Debian's ffmpeg -c:v mjpeg) and H.266/VVC. Debian's ffmpeg has no H.266 encoder (nor decoder), so
// the VVC stream is built here from the H.266 spec: start codes and two-byte NAL headers (7.3.1.2: forbidden and
// reserved bits 0, nuh_layer_id 0, nal_unit_type, TemporalId + 1 = 1) of an AUD, VPS, SPS, PPS and IDR picture.
// Through `ipc-hls mux`, the SDK's frame API (MuxerCore.putVideo: a drop reason) and its raw input (MuxerCore.raw).
import { afterAll, expect, test } from "vitest";
import { readFileSync, writeFileSync, existsSync, mkdirSync, readdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { MuxerCore } from "../src/core.js";
import { fixturePath, tempDir } from "./support/media-tools.js";
import { runCli } from "./support/mux-run.js";
import { runUnderNodeWasi } from "./support/wasi-run.js";

const tmp = tempDir("unsupported-codecs-");
afterAll(() => tmp.cleanup());

/** One H.266 NAL unit with a 4-byte start code (Table 5: AUD 20, VPS 14, SPS 15, PPS 16, IDR_N_LP 8). */
const vvcNal = (type: number, payload: number[]) => Uint8Array.from([0, 0, 0, 1, 0x00, (type << 3) | 1, ...payload]);
const vvcAccessUnit = Buffer.concat([
  vvcNal(20, [0x10]),
  vvcNal(14, [0x01, 0x02, 0x03, 0x04]),
  vvcNal(15, [0x05, 0x06, 0x07, 0x08, 0x09]),
  vvcNal(16, [0x0a, 0x0b, 0x0c]),
  vvcNal(8, Array.from({ length: 200 }, (_, i) => (i * 37 + 1) & 0xff || 1)),
]);
const mjpeg = new Uint8Array(readFileSync(fixturePath("video/mjpeg-160x120.mjpeg")));
/** The first JPEG picture of the MJPEG stream (SOI FF D8 to EOI FF D9). */
const firstJpeg = mjpeg.subarray(0, Buffer.from(mjpeg).indexOf(Buffer.from([0xff, 0xd9])) + 2);

const CASES = [
  { name: "H.266/VVC", file: () => (writeFileSync(join(tmp.path, "in.266"), Buffer.concat(Array(20).fill(vvcAccessUnit))), join(tmp.path, "in.266")), frame: vvcAccessUnit, reason: "codec-h266", says: /H\.266\/VVC is not supported/ },
  { name: "MJPEG", file: () => fixturePath("video/mjpeg-160x120.mjpeg"), frame: firstJpeg, reason: "codec-mjpeg", says: /MJPEG \(Motion JPEG\) is not supported/ },
] as const;

test.each(CASES)("ipc-hls mux refuses $name by name, writes no segment", async ({ file, says }) => {
  const out = join(tmp.path, `out-${Math.random().toString(36).slice(2)}`);
  const r = await runCli(["mux", file(), "--out", out]);
  expect(r.exitCode).toBe(1);
  expect(r.stderr).toMatch(says);
  expect(r.stderr).not.toMatch(/no segment|access unit found/);
  expect(existsSync(join(out, "index.m3u8"))).toBe(false);
});

test.each(CASES)("the WASI command (under node:wasi) refuses $name in the same words, writes no segment", async ({ file, says }) => {
  const input = file();
  const out = join(tmp.path, `wasi-${Math.random().toString(36).slice(2)}`);
  mkdirSync(out);
  const { run } = await runUnderNodeWasi(["in/" + basename(input), "--fps", "25", "--out", "out"], { dirs: { in: dirname(input), out } });
  expect(run.trapped).toBe(false);
  expect(run.exitCode).toBe(1);
  expect(run.stderr).toMatch(says);
  expect(run.stderr).not.toMatch(/no segment|access unit found/);
  expect(readdirSync(out)).toEqual([]);
});

test.each(CASES)("MuxerCore.putVideo names $name in its drop reason, whatever the videoCodec setting", async ({ frame, reason }) => {
  for (const videoCodec of ["auto", "h264", "h265"] as const) {
    const core = await MuxerCore.create({ bufferSize: 1 << 20, videoCodec });
    for (let i = 0; i < 3; i++) expect(core.putVideo([frame], i * 40_000), videoCodec).toBe(reason);
    core.flush();
    expect(core.takeSegment()).toBeUndefined();
    expect(core.stats().videoFramesDropped).toBe(3);
  }
});

test.each(CASES)("the raw input (MuxerCore.raw) reports $name in its status and muxes nothing", async ({ file, reason }) => {
  const core = await MuxerCore.create({ bufferSize: 1 << 20 });
  core.raw.rawStart(25);
  const bytes = readFileSync(file());
  for (let at = 0; at < bytes.length; at += 4096) core.raw.putRawVideo(bytes.subarray(at, at + 4096));
  core.raw.endRawVideo();
  core.flush();
  expect(core.raw.rawStatus().unsupportedVideo).toBe(reason);
  expect(core.takeSegment()).toBeUndefined();
});

test("H.264 and H.265 fixtures are never taken for either", async () => {
  for (const file of ["video/baseline-320x240-25fps.h264", "video/with-aud-320x240-25fps.h264", "video/hevc-bframes-320x240-25fps.h265"]) {
    const core = await MuxerCore.create({ bufferSize: 4 << 20 });
    core.raw.rawStart(25);
    const bytes = readFileSync(fixturePath(file));
    for (let at = 0; at < bytes.length; at += 4096) core.raw.putRawVideo(bytes.subarray(at, at + 4096));
    core.raw.endRawVideo();
    core.flush();
    expect(core.raw.rawStatus().unsupportedVideo, file).toBeUndefined();
    expect(core.stats().segmentsMade, file).toBeGreaterThan(0);
  }
});
