// The RTSP client against a real RTSP server that is not ours (GStreamer's, test/support/rtsp_server.py), judged
// by ffmpeg: frames go through the project's MuxerCore the zero-copy way (assembled in its frameBuffer, audio
// through the same area), the segments must decode under -xerror, and the pictures must be the ones ffmpeg's own
// RTSP client receives from the same server.
import { readFileSync, writeFileSync } from "node:fs";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MuxerCore } from "../src/core.js";
import {
  openRtspSession,
  RtspAuthError,
  RtspConnectionLostError,
  RtspNotFoundError,
  type FrameSink,
  type RtspOptions,
  type RtspSession,
} from "../src/rtsp/index.js";
import { decodeErrors, decodedAudioSeconds, frameHashes, tempDir } from "./support/media-tools.js";
import { startRtspServer, type TestRtspServer } from "./support/rtsp-server.js";
import { accessUnits, nalUnits } from "./support/annexb.js";

const run = promisify(execFile);
const SECONDS = 5;
const FRAME_US = 40_000; // the server's 25 fps

let server: TestRtspServer;
const tmp = tempDir("ipc-hls-rtsp-");

beforeAll(async () => {
  server = await startRtspServer();
});
afterAll(async () => {
  await server?.stop();
  tmp.cleanup();
});

interface Recording {
  session: RtspSession;
  /** Every access unit handed over, as received (Annex B). */
  accessUnits: Buffer[];
  videoPts: number[];
  audioPts: number[];
  adts: Buffer[];
  /** The core's segments back to back. */
  ts: Buffer;
  lost: string[];
}

/**
 * Plays `url` into a MuxerCore until `seconds` of video (by presentation time) arrived, then closes.
 * The sink is what a recorder does: assemble in frameBuffer, put in place; audio copied into the same area.
 */
async function record(url: string, options: RtspOptions, seconds = SECONDS): Promise<Recording> {
  const core = await MuxerCore.create({ bufferSize: 16 * 1024 * 1024, audio: true, segmentDuration: 2 });
  const out: Omit<Recording, "session" | "ts"> = { accessUnits: [], videoPts: [], audioPts: [], adts: [], lost: [] };
  const segments: Buffer[] = [];
  const drain = () => {
    for (let s = core.takeSegment(); s; s = core.takeSegment()) {
      segments.push(Buffer.concat(s.parts.map((p) => Buffer.from(p))));
      core.release(s.id);
    }
  };
  let done!: () => void;
  const enough = new Promise<void>((resolve) => (done = resolve));
  const sink: FrameSink = {
    videoTarget: core.frameBuffer,
    video(length, ptsUs) {
      out.accessUnits.push(Buffer.from(core.frameBuffer.subarray(0, length)));
      out.videoPts.push(ptsUs);
      core.putVideoInPlace(length, ptsUs);
      drain();
      if (ptsUs - out.videoPts[0] >= seconds * 1e6 - FRAME_US / 2) done();
    },
    audio(adts, ptsUs) {
      out.adts.push(Buffer.from(adts));
      out.audioPts.push(ptsUs);
      core.putAudio([adts], ptsUs);
      drain();
    },
    videoLost(reason) {
      out.lost.push(reason);
      core.putVideoInPlace(0, out.videoPts.at(-1) ?? 0); // counted by the core, which then waits for an IDR
    },
  };
  const session = await openRtspSession(url, sink, options);
  const ended = session.ended.then((reason) => {
    throw new Error(`the session ended early: ${reason?.message}`);
  });
  await Promise.race([enough, ended]);
  await session.close();
  core.flush();
  drain();
  return { session, ...out, ts: Buffer.concat(segments) };
}

/** ffmpeg's own RTSP client recording the same stream for the same duration (its clock: presentation time). */
async function ffmpegRecording(url: string, transport: "tcp" | "udp", file: string): Promise<void> {
  await run("ffmpeg", ["-nostdin", "-v", "error", "-rtsp_transport", transport, "-i", url, "-t", String(SECONDS), "-c", "copy", "-f", "mpegts", "-y", file], {
    timeout: 30_000,
  });
}

/** The slice NAL units of an access unit, as one hex string (start code lengths and AUD/SPS/SEI set aside). */
function sliceBytes(au: Uint8Array): string {
  const units = nalUnits(au);
  return units
    .map((u, k) => (u.type >= 1 && u.type <= 5 ? Buffer.from(au.subarray(u.headerAt, units[k + 1]?.offset ?? au.length)).toString("hex") : ""))
    .join("");
}

