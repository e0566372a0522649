// RTP → frames, from hand-made packets: H.264 (RFC 6184) single NAL units, STAP-A, FU-A, losses, wraps, limits;
// H.265 (RFC 7798) single NAL units, Aggregation Packets, Fragmentation Units, PACI, SDP parameter sets;
// AAC (RFC 3640) AU headers and ADTS; RTP sequence and timestamp unwrapping; RTCP sender reports.
import { describe, expect, it } from "vitest";
import { H264Depacketizer } from "../src/rtsp/h264-depacketizer.js";
import { H265Depacketizer } from "../src/rtsp/h265-depacketizer.js";
import { AacDepacketizer, aacFormat, writeAdtsHeader, type AacFormat } from "../src/rtsp/aac-depacketizer.js";
import { newRtpPacket, parseRtp, SequenceTracker } from "../src/rtsp/rtp.js";
import { parseRtcp, receiverReport } from "../src/rtsp/rtcp.js";
import { SessionTimeline } from "../src/rtsp/timing.js";
import { HeldAudio } from "../src/rtsp/held-audio.js";
import type { VideoLostReason } from "../src/rtsp/index.js";

const SC = [0, 0, 0, 1];
const SPS = [0x67, 0x42, 0xc0, 0x1e, 0xda, 0x02];
const PPS = [0x68, 0xce, 0x3c, 0x80];
const IDR = [0x65, 0x88, 0x84, 0x00, 0x33, 0xff, 0x10, 0x20, 0x30, 0x40];
const P_SLICE = [0x41, 0x9a, 0x02, 0x04];
const AUD = [0x09, 0xf0];

/** Runs packets (payload, timestamp, marker, sequence) through the sequence tracker and the depacketizer. */
function h264Harness(targetSize = 4096, parameterSets: number[][] = [], Depacketizer: typeof H264Depacketizer | typeof H265Depacketizer = H264Depacketizer) {
  const target = new Uint8Array(targetSize);
  const frames: { bytes: number[]; timestamp: number }[] = [];
  const lost: VideoLostReason[] = [];
  const depacketizer = new Depacketizer(
    {
      target: () => target,
      frame: (length, timestamp) => frames.push({ bytes: [...target.subarray(0, length)], timestamp }),
      lost: (reason) => lost.push(reason),
    },
    parameterSets.map((p) => new Uint8Array(p)),
  );
  const sequence = new SequenceTracker();
  const parsed = newRtpPacket();
  return {
    frames,
    lost,
    depacketizer,
    sequence,
    /** One RTP packet, serialized and parsed again as the session does. */
    send(payload: number[], seq: number, timestamp: number, marker: boolean) {
      expect(parseRtp(rtpPacket(payload, seq, timestamp, marker, 96), parsed)).toBe(true);
      const verdict = sequence.next(parsed.sequence);
      if (verdict === "old") return;
      depacketizer.push(parsed.payload, parsed.timestamp, parsed.marker, verdict === "gap");
    },
  };
}

function rtpPacket(payload: number[], seq: number, timestamp: number, marker: boolean, pt: number): Uint8Array {
  const p = new Uint8Array(12 + payload.length);
  p[0] = 0x80;
  p[1] = (marker ? 0x80 : 0) | pt;
  p[2] = (seq >> 8) & 0xff;
  p[3] = seq & 0xff;
  new DataView(p.buffer).setUint32(4, timestamp >>> 0);
  new DataView(p.buffer).setUint32(8, 0x12345678);
  p.set(payload, 12);
  return p;
}

const stapA = (...nals: number[][]) => [24, ...nals.flatMap((n) => [n.length >> 8, n.length & 0xff, ...n])];
/** FU-A fragments of a NAL unit, split after the given payload offsets. */
function fuA(nal: number[], cuts: number[]): number[][] {
  const indicator = (nal[0] & 0xe0) | 28;
  const type = nal[0] & 0x1f;
  const body = nal.slice(1);
  const bounds = [0, ...cuts, body.length];
  return bounds.slice(0, -1).map((from, k) => {
    const start = k === 0 ? 0x80 : 0;
    const end = k === bounds.length - 2 ? 0x40 : 0;
    return [indicator, start | end | type, ...body.slice(from, bounds[k + 1])];
  });
}

