// `ipc-hls push --realtime` of the sample A/V fixture run by another Node binary (an emulated ARM one: its qemu
// settings come through the environment) into a MinIO of its own; then every object is read back with the AWS
// SDK and compared with the segments `ipc-hls mux` wrote on x86. Exits 1 on any difference or loss.
//   node scripts/arm-push-check.mjs <x86 mux output of the sample A/V> <node binary>
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { S3Client, CreateBucketCommand, ListObjectsV2Command, GetObjectCommand } from "@aws-sdk/client-s3";
import { findMinio, startMinio } from "../bench/minio.js";

const [muxDir, nodeBinary] = process.argv.slice(2);
const root = fileURLToPath(new URL("..", import.meta.url));
const binary = findMinio();
if (!binary) {
  console.error("arm-push-check: SKIPPED: no MinIO binary ($(go env GOPATH)/bin/minio or minio on PATH)");
  process.exit(0);
}
const minio = await startMinio(binary);
try {
  const s3 = new S3Client({ endpoint: minio.endpoint, region: minio.region, forcePathStyle: true, credentials: minio.credentials });
  await s3.send(new CreateBucketCommand({ Bucket: "arm" }));
  const push = spawnSync(nodeBinary, [join(root, "bin/ipc-hls"), "push", join(root, "fixtures/sample/sample-640x360-25fps.h264"),
    "--audio", join(root, "fixtures/sample/sample-48000-mono.aac"), "--realtime", "--bucket", "arm", "--prefix", "cam",
    "--endpoint", minio.endpoint, "--path-style", "--region", minio.region], {
    encoding: "utf8",
    env: { ...process.env, AWS_ACCESS_KEY_ID: minio.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: minio.credentials.secretAccessKey },
  });
  const expected = readFileSync(join(muxDir, "index.m3u8"), "utf8").split("\n").filter((l) => l.endsWith(".ts"));
  const keys = ((await s3.send(new ListObjectsV2Command({ Bucket: "arm" }))).Contents ?? []).map((o) => o.Key).filter((k) => k.endsWith(".ts")).sort();
  let failed = push.status !== 0 || keys.length !== expected.length;
  for (const [i, key] of keys.entries()) {
    const got = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: "arm", Key: key }))).Body.transformToByteArray());
    if (!got.equals(readFileSync(join(muxDir, expected[i] ?? "missing")))) failed = true;
  }
  if (failed) {
    console.error(`arm-push-check: FAILED: exit ${push.status}, ${keys.length} objects for ${expected.length} segments\n${push.stdout}${push.stderr}`);
    process.exit(1);
  }
  console.error(`arm-push-check: every segment uploaded (${keys.length}), byte-identical to x86 mux`);
} finally {
  await minio.stop();
}
