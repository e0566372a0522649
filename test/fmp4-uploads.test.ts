// The uploader's rules for fMP4 init segments, against fake stores (no network): the init object is stored before
// any segment that needs it, a failed init put is retried under the segment's own retry rules (the segment never
// counts before its init is stored), and a segment spilled to disk carries its init to the next recorder.
import { describe, it, expect } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { HlsRecorder } from "../src/sdk.js";
import type { ObjectStore } from "../src/store/types.js";
import { parseInitKey, parseSegmentKey, initKeyOf } from "../src/keys.js";
import { feedRawStreams, VIDEO_CHUNK } from "../src/raw-feed.js";
import { fixturePath, tempDir } from "./support/media-tools.js";
import { Uploader, INIT_REFRESH_MS } from "../src/uploader.js";
import type { Segment } from "../src/core-types.js";

const VIDEO = fixturePath("sample/sample-640x360-25fps.h264");

async function* chunks(bytes: Uint8Array) {
  for (let at = 0; at < bytes.byteLength; at += VIDEO_CHUNK) yield bytes.subarray(at, at + VIDEO_CHUNK);
}

/** A store that keeps what it is given, in order; `refuse(key)` makes a put fail as a transient error. */
function fakeStore(refuse: (key: string) => boolean = () => false) {
  const stored: { key: string; bytes: Buffer }[] = [];
  const store: ObjectStore & { stored: typeof stored } = {
    description: "fake store",
    stored,
    async put(key, body) {
      await new Promise((resolve) => setTimeout(resolve, 2));
      if (refuse(key)) throw Object.assign(new Error(`refused ${key}`), { code: "EIO" });
      stored.push({ key, bytes: Buffer.concat(body.map((p) => Buffer.from(p)) as unknown as Uint8Array[]) });
    },
    async list() {
      return [];
    },
  };
  return store;
}

async function record(recorder: HlsRecorder, deadlineMs = 30_000) {
  await recorder.start();
  recorder.startRawStreams(25);
  await feedRawStreams(recorder, chunks(new Uint8Array(readFileSync(VIDEO))), undefined);
  return recorder.close({ deadlineMs });
}

describe("fMP4 init segments in the uploader", () => {
  it("stores the init object before the first segment; a refused init put is retried and no segment counts before it", async () => {
    let initRefusals = 3;
    const store = fakeStore((key) => parseInitKey(key) !== undefined && initRefusals-- > 0);
    const recorder = new HlsRecorder({ bufferSize: 4 << 20, store, prefix: "cam", container: "fmp4", segmentDuration: 1, retryBackoff: { baseMs: 5, capMs: 20 } });
    const uploadedBeforeInit: string[] = [];
    recorder.on("segment-uploaded", (info) => {
      if (!store.stored.some((o) => parseInitKey(o.key))) uploadedBeforeInit.push(info.key);
    });
    const stats = await record(recorder);
    expect(stats.segmentsMade).toBeGreaterThanOrEqual(5);
    expect(stats.segmentsUploaded).toBe(stats.segmentsMade);
    expect(stats.retries).toBeGreaterThanOrEqual(3);
    expect(uploadedBeforeInit).toEqual([]);
    expect(parseInitKey(store.stored[0]!.key)).toEqual({ prefix: "cam", session: recorder.session, codec: "avc1", version: 1 });
    // Put once, whatever the number of segments that needed it.
    expect(store.stored.filter((o) => parseInitKey(o.key))).toHaveLength(1);
    const segments = store.stored.filter((o) => o.key.endsWith(".m4s"));
    expect(segments).toHaveLength(stats.segmentsMade);
    for (const s of segments) expect(initKeyOf(parseSegmentKey(s.key)!)).toBe(store.stored[0]!.key);
    // The init object is an ftyp + moov; the segments start with their moof.
    expect(store.stored[0]!.bytes.subarray(4, 8).toString()).toBe("ftyp");
    expect(segments[0]!.bytes.subarray(4, 8).toString()).toBe("moof");
  });

  it("segments spilled during an outage carry their init segment to the next recorder with the directory", async () => {
    const dir = tempDir("fmp4-spill-");
    try {
      const down = fakeStore(() => true);
      const first = new HlsRecorder({ bufferSize: 4 << 20, store: down, prefix: "cam", container: "fmp4", segmentDuration: 1, spill: { dir: dir.path }, retryBackoff: { baseMs: 5, capMs: 20 } });
      const before = await record(first, 0);
      expect(before.segmentsSpilled).toBe(before.segmentsMade);
      expect(before.spillBacklog).toBe(before.segmentsMade);
      const descriptions = readdirSync(dir.path).filter((n) => n.endsWith(".json"));
      expect(descriptions).toHaveLength(before.segmentsMade);
      for (const name of descriptions) expect(JSON.parse(readFileSync(join(dir.path, name), "utf8")).init.key).toBe(`cam/init/${first.session}-avc1-v1.mp4`);

      // The next run (another session, recording nothing yet) uploads the spilled segments and their init first.
      const up = fakeStore();
      const next = new HlsRecorder({ bufferSize: 4 << 20, store: up, prefix: "cam", container: "fmp4", spill: { dir: dir.path } });
      await next.start();
      const after = await next.close({ deadlineMs: 30_000 });
      expect(after.segmentsUploadedFromSpill).toBe(before.segmentsMade);
      expect(up.stored[0]!.key).toBe(`cam/init/${first.session}-avc1-v1.mp4`);
      expect(up.stored.filter((o) => o.key.endsWith(".m4s"))).toHaveLength(before.segmentsMade);
      expect(up.stored.filter((o) => parseInitKey(o.key))).toHaveLength(1);
    } finally {
      dir.cleanup();
    }
  }, 60_000);

  it("puts the init object again when a segment needs it hours later (a retention rule expires objects by age)", async () => {
    const store = fakeStore();
    let clock = 0;
    const init = { key: "cam/init/00000001-avc1-v1.mp4", bytes: new Uint8Array([1, 2, 3]), options: {} };
    const uploader = new Uploader({
      store,
      ring: { release() {}, isLive: () => true },
      now: () => clock,
      describe: (segment) => ({ key: `cam/seg-${segment.seq}.m4s`, options: {}, init }),
      events: { uploaded() {}, retry() {}, dropped() {}, error() {} },
    });
    const segment = (seq: number) => ({ id: seq, seq, parts: [new Uint8Array([seq])], byteLength: 1, durationUs: 2e6 }) as unknown as Segment;
    for (const [seq, at] of [[0, 0], [1, 1000], [2, INIT_REFRESH_MS + 1000]] as const) {
      clock = at;
      uploader.enqueue(segment(seq));
      await uploader.drain(10_000);
    }
    expect(store.stored.map((o) => o.key)).toEqual([init.key, "cam/seg-0.m4s", "cam/seg-1.m4s", init.key, "cam/seg-2.m4s"]);
  });
});
