// `ipc-hls mux --container fmp4` on the video fixtures and the A/V fixture, judged by ffmpeg (each segment joined
// to the init segment decodes under -xerror; the pictures and audio frames hash as ffmpeg's decode of the raw input;
// the playlist alone decodes whole), m3u8-parser (EXT-X-MAP, version) and a box parser written here, independent
// of assembly/mp4-boxes.ts: sizes, mfhd sequence numbers, tfdt continuity, sync flags, trun offsets inside the mdat.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { decodeErrors, fixtureFacts, fixturePath, frameHashes, probeStreams, repoRoot, tempDir } from "./support/media-tools.js";
import { parsePlaylist, runCli } from "./support/mux-run.js";
import { nalUnitsOf, readFragment, readInit } from "./support/mp4-inspect.js";

interface Case {
  video: string;
  fps: string;
  audio?: string;
}

const CASES: Case[] = [
  { video: "video/baseline-320x240-25fps.h264", fps: "25" },
  { video: "video/high-bframes-320x240-25fps.h264", fps: "25" },
  { video: "video/multislice-320x240-25fps.h264", fps: "25" },
  { video: "video/ntsc-320x240-29.97fps.h264", fps: "30000/1001" },
  { video: "video/with-aud-320x240-25fps.h264", fps: "25" },
  { video: "video/headers-once-320x240-25fps.h264", fps: "25" },
  { video: "video/av-1280x720-25fps.h264", fps: "25", audio: "audio/aac-lc-44100-stereo.aac" },
  { video: "video/av-1280x720-25fps.h264", fps: "25", audio: "audio/aac-lc-48000-mono.aac" },
];

const nalTypes = (sample: Uint8Array) => nalUnitsOf(sample).map((u) => u[0]! & 0x1f);

/** The SPS in an init segment's avcC (moov/trak/mdia/minf/stbl/stsd/avc1/avcC; found by its type here). */
function avcCSps(init: Uint8Array): Buffer {
  const at = Buffer.from(init).indexOf("avcC") + 4;
  expect(at).toBeGreaterThan(4);
  expect(init[at + 5]! & 0x1f, "one SPS").toBe(1);
  const length = (init[at + 6]! << 8) | init[at + 7]!;
  return Buffer.from(init.subarray(at + 8, at + 8 + length));
}

/** Every SPS NAL unit carried in a segment's samples. */
function inBandSps(segment: Uint8Array): Buffer[] {
  const f = readFragment(segment);
  return f.trafs.flatMap((traf) =>
    traf.runs.flatMap((r) => {
      let at = f.moofStart + r.dataOffset;
      return r.samples.flatMap((x) => {
        const units = nalUnitsOf(segment.subarray(at, (at += x.size)));
        return units.filter((u) => (u[0]! & 0x1f) === 7).map((u) => Buffer.from(u));
      });
    }),
  );
}

const facts = fixtureFacts();
const tmp = tempDir("fmp4-conformance-");
afterAll(() => tmp.cleanup());

