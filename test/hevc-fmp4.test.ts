// H.265 into fMP4 (hvc1/hvcC), the default container for HEVC: raw files made at test time with Debian's ffmpeg +
// libx265 (no B-frames, a B-pyramid, 4 slices per picture, the encoder's own AUDs, Main 10, with AAC) go through
// `ipc-hls mux` without --container. Judged by ffmpeg (each segment joined to its init segment decodes under -xerror;
// the pictures hash as ffmpeg's decode of the raw file), by the hvcC record ffmpeg writes for the same stream (read
// field by field with test/support/mp4-inspect.ts, not our writer), and by the box reader: tfdt continuity, sync
// flags exactly on IRAP samples, no AUD or parameter set in the samples, composition offsets with B-frames.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { decodeErrors, ffmpegSync, fixturePath, frameHashes, probePackets, repoRoot, tempDir } from "./support/media-tools.js";
import { parsePlaylist, runCli } from "./support/mux-run.js";
import { nalUnitsOf, readFragment, readHvcC, readInit } from "./support/mp4-inspect.js";
import { MuxerCore } from "../src/core.js";
import { accessUnits, hevcAccessUnits } from "./support/annexb.js";

const tmp = tempDir("hevc-fmp4-");
afterAll(() => tmp.cleanup());

interface Case {
  name: string;
  params: string;
  size?: string;
  rate?: string;
  seconds?: number;
  pixFmt?: string;
  audio?: string;
  /** Pictures ffmpeg decodes from the raw file. */
  frames: number;
}

// keyint 30 at 29.97 fps: a closed GOP every ~1 s, so 2 s segments hold two.
const X265 = "log-level=error:pools=1:frame-threads=1:scenecut=0:open-gop=0";
const CASES: Case[] = [
  { name: "no-b", params: "keyint=30:min-keyint=30:bframes=0", frames: 90 },
  { name: "b-pyramid", params: "keyint=30:min-keyint=30:bframes=3:b-pyramid=1", frames: 90 },
  { name: "slices", params: "keyint=30:min-keyint=30:slices=4:bframes=2", frames: 90 },
  { name: "with-aud", params: "keyint=30:min-keyint=30:aud=1:bframes=2", frames: 90 },
  { name: "main10", params: "keyint=25:min-keyint=25:bframes=2", size: "640x360", rate: "25", seconds: 3, pixFmt: "yuv420p10le", frames: 75 },
  { name: "with-aac", params: "keyint=25:min-keyint=25:bframes=2", rate: "25", seconds: 4, audio: "audio/aac-lc-48000-mono.aac", frames: 100 },
  // x265's default: open GOPs. Each CRA after the first picture is decoded before leading pictures that are
  // shown before it, so its decode time runs ahead of its place in time (segments must be cut and timed by the
  // latter: cut by decode time, the first segment took two seconds' GOPs and ended a frame early).
  { name: "open-gop", params: "keyint=25:min-keyint=25:bframes=3:open-gop=1", rate: "25", seconds: 6, frames: 150 },
];

/** The case's frame rate as ffmpeg takes it, and in frames per second. */
const rateText = (c: Case) => c.rate ?? "30000/1001";
const framesPerSecond = (c: Case) => {
  const [num, den = "1"] = rateText(c).split("/");
  return Number(num) / Number(den);
};

function makeInput(c: Case): string {
  const file = join(tmp.path, `${c.name}.hevc`);
  ffmpegSync([
    "-f", "lavfi", "-i", `testsrc2=size=${c.size ?? "320x240"}:rate=${rateText(c)}:duration=${c.seconds ?? 3}`,
    "-c:v", "libx265", "-pix_fmt", c.pixFmt ?? "yuv420p", "-b:v", "200k", "-x265-params", `${X265}:${c.params}`,
    "-f", "hevc", file,
  ]);
  return file;
}

const isIrap = (type: number) => type >= 16 && type <= 23;
const nalType = (unit: Uint8Array) => (unit[0]! >> 1) & 0x3f;

