// The lock on the replay server: bearer token, users with scrypt passwords, login and session cookie, rate limit on
// failures, signed segment URLs that expire, TLS, and `serve` refusing to listen beyond loopback without any of it.
// Secrets are checked never to reach the process's output.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { execFile, execFileSync, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";

import { LocalStore } from "../src/store/local-store.js";
import { createReplayServer } from "../src/playback/server.js";
import { Authenticator, SESSION_COOKIE } from "../src/playback/auth.js";
import { parseUsersFile, passwordLine } from "../src/playback/passwords.js";
import { createUrlSigner } from "../src/playback/url-signing.js";
import { isLoopback } from "../src/cli/serve.js";
import { recordWithFfmpeg, type StoredSegment } from "./support/recordings.js";
import { repoRoot, tempDir } from "./support/media-tools.js";


const HOUR = 3_600_000;
const T = Math.floor((Date.now() - 2 * HOUR) / HOUR) * HOUR + 10 * 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
const TOKEN = "tok-" + "7f3a9c1e5b2d8f4a6c0e1b3d5f7a9c2e";
const PASSWORD = "correct horse battery";

let dir: ReturnType<typeof tempDir>;
let store: LocalStore;
let segments: StoredSegment[];
let usersFile: string;
let tokenFile: string;
/** The servers' clock: tests move it to expire URLs and let rate limits pass. */
let clock = Date.now();
const now = () => clock;

beforeAll(async () => {
  dir = tempDir("ipc-hls-auth-");
  store = new LocalStore(join(dir.path, "store"));
  segments = await recordWithFfmpeg(store, "cam1", T, 4);
  usersFile = join(dir.path, "users.txt");
  writeFileSync(usersFile, `# viewers\n${await passwordLine("alice", PASSWORD)}\n`);
  tokenFile = join(dir.path, "token");
  writeFileSync(tokenFile, TOKEN + "\n");
});
afterAll(() => dir?.cleanup());

