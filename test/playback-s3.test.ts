// ListObjectsV2 paging and presigned GET URLs against MinIO (which checks every signature), read back with
// the AWS SDK as the independent reference.
import { describe, it, expect, beforeAll } from "vitest";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { freshBucket, minio, referenceClient } from "./support/minio.js";
import { S3Connection } from "../src/s3/request.js";
import { listAllObjects, listObjectsPage, parseListObjectsV2, ListParseError } from "../src/s3/list.js";
import { presignGetUrl, InvalidExpiryError, MAX_PRESIGN_EXPIRY_S } from "../src/s3/presign.js";
import { S3Store } from "../src/store/s3-store.js";

function connection(bucket: string) {
  const m = minio();
  return new S3Connection({
    location: { bucket, region: m.region, endpoint: m.endpoint, forcePathStyle: true },
    credentials: async () => ({ accessKeyId: m.accessKeyId, secretAccessKey: m.secretAccessKey }),
  });
}

// Keys with characters that XML must escape, a space, and non-ASCII text.
const awkwardKeys = ["cam/a&b.ts", "cam/less<more>.ts", "cam/quote'\"s.ts", "cam/sp ace.ts", "cam/é ü.ts"];

describe("ListObjectsV2", () => {
  let bucket: string;
  const plainKeys = Array.from({ length: 7 }, (_, i) => `cam/2026/11/25/10/0${i}-00.000_2000ms_0a1b2c3d-00000${i}.ts`);
  beforeAll(async () => {
    bucket = await freshBucket("list");
    const s3 = referenceClient();
    for (const [i, key] of [...plainKeys, ...awkwardKeys, "other/x.ts"].entries()) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "x".repeat(i + 1) }));
    }
  });

  it("follows continuation tokens until the listing ends, in key order", async () => {
    const conn = connection(bucket);
    const first = await listObjectsPage(conn, "cam/2026/", { maxKeys: 3 });
    expect(first.objects).toHaveLength(3);
    expect(first.isTruncated).toBe(true);
    expect(first.nextContinuationToken).toBeTruthy();
    const all = await listAllObjects(conn, "cam/2026/", { maxKeys: 2 });
    expect(all.objects.map((o) => o.key)).toEqual(plainKeys);
    expect(all.objects.map((o) => o.size)).toEqual(plainKeys.map((_, i) => i + 1));
    conn.close();
  });

  it("decodes XML entities in keys", async () => {
    const conn = connection(bucket);
    const keys = (await listAllObjects(conn, "cam/", {})).objects.map((o) => o.key).filter((k) => !k.startsWith("cam/2026"));
    expect(keys.sort()).toEqual([...awkwardKeys].sort());
    conn.close();
  });

  it("lists folders with a delimiter, and knows whether a prefix holds anything", async () => {
    const store = new S3Store(connection(bucket));
    expect(await store.listFolders("")).toEqual(["cam", "other"]);
    expect(await store.listFolders("cam/2026/11")).toEqual(["25"]);
    expect(await store.hasAny("cam/")).toBe(true);
    expect(await store.hasAny("nobody/")).toBe(false);
    store.close();
  });

  it("refuses answers that are not a listing, and truncated listings without a token", () => {
    expect(() => parseListObjectsV2("<Error><Code>x</Code></Error>")).toThrow(ListParseError);
    expect(() => parseListObjectsV2("<ListBucketResult><Contents><Key>a</Key></Contents></ListBucketResult>")).toThrow(ListParseError);
    const page = parseListObjectsV2(
      "<ListBucketResult><Prefix>p&amp;</Prefix><Contents><Key>p&amp;&#x41;&#66;</Key><Size>3</Size></Contents>" +
        "<IsTruncated>true</IsTruncated><NextContinuationToken>t&lt;1</NextContinuationToken></ListBucketResult>",
    );
    expect(page).toEqual({ objects: [{ key: "p&AB", size: 3 }], folders: [], isTruncated: true, nextContinuationToken: "t<1" });
  });
});

describe("presigned GET URLs", () => {
  let bucket: string;
  const key = "cam/2026/11/25/10/00-00.000_2000ms_0a1b2c3d-000000.ts";
  const body = "segment bytes";
  beforeAll(async () => {
    bucket = await freshBucket("presign");
    const s3 = referenceClient();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: awkwardKeys[0], Body: "awkward" }));
  });
  const options = (extra: { key?: string; expiresIn?: number; signingDate?: Date } = {}) => {
    const m = minio();
    return {
      location: { bucket, region: m.region, endpoint: m.endpoint, forcePathStyle: true },
      credentials: { accessKeyId: m.accessKeyId, secretAccessKey: m.secretAccessKey },
      key,
      expiresIn: 600,
      ...extra,
    };
  };

  it("fetches the object without any other credentials", async () => {
    const { url, expiresAt } = await presignGetUrl(options());
    expect(url).toContain("X-Amz-Expires=600");
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(body);
    expect(expiresAt.getTime()).toBeGreaterThan(Date.now() + 590_000);
    const awkward = await fetch((await presignGetUrl(options({ key: awkwardKeys[0] }))).url);
    expect(await awkward.text()).toBe("awkward");
  });

  it("stops working once expired (signed 20 minutes ago for 10 minutes)", async () => {
    const { url, expiresAt } = await presignGetUrl(options({ signingDate: new Date(Date.now() - 20 * 60_000) }));
    expect(expiresAt.getTime()).toBeLessThan(Date.now());
    const res = await fetch(url);
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/expired/i);
  });

  it("is refused when tampered with (another key, same signature)", async () => {
    const { url } = await presignGetUrl(options());
    const res = await fetch(url.replace("000000.ts", "000001.ts"));
    expect(res.status).toBe(403);
  });

  it("accepts at most 7 days and reports a session token's earlier end", async () => {
    await expect(presignGetUrl(options({ expiresIn: MAX_PRESIGN_EXPIRY_S + 1 }))).rejects.toThrow(InvalidExpiryError);
    await expect(presignGetUrl(options({ expiresIn: 0 }))).rejects.toThrow(InvalidExpiryError);
    const tokenEnd = new Date(Date.now() + 60_000);
    const { url, expiresAt } = await presignGetUrl({
      ...options({ expiresIn: MAX_PRESIGN_EXPIRY_S }),
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret", sessionToken: "tok/en+", expiration: tokenEnd },
    });
    expect(expiresAt).toEqual(tokenEnd);
    expect(new URL(url).searchParams.get("X-Amz-Security-Token")).toBe("tok/en+");
    expect(url).not.toContain("secret");
  });
});
