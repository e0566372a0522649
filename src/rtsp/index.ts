// RTSP input: an RTSP 1.0 client that hands H.264 or H.265 access units and AAC (as ADTS) to a FrameSink.
//
//   openRtspSession(url, sink)  OPTIONS → DESCRIBE (SDP) → SETUP per track → PLAY, over TCP (interleaved) or UDP
//        │  RTP packets (rtp.ts: header, sequence gaps)       RTCP sender reports (rtcp.ts: NTP ↔ RTP)
//        ▼
//   h264-depacketizer.ts (RFC 6184) or h265-depacketizer.ts (RFC 7798) over video-depacketizer.ts (what they share)
//        assembles each access unit in sink.videoTarget (the core's input area)
//   aac-depacketizer.ts  (RFC 3640) turns AUs into ADTS frames; held while a video AU is being assembled
//        │  timing.ts: RTP timestamps → µs on one timeline for audio and video
//        ▼
//   sink.video(length, ptsUs) / sink.audio(adts, ptsUs) / sink.videoLost(reason)
export { openRtspSession } from "./session.js";
export {
  RtspError,
  RtspAuthError,
  RtspNotFoundError,
  RtspTransportError,
  RtspTimeoutError,
  RtspConnectionLostError,
  RtspProtocolError,
  RtspUnsupportedError,
} from "./errors.js";

export interface FrameSink {
  /** Where video access units are assembled (the recorder's frameBuffer). Read at the start of each access unit. */
  readonly videoTarget: Uint8Array;
  /** A whole access unit (Annex B, 4-byte start codes) is in videoTarget[0, length). */
  video(length: number, ptsUs: number): void;
  /** One ADTS frame (7-byte header + raw AAC). The view is only valid during the call. */
  audio(adts: Uint8Array, ptsUs: number): void;
  /** A video frame was lost (packet loss, too large, unsupported packetization): counted; the core waits for an IDR. */
  videoLost(reason: VideoLostReason): void;
}

export type VideoLostReason = "packet-loss" | "too-large" | "unsupported";

export interface StreamDescription {
  video: { codec: "H264" | "H265"; profileLevelId?: string };
  audio?: { codec: "AAC"; sampleRate: number; channels: number };
  /** An audio track that was not set up, by codec, e.g. "PCMA/8000". */
  skippedAudio?: string;
}

export interface RtspOptions {
  /** RTP over the RTSP connection (default) or over UDP. */
  transport?: "tcp" | "udp";
  /** Deadline of every request, and the longest silence while playing, ms. Default 10 000. */
  timeoutMs?: number;
  /** Extra CA certificate(s) (PEM) for rtsps://. TLS is always verified. */
  ca?: string | Buffer;
  /** Called once the stream is described (its codecs known), before SETUP: the sink is not used before it settles. */
  described?: (description: StreamDescription) => void | Promise<void>;
  /** Aborts opening, or ends a session that is playing (ended resolves with the abort reason). */
  signal?: AbortSignal;
}

export interface RtspStats {
  rtpPackets: number;
  /** RTP packets missing from the sequence (both tracks). */
  rtpLost: number;
  videoFrames: number;
  audioFrames: number;
  /** Video frames lost (videoLost calls). */
  framesLost: number;
  /** Audio frames dropped: held too long, or behind the timeline after an RTCP re-alignment. */
  audioLost: number;
  /** RTP bytes received (payload and headers). */
  bytes: number;
  /**
   * Whether the connection is read once per READ_BATCH_MS (connection.ts): over plain TCP once playing and every
   * stream is anchored, until a packet goes missing.
   */
  readsInBatches: boolean;
}

export interface RtspSession {
  readonly description: StreamDescription;
  /** Resolves when the stream ends or the connection is lost (with the reason), never rejects; undefined after close(). */
  readonly ended: Promise<Error | undefined>;
  stats(): RtspStats;
  /** The camera's wall clock (ms since the epoch) at a presentation time, once it sent an RTCP sender report. */
  wallClockMs(ptsUs: number): number | undefined;
  /** TEARDOWN and close sockets. */
  close(): Promise<void>;
}
