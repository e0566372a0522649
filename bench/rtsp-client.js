// @ts-check
// node bench/rtsp-client.js [--seconds N] [--mbps M] [--realtime]
//
// CPU of the RTSP client for a 5 Mbps H.264 + AAC camera, per second of media (lower is better):
//   depacketize  RTP parsing, sequence tracking and H.264 reassembly alone, packets already in memory
//   tcp          the whole client over loopback: socket reads, interleaved framing, depacketizing, AAC to ADTS,
//                timing; a sender in another process sends N seconds of packets as fast as the socket takes them,
//                or with --realtime at the media's pace (small reads, as from a camera: the honest number)
// The stream is synthetic (random slice bytes in RFC 6184 FU-A packets of 1400 bytes, an IDR every 50 frames
// at 25 fps, AAC 48 kHz at 128 kbit/s in RFC 3640 packets), so it measures packet handling, not a codec.
import { fork } from "node:child_process";
import { createServer } from "node:net";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";

const args = process.argv.slice(2);
const value = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const seconds = value("--seconds", 20);
const mbps = value("--mbps", 5);
const realtime = args.includes("--realtime");
const dist = new URL("../dist/rtsp/", import.meta.url);

/** Interleaved RTP packets ($, channel, length, RTP) of `seconds` of media. */
function makeStream() {
  const fps = 25;
  const bytesPerGop = (mbps * 1e6 * 2) / 8; // 2 s GOP
  const idr = Math.round(bytesPerGop * 0.15);
  const p = Math.round((bytesPerGop - idr) / 49);
  const packets = [];
  let vseq = 0;
  let aseq = 0;
  const rtp = (channel, seq, ts, marker, pt, payload) => {
    const b = Buffer.alloc(16 + payload.length);
    b[0] = 0x24;
    b[1] = channel;
    b.writeUInt16BE(12 + payload.length, 2);
    b[4] = 0x80;
    b[5] = (marker ? 0x80 : 0) | pt;
    b.writeUInt16BE(seq & 0xffff, 6);
    b.writeUInt32BE(ts >>> 0, 8);
    b.writeUInt32BE(channel + 1, 12);
    payload.copy(b, 16);
    return b;
  };
  const due = []; // [byte offset where a frame's packets end, its media time in ms]
  let written = 0;
  let audioTime = 0;
  for (let f = 0; f < seconds * fps; f++) {
    const ts = f * 3600;
    const size = f % 50 === 0 ? idr : p;
    const nalType = f % 50 === 0 ? 5 : 1;
    const body = randomBytes(size);
    for (let at = 0; at < size; at += 1398) {
      const end = Math.min(size, at + 1398);
      const header = Buffer.from([0x7c, (at === 0 ? 0x80 : 0) | (end === size ? 0x40 : 0) | nalType]);
      packets.push(rtp(0, vseq++, ts, end === size, 96, Buffer.concat([header, body.subarray(at, end)])));
      written += packets.at(-1).length;
    }
    // Audio packets due by this frame's time: one AU (~340 bytes) per packet, every 1024 samples.
    while (audioTime * 1e6 / 48000 <= f * 40_000) {
      const au = randomBytes(340);
      packets.push(rtp(2, aseq++, audioTime, true, 97, Buffer.concat([Buffer.from([0, 16, (au.length << 3) >> 8, (au.length << 3) & 0xff]), au])));
      written += packets.at(-1).length;
      audioTime += 1024;
    }
    due.push([written, f * 40]);
  }
  // (With when each byte is due: [bytes written, ms].)
  return Object.assign(Buffer.concat(packets), { due });
}

const SDP = [
  "v=0",
  "m=video 0 RTP/AVP 96",
  "a=rtpmap:96 H264/90000",
  "a=control:v",
  "m=audio 0 RTP/AVP 97",
  "a=rtpmap:97 MPEG4-GENERIC/48000/2",
  "a=fmtp:97 streamtype=5;profile-level-id=2;mode=AAC-hbr;config=119056e500;sizelength=13;indexlength=3;indexdeltalength=3",
  "a=control:a",
  "",
].join("\r\n");

/** All at once, or each frame's packets at its media time. */
function send(socket, stream) {
  if (!realtime) return socket.write(stream);
  const start = performance.now();
  let from = 0;
  let k = 0;
  const timer = setInterval(() => {
    const now = performance.now() - start;
    while (k < stream.due.length && stream.due[k][1] <= now) k++;
    const to = k > 0 ? stream.due[k - 1][0] : 0;
    if (to > from) socket.write(stream.subarray(from, to));
    from = to;
    if (k === stream.due.length) clearInterval(timer);
  }, 5);
}

