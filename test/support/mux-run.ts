// Runs `./bin/ipc-hls mux` on a fixture and collects what it wrote: the playlist and its segments in playlist order.
import { spawn } from "node:child_process";
import { createReadStream, existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Parser } from "m3u8-parser";
import { repoRoot } from "./media-tools.js";

export interface MuxResult {
  outDir: string;
  exitCode: number;
  stdout: string;
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

/**
 * ipc-hls mux <input> --fps <fps> --out <outDir> [extra...]; never throws on a non-zero exit (the test checks).
 * With stdinFrom, the input argument should be "-" and that file is piped to the command's standard input.
 */
export async function ipcHlsMux(input: string, fps: string, outDir: string, extra: string[] = [], stdinFrom?: string): Promise<MuxResult> {
  const { exitCode, stdout, stderr } = await runCli(["mux", input, "--fps", fps, "--out", outDir, ...extra], stdinFrom);
  return { ...collectOutput(outDir, exitCode, stderr), stdout };
}

/** Runs ./bin/ipc-hls with arguments; resolves with the exit code and both outputs. */
export function runCli(args: string[], stdinFrom?: string): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, "bin/ipc-hls"), ...args], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ exitCode: code ?? 1, stdout, stderr }));
    if (stdinFrom) createReadStream(stdinFrom).pipe(child.stdin);
    else child.stdin.end();
  });
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
  const tsFiles = !existsSync(outDir) ? [] : readdirSync(outDir).filter((f) => f.endsWith(".ts")).sort();
  const concatenatedPath = join(outDir, "..", `${outDir.split("/").pop()}-all.ts`);
  const all = new Uint8Array(segments.reduce((n, s) => n + s.bytes.length, 0));
  segments.reduce((at, s) => (all.set(s.bytes, at), at + s.bytes.length), 0);
  writeFileSync(concatenatedPath, all);
  return { outDir, exitCode, stdout: "", stderr, playlistText, playlist, segments, tsFiles, concatenatedPath };
}
