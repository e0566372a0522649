// An RTSP session: OPTIONS → DESCRIBE → SETUP (video, then AAC audio) → PLAY, then RTP into the depacketizers
// until the stream ends, the connection is lost, or close() sends TEARDOWN.
//
// Video access units are assembled in the sink's buffer; an audio frame that completes meanwhile is held
// (held-audio.ts) and handed over right after that unit, since the sink takes audio through the same buffer.
// Keep-alive (GET_PARAMETER, or OPTIONS) runs at half the session timeout; silence for timeoutMs while playing
// ends the session with a timeout. Over TCP the connection is read in batches once playing (connection.ts
// READ_BATCH_MS), from the PLAY answer on when it carries RTP-Info, else once every stream is anchored: a stream
// anchored at its first packet's arrival must see that packet when it arrives, not when the batch is read; a
// packet missing over TCP (the server dropped it) ends the batches for the rest of the session.
import { randomInt } from "node:crypto";
import { AacDepacketizer } from "./aac-depacketizer.js";
import { RtspClient, isRedirect, statusError } from "./client.js";
import { abortError, header, RtspConnection, type RtspResponse } from "./connection.js";
import { RtspConnectionLostError, RtspProtocolError, RtspTimeoutError, RtspTransportError } from "./errors.js";
import { H264Depacketizer } from "./h264-depacketizer.js";
import { H265Depacketizer } from "./h265-depacketizer.js";
import { HeldAudio } from "./held-audio.js";
import type { FrameSink, RtspOptions, RtspSession, RtspStats, StreamDescription } from "./index.js";
import { parseRtcp, receiverReport } from "./rtcp.js";
import { newRtpPacket, parseRtp, SequenceTracker } from "./rtp.js";
import { parseSdp } from "./sdp.js";
import { SessionTimeline, type StreamTiming } from "./timing.js";
import { chooseTracks, type ChosenTracks } from "./tracks.js";
import { bindUdpPair, type UdpPair } from "./udp.js";
import type { VideoDepacketizer, VideoOutput } from "./video-depacketizer.js";
import { maskUserinfo } from "../mask-url.js";
import { parseRtspUrl, type RtspUrl } from "./url.js";

const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_REDIRECTS = 5;
/** RFC 2326 12.37: the session timeout when the server names none. */
const DEFAULT_SESSION_TIMEOUT_S = 60;
/** Receiver reports over UDP (RFC 3550 suggests 5 s as the minimum interval). */
const RECEIVER_REPORT_MS = 5000;
/** close() waits this long at most for the TEARDOWN's answer. */
const TEARDOWN_WAIT_MS = 2000;

export async function openRtspSession(url: string, sink: FrameSink, options: RtspOptions = {}): Promise<RtspSession> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let target = parseRtspUrl(url);
  let label = maskUserinfo(url);
  for (let redirects = 0; ; redirects++) {
    if (options.signal?.aborted) throw abortError(options.signal);
    const connection = await RtspConnection.open(target, { timeoutMs, ca: options.ca, signal: options.signal, label });
    const client = new RtspClient(connection, target, label);
    const aborted = () => connection.fail(abortError(options.signal!));
    options.signal?.addEventListener("abort", aborted, { once: true });
    try {
      const methods = await client.send("OPTIONS", target.href);
      const described = isRedirect(methods) ? methods : await client.send("DESCRIBE", target.href, { Accept: "application/sdp" });
      if (isRedirect(described)) {
        if (redirects >= MAX_REDIRECTS) throw new RtspProtocolError(`${label}: more than ${MAX_REDIRECTS} redirects`);
        options.signal?.removeEventListener("abort", aborted);
        connection.close();
        target = redirectTarget(target, header(described, "location")!);
        label = maskUserinfo(target.href);
        continue;
      }
      if (described.status < 200 || described.status >= 300) throw statusError(label, "DESCRIBE", described);
      const base = header(described, "content-base") ?? header(described, "content-location") ?? target.href;
      const tracks = chooseTracks(parseSdp(described.body), base, label);
      await options.described?.(tracks.description); // (e.g. a recorder made ready for the codec: before any frame)
      const keepAliveMethod = /\bGET_PARAMETER\b/.test(header(methods, "public") ?? "") ? "GET_PARAMETER" : "OPTIONS";
      const session = new PlayingSession(client, tracks, sink, options.transport ?? "tcp", timeoutMs, keepAliveMethod);
      try {
        await session.start();
      } catch (err) {
        session.shutDown(err as Error);
        throw err;
      }
      options.signal?.removeEventListener("abort", aborted);
      session.watch(options.signal);
      return session;
    } catch (err) {
      options.signal?.removeEventListener("abort", aborted);
      connection.fail(err as Error);
      throw options.signal?.aborted ? abortError(options.signal) : err;
    }
  }
}

