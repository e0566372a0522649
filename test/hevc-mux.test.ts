// H.265 input, MPEG-TS output (--container ts; fMP4 is HEVC's default, test/hevc-fmp4.test.ts): raw HEVC files made at test time with Debian's ffmpeg + libx265 (no B-frames,
// B-frames, 4 slices per picture, with and without AUDs, 29.97 fps) go through `ipc-hls mux`; ffmpeg must decode
// every segment without an error, give the same pictures (per-frame MD5) as its decode of the raw file, and ffprobe
// must see an HEVC stream (stream_type 0x24) whose profile and level match the codec string we report.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { decodeErrors, ffmpegSync, frameHashes, probePackets, probeStreams, tempDir } from "./support/media-tools.js";
import { collectOutput, ipcHlsMux, runCli, type MuxResult } from "./support/mux-run.js";
import { runUnderNodeWasi } from "./support/wasi-run.js";

const tmp = tempDir("hevc-mux-");
afterAll(() => tmp.cleanup());

// name → x265 parameters; keyint 30 at 29.97 fps: a closed GOP (an IDR) every ~1 s, so 2 s segments hold two.
const FIXTURES: Record<string, string> = {
  "no-b": "bframes=0",
  bframes: "bframes=3:b-pyramid=1",
  slices: "slices=4:bframes=2",
  "with-aud": "aud=1:bframes=2",
};

function makeFixture(name: string, params: string): string {
  const file = join(tmp.path, `${name}.hevc`);
  ffmpegSync([
    "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30000/1001:duration=3",
    "-c:v", "libx265", "-pix_fmt", "yuv420p", "-b:v", "200k",
    "-x265-params", `log-level=error:pools=1:frame-threads=1:keyint=30:min-keyint=30:scenecut=0:open-gop=0:${params}`,
    "-f", "hevc", file,
  ]);
  return file;
}

/** The E.3 codec string from the hvcC box of an MP4 that ffmpeg makes from the raw stream (-c copy). */
function codecStringFromHvcc(rawFile: string): string {
  const mp4 = `${rawFile}.mp4`;
  ffmpegSync(["-i", rawFile, "-c", "copy", "-tag:v", "hvc1", mp4]);
  const bytes = readFileSync(mp4);
  const at = bytes.indexOf("hvcC") + 4; // then configurationVersion, profile byte, 4 compat, 6 constraint, level
  const profileByte = bytes[at + 1]!;
  const compat = bytes.readUInt32BE(at + 2);
  let reversed = 0;
  for (let i = 0; i < 32; i++) if (compat & (1 << i)) reversed |= 1 << (31 - i);
  const constraints = [...bytes.subarray(at + 6, at + 12)];
  while (constraints.length && constraints[constraints.length - 1] === 0) constraints.pop();
  const space = ["", "A", "B", "C"][profileByte >> 6];
  const tier = profileByte & 0x20 ? "H" : "L";
  const tail = constraints.map((c) => `.${c.toString(16).toUpperCase()}`).join("");
  return `hvc1.${space}${profileByte & 0x1f}.${(reversed >>> 0).toString(16).toUpperCase()}.${tier}${bytes[at + 12]}${tail}`;
}

const inputs: Record<string, string> = {};
const results: Record<string, MuxResult> = {};

beforeAll(async () => {
  for (const [name, params] of Object.entries(FIXTURES)) {
    inputs[name] = makeFixture(name, params);
    results[name] = await ipcHlsMux(inputs[name]!, "30000/1001", join(tmp.path, `out-${name}`), ["--container", "ts"]);
  }
}, 120_000);

