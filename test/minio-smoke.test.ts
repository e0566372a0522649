import { describe, it, expect } from "vitest";
import { PutObjectCommand, GetObjectCommand } from "@aws-sdk/client-s3";
import { freshBucket, referenceClient } from "./support/minio.js";

describe("test MinIO", () => {
  it("stores and returns an object through the AWS SDK", async () => {
    const bucket = await freshBucket("smoke");
    const s3 = referenceClient();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "a/b.txt", Body: "hello" }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "a/b.txt" }));
    expect(await got.Body!.transformToString()).toBe("hello");
  });
});
