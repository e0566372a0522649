// Audio input is checked as the README says (AAC-LC, 8-48 kHz, mono or stereo): bytes that are not ADTS, an H.264
// file given as audio, and ADTS of another profile, rate or channel layout are refused by `ipc-hls mux` (one line,
// exit 1) and by putAudioFrame; garbage inside a valid stream is skipped (resynchronising on a header followed by
// the next frame's header) and every segment still decodes under ffmpeg -xerror with the valid audio in it.
// The refused formats are made with ffmpeg at test time; AAC Main by patching the profile bits of an LC stream.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import fc from "fast-check";
import { MuxerCore } from "../src/core.js";
import { feedRawStreams } from "../src/raw-feed.js";
import { checkSegments } from "./support/ts-inspect.js";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { HlsRecorder } from "../src/sdk.js";
import { LocalStore } from "../src/store/local-store.js";
import { adtsFrames } from "./support/adts.js";
import { accessUnits } from "./support/annexb.js";
import { decodedAudioSeconds, decodeErrors, ffmpegSync, fixturePath, tempDir } from "./support/media-tools.js";
import { runCli } from "./support/mux-run.js";
import { xorshiftBytes } from "./support/random-bytes.js";

const tmp = tempDir("audio-adts-checks-");
afterAll(() => tmp.cleanup());
const file = (name: string) => join(tmp.path, name);

const VIDEO = fixturePath("video/av-1280x720-25fps.h264");
const STEREO = fixturePath("audio/aac-lc-44100-stereo.aac");

const noise = (length: number, seed: number) => xorshiftBytes(length, seed >>> 0 || 1);

/** The LC stream with every header's profile bits set to 0: AAC Main (object type 1). */
function asAacMain(lc: Uint8Array): Uint8Array {
  const out = lc.slice();
  let at = 0;
  for (const frame of adtsFrames(lc)) {
    out[at + 2] = out[at + 2]! & 0x3f;
    at += frame.length;
  }
  return out;
}

