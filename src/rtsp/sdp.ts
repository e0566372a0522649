// The parts of an SDP (RFC 4566) an RTSP client needs: each media's payload types, rtpmap, fmtp and control URL.
// (sdp-transform would parse more of it, but leaves fmtp as a string and adds a dependency for these few lines.)
import { RtspProtocolError } from "./errors.js";

export interface RtpMap {
  /** Upper case, e.g. "H264", "MPEG4-GENERIC", "PCMA". */
  encoding: string;
  clockRate: number;
  channels?: number;
}

export interface SdpMedia {
  type: string;
  payloadTypes: number[];
  rtpmap: Map<number, RtpMap>;
  /** fmtp parameters per payload type, names in lower case. */
  fmtp: Map<number, Record<string, string>>;
  control?: string;
}

export interface SessionDescription {
  control?: string;
  media: SdpMedia[];
}

const MAX_SDP_BYTES = 64 * 1024;

export function parseSdp(text: string): SessionDescription {
  if (text.length > MAX_SDP_BYTES) throw new RtspProtocolError(`SDP larger than ${MAX_SDP_BYTES} bytes`);
  const session: SessionDescription = { media: [] };
  let media: SdpMedia | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.length < 2 || line[1] !== "=") continue;
    const value = line.slice(2);
    if (line[0] === "m") {
      const [type, , , ...formats] = value.split(/\s+/);
      media = { type, payloadTypes: formats.map(Number).filter(Number.isInteger), rtpmap: new Map(), fmtp: new Map() };
      session.media.push(media);
      continue;
    }
    if (line[0] !== "a") continue;
    const colon = value.indexOf(":");
    const name = (colon < 0 ? value : value.slice(0, colon)).toLowerCase();
    const attribute = colon < 0 ? "" : value.slice(colon + 1).trim();
    if (name === "control") {
      if (media) media.control = attribute;
      else session.control = attribute;
    } else if (media && name === "rtpmap") {
      const m = /^(\d+)\s+([^/\s]+)\/(\d+)(?:\/(\d+))?/.exec(attribute);
      if (m) media.rtpmap.set(Number(m[1]), { encoding: m[2].toUpperCase(), clockRate: Number(m[3]), channels: m[4] ? Number(m[4]) : undefined });
    } else if (media && name === "fmtp") {
      const m = /^(\d+)\s+(.*)$/.exec(attribute);
      if (m) media.fmtp.set(Number(m[1]), parseFmtp(m[2]));
    }
  }
  return session;
}

/** "a=1;b=x=y" → { a: "1", b: "x=y" } (base64 values keep their '=' padding). */
export function parseFmtp(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(";")) {
    const eq = part.indexOf("=");
    const key = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (key) out[key] = eq < 0 ? "" : part.slice(eq + 1).trim();
  }
  return out;
}

/** Static payload types an SDP may use without an rtpmap (RFC 3551). */
const STATIC_PAYLOADS: Record<number, RtpMap> = {
  0: { encoding: "PCMU", clockRate: 8000, channels: 1 },
  8: { encoding: "PCMA", clockRate: 8000, channels: 1 },
  14: { encoding: "MPA", clockRate: 90000 },
  26: { encoding: "JPEG", clockRate: 90000 },
  31: { encoding: "H261", clockRate: 90000 },
  32: { encoding: "MPV", clockRate: 90000 },
  34: { encoding: "H263", clockRate: 90000 },
};

export function rtpMapOf(media: SdpMedia, payloadType: number): RtpMap | undefined {
  return media.rtpmap.get(payloadType) ?? STATIC_PAYLOADS[payloadType];
}
