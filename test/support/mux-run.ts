// Runs `./bin/ipc-hls mux` on a fixture and collects what it wrote: the playlist and its segments in playlist order.
import { execFile } from "node:child_process";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { Parser } from "m3u8-parser";
import { repoRoot } from "./media-tools.js";

const run = promisify(execFile);

export interface MuxResult {
  outDir: string;
  exitCode: number;
  stderr: string;
  playlistText: string;
  playlist: ParsedPlaylist;
  /** Segment files in playlist order. */
  segments: { uri: string; path: string; bytes: Uint8Array; extinf: number }[];
  /** Every .ts file the command wrote, sorted by name. */
  tsFiles: string[];
  /** All segments back to back (a valid single TS: continuity counters run on across segments). */
  concatenatedPath: string;
}

export interface ParsedPlaylist {
  targetDuration?: number;
  endList?: boolean;
  independentSegments?: boolean;
  mediaSequence?: number;
  segments: { uri: string; duration: number; discontinuity?: boolean }[];
}

export function parsePlaylist(text: string): ParsedPlaylist {
  const parser = new Parser();
  parser.push(text);
  parser.end();
  return parser.manifest as unknown as ParsedPlaylist;
}

/** ipc-hls mux <input> --fps <fps> --out <outDir> [extra...]; never throws on a non-zero exit (the test checks). */
export async function ipcHlsMux(input: string, fps: string, outDir: string, extra: string[] = []): Promise<MuxResult> {
  let exitCode = 0;
  let stderr = "";
  try {
    ({ stderr } = await run(process.execPath, [join(repoRoot, "bin/ipc-hls"), "mux", input, "--fps", fps, "--out", outDir, ...extra], {
      maxBuffer: 64 * 1024 * 1024,
    }));
  } catch (err) {
    const e = err as { code?: number; stderr?: string };
    exitCode = typeof e.code === "number" ? e.code : 1;
    stderr = e.stderr ?? String(err);
  }
  return collectOutput(outDir, exitCode, stderr);
}

/** Reads the playlist and segments a mux run left in outDir. */
export function collectOutput(outDir: string, exitCode = 0, stderr = ""): MuxResult {
  let playlistText = "";
  try {
    playlistText = readFileSync(join(outDir, "index.m3u8"), "utf8");
  } catch {
    // left empty: the tests report the missing playlist
  }
  const playlist = parsePlaylist(playlistText);
  const segments = (playlist.segments ?? []).map((s) => {
    const path = join(outDir, s.uri);
    return { uri: s.uri, path, bytes: new Uint8Array(readFileSync(path)), extinf: s.duration };
  });
  const tsFiles = readdirSync(outDir).filter((f) => f.endsWith(".ts")).sort();
  const concatenatedPath = join(outDir, "..", `${outDir.split("/").pop()}-all.ts`);
  const all = new Uint8Array(segments.reduce((n, s) => n + s.bytes.length, 0));
  segments.reduce((at, s) => (all.set(s.bytes, at), at + s.bytes.length), 0);
  writeFileSync(concatenatedPath, all);
  return { outDir, exitCode, stderr, playlistText, playlist, segments, tsFiles, concatenatedPath };
}