/** The new URL of a redirect: credentials go along only to the same host (another port of it is fine). */
function redirectTarget(from: RtspUrl, location: string): RtspUrl {
  let absolute: string;
  try {
    absolute = new URL(location, from.href).href;
  } catch {
    throw new RtspProtocolError(`${maskUserinfo(from.href)}: redirected to an invalid URL ${maskUserinfo(location)}`);
  }
  const next = parseRtspUrl(absolute);
  if (next.username === undefined && next.host === from.host) {
    return { ...next, username: from.username, password: from.password };
  }
  return next;
}

interface Track {
  kind: "video" | "audio";
  control: string;
  payloadType: number;
  timing: StreamTiming;
  sequence: SequenceTracker;
  push(payload: Uint8Array, timestamp: number, marker: boolean, lossBefore: boolean): void;
  udp?: UdpPair;
  /** Over UDP: where the server takes RTCP, and what our last receiver report counted. */
  rtcpTo?: { address: string; port: number };
  reported?: { highest: number; received: number };
  /** The sender's SSRC, from its packets. */
  ssrc?: number;
  /** When its latest sender report arrived (performance.now()). */
  reportAt?: number;
}

class PlayingSession implements RtspSession {
  readonly description: StreamDescription;
  readonly ended: Promise<Error | undefined>;
  private resolveEnded!: (reason: Error | undefined) => void;
  private isEnded = false;
  private readonly connection: RtspConnection;
  private readonly timeline = new SessionTimeline(false);
  private readonly ssrc = randomInt(2 ** 32);
  private readonly tracks: Track[] = [];
  private readonly byChannel = new Map<number, { track: Track; rtcp: boolean }>();
  private readonly video: VideoDepacketizer;
  private readonly packet = newRtpPacket();
  private readonly counts = { rtpPackets: 0, videoFrames: 0, audioFrames: 0, framesLost: 0, audioLost: 0, bytes: 0 };
  private readonly held = new HeldAudio();
  private readonly deliverAudio = (adts: Uint8Array, ptsUs: number) => this.sink.audio(adts, ptsUs);
  private lastAudioPts = -Infinity;
  private lastMediaAt = performance.now();
  private timers: NodeJS.Timeout[] = [];
  /** Over TCP, until the connection reads in batches (each packet then checks whether it may). */
  private awaitingBatches: boolean;
  /** The aggregate control URL (PLAY, TEARDOWN, keep-alive). */
  private readonly playUrl: string;

  constructor(
    private readonly client: RtspClient,
    chosen: ChosenTracks,
    private readonly sink: FrameSink,
    private readonly transport: "tcp" | "udp",
    private readonly timeoutMs: number,
    private readonly keepAliveMethod: string,
  ) {
    this.connection = client.connection;
    this.description = chosen.description;
    this.playUrl = chosen.playUrl;
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
    this.awaitingBatches = transport === "tcp";
    const v = chosen.video;
    const output: VideoOutput = {
      target: () => sink.videoTarget,
      frame: (length, rtp) => {
        this.counts.videoFrames++;
        sink.video(length, this.tracks[0].timing.ptsUs(rtp));
      },
      lost: (reason) => {
        this.counts.framesLost++;
        sink.videoLost(reason);
      },
    };
    this.video = v.codec === "H265" ? new H265Depacketizer(output, v.parameterSets) : new H264Depacketizer(output, v.parameterSets);
    this.tracks.push({
      kind: "video",
      control: v.control,
      payloadType: v.payloadType,
      timing: this.timeline.addStream(v.clockRate, undefined, true),
      sequence: new SequenceTracker(),
      push: (payload, timestamp, marker, lossBefore) => {
        this.video.push(payload, timestamp, marker, lossBefore);
        if (!this.video.assembling && !this.held.isEmpty) this.counts.audioFrames += this.held.release(this.deliverAudio);
      },
    });
    const a = chosen.audio;
    if (a) {
      const timing = this.timeline.addStream(a.clockRate, undefined, false);
      const aac = new AacDepacketizer(a.format, { frame: (adts, rtp) => this.audioFrame(adts, timing.ptsUs(rtp)) });
      this.tracks.push({
        kind: "audio",
        control: a.control,
        payloadType: a.payloadType,
        timing,
        sequence: new SequenceTracker(),
        push: (payload, timestamp, marker, lossBefore) => aac.push(payload, timestamp, marker, lossBefore),
      });
    }
  }