describe("H.264 depacketizer (RFC 6184)", () => {
  it("single NAL unit packets make one access unit, ended by the marker bit", () => {
    const h = h264Harness();
    h.send(SPS, 1, 1000, false);
    h.send(PPS, 2, 1000, false);
    h.send(IDR, 3, 1000, true);
    h.send(P_SLICE, 4, 4600, true);
    expect(h.frames).toEqual([
      { bytes: [...SC, ...SPS, ...SC, ...PPS, ...SC, ...IDR], timestamp: 1000 },
      { bytes: [...SC, ...P_SLICE], timestamp: 4600 },
    ]);
    expect(h.lost).toEqual([]);
  });

  it("STAP-A and FU-A (start, middle, end) are reassembled", () => {
    const h = h264Harness();
    h.send(stapA(AUD, SPS, PPS), 10, 0, false);
    const [a, b, c] = fuA(IDR, [3, 6]);
    h.send(a, 11, 0, false);
    h.send(b, 12, 0, false);
    h.send(c, 13, 0, true);
    expect(h.frames).toEqual([{ bytes: [...SC, ...AUD, ...SC, ...SPS, ...SC, ...PPS, ...SC, ...IDR], timestamp: 0 }]);
  });

  it("a lost middle fragment loses its frame only; the next frame is whole", () => {
    const h = h264Harness();
    const [a, , c] = fuA(IDR, [3, 6]);
    h.send(stapA(SPS, PPS), 1, 0, false);
    h.send(a, 2, 0, false);
    h.send(c, 4, 0, true); // 3 is missing
    h.send(P_SLICE, 5, 3600, true);
    expect(h.lost).toEqual(["packet-loss"]);
    expect(h.sequence.lost).toBe(1);
    expect(h.frames).toEqual([{ bytes: [...SC, ...P_SLICE], timestamp: 3600 }]);
  });

  it("a lost end fragment (and marker) is found by the timestamp change", () => {
    const h = h264Harness();
    const [a, b] = fuA(IDR, [3, 6]);
    h.send(a, 1, 0, false);
    h.send(b, 2, 0, false);
    h.send(P_SLICE, 4, 3600, true); // 3 (the end, with the marker) is missing
    // The next unit may have lost its start too (it does not begin with an AUD/SPS/PPS/SEI): lost as well.
    expect(h.lost).toEqual(["packet-loss", "packet-loss"]);
    expect(h.frames).toEqual([]);
  });

  it("a missing marker alone ends the unit at the next timestamp", () => {
    const h = h264Harness();
    h.send(P_SLICE, 1, 0, false);
    h.send(P_SLICE, 2, 3600, true);
    expect(h.frames.map((f) => f.timestamp)).toEqual([0, 3600]);
  });

  it("whole frames lost between units: one lost frame, and a unit that visibly starts whole is kept", () => {
    const h = h264Harness();
    h.send(P_SLICE, 1, 0, true);
    h.send([...AUD], 5, 14400, false); // 2..4 lost (whole frames), then a unit beginning with an AUD
    h.send(P_SLICE, 6, 14400, true);
    expect(h.lost).toEqual(["packet-loss"]);
    expect(h.frames.map((f) => f.timestamp)).toEqual([0, 14400]);
  });

  it("sequence numbers wrap at 65535 without a loss", () => {
    const h = h264Harness();
    const [a, b, c] = fuA(IDR, [3, 6]);
    h.send(a, 65534, 0, false);
    h.send(b, 65535, 0, false);
    h.send(c, 0, 0, true);
    h.send(P_SLICE, 1, 3600, true);
    expect(h.lost).toEqual([]);
    expect(h.sequence.lost).toBe(0);
    expect(h.frames).toHaveLength(2);
  });

  it("duplicates and late packets are ignored", () => {
    const h = h264Harness();
    h.send(P_SLICE, 7, 0, true);
    h.send(P_SLICE, 7, 0, true);
    h.send(P_SLICE, 6, 0, true);
    expect(h.frames).toHaveLength(1);
  });

  it("a frame larger than the target is dropped as too-large, the next one fits", () => {
    const h = h264Harness(16);
    h.send(IDR, 1, 0, false);
    h.send(IDR, 2, 0, true); // 2 × (4 + 10) > 16
    h.send(P_SLICE, 3, 3600, true);
    expect(h.lost).toEqual(["too-large"]);
    expect(h.frames.map((f) => f.timestamp)).toEqual([3600]);
  });

  it("FU-B, STAP-B and MTAP are refused as unsupported and counted", () => {
    const h = h264Harness();
    h.send([29, 0x85, 0, 1, 2], 1, 0, true);
    h.send([25, 0, 1, 0, 2, 0x41, 0x9a], 2, 3600, true);
    h.send([26, 0, 1, 2], 3, 7200, true);
    expect(h.lost).toEqual(["unsupported", "unsupported", "unsupported"]);
    expect(h.depacketizer.unsupportedPackets).toBe(3);
    expect(h.frames).toEqual([]);
  });

  it("parameter sets from the SDP go before an IDR that has none in band", () => {
    const h = h264Harness(4096, [SPS, PPS]);
    h.send(IDR, 1, 0, true);
    h.send(P_SLICE, 2, 3600, true);
    h.send(stapA(SPS, PPS), 3, 7200, false);
    h.send(IDR, 4, 7200, true);
    expect(h.frames.map((f) => f.bytes)).toEqual([
      [...SC, ...SPS, ...SC, ...PPS, ...SC, ...IDR],
      [...SC, ...P_SLICE],
      [...SC, ...SPS, ...SC, ...PPS, ...SC, ...IDR], // in band: not doubled
    ]);
  });

  it("an unfinished unit at the end of the stream is dropped silently", () => {
    const h = h264Harness();
    h.send(fuA(IDR, [3])[0], 1, 0, false);
    expect(h.depacketizer.assembling).toBe(true);
    h.depacketizer.abandon();
    expect(h.depacketizer.assembling).toBe(false);
    expect([h.lost, h.frames]).toEqual([[], []]);
  });
});

