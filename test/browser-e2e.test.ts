// End to end in a real browser: Debian's chromium (headless, playwright-core) opens the replay page against a
// server holding recordings made by our SDK (H.264 + AAC): "frontdoor" twice with a gap between, "yard" at the
// same moment as frontdoor's first, and "porch" recording now. It plays from the timeline, seeks with the keyboard,
// follows a camera live, plays a grid in step, and saves screenshots under test-artifacts/. A second server with
// authentication shows the login form's session cookie at work; hls.js plays an fMP4 recording of `ipc-hls mux`,
// and a camera `ipc-hls record` took from GStreamer's RTSP server across the server's restart.
// "garage" is a TS session then an fMP4 one made by the SDK (played across the change); "hevc-cam" is H.265 in
// fMP4 (made by Debian's ffmpeg with libx265, stored under our keys), which the page plays or says it cannot.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { createServer, type Server } from "node:http";
import { readFile, readdir } from "node:fs/promises";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { LocalStore } from "../src/store/local-store.js";
import { createReplayServer } from "../src/playback/server.js";
import { Authenticator } from "../src/playback/auth.js";
import { parseUsersFile, passwordLine } from "../src/playback/passwords.js";
import { recordWithSdk, type RecordedKey } from "./support/recordings.js";
import { launchChromium } from "./support/browser.js";
import { fixturePath, repoRoot, tempDir } from "./support/media-tools.js";
import { runCli } from "./support/mux-run.js";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { initKey, segmentKey } from "../src/keys.js";

const exec = promisify(execFile);
import { startRecord } from "./support/record-run.js";
import { startRtspServer } from "./support/rtsp-server.js";
import { Parser } from "m3u8-parser";

const HOUR = 3_600_000;
// Two hours ago at a fixed minute (never across midnight); the second recording starts 20 s after the first ends.
const T = Math.floor((Date.now() - 2 * HOUR) / HOUR) * HOUR + 5 * 60_000;
const GAP_MS = 20_000;
const day = new Date(T).toISOString().slice(0, 10);
const artifacts = join(repoRoot, "test-artifacts");

interface ReplayState {
  h264: boolean;
  undecodable?: string;
  containerSwitches?: number;
  fragmentsLoaded: number;
  errors: Array<{ type: string; details: string; fatal: boolean }>;
  fatalErrors: Array<{ type: string; details: string; fatal: boolean }>;
  spans: Array<{ startMs: number; endMs: number }>;
  spansByCamera: Record<string, Array<{ startMs: number; endMs: number }>>;
  viewStartMs: number;
  viewEndMs: number;
  followNow: boolean;
  playingMs?: number;
  latencyMs?: number;
  frameInterval: number;
  clipUrl?: string;
}

let dir: ReturnType<typeof tempDir>;
let store: LocalStore;
let server: Server;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let base: string;
let first: RecordedKey[];
let second: RecordedKey[];
let yard: RecordedKey[];
let porch: RecordedKey[];
let garageTs: RecordedKey[];
let garageFmp4: RecordedKey[];
let hevcStartMs = 0;
let hevcSdk: RecordedKey[];
const consoleErrors: string[] = [];
/** The clip the page offered for the range dragged on the timeline. */
let clipHref = "";

