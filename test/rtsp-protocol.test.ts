// RTSP protocol pieces: Digest against RFC 2617's worked example, challenges, SDP from GStreamer's server, track
// choice, URL masking; and the client against a scripted server for what GStreamer's cannot show: redirects,
// Basic auth, 461, a server that stops answering, interleaved frames split anywhere across TCP chunks.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createServer, type Server, type Socket } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import { createSocket as createUdpSocket } from "node:dgram";
import { afterEach, describe, expect, it } from "vitest";
import { digestResponse, pickChallenge, Authenticator, parseAuthParams } from "../src/rtsp/auth.js";
import { parseSdp } from "../src/rtsp/sdp.js";
import { chooseTracks } from "../src/rtsp/tracks.js";
import { RtspUnsupportedError } from "../src/rtsp/errors.js";
import { parseRtspUrl, resolveControl } from "../src/rtsp/url.js";
import { maskUserinfo as maskUrl } from "../src/mask-url.js";
import { tempDir } from "./support/media-tools.js";
import {
  openRtspSession,
  RtspAuthError,
  RtspConnectionLostError,
  RtspProtocolError,
  RtspTimeoutError,
  RtspTransportError,
  type FrameSink,
} from "../src/rtsp/index.js";

// DESCRIBE answer of GStreamer's RTSP server (test/support/rtsp_server.py, /av), as received.
const GSTREAMER_SDP = [
  "v=0",
  "o=- 16907555870152843697 1 IN IP4 127.0.0.1",
  "s=Session streamed with GStreamer",
  "i=rtsp-server",
  "t=0 0",
  "a=tool:GStreamer",
  "a=type:broadcast",
  "a=control:*",
  "a=range:npt=now-",
  "m=video 0 RTP/AVP 96",
  "c=IN IP4 0.0.0.0",
  "b=AS:1536",
  "a=rtpmap:96 H264/90000",
  "a=framerate:25",
  "a=fmtp:96 packetization-mode=1;sprop-parameter-sets=Z0LAHtoCgL/lwFqDAwNSgAAAAwCAAAAZR4sXUA==,aM48gA==;profile-level-id=42c01e;level-asymmetry-allowed=1",
  "a=control:stream=0",
  "a=ts-refclk:local",
  "a=mediaclk:sender",
  "a=ssrc:2265582688 cname:user3757463569@host-10222f46",
  "m=audio 0 RTP/AVP 97",
  "c=IN IP4 0.0.0.0",
  "a=rtpmap:97 MPEG4-GENERIC/48000/2",
  "a=fmtp:97 streamtype=5;profile-level-id=2;mode=AAC-hbr;config=119056e500;sizelength=13;indexlength=3;indexdeltalength=3",
  "a=control:stream=1",
  "a=ts-refclk:local",
  "a=mediaclk:sender",
  "a=ssrc:1423616504 cname:user3757463569@host-10222f46",
  "",
].join("\r\n");