async function expectClean(recording: Recording, name: string): Promise<{ segments: string; annexB: string }> {
  const segments = join(tmp.path, `${name}.ts`);
  const annexB = join(tmp.path, `${name}.h264`);
  writeFileSync(segments, recording.ts);
  writeFileSync(annexB, Buffer.concat(recording.accessUnits));
  expect(await decodeErrors(segments)).toBe("");
  return { segments, annexB };
}

describe("RTSP client against GStreamer's RTSP server", () => {
  it("TCP: H.264 + AAC muxed in place decode cleanly, and the pictures are the ones ffmpeg's client receives", async () => {
    const url = server.url("/av");
    const reference = join(tmp.path, "ffmpeg-tcp.ts");
    const [recording] = await Promise.all([record(url, { transport: "tcp" }), ffmpegRecording(url, "tcp", reference)]);
    expect(recording.session.description).toEqual({ video: { codec: "H264", profileLevelId: "42c01e" }, audio: { codec: "AAC", sampleRate: 48000, channels: 2 } });
    expect(recording.session.stats()).toMatchObject({ readsInBatches: true, rtpLost: 0 }); // (what follows checks batched reads)
    const files = await expectClean(recording, "tcp");
    const adtsFile = join(tmp.path, "tcp.aac");
    writeFileSync(adtsFile, Buffer.concat(recording.adts));
    const ours = await frameHashes(files.annexB);
    const theirs = await frameHashes(reference);
    const muxed = await frameHashes(files.segments);
    const n = Math.min(ours.length, theirs.length);
    const firstDifference = (a: string[], count: number) => a.slice(0, count).findIndex((hash, k) => hash !== theirs[k]);
    const increasing = (pts: number[]) => pts.every((t, k) => k === 0 || t > pts[k - 1]);
    // One object, so that a failure shows every fact at once.
    const stats = recording.session.stats();
    expect({
      rtpLost: stats.rtpLost,
      framesLost: stats.framesLost,
      audioLost: stats.audioLost,
      framesHandedOver: stats.videoFrames === recording.accessUnits.length,
      referenceDecodes: await decodeErrors(reference),
      // (Two sessions started together, ours timed by the wall clock and ffmpeg's by stream time: on a loaded
      // machine they end a few frames apart. The pictures themselves must match, below.)
      countDifference: Math.abs(ours.length - theirs.length) <= Math.max(2, n / 20) ? "within 5 %" : `${ours.length} vs ${theirs.length}`,
      enoughFrames: n > SECONDS * 25 - 5,
      // The pictures we received are ffmpeg's, and so are those the core muxed from them.
      firstDifferentPicture: firstDifference(ours, n),
      firstDifferentMuxedPicture: firstDifference(muxed, n - 2),
      // Audio: whole ADTS frames that decode, as long as the video, on the same timeline (starts within a frame).
      adtsDecodes: await decodeErrors(adtsFile),
      audioLongEnough: (await decodedAudioSeconds(adtsFile)) > SECONDS - 0.5,
      audioStartsWithVideo: Math.abs(recording.audioPts[0] - recording.videoPts[0]) < FRAME_US * 2 || recording.audioPts[0] - recording.videoPts[0],
      videoPtsIncreasing: increasing(recording.videoPts),
      audioPtsIncreasing: increasing(recording.audioPts),
    }).toEqual({
      rtpLost: 0,
      framesLost: 0,
      audioLost: 0,
      framesHandedOver: true,
      referenceDecodes: "",
      countDifference: "within 5 %",
      enoughFrames: true,
      firstDifferentPicture: -1,
      firstDifferentMuxedPicture: -1,
      adtsDecodes: "",
      audioLongEnough: true,
      audioStartsWithVideo: true,
      videoPtsIncreasing: true,
      audioPtsIncreasing: true,
    });
  });

  it("UDP: the same stream over RTP/UDP decodes cleanly", async () => {
    const recording = await record(server.url("/av"), { transport: "udp" }, 3);
    const stats = recording.session.stats();
    expect(stats.videoFrames).toBeGreaterThan(3 * 25 - 5);
    expect(stats.audioFrames).toBeGreaterThan(3 * 46);
    await expectClean(recording, "udp");
  });

  it("UDP with 1 % of RTP packets dropped: damaged frames are counted, never handed over; every segment decodes", async () => {
    // The reference: the same pictures (same pipeline, constant quantizer) without loss, through ffmpeg's client.
    const reference = join(tmp.path, "ffmpeg-video.h264");
    const referenceRun = run(
      "ffmpeg",
      ["-nostdin", "-v", "error", "-rtsp_transport", "tcp", "-i", server.url("/video"), "-t", "9", "-c", "copy", "-f", "h264", "-y", reference],
      { timeout: 30_000 },
    );
    const recording = await record(server.url("/lossy"), { transport: "udp" }, 6);
    await referenceRun;
    const stats = recording.session.stats();
    expect(stats.rtpLost).toBeGreaterThan(0);
    expect(stats.framesLost).toBeGreaterThan(0);
    expect(recording.lost.every((r) => r === "packet-loss")).toBe(true);
    await expectClean(recording, "lossy");
    // Every unit handed over is a whole one: its slices are byte for byte those of a frame the server encoded,
    // in the same order.
    const known = new Map(accessUnits(readFileSync(reference)).map((au, index) => [sliceBytes(au), index]));
    const found = recording.accessUnits.map((au) => known.get(sliceBytes(au)));
    expect(found.filter((index) => index === undefined)).toEqual([]);
    expect(found.every((index, k) => k === 0 || index! > found[k - 1]!)).toBe(true);
    expect(found.length).toBeGreaterThan(25);
  });

  it("TCP with RTP packets dropped by the server: the session stops batching its reads; every segment decodes", async () => {
    const recording = await record(server.url("/lossy"), { transport: "tcp" }, 3);
    const stats = recording.session.stats();
    expect(stats.rtpLost).toBeGreaterThan(0);
    expect(stats.readsInBatches).toBe(false);
    await expectClean(recording, "lossy-tcp");
  });

  it("PCMA audio is skipped and named; the video plays", async () => {
    const recording = await record(server.url("/pcma"), {}, 1);
    expect(recording.session.description).toEqual({ video: { codec: "H264", profileLevelId: "42c01e" }, skippedAudio: "PCMA/8000" });
    expect(recording.adts).toEqual([]);
  });

  it("an unknown path is an RtspNotFoundError", async () => {
    await expect(openRtspSession(server.url("/nope"), { videoTarget: new Uint8Array(1024), video() {}, audio() {}, videoLost() {} })).rejects.toBeInstanceOf(
      RtspNotFoundError,
    );
  });

  it("Digest: the right password plays, a wrong one is an RtspAuthError without the password", async () => {
    const guarded = await startRtspServer({ user: "cam", password: "s3cr:t/pw" });
    try {
      const recording = await record(guarded.url("/video", { user: "cam", password: "s3cr:t/pw" }), {}, 1);
      expect(recording.accessUnits.length).toBeGreaterThan(20);
      const error = await openRtspSession(guarded.url("/video", { user: "cam", password: "wrongPassword9" }), {
        videoTarget: new Uint8Array(1024),
        video() {},
        audio() {},
        videoLost() {},
      }).catch((e: Error) => e);
      expect(error).toBeInstanceOf(RtspAuthError);
      expect(`${(error as Error).message}\n${(error as Error).stack}`).not.toContain("wrongPassword9");
      expect((error as Error).message).toContain("cam:***@");
    } finally {
      await guarded.stop();
    }
  });

  it("the camera's wall clock from RTCP; the server killed mid-stream: `ended` resolves with a connection-lost error", async () => {
    const doomed = await startRtspServer();
    const target = new Uint8Array(1024 * 1024);
    let frames = 0;
    const session = await openRtspSession(doomed.url("/video"), { videoTarget: target, video: () => frames++, audio() {}, videoLost() {} });
    await expect.poll(() => frames, { timeout: 10_000 }).toBeGreaterThan(5);
    // The camera's clock from its first RTCP sender report (GStreamer sends one within a few seconds).
    await expect.poll(() => session.wallClockMs(0), { timeout: 15_000 }).toBeDefined();
    expect(Math.abs(session.wallClockMs(0)! - Date.now())).toBeLessThan(60_000);
    await doomed.stop();
    expect(await session.ended).toBeInstanceOf(RtspConnectionLostError);
    await session.close(); // harmless after the end
  });
});