beforeAll(async () => {
  dir = tempDir("ipc-hls-e2e-");
  store = new LocalStore(dir.path);
  // Our own SDK records the 10 s demo clip (H.264 + AAC) twice, 20 s apart, as two sessions (a camera reboot).
  first = await recordWithSdk(store, "frontdoor", T, "0000000a");
  second = await recordWithSdk(store, "frontdoor", endOf(first) + GAP_MS, "0000000b");
  yard = await recordWithSdk(store, "yard", T + 3000, "0000000c");
  // A camera recording now: its last segment ended a moment ago.
  porch = await recordWithSdk(store, "porch", Date.now() - 25_000, "0000000d");
  // The same camera in TS, then (after a restart 4 s later) in fMP4.
  garageTs = await recordWithSdk(store, "garage", T + 10 * 60_000, "0000000f");
  garageFmp4 = await recordWithSdk(store, "garage", endOf(garageTs) + 4000, "00000010", "fmp4");
  hevcStartMs = T + 15 * 60_000;
  await storeHevcFmp4(store, "hevc-cam", hevcStartMs, "00000011");
  // H.265 in fMP4 recorded by our SDK: its keys carry each segment's first-picture size, so it has thumbnails.
  hevcSdk = await recordWithSdk(store, "hevc-sdk", T + 20 * 60_000, "00000012", "fmp4", { video: "video/hevc-bframes-320x240-25fps.h265", hevc: true, segmentDuration: 0.4 });
  server = createReplayServer({ store });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchChromium();
  context = await browser.newContext({ timezoneId: "UTC", viewport: { width: 1280, height: 860 } });
  page = await context.newPage();
  page.on("console", (msg) => {
    if (msg.type() === "error") consoleErrors.push(msg.text());
  });
  page.on("pageerror", (err) => consoleErrors.push(String(err)));
  // Which request failed (the console only says that one did).
  page.on("response", (res) => {
    if (res.status() >= 400) consoleErrors.push(`HTTP ${res.status()} for ${res.url()}`);
  });
  mkdirSync(artifacts, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  dir?.cleanup();
});

/** 4 s of H.265 test pattern in fMP4 (Debian's ffmpeg, libx265, 1 s segments) stored under our fMP4 keys. */
async function storeHevcFmp4(target: LocalStore, prefix: string, startMs: number, session: string) {
  const out = join(dir.path, "hevc-src");
  mkdirSync(out, { recursive: true });
  await exec("ffmpeg", ["-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-t", "4", "-c:v", "libx265", "-x265-params", "log-level=error",
    "-tag:v", "hvc1", "-g", "25", "-keyint_min", "25", "-f", "hls", "-hls_segment_type", "fmp4", "-hls_time", "1", "-hls_list_size", "0",
    "-hls_fmp4_init_filename", "init.mp4", "-hls_segment_filename", join(out, "seg%d.m4s"), join(out, "list.m3u8")]);
  const init = { codec: "hvc1", version: 1 };
  await target.put(initKey(prefix, session, init), [await readFile(join(out, "init.mp4"))], { contentType: "video/mp4" });
  const lines = (await readFile(join(out, "list.m3u8"), "utf8")).split("\n");
  let at = startMs;
  let seq = 0;
  for (const [i, line] of lines.entries()) {
    const extinf = /^#EXTINF:([\d.]+),/.exec(line);
    if (!extinf) continue;
    const durationMs = Math.round(Number(extinf[1]) * 1000);
    await target.put(segmentKey({ prefix, startMs: at, durationMs, session, seq: seq++, init }), [await readFile(join(out, lines[i + 1]!.trim()))], { contentType: "video/iso.segment" });
    at += durationMs;
  }
}

function endOf(keys: RecordedKey[]) {
  const last = keys[keys.length - 1];
  return last.startMs + last.durationMs;
}
const state = () => page.evaluate(() => (window as unknown as { replay: ReplayState }).replay) as Promise<ReplayState>;
const currentTime = (i = 0) => page.evaluate((n) => document.querySelectorAll("video")[n].currentTime, i);
/** The wall-clock time the page says is playing (the <time> element's datetime). */
const playingWallClock = async () => Date.parse((await page.getAttribute("#clock", "datetime")) ?? "");
async function waitForWallClock(predicate: string, arg: number) {
  try {
    await page.waitForFunction(
      ([body, value]) => new Function("wall", "arg", `return ${body}`)(Date.parse(document.querySelector("#clock")!.getAttribute("datetime") ?? ""), value),
      [predicate, arg] as const,
      { timeout: 30_000 },
    );
  } catch (err) {
    // What the player was doing, for a wait that never ends.
    const { errors, fatalErrors, containerSwitches, fragmentsLoaded, playingMs } = await state();
    const video = await page.evaluate(() => {
      const v = document.querySelector("video")!;
      const buffered = Array.from({ length: v.buffered.length }, (_, i) => [v.buffered.start(i), v.buffered.end(i)]);
      return { currentTime: v.currentTime, paused: v.paused, readyState: v.readyState, buffered };
    });
    const playing = playingMs === undefined ? undefined : new Date(playingMs).toISOString();
    const seen = { wanted: `${predicate} (arg ${new Date(arg).toISOString()})`, playing, containerSwitches, fragmentsLoaded, errors, fatalErrors, video };
    throw new Error(`${(err as Error).message}\n${JSON.stringify(seen)}`);
  }
}

/** The x of a wall-clock time on the timeline (page coordinates), and the timeline's vertical middle. */
async function timelineX(wallMs: number) {
  const box = (await page.locator("#timeline").boundingBox())!;
  const view = await state();
  return { x: box.x + ((wallMs - view.viewStartMs) / (view.viewEndMs - view.viewStartMs)) * box.width, y: box.y + box.height * 0.7 };
}

/** Plays an I-frame playlist with hls.js on a fresh video element until three fragments are buffered (or 20 s). */
function playIframes(url: string) {
  return page.evaluate(async (src) => {
    const Hls = (window as unknown as { Hls: any }).Hls;
    const video = document.createElement("video");
    video.muted = true;
    document.body.append(video);
    const hls = new Hls();
    const fatal: string[] = [];
    const errors: string[] = [];
    let buffered = 0;
    let iframesOnly = false;
    hls.on(Hls.Events.ERROR, (_e: unknown, data: { fatal: boolean; details: string }) => (data.fatal ? fatal : errors).push(data.details));
    hls.on(Hls.Events.LEVEL_LOADED, (_e: unknown, data: { details: { iframesOnly: boolean } }) => (iframesOnly = data.details.iframesOnly));
    hls.on(Hls.Events.FRAG_BUFFERED, () => buffered++);
    hls.loadSource(src);
    hls.attachMedia(video);
    const deadline = performance.now() + 20_000;
    while (buffered < 3 && fatal.length === 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const result = { fatal, errors, buffered, iframesOnly, ranges: video.buffered.length };
    hls.destroy();
    video.remove();
    return result;
  }, url);
}

describe("replay page in chromium", () => {
  it("opens a past day zoomed to its recordings, plays from a click near a span, seeks with the keyboard", async () => {
    await page.goto(`${base}/?camera=frontdoor&day=${day}`);
    await page.waitForFunction(() => document.querySelectorAll("#spans .span").length === 2, undefined, { timeout: 15_000 });
    // The view fits the recordings (about a minute), not the whole day: the 20 s gap is wide on screen.
    const view = await state();
    expect(view.viewStartMs).toBeLessThanOrEqual(first[0].startMs);
    expect(view.viewEndMs).toBeGreaterThanOrEqual(endOf(second));
    expect(view.viewEndMs - view.viewStartMs).toBeLessThan(10 * 60_000);
    const boxes = await page.locator("#spans .span").evaluateAll((els) => els.map((el) => el.getBoundingClientRect().toJSON()));
    expect(boxes[1].left - boxes[0].right).toBeGreaterThan(100);
    const { h264 } = await state();
    // Measured, not assumed: Debian's chromium may be built without proprietary codecs.
    console.log(`chromium MediaSource H.264 (avc1.42E01E) support: ${h264}`);
    // Thumbnails along the spans: each segment's first picture, fetched as a byte range and decoded by WebCodecs.
    await page.waitForFunction(() => (window as unknown as { replay: { thumbnails: { stats: { decoded: number } } } }).replay.thumbnails.stats.decoded >= 4, undefined, { timeout: 30_000 });
    await page.waitForTimeout(300); // let the bitmaps reach their canvases
    const thumbs = await page.locator("#thumbs canvas").evaluateAll((els) =>
      els.map((el) => {
        const c = el as HTMLCanvasElement;
        const px = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
        const lumas = new Set<number>();
        for (let i = 0; i < px.length; i += 4 * 97) lumas.add((px[i]! + px[i + 1]! + px[i + 2]!) >> 4);
        return lumas.size; // a decoded picture has many levels; an empty canvas one
      }),
    );
    expect(thumbs.length).toBeGreaterThanOrEqual(4);
    expect(Math.min(...thumbs)).toBeGreaterThan(5);
    expect((await page.evaluate(() => (window as unknown as { replay: { thumbnails: { stats: { failed: number } } } }).replay.thumbnails.stats.failed))).toBe(0);
    // Hovering the second recording shows its picture above the timeline.
    const hoverAt = await timelineX(second[1].startMs + 500);
    await page.mouse.move(hoverAt.x, hoverAt.y);
    await page.waitForSelector("#preview:not([hidden])", { timeout: 10_000 });
    await page.screenshot({ path: join(artifacts, "day-view.png") });
    await page.mouse.move(hoverAt.x, hoverAt.y - 400);
    // The hour view keeps its thumbnails where the recordings are.
    await page.getByRole("button", { name: "1 h" }).click();
    await page.waitForFunction(() => document.querySelectorAll("#thumbs canvas").length >= 1, undefined, { timeout: 10_000 });
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(artifacts, "hour-view.png") });
    await page.getByRole("button", { name: "Fit" }).click();

    // A click 4 px before the first span (in the grey) plays from its start.
    const near = await timelineX(first[0].startMs);
    await page.mouse.click(near.x - 4, near.y);
    await page.waitForFunction(() => (window as unknown as { replay: ReplayState }).replay.fragmentsLoaded > 0, undefined, { timeout: 20_000 });
    expect(h264).toBe(true);
    await page.waitForFunction(() => document.querySelector("video")!.currentTime > 2, undefined, { timeout: 30_000 });
    const wall = await playingWallClock();
    expect(wall).toBeGreaterThanOrEqual(first[0].startMs + 1000);
    expect(wall).toBeLessThan(first[0].startMs + 10_000);

    // → seeks 5 s forward.
    const before = await playingWallClock();
    await page.keyboard.press("ArrowRight");
    await waitForWallClock("wall >= arg", before + 4500);
    // ← seeks 5 s back (or to the span's start).
    const ahead = await playingWallClock();
    await page.keyboard.press("ArrowLeft");
    await waitForWallClock("wall <= arg", ahead - 2500);
    // "]" jumps to the next recording (after the gap).
    await page.keyboard.press("]");
    await waitForWallClock("wall > arg", second[0].startMs + 500);
    expect(await playingWallClock()).toBeLessThan(endOf(second));
    await page.screenshot({ path: join(artifacts, "playing.png") });
    // "," pauses and steps one frame back: media time moves back by about one frame (25 fps).
    await page.keyboard.press(",");
    await page.waitForFunction(() => document.querySelector("video")!.paused);
    const paused = await currentTime();
    await page.keyboard.press(",");
    await page.waitForFunction((t) => document.querySelector("video")!.currentTime < t, paused);
    expect(paused - (await currentTime())).toBeCloseTo(0.04, 2);
    await page.keyboard.press(".");
    await page.waitForFunction((t) => Math.abs(document.querySelector("video")!.currentTime - t) < 0.005, paused);
    // Space plays again; 4× speed reaches the player.
    await page.keyboard.press(" ");
    await page.selectOption("#speed", "4");
    expect(await page.evaluate(() => document.querySelector("video")!.playbackRate)).toBe(4);
    await page.waitForFunction((t) => document.querySelector("video")!.currentTime > t + 1, paused, { timeout: 20_000 });
    await page.selectOption("#speed", "1");

    // A drag on the timeline selects a clip; the download link asks the server for that range as MP4.
    const a = await timelineX(first[0].startMs + 2000);
    const b = await timelineX(first[0].startMs + 8000);
    await page.mouse.move(a.x, a.y);
    await page.mouse.down();
    await page.mouse.move(b.x, b.y, { steps: 5 });
    await page.mouse.up();
    const clipUrl = new URL((await state()).clipUrl!, base);
    expect(clipUrl.pathname).toBe("/cameras/frontdoor/clip.mp4");
    expect(Date.parse(clipUrl.searchParams.get("start")!)).toBeCloseTo(first[0].startMs + 2000, -3);
    expect(Date.parse(clipUrl.searchParams.get("end")!)).toBeCloseTo(first[0].startMs + 8000, -3);
    expect(await page.getAttribute("#clip", "href")).toBe((await state()).clipUrl);
    clipHref = clipUrl.href;

    const final = await state();
    if (final.errors.length) console.log("hls.js non-fatal errors:", JSON.stringify(final.errors));
    expect(final.fatalErrors).toEqual([]);
  });

  it("the downloaded clip plays in chromium", async () => {
    expect(clipHref).not.toBe("");
    const probe = await fetch(clipHref);
    await probe.arrayBuffer();
    expect(probe.status).toBe(200);
    expect(probe.headers.get("content-type")).toBe("video/mp4");
    // The file the link downloads, played by the browser's own MP4 demuxer and decoders.
    const download = page.waitForEvent("download");
    await page.evaluate(() => (document.querySelector("#clip") as HTMLAnchorElement).click());
    expect((await download).suggestedFilename()).toMatch(/^frontdoor_.*\.mp4$/);
    await page.evaluate((src) => {
      document.querySelector("#videos")!.innerHTML = `<figure class="cell"><video id="clip-video" muted autoplay playsinline src="${src}"></video><figcaption>downloaded clip</figcaption></figure>`;
    }, clipHref);
    await page.waitForFunction(() => (document.querySelector("#clip-video") as HTMLVideoElement).currentTime > 1, undefined, { timeout: 20_000 });
    await page.screenshot({ path: join(artifacts, "clip.png") });
  });

  it("opens a camera recording now on the last hour, plays a click in the middle of its recording, and refreshes", async () => {
    const today = new Date().toISOString().slice(0, 10);
    await page.goto(`${base}/?camera=porch&day=${today}`);
    await page.waitForFunction(() => document.querySelectorAll("#spans .span").length === 1, undefined, { timeout: 15_000 });
    const view = await state();
    expect(view.followNow).toBe(true);
    expect(view.viewEndMs - view.viewStartMs).toBe(HOUR);
    expect(view.viewEndMs).toBeGreaterThan(Date.now());
    // A 10 s recording is a few pixels wide in the hour: a click in its middle plays it.
    const middle = await timelineX((porch[0].startMs + endOf(porch)) / 2);
    await page.mouse.click(middle.x, middle.y);
    await waitForWallClock("wall > arg", porch[0].startMs);
    const t0 = await currentTime();
    await page.waitForFunction((t) => document.querySelector("video")!.currentTime > t + 0.5, t0, { timeout: 20_000 });
    const wall = await playingWallClock();
    expect(wall).toBeGreaterThan(porch[0].startMs);
    expect(wall).toBeLessThan(endOf(porch));

    // The camera records on (a new session): the page shows the new span without a reload.
    await recordWithSdk(store, "porch", Date.now() - 12_000, "0000000e");
    await page.waitForFunction(() => document.querySelectorAll("#spans .span").length === 2, undefined, { timeout: 20_000 });
  });

  it("follows a camera live and says how far behind real time it is", async () => {
    await page.getByRole("button", { name: "● Live" }).click();
    await page.waitForFunction(() => /behind real time/.test(document.querySelector("#latency")!.textContent ?? ""), undefined, { timeout: 30_000 });
    const t0 = await currentTime();
    await page.waitForFunction((t) => document.querySelector("video")!.currentTime > t + 0.5, t0, { timeout: 20_000 });
    const { latencyMs } = await state();
    // The last segment ended about 2 s ago and hls.js keeps a few seconds behind the end of the playlist.
    expect(latencyMs).toBeGreaterThan(0);
    expect(latencyMs).toBeLessThan(60_000);
    await page.screenshot({ path: join(artifacts, "live.png") });
  });

  it("plays a grid of cameras in step and corrects a camera that drifts", async () => {
    // Three cameras: porch recorded nothing at T (its recordings are two hours later), so it shows no picture.
    await page.goto(`${base}/?camera=frontdoor&day=${day}&grid=frontdoor,porch,yard`);
    await page.waitForFunction(() => document.querySelectorAll("video").length === 3 && document.querySelectorAll("#spans .row").length === 3, undefined, { timeout: 15_000 });
    await page.evaluate((ms) => (window as unknown as { replay: { playFrom(ms: number): void } }).replay.playFrom(ms), T + 4000);
    const caption = (camera: string) => page.locator("#videos figcaption", { hasText: camera }).textContent();
    await expect.poll(() => caption("porch"), { timeout: 10_000 }).toMatch(/no recording now|nothing recorded around this time/);
    const videoOf = { frontdoor: 0, porch: 1, yard: 2 };
    await expect.poll(() => page.evaluate((n) => document.querySelectorAll("video")[n].paused, videoOf.porch)).toBe(true);
    await page
      .waitForFunction((i) => i.every((n) => document.querySelectorAll("video")[n].currentTime > 1.5), [videoOf.frontdoor, videoOf.yard], { timeout: 30_000 })
      .catch(async (err: Error) => {
        // Say what each player was doing, so a failure here can be understood from the log alone.
        const seen = await page.evaluate(() =>
          [...document.querySelectorAll("#videos figure")].map((f) => {
            const v = f.querySelector("video")!;
            return `${f.querySelector("figcaption")?.textContent}: t=${v.currentTime.toFixed(2)} ready=${v.readyState} paused=${v.paused} error=${v.error?.code ?? "-"}`;
          }),
        );
        throw new Error(`${err.message}\n${seen.join("\n")}`);
      });
    // Throw yard 2 s off: the next sync brings it back within 0.5 s of frontdoor (wall clock, PROGRAM-DATE-TIME).
    await page.evaluate((n) => (document.querySelectorAll("video")[n].currentTime += 2), videoOf.yard);
    const inStep = () =>
      page.evaluate(() => {
        const players = (window as unknown as { replay: { grid: { players: Array<{ camera: string; wallClock(): number | undefined }> } } }).replay.grid.players;
        const wall = (camera: string) => players.find((p) => p.camera === camera)!.wallClock();
        const [a, b] = [wall("frontdoor"), wall("yard")];
        return a !== undefined && b !== undefined && Math.abs(a - b) < 500;
      });
    await page.waitForFunction(() => {
      const g = (window as unknown as { replay: { grid: { corrections: Record<string, number> } } }).replay.grid;
      return (g.corrections.yard ?? 0) > 0;
    }, undefined, { timeout: 10_000 });
    await expect.poll(inStep, { timeout: 10_000 }).toBe(true);
    await page.screenshot({ path: join(artifacts, "grid.png") });
    // The grid's camera picker: without porch and yard, one video and one timeline row are left.
    await page.locator("#grid-pick summary").click();
    await page.locator("#grid-cameras input[value=porch]").uncheck();
    await page.waitForFunction(() => document.querySelectorAll("video").length === 2);
    await page.locator("#grid-cameras input[value=yard]").uncheck();
    await page.waitForFunction(() => document.querySelectorAll("video").length === 1 && document.querySelectorAll("#spans .row").length === 1);
    expect(new URL(page.url()).searchParams.get("grid")).toBe("frontdoor");
  });

  it("hls.js plays the I-frame playlist of a range across the gap (EXT-X-I-FRAMES-ONLY, byte ranges)", async () => {
    const from = new Date(T).toISOString();
    const to = new Date(endOf(second)).toISOString();
    const seen = await playIframes(`${base}/cameras/frontdoor/iframes.m3u8?start=${from}&end=${to}`);
    expect(seen.fatal).toEqual([]);
    expect(seen.iframesOnly).toBe(true);
    expect(seen.buffered).toBeGreaterThanOrEqual(3);
    expect(seen.ranges).toBeGreaterThan(0);
  });

  it("hls.js plays the I-frame playlist of an fMP4 session (EXT-X-MAP; each range cuts the mdat after the I-frame)", async () => {
    const from = new Date(garageFmp4[0]!.startMs).toISOString();
    const to = new Date(endOf(garageFmp4)).toISOString();
    const seen = await playIframes(`${base}/cameras/garage/iframes.m3u8?start=${from}&end=${to}`);
    expect(seen.fatal).toEqual([]);
    expect(seen.errors).toEqual([]);
    expect(seen.iframesOnly).toBe(true);
    expect(seen.buffered).toBeGreaterThanOrEqual(3);
    expect(seen.ranges).toBeGreaterThan(0);
  });

  it("plays an fMP4 recording made by the SDK, on from a TS session of the same camera (discontinuity + EXT-X-MAP)", async () => {
    await page.goto(`${base}/?camera=garage&day=${day}`);
    await page.waitForFunction(() => document.querySelectorAll("#spans .span").length === 2, undefined, { timeout: 15_000 });
    const errorsBefore = (await state()).fatalErrors.length;
    // From 3 s before the TS session ends: it plays on into the fMP4 one.
    const near = await timelineX(endOf(garageTs) - 3000);
    await page.mouse.click(near.x, near.y);
    await waitForWallClock("wall > arg", garageFmp4[0]!.startMs + 2500);
    expect(await playingWallClock()).toBeLessThan(endOf(garageFmp4));
    expect(await page.evaluate(() => document.querySelector("video")!.videoWidth)).toBe(640);
    // A seek within the fMP4 session plays on from there.
    const t0 = await currentTime();
    await page.keyboard.press("ArrowRight");
    await waitForWallClock("wall >= arg", garageFmp4[0]!.startMs + 6500);
    expect(await currentTime()).toBeGreaterThan(t0 + 3);
    const final = await state();
    expect(final.fatalErrors.slice(errorsBefore)).toEqual([]);
    expect(final.undecodable).toBeUndefined();
    // (hls.js cannot change a media element's source buffers from TS's two to fMP4's one: the page's player
    // starts anew at the first fMP4 fragment, once.)
    expect(final.containerSwitches).toBe(1);
    await page.screenshot({ path: join(artifacts, "fmp4-playing.png") });
  });

  it("thumbnails of an fMP4 recording (H.264): each segment's first picture, read with its init segment, on the strip", async () => {
    await page.goto(`${base}/?camera=garage&day=${day}`);
    await page.waitForFunction(() => document.querySelectorAll("#spans .span").length === 2, undefined, { timeout: 15_000 });
    await page.waitForFunction(() => (window as unknown as { replay: { thumbnails: { stats: { decoded: number } } } }).replay.thumbnails.stats.decoded >= 4, undefined, { timeout: 30_000 });
    // Every fMP4 entry of the session through the page's own path (range + init → WebCodecs), and its picture's content.
    const seen = await page.evaluate(async ([from, to]) => {
      type Entry = { map?: string; wallMs: number };
      const t = (window as unknown as { replay: { thumbnails: {
        fetchEntries(c: string, a: number, b: number): Promise<Entry[]>;
        picture(e: Entry): Promise<ImageBitmap | undefined>;
        stats: { failed: number; lastError?: string; undecodable?: string };
      } } }).replay.thumbnails;
      const entries = (await t.fetchEntries("garage", from, to)).filter((e) => e.map !== undefined);
      const levels: number[] = [];
      for (const e of entries) {
        const bitmap = await t.picture(e);
        if (!bitmap) {
          levels.push(0);
          continue;
        }
        const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
        const ctx = canvas.getContext("2d")!;
        ctx.drawImage(bitmap, 0, 0);
        const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
        const lumas = new Set<number>();
        for (let i = 0; i < px.length; i += 4 * 97) lumas.add((px[i]! + px[i + 1]! + px[i + 2]!) >> 4);
        levels.push(lumas.size); // a decoded picture has many levels; an empty one few
      }
      return { entries: entries.length, levels, failed: t.stats.failed, lastError: t.stats.lastError, undecodable: t.stats.undecodable };
    }, [garageFmp4[0]!.startMs, endOf(garageFmp4)] as const);
    expect(seen.lastError).toBeUndefined();
    expect(seen.failed).toBe(0);
    expect(seen.undecodable).toBeUndefined();
    expect(seen.entries).toBe(garageFmp4.length);
    expect(Math.min(...seen.levels)).toBeGreaterThan(5);
    // The strip shows them beside the TS session's.
    const thumbs = await page.locator("#thumbs canvas").count();
    expect(thumbs).toBeGreaterThanOrEqual(4);
    await page.screenshot({ path: join(artifacts, "fmp4-thumbnails.png") });
  });

  it("thumbnails of an H.265 fMP4 recording decode, or the strip says this browser cannot decode H.265", async () => {
    await page.goto(`${base}/?camera=hevc-sdk&day=${day}`);
    await page.waitForFunction(() => document.querySelectorAll("#spans .span").length === 1, undefined, { timeout: 15_000 });
    const decodable = await page.evaluate(async () => {
      const codec = "hvc1.1.6.L60.90";
      return typeof VideoDecoder !== "undefined" && (await VideoDecoder.isConfigSupported({ codec }).catch(() => ({ supported: false }))).supported === true;
    });
    console.log(`chromium WebCodecs H.265 (hvc1) support: ${decodable}`);
    const stats = () => page.evaluate(() => ({ ...(window as unknown as { replay: { thumbnails: { stats: { decoded: number; failed: number; undecodable?: string } } } }).replay.thumbnails.stats }));
    if (decodable) {
      await expect.poll(async () => (await stats()).decoded, { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
    } else {
      await page.waitForFunction(() => /No thumbnails: this browser cannot decode H\.265/.test(document.querySelector("#thumbs .thumbs-note")?.textContent ?? ""), undefined, { timeout: 30_000 });
      expect((await stats()).undecodable).toMatch(/^hvc1\./);
      await page.screenshot({ path: join(artifacts, "hevc-thumbnails-unsupported.png") });
    }
    expect((await stats()).failed).toBe(0);
    expect(hevcSdk.length).toBeGreaterThanOrEqual(4);
  });

  it("an H.265 fMP4 recording plays, or the page says plainly that this browser cannot decode H.265", async () => {
    const hevc = await page.evaluate(() => MediaSource.isTypeSupported('video/mp4; codecs="hvc1.1.6.L60.90"'));
    console.log(`chromium MediaSource H.265 (hvc1) support: ${hevc}`);
    await page.goto(`${base}/?camera=hevc-cam&day=${day}`);
    await page.waitForFunction(() => document.querySelectorAll("#spans .span").length === 1, undefined, { timeout: 15_000 });
    const near = await timelineX(hevcStartMs + 500);
    await page.mouse.click(near.x, near.y);
    if (hevc) {
      await waitForWallClock("wall > arg", hevcStartMs + 2000);
      expect((await state()).undecodable).toBeUndefined();
    } else {
      await page.waitForFunction(() => /cannot decode H\.265/.test(document.querySelector(".note")?.textContent ?? ""), undefined, { timeout: 15_000 });
      expect(await page.evaluate(() => (window as unknown as { replay: ReplayState }).replay.undecodable)).toMatch(/^hvc1\./);
      await page.screenshot({ path: join(artifacts, "hevc-unsupported.png") });
    }
  });

  it("fits a phone's width without console errors", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${base}/?camera=frontdoor&day=${day}`);
    await page.waitForFunction(() => document.querySelectorAll("#spans .span").length === 2, undefined, { timeout: 15_000 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(artifacts, "phone.png"), fullPage: true });
    expect(consoleErrors).toEqual([]);
  });
});

describe("login in chromium (a server with authentication)", () => {
  const PASSWORD = "correct horse battery";
  let locked: Server;
  let lockedBase: string;
  let login: Page;
  let loginContext: BrowserContext;

  beforeAll(async () => {
    const lockedStore = new LocalStore(join(dir.path, "locked"));
    await recordWithSdk(lockedStore, "cam1", T);
    const auth = new Authenticator({ users: parseUsersFile(await passwordLine("alice", PASSWORD)) });
    locked = createReplayServer({ store: lockedStore, auth });
    await new Promise<void>((resolve) => locked.listen(0, "127.0.0.1", resolve));
    lockedBase = `http://127.0.0.1:${(locked.address() as AddressInfo).port}`;
    loginContext = await browser.newContext();
    login = await loginContext.newPage();
  });

  afterAll(async () => {
    // (The browser keeps its connections alive: close them, or close() waits for them.)
    await loginContext?.close();
    locked?.closeAllConnections();
    await new Promise((resolve) => locked?.close(resolve));
  });

  it("the login form opens a session the page's requests carry; the cookie is out of the script's reach", async () => {
    expect((await login.goto(`${lockedBase}/cameras`))!.status()).toBe(401);
    await login.goto(`${lockedBase}/login.html`);
    await login.fill("input[name=user]", "alice");
    await login.fill("input[name=password]", "wrong password");
    await Promise.all([login.waitForURL(/login\.html#failed$/), login.click("button[type=submit]")]);
    expect(await login.isVisible("#failed")).toBe(true);
    await login.fill("input[name=user]", "alice");
    await login.fill("input[name=password]", PASSWORD);
    await Promise.all([login.waitForURL(`${lockedBase}/`), login.click("button[type=submit]")]);
    const seen = await login.evaluate(async () => ({ status: (await fetch("/cameras")).status, cookie: document.cookie }));
    expect(seen).toEqual({ status: 200, cookie: "" });
  });
});

// An fMP4 recording made by `ipc-hls mux --container fmp4` (H.264 + AAC, five segments) in hls.js: plays, seeks
// into a later segment and plays on, with no hls.js error.
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
  let base = "";

  beforeAll(async () => {
    const out = join(dir.path, "fmp4-out");
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
  }, 60_000);

  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  it("plays from the start, seeks into the fourth segment and plays on; no hls.js error", async () => {
    const page = await (await browser.newContext()).newPage();
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

// A real camera's reboot, in the browser: `ipc-hls record` takes GStreamer's RTSP server (not ours) into the
// replay server's directory; the server is killed after 3 segments and started again 5 s later. The range's
// playlist marks the gap (EXT-X-DISCONTINUITY, found with m3u8-parser); hls.js plays from 2 s before it to 2 s
// after, with no fatal error, and pictures after the gap are decoded and shown.
describe("a camera recorded over RTSP across its server's restart, in hls.js", () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  /** Finished segments of the camera in the store (hidden temporary files left out). */
  const segmentsOf = async (camera: string) =>
    (await readdir(join(dir.path, camera), { recursive: true })).filter((name) => name.endsWith(".ts") && !name.split("/").pop()!.startsWith(".")).length;

  it("plays across the discontinuity: currentTime passes the gap, no fatal hls.js error, frames decoded after it", async () => {
    const startMs = Date.now() - 1000;
    let rtsp = await startRtspServer();
    const record = startRecord([rtsp.url("/av"), "--name", "rtspcam", "--store", dir.path]);
    try {
      while ((await segmentsOf("rtspcam").catch(() => 0)) < 3) await sleep(200);
      const port = rtsp.port;
      await rtsp.stop(); // the camera loses power
      await sleep(5000);
      rtsp = await startRtspServer({ port });
      const before = await segmentsOf("rtspcam");
      while ((await segmentsOf("rtspcam")) < before + 2) await sleep(200);
      record.child.kill("SIGINT");
      expect(await record.exited, record.output.stderr).toBe(0);
    } finally {
      record.child.kill("SIGKILL");
      await rtsp.stop();
    }
    expect(record.output.stdout).toMatch(/rtspcam: reconnected/);

    const url = `${base}/cameras/rtspcam/playlist.m3u8?start=${new Date(startMs).toISOString()}&end=${new Date(Date.now()).toISOString()}`;
    const parser = new Parser();
    parser.push(await (await fetch(url)).text());
    parser.end();
    const segments = parser.manifest.segments as Array<{ duration: number; discontinuity?: boolean }>;
    const gapIndex = segments.findIndex((seg) => seg.discontinuity);
    expect(segments.filter((seg) => seg.discontinuity)).toHaveLength(1);
    const gapAt = segments.slice(0, gapIndex).reduce((sum, seg) => sum + seg.duration, 0);

    // A page of its own on the replay server's origin, with hls.js from the package.
    const player = await context.newPage();
    await player.goto(`${base}/cameras`);
    await player.addScriptTag({ path: join(repoRoot, "node_modules/hls.js/dist/hls.min.js") });
    const seen = await player.evaluate(
      async ({ src, gapAt }) => {
        const Hls = (window as unknown as { Hls: any }).Hls;
        const video = document.createElement("video");
        video.muted = true;
        document.body.append(video);
        const hls = new Hls({ startPosition: Math.max(0, gapAt - 2) });
        const errors: string[] = [];
        hls.on(Hls.Events.ERROR, (_e: unknown, data: { fatal: boolean; details: string }) => errors.push(`${data.details}${data.fatal ? ":fatal" : ""}`));
        // Pictures shown after the gap (media time past it), counted as the compositor presents them.
        let framesAfterGap = 0;
        const onFrame = (_now: number, meta: { mediaTime: number }) => {
          if (meta.mediaTime > gapAt + 0.1) framesAfterGap++;
          (video as any).requestVideoFrameCallback(onFrame);
        };
        (video as any).requestVideoFrameCallback(onFrame);
        hls.loadSource(src);
        hls.attachMedia(video);
        hls.on(Hls.Events.MANIFEST_PARSED, () => video.play());
        const deadline = performance.now() + 20_000;
        while (video.currentTime < gapAt + 2 && !errors.some((e) => e.endsWith(":fatal")) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        const result = { errors, currentTime: video.currentTime, framesAfterGap, decoded: video.getVideoPlaybackQuality().totalVideoFrames, width: video.videoWidth };
        hls.destroy();
        video.remove();
        return result;
      },
      { src: url, gapAt },
    );
    await player.close();
    expect(seen.errors.filter((e) => e.endsWith(":fatal"))).toEqual([]);
    expect(seen.currentTime, JSON.stringify(seen)).toBeGreaterThan(gapAt + 2);
    expect(seen.width).toBe(640);
    expect(seen.framesAfterGap, JSON.stringify(seen)).toBeGreaterThanOrEqual(25); // a second of the camera's 25 fps
  }, 90_000);
});
