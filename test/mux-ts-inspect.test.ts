// Tests of our test tool: the TS parser/checker in test/support/ts-inspect.ts is run on segments Debian's ffmpeg
// writes (known good), its readings are compared with ffprobe's, and every check is shown to fire on a segment
// broken in exactly that way.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { mkdirSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { checkSegment, checkSegments, crc32Mpeg2, parseTs, SDT_PID, TS_PACKET_SIZE } from "./support/ts-inspect.js";
import { ffmpegSync, probePackets, tempDir } from "./support/media-tools.js";

const tmp = tempDir("ts-inspect-");
afterAll(() => tmp.cleanup());

/** ffmpeg adds a DVB SDT (PID 0x11) before the PAT; HLS does not need it, so the reference is taken without it. */
function withoutSdt(bytes: Uint8Array): Uint8Array {
  const kept: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += TS_PACKET_SIZE) {
    const pid = ((bytes[at + 1]! & 0x1f) << 8) | bytes[at + 2]!;
    if (pid !== SDT_PID) kept.push(bytes.subarray(at, at + TS_PACKET_SIZE));
  }
  const out = new Uint8Array(kept.length * TS_PACKET_SIZE);
  kept.forEach((p, i) => out.set(p, i * TS_PACKET_SIZE));
  return out;
}

function readSegments(dir: string): { names: string[]; bytes: Uint8Array[] } {
  const names = readdirSync(dir).filter((f) => f.endsWith(".ts")).sort();
  return { names, bytes: names.map((n) => withoutSdt(new Uint8Array(readFileSync(join(dir, n))))) };
}

/** HLS segments from ffmpeg's own muxer, PAT/PMT every 50 ms (its default period is longer than HLS wants). */
function ffmpegHls(dir: string, inputs: string[], codecArgs: string[], extra: string[] = []): void {
  ffmpegSync([
    ...inputs,
    ...codecArgs,
    ...extra,
    "-f", "hls", "-hls_time", "2", "-hls_list_size", "0", "-hls_ts_options", "pat_period=0.05",
    "-hls_segment_filename", join(dir, "seg%03d.ts"), join(dir, "index.m3u8"),
  ]);
}

const video = (seconds: number) => ["-f", "lavfi", "-i", `testsrc2=size=320x240:rate=25:duration=${seconds}`];
const audio = (seconds: number) => ["-f", "lavfi", "-i", `sine=sample_rate=48000:duration=${seconds}`];
const x264BFrames = ["-c:v", "libx264", "-threads", "1", "-profile:v", "high", "-b:v", "150k",
  "-x264-params", "keyint=25:min-keyint=25:scenecut=0:bframes=3:b-pyramid=normal"];
const aac = ["-c:a", "aac", "-b:a", "48k"];

let av: { names: string[]; bytes: Uint8Array[]; dir: string };
let videoOnly: { names: string[]; bytes: Uint8Array[]; dir: string };

beforeAll(() => {
  const avDir = join(tmp.path, "av");
  const vDir = join(tmp.path, "video");
  mkdirSync(avDir);
  mkdirSync(vDir);
  // A/V starting far above 2^32 ticks (60 000 s), so a reader that drops the 33rd timestamp bit shows it.
  ffmpegHls(avDir, [...video(5), ...audio(5)], [...x264BFrames, ...aac], ["-output_ts_offset", "60000"]);
  ffmpegHls(vDir, video(3), ["-c:v", "libx264", "-threads", "1", "-profile:v", "baseline", "-b:v", "150k"]);
  av = { ...readSegments(avDir), dir: avDir };
  videoOnly = { ...readSegments(vDir), dir: vDir };
});

