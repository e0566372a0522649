// Every option is checked where it enters: a bad value is a typed error naming the option, at construction, and
// never reaches the WASM core (which must not trap on anything the host can pass) or the network. The CLI's flags
// give one line and exit 2 for the same mistakes.
import { describe, expect, test } from "vitest";
import { instantiate } from "@assemblyscript/loader";
import { join } from "node:path";
import { HlsRecorder, type HlsRecorderOptions } from "../src/sdk.js";
import { coreModule, MuxerCore } from "../src/core.js";
import { InvalidOptionError } from "../src/options.js";
import { InvalidCredentialsError } from "../src/credentials.js";
import { InvalidEndpointError } from "../src/s3/endpoint.js";
import { InvalidTagError } from "../src/s3/tagging.js";
import { LocalStore } from "../src/store/local-store.js";
import { fixturePath, tempDir } from "./support/media-tools.js";
import { runCli } from "./support/mux-run.js";
import { readFileSync } from "node:fs";
import { afterAll } from "vitest";

const tmp = tempDir("options-checked-");
afterAll(() => tmp.cleanup());

const S3: HlsRecorderOptions = { bufferSize: 1 << 20, region: "eu-west-1", bucket: "rec" };
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

type ErrorClass = new (...args: never[]) => Error;
const CASES: { name: string; options: Partial<HlsRecorderOptions> & Record<string, unknown>; error: ErrorClass; option: RegExp }[] = [
  { name: "bufferSize 2**32+20000 (would wrap to a 19,928-byte ring)", options: { bufferSize: 2 ** 32 + 20_000 }, error: InvalidOptionError, option: /^bufferSize/ },
  { name: "bufferSize NaN", options: { bufferSize: Number.NaN }, error: InvalidOptionError, option: /^bufferSize/ },
  { name: "bufferSize fractional", options: { bufferSize: 65536.5 }, error: InvalidOptionError, option: /^bufferSize/ },
  { name: "bufferSize too small for a segment", options: { bufferSize: 1000 }, error: InvalidOptionError, option: /^bufferSize/ },
  { name: "bufferSize a string", options: { bufferSize: "4M" as unknown as number }, error: InvalidOptionError, option: /^bufferSize/ },
  { name: "maxFrameSize larger than the ring", options: { maxFrameSize: 2 << 20 }, error: InvalidOptionError, option: /^maxFrameSize/ },
  { name: "maxFrameSize 0", options: { maxFrameSize: 0 }, error: InvalidOptionError, option: /^maxFrameSize/ },
  { name: "segmentDuration 0", options: { segmentDuration: 0 }, error: InvalidOptionError, option: /^segmentDuration/ },
  { name: "segmentDuration Infinity", options: { segmentDuration: Infinity }, error: InvalidOptionError, option: /^segmentDuration/ },
  { name: "overflowPolicy unknown", options: { overflowPolicy: "drop-all" as never }, error: InvalidOptionError, option: /^overflowPolicy/ },
  { name: "concurrency NaN (never uploaded)", options: { concurrency: Number.NaN }, error: InvalidOptionError, option: /^concurrency/ },
  { name: "concurrency 0", options: { concurrency: 0 }, error: InvalidOptionError, option: /^concurrency/ },
  { name: "requestTimeoutMs beyond a timer", options: { requestTimeoutMs: 2 ** 31 }, error: InvalidOptionError, option: /^requestTimeoutMs/ },
  { name: "requestTimeoutMs negative", options: { requestTimeoutMs: -1 }, error: InvalidOptionError, option: /^requestTimeoutMs/ },
  { name: "retryBackoff NaN", options: { retryBackoff: { baseMs: Number.NaN, capMs: 1000 } }, error: InvalidOptionError, option: /^retryBackoff\.baseMs/ },
  { name: "retryBackoff cap beyond a timer", options: { retryBackoff: { baseMs: 500, capMs: 2 ** 40 } }, error: InvalidOptionError, option: /^retryBackoff\.capMs/ },
  { name: "checksum md5", options: { checksum: "md5" as never }, error: InvalidOptionError, option: /^checksum/ },
  { name: "prefix ../..", options: { prefix: "../.." }, error: InvalidOptionError, option: /^prefix/ },
  { name: "prefix with a .. part", options: { prefix: "cams/../etc" }, error: InvalidOptionError, option: /^prefix/ },
  { name: "prefix with an empty part", options: { prefix: "cams//front" }, error: InvalidOptionError, option: /^prefix/ },
  { name: "prefix with a newline", options: { prefix: "front\ndoor" }, error: InvalidOptionError, option: /^prefix/ },
  { name: "prefix too long for a key", options: { prefix: "p".repeat(1000) }, error: InvalidOptionError, option: /^prefix/ },
  { name: "session not hex", options: { session: "front-01" }, error: InvalidOptionError, option: /^session/ },
  { name: "now not a function", options: { now: 5 as never }, error: InvalidOptionError, option: /^now/ },
  { name: "store without put", options: { store: {} as never }, error: InvalidOptionError, option: /^store/ },
  { name: "spill.dir empty", options: { spill: { dir: "" } }, error: InvalidOptionError, option: /^spill\.dir/ },
  { name: "spill.maxBytes NaN", options: { spill: { dir: "x", maxBytes: Number.NaN } }, error: InvalidOptionError, option: /^spill\.maxBytes/ },
  { name: "spill.ringFraction 1", options: { spill: { dir: "x", ringFraction: 1 } }, error: InvalidOptionError, option: /^spill\.ringFraction/ },
  { name: "region with a space", options: { region: "eu west 1" }, error: InvalidEndpointError, option: /region/ },
  { name: "region with a newline", options: { region: "eu-west-1\n" }, error: InvalidEndpointError, option: /region/ },
  { name: "bucket name", options: { bucket: "Bad_Bucket" }, error: InvalidEndpointError, option: /bucket/ },
  { name: "endpoint scheme", options: { endpoint: "ftp://minio" }, error: InvalidEndpointError, option: /endpoint/ },
  { name: "tags reserved", options: { tags: { "aws:camera": "x" } }, error: InvalidTagError, option: /aws:/ },
  { name: "session token with a newline", options: { credentials: { accessKeyId: "AKIA", secretAccessKey: SECRET, sessionToken: "tok\nen" } }, error: InvalidCredentialsError, option: /^sessionToken/ },
  { name: "secret key with a newline", options: { credentials: { accessKeyId: "AKIA", secretAccessKey: `${SECRET}\n` } }, error: InvalidCredentialsError, option: /^secretAccessKey/ },
];