// H.265 NAL units: the two-byte header is F(1) type(6) LayerId(6) TID+1(3): type << 1, then 0x01 (layer 0, TID 0).
const hevcNal = (type: number, body: number[], tid = 1) => [type << 1, tid, ...body];
const VPS = hevcNal(32, [0x0c, 0x01, 0xff, 0xff]);
const HSPS = hevcNal(33, [0x01, 0x01, 0x60, 0x00]);
const HPPS = hevcNal(34, [0xc1, 0x72]);
const HAUD = hevcNal(35, [0x50]);
const HSEI = hevcNal(39, [0x01, 0x04, 0x22]);
const IDR_W_RADL = hevcNal(19, [0xaf, 0x08, 0x1f, 0x2e, 0x44, 0x10, 0x20, 0x30, 0x40, 0x50]);
const CRA = hevcNal(21, [0xaf, 0x11, 0x22, 0x33]);
const TRAIL_R = hevcNal(1, [0xd0, 0x05, 0x06, 0x07], 2); // TemporalId 1

/** RFC 7798 4.4.2: a payload header of type 48 (F, LayerId and TID from the NAL units: here 0, 0, lowest), then each NAL unit after its 16-bit size. */
const ap = (...nals: number[][]) => [48 << 1, Math.min(...nals.map((n) => n[1])), ...nals.flatMap((n) => [n.length >> 8, n.length & 0xff, ...n])];
/** RFC 7798 4.4.3: fragments of a NAL unit, split after the given body offsets: payload header (type 49, the NAL's F, LayerId, TID), FU header S|E|FuType. */
function fu(nal: number[], cuts: number[]): number[][] {
  const header = [(nal[0] & 0x81) | (49 << 1), nal[1]];
  const type = (nal[0] >> 1) & 0x3f;
  const body = nal.slice(2);
  const bounds = [0, ...cuts, body.length];
  return bounds.slice(0, -1).map((from, k) => {
    const start = k === 0 ? 0x80 : 0;
    const end = k === bounds.length - 2 ? 0x40 : 0;
    return [...header, start | end | type, ...body.slice(from, bounds[k + 1])];
  });
}
const h265Harness = (targetSize = 4096, parameterSets: number[][] = []) => h264Harness(targetSize, parameterSets, H265Depacketizer);

