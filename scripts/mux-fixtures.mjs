// Every fixture through `ipc-hls mux`, each into its own directory under <outRoot>, in one Node process (the
// CLI's own main(), so an emulated Node starts once): the outputs to compare across cores and architectures.
//   node scripts/mux-fixtures.mjs <outRoot> [<name> <video.h264> <audio.aac>]   (the optional case: a big clip)
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const fixtures = fileURLToPath(new URL("../fixtures/", import.meta.url));
const video = readdirSync(join(fixtures, "video")).filter((f) => f.endsWith(".h264")).sort();

/** name → the mux arguments before --out. */
export const MUX_CASES = [
  ...video.map((f) => ({ name: f.replace(/\.h264$/, ""), args: [join(fixtures, "video", f), "--fps", f.includes("29.97") ? "30000/1001" : "25"] })),
  { name: "av-48000-mono", args: [join(fixtures, "video/av-1280x720-25fps.h264"), "--audio", join(fixtures, "audio/aac-lc-48000-mono.aac"), "--fps", "25"] },
  { name: "av-44100-stereo-1s", args: [join(fixtures, "video/av-1280x720-25fps.h264"), "--audio", join(fixtures, "audio/aac-lc-44100-stereo.aac"), "--fps", "25", "--segment-duration", "1"] },
  { name: "sample-av", args: [join(fixtures, "sample/sample-640x360-25fps.h264"), "--audio", join(fixtures, "sample/sample-48000-mono.aac")] },
  // 375 KB of video and audio through a 192 KiB ring without a drop: segments wrap around the ring's end.
  { name: "sample-av-192k-ring", args: [join(fixtures, "sample/sample-640x360-25fps.h264"), "--audio", join(fixtures, "sample/sample-48000-mono.aac"), "--buffer-size", "196608"] },
];

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [outRoot, ...extra] = process.argv.slice(2);
  if (!outRoot || (extra.length !== 0 && extra.length !== 3)) {
    console.error("usage: node scripts/mux-fixtures.mjs <outRoot> [<name> <video.h264> <audio.aac>]");
    process.exit(2);
  }
  const cases = extra.length === 0 ? MUX_CASES : [...MUX_CASES, { name: extra[0], args: [extra[1], "--audio", extra[2], "--fps", "25"] }];
  const { main } = await import("../dist/cli/main.js");
  for (const c of cases) {
    const code = await main(["mux", ...c.args, "--out", join(outRoot, c.name)]);
    if (code !== 0) {
      console.error(`mux-fixtures: ${c.name} exited ${code}`);
      process.exit(1);
    }
  }
}
