// The pieces of `ipc-hls record` that need no camera: the live pipe's access-unit splitter (judged against the
// test suite's own splitter, written separately from H.264 7.4.1.2.3), the arrival clock, the camera timeline,
// and the shared upload slots.
import { describe, it, expect, afterAll } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import fc from "fast-check";
import { AccessUnitSplitter } from "../src/record/access-unit-splitter.js";
import { ArrivalClock } from "../src/record/arrival-clock.js";
import { Timeline } from "../src/record/timeline.js";
import { UploadSlots } from "../src/upload-slots.js";
import { accessUnits, nalTypesOf } from "./support/annexb.js";
import { fixturePath, tempDir } from "./support/media-tools.js";
import { Camera } from "../src/record/camera.js";
import { runCameras } from "../src/record/runner.js";
import { StatusBoard } from "../src/record/status.js";
import { LocalStore } from "../src/store/local-store.js";
import { UnrecordableSourceError, type FrameSink, type Source, type SourceSession } from "../src/record/source.js";

/** Runs the splitter over `data` cut at `cuts`; returns the units (copied out) and the count skipped as too large. */
function split(data: Uint8Array, cuts: number[], bufferSize = 1 << 20) {
  const buffer = new Uint8Array(bufferSize);
  const units: { bytes: Uint8Array; idr: boolean }[] = [];
  let tooLarge = 0;
  const splitter = new AccessUnitSplitter(buffer, {
    unit: (length, idr) => units.push({ bytes: buffer.slice(0, length), idr }),
    tooLarge: () => tooLarge++,
  });
  let at = 0;
  for (const cut of [...cuts, data.length]) {
    splitter.push(data.subarray(at, Math.max(at, cut)));
    at = Math.max(at, cut);
  }
  splitter.end();
  return { units, tooLarge };
}

const equalBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.from(a).equals(Buffer.from(b));

describe("AccessUnitSplitter", () => {
  const fixtures = ["video/baseline-320x240-25fps.h264", "video/multislice-320x240-25fps.h264", "video/with-aud-320x240-25fps.h264", "video/high-bframes-320x240-25fps.h264"];

  it.each(fixtures)("%s: the same access units as the reference splitter, whatever the pieces the pipe delivers", (name) => {
    const data = new Uint8Array(readFileSync(fixturePath(name)));
    const expected = accessUnits(data);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: data.length }), { maxLength: 400 }), (raw) => {
        const { units, tooLarge } = split(data, raw.sort((a, b) => a - b));
        expect(tooLarge).toBe(0);
        expect(units.length).toBe(expected.length);
        units.forEach((u, i) => {
          expect(equalBytes(u.bytes, expected[i]!)).toBe(true);
          expect(u.idr).toBe(nalTypesOf(expected[i]!).includes(5));
        });
      }),
      { numRuns: 30 },
    );
    // Byte by byte, the hardest case for start codes cut between pieces.
    const bytewise = split(data, Array.from({ length: data.length }, (_, i) => i));
    expect(bytewise.units.map((u) => u.bytes.length)).toEqual(expected.map((u) => u.length));
  });

  it("skips an access unit larger than the buffer (counted) and keeps the ones after it whole", () => {
    const data = new Uint8Array(readFileSync(fixturePath("video/baseline-320x240-25fps.h264")));
    const expected = accessUnits(data);
    const largest = Math.max(...expected.map((u) => u.length));
    const limit = largest - 1; // only the largest unit(s) do not fit
    const { units, tooLarge } = split(data, [1000, 5000, 20000], limit);
    const fitting = expected.filter((u) => u.length <= limit);
    expect(tooLarge).toBe(expected.length - fitting.length);
    expect(tooLarge).toBeGreaterThan(0);
    expect(units.map((u) => u.bytes.length)).toEqual(fitting.map((u) => u.length));
    units.forEach((u, i) => expect(equalBytes(u.bytes, fitting[i]!)).toBe(true));
  });
});