describe("ts-inspect on ffmpeg's own HLS segments", () => {
  test("A/V with B-frames: no violations, continuity counters carried across segments", () => {
    expect(av.bytes.length).toBeGreaterThanOrEqual(2);
    const reports = checkSegments(av.bytes);
    for (const [i, r] of reports.entries()) {
      expect(r.violations, av.names[i]).toEqual([]);
      expect(r.videoPid).toBeDefined();
      expect(r.audioPid).toBeDefined();
      expect(r.maxPcrGapMs).toBeLessThanOrEqual(100);
      expect(r.maxPatGapMs).toBeLessThanOrEqual(100);
      expect(r.videoPes[0]!.nalTypes.slice(0, 3)).toEqual([9, 7, 8]);
      expect(r.videoPes.some((p) => p.dts !== undefined && p.dts !== p.pts)).toBe(true);
    }
  });

  test("video only: the PMT lists just the video stream", () => {
    for (const r of checkSegments(videoOnly.bytes)) {
      expect(r.violations).toEqual([]);
      expect(r.parsed.pmts[0]!.streams.map((s) => s.streamType)).toEqual([0x1b]);
      expect(r.audioPid).toBeUndefined();
    }
  });

  test("PES timestamps (33-bit, above 2^32) equal what ffprobe reads", async () => {
    const file = join(av.dir, av.names[0]!);
    const parsed = parseTs(withoutSdt(new Uint8Array(readFileSync(file))));
    const videoPid = parsed.pmts[0]!.streams.find((s) => s.streamType === 0x1b)!.pid;
    const audioPid = parsed.pmts[0]!.streams.find((s) => s.streamType === 0x0f)!.pid;
    const ours = (pid: number) => parsed.pes.filter((p) => p.pid === pid).map((p) => [p.pts, p.dts ?? p.pts]);
    const theirs = async (stream: string) => (await probePackets(file, stream)).map((p) => [p.ptsTicks, p.dtsTicks]);
    const v = ours(videoPid);
    expect(v[0]![0]!).toBeGreaterThan(2 ** 32);
    expect(v).toEqual(await theirs("v:0"));
    // ffmpeg packs several ADTS frames into one audio PES; ffprobe shows frames, so compare the PES starts.
    const a = ours(audioPid).map(([pts]) => pts);
    const probedAudio = (await theirs("a:0")).map(([pts]) => pts);
    for (const pts of a) expect(probedAudio).toContain(pts);
  });

  test("timestamps that wrap at 2^33 inside a segment are not taken for time going backwards", () => {
    const dir = join(tmp.path, "wrap");
    mkdirSync(dir);
    // 2^33 ticks = 95 443.7 s: with this offset the clock wraps about 1.5 s into the recording.
    ffmpegHls(dir, video(4), ["-c:v", "libx264", "-threads", "1", "-profile:v", "high", "-b:v", "150k"], ["-output_ts_offset", "95442"]);
    const { bytes } = readSegments(dir);
    const reports = checkSegments(bytes);
    const pts = reports.flatMap((r) => r.videoPes.map((p) => p.pts!));
    expect(pts.some((t, i) => i > 0 && t < pts[i - 1]! - 2 ** 32), "the clock really wraps").toBe(true);
    for (const r of reports) expect(r.violations).toEqual([]);
  });

  test("CRC-32/MPEG-2 check value", () => {
    expect(crc32Mpeg2(new TextEncoder().encode("123456789"))).toBe(0x0376e6e7);
  });
});