describe.each(CASES)("ipc-hls mux (default container) of raw HEVC: $name", (c) => {
  const out = join(tmp.path, `out-${c.name}`);
  let input = "";
  let run: { exitCode: number; stdout: string; stderr: string };
  let init: Uint8Array;
  let segments: { uri: string; bytes: Uint8Array; duration: number }[];
  /** Each segment joined to the init segment, a file per segment (what a player reads). */
  let joined: string[];
  let whole = "";

  beforeAll(async () => {
    input = makeInput(c);
    const extra = c.audio ? ["--audio", fixturePath(c.audio)] : [];
    run = await runCli(["mux", input, "--out", out, ...extra]);
    const playlist = parsePlaylist(readFileSync(join(out, "index.m3u8"), "utf8"));
    segments = playlist.segments.map((s) => ({ uri: s.uri, bytes: readFileSync(join(out, s.uri)), duration: s.duration }));
    init = readFileSync(join(out, "init.mp4"));
    whole = join(out, "whole.mp4");
    writeFileSync(whole, Buffer.concat([init, ...segments.map((s) => s.bytes)]));
    joined = segments.map((s, i) => {
      const file = join(out, `joined-${i}.mp4`);
      writeFileSync(file, Buffer.concat([init, s.bytes]));
      return file;
    });
  }, 60_000);

  test("exits 0 and writes fMP4 (init.mp4 and .m4s, no .ts) cut into several segments", () => {
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    expect(segments.length).toBeGreaterThanOrEqual(2);
    expect(readdirSync(out).filter((f) => f.endsWith(".ts"))).toEqual([]);
    expect(readFileSync(join(out, "index.m3u8"), "utf8")).toContain('#EXT-X-MAP:URI="init.mp4"');
  });

  test("each segment joined to the init segment decodes under ffmpeg -xerror", async () => {
    for (const [i, s] of segments.entries()) expect(await decodeErrors(joined[i]!), s.uri).toBe("");
  });

  test("each segment lasts from its first picture's presentation time to the next one's (ffprobe), all adding up to the stream; none is cut short of 2 s but the last", async () => {
    const starts: number[] = [];
    for (const file of joined) starts.push((await probePackets(file, "v:0")).find((p) => p.keyframe)!.pts!);
    for (let i = 0; i + 1 < segments.length; i++) {
      expect(segments[i]!.duration, segments[i]!.uri).toBeCloseTo(starts[i + 1]! - starts[i]!, 3);
      expect(segments[i]!.duration, segments[i]!.uri).toBeGreaterThanOrEqual(2 - 0.001);
    }
    expect(segments.reduce((sum, s) => sum + s.duration, 0)).toBeCloseTo(c.frames / framesPerSecond(c), 3);
  });

  test("the pictures are ffmpeg's decode of the raw file, frame for frame", async () => {
    const expected = await frameHashes(input);
    expect(expected.length).toBe(c.frames);
    expect(await frameHashes(whole)).toEqual(expected);
  });

  test.runIf(c.audio !== undefined)("audio frames hash as ffmpeg's decode of the raw ADTS input", async () => {
    expect(await frameHashes(whole, "a:0")).toEqual(await frameHashes(fixturePath(c.audio!), "a:0"));
  });

  test("hvcC is the record ffmpeg writes for the same stream (hvc1, field by field)", () => {
    const theirs = join(tmp.path, `${c.name}-ffmpeg.mp4`);
    ffmpegSync(["-i", input, "-c", "copy", "-tag:v", "hvc1", "-f", "mp4", "-movflags", "frag_keyframe+empty_moov", theirs]);
    const expected = readHvcC(readFileSync(theirs));
    const got = readHvcC(init);
    expect(got).toEqual(expected);
    expect(got.sampleEntry).toBe("hvc1");
    expect(got.lengthSizeMinusOne).toBe(3);
    expect(got.arrays.map((a) => [a.type, a.complete, a.units.length])).toEqual([[32, 1, 1], [33, 1, 1], [34, 1, 1]]);
    if (c.name === "main10") expect([got.profileIdc, got.bitDepthLuma, got.bitDepthChroma]).toEqual([2, 10, 10]);
  });

  test("boxes: tfdt continues, sync flags exactly on IRAP samples, no AUD or parameter set in a sample", () => {
    const tracks = readInit(init);
    const next = new Map<number, bigint>();
    let sawOffset = false;
    for (const s of segments) {
      const f = readFragment(s.bytes);
      for (const traf of f.trafs) {
        const all = traf.runs.flatMap((r) => r.samples);
        if (next.has(traf.track)) expect(traf.tfdt, `${s.uri} track ${traf.track} tfdt`).toBe(next.get(traf.track));
        next.set(traf.track, traf.tfdt + BigInt(all.reduce((sum, x) => sum + x.duration, 0)));
        if (tracks.get(traf.track)!.handler !== "vide") continue;
        expect(all[0]!.flags, `${s.uri} starts with a sync sample`).toBe(0x02000000);
        for (const r of traf.runs) {
          let at = f.moofStart + r.dataOffset;
          for (const x of r.samples) {
            const types = nalUnitsOf(s.bytes.subarray(at, (at += x.size))).map(nalType);
            expect(types.filter((t) => t >= 32 && t <= 35), "no VPS/SPS/PPS/AUD in a sample").toEqual([]);
            expect(x.flags, `NAL types ${types}`).toBe(types.some(isIrap) ? 0x02000000 : 0x01010000);
            if (x.cto! > 0) sawOffset = true;
          }
        }
      }
    }
    // B-frames are presented after later-decoded pictures: composition offsets appear exactly when there are B-frames.
    expect(sawOffset).toBe(!c.params.includes("bframes=0"));
  });
});