describe("new HlsRecorder(options) with a bad option", () => {
  test.each(CASES)("$name → $error.name naming it", ({ options, error, option }) => {
    let thrown: unknown;
    try {
      new HlsRecorder({ ...S3, ...options } as HlsRecorderOptions);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(error);
    const e = thrown as Error & { option?: string };
    expect(e.message).toMatch(option);
    if (e instanceof InvalidOptionError) expect(e.option).toMatch(option);
    expect(e.message).not.toContain(SECRET.slice(0, 12)); // a secret never reaches an error
    expect(e.message.split("\n")).toHaveLength(1);
  });

  test("the defaults and a full set of good options construct", () => {
    expect(() => new HlsRecorder(S3)).not.toThrow();
    expect(
      () =>
        new HlsRecorder({
          ...S3, prefix: "/cams/front-door/", maxFrameSize: 65536, segmentDuration: 4, overflowPolicy: "drop-new", concurrency: 4,
          requestTimeoutMs: 5000, retryBackoff: { baseMs: 100, capMs: 2000 }, checksum: "sha256", session: "0123abcd", tags: { site: "hq" },
          spill: { dir: join(tmp.path, "spill"), maxBytes: 1 << 20, ringFraction: 0.25 }, credentials: { accessKeyId: "AKIA", secretAccessKey: SECRET },
        }),
    ).not.toThrow();
  });

  test("close({ deadlineMs }) and startRawStreams(rate) are checked too", async () => {
    const recorder = new HlsRecorder({ bufferSize: 1 << 20, store: new LocalStore(join(tmp.path, "store")) });
    await recorder.start();
    for (const [num, den] of [[0, 1], [Number.NaN, 1], [25, 0], [4294967296, 4294967295], [-25, 1], [5000, 1]]) {
      expect(() => recorder.startRawStreams(num, den), `${num}/${den}`).toThrow(InvalidOptionError);
    }
    // Per frame nothing throws: what the core cannot take is a counted drop, never a length that wraps.
    const idr = readFileSync(fixturePath("video/baseline-320x240-25fps.h264")).subarray(0, 4000);
    expect(recorder.putVideoFrame(idr, Number.NaN)).toBe("malformed");
    expect(recorder.putVideoFrame(idr, 0, Number.POSITIVE_INFINITY)).toBe("malformed");
    expect(recorder.putAudioFrame(new Uint8Array(10), Number.NaN)).toBe("malformed");
    expect(recorder.putVideoFrameInPlace(2 ** 32 + 5, 0)).toBe("frame-too-large");
    expect(recorder.putVideoFrameInPlace(1.5, 0)).toBe("malformed");
    expect(recorder.putAudioFrameInPlace(-7, 0)).toBe("malformed");
    expect(recorder.stats().videoFramesDropped).toBe(4);
    await expect(recorder.close({ deadlineMs: Number.NaN })).rejects.toThrow(InvalidOptionError);
    await recorder.close({ deadlineMs: 100 });
  });
});

describe("MuxerCore.create with a bad option", () => {
  test.each([
    [{ bufferSize: 2 ** 32 + 20_000 }, /^bufferSize/],
    [{ bufferSize: 2 ** 31 }, /^bufferSize/],
    [{ bufferSize: 1 << 20, maxFrameSize: Number.NaN }, /^maxFrameSize/],
    [{ bufferSize: 1 << 20, segmentDuration: 61 }, /^segmentDuration/],
    [{ bufferSize: 1 << 20, clock: "now" as never }, /^clock/],
  ])("%j → InvalidOptionError", async (options, option) => {
    await expect(MuxerCore.create(options)).rejects.toThrow(InvalidOptionError);
    await expect(MuxerCore.create(options)).rejects.toThrow(option);
  });
});

describe("the WASM core never traps on what its exports can be given", () => {
  test("init, rawInit and the raw readers with zero, NaN and out-of-range numbers", async () => {
    const video = readFileSync(fixturePath("video/baseline-320x240-25fps.h264"));
    const { instance } = await instantiate<Record<string, unknown>>(await coreModule(), {});
    const core = instance.exports as unknown as Record<string, (...args: number[]) => number> & { memory: WebAssembly.Memory };
    for (const [ring, frame] of [[0, 0], [2 ** 32 - 1, 1024], [1 << 20, 2 ** 32 - 1], [Number.NaN, Number.NaN]]) {
      expect(core.init!(ring!, frame!, 2000, 0, 65536), `${ring}, ${frame}`).not.toBe(0);
    }
    expect(core.init!(1 << 20, 65536, 2000, 0, 65536)).toBe(0);
    const bytes = new Uint8Array(core.memory.buffer);
    for (const [num, den] of [[0, 0], [0, 1], [Number.NaN, 1], [25, 0], [2 ** 32 - 1, 2 ** 32 - 2], [1, 1e9]]) {
      core.rawInit!(num!, den!, 0);
      for (let at = 0; at < video.length; at += 65536) {
        const chunk = video.subarray(at, at + 65536);
        bytes.set(chunk, core.rawChunkPtr!());
        core.rawVideoPush!(chunk.length);
        core.rawVideoTime!();
        core.rawAudioTime!();
        core.rawAudioDue!();
      }
      core.rawVideoEnd!();
      core.putVideo!(100, Number.NaN, Number.NaN, Number.NaN);
      core.putAudio!(2 ** 32 - 1, Number.POSITIVE_INFINITY);
      core.flush!();
      for (let id = core.takeSegment!(); id >= 0; id = core.takeSegment!()) core.releaseSegment!(id);
    }
  });
});

describe("the command line gives one line and exit 2 for the same mistakes", () => {
  const input = fixturePath("video/baseline-320x240-25fps.h264");
  const out = join(tmp.path, "cli-out");
  const s3 = ["--bucket", "rec", "--endpoint", "http://127.0.0.1:9"];
  test.each([
    { args: ["mux", input, "--out", out, "--fps", "4294967296/4294967295"], message: /bad --fps/ },
    { args: ["mux", input, "--out", out, "--buffer-size", "4294987296"], message: /--buffer-size must be a whole number of bytes from/ },
    { args: ["mux", input, "--out", out, "--buffer-size", "1e6"], message: /bad --buffer-size/ },
    { args: ["mux", input, "--out", out, "--segment-duration", "61"], message: /--segment-duration must be/ },
    { args: ["push", input, ...s3, "--prefix", "../.."], message: /--prefix/ },
    { args: ["push", input, ...s3, "--deadline", "1e12"], message: /bad --deadline/ },
    { args: ["push", input, ...s3, "--tag", "aws:x=1"], message: /bad --tag/ },
    { args: ["push", input, ...s3, "--spill-max=0", "--spill", out], message: /spill\.maxBytes must be a whole number of bytes from 1/ },
    { args: ["push", input, ...s3, "--fps", "0"], message: /bad --fps/ },
    { args: ["push", input, ...s3], env: { AWS_SESSION_TOKEN: "tok\nen" }, message: /AWS_SESSION_TOKEN contains a control character/ },
    { args: ["demo", "--loops", "1.5"], message: /bad --loops/ },
    { args: ["serve", "--port", "70000"], message: /bad --port/ },
    { args: ["serve", "--port", "0", "--cors", "https://a.example\nX-Evil: 1"], message: /--cors must not contain control characters/ },
    { args: ["playlist", "--bucket", "rec", "--prefix", "../..", "--from", "2026-01-01T00:00:00Z", "--to", "2026-01-01T01:00:00Z"], message: /prefix/ },
  ])("ipc-hls $args.0 … $message", async ({ args, env, message }) => {
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: "AKIA", AWS_SECRET_ACCESS_KEY: SECRET }, env);
    try {
      const r = await runCli(args);
      expect(r.exitCode, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).not.toContain("tok");
    } finally {
      process.env = saved;
    }
  });
});