describe("ArrivalClock", () => {
  it("smooths jittery arrivals to the frame interval and follows the real rate", () => {
    const clock = new ArrivalClock(25);
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const stamps: number[] = [];
    // 25 fps, each frame delayed by 0–30 ms of jitter.
    for (let n = 0; n < 1000; n++) stamps.push(clock.stamp(n * 40_000 + random() * 30_000));
    const steps = stamps.slice(1).map((t, i) => t - stamps[i]!);
    // On the frame grid: jitter does not reach the stamps.
    expect(new Set(steps)).toEqual(new Set([40_000]));
  });

  it("a first frame that came late (an encoder starting up) is a constant offset: the steps stay whole intervals", () => {
    const clock = new ArrivalClock(25);
    const stamps = [clock.stamp(300_000)]; // frame 0 captured at 0, delivered 300 ms late
    for (let n = 1; n < 500; n++) stamps.push(clock.stamp(n * 40_000 + 5_000));
    expect(new Set(stamps.slice(1).map((t, i) => t - stamps[i]!))).toEqual(new Set([40_000]));
  });

  it("follows a source a little slower or faster than the rate given, staying within a few frames of real time", () => {
    for (const realFps of [24.9, 25.1]) {
      const clock = new ArrivalClock(25);
      let worst = 0;
      for (let n = 0; n < 5000; n++) {
        const arrival = (n * 1e6) / realFps + (n % 7) * 3000; // and some jitter
        worst = Math.max(worst, Math.abs(clock.stamp(arrival) - arrival));
      }
      expect(worst).toBeLessThan(300_000);
    }
  });

  it("reports once a --fps that disagrees with the arrival rate by more than 10 %, and follows the arrivals", () => {
    const reports: { givenFps: number; measuredFps: number }[] = [];
    const clock = new ArrivalClock(30, (m) => reports.push(m));
    const stamps: number[] = [];
    for (let n = 0; n < 1500; n++) stamps.push(clock.stamp(n * 40_000)); // really 25 fps
    expect(reports).toHaveLength(1);
    expect(reports[0]!.givenFps).toBe(30);
    expect(reports[0]!.measuredFps).toBeCloseTo(25, 1);
    expect(Math.abs((stamps[1499]! - stamps[750]!) / 749 - 40_000)).toBeLessThan(200);

    const agreeing: unknown[] = [];
    const fine = new ArrivalClock(26, (m) => agreeing.push(m)); // 4 % off: not reported
    for (let n = 0; n < 1500; n++) fine.stamp(n * 40_000);
    expect(agreeing).toEqual([]);
  });

  it("stamps only go forward, through bursts and after a stall (restarted at the arrival time)", () => {
    const clock = new ArrivalClock(25);
    let last = -Infinity;
    const check = (t: number) => {
      expect(t).toBeGreaterThan(last);
      last = t;
      return t;
    };
    // Bursts: 20 frames at once every 800 ms.
    for (let n = 0; n < 200; n++) check(clock.stamp(Math.floor(n / 20) * 800_000));
    // A 5 s stall: the next frame is stamped where it arrived.
    const resumeAt = 8_000_000 + 5_000_000;
    clock.restart();
    expect(check(clock.stamp(resumeAt))).toBe(resumeAt);
  });
});

describe("Timeline", () => {
  it("puts each session's first frame where it arrived, so a reconnect shows its real pause, and never goes back", () => {
    let now = 1_000_000;
    const timeline = new Timeline(() => now);
    const first = [0, 40_000, 80_000].map((t) => timeline.map(5_000_000 + t));
    expect(first).toEqual([0, 40_000, 80_000]);
    now += 3_000_000; // 3 s later a new session, whose clock starts anywhere (here: lower)
    timeline.newSession();
    expect(timeline.map(100)).toBe(3_000_000);
    expect(timeline.map(40_100)).toBe(3_040_000);
    // A session whose clock ran far ahead of real time: the next one still starts after it.
    timeline.newSession();
    timeline.map(0);
    timeline.map(60_000_000);
    timeline.newSession();
    expect(timeline.map(0)).toBeGreaterThan(60_000_000 + 3_000_000 - 1);
  });
});

describe("UploadSlots", () => {
  it("lets `size` holders in at once, first come first served; an aborted waiter leaves the queue", async () => {
    const slots = new UploadSlots(2);
    const a = await slots.acquire();
    const b = await slots.acquire();
    const order: string[] = [];
    const c = slots.acquire().then((release) => (order.push("c"), release));
    const abort = new AbortController();
    const d = slots.acquire(abort.signal).catch(() => "aborted");
    const e = slots.acquire().then((release) => (order.push("e"), release));
    abort.abort();
    expect(await d).toBe("aborted");
    expect(slots.inUse).toBe(2);
    a();
    a(); // twice: released once only
    (await c)();
    b();
    (await e)();
    expect(order).toEqual(["c", "e"]);
    expect(slots.inUse).toBe(0);
  });
});

