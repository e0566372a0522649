// @ts-check
// Sustained upload rate of one process through the SDK's S3 path (S3Store → PutObject, signed, with the
// integrity checksum), e.g. to a MinIO on loopback. Uses the built package (npm run build).
//
//   AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... node bench/upload.js --endpoint http://127.0.0.1:9000 --bucket bench
//     [--seconds 10] [--size 1250000] [--concurrency 1,2,4,8] [--checksum crc32,sha256]
import { parseArgs } from "node:util";
import { S3Store } from "../dist/store/s3-store.js";

const { values } = parseArgs({
  options: {
    endpoint: { type: "string" },
    bucket: { type: "string" },
    region: { type: "string", default: "us-east-1" },
    seconds: { type: "string", default: "10" },
    size: { type: "string", default: String(5_000_000 / 8 * 2) }, // a 2 s segment of a 5 Mbps camera
    concurrency: { type: "string", default: "1,2,4,8" },
    checksum: { type: "string", default: "crc32,sha256" },
  },
});
if (!values.bucket || !process.env.AWS_ACCESS_KEY_ID || !process.env.AWS_SECRET_ACCESS_KEY) {
  console.error("usage: AWS_ACCESS_KEY_ID=.. AWS_SECRET_ACCESS_KEY=.. node bench/upload.js --bucket <b> [--endpoint <url>]");
  process.exit(2);
}
const credentials = { accessKeyId: process.env.AWS_ACCESS_KEY_ID, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY };
const size = Number(values.size);
// Two views, as a segment that wraps around the core's ring.
const memory = new Uint8Array(size).map((_, i) => (i * 2654435761) >>> 24);
const body = [memory.subarray(0, size >> 1), memory.subarray(size >> 1)];

console.log(`node ${process.version}, ${size} B objects, ${values.seconds} s per run`);
for (const checksum of values.checksum.split(",")) {
  for (const concurrency of values.concurrency.split(",").map(Number)) {
    const store = new S3Store({
      location: { region: values.region, bucket: values.bucket, endpoint: values.endpoint, forcePathStyle: true },
      credentials: async () => credentials,
      checksum: /** @type {import("../dist/index.js").ChecksumMode} */ (checksum),
      maxSockets: concurrency,
    });
    let uploads = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const deadline = t0 + Number(values.seconds) * 1000;
    const worker = async (w) => {
      for (let i = 0; performance.now() < deadline; i++) {
        await store.put(`bench/${checksum}-${concurrency}/${w}-${i}.ts`, body, { contentType: "video/mp2t" });
        uploads++;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    store.close();
    console.log(
      `${checksum.padEnd(6)} concurrency ${String(concurrency).padStart(2)}: ${(uploads / seconds).toFixed(1).padStart(6)} uploads/s ` +
        `${((uploads * size) / seconds / 1e6).toFixed(1).padStart(6)} MB/s  (this process: ${(((cpu.user + cpu.system) / 1e6 / seconds) * 100).toFixed(0)} % of a core)`,
    );
  }
}
