// In Debian's chromium (playwright-core): the login form of a server with authentication sets a cookie the page's
// own requests carry (and its script cannot read), and a clip.mp4 from a recording made by our SDK plays in a
// <video> element.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import type { Browser, Page } from "playwright-core";
import { LocalStore } from "../src/store/local-store.js";
import { createReplayServer } from "../src/playback/server.js";
import { Authenticator } from "../src/playback/auth.js";
import { parseUsersFile, passwordLine } from "../src/playback/passwords.js";
import { recordWithSdk } from "./support/recordings.js";
import { chromiumAvailable, launchChromium } from "./support/browser.js";
import { tempDir } from "./support/media-tools.js";

const HOUR = 3_600_000;
const T = Math.floor((Date.now() - 2 * HOUR) / HOUR) * HOUR + 15 * 60_000;
const PASSWORD = "correct horse battery";

let dir: ReturnType<typeof tempDir>;
let server: Server;
let browser: Browser;
let page: Page;
let base: string;

beforeAll(async () => {
  dir = tempDir("ipc-hls-auth-browser-");
  const store = new LocalStore(join(dir.path, "store"));
  await recordWithSdk(store, "cam1", T);
  const auth = new Authenticator({ users: parseUsersFile(await passwordLine("alice", PASSWORD)) });
  server = createReplayServer({ store, auth });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchChromium();
  page = await (await browser.newContext()).newPage();
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  dir?.cleanup();
});

describe.skipIf(!chromiumAvailable())("in chromium", () => {
  it("the login form opens a session the page's requests carry; the cookie is out of the script's reach", async () => {
    expect((await page.goto(`${base}/cameras`))!.status()).toBe(401);
    await page.goto(`${base}/login.html`);
    await page.fill("input[name=user]", "alice");
    await page.fill("input[name=password]", "wrong password");
    await Promise.all([page.waitForURL(/login\.html#failed$/), page.click("button[type=submit]")]);
    expect(await page.isVisible("#failed")).toBe(true);
    await page.fill("input[name=user]", "alice");
    await page.fill("input[name=password]", PASSWORD);
    await Promise.all([page.waitForURL(`${base}/`), page.click("button[type=submit]")]);
    const seen = await page.evaluate(async () => ({ status: (await fetch("/cameras")).status, cookie: document.cookie }));
    expect(seen).toEqual({ status: 200, cookie: "" });
  });

  it("plays a clip.mp4 in a <video> element", async () => {
    const src = `/cameras/cam1/clip.mp4?start=${new Date(T + 1000).toISOString()}&end=${new Date(T + 5000).toISOString()}`;
    const played = await page.evaluate(async (url) => {
      const video = document.createElement("video");
      video.muted = true;
      video.src = url;
      document.body.append(video);
      await video.play();
      await new Promise<void>((resolve, reject) => {
        video.addEventListener("error", () => reject(new Error(`video error ${video.error?.code}`)));
        const check = () => (video.currentTime > 1 ? resolve() : setTimeout(check, 50));
        check();
      });
      return { width: video.videoWidth, height: video.videoHeight, duration: video.duration, time: video.currentTime };
    }, src);
    expect(played.width).toBe(640);
    expect(played.height).toBe(360);
    // 1 s..5 s of 2 s segments: the clip is the segments from 0 s to 6 s.
    expect(played.duration).toBeGreaterThan(5);
    expect(played.duration).toBeLessThan(7);
    expect(played.time).toBeGreaterThan(1);
  });
});