describe("Camera (reconnect loop) and runner", () => {
  const dir = tempDir("record-units-");
  afterAll(() => dir.cleanup());
  const units = accessUnits(new Uint8Array(readFileSync(fixturePath("video/baseline-320x240-25fps.h264"))));

  /** A source that refuses `refusals` times, then plays the fixture once per session (`sessions` of them). */
  function flakySource(refusals: number, sessions: number, opts: { throwInSession?: boolean } = {}): Source & { opens: number } {
    let played = 0;
    const source = {
      label: "flaky",
      mayHaveAudio: false,
      reopens: true,
      opens: 0,
      async open(sink: FrameSink, _recorder: unknown, signal: AbortSignal): Promise<SourceSession> {
        source.opens++;
        if (source.opens <= refusals) throw new Error("flaky: user or password refused (401 to DESCRIBE)");
        if (played >= sessions) {
          await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
          return { description: "idle", ended: Promise.resolve(undefined), close: async () => {} };
        }
        played++;
        units.forEach((unit, i) => {
          sink.videoTarget.set(unit);
          sink.video(unit.length, i * 40_000);
        });
        if (opts.throwInSession) {
          // A source with a bug: reading its description throws.
          return { get description(): string { throw new Error("description broke"); }, ended: Promise.resolve(undefined), close: async () => {} };
        }
        return { description: "fixture", ended: Promise.resolve(new Error("connection lost")), close: async () => {} };
      },
    };
    return source;
  }

  it("retries a refusing source with backoff, logging the refusal once; each attempt counts as a reconnect", async () => {
    const lines: string[] = [];
    const log = { info: (c: string, l: string) => lines.push(`${c}: ${l}`), error: (c: string, l: string) => lines.push(`${c}: ERROR ${l}`) };
    const source = flakySource(4, 2);
    const camera = new Camera({ name: "flaky", source, recorder: { bufferSize: 1 << 20, store: new LocalStore(join(dir.path, "a")) }, log, backoff: { baseMs: 1, capMs: 5 } });
    const running = camera.run();
    while (source.opens < 7) await new Promise((resolve) => setTimeout(resolve, 5));
    camera.stop();
    const stats = await running;
    expect(lines.filter((l) => /refused/.test(l))).toHaveLength(1);
    expect(lines.filter((l) => /flaky: recording: fixture/.test(l))).toHaveLength(1);
    expect(lines.filter((l) => /reconnected: fixture/.test(l))).toHaveLength(1);
    expect(lines.filter((l) => /disconnected: connection lost/.test(l))).toHaveLength(2);
    expect(camera.status().reconnects).toBe(source.opens - 1);
    expect(stats.videoFramesIn).toBe(150);
    expect(stats.segmentsDropped).toBe(0);
  });

  it("a camera that breaks stops alone, with its reason; the runner's other cameras finish; exit code 1", async () => {
    const lines: string[] = [];
    const log = { info: (c: string, l: string) => lines.push(`${c}: ${l}`), error: (c: string, l: string) => lines.push(`${c}: ERROR ${l}`) };
    const broken = new Camera({ name: "broken", source: flakySource(0, 1, { throwInSession: true }), recorder: { bufferSize: 1 << 20, store: new LocalStore(join(dir.path, "b")) }, log });
    const fine = new Camera({ name: "fine", source: { ...flakySource(0, 1), reopens: false, label: "fine", mayHaveAudio: false }, recorder: { bufferSize: 1 << 20, store: new LocalStore(join(dir.path, "c")) }, log });
    const board = new StatusBoard(() => [], { tty: false, intervalMs: 0, out: new PassThrough(), err: new PassThrough() });
    const out = new PassThrough();
    let summary = "";
    out.on("data", (d) => (summary += d));
    const result = await runCameras([broken, fine], board, out);
    expect(result.exitCode).toBe(1);
    expect(broken.failed).toMatch(/stopped by an unexpected error: description broke/);
    expect(summary).toMatch(/broken: FAILED: stopped by an unexpected error/);
    expect(summary).toMatch(/fine:\n {2}frames: +75 video/);
    expect(result.stats.get("fine")!.segmentsUploaded).toBe(result.stats.get("fine")!.segmentsMade);
  });

  it("a recorder per codec: a session in another codec gets a new recorder (the old one finished), counts add up", async () => {
    const lines: string[] = [];
    const log = { info: (c: string, l: string) => lines.push(`${c}: ${l}`), error: (c: string, l: string) => lines.push(`${c}: ERROR ${l}`) };
    const asked: string[] = [];
    let opens = 0;
    const source: Source = {
      label: "switching",
      mayHaveAudio: false,
      reopens: true,
      async open(sink, recorderFor, signal) {
        opens++;
        if (opens > 2) {
          await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
          return { description: "idle", ended: Promise.resolve(undefined), close: async () => {} };
        }
        const codec = opens === 1 ? "h264" : "h265";
        asked.push(codec);
        await recorderFor(codec);
        if (codec === "h264") {
          units.forEach((unit, i) => {
            sink.videoTarget.set(unit);
            sink.video(unit.length, i * 40_000);
          });
        }
        return { description: codec, ended: Promise.resolve(new Error("connection lost")), close: async () => {} };
      },
    };
    const store = join(dir.path, "switch");
    const camera = new Camera({ name: "cam", source, recorder: { bufferSize: 1 << 20, store: new LocalStore(store) }, log, backoff: { baseMs: 1, capMs: 2 } });
    const first = camera.recorder;
    const running = camera.run();
    while (opens < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    camera.stop();
    const stats = await running;
    expect(asked).toEqual(["h264", "h265"]);
    expect(camera.recorder).not.toBe(first);
    expect(camera.recorder.session).not.toBe(first.session); // a new recording (its own session id in the keys)
    expect(lines).toContain("cam: the camera now sends H.265 (it sent H.264): a new recording");
    // The H.264 recording was finished and stored when the codec changed; its counts stay in the camera's.
    expect(stats.videoFramesIn).toBe(75);
    expect(stats.segmentsUploaded).toBe(stats.segmentsMade);
    expect(stats.segmentsMade).toBeGreaterThan(0);
  });

  it("a source that cannot be recorded (e.g. MJPEG) stops its camera with one line, without retrying", async () => {
    const lines: string[] = [];
    const log = { info: (c: string, l: string) => lines.push(`${c}: ${l}`), error: (c: string, l: string) => lines.push(`${c}: ERROR ${l}`) };
    let opens = 0;
    const source: Source = {
      label: "mjpeg",
      mayHaveAudio: false,
      reopens: true,
      async open() {
        opens++;
        throw new UnrecordableSourceError("rtsp://cam/x: the camera's video is MJPEG (JPEG/90000, RTP payload 26), which ipc-hls cannot record");
      },
    };
    const camera = new Camera({ name: "old", source, recorder: { bufferSize: 1 << 20, store: new LocalStore(join(dir.path, "mjpeg")) }, log, backoff: { baseMs: 1, capMs: 2 } });
    await camera.run();
    expect(opens).toBe(1);
    expect(camera.failed).toMatch(/MJPEG/);
    expect(lines).toEqual(["old: ERROR rtsp://cam/x: the camera's video is MJPEG (JPEG/90000, RTP payload 26), which ipc-hls cannot record; this camera stops"]);
    expect(camera.status().state).toBe("failed");
  });

  it("stopped after recording nothing because the source refused every time: exit code 1, the reason in the summary; one that recorded exits 0", async () => {
    const log = { info: () => {}, error: () => {} };
    const board = () => new StatusBoard(() => [], { tty: false, intervalMs: 0, out: new PassThrough(), err: new PassThrough() });
    const runUntil = async (camera: Camera, source: { opens: number }, opens: number) => {
      const out = new PassThrough();
      let summary = "";
      out.on("data", (d) => (summary += d));
      const running = runCameras([camera], board(), out);
      while (source.opens < opens) await new Promise((resolve) => setTimeout(resolve, 5));
      camera.stop();
      return { ...(await running), summary };
    };
    const refusing = flakySource(1000, 0);
    const never = new Camera({ name: "never", source: refusing, recorder: { bufferSize: 1 << 20, store: new LocalStore(join(dir.path, "d")) }, log, backoff: { baseMs: 1, capMs: 2 } });
    const refused = await runUntil(never, refusing, 3);
    expect(refused.exitCode).toBe(1);
    expect(refused.summary).toMatch(/never: FAILED: nothing recorded: flaky: user or password refused \(401 to DESCRIBE\)/);

    // Refused once, then recorded (and lost nothing): the early refusal is not a failure.
    const healing = flakySource(1, 1);
    const healed = new Camera({ name: "healed", source: healing, recorder: { bufferSize: 1 << 20, store: new LocalStore(join(dir.path, "e")) }, log, backoff: { baseMs: 1, capMs: 2 } });
    const recorded = await runUntil(healed, healing, 3);
    expect(recorded.stats.get("healed")!.videoFramesIn).toBe(75);
    expect(recorded.exitCode).toBe(0);
    expect(recorded.summary).not.toMatch(/FAILED/);
  });
});
