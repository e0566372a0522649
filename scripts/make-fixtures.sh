#!/usr/bin/env bash
# Regenerates the committed test inputs in fixtures/ with Debian's ffmpeg + libx264 + ffmpeg's own AAC encoder.
# This script is the source of truth for how each fixture was made; fixtures/README.md describes them and
# fixtures/frame-counts.json records what ffprobe (not our code) counts in each file.
#
# Everything is encoded single-threaded with -bitexact so that a rerun with the same ffmpeg/x264 build gives the
# same bytes. Resolutions and bitrates are small on purpose: the whole fixtures/ tree stays well under 3 MB.
#
# Usage: bash scripts/make-fixtures.sh        (needs ffmpeg, ffprobe, node)
set -euo pipefail
cd "$(dirname "$0")/.."
out=fixtures
mkdir -p "$out/video" "$out/audio" "$out/sample"

# Common flags: no input noise, one thread (deterministic), bit-exact muxing, no metadata.
ff() { ffmpeg -hide_banner -loglevel error -y -fflags +bitexact "$@"; }
x264_common=(-c:v libx264 -threads 1 -flags:v +bitexact -pix_fmt yuv420p)

# Video: testsrc2 (moving pattern, so P/B-frames carry real motion).
src() { # src <WxH> <rate> <seconds>
  echo "testsrc2=size=$1:rate=$2:duration=$3"
}

echo "baseline: constrained baseline, 1 s GOP, SPS/PPS at every IDR (x264 default), no AUD"
ff -f lavfi -i "$(src 320x240 25 3)" "${x264_common[@]}" -profile:v baseline -b:v 150k \
  -x264-params keyint=25:min-keyint=25:scenecut=0 -f h264 "$out/video/baseline-320x240-25fps.h264"

echo "high-bframes: high profile, 3 B-frames with b-pyramid, 2 s GOP"
ff -f lavfi -i "$(src 320x240 25 4)" "${x264_common[@]}" -profile:v high -b:v 150k \
  -x264-params keyint=50:min-keyint=50:scenecut=0:bframes=3:b-pyramid=normal:b-adapt=0 \
  -f h264 "$out/video/high-bframes-320x240-25fps.h264"

echo "multislice: main profile, 4 slices per picture (later slices use 3-byte start codes)"
ff -f lavfi -i "$(src 320x240 25 3)" "${x264_common[@]}" -profile:v main -b:v 150k \
  -x264-params keyint=25:min-keyint=25:scenecut=0:slices=4 -f h264 "$out/video/multislice-320x240-25fps.h264"

echo "long-gop: keyint 250 (10 s at 25 fps), 12 s, so two IDRs (frames 0 and 250)"
ff -f lavfi -i "$(src 320x240 25 12)" "${x264_common[@]}" -profile:v main -b:v 80k \
  -x264-params keyint=250:min-keyint=250:scenecut=0 -f h264 "$out/video/long-gop-320x240-25fps.h264"

echo "ntsc: 30000/1001 fps, high profile with B-frames, 1 s GOP"
ff -f lavfi -i "$(src 320x240 30000/1001 3)" "${x264_common[@]}" -profile:v high -b:v 150k \
  -x264-params keyint=30:min-keyint=30:scenecut=0:bframes=2:b-adapt=0 \
  -f h264 "$out/video/ntsc-320x240-29.97fps.h264"

echo "with-aud: baseline with access unit delimiters (x264 aud=1)"
ff -f lavfi -i "$(src 320x240 25 3)" "${x264_common[@]}" -profile:v baseline -b:v 150k \
  -x264-params keyint=25:min-keyint=25:scenecut=0:aud=1 -f h264 "$out/video/with-aud-320x240-25fps.h264"

# headers-once: x264 cannot put SPS/PPS only in the first IDR of a raw stream (repeat-headers=0 drops them
# altogether, they go to extradata), so encode normally and remove every SPS (7) / PPS (8) NAL unit after the
# first picture. Start codes are kept as they are; only whole NAL units are cut.
echo "headers-once: main profile, 1 s GOP, SPS/PPS only before the first IDR"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
ff -f lavfi -i "$(src 320x240 25 4)" "${x264_common[@]}" -profile:v main -b:v 150k \
  -x264-params keyint=25:min-keyint=25:scenecut=0 -f h264 "$tmp/headers-every-idr.h264"
node --input-type=module - "$tmp/headers-every-idr.h264" "$out/video/headers-once-320x240-25fps.h264" <<'EOF'
import { readFileSync, writeFileSync } from "node:fs";
const [input, output] = process.argv.slice(2);
const data = readFileSync(input);
// Offsets of every start code prefix 00 00 01 (a 4-byte 00 00 00 01 is a zero byte + the 3-byte prefix).
const starts = [];
for (let i = 0; i + 2 < data.length; i++) {
  if (data[i] === 0 && data[i + 1] === 0 && data[i + 2] === 1) starts.push(i);
}
const kept = [];
let seenSlice = false;
for (let k = 0; k < starts.length; k++) {
  let begin = starts[k];
  if (begin > 0 && data[begin - 1] === 0) begin--; // include the 4th byte of a long start code
  const end = k + 1 < starts.length ? starts[k + 1] - (data[starts[k + 1] - 1] === 0 ? 1 : 0) : data.length;
  const type = data[starts[k] + 3] & 0x1f;
  if (type === 1 || type === 5) seenSlice = true;
  if (seenSlice && (type === 7 || type === 8)) continue;
  kept.push(data.subarray(begin, end));
}
writeFileSync(output, Buffer.concat(kept));
EOF