describe("Digest authentication", () => {
  it("computes RFC 2617's worked example (section 3.5)", () => {
    const challenge = pickChallenge([
      'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
    ]);
    expect(challenge).toMatchObject({ scheme: "Digest", realm: "testrealm@host.com", qop: "auth", algorithm: "MD5" });
    const response = digestResponse(challenge as never, {
      username: "Mufasa",
      password: "Circle Of Life",
      method: "GET",
      uri: "/dir/index.html",
      nc: "00000001",
      cnonce: "0a4f113b",
    });
    expect(response).toBe("6629fae49393a05397450978507c4ef1");
  });

  it("answers GStreamer's challenge (no qop), preferring Digest to Basic", () => {
    const challenge = pickChallenge(['Basic realm="cam"', 'Digest realm="GStreamer RTSP Server", nonce="82fe3470f1a6c763"']);
    expect(challenge).toEqual({ scheme: "Digest", realm: "GStreamer RTSP Server", nonce: "82fe3470f1a6c763", algorithm: "MD5", qop: undefined, opaque: undefined });
    const value = new Authenticator(challenge!, "u", "p").header("DESCRIBE", "rtsp://h/av");
    const params = parseAuthParams(value.replace(/^Digest /, ""));
    expect(params).toMatchObject({ username: "u", realm: "GStreamer RTSP Server", nonce: "82fe3470f1a6c763", uri: "rtsp://h/av" });
    expect(params.response).toMatch(/^[0-9a-f]{32}$/);
    expect(params.qop).toBeUndefined();
  });

  it("refuses algorithms it cannot compute, falls back to Basic", () => {
    expect(pickChallenge(['Digest realm="r", nonce="n", algorithm=SHA-256'])).toBeUndefined();
    expect(pickChallenge(['Digest realm="r", nonce="n", algorithm=SHA-256', 'Basic realm="r"'])).toEqual({ scheme: "Basic", realm: "r" });
    expect(new Authenticator({ scheme: "Basic", realm: "r" }, "Aladdin", "open sesame").header("DESCRIBE", "x")).toBe(
      "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", // RFC 7617 section 2's example
    );
  });
});

