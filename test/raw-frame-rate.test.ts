// The frame rate of a raw H.264 stream comes from its SPS (VUI timing: time_scale / (2 * num_units_in_tick)) when
// --fps is not given: every fixture muxed without --fps gives the same files as with its rate. ffmpeg's
// trace_headers says what each SPS carries. A --fps or an audio length that disagrees by more than 2 % warns; a
// stream without timing asks for --fps (exit 2); a rate ffmpeg writes into the VUI (h264_metadata) is the one used;
// the WASI command does the same with the same words.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { HlsRecorder } from "../src/sdk.js";
import { InvalidOptionError } from "../src/options.js";
import { LocalStore } from "../src/store/local-store.js";
import { ffmpegSync, fixturePath, probePackets, tempDir } from "./support/media-tools.js";
import { runCli } from "./support/mux-run.js";
import { stripVui } from "./support/strip-vui.js";
import { RUNTIMES, runWasi } from "./support/wasi-run.js";

const tmp = tempDir("raw-frame-rate-");
afterAll(() => tmp.cleanup());
const file = (name: string) => join(tmp.path, name);

const FIXTURES: [string, string][] = [
  ["video/baseline-320x240-25fps.h264", "25"],
  ["video/high-bframes-320x240-25fps.h264", "25"],
  ["video/multislice-320x240-25fps.h264", "25"],
  ["video/headers-once-320x240-25fps.h264", "25"],
  ["video/long-gop-320x240-25fps.h264", "25"],
  ["video/ntsc-320x240-29.97fps.h264", "30000/1001"],
  ["video/with-aud-320x240-25fps.h264", "25"],
  ["video/av-1280x720-25fps.h264", "25"],
  ["sample/sample-640x360-25fps.h264", "25"],
];

/** ffmpeg's trace_headers of the first access unit (its SPS fields, one a line). */
function trace(path: string): string {
  const r = spawnSync("ffmpeg", ["-nostdin", "-hide_banner", "-v", "info", "-i", path, "-c", "copy", "-bsf:v", "trace_headers", "-frames:v", "1", "-f", "null", "-"], { encoding: "utf8" });
  return r.stderr;
}

function timingOf(path: string): { present: boolean; rate?: number } {
  const text = trace(path);
  const field = (name: string) => Number(new RegExp(`\\b${name}\\s+\\S*\\s*=\\s*(\\d+)`).exec(text)?.[1]);
  const present = field("timing_info_present_flag") === 1;
  return { present, rate: present ? field("time_scale") / (2 * field("num_units_in_tick")) : undefined };
}

const tsFiles = (dir: string) => readdirSync(dir).sort();
function sameFiles(a: string, b: string): void {
  const names = tsFiles(a);
  expect(names.length).toBeGreaterThan(1);
  expect(tsFiles(b)).toEqual(names);
  for (const name of names) expect(readFileSync(join(a, name)).equals(readFileSync(join(b, name))), name).toBe(true);
}

beforeAll(() => {
  const baseline = new Uint8Array(readFileSync(fixturePath("video/baseline-320x240-25fps.h264")));
  writeFileSync(file("no-vui.h264"), stripVui(baseline));
  // A camera that says 29.97 in its SPS, whatever rate it was encoded at.
  ffmpegSync(["-i", fixturePath("video/baseline-320x240-25fps.h264"), "-c", "copy", "-bsf:v", "h264_metadata=tick_rate=60000/1001", "-f", "h264", file("says-29.97.h264")]);
}, 30_000);

describe("ipc-hls mux without --fps: the rate the SPS carries", () => {
  test.each(FIXTURES)("%s (%s fps): ffmpeg sees VUI timing; same files as with --fps", async (fixture, fps) => {
    const path = fixturePath(fixture);
    const timing = timingOf(path);
    expect(timing.present).toBe(true);
    const [num, den = "1"] = fps.split("/");
    expect(timing.rate).toBeCloseTo(Number(num) / Number(den), 6);
    const name = fixture.replace(/\W/g, "-");
    const withFps = await runCli(["mux", path, "--fps", fps, "--out", file(`${name}-with`)]);
    const without = await runCli(["mux", path, "--out", file(`${name}-without`)]);
    expect(withFps.exitCode, withFps.stderr).toBe(0);
    expect(without.exitCode, without.stderr).toBe(0);
    expect(without.stderr).toBe("");
    expect(withFps.stderr).toBe(""); // the right rate: no warning
    expect(without.stdout.replace(/→ .*/, "")).toBe(withFps.stdout.replace(/→ .*/, ""));
    sameFiles(file(`${name}-with`), file(`${name}-without`));
  });

  test("a rate ffmpeg wrote into the VUI (h264_metadata tick_rate 60000/1001) is the one used: 3003 ticks a frame", async () => {
    expect(timingOf(file("says-29.97.h264")).rate).toBeCloseTo(30000 / 1001, 6);
    const r = await runCli(["mux", file("says-29.97.h264"), "--out", file("says-out")]);
    expect(r.exitCode, r.stderr).toBe(0);
    const packets = await probePackets(join(file("says-out"), "segment-000000.ts"), "v:0");
    const dts = packets.map((p) => p.dts!).filter((d) => d !== undefined);
    expect(dts.length).toBeGreaterThan(10);
    for (let i = 1; i < dts.length; i++) expect(Math.round((dts[i]! - dts[i - 1]!) * 90000)).toBe(3003); // (ffprobe: seconds)
  });
});

