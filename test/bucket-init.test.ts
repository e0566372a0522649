// `ipc-hls bucket init` against MinIO: the bucket is created, the lifecycle rule and the CORS rule read back with
// the AWS SDK are what was asked, a second run changes nothing, another tool's rules are kept, a store without the
// CORS API gets a clear line, bad flags are refused before any request, and no secret is ever printed.
import { describe, it, expect, afterAll } from "vitest";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  GetBucketCorsCommand,
  GetBucketLifecycleConfigurationCommand,
  HeadBucketCommand,
  PutBucketCorsCommand,
  PutBucketLifecycleConfigurationCommand,
  type LifecycleRule,
} from "@aws-sdk/client-s3";
import { freshBucket, minio, referenceClient } from "./support/minio.js";
import { repoRoot } from "./support/media-tools.js";
import { startFaultProxy, type FaultProxy } from "./support/fault-proxy.js";

const run = promisify(execFile);
const proxies: FaultProxy[] = [];
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
});

let counter = 0;
const newBucketName = () => `init-${process.pid}-${Date.now().toString(36)}-${counter++}`;

async function bucketInit(args: string[], env: Record<string, string | undefined> = {}) {
  const m = minio();
  const childEnv = { ...process.env, AWS_ACCESS_KEY_ID: m.accessKeyId, AWS_SECRET_ACCESS_KEY: m.secretAccessKey, AWS_SESSION_TOKEN: undefined, AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined, ...env };
  let result: { code: number; stdout: string; stderr: string };
  try {
    const { stdout, stderr } = await run(process.execPath, [join(repoRoot, "bin/ipc-hls"), "bucket", "init", ...args], { env: childEnv as NodeJS.ProcessEnv });
    result = { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    result = { code: typeof e.code === "number" ? e.code : -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
  expect(result.stdout + result.stderr).not.toContain(m.secretAccessKey);
  return result;
}

const minioFlags = () => ["--endpoint", minio().endpoint, "--path-style"];

async function lifecycleRules(bucket: string): Promise<LifecycleRule[]> {
  return (await referenceClient().send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))).Rules ?? [];
}

/** The three JSON policies printed after the summary lines. */
function printedPolicies(stdout: string): Record<string, unknown>[] {
  return stdout.split(/\n(?=\{)/).slice(1).map((chunk) => JSON.parse(chunk.slice(0, chunk.lastIndexOf("}") + 1)) as Record<string, unknown>);
}

/** Whether this MinIO has the bucket CORS API (tried on a scratch bucket; many builds answer NotImplemented). */
async function storeHasCors(): Promise<boolean> {
  const scratch = await freshBucket("init-cors-probe");
  try {
    await referenceClient().send(new PutBucketCorsCommand({ Bucket: scratch, CORSConfiguration: { CORSRules: [{ AllowedOrigins: ["https://a.example"], AllowedMethods: ["GET"] }] } }));
    return true;
  } catch (err) {
    const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (e.name === "NotImplemented" || e.$metadata?.httpStatusCode === 501) return false;
    throw err;
  }
}

describe("ipc-hls bucket init against MinIO", () => {
  it("creates the bucket, expires the prefix after N days, sets CORS (or says the store has none), prints the policies", async () => {
    const bucket = newBucketName();
    const res = await bucketInit(["--bucket", bucket, "--prefix", "cameras", "--retention-days", "30", "--cors", "https://cameras.example.com", ...minioFlags()]);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    await referenceClient().send(new HeadBucketCommand({ Bucket: bucket }));
    expect(res.stdout).toContain(`bucket ${bucket}: created\n`);
    expect(res.stdout).toContain("retention: objects under cameras/ expire 30 days after they were made (rule added)\n");

    expect(await lifecycleRules(bucket)).toEqual([
      { ID: "ipc-hls-retention:cameras/", Filter: { Prefix: "cameras/" }, Status: "Enabled", Expiration: { Days: 30 } },
    ]);

    if (await storeHasCors()) {
      const cors = await referenceClient().send(new GetBucketCorsCommand({ Bucket: bucket }));
      expect(cors.CORSRules).toEqual([
        { ID: "ipc-hls-replay", AllowedOrigins: ["https://cameras.example.com"], AllowedMethods: ["GET", "HEAD"], AllowedHeaders: ["Range"], MaxAgeSeconds: 3600 },
      ]);
      expect(res.stdout).toContain("cors: GET and HEAD allowed from https://cameras.example.com (rule added)\n");
    } else {
      expect(res.stdout).toContain("cors: CORS not supported by this store");
    }

    const [camera, iot, viewer] = printedPolicies(res.stdout);
    expect(camera).toEqual({
      Version: "2012-10-17",
      Statement: [{ Sid: "UploadSegments", Effect: "Allow", Action: ["s3:PutObject", "s3:PutObjectTagging"], Resource: `arn:aws:s3:::${bucket}/cameras/*` }],
    });
    expect(iot).toEqual({
      Version: "2012-10-17",
      Statement: [{ Sid: "UploadSegments", Effect: "Allow", Action: ["s3:PutObject", "s3:PutObjectTagging"], Resource: `arn:aws:s3:::${bucket}/cameras/\${credentials-iot:ThingName}/*` }],
    });
    expect(viewer).toEqual({
      Version: "2012-10-17",
      Statement: [
        { Sid: "ListRecordings", Effect: "Allow", Action: "s3:ListBucket", Resource: `arn:aws:s3:::${bucket}`, Condition: { StringLike: { "s3:prefix": ["cameras/", "cameras/*"] } } },
        { Sid: "ReadSegments", Effect: "Allow", Action: "s3:GetObject", Resource: `arn:aws:s3:::${bucket}/cameras/*` },
      ],
    });
  });

  it("is idempotent: a second run finds everything in place and changes nothing", async () => {
    const bucket = newBucketName();
    const args = ["--bucket", bucket, "--prefix", "site-1/cameras", "--retention-days", "7", "--cors", "http://127.0.0.1:8080", ...minioFlags()];
    const first = await bucketInit(args);
    expect(first.code).toBe(0);
    const rulesAfterFirst = await lifecycleRules(bucket);
    const second = await bucketInit(args);
    expect(second.code).toBe(0);
    expect(second.stderr).toBe("");
    expect(second.stdout).toContain(`bucket ${bucket}: exists\n`);
    expect(second.stdout).toContain("retention: objects under site-1/cameras/ expire 7 days after they were made (already set)\n");
    if (await storeHasCors()) expect(second.stdout).toContain("cors: GET and HEAD allowed from http://127.0.0.1:8080 (already set)\n");
    expect(await lifecycleRules(bucket)).toEqual(rulesAfterFirst);
    expect(printedPolicies(second.stdout)).toEqual(printedPolicies(first.stdout));
  });

  it("keeps another tool's lifecycle rules; a new retention replaces only our rule", async () => {
    const bucket = await freshBucket("init-keep");
    const foreign: LifecycleRule[] = [
      { ID: "logs-cleanup", Filter: { Prefix: "logs/" }, Status: "Enabled", Expiration: { Days: 3 } },
      { ID: "tmp", Filter: { And: { Prefix: "tmp/", Tags: [{ Key: "kind", Value: "scratch" }] } }, Status: "Disabled", Expiration: { Days: 1 } },
    ];
    await referenceClient().send(new PutBucketLifecycleConfigurationCommand({ Bucket: bucket, LifecycleConfiguration: { Rules: foreign } }));
    const before = await lifecycleRules(bucket);

    const first = await bucketInit(["--bucket", bucket, "--prefix", "cameras", "--retention-days", "30", ...minioFlags()]);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("(rule added)");
    const ours = { ID: "ipc-hls-retention:cameras/", Filter: { Prefix: "cameras/" }, Status: "Enabled", Expiration: { Days: 30 } };
    expect(await lifecycleRules(bucket)).toEqual([...before, ours]);

    const second = await bucketInit(["--bucket", bucket, "--prefix", "cameras", "--retention-days", "90", ...minioFlags()]);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("retention: objects under cameras/ expire 90 days after they were made (rule updated)\n");
    expect(await lifecycleRules(bucket)).toEqual([...before, { ...ours, Expiration: { Days: 90 } }]);

    // Another prefix in the same bucket gets a rule of its own beside ours.
    const third = await bucketInit(["--bucket", bucket, "--prefix", "lobby", "--retention-days", "5", ...minioFlags()]);
    expect(third.code).toBe(0);
    const rules = await lifecycleRules(bucket);
    expect(rules.map((r) => r.ID)).toEqual(["logs-cleanup", "tmp", "ipc-hls-retention:cameras/", "ipc-hls-retention:lobby/"]);
  });

  it("without --retention-days or --prefix: no lifecycle change, policies for the whole bucket", async () => {
    const bucket = await freshBucket("init-plain");
    const res = await bucketInit(["--bucket", bucket, ...minioFlags()]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`bucket ${bucket}: exists\n`);
    expect(res.stdout).toContain("retention: not set");
    await expect(lifecycleRules(bucket)).rejects.toThrow(/lifecycle/i);
    const [camera, , viewer] = printedPolicies(res.stdout);
    expect((camera!.Statement as { Resource: string }[])[0]!.Resource).toBe(`arn:aws:s3:::${bucket}/*`);
    expect((viewer!.Statement as Record<string, unknown>[])[0]).toEqual({ Sid: "ListRecordings", Effect: "Allow", Action: "s3:ListBucket", Resource: `arn:aws:s3:::${bucket}` });
  });

  it("a store answering NotImplemented to CORS gets one clear line; the rest is done, exit 0", async () => {
    const proxy = await startFaultProxy(minio().endpoint);
    proxies.push(proxy);
    proxy.setScript((_, req) => ((req.url ?? "").includes("cors") ? { status: 501, code: "NotImplemented" } : "pass"));
    const bucket = newBucketName();
    const res = await bucketInit(["--bucket", bucket, "--prefix", "cameras", "--retention-days", "1", "--cors", "https://cameras.example.com", "--endpoint", proxy.endpoint, "--path-style"]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(
      "cors: CORS not supported by this store: allow GET and HEAD from the replay page's origin in the store's own settings\n",
    );
    expect(await lifecycleRules(bucket)).toHaveLength(1);
  });

  it("a store without lifecycle rules: retention cannot be kept, so exit 1 with one clear line (policies still printed)", async () => {
    const proxy = await startFaultProxy(minio().endpoint);
    proxies.push(proxy);
    proxy.setScript((_, req) => ((req.url ?? "").includes("lifecycle") ? { status: 501, code: "NotImplemented" } : "pass"));
    const res = await bucketInit(["--bucket", newBucketName(), "--retention-days", "30", "--endpoint", proxy.endpoint, "--path-style"]);
    expect(res.code).toBe(1);
    expect(res.stdout).toContain("retention: lifecycle rules not supported by this store: set the retention with its own tools\n");
    expect(printedPolicies(res.stdout)).toHaveLength(3);
  });

  it("a store that does not answer: one line, exit 1", async () => {
    const res = await bucketInit(["--bucket", newBucketName(), "--endpoint", "http://127.0.0.1:9", "--path-style"]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^ipc-hls bucket: s3:\/\/\S+ at http:\/\/127\.0\.0\.1:9: cannot reach the store \(ECONNREFUSED\)\n$/);
  });

  it("refused credentials: one line, exit 1, the secret never printed", async () => {
    const res = await bucketInit(["--bucket", newBucketName(), ...minioFlags()], { AWS_SECRET_ACCESS_KEY: "wrong-secret-value-123" });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^ipc-hls bucket: s3:\/\/\S+ at http:\/\/127\.0\.0\.1:\d+: credentials refused \(SignatureDoesNotMatch\)/);
    expect(res.stderr + res.stdout).not.toContain("wrong-secret-value-123");
  });
});

describe("ipc-hls bucket init: bad flags (no request made)", () => {
  it.each([
    [["--retention-days", "0"], 'bad --retention-days "0": a whole number of days, at least 1'],
    [["--retention-days=-3"], 'bad --retention-days "-3": a whole number of days, at least 1'],
    [["--retention-days", "1.5"], 'bad --retention-days "1.5": a whole number of days, at least 1'],
    [["--retention-days", "30d"], 'bad --retention-days "30d": a whole number of days, at least 1'],
    [["--cors", "https://cameras.example.com/"], 'bad --cors "https://cameras.example.com/": give the page\'s origin, scheme://host[:port] without a path (e.g. https://cameras.example.com), or *'],
    [["--cors", "ftp://cameras.example.com"], 'bad --cors "ftp://cameras.example.com": give the page\'s origin, scheme://host[:port] without a path (e.g. https://cameras.example.com), or *'],
    [["--cors", "cameras.example.com"], 'bad --cors "cameras.example.com": give the page\'s origin, scheme://host[:port] without a path (e.g. https://cameras.example.com), or *'],
    [["--prefix", "a/../b"], 'bad --prefix "a/../b": "/"-separated names of letters, digits, . _ : - (e.g. cameras)'],
  ])("%j", async (flags, message) => {
    // The endpoint does not exist: a request would fail differently.
    const res = await bucketInit(["--bucket", "rec", ...flags, "--endpoint", "http://127.0.0.1:9", "--path-style"]);
    expect(res.code).toBe(2);
    expect(res.stderr).toBe(`ipc-hls bucket: ${message}\n`);
  });

  it("needs --bucket and the init subcommand", async () => {
    expect((await bucketInit([])).stderr).toBe("ipc-hls bucket: --bucket is required\n");
    const m = minio();
    const noInit = await run(process.execPath, [join(repoRoot, "bin/ipc-hls"), "bucket", "--bucket", "rec"], { env: { ...process.env, AWS_ACCESS_KEY_ID: m.accessKeyId, AWS_SECRET_ACCESS_KEY: m.secretAccessKey } }).catch((e: { code: number; stderr: string }) => e);
    expect(noInit.code).toBe(2);
    expect(noInit.stderr).toBe("ipc-hls bucket: usage: ipc-hls bucket init --bucket <name> [options] (see --help)\n");
  });
});