async function startServer(extra: { failureLimit?: number } = {}): Promise<{ base: string; close: () => Promise<void> }> {
  const auth = new Authenticator({ token: TOKEN, users: parseUsersFile(`alice:${(await passwordLine("alice", PASSWORD)).split(":")[1]}`), now, ...extra });
  const server: Server = createReplayServer({ store, auth, signer: createUrlSigner({ now, lifetimeS: 3600 }), now });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const range = `start=${iso(T)}&end=${iso(T + 4000)}`;
const login = (base: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base}/login`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body), redirect: "manual" });
const sessionCookie = (res: Response) => /^ipc_hls_session=([^;]*)/.exec(res.headers.get("set-cookie") ?? "")?.[1];

describe("with authentication configured", () => {
  let base: string;
  let close: () => Promise<void>;
  beforeAll(async () => ({ base, close } = await startServer()));
  afterAll(() => close());

  const protectedPaths = () => [
    "/cameras",
    `/cameras/cam1/spans?day=${iso(T).slice(0, 10)}`,
    `/cameras/cam1/playlist.m3u8?${range}`,
    `/cameras/cam1/clip.mp4?${range}`,
    "/cameras/cam1/" + segments[0].key.replace(/^cam1\//, "segments/"),
    "/no-such-route",
  ];

  it("answers 401 and no data without credentials or with a wrong token", async () => {
    for (const path of protectedPaths()) {
      for (const headers of [{}, { authorization: "Bearer wrong-token-wrong-token" }, { cookie: `${SESSION_COOKIE}=forged` }]) {
        const res = await fetch(base + path, { headers });
        expect(res.status, `${path} ${JSON.stringify(headers)}`).toBe(401);
        expect(res.headers.get("content-type")).toMatch(/^application\/json/);
        const body = await res.text();
        expect(JSON.parse(body).error.code).toBe("unauthorized");
        expect(body).not.toMatch(/cam1|EXTM3U|segments\//);
      }
      // (the wrong tokens above count as failures: start over for the next path)
      clock += 61_000;
    }
  });

  it("serves the page itself without a login", async () => {
    expect((await fetch(`${base}/`)).status).toBe(200);
    expect((await fetch(`${base}/replay.js`)).status).toBe(200);
    const form = await fetch(`${base}/login.html`);
    expect(form.status).toBe(200);
    expect(await form.text()).toMatch(/<form method="post" action="\/login">/);
    expect(await (await fetch(`${base}/session`)).json()).toEqual({ error: expect.objectContaining({ code: "unauthorized" }) });
  });

  it("serves everything to the right bearer token", async () => {
    const headers = { authorization: `Bearer ${TOKEN}` };
    expect(await (await fetch(`${base}/cameras`, { headers })).json()).toEqual({ cameras: ["cam1"] });
    expect((await fetch(`${base}/cameras/cam1/playlist.m3u8?${range}`, { headers })).status).toBe(200);
    expect((await fetch(`${base}/cameras/cam1/` + segments[0].key.replace(/^cam1\//, "segments/"), { headers })).status).toBe(200);
  });

  it("logs in with the token or a user's password: an HttpOnly, SameSite=Strict cookie of 256 random bits", async () => {
    for (const body of [{ password: TOKEN }, { user: "alice", password: PASSWORD }]) {
      const res = await login(base, body);
      expect(res.status).toBe(200);
      expect((await res.json()).user).toBe(body.user ?? "token");
      const cookie = res.headers.get("set-cookie")!;
      const attributes = cookie.split(";").map((a) => a.trim());
      expect(attributes).toEqual(expect.arrayContaining(["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"]));
      expect(attributes).not.toContain("Secure"); // plain HTTP here; see the TLS test
      const id = sessionCookie(res)!;
      expect(Buffer.from(id, "base64url")).toHaveLength(32);
      const withCookie = { cookie: `${SESSION_COOKIE}=${id}` };
      expect((await fetch(`${base}/cameras`, { headers: withCookie })).status).toBe(200);
      expect(await (await fetch(`${base}/session`, { headers: withCookie })).json()).toEqual({ auth: true, user: body.user ?? "token" });
      // Logging out ends the session on the server, not only in the browser.
      const out = await fetch(`${base}/logout`, { method: "POST", headers: withCookie });
      expect(out.headers.get("set-cookie")).toMatch(/^ipc_hls_session=; .*Max-Age=0/);
      expect((await fetch(`${base}/cameras`, { headers: withCookie })).status).toBe(401);
    }
  });

  it("a session expires", async () => {
    const id = sessionCookie(await login(base, { password: TOKEN }))!;
    clock += 12 * HOUR + 1000;
    expect((await fetch(`${base}/cameras`, { headers: { cookie: `${SESSION_COOKIE}=${id}` } })).status).toBe(401);
  });

  it("refuses a wrong password, an unknown user, a login from another site and an oversized body", async () => {
    clock += 61_000;
    expect((await login(base, { user: "alice", password: "wrong password" })).status).toBe(401);
    expect((await login(base, { user: "mallory", password: PASSWORD })).status).toBe(401);
    expect((await login(base, { user: "alice", password: TOKEN })).status).toBe(401); // the token is no user's password
    expect((await login(base, { password: TOKEN }, { origin: "https://evil.example" })).status).toBe(403);
    expect((await login(base, { password: "x".repeat(10_000) })).status).toBe(413);
  });

  it("answers 429 with Retry-After after 5 failures a minute from one address, even to the right password", async () => {
    clock += 61_000;
    for (let i = 0; i < 5; i++) expect((await login(base, { user: "alice", password: `guess ${i}` })).status).toBe(401);
    const limited = await login(base, { user: "alice", password: PASSWORD });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(Number(limited.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    // Wrong bearer tokens count too, and are limited the same way.
    expect((await fetch(`${base}/cameras`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(429);
    clock += 61_000;
    expect((await login(base, { user: "alice", password: PASSWORD })).status).toBe(200);
  });

  it("plain HTML form posts are redirected back to the page", async () => {
    clock += 61_000;
    const form = (password: string) =>
      fetch(`${base}/login`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", accept: "text/html" }, body: new URLSearchParams({ user: "alice", password }), redirect: "manual" });
    const ok = await form(PASSWORD);
    expect(ok.status).toBe(303);
    expect(ok.headers.get("location")).toBe("/");
    expect(sessionCookie(ok)).toBeTruthy();
    const bad = await form("nope nope");
    expect(bad.status).toBe(303);
    expect(bad.headers.get("location")).toBe("/login.html#failed");
  });

  it("playlists hand out signed segment URLs that work without a session until they expire", async () => {
    clock += 61_000;
    const id = sessionCookie(await login(base, { password: TOKEN }))!;
    const playlistUrl = `${base}/cameras/cam1/playlist.m3u8?${range}`;
    const text = await (await fetch(playlistUrl, { headers: { cookie: `${SESSION_COOKIE}=${id}` } })).text();
    const uris = text.split("\n").filter((l) => l && !l.startsWith("#"));
    expect(uris).toHaveLength(segments.length);
    for (const [i, uri] of uris.entries()) {
      expect(uri).toMatch(/\?exp=\d+&sig=[A-Za-z0-9_-]{43}$/);
      const res = await fetch(new URL(uri, playlistUrl)); // no cookie, no token
      expect(res.status).toBe(200);
      expect(res.headers.get("cache-control")).toMatch(/^private/);
      expect(Buffer.from(await res.arrayBuffer()).equals(segments[i].bytes)).toBe(true);
    }
    const url = new URL(uris[0], playlistUrl);
    // Another segment's signature, a changed expiry or signature: 403.
    const other = new URL(uris[1], playlistUrl);
    const swapped = new URL(url);
    swapped.searchParams.set("sig", other.searchParams.get("sig")!);
    expect((await fetch(swapped)).status).toBe(403);
    const later = new URL(url);
    later.searchParams.set("exp", String(Number(url.searchParams.get("exp")) + 3600));
    expect((await fetch(later)).status).toBe(403);
    const unsigned = new URL(url);
    unsigned.search = "";
    expect((await fetch(unsigned)).status).toBe(401);
    // An hour later the same URL has expired.
    clock += 3600_000 + 1000;
    const expired = await fetch(url);
    expect(expired.status).toBe(403);
    expect((await expired.json()).error.code).toBe("bad-signature");
  });
});

describe("without authentication", () => {
  it("serves as before on loopback: unsigned segment URLs, /session says there is no auth", async () => {
    const server = createReplayServer({ store });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      expect(await (await fetch(`${base}/session`)).json()).toEqual({ auth: false });
      const text = await (await fetch(`${base}/cameras/cam1/playlist.m3u8?${range}`)).text();
      expect(text).toMatch(/^segments\/.*\.ts$/m);
      expect(text).not.toContain("sig=");
    } finally {
      server.close();
    }
  });

  it("knows loopback addresses", () => {
    for (const host of ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "::ffff:127.0.0.1"]) expect(isLoopback(host), host).toBe(true);
    for (const host of ["0.0.0.0", "::", "192.168.1.10", "10.0.0.1", "example.com", "::ffff:10.0.0.1"]) expect(isLoopback(host), host).toBe(false);
  });
});

describe("ipc-hls serve", () => {
  function serve(args: string[], env: Record<string, string> = {}) {
    const child = spawn(process.execPath, [join(repoRoot, "bin/ipc-hls"), "serve", "--port", "0", "--store", store.root, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...env },
    });
    const out = { stdout: "", stderr: "" };
    child.stdout.on("data", (d) => (out.stdout += d));
    child.stderr.on("data", (d) => (out.stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    const url = new Promise<string>((resolve, reject) => {
      child.stdout.on("data", () => {
        const m = /replay page at (\S+)/.exec(out.stdout);
        if (m) resolve(m[1]);
      });
      child.on("close", () => reject(new Error(`serve exited: ${out.stderr}`)));
    });
    url.catch(() => {}); // (a run that is meant to fail never gives a URL)
    return { child, out, exited, url };
  }

  it("refuses to listen on 0.0.0.0 without authentication: exit 2, one line", async () => {
    const run = serve(["--host", "0.0.0.0"], { IPC_HLS_AUTH_TOKEN: "" });
    expect(await run.exited).toBe(2);
    expect(run.out.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.out.stderr).toMatch(/refusing to serve recordings on 0\.0\.0\.0 without authentication/);
  });

  it("refuses a token that is too short, without printing it", async () => {
    const run = serve(["--host", "0.0.0.0"], { IPC_HLS_AUTH_TOKEN: "hunter2" });
    expect(await run.exited).toBe(2);
    expect(run.out.stderr).toMatch(/too short/);
    expect(run.out.stderr + run.out.stdout).not.toContain("hunter2");
  });

  it.each([
    ["--auth-token-file", () => ["--auth-token-file", tokenFile], {}],
    ["IPC_HLS_AUTH_TOKEN", () => [], { IPC_HLS_AUTH_TOKEN: TOKEN }],
  ] as const)("starts on 0.0.0.0 with a token (%s); the token never appears in its output", async (_, args, env) => {
    const run = serve(["--host", "0.0.0.0", ...args()], env);
    try {
      const port = new URL(await run.url).port;
      const base = `http://127.0.0.1:${port}`;
      expect((await fetch(`${base}/cameras`)).status).toBe(401);
      expect((await fetch(`${base}/cameras`, { headers: { authorization: `Bearer ${TOKEN}x` } })).status).toBe(401);
      expect((await fetch(`${base}/cameras`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
      expect((await login(base, { password: TOKEN.slice(0, -1) })).status).toBe(401);
      expect((await login(base, { password: TOKEN })).status).toBe(200);
      // A request that fails on the server's side (a bad store key is refused, not a 5xx), a bad percent-escape:
      expect((await fetch(`${base}/cameras/%E0%A4%A/spans?day=x`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(400);
    } finally {
      run.child.kill("SIGTERM");
      await run.exited;
    }
    expect(run.out.stderr).toMatch(/unencrypted/); // the warning about plain HTTP beyond loopback
    expect(run.out.stdout + run.out.stderr).not.toContain(TOKEN);
    expect(run.out.stdout + run.out.stderr).not.toContain(TOKEN.slice(0, -1));
  });

  it("--hash-password makes a users-file line from the password on stdin; --users then logs alice in", async () => {
    const { stdout } = await new Promise<{ stdout: string }>((resolve, reject) => {
      const child = execFile(process.execPath, [join(repoRoot, "bin/ipc-hls"), "serve", "--hash-password", "alice"], (err, stdout) => (err ? reject(err) : resolve({ stdout })));
      child.stdin!.end(PASSWORD + "\n");
    });
    expect(stdout).toMatch(/^alice:scrypt\$32768\$8\$3\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}\n$/);
    expect(stdout).not.toContain(PASSWORD);
    const file = join(dir.path, "hashed.txt");
    writeFileSync(file, stdout);
    const run = serve(["--users", file]);
    try {
      const base = (await run.url).replace(/\/$/, "");
      expect((await login(base, { user: "alice", password: PASSWORD })).status).toBe(200);
      expect((await login(base, { user: "alice", password: PASSWORD + "!" })).status).toBe(401);
    } finally {
      run.child.kill("SIGTERM");
      await run.exited;
    }
    expect(run.out.stdout + run.out.stderr).not.toContain(PASSWORD);
  });

  it("serves HTTPS with --tls-cert/--tls-key, and the session cookie is Secure", async () => {
    const cert = join(dir.path, "cert.pem");
    const key = join(dir.path, "key.pem");
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1"], { stdio: "ignore" });
    const run = serve(["--tls-cert", cert, "--tls-key", key, "--auth-token-file", tokenFile]);
    try {
      const url = await run.url;
      expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
      const ca = execFileSync("cat", [cert]);
      const post = (path: string, body: string) =>
        new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
          const req = httpsRequest(new URL(path, url), { method: "POST", ca, headers: { "content-type": "application/json" } }, (res) => {
            let text = "";
            res.on("data", (c) => (text += c));
            res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
          });
          req.on("error", reject);
          req.end(body);
        });
      const res = await post("/login", JSON.stringify({ password: TOKEN }));
      expect(res.status).toBe(200);
      const cookie = (res.headers["set-cookie"] as string[])[0];
      expect(cookie.split(";").map((a) => a.trim())).toEqual(expect.arrayContaining(["Secure", "HttpOnly", "SameSite=Strict"]));
      // A client that does not trust the certificate gets no answer at all.
      await expect(fetch(`${url}cameras`)).rejects.toThrow();
    } finally {
      run.child.kill("SIGTERM");
      await run.exited;
    }
    expect(run.out.stdout + run.out.stderr).not.toContain(TOKEN);
  });
});