test("--container ts still puts HEVC into MPEG-TS; --container fmp4 with H.264 and the default (TS) for H.264 unchanged", async () => {
  const input = makeInput({ name: "ts-choice", params: "keyint=30:min-keyint=30:bframes=0", seconds: 2, frames: 60 });
  const ts = join(tmp.path, "ts-choice");
  expect((await runCli(["mux", input, "--out", ts, "--container", "ts"])).exitCode).toBe(0);
  expect(readdirSync(ts).filter((f) => f.endsWith(".ts")).length).toBeGreaterThan(0);
  const h264 = join(tmp.path, "h264-default");
  expect((await runCli(["mux", fixturePath("video/baseline-320x240-25fps.h264"), "--out", h264])).exitCode).toBe(0);
  expect(readdirSync(h264).filter((f) => f.endsWith(".m4s") || f.endsWith(".mp4"))).toEqual([]);
});

test("MuxerCore: container unset follows the codec (h265 → fMP4, h264 → TS); h265 with fmp4 is accepted", async () => {
  const input = new Uint8Array(readFileSync(makeInput({ name: "sdk", params: "keyint=15:min-keyint=15:bframes=0", seconds: 1, frames: 30 })));
  const units = hevcAccessUnits(input);
  for (const options of [{ videoCodec: "h265" as const }, { videoCodec: "auto" as const }, { videoCodec: "h265" as const, container: "fmp4" as const }]) {
    const core = await MuxerCore.create({ segmentDuration: 1, bufferSize: 1 << 20, ...options });
    const parts: Uint8Array[] = [];
    let initBytes: Uint8Array | undefined;
    units.forEach((u, i) => expect(core.putVideo([u], (i * 1_001_000) / 30)).toBeUndefined());
    core.flush();
    for (let s = core.takeSegment(); s; s = core.takeSegment()) {
      expect(s.init, JSON.stringify(options)).toBeDefined();
      initBytes = Uint8Array.from(s.init!.bytes);
      parts.push(Buffer.concat(s.parts));
      core.release(s.id);
    }
    const file = join(tmp.path, `sdk-${options.videoCodec}-${options.container ?? "default"}.mp4`);
    writeFileSync(file, Buffer.concat([initBytes!, ...parts]));
    expect(await decodeErrors(file)).toBe("");
    expect(await frameHashes(file)).toEqual(await frameHashes(join(tmp.path, "sdk.hevc")));
  }
  // H.264, by setting or as the stream shows: TS (no init segment, 188-byte packets from 0x47).
  const h264Units = accessUnits(new Uint8Array(readFileSync(fixturePath("video/baseline-320x240-25fps.h264"))));
  for (const videoCodec of ["h264", "auto"] as const) {
    const core = await MuxerCore.create({ bufferSize: 1 << 20, videoCodec });
    h264Units.forEach((u, i) => core.putVideo([u], i * 40_000));
    core.flush();
    const s = core.takeSegment()!;
    expect(s.init, videoCodec).toBeUndefined();
    expect(s.parts[0]![0]).toBe(0x47);
  }
});

