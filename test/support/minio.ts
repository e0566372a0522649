// The shared MinIO server of this test run, and a fresh bucket per test file.
import { inject } from "vitest";
import { S3Client, CreateBucketCommand } from "@aws-sdk/client-s3";
import type { MinioInfo } from "./minio-global-setup.js";

export function minio(): MinioInfo {
  return inject("minio");
}

/** An independent S3 client (the AWS SDK) pointed at the test MinIO, for setting up and reading back. */
export function referenceClient(): S3Client {
  const m = minio();
  return new S3Client({
    endpoint: m.endpoint,
    region: m.region,
    forcePathStyle: true,
    credentials: { accessKeyId: m.accessKeyId, secretAccessKey: m.secretAccessKey },
  });
}

let counter = 0;
/** Creates a bucket with a unique name and returns it. */
export async function freshBucket(label = "t"): Promise<string> {
  const name = `${label}-${process.pid}-${Date.now().toString(36)}-${counter++}`.toLowerCase().replace(/[^a-z0-9-]/g, "-");
  await referenceClient().send(new CreateBucketCommand({ Bucket: name }));
  return name;
}