# Audio + video pairs: one 720p video, two AAC-LC tracks of the same length (ADTS, ffmpeg's native encoder).
echo "av-720p: 1280x720 25 fps high profile, 4 s, low bitrate"
ff -f lavfi -i "$(src 1280x720 25 4)" "${x264_common[@]}" -profile:v high -b:v 300k \
  -x264-params keyint=50:min-keyint=50:scenecut=0:bframes=2:b-adapt=0 -f h264 "$out/video/av-1280x720-25fps.h264"
echo "aac-48k-mono, aac-44k-stereo: 4 s sine tones"
ff -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=4" -ac 1 -c:a aac -profile:a aac_low \
  -flags:a +bitexact -b:a 48k -f adts "$out/audio/aac-lc-48000-mono.aac"
ff -f lavfi -i "sine=frequency=440:sample_rate=44100:duration=4" -f lavfi \
  -i "sine=frequency=660:sample_rate=44100:duration=4" -filter_complex "[0:a][1:a]amerge=inputs=2[a]" -map "[a]" \
  -ac 2 -c:a aac -profile:a aac_low -flags:a +bitexact -b:a 64k -f adts "$out/audio/aac-lc-44100-stereo.aac"

# Demo clip for `ipc-hls demo`: a visible running clock over testsrc2, with a 1 kHz beep each second.
echo "sample: 640x360 25 fps, 10 s, clock overlay + beeping sine"
font=/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf
overlay="null"
if [ -f "$font" ]; then
  overlay="drawtext=fontfile=$font:text='%{pts\\:hms}':fontsize=48:fontcolor=white:box=1:boxcolor=black@0.6:x=(w-tw)/2:y=h-th-20"
else
  echo "  (no DejaVu font: clip made without the clock overlay)"
fi
ff -f lavfi -i "$(src 640x360 25 10)" -vf "$overlay" "${x264_common[@]}" -profile:v main -b:v 300k \
  -x264-params keyint=50:min-keyint=50:scenecut=0 -f h264 "$out/sample/sample-640x360-25fps.h264"
ff -f lavfi -i "sine=frequency=1000:sample_rate=48000:duration=10:beep_factor=4" -ac 1 -c:a aac \
  -profile:a aac_low -flags:a +bitexact -b:a 48k -f adts "$out/sample/sample-48000-mono.aac"

# H.265 (libx265, one thread pool and frame thread: deterministic) for the fMP4 fuzz test: short GOPs, so random
# frame orders still meet IRAP pictures often.
echo "hevc-bframes: x265 Main, 3 B-frames, 2 slices per picture, 0.4 s closed GOP, VPS/SPS/PPS at every IRAP"
ff -f lavfi -i "$(src 320x240 25 2)" -c:v libx265 -pix_fmt yuv420p -b:v 100k \
  -x265-params log-level=error:pools=1:frame-threads=1:keyint=10:min-keyint=10:scenecut=0:open-gop=0:bframes=3:slices=2:repeat-headers=1 \
  -f hevc "$out/video/hevc-bframes-320x240-25fps.h265"
# Streams ipc-hls refuses by name. (Debian's ffmpeg has no H.266 encoder: test/unsupported-codecs.test.ts builds
# VVC NAL headers itself.)
echo "mjpeg: 3 JPEG pictures back to back, as an MJPEG camera's raw stream"
ff -f lavfi -i "$(src 160x120 25 0.12)" -c:v mjpeg -q:v 20 -f mjpeg "$out/video/mjpeg-160x120.mjpeg"

# What ffprobe counts in each file: tests compare our output against these, never against our own numbers.
echo "frame-counts.json"
node --input-type=module - "$out" <<'EOF'
import { execFileSync } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
const root = process.argv[2];
const files = ["video", "audio", "sample"].flatMap((d) =>
  readdirSync(join(root, d)).filter((f) => /\.(h264|aac)$/.test(f)).sort().map((f) => join(root, d, f)));
const counts = {};
for (const file of files) {
  const json = execFileSync("ffprobe", ["-v", "error", "-count_frames", "-count_packets", "-show_streams",
    "-print_format", "json", file], { encoding: "utf8" });
  const s = JSON.parse(json).streams[0];
  counts[relative(root, file)] = s.codec_type === "video"
    ? { codec: s.codec_name, profile: s.profile, level: s.level, width: s.width, height: s.height,
        packets: Number(s.nb_read_packets), frames: Number(s.nb_read_frames), has_b_frames: s.has_b_frames }
    : { codec: s.codec_name, profile: s.profile, sample_rate: Number(s.sample_rate), channels: s.channels,
        packets: Number(s.nb_read_packets), frames: Number(s.nb_read_frames) };
}
writeFileSync(join(root, "frame-counts.json"), JSON.stringify(counts, null, 2) + "\n");
EOF
du -sh "$out"