/** The sender: answers the handshake, then writes the stream after PLAY. */
function serve() {
  const stream = makeStream();
  const server = createServer((socket) => {
    let text = "";
    let setups = 0;
    socket.on("data", (chunk) => {
      text += chunk.toString("latin1");
      let end;
      while ((end = text.indexOf("\r\n\r\n")) >= 0) {
        const request = text.slice(0, end);
        text = text.slice(end + 4);
        const cseq = /CSeq: (\d+)/i.exec(request)[1];
        const method = request.split(" ")[0];
        let extra = "";
        let body = "";
        if (method === "DESCRIBE") {
          body = SDP;
          extra = `Content-Base: rtsp://127.0.0.1/x/\r\nContent-Length: ${body.length}\r\n`;
        } else if (method === "SETUP") {
          extra = `Transport: RTP/AVP/TCP;unicast;interleaved=${2 * setups}-${2 * setups + 1}\r\nSession: 1;timeout=60\r\n`;
          setups++;
        }
        socket.write(`RTSP/1.0 200 OK\r\nCSeq: ${cseq}\r\n${extra}\r\n${body}`);
        if (method === "PLAY") send(socket, stream);
      }
    });
    socket.on("error", () => {});
  });
  server.listen(0, "127.0.0.1", () => process.send({ port: /** @type {import("node:net").AddressInfo} */ (server.address()).port, bytes: stream.length }));
}

async function main() {
  const { parseRtp, newRtpPacket, SequenceTracker } = await import(new URL("rtp.js", dist).href);
  const { H264Depacketizer } = await import(new URL("h264-depacketizer.js", dist).href);
  const { openRtspSession } = await import(new URL("index.js", dist).href);

  // depacketize: the stream's video packets, straight from memory.
  const stream = makeStream();
  const target = new Uint8Array(1024 * 1024);
  let frames = 0;
  const h264 = new H264Depacketizer({ target: () => target, frame: () => frames++, lost: () => {} });
  const sequence = new SequenceTracker();
  const packet = newRtpPacket();
  const rounds = 5;
  const before = process.cpuUsage();
  for (let r = 0; r < rounds; r++) {
    for (let at = 0; at < stream.length; ) {
      const length = stream.readUInt16BE(at + 2);
      if (stream[at + 1] === 0 && parseRtp(stream.subarray(at + 4, at + 4 + length), packet)) {
        const verdict = sequence.next(packet.sequence);
        h264.push(packet.payload, packet.timestamp, packet.marker, verdict === "gap");
      }
      at += 4 + length;
    }
  }
  const used = process.cpuUsage(before);
  const depacketizeMs = (used.user + used.system) / 1000 / (rounds * seconds);

  // tcp: the whole client, the sender in another process.
  const child = fork(fileURLToPath(import.meta.url), ["--serve", "--seconds", String(seconds), "--mbps", String(mbps), ...(realtime ? ["--realtime"] : [])]);
  const { port, bytes } = await new Promise((resolve) => child.once("message", resolve));
  let video = 0;
  let audio = 0;
  let done;
  const finished = new Promise((resolve) => (done = resolve));
  const expectedVideo = seconds * 25;
  const sink = {
    videoTarget: target,
    video: () => ++video === expectedVideo && done(),
    audio: () => audio++,
    videoLost: () => {},
  };
  const start = process.cpuUsage();
  const wallStart = performance.now();
  const session = await openRtspSession(`rtsp://127.0.0.1:${port}/x`, sink);
  await finished;
  const tcp = process.cpuUsage(start);
  const wallMs = performance.now() - wallStart;
  await session.close();
  child.kill();
  const tcpMs = (tcp.user + tcp.system) / 1000 / seconds;
  console.log(`RTSP client, ${mbps} Mbps H.264 + AAC, ${seconds} s of media (${(bytes / 1e6).toFixed(1)} MB):`);
  console.log(`  depacketize only     ${depacketizeMs.toFixed(2)} ms CPU per second of media (${((depacketizeMs / 1000) * 100).toFixed(2)} % of a core)`);
  console.log(
    `  whole client, TCP${realtime ? ", real time" : "           "} ${tcpMs.toFixed(2)} ms CPU per second of media (${((tcpMs / 1000) * 100).toFixed(2)} % of a core); ` +
      `${video} video + ${audio} audio frames in ${wallMs.toFixed(0)} ms, ${JSON.stringify(session.stats())}`,
  );
}

if (args.includes("--serve")) serve();
else await main();
