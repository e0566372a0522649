// The object key layout shared by the uploader, the local store and the playlist builder.
//
//   <prefix>/YYYY/MM/DD/HH/MM-SS.mmm_<durationMs>ms[_i<keyframeBytes>]_<session>-<seq>.ts
//
// - UTC wall-clock start of the segment, to the millisecond; keys sort in time order within an hour folder,
//   and the folders sort too, so a playlist for any range lists only the hour prefixes it touches.
// - The duration in the key lets a playlist be built from a listing alone (no GET, no HEAD).
// - <session> is 8 hex digits drawn at start and <seq> the segment's sequence number in that session, so two
//   segments never share a key, even after a reboot with a clock that went backwards.
// - i<keyframeBytes>: how many bytes from the segment's start hold its first picture (PAT, PMT, IDR), so a
//   thumbnail or an I-frame playlist needs a ranged GET, not a HEAD or a whole segment. Keys without it still parse.
// - A change of session means the timestamps restarted: the playlist marks a discontinuity there.

import { InvalidOptionError, printable } from "./options.js";

export interface SegmentKeyFields {
  prefix: string;
  startMs: number;
  durationMs: number;
  session: string;
  seq: number;
  /** Bytes of the segment's start that hold its first picture; absent in keys made before it was recorded. */
  keyframeBytes?: number;
}

const KEY_RE = /^(?:(.*)\/)?(\d{4})\/(\d{2})\/(\d{2})\/(\d{2})\/(\d{2})-(\d{2})\.(\d{3})_(\d+)ms(?:_i(\d+))?_([0-9a-f]{8})-(\d{6,})\.ts$/;

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
    `_${f.session}-${pad(f.seq, 6)}.ts`;
  return hourPrefix(f.prefix, f.startMs) + name;
}

/** Parses a key made by segmentKey; returns undefined for anything else. */
export function parseSegmentKey(key: string): SegmentKeyFields | undefined {
  const m = KEY_RE.exec(key);
  if (!m) return undefined;
  const startMs = Date.UTC(+m[2], +m[3] - 1, +m[4], +m[5], +m[6], +m[7], +m[8]);
  if (Number.isNaN(startMs)) return undefined;
  const fields: SegmentKeyFields = { prefix: m[1] ?? "", startMs, durationMs: +m[9], session: m[11], seq: +m[12] };
  if (m[10] !== undefined) fields.keyframeBytes = +m[10];
  return fields;
}

/** A fresh random session id (8 hex digits). */
export function newSessionId(): string {
  const bytes = new Uint8Array(4);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
