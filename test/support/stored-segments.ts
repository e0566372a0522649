// Segments as a store holds them (TS alone; fMP4 as .m4s beside an init object under <camera>/init/), turned into
// files ffmpeg can read: a segment alone (fMP4: joined to its init), or a recording's segments back to back.
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { initKeyOf, parseSegmentKey } from "../../src/keys.js";

export interface StoredSegments {
  /** Segment keys in time order (what parseSegmentKey accepts: .ts and .m4s). */
  keys: string[];
  read(key: string): Uint8Array;
}

/** The segments of a directory store (LocalStore), skipping hidden files (the spill directory's, partial writes). */
export function directorySegments(root: string): StoredSegments {
  const keys: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (name.startsWith(".")) continue;
      if (statSync(path).isDirectory()) walk(path);
      else if (parseSegmentKey(relative(root, path))) keys.push(relative(root, path));
    }
  };
  walk(root);
  return { keys: keys.sort(), read: (key) => new Uint8Array(readFileSync(join(root, key))) };
}

/** Segments fetched from a bucket: key → bytes. */
export function fetchedSegments(objects: Map<string, Uint8Array>): StoredSegments {
  const keys = [...objects.keys()].filter((k) => parseSegmentKey(k)).sort();
  return { keys, read: (key) => objects.get(key) ?? fail(`no object ${key}`) };
}

const fail = (message: string): never => {
  throw new Error(message);
};

/** The bytes of one segment as a player reads it: an fMP4 segment after its init object. */
export function playableBytes(stored: StoredSegments, key: string): Uint8Array {
  const init = initKeyOf(parseSegmentKey(key)!);
  return init ? Buffer.concat([stored.read(init), stored.read(key)]) : stored.read(key);
}

/** Writes each segment (fMP4: joined to its init) to its own file under dir; returns their paths in time order. */
export function playableFiles(stored: StoredSegments, dir: string): string[] {
  return stored.keys.map((key, i) => {
    const path = join(dir, `segment-${String(i).padStart(4, "0")}.${key.endsWith(".m4s") ? "mp4" : "ts"}`);
    writeFileSync(path, playableBytes(stored, key));
    return path;
  });
}

/**
 * All segments back to back in one file: TS concatenated; fMP4 as one init followed by every segment (all must
 * need the same init, as within one session whose parameter sets never changed).
 */
export function joinedRecording(stored: StoredSegments, path: string): string {
  const inits = new Set(stored.keys.map((k) => initKeyOf(parseSegmentKey(k)!)));
  if (inits.size !== 1) throw new Error(`one container and one init expected, got ${[...inits].join(", ")}`);
  const [init] = inits;
  writeFileSync(path, Buffer.concat([...(init ? [stored.read(init)] : []), ...stored.keys.map((k) => stored.read(k))]));
  return path;
}
