// An endpoint URL with credentials in it (http://user:secret@host) is refused wherever an endpoint is accepted,
// with a clear message that says where credentials go, and no output of any command repeats the secret.
import { describe, it, expect, afterEach } from "vitest";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { HlsRecorder } from "../src/sdk.js";
import { S3Store } from "../src/store/s3-store.js";
import { InvalidEndpointError, resolveEndpoint } from "../src/s3/endpoint.js";
import { fixturePath, repoRoot } from "./support/media-tools.js";

const run = promisify(execFile);
const SECRET = "s3cr3t-in-the-url-91d2";
const WITH_CREDENTIALS = [`http://minio:${SECRET}@127.0.0.1:9`, `https://${SECRET}@storage.example.net`, `ftp://u:${SECRET}@host`, `http://u:${SECRET}@bad host`, `u:${SECRET}@storage.example.net`];

async function ipcHls(args: string[]) {
  const env = { ...process.env, AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "env-secret-not-shown" };
  try {
    const { stdout, stderr } = await run(process.execPath, [join(repoRoot, "bin/ipc-hls"), ...args], { env, timeout: 30_000 });
    return { code: 0, output: stdout + stderr, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code, output: (e.stdout ?? "") + (e.stderr ?? ""), stderr: e.stderr ?? "" };
  }
}

describe("credentials in an endpoint URL", () => {
  it.each(WITH_CREDENTIALS)("the SDK refuses %s without repeating the secret", (endpoint) => {
    for (const make of [
      () => resolveEndpoint({ region: "us-east-1", bucket: "rec", endpoint }),
      () => new HlsRecorder({ bufferSize: 1 << 20, region: "us-east-1", bucket: "rec", endpoint }),
      () => new S3Store({ location: { region: "us-east-1", bucket: "rec", endpoint }, credentials: async () => ({ accessKeyId: "a", secretAccessKey: "b" }) }),
    ]) {
      let thrown: unknown;
      try {
        make();
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(InvalidEndpointError);
      expect((thrown as Error).message).not.toContain(SECRET);
      if (endpoint.includes("127.0.0.1") || endpoint.includes("example")) expect((thrown as Error).message).toMatch(/must not carry credentials.*AWS_ACCESS_KEY_ID/);
    }
  });

  const video = fixturePath("sample/sample-640x360-25fps.h264");
  const endpoint = WITH_CREDENTIALS[0];
  it.each([
    ["push", [video, "--fps", "25", "--bucket", "rec", "--endpoint", endpoint]],
    ["push (path style)", [video, "--fps", "25", "--bucket", "rec", "--endpoint", endpoint, "--path-style"]],
    ["playlist", ["--bucket", "rec", "--prefix", "cam", "--from", "2026-11-25T08:00:00Z", "--to", "2026-11-25T09:00:00Z", "--endpoint", endpoint]],
    ["serve", ["--store", "s3://rec/cameras", "--endpoint", endpoint, "--port", "0"]],
    ["serve", ["--store", `s3://AKIDEXAMPLE:${SECRET}@rec/cameras`, "--port", "0"]],
    ["demo", ["--bucket", "rec", "--endpoint", endpoint, "--port", "0", "--fast", "--loops", "1"]],
  ])("ipc-hls %s: one usage line naming the mistake, exit 2, no secret", async (name, args) => {
    const res = await ipcHls([name.split(" ")[0], ...(args as string[])]);
    expect(res.code, res.output).toBe(2);
    expect(res.stderr.trim().split("\n"), res.output).toHaveLength(1);
    expect(res.stderr).toMatch(/must not carry credentials/);
    expect(res.output).not.toContain(SECRET);
  });

  describe("the Lambda handler", () => {
    const saved = { ...process.env };
    afterEach(() => {
      process.env = saved;
    });
    it("answers a configuration error without the secret", async () => {
      process.env.IPC_HLS_BUCKET = "rec";
      process.env.IPC_HLS_ENDPOINT = endpoint;
      const { handler } = await import("../src/playback/lambda.js");
      const res = await handler({ httpMethod: "GET", path: "/cameras" });
      expect(res.statusCode).toBe(500);
      expect(JSON.parse(res.body).error.message).toMatch(/must not carry credentials/);
      expect(res.body).not.toContain(SECRET);
    });
  });
});
