// @ts-check
// node bench/rtsp-bare-reader.js rtsp://host:port/path [--batch-ms N] [--read-kib K (the read buffer, default 64)]
//
// The floor of reading an RTSP camera in Node: DESCRIBE, SETUP of every track over TCP interleaved, PLAY, then the
// socket is read into one reused buffer (net's `onread`, as src/rtsp/connection.ts reads it) and the bytes only
// counted: no parsing, no muxing, no upload. bench/record-rtsp.js runs it beside `ipc-hls record` to show what of
// our CPU is Node's own cost of waking up for each read. No authentication, no keep-alive: a bench tool for
// GStreamer's test server, not a client.
// --batch-ms N (default 0: read whenever data arrives): after PLAY the socket stays paused and is resumed every
// N ms to read what the kernel holds, then paused again at the first read that does not fill the buffer, so that
// Node wakes once per N ms instead of once per burst of packets the server writes.
// --read-kib K: the read buffer. Batches want one that takes a whole batch in one read (src/rtsp/connection.ts
// READ_BYTES): Linux grows the receive buffer only for reads that leave nothing queued.
import { connect } from "node:net";

const args = process.argv.slice(2);
const url = new URL(args.find((a) => !a.startsWith("--")) ?? "");
const batchMs = args.includes("--batch-ms") ? Number(args[args.indexOf("--batch-ms") + 1]) : 0;
const buffer = Buffer.alloc((args.includes("--read-kib") ? Number(args[args.indexOf("--read-kib") + 1]) : 64) * 1024);
let playing = false;
let bytes = 0;
let reads = 0;
let answer = "";
/** @type {(head: string, body: string) => void} */
let onAnswer = () => {};

const socket = connect({
  host: url.hostname,
  port: Number(url.port || 554),
  onread: {
    buffer,
    callback: (n) => {
      if (!playing) {
        takeAnswer(buffer.toString("latin1", 0, n));
        return true;
      }
      bytes += n;
      reads++;
      // Batching: the kernel is drained once a read comes back short; returning false pauses the socket.
      return !(batchMs > 0 && n < buffer.length);
    },
  },
});

/** Collects one RTSP answer (head and Content-Length body) before PLAY. */
function takeAnswer(text) {
  answer += text;
  const headEnd = answer.indexOf("\r\n\r\n");
  if (headEnd < 0) return;
  const head = answer.slice(0, headEnd);
  const length = Number(/^content-length:\s*(\d+)/im.exec(head)?.[1] ?? 0);
  if (answer.length < headEnd + 4 + length) return;
  const body = answer.slice(headEnd + 4, headEnd + 4 + length);
  answer = "";
  onAnswer(head, body);
}

let cseq = 0;
let session = "";
/** @returns {Promise<{ head: string, body: string }>} */
function request(method, target, headers = {}) {
  const lines = [`${method} ${target} RTSP/1.0`, `CSeq: ${++cseq}`, ...(session ? [`Session: ${session}`] : [])];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return new Promise((resolve) => {
    onAnswer = (head, body) => {
      session ||= /^session:\s*([^;\r\n]+)/im.exec(head)?.[1] ?? "";
      resolve({ head, body });
    };
    socket.write(`${lines.join("\r\n")}\r\n\r\n`);
  });
}

await new Promise((resolve, reject) => socket.once("connect", resolve).once("error", reject));
const { body: sdp } = await request("DESCRIBE", url.href, { Accept: "application/sdp" });
const controls = [...sdp.matchAll(/^a=control:(\S+)/gm)].map((m) => m[1]).filter((c) => c !== "*");
for (const [index, control] of controls.entries()) {
  const target = /^rtsps?:/.test(control) ? control : `${url.href.replace(/\/$/, "")}/${control}`;
  await request("SETUP", target, { Transport: `RTP/AVP/TCP;unicast;interleaved=${2 * index}-${2 * index + 1}` });
}
const playedAt = performance.now();
playing = true; // (the PLAY answer is then counted as media bytes: a few hundred bytes, once)
socket.write(`PLAY ${url.href} RTSP/1.0\r\nCSeq: ${++cseq}\r\nSession: ${session}\r\nRange: npt=0.000-\r\n\r\n`);
if (batchMs > 0) {
  socket.pause();
  setInterval(() => socket.resume(), batchMs);
}
process.once("SIGINT", () => {
  console.log(JSON.stringify({ bytes, reads, seconds: (performance.now() - playedAt) / 1000 }));
  process.exit(0);
});
