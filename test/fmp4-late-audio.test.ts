// fMP4 from a camera whose audio starts after its first picture (RTSP: the audio packets come a little later). The
// host said audio would come (the SDK's `audio` option), so the first segment takes the audio it gets and its init
// segment gains the audio track when the segment closes: no audio frame is dropped, and ffmpeg finds both streams in
// the first segment joined to its init and decodes it. Judged by ffprobe/ffmpeg.
import { afterAll, beforeAll, expect, test } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MuxerCore } from "../src/core.js";
import { accessUnits, hevcAccessUnits } from "./support/annexb.js";
import { adtsFrames } from "./support/adts.js";
import { decodeErrors, decodedAudioSeconds, ffmpegSync, fixturePath, probeStreams, tempDir } from "./support/media-tools.js";

const tmp = tempDir("fmp4-late-audio-");
afterAll(() => tmp.cleanup());

// A camera's stream has no B-frames (frames come with their presentation time only).
const HEVC = join(tmp.path, "camera.h265");
beforeAll(() => {
  ffmpegSync(["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-frames:v", "50", "-c:v", "libx265", "-preset", "ultrafast",
    "-x265-params", "keyint=25:min-keyint=25:bframes=0:log-level=error", "-f", "hevc", HEVC]);
});

test.each([
  { name: "H.264", video: () => fixturePath("video/baseline-320x240-25fps.h264"), codec: "h264" as const, split: accessUnits },
  { name: "H.265", video: () => HEVC, codec: "h265" as const, split: hevcAccessUnits },
])("$name: audio starting 0.3 s after the first picture is in the first segment", async ({ video, codec, split }) => {
  const core = await MuxerCore.create({ bufferSize: 4 << 20, segmentDuration: 1, container: "fmp4", videoCodec: codec, audio: true });
  const pictures = split(readFileSync(video())).slice(0, 50);
  const audio = adtsFrames(readFileSync(fixturePath("audio/aac-lc-48000-mono.aac")));
  const audioUs = 1024 / 48_000 * 1e6;
  const segments: { bytes: Buffer; init: Buffer; version: number }[] = [];
  const take = () => {
    for (let s = core.takeSegment(); s; s = core.takeSegment()) {
      segments.push({ bytes: Buffer.concat(s.parts), init: Buffer.from(s.init!.bytes), version: s.init!.version });
      core.release(s.id);
    }
  };
  // Frames in arrival order: each picture (decode order, 25 fps), then the audio up to its time, from 0.3 s on.
  let a = 0;
  let audioIn = 0;
  for (const [i, picture] of pictures.entries()) {
    core.putVideo([picture], i * 40_000);
    for (; 300_000 + a * audioUs <= i * 40_000; a++, audioIn++) core.putAudio([audio[a]!], 300_000 + a * audioUs);
    take();
  }
  core.flush();
  take();
  expect(core.stats().audioFramesDropped).toBe(0);
  expect(segments.length).toBeGreaterThan(1);
  // One init for the whole recording: the one with the audio track, from the first segment on.
  expect(new Set(segments.map((s) => s.version)).size).toBe(1);
  const first = join(tmp.path, `${codec}-first.mp4`);
  writeFileSync(first, Buffer.concat([segments[0]!.init, segments[0]!.bytes]));
  expect((await probeStreams(first)).map((s) => s.codecType).sort()).toEqual(["audio", "video"]);
  expect(await decodeErrors(first)).toBe("");
  expect(await decodedAudioSeconds(first)).toBeGreaterThan(0.5); // 1 s segment, audio from 0.3 s
  const all = join(tmp.path, `${codec}-all.mp4`);
  writeFileSync(all, Buffer.concat([segments[0]!.init, ...segments.map((s) => s.bytes)]));
  expect(await decodeErrors(all)).toBe("");
  expect(audioIn).toBeGreaterThan(50);
});