describe("SDP and tracks", () => {
  it("reads GStreamer's SDP: H.264 with its parameter sets, AAC, control URLs", () => {
    const sdp = parseSdp(GSTREAMER_SDP);
    expect(sdp.control).toBe("*");
    expect(sdp.media.map((m) => [m.type, m.payloadTypes, m.control])).toEqual([
      ["video", [96], "stream=0"],
      ["audio", [97], "stream=1"],
    ]);
    expect(sdp.media[1].rtpmap.get(97)).toEqual({ encoding: "MPEG4-GENERIC", clockRate: 48000, channels: 2 });
    expect(sdp.media[0].fmtp.get(96)!["sprop-parameter-sets"]).toBe("Z0LAHtoCgL/lwFqDAwNSgAAAAwCAAAAZR4sXUA==,aM48gA==");

    const tracks = chooseTracks(sdp, "rtsp://127.0.0.1:8554/av/", "cam");
    expect(tracks.video.control).toBe("rtsp://127.0.0.1:8554/av/stream=0");
    expect(tracks.audio!.control).toBe("rtsp://127.0.0.1:8554/av/stream=1");
    expect(tracks.playUrl).toBe("rtsp://127.0.0.1:8554/av/");
    expect(tracks.video.parameterSets.map((p) => p[0] & 0x1f)).toEqual([7, 8]);
    expect(tracks.description).toEqual({ video: { codec: "H264", profileLevelId: "42c01e" }, audio: { codec: "AAC", sampleRate: 48000, channels: 2 } });
  });

  it("names audio it skips; refuses video it cannot record, by name (an error retrying cannot heal)", () => {
    const pcma = GSTREAMER_SDP.replace("a=rtpmap:97 MPEG4-GENERIC/48000/2", "a=rtpmap:97 PCMA/8000");
    expect(chooseTracks(parseSdp(pcma), "rtsp://h/av", "cam").description.skippedAudio).toBe("PCMA/8000");
    const opus = GSTREAMER_SDP.replace("a=rtpmap:97 MPEG4-GENERIC/48000/2", "a=rtpmap:97 opus/48000/2");
    expect(chooseTracks(parseSdp(opus), "rtsp://h/av", "cam").audio).toBeUndefined();
    expect(chooseTracks(parseSdp(opus), "rtsp://h/av", "cam").description.skippedAudio).toBe("OPUS/48000/2");
    const refused = (sdp: string) => {
      try {
        chooseTracks(parseSdp(sdp), "rtsp://h/av", "cam");
      } catch (err) {
        expect(err).toBeInstanceOf(RtspUnsupportedError);
        return (err as Error).message;
      }
      throw new Error("not refused");
    };
    // MJPEG as cameras announce it: the static payload type 26, often without an rtpmap.
    const mjpeg = GSTREAMER_SDP.replace("m=video 0 RTP/AVP 96", "m=video 0 RTP/AVP 26").replace(/a=rtpmap:96 H264\/90000\r\n/, "");
    expect(refused(mjpeg)).toBe("cam: the camera's video is MJPEG (JPEG/90000, RTP payload 26), which ipc-hls cannot record (it records H.264 and H.265)");
    expect(refused(GSTREAMER_SDP.replace("H264/90000", "H266/90000"))).toMatch(/video is H\.266\/VVC \(H266\/90000, RTP payload 96\)/);
    expect(refused(GSTREAMER_SDP.replace("H264/90000", "MP4V-ES/90000"))).toMatch(/video is MPEG-4 Part 2 \(MP4V-ES/);
    expect(refused(GSTREAMER_SDP.replace(/m=video[^]*?(?=m=audio)/, ""))).toBe("cam: the stream has no video (ipc-hls records H.264 and H.265)");
    // H.265 with decoding order numbers (DONL) is refused, without them it is taken with its parameter sets.
    const h265 = GSTREAMER_SDP.replace("H264/90000", "H265/90000").replace(/a=fmtp:96 .*/, "a=fmtp:96 sprop-vps=QAEMAf//;sprop-sps=QgEBAWA=;sprop-pps=RAHA");
    const chosen = chooseTracks(parseSdp(h265), "rtsp://h/av", "cam");
    expect(chosen.video.codec).toBe("H265");
    expect(chosen.description.video.codec).toBe("H265");
    expect(chosen.video.parameterSets.map((p) => Buffer.from(p).toString("hex"))).toEqual(["40010c01ffff", "4201010160", "4401c0"]);
    expect(refused(h265.replace("a=fmtp:96 ", "a=fmtp:96 sprop-max-don-diff=2;"))).toMatch(/H\.265 with decoding order numbers \(sprop-max-don-diff=2; only 0 is supported\)/);
    expect(chooseTracks(parseSdp(h265.replace("a=fmtp:96 ", "a=fmtp:96 sprop-max-don-diff=0;")), "rtsp://h/av", "cam").video.codec).toBe("H265");
  });

  it("resolves control URLs as cameras mean them", () => {
    expect(resolveControl("rtsp://h/av/", "stream=0")).toBe("rtsp://h/av/stream=0");
    expect(resolveControl("rtsp://h/av", "trackID=1")).toBe("rtsp://h/av/trackID=1");
    expect(resolveControl("rtsp://h/av", "rtsp://other/x")).toBe("rtsp://other/x");
    expect(resolveControl("rtsp://h/av", "*")).toBe("rtsp://h/av");
  });
});

describe("URLs", () => {
  it("masks the password, and a user name alone (it may be a token)", () => {
    expect(maskUrl("rtsp://admin:hunter2@10.0.0.5:554/stream1")).toBe("rtsp://admin:***@10.0.0.5:554/stream1");
    expect(maskUrl("rtsps://admin:p%40ss%3Aw@cam.local/s")).toBe("rtsps://admin:***@cam.local/s");
    expect(maskUrl("rtsp://admin:a@b@cam/s")).toBe("rtsp://admin:***@cam/s");
    expect(maskUrl("rtsp://cam/s")).toBe("rtsp://cam/s");
    expect(maskUrl("rtsp://token@cam/s")).toBe("rtsp://***@cam/s"); // (a user name alone may be a token)
    expect(() => parseRtspUrl("not a url with secret@host")).toThrow(/^not a URL$/);
  });

  it("percent-decodes the credentials and keeps them out of request URLs", () => {
    const url = parseRtspUrl("rtsp://us%20er:s3cr%3At%40@127.0.0.1/av");
    expect(url).toMatchObject({ username: "us er", password: "s3cr:t@", host: "127.0.0.1", port: 554, tls: false, href: "rtsp://127.0.0.1/av" });
    expect(parseRtspUrl("rtsps://[::1]/x")).toMatchObject({ host: "::1", port: 322, tls: true });
  });
});

// ---- Against a scripted server ----

type Handler = (method: string, uri: string, headers: Record<string, string>, socket: Socket) => string | undefined;

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** A server that answers each request with handler's text (CSeq added), or not at all (undefined). */
async function scriptedServer(handler: Handler, tls?: { key: string; cert: string }, host = "127.0.0.1"): Promise<{ port: number; requests: string[] }> {
  const requests: string[] = [];
  const create = tls ? (listener: (socket: Socket) => void) => createTlsServer(tls, listener) : createServer;
  const server = create((socket) => {
    let buffered = "";
    socket.on("error", () => {});
    socket.on("data", (chunk) => {
      buffered += chunk.toString("latin1");
      let end: number;
      while ((end = buffered.indexOf("\r\n\r\n")) >= 0) {
        const [line, ...rest] = buffered.slice(0, end).split("\r\n");
        buffered = buffered.slice(end + 4);
        const headers: Record<string, string> = {};
        for (const h of rest) headers[h.slice(0, h.indexOf(":")).toLowerCase()] = h.slice(h.indexOf(":") + 1).trim();
        const [method, uri] = line.split(" ");
        requests.push(`${method} ${uri}${headers.authorization ? ` [${headers.authorization.split(" ")[0]}]` : ""}`);
        const answer = handler(method, uri, headers, socket);
        if (answer !== undefined) socket.write(answer.replace("\r\n", `\r\nCSeq: ${headers.cseq}\r\n`));
      }
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { port: (server.address() as { port: number }).port, requests };
}

const VIDEO_SDP = ["v=0", "m=video 0 RTP/AVP 96", "a=rtpmap:96 H264/90000", "a=control:track1", ""].join("\r\n");
const ok = (headers = "", body = "") => `RTSP/1.0 200 OK\r\n${headers}${body ? `Content-Length: ${Buffer.byteLength(body)}\r\n` : ""}\r\n${body}`;

function collectingSink() {
  const target = new Uint8Array(64 * 1024);
  const frames: number[][] = [];
  const sink: FrameSink = {
    videoTarget: target,
    video: (length) => frames.push([...target.subarray(0, length)]),
    audio: () => {},
    videoLost: () => {},
  };
  return { sink, frames };
}

/** A happy server for one H.264 track over interleaved TCP; `play` runs after PLAY is answered. */
function playingHandler(play: (socket: Socket) => void, extra?: Handler): Handler {
  return (method, uri, headers, socket) => {
    const special = extra?.(method, uri, headers, socket);
    if (special !== undefined) return special;
    if (method === "OPTIONS") return ok("Public: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER\r\n");
    if (method === "DESCRIBE") return ok(`Content-Type: application/sdp\r\nContent-Base: ${uri}/\r\n`, VIDEO_SDP);
    if (method === "SETUP") return ok(`Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\nSession: abc123;timeout=2\r\n`);
    if (method === "PLAY") {
      setImmediate(() => play(socket));
      return ok("Session: abc123\r\n");
    }
    return ok("Session: abc123\r\n");
  };
}

function interleaved(channel: number, rtp: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([0x24, channel, rtp.length >> 8, rtp.length & 0xff]), rtp]);
}

function rtp(seq: number, timestamp: number, marker: boolean, payload: number[]): Uint8Array {
  const p = Buffer.alloc(12 + payload.length);
  p[0] = 0x80;
  p[1] = (marker ? 0x80 : 0) | 96;
  p.writeUInt16BE(seq, 2);
  p.writeUInt32BE(timestamp, 4);
  p.set(payload, 12);
  return p;
}

describe("client against a scripted server", () => {
  it("follows a redirect, answers Basic auth, keeps the session alive, and reads frames split across chunks", async () => {
    const nal = Array.from({ length: 3000 }, (_, k) => (k === 0 ? 0x65 : k & 0xff));
    const fragments = [0, 1000, 2000].map((from, k) => [0x7c, (k === 0 ? 0x80 : 0) | (k === 2 ? 0x40 : 0) | 5, ...nal.slice(from ? from : 1, from + 1000)]);
    const stream = Buffer.concat(fragments.map((f, k) => interleaved(0, rtp(100 + k, 9000, k === 2, f))));
    const target = await scriptedServer(
      playingHandler(
        (socket) => {
          // One byte at a time, then the rest: every split point of the framing is crossed.
          for (let k = 0; k < 40; k++) socket.write(stream.subarray(k, k + 1));
          socket.write(stream.subarray(40));
        },
        (method, _uri, headers) => {
          if (!headers.authorization) return 'RTSP/1.0 401 Unauthorized\r\nWWW-Authenticate: Basic realm="cam"\r\n\r\n';
          if (headers.authorization !== `Basic ${Buffer.from("admin:pa ss").toString("base64")}`) return "RTSP/1.0 403 Forbidden\r\n\r\n";
          return undefined;
        },
      ),
    );
    const origin = await scriptedServer((method) =>
      method === "OPTIONS" ? `RTSP/1.0 302 Moved\r\nLocation: rtsp://127.0.0.1:${target.port}/live\r\n\r\n` : undefined,
    );
    const { sink, frames } = collectingSink();
    const session = await openRtspSession(`rtsp://admin:pa%20ss@127.0.0.1:${origin.port}/cam`, sink);
    await expect.poll(() => frames.length, { timeout: 5000 }).toBe(1);
    expect(frames[0]).toEqual([0, 0, 0, 1, ...nal]);
    // Session timeout 2 s: a keep-alive within 1 s.
    await expect.poll(() => target.requests.filter((r) => r.startsWith("GET_PARAMETER")).length, { timeout: 3000 }).toBeGreaterThan(0);
    await session.close();
    expect(await session.ended).toBeUndefined();
    expect(target.requests.slice(0, 6)).toEqual([
      `OPTIONS rtsp://127.0.0.1:${target.port}/live`,
      `OPTIONS rtsp://127.0.0.1:${target.port}/live [Basic]`,
      `DESCRIBE rtsp://127.0.0.1:${target.port}/live [Basic]`,
      `SETUP rtsp://127.0.0.1:${target.port}/live/track1 [Basic]`,
      `PLAY rtsp://127.0.0.1:${target.port}/live/ [Basic]`,
      `GET_PARAMETER rtsp://127.0.0.1:${target.port}/live/ [Basic]`,
    ]);
    expect(target.requests.at(-1)).toBe(`TEARDOWN rtsp://127.0.0.1:${target.port}/live/ [Basic]`);
    expect(origin.requests).toEqual([`OPTIONS rtsp://127.0.0.1:${origin.port}/cam`]); // no credentials sent before a challenge
  });

  it("a redirect to another host does not take the credentials along", async () => {
    const target = await scriptedServer((_m, _u, headers) =>
      headers.authorization ? ok() : 'RTSP/1.0 401 Unauthorized\r\nWWW-Authenticate: Basic realm="other"\r\n\r\n',
    );
    const origin = await scriptedServer(() => `RTSP/1.0 301 Moved\r\nLocation: rtsp://localhost:${target.port}/elsewhere\r\n\r\n`);
    const error = await openRtspSession(`rtsp://admin:pw@127.0.0.1:${origin.port}/cam`, collectingSink().sink).catch((e: Error) => e);
    expect(error).toBeInstanceOf(RtspAuthError);
    expect((error as Error).message).toMatch(/asks for a user and password/);
    expect(target.requests).toEqual([`OPTIONS rtsp://localhost:${target.port}/elsewhere`]);
  });

  it("redirects are followed a bounded number of times", async () => {
    let port = 0;
    const loop = await scriptedServer(() => `RTSP/1.0 302 Found\r\nLocation: rtsp://127.0.0.1:${port}/again\r\n\r\n`);
    port = loop.port;
    const error = await openRtspSession(`rtsp://127.0.0.1:${port}/start`, collectingSink().sink).catch((e: Error) => e);
    expect(error).toBeInstanceOf(RtspProtocolError);
    expect((error as Error).message).toMatch(/more than 5 redirects/);
    expect(loop.requests).toHaveLength(6);
  });

  it("a refused password is an RtspAuthError that does not contain it", async () => {
    const server = await scriptedServer(() => 'RTSP/1.0 401 Unauthorized\r\nWWW-Authenticate: Digest realm="r", nonce="n1"\r\n\r\n');
    const error = await openRtspSession(`rtsp://admin:Sup3rSecret@127.0.0.1:${server.port}/x`, collectingSink().sink).catch((e: Error) => e);
    expect(error).toBeInstanceOf(RtspAuthError);
    expect(String((error as Error).message)).toContain("admin:***@");
    expect(String((error as Error).message) + String((error as Error).stack)).not.toContain("Sup3rSecret");
    expect(server.requests).toEqual([`OPTIONS rtsp://127.0.0.1:${server.port}/x`, `OPTIONS rtsp://127.0.0.1:${server.port}/x [Digest]`]);
  });

  it("461 is an RtspTransportError", async () => {
    const server = await scriptedServer(playingHandler(() => {}, (method) => (method === "SETUP" ? "RTSP/1.0 461 Unsupported Transport\r\n\r\n" : undefined)));
    await expect(openRtspSession(`rtsp://127.0.0.1:${server.port}/x`, collectingSink().sink)).rejects.toBeInstanceOf(RtspTransportError);
  });

  it("a server that stops answering: the request's deadline is an RtspTimeoutError", async () => {
    const server = await scriptedServer((method) => (method === "OPTIONS" ? ok() : undefined));
    await expect(openRtspSession(`rtsp://127.0.0.1:${server.port}/x`, collectingSink().sink, { timeoutMs: 300 })).rejects.toBeInstanceOf(RtspTimeoutError);
  });

  it("media that stops while playing ends the session with a timeout; an abort signal ends it too", async () => {
    const server = await scriptedServer(playingHandler(() => {}));
    const session = await openRtspSession(`rtsp://127.0.0.1:${server.port}/x`, collectingSink().sink, { timeoutMs: 400 });
    expect(await session.ended).toBeInstanceOf(RtspTimeoutError);

    const controller = new AbortController();
    const second = await openRtspSession(`rtsp://127.0.0.1:${server.port}/x`, collectingSink().sink, { signal: controller.signal });
    controller.abort(new Error("stopping"));
    expect((await second.ended)?.message).toBe("stopping");
  });

  it("rtsps:// is TLS, verified: plays with the camera's certificate as CA, refuses it without", async () => {
    const dir = tempDir("ipc-hls-rtsps-");
    try {
      execFileSync(
        "openssl",
        ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "cert.pem", "-days", "2", "-subj", "/CN=camera", "-addext", "subjectAltName=IP:127.0.0.1"],
        { cwd: dir.path, stdio: "ignore" },
      );
      const tls = { key: readFileSync(join(dir.path, "key.pem"), "utf8"), cert: readFileSync(join(dir.path, "cert.pem"), "utf8") };
      const frame = interleaved(0, rtp(1, 0, true, [0x65, 1, 2, 3]));
      const server = await scriptedServer(playingHandler((socket) => socket.write(frame)), tls);
      const { sink, frames } = collectingSink();
      const session = await openRtspSession(`rtsps://127.0.0.1:${server.port}/x`, sink, { ca: tls.cert });
      await expect.poll(() => frames.length, { timeout: 5000 }).toBe(1);
      expect(frames[0]).toEqual([0, 0, 0, 1, 0x65, 1, 2, 3]);
      await session.close();
      const refused = await openRtspSession(`rtsps://127.0.0.1:${server.port}/x`, collectingSink().sink).catch((e: Error) => e);
      expect(refused).toBeInstanceOf(RtspConnectionLostError);
      expect((refused as Error).message).toMatch(/self[- ]signed/i);
    } finally {
      dir.cleanup();
    }
  });

  it("a sink that throws ends the session with its error (not a crash)", async () => {
    const frame = interleaved(0, rtp(1, 0, true, [0x65, 1, 2, 3]));
    const server = await scriptedServer(playingHandler((socket) => socket.write(frame)));
    const boom = new Error("recorder closed");
    const session = await openRtspSession(`rtsp://127.0.0.1:${server.port}/x`, {
      videoTarget: new Uint8Array(1024),
      video: () => {
        throw boom;
      },
      audio() {},
      videoLost() {},
    });
    expect(await session.ended).toBe(boom);
  });

  it("once playing (read in batches): the server's own request is answered, frames keep coming, its closing the connection ends the session", async () => {
    const frame = (seq: number) => interleaved(0, rtp(seq, seq * 3600, true, [0x65, seq]));
    let camera: Socket | undefined;
    // (the client's answer reaches the scripted server as a "request" whose method is RTSP/1.0: not answered)
    const server = await scriptedServer(playingHandler((socket) => ((camera = socket), socket.write(frame(1))), (method) => (method.startsWith("RTSP/") ? "" : undefined)));
    const { sink, frames } = collectingSink();
    const session = await openRtspSession(`rtsp://127.0.0.1:${server.port}/x`, sink);
    await expect.poll(() => frames.length, { timeout: 5000 }).toBe(1); // every stream anchored: batched reads from here
    expect(session.stats().readsInBatches).toBe(true);
    camera!.write(`GET_PARAMETER rtsp://127.0.0.1:${server.port}/x RTSP/1.0\r\nCSeq: 7\r\n\r\n`);
    camera!.write(frame(2));
    await expect.poll(() => server.requests.filter((r) => r.startsWith("RTSP/1.0 200")).length, { timeout: 5000 }).toBe(1);
    await expect.poll(() => frames.length, { timeout: 5000 }).toBe(2);
    expect(frames[1]).toEqual([0, 0, 0, 1, 0x65, 2]);
    camera!.end();
    expect(await session.ended).toBeInstanceOf(RtspConnectionLostError);
  });

  it("a packet missing over TCP (the server dropped it: its backlog overflowed) ends the batched reads; frames keep coming", async () => {
    const frame = (seq: number) => interleaved(0, rtp(seq, seq * 3600, true, [0x65, seq]));
    let camera: Socket | undefined;
    const server = await scriptedServer(playingHandler((socket) => ((camera = socket), socket.write(frame(1)))));
    const { sink, frames } = collectingSink();
    const session = await openRtspSession(`rtsp://127.0.0.1:${server.port}/x`, sink);
    await expect.poll(() => frames.length, { timeout: 5000 }).toBe(1);
    camera!.write(frame(2));
    await expect.poll(() => frames.length, { timeout: 5000 }).toBe(2);
    expect(session.stats()).toMatchObject({ readsInBatches: true, rtpLost: 0 });
    camera!.write(frame(4)); // (3 never sent)
    camera!.write(frame(5));
    await expect.poll(() => session.stats().rtpLost, { timeout: 5000 }).toBe(1);
    expect(session.stats().readsInBatches).toBe(false);
    await expect.poll(() => frames.at(-1), { timeout: 5000 }).toEqual([0, 0, 0, 1, 0x65, 5]);
    await session.close();
  });

  it("close() does not wait long for a TEARDOWN that is never answered", async () => {
    const server = await scriptedServer(playingHandler(() => {}, (method) => (method === "TEARDOWN" ? "" : undefined)));
    const session = await openRtspSession(`rtsp://127.0.0.1:${server.port}/x`, collectingSink().sink, { timeoutMs: 120_000 });
    await session.close();
    expect(await session.ended).toBeUndefined();
    expect(server.requests.at(-1)).toMatch(/^TEARDOWN/);
  }, 20_000);

  it("UDP: packets come from the server or the source its Transport names, never from a stranger", async () => {
    const source = createUdpSocket("udp4");
    const stranger = createUdpSocket("udp4");
    await new Promise<void>((resolve) => source.bind(0, "127.0.0.2", resolve));
    await new Promise<void>((resolve) => stranger.bind(0, "127.0.0.3", resolve));
    const rtcpListener = createUdpSocket("udp4");
    const reports: Buffer[] = [];
    rtcpListener.on("message", (m) => reports.push(m));
    await new Promise<void>((resolve) => rtcpListener.bind(0, "127.0.0.1", resolve));
    let clientPort = 0;
    const server = await scriptedServer(
      playingHandler(
        () => {
          stranger.send(rtp(1, 0, true, [0x65, 0xee]), clientPort, "127.0.0.1");
          setTimeout(() => source.send(rtp(2, 3600, true, [0x41, 0x11]), clientPort, "127.0.0.1"), 50);
        },
        (method, _uri, headers) => {
          if (method !== "SETUP") return undefined;
          clientPort = Number(/client_port=(\d+)/.exec(headers.transport)![1]);
          const ports = `client_port=${clientPort}-${clientPort + 1};server_port=${rtcpListener.address().port - 1}-${rtcpListener.address().port}`;
          return ok(`Transport: RTP/AVP;unicast;${ports};source=127.0.0.2\r\nSession: abc123\r\n`);
        },
      ),
    );
    try {
      const { sink, frames } = collectingSink();
      const session = await openRtspSession(`rtsp://127.0.0.1:${server.port}/x`, sink, { transport: "udp" });
      await expect.poll(() => frames.length, { timeout: 5000 }).toBe(1);
      expect(frames[0]).toEqual([0, 0, 0, 1, 0x41, 0x11]);
      // Receiver reports go back to the server's RTCP port: an RR (201) then our CNAME (SDES, 202).
      await expect.poll(() => reports.length, { timeout: 5000 }).toBeGreaterThan(0);
      expect([reports[0][1], reports[0][(reports[0].readUInt16BE(2) + 1) * 4 + 1]]).toEqual([201, 202]);
      await session.close();
    } finally {
      source.close();
      stranger.close();
      rtcpListener.close();
    }
  });

  it("IPv6: rtsp://[::1]:port/ over TCP and UDP (sockets bound to the connection's own address)", async () => {
    let clientPort = 0;
    const sender = createUdpSocket("udp6");
    await new Promise<void>((resolve) => sender.bind(0, "::1", resolve));
    const tcpFrame = interleaved(0, rtp(1, 0, true, [0x65, 6]));
    let transport = "tcp";
    const server = await scriptedServer(
      playingHandler(
        (socket) => (transport === "tcp" ? socket.write(tcpFrame) : sender.send(rtp(1, 0, true, [0x65, 6]), clientPort, "::1")),
        (method, _uri, headers) => {
          if (method !== "SETUP" || transport === "tcp") return undefined;
          clientPort = Number(/client_port=(\d+)/.exec(headers.transport)![1]);
          return ok(`Transport: RTP/AVP;unicast;client_port=${clientPort}-${clientPort + 1};server_port=${sender.address().port}-${sender.address().port + 1}\r\nSession: s6\r\n`);
        },
      ),
      undefined,
      "::1",
    );
    try {
      for (const mode of ["tcp", "udp"] as const) {
        transport = mode;
        const { sink, frames } = collectingSink();
        const session = await openRtspSession(`rtsp://[::1]:${server.port}/v6`, sink, { transport: mode });
        await expect.poll(() => frames.length, { timeout: 5000 }).toBe(1);
        expect(frames[0]).toEqual([0, 0, 0, 1, 0x65, 6]);
        await session.close();
      }
      expect(server.requests[0]).toBe(`OPTIONS rtsp://[::1]:${server.port}/v6`);
    } finally {
      sender.close();
    }
  });
});