describe("timings that disagree by more than 2 % warn, one line each", () => {
  test("--fps 30 for a 25 fps stream: timed at 30 and a warning", async () => {
    const r = await runCli(["mux", fixturePath("video/baseline-320x240-25fps.h264"), "--fps", "30", "--out", file("fps30")]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toBe("warning: --fps 30 disagrees with the stream's own frame rate 25 (its SPS): timed at --fps\n");
    expect(r.stdout).toMatch(/, 2\.500 s,/); // 75 frames at 30 fps
  });

  test("--fps 25.4 (1.6 % off) does not warn", async () => {
    const r = await runCli(["mux", fixturePath("video/baseline-320x240-25fps.h264"), "--fps", "25.4", "--out", file("fps25.4")]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
  });

  test("audio 4 s long beside video timed to 3.3 s: the lengths warn too", async () => {
    const r = await runCli([
      "mux", fixturePath("video/av-1280x720-25fps.h264"), "--audio", fixturePath("audio/aac-lc-48000-mono.aac"), "--fps", "30", "--out", file("av30"),
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    const lines = r.stderr.trim().split("\n");
    expect(lines[0]).toBe("warning: --fps 30 disagrees with the stream's own frame rate 25 (its SPS): timed at --fps");
    expect(lines[1]).toBe("warning: the audio lasts 4.03 s and the video 3.33 s, more than 2 % apart: is the frame rate right?");
  });

  test("audio and video of the same length, no --fps: nothing on stderr", async () => {
    const r = await runCli(["mux", fixturePath("video/av-1280x720-25fps.h264"), "--audio", fixturePath("audio/aac-lc-44100-stereo.aac"), "--out", file("av")]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
  });
});

describe("a stream whose SPS carries no timing", () => {
  test("ffmpeg sees no VUI timing in it; without --fps: exit 2 asking for it, no segment", async () => {
    expect(timingOf(file("no-vui.h264")).present).toBe(false);
    const r = await runCli(["mux", file("no-vui.h264"), "--out", file("no-vui-out")]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe("ipc-hls mux: --fps is required: the stream's SPS carries no frame rate (no VUI timing); e.g. --fps 25, --fps 29.97, --fps 30000/1001\n");
    expect(readdirSync(file("no-vui-out")).filter((n) => n.endsWith(".ts"))).toEqual([]);
  });

  test("with --fps 25: the same timing as the fixture it was made from", async () => {
    const r = await runCli(["mux", file("no-vui.h264"), "--fps", "25", "--out", file("no-vui-25")]);
    const original = await runCli(["mux", fixturePath("video/baseline-320x240-25fps.h264"), "--out", file("no-vui-original")]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout.replace(/→ .*/, "")).toBe(original.stdout.replace(/→ .*/, ""));
    expect(readFileSync(join(file("no-vui-25"), "index.m3u8"), "utf8")).toBe(readFileSync(join(file("no-vui-original"), "index.m3u8"), "utf8"));
  });

  test("through the SDK: rawStatus().needsRate, nothing muxed", async () => {
    const recorder = new HlsRecorder({ bufferSize: 1 << 20, store: new LocalStore(file("sdk-no-vui")) });
    await recorder.start();
    expect(() => recorder.startRawStreams(0)).toThrow(InvalidOptionError);
    expect(() => recorder.startRawStreams(Number.NaN)).toThrow(InvalidOptionError);
    recorder.startRawStreams();
    recorder.putRawVideo(readFileSync(file("no-vui.h264")));
    recorder.endRawVideo();
    expect(recorder.rawStatus()).toMatchObject({ needsRate: true, rate: undefined, streamRate: undefined });
    const stats = await recorder.close({ deadlineMs: 1000 });
    expect(stats.segmentsMade).toBe(0);
  });
});

describe.each(RUNTIMES)("the WASI command under %s", (runtime) => {
  const wasi = async (name: string, args: string[]) => {
    const out = file(`wasi-${runtime}-${name}`);
    mkdirSync(out);
    const run = await runWasi(runtime, [...args, "--out", "out"], { dirs: { in: tmp.path, fixtures: fixturePath("."), out } });
    expect(run.trapped, run.stderr).toBe(false);
    return { run, out };
  };

  test("the ntsc fixture without --fps: the files ipc-hls mux writes", async () => {
    const { run, out } = await wasi("ntsc", ["fixtures/video/ntsc-320x240-29.97fps.h264"]);
    expect(run.exitCode, run.stderr).toBe(0);
    sameFiles(out, file("video-ntsc-320x240-29-97fps-h264-without"));
  });

  test("--fps 30 for a 25 fps stream with audio: the same warnings as ipc-hls mux", async () => {
    const { run } = await wasi("av30", ["fixtures/video/av-1280x720-25fps.h264", "--audio", "fixtures/audio/aac-lc-48000-mono.aac", "--fps", "30"]);
    expect(run.exitCode, run.stderr).toBe(0);
    const cli = await runCli(["mux", fixturePath("video/av-1280x720-25fps.h264"), "--audio", fixturePath("audio/aac-lc-48000-mono.aac"), "--fps", "30", "--out", file(`av30-${runtime}`)]);
    expect(run.stderr).toBe(cli.stderr);
    expect(run.stderr).toMatch(/--fps 30 disagrees/);
  });

  test("no VUI timing, no --fps: exit 2 asking for it", async () => {
    const { run } = await wasi("no-vui", ["in/no-vui.h264"]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/^ipc-hls: --fps is required: the stream's SPS carries no frame rate \(no VUI timing\)/);
  });
});