describe("H.265 depacketizer (RFC 7798)", () => {
  it("single NAL unit packets make one access unit, ended by the marker bit", () => {
    const h = h265Harness();
    h.send(VPS, 1, 1000, false);
    h.send(HSPS, 2, 1000, false);
    h.send(HPPS, 3, 1000, false);
    h.send(IDR_W_RADL, 4, 1000, true);
    h.send(TRAIL_R, 5, 4600, true);
    expect(h.frames).toEqual([
      { bytes: [...SC, ...VPS, ...SC, ...HSPS, ...SC, ...HPPS, ...SC, ...IDR_W_RADL], timestamp: 1000 },
      { bytes: [...SC, ...TRAIL_R], timestamp: 4600 },
    ]);
  });

  it("an Aggregation Packet and Fragmentation Units (start, middle, end) are reassembled, NAL headers rebuilt", () => {
    const h = h265Harness();
    h.send(ap(HAUD, VPS, HSPS, HPPS, HSEI), 10, 0, false);
    const [a, b, c] = fu(IDR_W_RADL, [3, 6]);
    expect(a.slice(0, 3)).toEqual([0x62, 0x01, 0x80 | 19]); // as the RFC lays them out
    h.send(a, 11, 0, false);
    h.send(b, 12, 0, false);
    h.send(c, 13, 0, true);
    // A fragmented slice of TemporalId 1 keeps its TID in the rebuilt header.
    const [d, e] = fu(TRAIL_R, [2]);
    h.send(d, 14, 3600, false);
    h.send(e, 15, 3600, true);
    expect(h.frames).toEqual([
      { bytes: [...SC, ...HAUD, ...SC, ...VPS, ...SC, ...HSPS, ...SC, ...HPPS, ...SC, ...HSEI, ...SC, ...IDR_W_RADL], timestamp: 0 },
      { bytes: [...SC, ...TRAIL_R], timestamp: 3600 },
    ]);
  });

  it("a lost middle fragment loses its frame only; the next frame is whole", () => {
    const h = h265Harness();
    const [a, , c] = fu(IDR_W_RADL, [3, 6]);
    h.send(ap(VPS, HSPS, HPPS), 1, 0, false);
    h.send(a, 2, 0, false);
    h.send(c, 4, 0, true); // 3 is missing
    h.send(TRAIL_R, 5, 3600, true);
    expect(h.lost).toEqual(["packet-loss"]);
    expect(h.frames).toEqual([{ bytes: [...SC, ...TRAIL_R], timestamp: 3600 }]);
  });

  it("a lost start fragment, or a lost end found by the timestamp change, loses the frame", () => {
    const h = h265Harness();
    const [a, b, c] = fu(IDR_W_RADL, [3, 6]);
    h.send(b, 2, 0, false); // (the first packet: 1 was never seen, so no gap is known; the fragment without its start is)
    h.send(c, 3, 0, true);
    h.send(a, 4, 3600, false);
    h.send(b, 5, 3600, false);
    h.send(TRAIL_R, 6, 7200, true); // the end and the marker of 3600 never came
    h.send(HAUD, 7, 10800, false);
    h.send(TRAIL_R, 8, 10800, true);
    expect(h.lost).toEqual(["packet-loss", "packet-loss"]);
    expect(h.frames.map((f) => f.timestamp)).toEqual([7200, 10800]);
  });

  it("whole units lost between frames: one lost frame; a unit that starts with an AUD, VPS or SEI is kept, a bare slice is not", () => {
    const h = h265Harness();
    h.send(TRAIL_R, 1, 0, true);
    h.send(HSEI, 4, 7200, false); // 2 and 3 (the unit at 3600) lost
    h.send(TRAIL_R, 5, 7200, true);
    h.send(TRAIL_R, 7, 14400, true); // 6 lost: this slice may be the unit's second
    expect(h.frames.map((f) => f.timestamp)).toEqual([0, 7200]);
    expect(h.lost).toEqual(["packet-loss", "packet-loss"]);
  });

  it("parameter sets from the SDP (sprop-vps, -sps, -pps) go before an IRAP (IDR, CRA) that has none in band", () => {
    const h = h265Harness(4096, [VPS, HSPS, HPPS]);
    h.send(IDR_W_RADL, 1, 0, true);
    h.send(TRAIL_R, 2, 3600, true);
    h.send(ap(HAUD, HSEI), 3, 7200, false);
    h.send(CRA, 4, 7200, true);
    h.send(ap(VPS, HSPS, HPPS), 5, 10800, false);
    h.send(IDR_W_RADL, 6, 10800, true);
    expect(h.frames.map((f) => f.bytes)).toEqual([
      [...SC, ...VPS, ...SC, ...HSPS, ...SC, ...HPPS, ...SC, ...IDR_W_RADL],
      [...SC, ...TRAIL_R],
      [...SC, ...HAUD, ...SC, ...HSEI, ...SC, ...VPS, ...SC, ...HSPS, ...SC, ...HPPS, ...SC, ...CRA],
      [...SC, ...VPS, ...SC, ...HSPS, ...SC, ...HPPS, ...SC, ...IDR_W_RADL], // in band: not doubled
    ]);
  });

  it("PACI packets are counted and lose their frame; the unspecified types 51-63 are refused too", () => {
    const h = h265Harness();
    h.send([50 << 1, 0x01, 0x26, 0x00, ...IDR_W_RADL.slice(2)], 1, 0, true);
    h.send([51 << 1, 0x01, 0, 1], 2, 3600, true);
    h.send([49 << 1, 0x01, 0xc0 | 48, 0, 1], 3, 5400, true); // a FU claiming to carry an AP
    h.send(TRAIL_R, 4, 7200, true);
    const depacketizer = h.depacketizer as H265Depacketizer;
    expect(depacketizer.paciPackets).toBe(1);
    expect(depacketizer.unsupportedPackets).toBe(3);
    expect(h.lost).toEqual(["unsupported", "unsupported", "unsupported"]);
    expect(h.frames.map((f) => f.timestamp)).toEqual([7200]);
  });

  it("a truncated Aggregation Packet is damage; a frame larger than the target is too-large", () => {
    const h = h265Harness(24);
    const truncated = ap(VPS, HSPS);
    h.send(truncated.slice(0, truncated.length - 2), 1, 0, true);
    h.send(IDR_W_RADL, 2, 3600, false);
    h.send(IDR_W_RADL, 3, 3600, true); // 2 × (4 + 12) > 24
    h.send(TRAIL_R, 4, 7200, true);
    expect(h.lost).toEqual(["packet-loss", "too-large"]);
    expect(h.frames.map((f) => f.timestamp)).toEqual([7200]);
  });
});

