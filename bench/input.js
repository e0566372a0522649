// @ts-check
// The bench input: a 60 s 1080p25 5 Mbps H.264 stream (like an IP camera: High profile, no B-frames, an IDR
// every 2 s) and a 48 kHz stereo AAC track, made once with Debian's ffmpeg/libx264 into bench/.cache/, then
// cut into access units by our own Annex B splitter so every row sees exactly the same frames.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

export const CACHE = fileURLToPath(new URL("./.cache/", import.meta.url));
export const SECONDS = 60;
export const FPS = 25;
export const VIDEO_FILE = join(CACHE, "camera-1080p25-5mbps.h264");
export const AUDIO_FILE = join(CACHE, "camera-aac-48k.aac");
/** The same minute re-encoded to H.265 (libx265, 5 Mbps, no B-frames, an IRAP every 2 s) for the HEVC rows. */
export const HEVC_FILE = join(CACHE, "camera-1080p25-5mbps.h265");
const AUDIO_SAMPLE_RATE = 48000;
const AAC_FRAME_SAMPLES = 1024;

function ffmpeg(args) {
  execFileSync("ffmpeg", ["-v", "error", "-y", ...args], { stdio: ["ignore", "inherit", "inherit"] });
}

/** Makes the cached elementary streams if they are not there yet (about a minute on 2 cores). */
/** @param {(message: string) => void} [log] */
export function ensureInput(log = () => {}) {
  mkdirSync(CACHE, { recursive: true });
  if (!existsSync(VIDEO_FILE)) {
    log(`generating ${VIDEO_FILE} with ffmpeg/libx264 (first run only)...`);
    const tmp = VIDEO_FILE + ".tmp.h264";
    // Noise on the test pattern keeps the encoder busy enough to reach 5 Mbps; VBV caps it there.
    ffmpeg([
      "-f", "lavfi", "-i", `testsrc2=size=1920x1080:rate=${FPS},noise=alls=12:allf=t+u`,
      "-t", String(SECONDS), "-pix_fmt", "yuv420p",
      "-c:v", "libx264", "-preset", "veryfast", "-profile:v", "high", "-bf", "0", "-g", String(FPS * 2),
      "-keyint_min", String(FPS * 2), "-sc_threshold", "0",
      "-b:v", "5M", "-minrate", "5M", "-maxrate", "5M", "-bufsize", "5M", "-x264-params", "nal-hrd=vbr",
      "-f", "h264", tmp,
    ]);
    renameSync(tmp, VIDEO_FILE);
  }
  if (!existsSync(AUDIO_FILE)) {
    log(`generating ${AUDIO_FILE}...`);
    const tmp = AUDIO_FILE + ".tmp.aac";
    ffmpeg([
      "-f", "lavfi", "-i", `sine=frequency=440:sample_rate=${AUDIO_SAMPLE_RATE}`, "-f", "lavfi", "-i", `sine=frequency=660:sample_rate=${AUDIO_SAMPLE_RATE}`,
      "-filter_complex", "[0][1]amerge=inputs=2", "-t", String(SECONDS), "-c:a", "aac", "-b:a", "128k", "-f", "adts", tmp,
    ]);
    renameSync(tmp, AUDIO_FILE);
  }
  if (!existsSync(HEVC_FILE)) {
    log(`generating ${HEVC_FILE} with ffmpeg/libx265 from the H.264 minute (first run only, a few minutes)...`);
    const tmp = HEVC_FILE + ".tmp.h265";
    ffmpeg([
      "-framerate", String(FPS), "-f", "h264", "-i", VIDEO_FILE, "-c:v", "libx265", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-b:v", "5M",
      "-x265-params", `log-level=error:keyint=${FPS * 2}:min-keyint=${FPS * 2}:scenecut=0:bframes=0:vbv-maxrate=5000:vbv-bufsize=5000`,
      "-f", "hevc", tmp,
    ]);
    renameSync(tmp, HEVC_FILE);
  }
}

/**
 * Cuts an Annex B H.265 stream into access units (H.265 7.4.2.4.4, simplified): a unit ends before a VPS, SPS,
 * PPS, AUD or prefix SEI, or before a slice with first_slice_segment_in_pic_flag set, once it holds a picture.
 */
export function splitHevcAccessUnits(bytes) {
  return splitUnits(bytes, 4, (at) => {
    const type = (bytes[at] >> 1) & 0x3f;
    const isSlice = type < 32;
    return { isSlice, boundary: (type >= 32 && type <= 35) || type === 39 || (isSlice && (bytes[at + 2] & 0x80) !== 0) };
  });
}

/** The HEVC minute as separate frames, timed as loadInput's video (no B-frames: pts = dts = i / 25 s). */
export function loadHevcInput() {
  ensureInput((m) => process.stderr.write(m + "\n"));
  const bytes = readFileSync(HEVC_FILE);
  const video = splitHevcAccessUnits(bytes).map(([off, len], i) => {
    let key = false;
    for (let p = off; p + 3 < off + len; p++) {
      if (bytes[p] === 0 && bytes[p + 1] === 0 && bytes[p + 2] === 1 && ((bytes[p + 3] >> 1) & 0x3f) < 32) {
        const type = (bytes[p + 3] >> 1) & 0x3f;
        key = type >= 16 && type <= 23;
        break;
      }
    }
    return { data: Buffer.from(bytes.subarray(off, off + len)), ptsUs: Math.round((i * 1e6) / FPS), key };
  });
  return { video, audio: [], videoBytes: video.reduce((s, f) => s + f.data.length, 0), audioBytes: 0, seconds: video.length / FPS };
}