beforeAll(() => {
  writeFileSync(file("random.aac"), noise(60_000, 7));
  writeFileSync(file("main.aac"), asAacMain(new Uint8Array(readFileSync(STEREO))));
  ffmpegSync(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=96000:duration=2", "-c:a", "aac", "-b:a", "96k", "-f", "adts", file("96k.aac")]);
  ffmpegSync(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=2", "-ac", "6", "-c:a", "aac", "-b:a", "192k", "-f", "adts", file("5.1.aac")]);
}, 60_000);

describe("ipc-hls mux refuses audio with no ADTS frame it can carry: one line, exit 1, no segment", () => {
  test.each([
    { name: "random bytes", audio: () => file("random.aac"), message: /^ipc-hls mux: no ADTS AAC frame found in .*random\.aac: is it a raw AAC stream/ },
    { name: "an H.264 file", audio: () => VIDEO, message: /^ipc-hls mux: no ADTS AAC frame found in .*av-1280x720-25fps\.h264/ },
    { name: "AAC Main", audio: () => file("main.aac"), message: /is AAC Main, 44100 Hz, stereo: only AAC-LC, 8 to 48 kHz, mono or stereo is supported/ },
    { name: "96 kHz", audio: () => file("96k.aac"), message: /is AAC-LC, 96000 Hz, mono: only AAC-LC/ },
    { name: "5.1", audio: () => file("5.1.aac"), message: /is AAC-LC, 48000 Hz, 6 channels: only AAC-LC/ },
  ])("$name", async ({ name, audio, message }) => {
    const out = file(`out-${name.replace(/\W/g, "")}`);
    const r = await runCli(["mux", VIDEO, "--audio", audio(), "--out", out]);
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(readdirSync(out).filter((n) => n.endsWith(".ts"))).toEqual([]);
  });
});

describe("garbage spliced into a valid ADTS stream", () => {
  test("every segment decodes under ffmpeg -xerror; the audio lost is the damaged frames (and a neighbour at most)", async () => {
    const clean = new Uint8Array(readFileSync(STEREO));
    const frames = adtsFrames(clean);
    // Noise inserted into the middle of frames 20, 60 and 100 (their headers now point into it), and after
    // frame 140 (at a boundary). (Noise written over a frame's payload, its length kept, is no splice: without a
    // CRC no muxer can tell it from audio.)
    const damaged = new Set([20, 60, 100]);
    const parts: Uint8Array[] = [];
    frames.forEach((frame, i) => {
      if (damaged.has(i)) parts.push(frame.subarray(0, 40), noise(1500 + i, i), frame.subarray(40));
      else parts.push(frame);
      if (i === 140) parts.push(noise(3000, 140));
    });
    const spliced = Buffer.concat(parts);
    writeFileSync(file("spliced.aac"), spliced);

    const mux = async (audio: string, out: string) => {
      const r = await runCli(["mux", VIDEO, "--audio", audio, "--out", out, "--segment-duration", "1"]);
      expect(r.exitCode, r.stderr).toBe(0);
      const segments = readdirSync(out).filter((n) => n.endsWith(".ts")).sort();
      expect(segments.length).toBeGreaterThan(1);
      let seconds = 0;
      for (const s of segments) {
        expect(await decodeErrors(join(out, s)), `${out}/${s}`).toBe("");
        seconds += await decodedAudioSeconds(join(out, s));
      }
      return { seconds, stderr: r.stderr };
    };
    const reference = await mux(STEREO, file("out-clean"));
    const withGarbage = await mux(file("spliced.aac"), file("out-spliced"));
    const frameSeconds = 1024 / 44100;
    const lostFrames = Math.round((reference.seconds - withGarbage.seconds) / frameSeconds);
    // The 3 damaged frames go; around a splice the frame before it may go too (its successor's header is garbage).
    expect(lostFrames).toBeGreaterThanOrEqual(3);
    expect(lostFrames).toBeLessThanOrEqual(3 + 4);
    expect(withGarbage.stderr).toMatch(/warning: dropped 0 video and \d+ audio frames/);
  });
});

describe("garbage spliced anywhere (fast-check)", () => {
  const video = new Uint8Array(readFileSync(VIDEO));
  const clean = new Uint8Array(readFileSync(STEREO));
  const originals = new Set(adtsFrames(clean).map((f) => Buffer.from(f).toString("base64")));

  /** Muxes the video with `audio` through the raw readers; returns the ADTS frames found in the segments' audio PES. */
  async function framesOut(audio: Uint8Array): Promise<Uint8Array[]> {
    const core = await MuxerCore.create({ bufferSize: 4 << 20, segmentDuration: 1, overflowPolicy: "drop-new" });
    const segments: Uint8Array[] = [];
    const drain = async () => {
      for (let s = core.takeSegment(); s; s = core.takeSegment()) {
        segments.push(Buffer.concat(s.parts));
        core.release(s.id);
      }
    };
    async function* chunks(bytes: Uint8Array, size: number) {
      for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
    }
    core.raw.rawStart();
    await feedRawStreams(core.raw, chunks(video, 4096), chunks(audio, 2048), { pace: drain });
    core.flush();
    await drain();
    return checkSegments(segments).flatMap((r) => r.audioPes.flatMap((p) => adtsFrames(p.payload)));
  }

  test("a header whose length bytes are garbage, reaching by chance the end of a real frame further on, is not taken", async () => {
    // Found by the property below: a byte of noise, the first header's first 4 bytes, then 10 bytes of noise over its
    // length field, which then reads 1701 and lands exactly on a real frame's start; that header's fixed fields
    // are the stream's own. Taken, the frame would swallow the 10 real frames inside it.
    const audio = Buffer.concat([noise(1, 1), clean.subarray(0, 4), noise(10, 215958283), clean.subarray(4)]);
    const out = await framesOut(audio);
    for (const f of out) expect(originals.has(Buffer.from(f).toString("base64"))).toBe(true);
    expect(out.length).toBeGreaterThanOrEqual((await framesOut(clean)).length - 2);
  });

  test("every frame muxed is one of the stream's own; each splice costs at most two frames (past the first second)", async () => {
    const reference = (await framesOut(clean)).length;
    const splice = fc.record({ at: fc.nat({ max: clean.length - 1 }), length: fc.integer({ min: 1, max: 3000 }), seed: fc.integer({ min: 1 }) });
    await fc.assert(
      fc.asyncProperty(fc.array(splice, { minLength: 1, maxLength: 4 }), async (splices) => {
        const parts: Uint8Array[] = [];
        let from = 0;
        for (const s of [...splices].sort((a, b) => a.at - b.at)) {
          parts.push(clean.subarray(from, s.at), noise(s.length, s.seed));
          from = s.at;
        }
        parts.push(clean.subarray(from));
        const out = await framesOut(Buffer.concat(parts));
        for (const f of out) expect(originals.has(Buffer.from(f).toString("base64"))).toBe(true);
        // Past the first second: before the first picture is out, audio held back while a splice is resolved can
        // end up more than 1 s ahead of the video, which the muxer drops by design (counted).
        if (splices.every((s) => s.at >= 8000)) expect(out.length).toBeGreaterThanOrEqual(reference - 2 * splices.length);
      }),
      { numRuns: 25 },
    );
  });
});

describe("putAudioFrame through the SDK", () => {
  test("not ADTS → malformed; another profile, rate or layout → audio-unsupported; LC still taken after them", async () => {
    const recorder = new HlsRecorder({ bufferSize: 1 << 20, store: new LocalStore(file("sdk")), prefix: "cam" });
    await recorder.start();
    const lc = adtsFrames(new Uint8Array(readFileSync(STEREO)));
    const main = adtsFrames(new Uint8Array(readFileSync(file("main.aac"))));
    const hi = adtsFrames(new Uint8Array(readFileSync(file("96k.aac"))));
    const surround = adtsFrames(new Uint8Array(readFileSync(file("5.1.aac"))));
    const h264 = accessUnits(new Uint8Array(readFileSync(VIDEO)));
    let t = 0;
    const put = (frame: Uint8Array) => recorder.putAudioFrame(frame, (t += 23_220));
    expect(put(noise(400, 1))).toBe("malformed");
    expect(put(h264[1]!.subarray(0, 2000))).toBe("malformed");
    expect(put(Buffer.concat([lc[3]!, noise(50, 2)]))).toBe("malformed"); // a frame with trailing bytes: none taken
    expect(put(main[3]!)).toBe("audio-unsupported");
    expect(put(hi[3]!)).toBe("audio-unsupported");
    expect(put(surround[3]!)).toBe("audio-unsupported");
    expect(put(lc[4]!)).toBeUndefined();
    const stats = await recorder.close({ deadlineMs: 1000 });
    expect(stats.audioFramesIn).toBe(7);
    expect(stats.audioFramesDropped).toBeGreaterThanOrEqual(6);
  });
});