  /** SETUP each track, then PLAY. */
  async start(): Promise<void> {
    this.connection.onInterleaved = (channel, data) => {
      const route = this.byChannel.get(channel);
      if (route) this.receive(route.track, route.rtcp, data);
    };
    let sessionTimeoutS = DEFAULT_SESSION_TIMEOUT_S;
    for (const [index, track] of this.tracks.entries()) {
      let transport: string;
      if (this.transport === "tcp") {
        transport = `RTP/AVP/TCP;unicast;interleaved=${2 * index}-${2 * index + 1}`;
      } else {
        track.udp = await bindUdpPair(this.connection.localAddress);
        transport = `RTP/AVP;unicast;client_port=${track.udp.rtpPort}-${track.udp.rtpPort + 1}`;
      }
      const response = await this.client.expectOk("SETUP", track.control, { Transport: transport });
      const answer = header(response, "transport") ?? "";
      this.route(track, answer);
      const session = header(response, "session");
      if (!session) throw new RtspProtocolError(`${this.client.label}: SETUP answered without a Session header`);
      const [id, ...params] = session.split(";");
      this.client.sessionId ??= id.trim();
      const timeout = params.map((p) => /^\s*timeout\s*=\s*(\d+)/i.exec(p)).find(Boolean);
      if (timeout) sessionTimeoutS = Number(timeout[1]);
    }
    // RTP-Info anchors every stream at the same instant; it must be known before the first packet is handled,
    // which may follow the PLAY answer in the same chunk: hence the hook, run as soon as the answer is parsed.
    await this.client.expectOk("PLAY", this.playUrl, { Range: "npt=0.000-" }, (response) => this.applyRtpInfo(response));
    if (this.transport === "udp") {
      this.sendReceiverReports(); // at once too: it opens the way back through a NAT
      this.timers.push(setInterval(() => this.sendReceiverReports(), RECEIVER_REPORT_MS));
    }
    const keepAliveMs = Math.max(1000, (sessionTimeoutS * 1000) / 2);
    this.timers.push(setInterval(() => this.keepAlive(), keepAliveMs));
    this.lastMediaAt = performance.now();
    this.timers.push(setInterval(() => this.checkSilence(), Math.max(250, this.timeoutMs / 4)));
    this.readInBatchesOnceAnchored();
    void this.connection.closed.then((reason) => this.shutDown(reason ?? new RtspConnectionLostError(`${this.client.label}: connection closed`)));
  }

  /** Ends the session when the caller's signal aborts. */
  watch(signal: AbortSignal | undefined): void {
    if (!signal) return;
    const aborted = () => this.shutDown(abortError(signal));
    if (signal.aborted) aborted();
    else {
      signal.addEventListener("abort", aborted, { once: true });
      void this.ended.then(() => signal.removeEventListener("abort", aborted));
    }
  }

  stats(): RtspStats {
    let rtpLost = 0;
    for (const track of this.tracks) rtpLost += track.sequence.lost;
    return { ...this.counts, rtpLost, readsInBatches: this.connection.readsInBatches };
  }

  wallClockMs(ptsUs: number): number | undefined {
    return this.timeline.wallClockMs(ptsUs);
  }

