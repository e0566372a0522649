// Property-based tests (fast-check) of the RTSP input against hostile bytes: random RTP payloads, RTCP, SDP and
// whole server byte streams never make it throw outside a typed error, write past its target, or hand over a
// frame that is not whole; every frame it hands over from mangled packets of a known stream is one of that
// stream's frames.
import { createServer, type Server } from "node:net";
import fc from "fast-check";
import { afterAll, describe, expect, test } from "vitest";
import { AacDepacketizer, aacFormat, type AacFormat } from "../src/rtsp/aac-depacketizer.js";
import { H264Depacketizer } from "../src/rtsp/h264-depacketizer.js";
import { H265Depacketizer } from "../src/rtsp/h265-depacketizer.js";
import { RtspError, openRtspSession } from "../src/rtsp/index.js";
import { parseRtcp } from "../src/rtsp/rtcp.js";
import { newRtpPacket, parseRtp, SequenceTracker } from "../src/rtsp/rtp.js";
import { parseSdp } from "../src/rtsp/sdp.js";
import { chooseTracks } from "../src/rtsp/tracks.js";

const RUNS = 300;

describe("depacketizers and parsers on random bytes", () => {
  test.each([
    ["H.264", H264Depacketizer],
    ["H.265", H265Depacketizer],
  ] as const)("%s: never throws, never writes past the target, hands over only frames that fit", (_name, Depacketizer) => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ payload: fc.uint8Array({ maxLength: 300 }), timestamp: fc.nat(5), marker: fc.boolean(), loss: fc.boolean() }), { maxLength: 60 }),
        fc.integer({ min: 4, max: 600 }),
        (packets, size) => {
          // The target sits inside a larger buffer: a write past its end would show in the guard bytes.
          const memory = new Uint8Array(size + 64).fill(0xa5);
          const target = memory.subarray(0, size);
          const lengths: number[] = [];
          const depacketizer = new Depacketizer({ target: () => target, frame: (n) => lengths.push(n), lost: () => {} }, [new Uint8Array([0x40, 1, 2]), new Uint8Array([0x42, 1, 3])]);
          for (const p of packets) depacketizer.push(p.payload, p.timestamp, p.marker, p.loss);
          expect(memory.subarray(size).every((b) => b === 0xa5)).toBe(true);
          expect(lengths.every((n) => n > 0 && n <= size)).toBe(true);
        },
      ),
      { numRuns: RUNS },
    );
  });

  test("AAC: never throws; every frame is a consistent ADTS frame", () => {
    const format = aacFormat({ mode: "AAC-hbr", config: "1190", sizelength: "13", indexlength: "3", indexdeltalength: "3" }) as AacFormat;
    fc.assert(
      fc.property(fc.array(fc.record({ payload: fc.uint8Array({ maxLength: 400 }), marker: fc.boolean(), loss: fc.boolean() }), { maxLength: 40 }), (packets) => {
        const depacketizer = new AacDepacketizer(format, {
          frame: (adts) => {
            expect(adts[0]).toBe(0xff);
            expect(((adts[3] & 3) << 11) | (adts[4] << 3) | (adts[5] >> 5)).toBe(adts.length);
          },
        });
        for (const [k, p] of packets.entries()) depacketizer.push(p.payload, k * 1024, p.marker, p.loss);
      }),
      { numRuns: RUNS },
    );
  });

  test("RTP, RTCP and SDP parsers take anything", () => {
    const packet = newRtpPacket();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.string({ maxLength: 400 }), (bytes, text) => {
        if (parseRtp(bytes, packet)) expect(packet.payload.byteOffset + packet.payload.length).toBeLessThanOrEqual(bytes.byteOffset + bytes.length);
        parseRtcp(bytes);
        const sdp = parseSdp(`v=0\r\n${text}`);
        try {
          chooseTracks(sdp, "rtsp://h/x", "cam");
        } catch (err) {
          expect(err).toBeInstanceOf(RtspError);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

interface SentPacket {
  seq: number;
  timestamp: number;
  marker: boolean;
  payload: Uint8Array;
}

/**
 * Packets of a known stream arrive lost, duplicated and out of order (fast-check picks up to maxLength of them):
 * every frame the depacketizer hands over must be one of `whole` (the frames sent, with their start codes).
 */
function onlyWholeFrames(Depacketizer: typeof H264Depacketizer | typeof H265Depacketizer, packets: SentPacket[], whole: Set<string>, maxLength: number): void {
  fc.assert(
    fc.property(fc.array(fc.nat(packets.length - 1), { maxLength }), (order) => {
      const target = new Uint8Array(4096);
      const out: string[] = [];
      const depacketizer = new Depacketizer({ target: () => target, frame: (n) => out.push([...target.subarray(0, n)].join(",")), lost: () => {} });
      const sequence = new SequenceTracker();
      sequence.expectFirst(packets[0]!.seq); // as the PLAY answer's RTP-Info tells the client
      for (const index of order) {
        const p = packets[index]!;
        const verdict = sequence.next(p.seq);
        if (verdict !== "old") depacketizer.push(p.payload, p.timestamp, p.marker, verdict === "gap");
      }
      for (const frame of out) expect(whole.has(frame)).toBe(true);
    }),
    { numRuns: RUNS },
  );
}

describe("mangled packets of a known stream", () => {
  // Frames of distinct bytes, each sent as FU-A fragments; the network then drops, duplicates and reorders.
  const frames = Array.from({ length: 12 }, (_, f) => [f % 4 === 0 ? 0x65 : 0x41, ...Array.from({ length: 40 + f * 7 }, (_, k) => (f * 31 + k) & 0xff)]);
  const packets = frames.flatMap((nal, f) => {
    const body = nal.slice(1);
    const pieces = [body.slice(0, 15), body.slice(15, 30), body.slice(30)];
    return pieces.map((piece, k) => ({
      seq: f * 3 + k,
      timestamp: f * 3600,
      marker: k === 2,
      payload: new Uint8Array([(nal[0] & 0xe0) | 28, (k === 0 ? 0x80 : 0) | (k === 2 ? 0x40 : 0) | (nal[0] & 0x1f), ...piece]),
    }));
  });
  const whole = new Set(frames.map((nal) => [0, 0, 0, 1, ...nal].join(",")));

  test("whatever is lost, duplicated or late, every frame handed over is one that was sent, whole", () => {
    onlyWholeFrames(H264Depacketizer, packets, whole, 60);
  });
});

describe("a server that sends garbage", () => {
  const servers: Server[] = [];
  afterAll(() => servers.forEach((s) => s.close()));

  test("opening fails with a typed error or plays; nothing throws elsewhere", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 2000 }), fc.boolean(), async (garbage, asResponse) => {
        const server = createServer((socket) => {
          socket.on("error", () => {});
          socket.once("data", () => {
            // Either bare garbage, or a plausible response head followed by garbage.
            if (asResponse) socket.write(`RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: ${garbage.length}\r\n\r\n`);
            socket.end(garbage);
          });
        });
        servers.push(server);
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        const port = (server.address() as { port: number }).port;
        const result = await openRtspSession(`rtsp://127.0.0.1:${port}/x`, { videoTarget: new Uint8Array(1024), video() {}, audio() {}, videoLost() {} }, { timeoutMs: 2000 }).then(
          (session) => session.close().then(() => "played"),
          (err: unknown) => err,
        );
        server.close();
        expect(result).toBeInstanceOf(RtspError);
      }),
      { numRuns: 40 },
    );
  });
});

