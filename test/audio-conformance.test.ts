// Conformance of `ipc-hls mux --audio`: H.264 + ADTS AAC muxed into A/V segments, judged by ffmpeg/ffprobe and by
// our independent TS checker. Audio timing in the muxer comes from the ADTS frame count and sample rate.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { checkSegments, STREAM_TYPE_AAC_ADTS, STREAM_TYPE_H264 } from "./support/ts-inspect.js";
import { decodeErrors, decodedAudioSeconds, fixtureFacts, fixturePath, probePackets, probeStreams, tempDir } from "./support/media-tools.js";
import { ipcHlsMux, type MuxResult } from "./support/mux-run.js";

interface Case {
  video: string;
  audio: string;
  fps: string;
}

const CASES: Case[] = [
  { video: "video/av-1280x720-25fps.h264", audio: "audio/aac-lc-48000-mono.aac", fps: "25" },
  { video: "video/av-1280x720-25fps.h264", audio: "audio/aac-lc-44100-stereo.aac", fps: "25" },
  { video: "sample/sample-640x360-25fps.h264", audio: "sample/sample-48000-mono.aac", fps: "25" },
];

const facts = fixtureFacts();
const tmp = tempDir("audio-conformance-");
afterAll(() => tmp.cleanup());

describe.each(CASES)("ipc-hls mux $video --audio $audio", ({ video, audio, fps }) => {
  const v = facts[video]!;
  const a = facts[audio]!;
  const frameSeconds = 1 / Number(fps);
  const aacFrameSeconds = 1024 / a.sample_rate!;
  let mux: MuxResult;

  beforeAll(async () => {
    const out = join(tmp.path, `${video}+${audio}`.replace(/[/.+]/g, "_"));
    mkdirSync(out);
    mux = await ipcHlsMux(fixturePath(video), fps, out, ["--audio", fixturePath(audio)]);
  });

  test("exits 0 and writes segments", () => {
    expect(mux.stderr).toBe("");
    expect(mux.exitCode).toBe(0);
    expect(mux.segments.length).toBeGreaterThan(0);
    expect(mux.segments.map((s) => s.uri)).toEqual(mux.tsFiles);
  });

  test("every segment decodes alone: ffmpeg -v error -xerror prints nothing", async () => {
    for (const s of mux.segments) expect(await decodeErrors(s.path), s.uri).toBe("");
  });

  test("our TS checks pass; PMT lists H.264 and AAC (0x0f), audio PES with stream_id 0xc0 in every segment", () => {
    const reports = checkSegments(mux.segments.map((s) => s.bytes));
    reports.forEach((r, i) => {
      const uri = mux.segments[i]!.uri;
      expect(r.violations, uri).toEqual([]);
      expect(r.parsed.pmts[0]!.streams.map((s) => s.streamType).sort(), uri).toEqual([STREAM_TYPE_AAC_ADTS, STREAM_TYPE_H264].sort());
      expect(r.audioPes.length, `${uri}: audio PES`).toBeGreaterThan(0);
    });
  });

  test("ffprobe finds both streams in every segment with the input's codec parameters", async () => {
    for (const s of mux.segments) {
      const streams = await probeStreams(s.path);
      const vs = streams.filter((x) => x.codecType === "video");
      const as = streams.filter((x) => x.codecType === "audio");
      expect(vs.length, s.uri).toBe(1);
      expect(as.length, s.uri).toBe(1);
      expect({ codec: vs[0]!.codecName, profile: vs[0]!.profile, width: vs[0]!.width, height: vs[0]!.height }, s.uri).toEqual({
        codec: v.codec,
        profile: v.profile,
        width: v.width,
        height: v.height,
      });
      expect({ codec: as[0]!.codecName, profile: as[0]!.profile, rate: as[0]!.sampleRate, channels: as[0]!.channels }, s.uri).toEqual({
        codec: a.codec,
        profile: a.profile,
        rate: a.sample_rate,
        channels: a.channels,
      });
    }
  });

  test("all video frames arrive; decoded audio duration matches the input within one AAC frame", async () => {
    let videoFrames = 0;
    let audioSeconds = 0;
    for (const s of mux.segments) {
      const streams = await probeStreams(s.path, true);
      videoFrames += streams.find((x) => x.codecType === "video")!.frames!;
      audioSeconds += await decodedAudioSeconds(s.path);
    }
    expect(videoFrames).toBe(v.frames);
    const inputSeconds = await decodedAudioSeconds(fixturePath(audio));
    expect(Math.abs(audioSeconds - inputSeconds), `decoded ${audioSeconds} s vs input ${inputSeconds} s`).toBeLessThanOrEqual(aacFrameSeconds + 1e-6);
  });

  test("per segment, audio and video start within one video frame of each other", async () => {
    for (const s of mux.segments) {
      const [vp, ap] = await Promise.all([probePackets(s.path, "v:0"), probePackets(s.path, "a:0")]);
      const videoStart = Math.min(...vp.map((p) => p.pts!));
      const audioStart = Math.min(...ap.map((p) => p.pts!));
      expect(Math.abs(audioStart - videoStart), `${s.uri}: audio starts at ${audioStart}, video at ${videoStart}`).toBeLessThanOrEqual(frameSeconds + 1e-6);
    }
  });

  test("every ADTS frame arrives, and each audio PES's PTS is its sample count on the 90 kHz clock (no drift)", async () => {
    // ffprobe splits PES into ADTS frames, so it sees every frame; it interpolates the PTS of frames inside a PES
    // itself, so the timing is read from the PES headers with our parser.
    const packets = await probePackets(mux.concatenatedPath, "a:0");
    expect(packets.length).toBe(a.packets);
    const pes = checkSegments(mux.segments.map((s) => s.bytes)).flatMap((r) => r.audioPes);
    const first = pes[0]!.pts!;
    let framesBefore = 0;
    for (const p of pes) {
      const exact = first + (framesBefore * 1024 * 90000) / a.sample_rate!;
      expect(Math.abs(p.pts! - exact), `audio PES at ADTS frame ${framesBefore}`).toBeLessThanOrEqual(1);
      framesBefore += adtsFrameCount(p.payload);
    }
    expect(framesBefore).toBe(a.packets);
  });
});

/** Number of ADTS frames in a PES payload (13-bit frame_length at bytes 3..5 of each header). */
function adtsFrameCount(payload: Uint8Array): number {
  let n = 0;
  for (let at = 0; at + 7 <= payload.length && payload[at] === 0xff; n++) {
    at += ((payload[at + 3]! & 0x03) << 11) | (payload[at + 4]! << 3) | (payload[at + 5]! >> 5);
  }
  return n;
}