  async close(): Promise<void> {
    if (this.isEnded) return;
    // A polite TEARDOWN, but a camera that does not answer it does not hold us up for long.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.client.send("TEARDOWN", this.playUrl).catch(() => {}),
      new Promise((resolve) => (timer = setTimeout(resolve, TEARDOWN_WAIT_MS))),
    ]);
    clearTimeout(timer);
    this.shutDown(undefined);
  }

  /** Stops everything; `ended` resolves with the reason (undefined: closed by us). */
  shutDown(reason: Error | undefined): void {
    if (this.isEnded) return;
    this.isEnded = true;
    for (const timer of this.timers) clearInterval(timer);
    for (const track of this.tracks) {
      track.udp?.rtp.close();
      track.udp?.rtcp.close();
    }
    this.video.abandon();
    this.held.clear();
    this.connection.close();
    this.resolveEnded(reason);
  }

  // ---- Media ----

  /** Where the track's packets arrive, from the server's Transport answer. */
  private route(track: Track, answer: string): void {
    if (this.transport === "tcp") {
      const channels = /interleaved=(\d+)(?:-(\d+))?/i.exec(answer);
      if (!channels) {
        throw new RtspTransportError(`${this.client.label}: asked for RTP over TCP, the server answered "${answer}"`);
      }
      const rtp = Number(channels[1]);
      this.byChannel.set(rtp, { track, rtcp: false });
      this.byChannel.set(channels[2] !== undefined ? Number(channels[2]) : rtp + 1, { track, rtcp: true });
      return;
    }
    if (/interleaved=/i.test(answer) || /\/TCP/i.test(answer)) {
      throw new RtspTransportError(`${this.client.label}: asked for RTP over UDP, the server answered "${answer}"`);
    }
    // Packets are taken from the server only (or the source it names), not from anyone who finds the port.
    const plain = (address: string) => address.replace(/^::ffff:/, "");
    const senders = new Set([plain(this.connection.remoteAddress)]);
    const source = /;\s*source=([^;\s]+)/i.exec(answer)?.[1];
    if (source) senders.add(plain(source));
    const udp = track.udp!;
    const serverPorts = /server_port=(\d+)(?:-(\d+))?/i.exec(answer);
    if (serverPorts) {
      const rtcpPort = serverPorts[2] !== undefined ? Number(serverPorts[2]) : Number(serverPorts[1]) + 1;
      track.rtcpTo = { address: plain(this.connection.remoteAddress), port: rtcpPort };
    }
    for (const [socket, rtcp] of [[udp.rtp, false], [udp.rtcp, true]] as const) {
      socket.on("message", (data, from) => {
        if (senders.has(plain(from.address))) this.receive(track, rtcp, data);
      });
      socket.on("error", (err) => this.shutDown(new RtspConnectionLostError(`${this.client.label}: UDP socket: ${err.message}`)));
    }
  }

  private receive(track: Track, rtcp: boolean, data: Uint8Array): void {
    if (this.isEnded) return;
    try {
      this.handle(track, rtcp, data);
    } catch (err) {
      // The sink threw (e.g. its recorder was closed): the session cannot go on.
      this.shutDown(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private handle(track: Track, rtcp: boolean, data: Uint8Array): void {
    if (rtcp) {
      this.control(track, data);
      return;
    }
    this.counts.rtpPackets++;
    this.counts.bytes += data.length;
    const p = this.packet;
    if (!parseRtp(data, p) || p.payloadType !== track.payloadType) return;
    const verdict = track.sequence.next(p.sequence);
    if (verdict === "old") return;
    track.ssrc = p.ssrc;
    this.lastMediaAt = performance.now();
    track.push(p.payload, p.timestamp, p.marker, verdict === "gap");
    if (this.awaitingBatches) this.readInBatchesOnceAnchored();
    // TCP loses nothing, so a packet missing here was dropped by the server, most likely because its send backlog
    // overflowed while we waited to read the next batch (seen with 128 cameras on one GStreamer server): from now
    // on this session reads at every arrival, at the CPU cost batching saved.
    else if (verdict === "gap") this.connection.readAtEveryArrival(); // (does nothing when not batching)
  }

  /** Over TCP: batched reads from when no stream's anchor depends on a packet's arrival time any more. */
  private readInBatchesOnceAnchored(): void {
    if (!this.awaitingBatches || !(this.timeline.useRtpInfo || this.tracks.every((t) => t.timing.isAnchored))) return;
    this.awaitingBatches = false;
    this.connection.readInBatches();
  }

  private control(track: Track, data: Uint8Array): void {
    const contents = parseRtcp(data);
    for (const report of contents.senderReports) {
      this.timeline.senderReport(track.timing, report);
      track.reportAt = performance.now();
    }
    if (contents.bye.length > 0 && track.kind === "video") {
      this.shutDown(new RtspConnectionLostError(`${this.client.label}: the server ended the stream (RTCP BYE)`));
    }
  }

  private audioFrame(adts: Uint8Array, ptsUs: number): void {
    // Behind the timeline (after a re-alignment from sender reports moved audio back): drop, keep it monotonic.
    if (ptsUs <= this.lastAudioPts) {
      this.counts.audioLost++;
      return;
    }
    this.lastAudioPts = ptsUs;
    if (!this.video.assembling) {
      this.counts.audioFrames++;
      this.sink.audio(adts, ptsUs);
      return;
    }
    if (!this.held.hold(adts, ptsUs)) this.counts.audioLost++;
  }

  private applyRtpInfo(response: RtspResponse): void {
    const info = header(response, "rtp-info");
    if (!info || this.tracks.some((t) => t.timing.isAnchored)) return;
    const times = new Map<Track, number>();
    for (const entry of info.split(",")) {
      const url = /url=([^;]+)/i.exec(entry)?.[1]?.trim();
      if (!url) continue;
      // Servers write the control URL absolute or relative: match on its end.
      const track = this.tracks.find((t) => t.control === url || t.control.endsWith(`/${url.replace(/^.*\//, "")}`));
      if (!track) continue;
      const seq = /seq=(\d+)/i.exec(entry)?.[1];
      if (seq !== undefined) track.sequence.expectFirst(Number(seq) & 0xffff);
      const rtptime = /rtptime=(\d+)/i.exec(entry)?.[1];
      if (rtptime !== undefined) times.set(track, Number(rtptime) >>> 0);
    }
    if (times.size !== this.tracks.length) return;
    for (const [track, time] of times) track.timing.rtpInfoTime = time;
    this.timeline.useRtpInfo = true;
  }

  private sendReceiverReports(): void {
    for (const track of this.tracks) {
      if (!track.udp || !track.rtcpTo) continue;
      const sequence = track.sequence;
      let block;
      if (track.ssrc !== undefined && sequence.highest >= 0) {
        const before = track.reported ?? { highest: sequence.highest - sequence.received - sequence.lost, received: 0 };
        const expected = sequence.highest - before.highest;
        const lost = expected - (sequence.received - before.received);
        track.reported = { highest: sequence.highest, received: sequence.received };
        const report = track.timing.lastReport;
        block = {
          ssrc: track.ssrc,
          fractionLost: expected > 0 && lost > 0 ? lost / expected : 0,
          cumulativeLost: sequence.lost,
          highest: sequence.highest,
          lastReport: report && track.reportAt !== undefined ? { ntpMs: report.ntpMs, ageMs: performance.now() - track.reportAt } : undefined,
        };
      }
      // A report that cannot be sent is no reason to stop (the callback keeps the error off the socket's events).
      track.udp.rtcp.send(receiverReport(this.ssrc, "ipc-hls", block), track.rtcpTo.port, track.rtcpTo.address, () => {});
    }
  }

  private keepAlive(): void {
    this.client.send(this.keepAliveMethod, this.playUrl).catch(() => {
      // A failed keep-alive fails the connection (its deadline), which ends the session with the reason.
    });
  }

  private checkSilence(): void {
    if (performance.now() - this.lastMediaAt > this.timeoutMs) {
      this.shutDown(new RtspTimeoutError(`${this.client.label}: no media for ${this.timeoutMs} ms`));
    }
  }
}