/**
 * Cuts an Annex B stream into access units (H.264 7.4.1.2.3, simplified): a unit ends before an AUD, SPS, PPS,
 * SEI or a slice with first_mb_in_slice == 0 once it holds a picture. Returns [offset, length] pairs.
 */
export function splitAccessUnits(bytes) {
  return splitUnits(bytes, 3, (at) => {
    const type = bytes[at] & 0x1f;
    const isSlice = type === 1 || type === 5;
    return { isSlice, boundary: type === 9 || type === 7 || type === 8 || type === 6 || (isSlice && (bytes[at + 1] & 0x80) !== 0) };
  });
}

/**
 * The start-code walk both splitters share: `kind(at)` reads the NAL header at `at` and says whether it is a slice
 * and whether it may start a new unit; `tail` is how many bytes after the start code's first byte a header needs.
 * @param {Uint8Array} bytes
 * @param {number} tail
 * @param {(at: number) => { isSlice: boolean, boundary: boolean }} kind
 * @returns {[number, number][]}
 */
function splitUnits(bytes, tail, kind) {
  /** @type {[number, number][]} */
  const units = [];
  let unitStart = -1;
  let hasPicture = false;
  const n = bytes.length;
  for (let i = 0; i + tail < n; i++) {
    if (bytes[i + 2] > 1) { i += 2; continue; }
    if (bytes[i] !== 0 || bytes[i + 1] !== 0 || bytes[i + 2] !== 1) continue;
    const start = i > 0 && bytes[i - 1] === 0 ? i - 1 : i; // a 4-byte start code belongs to its NAL
    const { isSlice, boundary } = kind(i + 3);
    if (unitStart < 0) unitStart = start;
    else if (boundary && hasPicture) {
      units.push([unitStart, start - unitStart]);
      unitStart = start;
      hasPicture = false;
    }
    if (isSlice) hasPicture = true;
    i += 2;
  }
  if (unitStart >= 0 && hasPicture) units.push([unitStart, n - unitStart]);
  return units;
}

/** Cuts an ADTS stream into frames: [offset, length] pairs. */
export function splitAdts(bytes) {
  const frames = [];
  let p = 0;
  while (p + 7 <= bytes.length) {
    if (bytes[p] !== 0xff || (bytes[p + 1] & 0xf6) !== 0xf0) throw new Error(`ADTS sync lost at ${p}`);
    const len = ((bytes[p + 3] & 3) << 11) | (bytes[p + 4] << 3) | (bytes[p + 5] >> 5);
    frames.push([p, len]);
    p += len;
  }
  return frames;
}

/**
 * The stream as separate frames (each its own Buffer, as an encoder hands them out) with timestamps (µs).
 * Video has no B-frames, so pts = dts = i / 25 s.
 */
export function loadInput() {
  ensureInput((m) => process.stderr.write(m + "\n"));
  const videoBytes = readFileSync(VIDEO_FILE);
  const video = splitAccessUnits(videoBytes).map(([off, len], i) => ({
    data: Buffer.from(videoBytes.subarray(off, off + len)), // its own copy, not a view of the file
    ptsUs: Math.round((i * 1e6) / FPS),
    key: isIdr(videoBytes, off, len),
  }));
  const audioBytes = readFileSync(AUDIO_FILE);
  const seconds = video.length / FPS;
  const audio = splitAdts(audioBytes)
    .map(([off, len], i) => ({
      data: Buffer.from(audioBytes.subarray(off, off + len)),
      ptsUs: Math.round((i * AAC_FRAME_SAMPLES * 1e6) / AUDIO_SAMPLE_RATE),
    }))
    // The encoder's extra frames run past the video: keep the audio inside its 60 s so passes can be chained.
    .filter((f) => f.ptsUs + (AAC_FRAME_SAMPLES * 1e6) / AUDIO_SAMPLE_RATE <= seconds * 1e6);
  const videoTotal = video.reduce((s, f) => s + f.data.length, 0);
  const audioTotal = audio.reduce((s, f) => s + f.data.length, 0);
  return { video, audio, videoBytes: videoTotal, audioBytes: audioTotal, seconds };
}

function isIdr(bytes, off, len) {
  for (let i = off; i + 3 < off + len; i++) {
    if (bytes[i] === 0 && bytes[i + 1] === 0 && bytes[i + 2] === 1) {
      const t = bytes[i + 3] & 0x1f;
      if (t === 5) return true;
      if (t === 1) return false;
    }
  }
  return false;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const t0 = Date.now();
  const input = loadInput();
  const keys = input.video.filter((f) => f.key).length;
  console.log(`${input.video.length} access units (${keys} IDR), ${(input.videoBytes / 1e6).toFixed(2)} MB video = ${((input.videoBytes * 8) / input.seconds / 1e6).toFixed(2)} Mbps; ${input.audio.length} AAC frames, ${(input.audioBytes / 1e6).toFixed(2)} MB; ${Date.now() - t0} ms`);
}
