// index.m3u8 for the WASI build, the same text as src/vod-playlist.ts formatVodPlaylist(). Its header needs the
// longest segment, known only at the end, so the segment lines go to a side file as segments are written and
// are copied behind the header at the end: memory stays the same however many segments there are.
import { createFile, rewind, readFull, writeAll, close, removeFile, ERRNO_SUCCESS } from "./wasi-sys";
import { textTo, textEnd, text, bytes, decimal, fixed } from "./wasi-text";

const LINES_NAME = "index.m3u8.lines";
const FINAL_NAME = "index.m3u8";
const NAME: usize = memory.data(32);
const COPY_BYTES: u32 = 4096;
const COPY: usize = memory.data(COPY_BYTES);

let directory: u32 = 0;
let linesFd: i32 = -1;
let longestRounded: i64 = 1;
let anyMap = false;

/** A literal file name as bytes in NAME; returns its length. */
function fileName(s: string): u32 {
  for (let k = 0; k < s.length; k++) store<u8>(NAME + k, <u8>s.charCodeAt(k));
  return <u32>s.length;
}

/** Starts the playlist in `dirFd`. Returns 0, or the errno of creating the side file. */
export function playlistStart(dirFd: u32): i32 {
  directory = dirFd;
  longestRounded = 1;
  anyMap = false;
  linesFd = createFile(dirFd, NAME, fileName(LINES_NAME));
  return linesFd < 0 ? -linesFd : 0;
}

/**
 * Adds a segment (its file name is name[0, nameLength)); fMP4: `mapLength` > 0 names the init segment it needs
 * where that changes (EXT-X-MAP). Returns 0, or an errno.
 */
export function playlistAdd(name: usize, nameLength: u32, durationTicks: i64, discontinuity: bool, map: usize = 0, mapLength: u32 = 0): u16 {
  if (durationTicks < 0) durationTicks = 0;
  // Math.round(ticks / 90000), halves up, in integers.
  let rounded = (durationTicks + 45000) / 90000;
  if (rounded > longestRounded) longestRounded = rounded;
  textTo(<u32>linesFd);
  if (discontinuity) text("#EXT-X-DISCONTINUITY\n");
  if (mapLength > 0) {
    anyMap = true;
    text("#EXT-X-MAP:URI=\"");
    bytes(map, mapLength);
    text("\"\n");
  }
  text("#EXTINF:");
  // Seconds with six decimals: ticks * 100 / 9 micro-seconds, to the nearest (never a tie: ninths).
  fixed(<u64>((durationTicks * 100 + 4) / 9), 6);
  text(",\n");
  bytes(name, nameLength);
  text("\n");
  return textEnd();
}

/** Writes index.m3u8: the header, the segment lines, the end tag. Returns 0, or an errno. */
export function playlistFinish(): u16 {
  let out = createFile(directory, NAME, fileName(FINAL_NAME));
  if (out < 0) return <u16>-out;
  textTo(<u32>out);
  // EXT-X-MAP needs version 6.
  text(anyMap ? "#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:" : "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:");
  decimal(<u64>longestRounded);
  text("\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-INDEPENDENT-SEGMENTS\n");
  let err = textEnd();
  if (err == ERRNO_SUCCESS) err = rewind(<u32>linesFd);
  while (err == ERRNO_SUCCESS) {
    let n = readFull(<u32>linesFd, COPY, COPY_BYTES);
    if (n < 0) err = <u16>-n;
    else if (n == 0) break;
    else err = writeAll(<u32>out, COPY, <u32>n);
  }
  if (err == ERRNO_SUCCESS) {
    textTo(<u32>out);
    text("#EXT-X-ENDLIST\n");
    err = textEnd();
  }
  close(<u32>out);
  close(<u32>linesFd);
  linesFd = -1;
  removeFile(directory, NAME, fileName(LINES_NAME));
  return err;
}

/** Removes the side file after an error (index.m3u8 is then not written). */
export function playlistAbandon(): void {
  if (linesFd < 0) return;
  close(<u32>linesFd);
  linesFd = -1;
  removeFile(directory, NAME, fileName(LINES_NAME));
}
