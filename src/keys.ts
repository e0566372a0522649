// The object key layout shared by the uploader, the local store and the playlist builder.
//
//   <prefix>/YYYY/MM/DD/HH/MM-SS.mmm_<durationMs>ms[_i<keyframeBytes>]_<session>-<seq>.ts
//
// - UTC wall-clock start of the segment, to the millisecond; keys sort in time order within an hour folder,
//   and the folders sort too, so a playlist for any range lists only the hour prefixes it touches.
// - The duration in the key lets a playlist be built from a listing alone (no GET, no HEAD).
// - <session> is 8 hex digits drawn at start and <seq> the segment's sequence number in that session, so two
//   segments never share a key, even after a reboot with a clock that went backwards.
// - i<keyframeBytes>: how many bytes from the segment's start hold its first picture (TS: PAT, PMT, IDR; fMP4: moof,
//   mdat header, samples to the end of the first video sample), so a thumbnail or an I-frame playlist needs a ranged
//   GET, not a HEAD or a whole segment. Keys without it still parse.
// - A change of session means the timestamps restarted: the playlist marks a discontinuity there.
//
// fMP4 segments end "_<codec>-v<version>.m4s" instead of ".ts" (e.g. "_avc1-v2.m4s"): the container (extension),
// the codec's sample entry and the version of the init segment they need, so a playlist names the init segment
// from the listing alone. The init segment of a session and version is the one object
//
//   <prefix>/init/<session>-<codec>-v<version>.mp4
//
// in a folder of the camera's own: a playlist for any range finds it by name, whatever hour it was first used in.

import { InvalidOptionError, printable } from "./options.js";

export interface SegmentKeyFields {
  prefix: string;
  startMs: number;
  durationMs: number;
  session: string;
  seq: number;
  /** Bytes of the segment's start that hold its first picture; absent in keys made before it was recorded. */
  keyframeBytes?: number;
  /** fMP4 only: the init segment it needs (its codec's sample entry, e.g. "avc1" or "hvc1", and version). */
  init?: InitRef;
}

/** Which init segment an fMP4 segment needs: with the prefix and session, it names the init object. */
export interface InitRef {
  /** The video sample entry ("avc1", "hvc1", "hev1"): the first part of the codec string. */
  codec: string;
  version: number;
}

/** A segment's container, told by its key. */
export type KeyContainer = "ts" | "fmp4";

const KEY_RE = /^(?:(.*)\/)?(\d{4})\/(\d{2})\/(\d{2})\/(\d{2})\/(\d{2})-(\d{2})\.(\d{3})_(\d+)ms(?:_i(\d+))?_([0-9a-f]{8})-(\d{6,})(?:\.ts|_([a-z0-9]{4})-v(\d+)\.m4s)$/;
const INIT_RE = /^(?:(.*)\/)?init\/([0-9a-f]{8})-([a-z0-9]{4})-v(\d+)\.mp4$/;
/** The folder (under the camera's prefix) of its init segments. */
export const INIT_FOLDER = "init";
/** A codec string's sample entry ("avc1.64001f,mp4a.40.2" → "avc1"). */
export const sampleEntryOf = (codecs: string) => codecs.split(/[.,]/)[0]!.toLowerCase();

const pad = (n: number, width: number) => String(n).padStart(width, "0");

/** Camera names (the last part of a camera's prefix) are one path segment of safe characters: no "/", no "..", no hidden names. */
export const CAMERA_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** The longest prefix: S3 keys hold 1024 bytes, and the rest of a segment's key needs about 60. */
const MAX_PREFIX_BYTES = 900;

/**
 * Normalises a prefix: no leading or trailing slash; "" is allowed (keys at the bucket root). A prefix no store
 * could take (an empty, "." or ".." part, a part starting with ".", a backslash, a control character, too long)
 * is an InvalidOptionError here rather than a failed upload for every segment later.
 */
export function normalizePrefix(prefix: string, option = "prefix"): string {
  printable(option, prefix, { allowEmpty: true });
  const normal = prefix.replace(/^\/+|\/+$/g, "");
  if (normal === "") return normal;
  if (new TextEncoder().encode(normal).length > MAX_PREFIX_BYTES) throw new InvalidOptionError(option, `must be at most ${MAX_PREFIX_BYTES} bytes`);
  if (normal.split("/").some((part) => part === "" || part.startsWith(".") || part.includes("\\"))) {
    throw new InvalidOptionError(option, `${JSON.stringify(prefix)}: its parts must not be empty, start with "." (as ".."), or hold a backslash`);
  }
  return normal;
}

/** "<prefix>/YYYY/MM/DD/HH/" for the hour containing `ms` (UTC). */
export function hourPrefix(prefix: string, ms: number): string {
  const d = new Date(ms);
  const p = prefix.replace(/^\/+|\/+$/g, ""); // (checked where it entered: normalizePrefix)
  const hour = `${pad(d.getUTCFullYear(), 4)}/${pad(d.getUTCMonth() + 1, 2)}/${pad(d.getUTCDate(), 2)}/${pad(d.getUTCHours(), 2)}/`;
  return p ? `${p}/${hour}` : hour;
}

export function segmentKey(f: SegmentKeyFields): string {
  const d = new Date(Math.floor(f.startMs));
  const name =
    `${pad(d.getUTCMinutes(), 2)}-${pad(d.getUTCSeconds(), 2)}.${pad(d.getUTCMilliseconds(), 3)}` +
    `_${Math.max(0, Math.round(f.durationMs))}ms` +
    (f.keyframeBytes ? `_i${Math.round(f.keyframeBytes)}` : "") +
    `_${f.session}-${pad(f.seq, 6)}` +
    (f.init ? `_${f.init.codec}-v${f.init.version}.m4s` : ".ts");
  return hourPrefix(f.prefix, f.startMs) + name;
}

/** The key of a session's init segment: "<prefix>/init/<session>-<codec>-v<version>.mp4". */
export function initKey(prefix: string, session: string, init: InitRef): string {
  const p = prefix.replace(/^\/+|\/+$/g, "");
  const name = `${INIT_FOLDER}/${session}-${init.codec}-v${init.version}.mp4`;
  return p ? `${p}/${name}` : name;
}

/** Parses a key made by initKey. */
export function parseInitKey(key: string): ({ prefix: string; session: string } & InitRef) | undefined {
  const m = INIT_RE.exec(key);
  return m ? { prefix: m[1] ?? "", session: m[2]!, codec: m[3]!, version: +m[4]! } : undefined;
}

/** The key of the init segment a parsed fMP4 segment key needs (undefined for TS). */
export function initKeyOf(fields: SegmentKeyFields): string | undefined {
  return fields.init && initKey(fields.prefix, fields.session, fields.init);
}

/** Parses a key made by segmentKey; returns undefined for anything else. */
export function parseSegmentKey(key: string): SegmentKeyFields | undefined {
  const m = KEY_RE.exec(key);
  if (!m) return undefined;
  const startMs = Date.UTC(+m[2], +m[3] - 1, +m[4], +m[5], +m[6], +m[7], +m[8]);
  if (Number.isNaN(startMs)) return undefined;
  const fields: SegmentKeyFields = { prefix: m[1] ?? "", startMs, durationMs: +m[9], session: m[11], seq: +m[12] };
  if (m[10] !== undefined) fields.keyframeBytes = +m[10];
  if (m[13] !== undefined) fields.init = { codec: m[13], version: +m[14]! };
  return fields;
}

/** A fresh random session id (8 hex digits). */
export function newSessionId(): string {
  const bytes = new Uint8Array(4);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