// The scalar core (no Wasm SIMD; test/core-scalar.test.ts) must write the same HEVC fMP4 files as the SIMD core.
(process.arch === "x64" ? test : test.skip)("the scalar core writes the same HEVC fMP4 files as the SIMD core", () => {
  const input = join(tmp.path, "b-pyramid.hevc");
  const dirs = ["simd", "scalar"].map((kind) => join(tmp.path, `hevc-${kind}`));
  dirs.forEach((dir, i) => {
    const flags = i === 1 ? ["--no-enable-sse4-1"] : [];
    const r = spawnSync(process.execPath, [...flags, join(repoRoot, "bin/ipc-hls"), "mux", input, "--out", dir, "--audio", fixturePath("audio/aac-lc-48000-mono.aac")], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
  });
  const [simd, scalar] = dirs.map((dir) => readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f)).toString("base64")]));
  expect(simd!.filter(([f]) => f!.endsWith(".m4s")).length).toBeGreaterThan(1);
  expect(scalar).toEqual(simd);
});

test("new VPS/SPS/PPS mid-stream (a size change): the segment is cut there, init-2.mp4 carries the new hvcC", async () => {
  const first = makeInput({ name: "splice-a", params: "keyint=30:min-keyint=30:bframes=0", seconds: 2, frames: 60 });
  const second = makeInput({ name: "splice-b", params: "keyint=30:min-keyint=30:bframes=0", size: "352x288", seconds: 2, frames: 60 });
  const input = join(tmp.path, "splice.hevc");
  writeFileSync(input, Buffer.concat([readFileSync(first), readFileSync(second)]));
  const out = join(tmp.path, "out-splice");
  const r = await runCli(["mux", input, "--out", out, "--fps", "30000/1001"]);
  expect(r.stderr).toBe("");
  expect(r.exitCode).toBe(0);
  const segs = parsePlaylist(readFileSync(join(out, "index.m3u8"), "utf8")).segments as unknown as { uri: string; map?: { uri: string } }[];
  expect([...new Set(segs.map((s) => s.map?.uri))]).toEqual(["init.mp4", "init-2.mp4"]);
  // Each init's hvcC holds the SPS of its own part (ffmpeg's hvcC for that part alone, field by field).
  for (const [map, part] of [["init.mp4", first], ["init-2.mp4", second]] as const) {
    const theirs = join(tmp.path, `${map}-ffmpeg.mp4`);
    ffmpegSync(["-i", part, "-c", "copy", "-tag:v", "hvc1", "-f", "mp4", "-movflags", "frag_keyframe+empty_moov", theirs]);
    expect(readHvcC(readFileSync(join(out, map))), map).toEqual(readHvcC(readFileSync(theirs)));
  }
  const hashes: string[] = [];
  for (const [i, s] of segs.entries()) {
    const joined = join(out, `joined-${i}.mp4`);
    writeFileSync(joined, Buffer.concat([readFileSync(join(out, s.map!.uri)), readFileSync(join(out, s.uri))]));
    expect(await decodeErrors(joined), s.uri).toBe("");
    hashes.push(...(await frameHashes(joined)));
  }
  expect(hashes).toEqual([...(await frameHashes(first)), ...(await frameHashes(second))]);
});
