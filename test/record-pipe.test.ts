// `ipc-hls record -`: a live H.264 pipe from ffmpeg (-re, one frame written at a time as a camera's encoder
// does) recorded into a directory until SIGINT; segment durations follow real time; every segment decodes. A pipe
// that stalls is handled like a dropped camera: frames resume at the next IDR after a gap the playlist marks.
// H.265 (libx265) through a pipe and as a --realtime file: the codec is seen in the stream, every segment decodes as
// HEVC, and the pictures are ffmpeg's decode of the same bytes.
import { describe, it, expect, afterAll } from "vitest";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { Parser } from "m3u8-parser";
import { decodeErrors, fixturePath, frameHashes, probeStreams, repoRoot, tempDir } from "./support/media-tools.js";
import { accessUnits } from "./support/annexb.js";
import { stripVui } from "./support/strip-vui.js";
import { parseSegmentKey } from "../src/keys.js";
import { LocalStore } from "../src/store/local-store.js";
import { rangePlaylist } from "../src/playback/range-playlist.js";
import { Camera } from "../src/record/camera.js";
import { LivePipeSource } from "../src/record/sources/live-pipe.js";
import { directorySegments, joinedRecording, playableFiles } from "./support/stored-segments.js";
import { readFileSync, writeFileSync } from "node:fs";

const tmp = tempDir("record-pipe-");
afterAll(() => tmp.cleanup());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The stored segments' paths in time order (none while the directory is not there yet). */
function segmentFiles(dir: string): string[] {
  return existsSync(dir) ? directorySegments(dir).keys.map((key) => join(dir, key)) : [];
}