describe.each(CASES)("ipc-hls mux --container fmp4 $video $audio", ({ video, fps, audio }) => {
  const out = join(tmp.path, `${video}-${audio ?? "none"}`.replace(/[/.]/g, "_"));
  let run: { exitCode: number; stdout: string; stderr: string };
  let playlist: ReturnType<typeof parsePlaylist>;
  let segments: { uri: string; bytes: Uint8Array }[];
  let init: Uint8Array;
  /** init + every segment in playlist order: one fragmented MP4. */
  let whole: string;

  beforeAll(async () => {
    const extra = audio ? ["--audio", fixturePath(audio)] : [];
    run = await runCli(["mux", fixturePath(video), "--fps", fps, "--out", out, "--container", "fmp4", ...extra]);
    playlist = parsePlaylist(readFileSync(join(out, "index.m3u8"), "utf8"));
    segments = playlist.segments.map((s) => ({ uri: s.uri, bytes: readFileSync(join(out, s.uri)) }));
    init = readFileSync(join(out, "init.mp4"));
    whole = join(out, "whole.mp4");
    writeFileSync(whole, Buffer.concat([init, ...segments.map((s) => s.bytes)]));
  });

  test("exits 0; the playlist names init.mp4 in EXT-X-MAP, version 6, and every .m4s written", () => {
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    const text = readFileSync(join(out, "index.m3u8"), "utf8");
    expect(text).toContain("#EXT-X-VERSION:6\n");
    expect(text).toContain('#EXT-X-MAP:URI="init.mp4"\n');
    const segs = playlist.segments as unknown as { uri: string; map?: { uri: string } }[];
    expect(segs.length).toBeGreaterThan(1);
    for (const s of segs) expect(s.map?.uri).toBe("init.mp4");
    const written = readdirSync(out).filter((f) => f.endsWith(".m4s")).sort();
    expect(segs.map((s) => s.uri)).toEqual(written);
    expect(readdirSync(out).filter((f) => f.endsWith(".ts"))).toEqual([]);
  });

  test("each segment joined to the init segment decodes under ffmpeg -xerror", async () => {
    for (const [i, s] of segments.entries()) {
      const joined = join(out, `joined-${i}.mp4`);
      writeFileSync(joined, Buffer.concat([init, s.bytes]));
      expect(await decodeErrors(joined), s.uri).toBe("");
    }
  });

  test("frame counts and per-frame picture hashes equal ffmpeg's decode of the raw input", async () => {
    const expected = facts[video]!.frames;
    const got = await frameHashes(whole);
    const raw = await frameHashes(fixturePath(video), "v:0", ["-r", fps]);
    expect(raw.length).toBe(expected);
    expect(got.length).toBe(expected);
    expect(got).toEqual(raw);
    // Per segment too: the counts add up.
    let sum = 0;
    for (const [i] of segments.entries()) sum += (await frameHashes(join(out, `joined-${i}.mp4`))).length;
    expect(sum).toBe(expected);
  });

  test.runIf(audio !== undefined)("audio frames hash as ffmpeg's decode of the raw ADTS input", async () => {
    const got = await frameHashes(whole, "a:0");
    const raw = await frameHashes(fixturePath(audio!), "a:0");
    expect(got.length).toBe(facts[audio!]!.frames);
    expect(got).toEqual(raw);
  });

  test("ffmpeg reads the playlist and decodes the whole recording", async () => {
    expect(await decodeErrors(join(out, "index.m3u8"))).toBe("");
    const streams = await probeStreams(join(out, "index.m3u8"), true);
    const v = streams.find((s) => s.codecType === "video")!;
    expect(v.frames).toBe(facts[video]!.frames);
  });

  test("boxes: moof + mdat, mfhd sequence numbers rise, tfdt continues, first sample sync, runs inside the mdat", () => {
    const tracks = readInit(init);
    expect([...tracks.values()].map((t) => t.handler).sort()).toEqual(audio ? ["soun", "vide"] : ["vide"]);
    const next = new Map<number, bigint>();
    let lastSequence = 0;
    for (const s of segments) {
      const f = readFragment(s.bytes);
      expect(f.sequence, s.uri).toBeGreaterThan(lastSequence);
      lastSequence = f.sequence;
      let described = 0;
      for (const traf of f.trafs) {
        const track = tracks.get(traf.track)!;
        expect(track, `track ${traf.track} is in the init segment`).toBeDefined();
        if (next.has(traf.track)) expect(traf.tfdt, `${s.uri} track ${traf.track} tfdt`).toBe(next.get(traf.track));
        const all = traf.runs.flatMap((r) => r.samples);
        next.set(traf.track, traf.tfdt + BigInt(all.reduce((sum, x) => sum + x.duration, 0)));
        for (const r of traf.runs) {
          const size = r.samples.reduce((sum, x) => sum + x.size, 0);
          expect(f.moofStart + r.dataOffset).toBeGreaterThanOrEqual(f.mdatStart);
          expect(f.moofStart + r.dataOffset + size).toBeLessThanOrEqual(f.mdatEnd);
          described += size;
        }
        for (const x of all) expect(x.duration, "sample duration").toBeGreaterThan(0);
        if (track.handler === "vide") {
          // The first sample is an IDR; a sample is flagged sync (sample_depends_on 2, not non-sync) exactly when
          // its length-prefixed NAL units hold an IDR slice.
          expect(all[0]!.flags).toBe(0x02000000);
          for (const r of traf.runs) {
            let at = f.moofStart + r.dataOffset;
            for (const x of r.samples) {
              const types = nalTypes(s.bytes.subarray(at, at + x.size));
              expect(types).not.toContain(9); // no AUD
              expect(x.flags, `NAL types ${types}`).toBe(types.includes(5) ? 0x02000000 : 0x01010000);
              at += x.size;
            }
          }
        }
      }
      expect(described, `${s.uri}: the runs cover the mdat`).toBe(f.mdatEnd - f.mdatStart);
    }
  });
});

