// One S3 store for both sides, against MinIO: what it writes, it lists, finds folders in, presigns and probes for;
// the AWS SDK reads the objects back as the independent reference.
import { describe, it, expect } from "vitest";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { freshBucket, minio, referenceClient } from "./support/minio.js";
import { S3Store } from "../src/store/s3-store.js";

function store(bucket: string) {
  const m = minio();
  return new S3Store({
    location: { bucket, region: m.region, endpoint: m.endpoint, forcePathStyle: true },
    credentials: async () => ({ accessKeyId: m.accessKeyId, secretAccessKey: m.secretAccessKey }),
  });
}

describe("S3Store", () => {
  it("puts, lists, lists folders, says whether a prefix has objects, and presigns a URL that serves the object", async () => {
    const bucket = await freshBucket("store");
    const s3 = store(bucket);
    const keys = ["cam1/2026/a.ts", "cam1/2026/b.ts", "cam2/2026/c.ts"];
    for (const [i, key] of keys.entries()) await s3.put(key, [new Uint8Array(i + 1).fill(i), new Uint8Array(3).fill(9)]);
    expect(await s3.list("cam1/")).toEqual([{ key: keys[0], size: 4 }, { key: keys[1], size: 5 }]);
    expect(await s3.listFolders("")).toEqual(["cam1", "cam2"]);
    expect([await s3.hasAny("cam2/"), await s3.hasAny("cam3/")]).toEqual([true, false]);
    const body = await (await referenceClient().send(new GetObjectCommand({ Bucket: bucket, Key: keys[2] }))).Body!.transformToByteArray();
    expect([...body]).toEqual([2, 2, 2, 9, 9, 9]);
    const answer = await fetch((await s3.presign(keys[2], 60)).url);
    expect([...new Uint8Array(await answer.arrayBuffer())]).toEqual([...body]);
    s3.close();
  });

  it("probe(): true for a bucket that exists (empty or not), false for one that does not", async () => {
    const bucket = await freshBucket("probe");
    const s3 = store(bucket);
    expect(await s3.probe()).toBe(true);
    expect(await s3.probe("no/such/prefix/")).toBe(true);
    s3.close();
    const missing = store(`${bucket}-missing`);
    expect(await missing.probe()).toBe(false);
    missing.close();
  });

  it("describes itself by bucket and endpoint, without credentials", () => {
    const s3 = store("some-bucket");
    expect(s3.description).toBe(`s3://some-bucket at ${minio().endpoint}`);
    expect(s3.description).not.toContain(minio().secretAccessKey);
    s3.close();
  });
});