describe("ipc-hls record - (live pipe)", () => {
  it("records a real-time pipe until SIGINT: durations within 1 % of real time, every segment decodes, summary and exit 0", async () => {
    const dir = join(tmp.path, "store");
    const ffmpeg = spawn("ffmpeg", [
      "-nostdin", "-v", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-t", "40",
      "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-pix_fmt", "yuv420p", "-g", "25",
      // Each frame is written as soon as it is encoded, as a camera's encoder does (not in 32 KiB blocks).
      "-flush_packets", "1", "-f", "h264", "-",
    ], { stdio: ["ignore", "pipe", "inherit"] });
    const record = spawn(process.execPath, [join(repoRoot, "bin/ipc-hls"), "record", "-", "--name", "pi-cam", "--store", dir, "--fps", "25"], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    ffmpeg.stdout.pipe(record.stdin);
    record.stdin.on("error", () => {}); // (EPIPE once record stopped)
    let stdout = "";
    let stderr = "";
    record.stdout.on("data", (d) => (stdout += d));
    record.stderr.on("data", (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => record.once("exit", (code) => resolve(code)));
    // About 20 s: ten segments on disk.
    while (segmentFiles(dir).length < 10) await sleep(200);
    record.kill("SIGINT");
    const code = await exited;
    ffmpeg.kill("SIGKILL");
    expect(stderr.trim()).toMatch(/^ipc-hls record: SIGINT: stopping, finishing the open segments/);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(code).toBe(0);
    expect(stdout).toMatch(/pi-cam:\n {2}frames: +\d+ video/);
    const made = Number(/segments: +(\d+) made, (\d+) uploaded, 0 lost/.exec(stdout)?.[1]);
    expect(Number(/segments: +\d+ made, (\d+) uploaded/.exec(stdout)?.[1])).toBe(made);

    const files = segmentFiles(dir);
    expect(files.length).toBe(made); // the segment open at SIGINT was finished and stored too
    expect(files.length).toBeGreaterThanOrEqual(11);
    let previousEnd: number | undefined;
    for (const file of files) {
      expect(await decodeErrors(file), file).toBe("");
      const key = parseSegmentKey(file.slice(dir.length + 1))!;
      const [video] = await probeStreams(file, true);
      // Real time: ffmpeg -re makes a frame every 40 ms.
      const realMs = video!.frames! * 40;
      expect(Math.abs(key.durationMs - realMs) / realMs, `${file}: ${key.durationMs} ms for ${video!.frames} frames`).toBeLessThan(0.01);
      if (previousEnd !== undefined) expect(Math.abs(key.startMs - previousEnd)).toBeLessThanOrEqual(2);
      previousEnd = key.startMs + key.durationMs;
    }
  }, 90_000);

  it("a pipe that stalls: reported, counted as a reconnect; recording resumes at the next IDR after a gap the playlist marks", async () => {
    const dir = join(tmp.path, "stall");
    const units = accessUnits(new Uint8Array(readFileSync(fixturePath("video/baseline-320x240-25fps.h264")))); // IDR every 25 frames
    const pipe = new PassThrough();
    const lines: string[] = [];
    const log = { info: (c: string, l: string) => lines.push(`${c}: ${l}`), error: (c: string, l: string) => lines.push(`${c}: ERROR ${l}`) };
    let camera!: Camera;
    const states: string[] = [];
    const source = new LivePipeSource(pipe, "test pipe", {
      fps: 25,
      stallMs: 300,
      notice: (l) => log.info("stall", l),
      stalled: () => (camera.stalled(), states.push(camera.status().state)),
      resumed: () => (camera.resumed(), states.push(camera.status().state)),
    });
    camera = new Camera({ name: "stall", source, recorder: { bufferSize: 1 << 20, store: new LocalStore(dir) }, log });
    const running = camera.run();
    const feed = async (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        pipe.write(units[i]);
        await sleep(40);
      }
    };
    await feed(0, 38);
    await sleep(1500); // silent: a stall
    await feed(38, 75); // resumes with P frames; the next IDR is frame 50
    pipe.end();
    const stats = await running;

    expect(lines.some((l) => /test pipe: no data for 0.3 s: stalled, waiting/.test(l))).toBe(true);
    expect(lines.some((l) => /data again after a stall; recording from the next IDR/.test(l))).toBe(true);
    const status = camera.status();
    expect(status.reconnects).toBe(1);
    expect(states).toEqual(["waiting", "recording"]); // down while stalled (metrics: up 0)
    // Frame 37 (held back when the pipe stopped) and 38–49 (before the IDR) were not recorded.
    expect(status.sourceFramesLost).toBe(13);
    expect(stats.videoFramesIn).toBe(75 - 13);
    expect(stats.segmentsDropped).toBe(0);

    const store = new LocalStore(dir);
    const { segments, playlist } = await rangePlaylist({ store, prefix: "stall", range: { startMs: Date.now() - 3600_000, endMs: Date.now() + 1000 }, segmentUri: (s) => s.key, now: Date.now() + 3600_000 });
    expect(segments).toHaveLength(2);
    expect(segments[1]!.startMs - (segments[0]!.startMs + segments[0]!.durationMs)).toBeGreaterThan(1000);
    const parser = new Parser();
    parser.push(playlist);
    parser.end();
    expect(parser.manifest.segments.map((s: { discontinuity?: boolean }) => s.discontinuity === true)).toEqual([false, true]);
    for (const file of segmentFiles(dir)) expect(await decodeErrors(file), file).toBe("");
  }, 30_000);

  it("record file.h264 --realtime without --fps, when the SPS carries no frame rate: one line asking for --fps, exit 1", async () => {
    const file = join(tmp.path, "no-vui.h264");
    writeFileSync(file, stripVui(new Uint8Array(readFileSync(fixturePath("video/baseline-320x240-25fps.h264")))));
    const dir = join(tmp.path, "no-vui");
    const record = spawn(process.execPath, [join(repoRoot, "bin/ipc-hls"), "record", file, "--realtime", "--name", "novui", "--store", dir], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    let stdout = "";
    record.stderr.on("data", (d) => (stderr += d));
    record.stdout.on("data", (d) => (stdout += d));
    const code = await new Promise<number | null>((resolve) => record.once("exit", (c) => resolve(c)));
    expect(code, stdout + stderr).toBe(1);
    expect(stderr).toMatch(/no-vui\.h264: the stream's SPS carries no frame rate \(no VUI timing\): give --fps/);
  }, 30_000);

  describe("H.265", () => {
    // 6 s of x265 with several slices per picture and an IRAP every 25 frames; VPS/SPS/PPS only at the start (the
    // core puts them before the later IRAPs). The file has B-frames (timed by the core from the POC); the live
    // pipe has none, as a camera's (its frames are stamped in arrival order).
    const made = (name: string, bframes: number) => {
      const file = join(tmp.path, name);
      if (!existsSync(file)) {
        execFileSync("ffmpeg", ["-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-t", "6", "-c:v", "libx265", "-preset", "ultrafast",
          "-x265-params", `keyint=25:min-keyint=25:slices=2:bframes=${bframes}:log-level=error`, "-pix_fmt", "yuv420p", "-f", "hevc", file]);
      }
      return file;
    };

    /**
     * Every segment is fMP4 (H.265's default) and decodes as HEVC joined to its init object; joined, their pictures
     * are ffmpeg's decode of the raw stream, every one.
     */
    async function expectPictures(storeRoot: string, raw: string): Promise<void> {
      const stored = directorySegments(storeRoot);
      expect(stored.keys.length).toBeGreaterThanOrEqual(2);
      expect(stored.keys.filter((k) => !k.endsWith(".m4s"))).toEqual([]);
      const playable = mkdtempSync(join(tmp.path, "playable-"));
      for (const file of playableFiles(stored, playable)) {
        expect(await decodeErrors(file), file).toBe("");
        expect((await probeStreams(file)).map((s) => s.codecName)).toEqual(["hevc"]);
      }
      const theirs = await frameHashes(raw);
      expect(theirs).toHaveLength(150);
      expect(await frameHashes(joinedRecording(stored, join(playable, "joined.mp4")))).toEqual(theirs);
    }

    it("a live H.265 pipe: the codec is seen in the stream, access units cut at H.265's boundaries", async () => {
      const dir = join(tmp.path, "hevc-pipe");
      const hevc = made("live.hevc", 0);
      const bytes = readFileSync(hevc);
      const pipe = new PassThrough();
      const lines: string[] = [];
      const log = { info: (c: string, l: string) => lines.push(`${c}: ${l}`), error: (c: string, l: string) => lines.push(`${c}: ERROR ${l}`) };
      const camera = new Camera({ name: "hevc", source: new LivePipeSource(pipe, "test pipe", { fps: 25 }), recorder: { bufferSize: 1 << 21, store: new LocalStore(dir) }, log });
      const running = camera.run();
      // Pieces of any size, as a pipe delivers them (the first one too small to hold a NAL header).
      for (let at = 0, k = 0; at < bytes.length; k++) {
        const n = k === 0 ? 3 : 1000 + ((k * 7919) % 9000);
        pipe.write(bytes.subarray(at, at + n));
        at += n;
        await sleep(k % 4 === 0 ? 20 : 0);
      }
      pipe.end();
      const stats = await running;
      expect(lines).toContain("hevc: recording: H.265 from test pipe at 25 frames/s");
      expect(stats.videoFramesIn).toBe(150);
      expect(stats.videoFramesDropped).toBe(0);
      await expectPictures(dir, hevc);
    }, 60_000);

    it("record clip.hevc --realtime: the codec is seen in the file, the frame rate in its SPS", async () => {
      const dir = join(tmp.path, "hevc-file");
      const hevc = made("clip.hevc", 3);
      const record = spawn(process.execPath, [join(repoRoot, "bin/ipc-hls"), "record", hevc, "--realtime", "--name", "clip", "--store", dir], { stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      record.stdout.on("data", (d) => (stdout += d));
      const code = await new Promise<number | null>((resolve) => record.once("exit", (c) => resolve(c)));
      expect(code, stdout).toBe(0);
      // No --fps: the rate comes from the SPS's VUI timing, as for push.
      expect(stdout).toMatch(/clip: recording: H\.265 .*clip\.hevc at the frame rate its SPS gives, real time/);
      await expectPictures(dir, hevc);
    }, 60_000);
  });
});