// V8 without SSE4.1 has no Wasm SIMD: the host picks the scalar core (test/core-scalar.test.ts), whose start-code
// search differs from the SIMD one in fmp4-writer.ts. Both must write the same files.
(process.arch === "x64" ? test : test.skip)("the scalar core (no Wasm SIMD) writes the same fMP4 files as the SIMD core", () => {
  for (const { video, fps, audio } of [CASES[2]!, CASES[6]!]) {
    const dirs = ["simd", "scalar"].map((kind) => join(tmp.path, `${kind}-${video.replace(/[/.]/g, "_")}`));
    dirs.forEach((dir, i) => {
      const flags = i === 1 ? ["--no-enable-sse4-1"] : [];
      const extra = audio ? ["--audio", fixturePath(audio)] : [];
      const r = spawnSync(process.execPath, [...flags, join(repoRoot, "bin/ipc-hls"), "mux", fixturePath(video), "--fps", fps, "--out", dir, "--container", "fmp4", ...extra], { encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
    });
    const [simd, scalar] = dirs.map((dir) => readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f)).toString("base64")]));
    expect(simd!.length).toBeGreaterThan(2);
    expect(scalar).toEqual(simd);
  }
});

test("new parameter sets mid-stream: the segment is cut at their IDR, init-2.mp4 follows an EXT-X-MAP and a discontinuity", async () => {
  // (Both with B-frames: the raw reader's timing of a splice from a stream without reordering to one with it is
  // another matter, not this test's.)
  const parts = ["video/high-bframes-320x240-25fps.h264", "video/multislice-320x240-25fps.h264", "video/high-bframes-320x240-25fps.h264"];
  const input = join(tmp.path, "changing.h264");
  writeFileSync(input, Buffer.concat(parts.map((p) => readFileSync(fixturePath(p)))));
  const out = join(tmp.path, "changing");
  const r = await runCli(["mux", input, "--fps", "25", "--out", out, "--container", "fmp4"]);
  expect(r.stderr).toBe("");
  expect(r.exitCode).toBe(0);
  const text = readFileSync(join(out, "index.m3u8"), "utf8");
  const segs = parsePlaylist(text).segments as unknown as { uri: string; discontinuity?: boolean; map?: { uri: string } }[];
  const maps = [...new Set(segs.map((s) => s.map?.uri))];
  expect(maps).toEqual(["init.mp4", "init-2.mp4", "init-3.mp4"]);
  // A discontinuity exactly where the init segment changes (each input starts a new map).
  segs.forEach((s, i) => expect(Boolean(s.discontinuity), s.uri).toBe(i > 0 && s.map?.uri !== segs[i - 1]!.map?.uri));
  expect(text.match(/#EXT-X-MAP/g)?.length).toBe(3);
  // Each segment decodes with its own init segment alone, and carries no SPS but the one in that init's avcC.
  const hashes: string[] = [];
  for (const [i, s] of segs.entries()) {
    const joined = join(out, `joined-${i}.mp4`);
    const init = readFileSync(join(out, s.map!.uri));
    const segment = readFileSync(join(out, s.uri));
    const sps = avcCSps(init);
    for (const inBand of inBandSps(segment)) expect(inBand.equals(sps), `${s.uri}: in-band SPS is the init's`).toBe(true);
    writeFileSync(joined, Buffer.concat([init, segment]));
    expect(await decodeErrors(joined), s.uri).toBe("");
    hashes.push(...(await frameHashes(joined)));
  }
  const expected = parts.reduce((n, p) => n + facts[p]!.frames, 0);
  expect(hashes.length).toBe(expected);
  expect(hashes).toEqual(await frameHashes(input, "v:0", ["-r", "25"]));
  expect(await decodeErrors(join(out, "index.m3u8"))).toBe("");
});
