// The AWS IoT credentials provider flow, end to end on loopback: a stand-in for the IoT endpoint that checks the
// device certificate (mutual TLS, certificates made by openssl here) and hands out real temporary credentials
// from MinIO's STS; the recorder uploads with them and rotates them mid-stream without losing a segment.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import https from "node:https";
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { iotCredentialProvider, IotCredentialsError } from "../src/iot-credentials.js";
import { HlsRecorder } from "../src/sdk.js";
import { S3Connection } from "../src/s3/request.js";
import { putObject } from "../src/s3/put-object.js";
import { accessUnits } from "./support/annexb.js";
import { fixturePath, rawTimestampsUs, tempDir } from "./support/media-tools.js";
import { freshBucket, minio, referenceClient } from "./support/minio.js";
import { assumeRole } from "./support/minio-sts.js";
import { testCertificates } from "./support/test-certs.js";

const tmp = tempDir("iot-creds-");
const certs = testCertificates(tmp.path);
const pem = (file: string) => readFileSync(certs.path(file), "utf8");

let server: https.Server;
let endpoint = "";
let issued: string[] = []; // access key ids handed out
let sawThingName: string | undefined;
/** Make the answer claim the keys expire this long after issue (ms); undefined: their real expiry. */
let claimedLifetimeMs: number | undefined;
let hugeAnswer = { written: 0, closedEarly: false };

beforeAll(async () => {
  certs.ca("iot-ca");
  certs.issue("endpoint", "iot-ca", "IP:127.0.0.1");
  certs.issue("camera", "iot-ca");
  certs.ca("rogue-ca");
  certs.issue("rogue", "rogue-ca");
  server = https.createServer(
    { key: pem("endpoint.key"), cert: pem("endpoint.crt"), ca: pem("iot-ca.crt"), requestCert: true, rejectUnauthorized: true },
    (req, res) => {
      sawThingName = req.headers["x-amzn-iot-thingname"] as string | undefined;
      if (req.url === "/role-aliases/trickle/credentials") {
        // A byte every 100 ms: no idle timeout ever fires.
        res.writeHead(200, { "content-type": "application/json" });
        const timer = setInterval(() => res.write(" "), 100);
        res.on("close", () => clearInterval(timer));
        return;
      }
      if (req.url === "/role-aliases/huge/credentials") {
        // 300 MiB of answer, written as fast as the client reads it; `hugeAnswer` records how it ended.
        res.writeHead(500, { "content-type": "application/json", "content-length": String(300 << 20) });
        const chunk = Buffer.alloc(64 << 10, 0x20);
        hugeAnswer = { written: 0, closedEarly: false };
        const seen = hugeAnswer;
        const pump = () => {
          while (!res.destroyed && seen.written < 300 << 20) {
            seen.written += chunk.length;
            if (!res.write(chunk)) return;
          }
        };
        res.on("drain", pump);
        res.on("close", () => (seen.closedEarly = seen.written < 300 << 20));
        pump();
        return;
      }
      if (req.url !== "/role-aliases/camera-uploader/credentials") {
        res.writeHead(404, { "content-type": "application/json" });
        return res.end(JSON.stringify({ message: "Role alias does not exist" }));
      }
      assumeRole().then((c) => {
        issued.push(c.accessKeyId);
        const expiration = claimedLifetimeMs === undefined ? c.expiration! : new Date(Date.now() + claimedLifetimeMs);
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken, expiration: expiration.toISOString() } }));
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server?.close(r));
  tmp.cleanup();
});

const provider = (device = "camera", roleAlias = "camera-uploader") =>
  iotCredentialProvider({ endpoint, roleAlias, thingName: "front-door-cam", cert: pem(`${device}.crt`), key: pem(`${device}.key`), ca: pem("iot-ca.crt") });

describe("iotCredentialProvider", () => {
  it("fetches temporary credentials with the device certificate, and MinIO accepts them", async () => {
    const creds = await provider()();
    expect(sawThingName).toBe("front-door-cam");
    expect(creds.sessionToken).toBeTruthy();
    expect(creds.expiration!.getTime()).toBeGreaterThan(Date.now());
    const bucket = await freshBucket("iot");
    const conn = new S3Connection({ location: { region: minio().region, bucket, endpoint: minio().endpoint, forcePathStyle: true }, credentials: async () => creds });
    await putObject(conn, "x.ts", [new Uint8Array(188)]);
    conn.close();
  });

  it("a certificate the endpoint does not trust is refused with a typed error", async () => {
    const err = await provider("rogue")().catch((e) => e);
    expect(err).toBeInstanceOf(IotCredentialsError);
    expect(err.status).toBe(0);
    expect(err.message).not.toContain("PRIVATE KEY");
  });

  it("an endpoint that trickles its answer fails by the deadline, not never", async () => {
    const fetch = iotCredentialProvider({ endpoint, roleAlias: "trickle", thingName: "front-door-cam", cert: pem("camera.crt"), key: pem("camera.key"), ca: pem("iot-ca.crt"), timeoutMs: 1000 });
    const err = await fetch().catch((e) => e);
    expect(err).toBeInstanceOf(IotCredentialsError);
    expect(err.message).toMatch(/no complete answer .* in 1000 ms/);
  }, 15_000);

  it("an endpoint that answers with a huge body is cut off after a bounded read", async () => {
    const err = await provider("camera", "huge")().catch((e) => e);
    expect(err).toBeInstanceOf(IotCredentialsError);
    expect(err.status).toBe(500);
    while (!hugeAnswer.closedEarly) await new Promise((r) => setTimeout(r, 10));
    expect(hugeAnswer.written).toBeLessThan(32 << 20);
  });

  it("an unknown role alias is reported with the endpoint's message", async () => {
    const err = await provider("camera", "no-such-alias")().catch((e) => e);
    expect(err).toBeInstanceOf(IotCredentialsError);
    expect(err.status).toBe(404);
    expect(err.message).toMatch(/Role alias does not exist/);
  });

  it("the recorder rotates IoT credentials mid-stream (new keys every ~100 ms) and loses no segment", async () => {
    issued = [];
    claimedLifetimeMs = 60_100; // refresh is due 60 s before the claimed expiry: 100 ms after each issue
    try {
      const bucket = await freshBucket("iot-rotate");
      const data = new Uint8Array(readFileSync(fixturePath("sample/sample-640x360-25fps.h264")));
      const { ptsUs, dtsUs } = await rawTimestampsUs(fixturePath("sample/sample-640x360-25fps.h264"), 25);
      const recorder = new HlsRecorder({ bufferSize: 4 << 20, region: minio().region, bucket, endpoint: minio().endpoint, forcePathStyle: true, credentials: provider() });
      const errors: Error[] = [];
      recorder.on("error", (e) => errors.push(e));
      await recorder.start();
      const aus = accessUnits(data);
      for (let i = 0; i < aus.length; i++) {
        recorder.putVideoFrame(aus[i]!, ptsUs[i]!, dtsUs[i]!);
        if (i % 10 === 9) await new Promise((r) => setTimeout(r, 40));
      }
      const stats = await recorder.close({ deadlineMs: 30_000 });
      expect(stats.segmentsMade).toBe(5);
      expect(stats.segmentsUploaded).toBe(5);
      expect(stats.segmentsDropped).toBe(0);
      expect(errors).toEqual([]);
      expect(new Set(issued).size).toBeGreaterThanOrEqual(3);
      const listed = await referenceClient().send(new ListObjectsV2Command({ Bucket: bucket }));
      expect(listed.KeyCount).toBe(5);
    } finally {
      claimedLifetimeMs = undefined;
    }
  });
});
