// Virtual-hosted addressing end to end: the bucket in the host name (as AWS wants it), signed and sent by our
// S3 store, verified by MinIO (which serves <bucket>.localhost with MINIO_DOMAIN=localhost), read back by the AWS SDK.
import { describe, expect, test } from "vitest";
import type { LookupFunction } from "node:net";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { S3Store } from "../src/store/s3-store.js";
import { freshBucket, minio, referenceClient } from "./support/minio.js";

// <anything>.localhost is this machine; the system resolver here does not know subdomains of localhost.
const toLoopback: LookupFunction = (hostname, options, callback) => {
  if (!hostname.endsWith("localhost")) return callback(Object.assign(new Error(`unexpected host ${hostname}`), { code: "ENOTFOUND" }), "", 4);
  if (options.all) return (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: "127.0.0.1", family: 4 }]);
  callback(null, "127.0.0.1", 4);
};

describe("virtual-hosted style", () => {
  test("a PUT to <bucket>.localhost is accepted (signature verified) and lands in the bucket", async () => {
    const m = minio();
    const bucket = await freshBucket("vhost");
    const port = new URL(m.endpoint).port;
    const store = new S3Store({
      // (false: localhost would otherwise go path style, as most local stores want)
      location: { bucket, region: m.region, endpoint: `http://localhost:${port}`, forcePathStyle: false },
      credentials: async () => ({ accessKeyId: m.accessKeyId, secretAccessKey: m.secretAccessKey }),
      lookup: toLoopback,
    });
    expect(store.connection.host).toBe(`${bucket}.localhost:${port}`);
    const body = new TextEncoder().encode("virtual-hosted");
    await store.put("cam/2026/11/25/19/00-00.000_2000ms_0badc0de-000000.ts", [body.subarray(0, 7), body.subarray(7)]);
    expect((await store.list("cam/")).map((o) => o.key)).toEqual(["cam/2026/11/25/19/00-00.000_2000ms_0badc0de-000000.ts"]);
    const got = await referenceClient().send(new GetObjectCommand({ Bucket: bucket, Key: "cam/2026/11/25/19/00-00.000_2000ms_0badc0de-000000.ts" }));
    expect(await got.Body!.transformToString()).toBe("virtual-hosted");
  });

  test("with a wrong secret MinIO refuses the virtual-hosted request", async () => {
    const m = minio();
    const bucket = await freshBucket("vhost-bad");
    const store = new S3Store({
      location: { bucket, region: m.region, endpoint: `http://localhost:${new URL(m.endpoint).port}`, forcePathStyle: false },
      credentials: async () => ({ accessKeyId: m.accessKeyId, secretAccessKey: "wrong-secret-for-vhost" }),
      lookup: toLoopback,
    });
    await expect(store.put("k.ts", [new Uint8Array([1, 2, 3])])).rejects.toMatchObject({ name: "S3AuthError" });
  });
});
