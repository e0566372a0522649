// PutObject against MinIO: both integrity modes, tags, metadata, and the store refusing a body that does not
// match its checksum or hash.
import { describe, it, expect } from "vitest";
import { GetObjectCommand, GetObjectTaggingCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { S3Connection } from "../src/s3/request.js";
import { putObject } from "../src/s3/put-object.js";
import { encodeTags, InvalidTagError } from "../src/s3/tagging.js";
import { crc32Parts, jsCrc32, zlibCrc32, sha256Hex } from "../src/s3/checksum.js";
import { S3IntegrityError } from "../src/s3/errors.js";
import { MuxerCore } from "../src/core.js";
import { freshBucket, minio, referenceClient } from "./support/minio.js";

function connect(bucket: string) {
  const m = minio();
  return new S3Connection({
    location: { region: m.region, bucket, endpoint: m.endpoint, forcePathStyle: true },
    credentials: async () => ({ accessKeyId: m.accessKeyId, secretAccessKey: m.secretAccessKey }),
  });
}

const body = () => {
  const whole = new Uint8Array(188 * 1000).map((_, i) => (i * 31 + 7) & 0xff);
  return { whole, parts: [whole.subarray(0, 188 * 371), whole.subarray(188 * 371)] };
};

async function readBack(bucket: string, key: string) {
  const got = await referenceClient().send(new GetObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: "ENABLED" }));
  return { bytes: Buffer.from(await got.Body!.transformToByteArray()), got };
}

describe("putObject", () => {
  it("crc32 mode: the store keeps the CRC-32 we sent, with tags and metadata", async () => {
    const bucket = await freshBucket("put");
    const conn = connect(bucket);
    const { whole, parts } = body();
    // (MinIO refuses non-ASCII tag values, which AWS accepts; the encoding of those is checked below.)
    const tags = { camera: "front door", site: "Zurich/HQ: 2.OG", "a+b": "x=y@z_-" };
    const result = await putObject(conn, "cam/seg.ts", parts, {
      checksum: "crc32",
      tagging: encodeTags(tags),
      metadata: { "duration-ms": "2000", codecs: "avc1.64001f,mp4a.40.2" },
      contentType: "video/mp2t",
    });
    const { bytes, got } = await readBack(bucket, "cam/seg.ts");
    expect(bytes.equals(Buffer.from(whole))).toBe(true);
    expect(got.ChecksumCRC32).toBe(result.checksumCrc32);
    expect(got.ContentType).toBe("video/mp2t");
    expect(got.Metadata).toEqual({ "duration-ms": "2000", codecs: "avc1.64001f,mp4a.40.2" });
    const tagging = await referenceClient().send(new GetObjectTaggingCommand({ Bucket: bucket, Key: "cam/seg.ts" }));
    const readTags = Object.fromEntries(tagging.TagSet!.map((t) => [t.Key, t.Value]));
    expect(readTags).toEqual(tags);
    conn.close();
  });

  it("the CRC-32 without zlib (JS, for Node < 20.15) gives the standard check value and zlib's results", () => {
    expect(jsCrc32(0, new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
    const { parts } = body();
    const js = parts.reduce((crc, part) => jsCrc32(crc, part), 0);
    expect(crc32Parts(parts)).toBe(js);
    if (zlibCrc32) expect(zlibCrc32(parts)).toBe(js);
  });

  it("crc32 mode with the WASM core's CRC (the path for Node < 20.15): same value as zlib, accepted by MinIO", async () => {
    const bucket = await freshBucket("put");
    const conn = connect(bucket);
    const core = await MuxerCore.create({ bufferSize: 1 << 20 });
    const { whole, parts } = body();
    expect(core.crc32(parts)).toBe(crc32Parts(parts));
    const result = await putObject(conn, "core-crc.ts", parts, { checksum: "crc32", crc32: (p) => core.crc32(p) });
    const { bytes, got } = await readBack(bucket, "core-crc.ts");
    expect(bytes.equals(Buffer.from(whole))).toBe(true);
    expect(got.ChecksumCRC32).toBe(result.checksumCrc32);
    conn.close();
  });

  it("sha256 mode: the payload hash is signed and the object arrives intact", async () => {
    const bucket = await freshBucket("put");
    const conn = connect(bucket);
    const { whole, parts } = body();
    await putObject(conn, "seg.ts", parts, { checksum: "sha256" });
    const head = await referenceClient().send(new HeadObjectCommand({ Bucket: bucket, Key: "seg.ts" }));
    expect(head.ContentLength).toBe(whole.byteLength);
    expect((await readBack(bucket, "seg.ts")).bytes.equals(Buffer.from(whole))).toBe(true);
    conn.close();
  });

  it("crc32 mode: a body that does not match its CRC is refused with a typed integrity error, nothing stored", async () => {
    const bucket = await freshBucket("put");
    const conn = connect(bucket);
    const { parts } = body();
    // A CRC function that sees one flipped bit: the header no longer matches the bytes sent.
    const crcOfCorrupted = (p: readonly Uint8Array[]) => {
      const copy = Buffer.concat(p.map((x) => Buffer.from(x)) as unknown as Uint8Array[]);
      copy[1000] ^= 1;
      return crc32Parts([copy]);
    };
    const err = await putObject(conn, "bad.ts", parts, { checksum: "crc32", crc32: crcOfCorrupted }).catch((e) => e);
    expect(err).toBeInstanceOf(S3IntegrityError);
    expect(err.kind).toBe("integrity");
    const head = await referenceClient().send(new HeadObjectCommand({ Bucket: bucket, Key: "bad.ts" })).catch((e) => e);
    expect(head.name).toBe("NotFound");
    conn.close();
  });

  it("sha256 mode: a body that does not match the signed hash is refused with a typed integrity error", async () => {
    const bucket = await freshBucket("put");
    const conn = connect(bucket);
    const { parts } = body();
    const wrongHash = sha256Hex([new Uint8Array([1, 2, 3])]);
    const err = await conn.send({ method: "PUT", key: "bad.ts", body: parts, payloadHash: wrongHash }).catch((e) => e);
    expect(err).toBeInstanceOf(S3IntegrityError);
    expect(["XAmzContentSHA256Mismatch", "BadDigest"]).toContain(err.code);
    conn.close();
  });
});

describe("encodeTags", () => {
  it("percent-encodes keys and values (spaces as %20) and joins them like a query string", () => {
    expect(encodeTags({ "my key": "a/b c", x: "" })).toBe("my%20key=a%2Fb%20c&x=");
    expect(encodeTags({ site: "Zürich" })).toBe("site=Z%C3%BCrich");
  });
  it("refuses more than 10 tags, over-long keys or values, reserved prefixes and forbidden characters", () => {
    const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, "v"]));
    expect(() => encodeTags(eleven)).toThrow(InvalidTagError);
    expect(() => encodeTags({ ["k".repeat(129)]: "v" })).toThrow(InvalidTagError);
    expect(() => encodeTags({ k: "v".repeat(257) })).toThrow(InvalidTagError);
    expect(() => encodeTags({ "aws:x": "v" })).toThrow(InvalidTagError);
    expect(() => encodeTags({ k: "a&b" })).toThrow(InvalidTagError);
    expect(() => encodeTags({ "": "v" })).toThrow(InvalidTagError);
    expect(encodeTags({ ["k".repeat(128)]: "v".repeat(256) })).toHaveLength(128 + 1 + 256);
  });
});