describe.each(Object.keys(FIXTURES))("raw HEVC (%s) → MPEG-TS", (name) => {
  test("the command succeeds and cuts at IRAP pictures into several segments", () => {
    const r = results[name]!;
    expect(r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
    expect(r.segments.length).toBeGreaterThanOrEqual(2);
  });

  test("every segment decodes on its own under ffmpeg -xerror", async () => {
    for (const s of results[name]!.segments) expect(await decodeErrors(s.path), s.uri).toBe("");
  });

  test("the pictures are ffmpeg's decode of the raw file, frame for frame", async () => {
    const expected = await frameHashes(inputs[name]!);
    expect(expected.length).toBe(90);
    const got: string[] = [];
    for (const s of results[name]!.segments) got.push(...(await frameHashes(s.path)));
    expect(got).toEqual(expected);
  });

  test("ffprobe sees HEVC (stream_type 0x24) with the profile, level and size the codec string names", async () => {
    const r = results[name]!;
    const [video] = await probeStreams(r.segments[0]!.path);
    expect(video?.codecName).toBe("hevc");
    expect(video?.width).toBe(320);
    expect(video?.height).toBe(240);
    const [raw] = await probeStreams(inputs[name]!);
    // ISO/IEC 14496-15 E.3: Main is general_profile_idc 1 with compatibility flags 1 and 2 (bit-reversed: 6);
    // level_idc is 30 × the level (60: level 2); x265 marks progressive, frame-only pictures (constraint byte 0x90).
    expect(raw?.profile).toBe("Main");
    expect(r.stdout).toContain(`codecs hvc1.1.6.L${raw?.level}.90 `);
    // And field by field from the hvcC record ffmpeg writes when it puts the same stream in MP4 (its own parser).
    expect(r.stdout).toContain(`codecs ${codecStringFromHvcc(inputs[name]!)} `);
  });
});

test("with B-frames, presentation times run ahead of decode times and never behind", async () => {
  const packets = await probePackets(results.bframes!.concatenatedPath, "v:0");
  expect(packets.length).toBe(90);
  expect(packets.some((p) => p.ptsTicks! > p.dtsTicks!)).toBe(true);
  expect(packets.every((p) => p.ptsTicks! >= p.dtsTicks!)).toBe(true);
  const pts = packets.map((p) => p.ptsTicks!).sort((a, b) => a - b);
  // Presentation order is a regular 29.97 fps grid (3003 ticks per frame): the picture order count was used.
  for (let i = 1; i < pts.length; i++) expect(pts[i]! - pts[i - 1]!).toBe(3003);
});

test("without B-frames, PTS equals DTS", async () => {
  const packets = await probePackets(results["no-b"]!.concatenatedPath, "v:0");
  expect(packets.every((p) => p.ptsTicks === p.dtsTicks)).toBe(true);
});

/** The raw stream with its VPS/SPS/PPS kept only before the first picture (as cameras that send them once). */
function headersOnce(data: Uint8Array): Uint8Array {
  const starts: number[] = [];
  for (let i = 0; i + 3 < data.length; i++) if (data[i] === 0 && data[i + 1] === 0 && data[i + 2] === 1) starts.push(i);
  const kept: Uint8Array[] = [];
  let seenPicture = false;
  starts.forEach((at, n) => {
    const type = (data[at + 3]! >> 1) & 0x3f;
    if (type >= 32 && type <= 34 && seenPicture) return;
    if (type < 32) seenPicture = true;
    kept.push(new Uint8Array([0]), data.subarray(at, starts[n + 1] ?? data.length));
  });
  return Buffer.concat(kept);
}

test("parameter sets sent once are put back before every IRAP: each segment decodes alone", async () => {
  const input = join(tmp.path, "headers-once.hevc");
  writeFileSync(input, headersOnce(new Uint8Array(readFileSync(inputs["no-b"]!))));
  const r = await ipcHlsMux(input, "30000/1001", join(tmp.path, "out-headers-once"), ["--container", "ts"]);
  expect(r.exitCode).toBe(0);
  expect(r.segments.length).toBeGreaterThanOrEqual(2);
  const got: string[] = [];
  for (const s of r.segments) {
    expect(await decodeErrors(s.path), s.uri).toBe("");
    got.push(...(await frameHashes(s.path)));
  }
  expect(got).toEqual(await frameHashes(inputs["no-b"]!));
  // Our AUD (type 35: 0x46 0x01, pic_type byte 0x50) and then the VPS (0x40 0x01) open the second segment's picture.
  expect(Buffer.from(r.segments[1]!.bytes).toString("hex")).toMatch(/00000001460150000000014001/);
});

test("without --fps, the frame rate comes from the SPS's VUI timing (25 fps here)", async () => {
  const input = join(tmp.path, "25fps.hevc");
  ffmpegSync([
    "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=2",
    "-c:v", "libx265", "-pix_fmt", "yuv420p", "-b:v", "200k",
    "-x265-params", "log-level=error:pools=1:frame-threads=1:keyint=25:min-keyint=25:scenecut=0:open-gop=0:bframes=2",
    "-f", "hevc", input,
  ]);
  const outDir = join(tmp.path, "out-25fps");
  const { exitCode, stderr } = await runCli(["mux", input, "--out", outDir, "--container", "ts"]);
  expect(stderr).toBe("");
  expect(exitCode).toBe(0);
  const r = collectOutput(outDir);
  expect(r.playlist.segments.reduce((sum, s) => sum + s.duration, 0)).toBeCloseTo(2.0, 3);
  const pts = (await probePackets(r.concatenatedPath, "v:0")).map((p) => p.ptsTicks!).sort((a, b) => a - b);
  expect(pts.length).toBe(50);
  for (let i = 1; i < pts.length; i++) expect(pts[i]! - pts[i - 1]!).toBe(3600);
});

test("open GOPs (x265's default: CRA pictures with RASL leading pictures) keep presentation order across the cut", async () => {
  const input = join(tmp.path, "open-gop.hevc");
  ffmpegSync([
    "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=4",
    "-c:v", "libx265", "-pix_fmt", "yuv420p", "-b:v", "200k",
    "-x265-params", "log-level=error:pools=1:frame-threads=1:keyint=25:min-keyint=25:scenecut=0:open-gop=1:bframes=3",
    "-f", "hevc", input,
  ]);
  const r = await ipcHlsMux(input, "25", join(tmp.path, "out-open-gop"), ["--container", "ts"]);
  expect(r.exitCode).toBe(0);
  expect(r.segments.length).toBeGreaterThanOrEqual(2);
  // A segment that starts at a CRA decodes without error; its first RASL pictures need the previous segment
  // (a decoder starting there skips them), so the pictures are compared over the joined segments.
  for (const s of r.segments) expect(await decodeErrors(s.path), s.uri).toBe("");
  expect(await frameHashes(r.concatenatedPath)).toEqual(await frameHashes(input));
  const packets = await probePackets(r.concatenatedPath, "v:0");
  expect(packets.every((p) => p.ptsTicks! >= p.dtsTicks!)).toBe(true);
  const pts = packets.map((p) => p.ptsTicks!).sort((a, b) => a - b);
  for (let i = 1; i < pts.length; i++) expect(pts[i]! - pts[i - 1]!).toBe(3600);
});

test("the WASI command muxes the same HEVC file to the same bytes and names the same codec string", async () => {
  const outDir = join(tmp.path, "wasi-out");
  mkdirSync(outDir, { recursive: true });
  const { run } = await runUnderNodeWasi(["in/bframes.hevc", "--fps", "30000/1001", "--out", "out", "--container", "ts"], { dirs: { in: tmp.path, out: outDir } });
  expect(run.stderr).toBe("");
  expect(run.exitCode).toBe(0);
  const cli = results.bframes!;
  expect(run.stdout.split(" → ")[0]).toBe(cli.stdout.split(" → ")[0]);
  const wasi = collectOutput(outDir);
  expect(wasi.segments.map((s) => Buffer.from(s.bytes).toString("hex"))).toEqual(cli.segments.map((s) => Buffer.from(s.bytes).toString("hex")));
});

test("Main 10 at 640x360: the codec string follows the stream (hvc1.2.4.L63…, as ffmpeg's hvcC says) and it decodes", async () => {
  const input = join(tmp.path, "main10.hevc");
  ffmpegSync([
    "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=1",
    "-c:v", "libx265", "-pix_fmt", "yuv420p10le", "-x265-params", "log-level=error:pools=1:frame-threads=1:keyint=25",
    "-f", "hevc", input,
  ]);
  const r = await ipcHlsMux(input, "25", join(tmp.path, "out-main10"), ["--container", "ts"]);
  expect(r.exitCode).toBe(0);
  const expected = codecStringFromHvcc(input);
  expect(expected).toMatch(/^hvc1\.2\.4\.L63\./);
  expect(r.stdout).toContain(`codecs ${expected} `);
  expect(await decodeErrors(r.segments[0]!.path)).toBe("");
  expect(await frameHashes(r.concatenatedPath)).toEqual(await frameHashes(input));
});