describe("RTP header", () => {
  it("skips CSRCs, the header extension and padding", () => {
    const payload = [1, 2, 3];
    const p = new Uint8Array([0xb1, 0xe0, 0x01, 0x02, 0, 0, 0, 9, 0, 0, 0, 7, 0xaa, 0xaa, 0xaa, 0xaa, 0xbe, 0xde, 0, 1, 9, 9, 9, 9, ...payload, 0, 2]);
    const out = newRtpPacket();
    expect(parseRtp(p, out)).toBe(true);
    expect([...out.payload]).toEqual(payload);
    expect(out).toMatchObject({ marker: true, payloadType: 96, sequence: 0x0102, timestamp: 9, ssrc: 7 });
    expect(parseRtp(new Uint8Array([0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), out)).toBe(false); // version 1
  });
});

describe("timestamps", () => {
  it("unwrap at 2^32 and become µs", () => {
    const timeline = new SessionTimeline(false, () => 0);
    const video = timeline.addStream(90000, undefined, true);
    expect(video.ptsUs(0xffffff00)).toBe(0);
    expect(video.ptsUs(0x00000100)).toBe(Math.round((512 * 1e6) / 90000));
    expect(video.ptsUs(0x00000100 + 90000)).toBe(Math.round(((512 + 90000) * 1e6) / 90000));
  });

  it("streams start at their arrival time without RTP-Info, at the same instant with it", () => {
    let now = 0;
    const arrival = new SessionTimeline(false, () => now);
    const v = arrival.addStream(90000, undefined, true);
    const a = arrival.addStream(48000, undefined, false);
    expect(v.ptsUs(123456)).toBe(0);
    now = 40_000;
    expect(a.ptsUs(999)).toBe(40_000);

    const info = new SessionTimeline(true, () => now);
    const v2 = info.addStream(90000, 90000 * 10, true);
    const a2 = info.addStream(48000, 4800, false);
    expect(v2.ptsUs(90000 * 10 + 9000)).toBe(100_000);
    expect(a2.ptsUs(4800 + 480)).toBe(10_000);
  });

  it("RTCP sender reports align audio to video and give the wall clock", () => {
    let now = 0;
    const timeline = new SessionTimeline(false, () => now);
    const v = timeline.addStream(90000, undefined, true);
    const a = timeline.addStream(48000, undefined, false);
    expect(v.ptsUs(1000)).toBe(0);
    now = 500_000; // audio arrives half a second late (network), but was captured at the same instant
    expect(a.ptsUs(2000)).toBe(500_000);
    const wall = 1_700_000_000_000;
    timeline.senderReport(v, { ssrc: 1, ntpMs: wall, rtpTimestamp: 1000 });
    timeline.senderReport(a, { ssrc: 2, ntpMs: wall + 100, rtpTimestamp: 2000 });
    expect(a.ptsUs(2000 + 4800)).toBe(200_000); // 100 ms after the video's first frame, plus 100 ms of audio
    expect(timeline.wallClockMs(1_000_000)).toBe(wall + 1000);
  });
});

describe("RTCP", () => {
  it("reads sender reports (NTP → Unix ms) and BYE from a compound packet", () => {
    const sr = new Uint8Array(28 + 8);
    const d = new DataView(sr.buffer);
    d.setUint8(0, 0x80);
    d.setUint8(1, 200);
    d.setUint16(2, 6);
    d.setUint32(4, 0xabcdef01);
    d.setUint32(8, 2_208_988_800 + 1_700_000_000); // NTP seconds
    d.setUint32(12, 0x80000000); // .5 s
    d.setUint32(16, 123456);
    d.setUint8(28, 0x81);
    d.setUint8(29, 203);
    d.setUint16(30, 1);
    d.setUint32(32, 0xabcdef01);
    const parsed = parseRtcp(sr);
    expect(parsed.senderReports).toEqual([{ ssrc: 0xabcdef01, ntpMs: 1_700_000_000_500, rtpTimestamp: 123456 }]);
    expect(parsed.bye).toEqual([0xabcdef01]);
  });
});

describe("RTCP receiver reports (RFC 3550 6.4.2)", () => {
  it("count what the sequence tracker saw, across a wrap", () => {
    const sequence = new SequenceTracker();
    for (const seq of [65533, 65534, 1, 2]) sequence.next(seq); // 65535 and 0 lost
    expect({ highest: sequence.highest, received: sequence.received, lost: sequence.lost }).toEqual({ highest: 0x10002, received: 4, lost: 2 });

    const rr = receiverReport(0x01020304, "cam", {
      ssrc: 0xa0b0c0d0,
      fractionLost: 2 / 6,
      cumulativeLost: 2,
      highest: sequence.highest,
      lastReport: { ntpMs: 1_700_000_000_500, ageMs: 250 },
    });
    const d = new DataView(rr.buffer);
    expect([d.getUint8(0), d.getUint8(1), d.getUint16(2), d.getUint32(4), d.getUint32(8)]).toEqual([0x81, 201, 7, 0x01020304, 0xa0b0c0d0]);
    expect(d.getUint8(12)).toBe(85); // floor(256 · 2/6)
    expect(d.getUint32(12) & 0xffffff).toBe(2);
    expect(d.getUint32(16)).toBe(0x10002);
    // LSR: low 16 bits of the NTP seconds, high 16 of the fraction (.5 s = 0x8000); DLSR: 0.25 s in 1/65536 s.
    expect(d.getUint32(24)).toBe((((1_700_000_000 + 2_208_988_800) & 0xffff) << 16) | 0x8000);
    expect(d.getUint32(28)).toBe(16384);
    // SDES: one chunk, CNAME "cam", ended and padded to 32 bits (16 bytes: length 3, in words minus one).
    expect([...rr.subarray(32)]).toEqual([0x81, 202, 0, 3, 1, 2, 3, 4, 1, 3, 0x63, 0x61, 0x6d, 0, 0, 0]);
  });
});

describe("AAC depacketizer (RFC 3640)", () => {
  // GStreamer's rtpmp4gpay for AAC LC, 48 kHz, stereo.
  const fmtp = { streamtype: "5", "profile-level-id": "2", mode: "AAC-hbr", config: "119056e500", sizelength: "13", indexlength: "3", indexdeltalength: "3" };

  it("reads the AudioSpecificConfig", () => {
    expect(aacFormat(fmtp)).toMatchObject({ objectType: 2, sampleRate: 48000, samplingFrequencyIndex: 3, channelConfiguration: 2, samplesPerFrame: 1024 });
    expect(aacFormat({ ...fmtp, config: "2b8a0800" })).toBe("AAC object type 5"); // HE-AAC: ADTS cannot say it
    expect(aacFormat({ ...fmtp, mode: "CELP-cbr" })).toBe("mode CELP-cbr");
  });

  it("builds the ADTS header of ISO/IEC 13818-7 (AAC LC, 48 kHz, 2 channels, 100 bytes)", () => {
    const header = new Uint8Array(7);
    writeAdtsHeader(header, aacFormat(fmtp) as AacFormat, 100);
    // syncword FFF, MPEG-4, no CRC | profile 1 (LC), index 3, channels 2 | frame_length 107 | fullness 7FF, 1 block
    expect([...header]).toEqual([0xff, 0xf1, 0x4c, 0x80, 0x0d, 0x7f, 0xfc]);
  });

  function aacHarness() {
    const frames: { bytes: number[]; timestamp: number }[] = [];
    const depacketizer = new AacDepacketizer(aacFormat(fmtp) as AacFormat, {
      frame: (adts, timestamp) => frames.push({ bytes: [...adts], timestamp }),
    });
    return { frames, depacketizer };
  }
  /** AU headers (13-bit size, 3-bit index 0) then the AUs. */
  const packet = (aus: number[][], sizes = aus.map((a) => a.length)) => {
    const headers = sizes.flatMap((size) => [(size << 3) >> 8, (size << 3) & 0xff]);
    return new Uint8Array([0, 16 * sizes.length, ...headers, ...aus.flat()]);
  };

  it("several AUs per packet become consecutive ADTS frames, 1024 samples apart", () => {
    const h = aacHarness();
    h.depacketizer.push(packet([[1, 2, 3, 4, 5], [6, 7, 8]]), 0xfffffc00, true, false);
    expect(h.frames.map((f) => f.timestamp)).toEqual([0xfffffc00, 0]); // and across the 32-bit wrap
    expect(h.frames[0].bytes.slice(7)).toEqual([1, 2, 3, 4, 5]);
    expect(h.frames[1].bytes.slice(7)).toEqual([6, 7, 8]);
    expect(((h.frames[1].bytes[3] & 3) << 11) | (h.frames[1].bytes[4] << 3) | (h.frames[1].bytes[5] >> 5)).toBe(10);
  });

  it("a fragmented AU is joined; a lost fragment drops it", () => {
    const h = aacHarness();
    const au = Array.from({ length: 20 }, (_, k) => k);
    h.depacketizer.push(packet([au.slice(0, 12)], [20]), 5000, false, false);
    h.depacketizer.push(packet([au.slice(12)], [20]), 5000, true, false);
    expect(h.frames).toHaveLength(1);
    expect(h.frames[0].bytes.slice(7)).toEqual(au);
    h.depacketizer.push(packet([au.slice(0, 12)], [20]), 6024, false, false);
    h.depacketizer.push(packet([au.slice(12)], [20]), 6024, true, true); // a packet between them was lost
    expect(h.frames).toHaveLength(1);
    expect(h.depacketizer.droppedFrames).toBe(1);
  });

  it("a packet whose AU sizes run past its end drops those AUs", () => {
    const h = aacHarness();
    h.depacketizer.push(packet([[1, 2, 3], [4]], [3, 9]), 0, true, false);
    expect(h.frames).toHaveLength(1);
    expect(h.depacketizer.droppedFrames).toBe(1);
  });
});

describe("audio held during a video unit", () => {
  it("is handed over in order, copied (the source view may change), and bounded", () => {
    const held = new HeldAudio();
    const scratch = new Uint8Array([1, 2, 3]);
    expect(held.hold(scratch, 10)).toBe(true);
    scratch.set([4, 5, 6]); // the depacketizer reuses its buffer for the next frame
    expect(held.hold(scratch.subarray(0, 2), 20)).toBe(true);
    const out: [number[], number][] = [];
    expect(held.release((adts, pts) => out.push([[...adts], pts]))).toBe(2);
    expect(out).toEqual([[[1, 2, 3], 10], [[4, 5], 20]]);
    expect(held.isEmpty).toBe(true);

    const frame = new Uint8Array(1000);
    let kept = 0;
    while (held.hold(frame, kept)) kept++;
    expect(kept).toBe(65); // 64 KiB of 1000-byte frames: the next one is refused, not grown into
  });
});