describe("mangled packets of a known H.265 stream", () => {
  // Frames of distinct bytes: an IRAP (IDR_W_RADL) every fourth frame with its parameter sets in an Aggregation
  // Packet before it, the others TRAIL_R; every slice sent as three Fragmentation Units. The network then drops,
  // duplicates and reorders.
  const parameterSets = [
    [0x40, 0x01, 0x0c, 0x01],
    [0x42, 0x01, 0x01, 0x60],
    [0x44, 0x01, 0xc1, 0x72],
  ];
  const slices = Array.from({ length: 12 }, (_, f) => [f % 4 === 0 ? 19 << 1 : 1 << 1, 0x01, ...Array.from({ length: 40 + f * 7 }, (_, k) => (f * 31 + k) & 0xff)]);
  let seq = 0;
  const packets = slices.flatMap((nal, f) => {
    const out: { seq: number; timestamp: number; marker: boolean; payload: Uint8Array }[] = [];
    if (f % 4 === 0) {
      const ap = [48 << 1, 0x01, ...parameterSets.flatMap((n) => [0, n.length, ...n])];
      out.push({ seq: seq++, timestamp: f * 3600, marker: false, payload: new Uint8Array(ap) });
    }
    const body = nal.slice(2);
    const pieces = [body.slice(0, 15), body.slice(15, 30), body.slice(30)];
    for (const [k, piece] of pieces.entries()) {
      const fuHeader = (k === 0 ? 0x80 : 0) | (k === 2 ? 0x40 : 0) | (nal[0] >> 1);
      out.push({ seq: seq++, timestamp: f * 3600, marker: k === 2, payload: new Uint8Array([49 << 1, 0x01, fuHeader, ...piece]) });
    }
    return out;
  });
  const sc = [0, 0, 0, 1];
  const whole = new Set(slices.map((nal, f) => (f % 4 === 0 ? [...parameterSets.flatMap((n) => [...sc, ...n]), ...sc, ...nal] : [...sc, ...nal]).join(",")));

  test("whatever is lost, duplicated or late, every frame handed over is one that was sent, whole", () => {
    onlyWholeFrames(H265Depacketizer, packets, whole, 70);
  });

  test("in order and complete, every frame comes out", () => {
    const target = new Uint8Array(4096);
    const out: string[] = [];
    const depacketizer = new H265Depacketizer({ target: () => target, frame: (n) => out.push([...target.subarray(0, n)].join(",")), lost: () => {} });
    for (const p of packets) depacketizer.push(p.payload, p.timestamp, p.marker, false);
    expect(new Set(out)).toEqual(whole);
  });
});
