// hls.js in Debian's Chromium plays an fMP4 recording made by `ipc-hls mux --container fmp4` (H.264 + AAC, five
// segments), with no hls.js error, and seeks into a later segment and plays on from there.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createServer, type Server } from "node:http";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { launchChromium } from "./support/browser.js";
import { fixturePath, repoRoot, tempDir } from "./support/media-tools.js";
import { runCli } from "./support/mux-run.js";

const tmp = tempDir("fmp4-browser-");
const PAGE = `<!doctype html><meta charset="utf-8"><video id="v" muted playsinline></video>
<script src="/hls.min.js"></script>
<script>
  window.events = { errors: [], fragments: [] };
  const video = document.getElementById("v");
  const hls = new Hls();
  hls.on(Hls.Events.ERROR, (_, d) => window.events.errors.push(d.type + ":" + d.details + (d.fatal ? ":fatal" : "") + " " + (d.reason || "") + " at " + video.currentTime + " buffered " + Array.from({ length: video.buffered.length }, (_, i) => video.buffered.start(i) + "-" + video.buffered.end(i)).join(",")));
  hls.on(Hls.Events.FRAG_LOADED, (_, d) => window.events.fragments.push(d.frag.sn));
  hls.loadSource("/out/index.m3u8");
  hls.attachMedia(video);
  video.play();
</script>`;

const TYPES: Record<string, string> = { m3u8: "application/vnd.apple.mpegurl", m4s: "video/iso.segment", mp4: "video/mp4", js: "text/javascript" };

describe("fMP4 in Chromium with hls.js", () => {
  let server: Server;
  let browser: Browser;
  let base = "";

  beforeAll(async () => {
    const out = join(tmp.path, "out");
    const r = await runCli([
      "mux", fixturePath("sample/sample-640x360-25fps.h264"), "--fps", "25", "--audio", fixturePath("sample/sample-48000-mono.aac"),
      "--out", out, "--container", "fmp4",
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    server = createServer(async (req, res) => {
      const path = req.url ?? "/";
      try {
        if (path === "/") return res.writeHead(200, { "content-type": "text/html" }).end(PAGE);
        if (path === "/favicon.ico") return res.writeHead(204).end();
        if (path === "/hls.min.js") return res.writeHead(200, { "content-type": TYPES.js }).end(await readFile(join(repoRoot, "node_modules/hls.js/dist/hls.min.js")));
        const name = path.replace(/^\/out\//, "");
        if (!/^[\w.-]+$/.test(name)) throw new Error("no such file");
        res.writeHead(200, { "content-type": TYPES[name.split(".").pop()!] ?? "application/octet-stream" }).end(await readFile(join(out, name)));
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/`;
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    server?.close();
    tmp.cleanup();
  });

  test("plays from the start, seeks into the fourth segment and plays on; no hls.js error", async () => {
    const page = await browser.newPage();
    const consoleErrors: string[] = [];
    page.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));
    await page.goto(base);
    await page.waitForFunction(() => (document.getElementById("v") as HTMLVideoElement).currentTime > 1, undefined, { timeout: 30_000 });
    expect(await page.evaluate(() => (document.getElementById("v") as HTMLVideoElement).videoWidth)).toBe(640);
    await page.evaluate(() => {
      (document.getElementById("v") as HTMLVideoElement).currentTime = 7;
    });
    await page.waitForFunction(() => (document.getElementById("v") as HTMLVideoElement).currentTime > 7.5, undefined, { timeout: 30_000 });
    const events = await page.evaluate(() => (window as unknown as { events: { errors: string[]; fragments: number[] } }).events);
    // Allowed: hls.js's non-fatal nudge over the first picture's reorder delay (tfdt is the first DTS, B-frames put
    // the first PTS 80 ms later; composition offsets stay positive, as ffmpeg's own fragmented MP4s without an
    // edit list do, so ffmpeg and the browser agree on every timestamp). Anything else fails.
    expect(events.errors.filter((e) => !e.startsWith("mediaError:bufferSeekOverHole "))).toEqual([]);
    expect(events.fragments).toContain(3);
    expect(consoleErrors, consoleErrors.join("\n")).toEqual([]);
  }, 90_000);
});
