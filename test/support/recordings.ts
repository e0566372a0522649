// Recordings for the playback tests, made by Debian's ffmpeg (H.264 + AAC in MPEG-TS, 2 s segments cut at
// keyframes) and stored under keys of our layout (src/keys.ts), as if a camera had recorded them.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { segmentKey, newSessionId } from "../../src/keys.js";
import type { ObjectStore } from "../../src/store/types.js";
import { tempDir } from "./media-tools.js";

const run = promisify(execFile);

export interface StoredSegment {
  key: string;
  startMs: number;
  durationMs: number;
  bytes: Uint8Array;
}

/** Encodes `seconds` of test pattern + tone and stores its segments under `prefix`, starting at `startMs`. */
export async function recordWithFfmpeg(
  store: ObjectStore,
  prefix: string,
  startMs: number,
  seconds: number,
  session = newSessionId(),
): Promise<StoredSegment[]> {
  const dir = tempDir("ipc-hls-rec-");
  try {
    await run("ffmpeg", [
      "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
      "-t", String(seconds), "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-g", "50", "-keyint_min", "50",
      "-sc_threshold", "0", "-c:a", "aac", "-b:a", "64k", "-ac", "1",
      // The hls muxer (unlike the segment muxer) keeps continuity counters and timestamps running across
      // segments, as one camera session does.
      "-f", "hls", "-hls_time", "2", "-hls_list_size", "0", "-hls_segment_filename", join(dir.path, "seg%03d.ts"),
      join(dir.path, "list.m3u8"),
    ]);
    const lines = (await readFile(join(dir.path, "list.m3u8"), "utf8")).split("\n");
    const segments: StoredSegment[] = [];
    let offsetMs = 0;
    for (const [i, line] of lines.entries()) {
      const extinf = /^#EXTINF:([\d.]+),/.exec(line);
      if (!extinf) continue;
      const durationMs = Math.round(Number(extinf[1]) * 1000);
      const key = segmentKey({ prefix, startMs: startMs + offsetMs, durationMs, session, seq: segments.length });
      const bytes = new Uint8Array(await readFile(join(dir.path, lines[i + 1].trim())));
      await store.put(key, [bytes], { contentType: "video/mp2t" });
      segments.push({ key, startMs: startMs + offsetMs, durationMs, bytes });
      offsetMs += durationMs;
    }
    return segments;
  } finally {
    dir.cleanup();
  }
}