describe("every check fires on a segment broken that way", () => {
  const segment = () => new Uint8Array(av.bytes[0]!); // a fresh copy to break
  const firstVideoPes = (bytes: Uint8Array) => {
    const r = checkSegment(bytes);
    return { pes: r.videoPes[0]!, packet: r.parsed.packets[r.videoPes[0]!.packetIndex]! };
  };
  const violations = (bytes: Uint8Array, previousCc?: Map<number, number>) => checkSegment(bytes, { previousCc }).violations.join("\n");
  const dropPackets = (bytes: Uint8Array, drop: (pid: number, index: number) => boolean) => {
    const kept: number[] = [];
    for (let i = 0; i < bytes.length / TS_PACKET_SIZE; i++) {
      const pid = ((bytes[i * TS_PACKET_SIZE + 1]! & 0x1f) << 8) | bytes[i * TS_PACKET_SIZE + 2]!;
      if (!drop(pid, i)) kept.push(i);
    }
    const out = new Uint8Array(kept.length * TS_PACKET_SIZE);
    kept.forEach((k, j) => out.set(bytes.subarray(k * TS_PACKET_SIZE, (k + 1) * TS_PACKET_SIZE), j * TS_PACKET_SIZE));
    return out;
  };

  test("size not a multiple of 188", () => {
    expect(violations(segment().subarray(0, 188 * 20 + 7))).toMatch(/not a multiple of 188/);
  });

  test("missing sync byte", () => {
    const b = segment();
    b[188 * 5] = 0x48;
    expect(violations(b)).toMatch(/sync byte missing in packets 5/);
  });

  test("PAT CRC mismatch and PAT not first", () => {
    const b = segment();
    b[5 + 8] ^= 0x01; // program_number of the first program, inside the CRC'd section
    expect(violations(b)).toMatch(/PAT at packet 0: CRC32 mismatch/);
    expect(violations(segment().subarray(188))).toMatch(/packet 0 is not the start of a PAT/);
  });

  test("a lost packet breaks the continuity counter; so does the wrong segment order", () => {
    const videoPid = checkSegment(segment()).videoPid!;
    let seen = 0;
    const lost = dropPackets(segment(), (pid) => pid === videoPid && ++seen === 10);
    expect(violations(lost)).toMatch(new RegExp(`PID ${videoPid} packet \\d+: continuity_counter`));
    const [first, second] = checkSegments([av.bytes[0]!, av.bytes[1]!]);
    expect(second!.violations).toEqual([]);
    expect(violations(av.bytes[0]!, second!.lastCc)).toMatch(/continuity_counter/);
    expect(first!.violations).toEqual([]);
  });

  test("PAT/PMT repeated too rarely", () => {
    const b = dropPackets(segment(), (pid, i) => (pid === 0 || pid === 4096) && i > 1);
    const text = violations(b);
    expect(text).toMatch(/PAT repeated \d+\.\d ms apart > 100 ms/);
    expect(text).toMatch(/PMT repeated/);
  });

  test("no random_access_indicator / no AUD / wrong stream_id on the first video PES", () => {
    const b = segment();
    const { packet } = firstVideoPes(b);
    const at = packet.index * TS_PACKET_SIZE;
    const pesStart = packet.payload.byteOffset; // the copies start at byte 0 of their buffers
    b[at + 5]! &= ~0x40; // adaptation field flags: clear random_access_indicator
    expect(violations(b)).toMatch(/no random_access_indicator/);

    const c = segment();
    const audAt = pesStart + 9 + c[pesStart + 8]!; // after the PES header
    expect(c[audAt + 4]).toBe(0x09); // 00 00 00 01 09
    c[audAt + 4] = 0x0c; // turn the AUD into filler data
    const text = violations(c);
    expect(text).toMatch(/does not start with an access unit delimiter/);
    expect(text).toMatch(/first video access unit is not AUD, SPS, PPS, IDR/);

    const d = segment();
    expect(d[pesStart + 3]).toBe(0xe0);
    d[pesStart + 3] = 0xe1;
    expect(violations(d)).toMatch(/stream_id 0xe1, want 0xe0/);
  });

  test("DTS left out on a stream with B-frames is caught as DTS going backwards", () => {
    const b = segment();
    const r = checkSegment(b);
    // Rewrite every video PES header that has PTS+DTS to PTS only (PTS_DTS_flags '10', PTS prefix '0010').
    for (const p of r.videoPes) {
      if (p.dts === undefined) continue;
      const at = r.parsed.packets[p.packetIndex]!.payload.byteOffset;
      b[at + 7] = (b[at + 7]! & 0x3f) | 0x80;
      b[at + 9] = (b[at + 9]! & 0x0f) | 0x20;
    }
    expect(violations(b)).toMatch(/DTS \d+ not after the previous/);
  });
});
