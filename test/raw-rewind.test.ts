// A clip played in a loop (the demo): rewinding the raw inputs ends the video stream itself, so a caller that
// never calls endRawVideo loses no frame, and one that does (before the rewind) gets the same count.
import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { HlsRecorder } from "../src/sdk.js";
import { MuxerCore } from "../src/core.js";
import type { ObjectStore } from "../src/store/types.js";
import { fixtureFacts, fixturePath } from "./support/media-tools.js";

const facts = fixtureFacts();
const LOOPS = 4;
const nullStore: ObjectStore = { description: "null store", put: async () => {}, list: async () => [] };

describe.each(["video/baseline-320x240-25fps.h264", "video/high-bframes-320x240-25fps.h264"])("%s played %#", (fixture) => {
  const video = new Uint8Array(readFileSync(fixturePath(fixture)));
  const frames = facts[fixture]!.frames;

  it(`MuxerCore: ${LOOPS} plays with rawRewind only mux ${LOOPS} x the fixture's frames`, async () => {
    const core = await MuxerCore.create({ bufferSize: 4 * 1024 * 1024 });
    core.raw.rawStart(25, 1);
    for (let loop = 0; loop < LOOPS; loop++) {
      if (loop > 0) core.raw.rawRewind();
      core.raw.putRawVideo(video);
    }
    core.raw.rawRewind(); // (as good as endRawVideo for the last play)
    expect(core.stats().videoFramesIn).toBe(LOOPS * frames);
    expect(core.stats().videoFramesDropped).toBe(0);
    expect(core.raw.endRawVideo()).toBe(0); // nothing left to end
  });

  it.each([
    { how: "rewindRawStreams only", endEachPlay: false },
    { how: "endRawVideo, then rewindRawStreams", endEachPlay: true },
  ])(`HlsRecorder: ${LOOPS} plays with $how: ${LOOPS} x the fixture's frames`, async ({ endEachPlay }) => {
    const recorder = new HlsRecorder({ bufferSize: 4 * 1024 * 1024, store: nullStore });
    await recorder.start();
    recorder.startRawStreams(25);
    for (let loop = 0; loop < LOOPS; loop++) {
      if (loop > 0) recorder.rewindRawStreams();
      recorder.putRawVideo(video);
      if (endEachPlay) recorder.endRawVideo();
    }
    recorder.endRawVideo();
    recorder.endRawVideo(); // a second end adds nothing
    // Stream time went on without a hole: the next frame would be number LOOPS x frames (3600 ticks each at 25 fps).
    expect(recorder.rawStreamTimes().video).toBe(LOOPS * frames * 3600);
    const stats = await recorder.close();
    expect(stats.videoFramesIn).toBe(LOOPS * frames);
    expect(stats.videoFramesDropped).toBe(0);
  });
});
