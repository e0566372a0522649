// Real temporary credentials from the test MinIO's STS AssumeRole (access key, secret and session token that
// MinIO verifies), for credential rotation tests.
import { SignatureV4 } from "@smithy/signature-v4";
import { Sha256 } from "@aws-crypto/sha256-js";
import type { Credentials } from "../../src/s3/signer.js";
import { minio } from "./minio.js";

const field = (xml: string, name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];

/** A fresh set of temporary credentials (MinIO's minimum lifetime is 900 s). */
export async function assumeRole(durationSeconds = 900): Promise<Credentials> {
  const m = minio();
  const url = new URL(m.endpoint);
  const signer = new SignatureV4({ service: "sts", region: m.region, credentials: { accessKeyId: m.accessKeyId, secretAccessKey: m.secretAccessKey }, sha256: Sha256 });
  const body = `Action=AssumeRole&Version=2011-06-15&DurationSeconds=${durationSeconds}`;
  const signed = await signer.sign({
    method: "POST",
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: "/",
    query: {},
    headers: { host: url.host, "content-type": "application/x-www-form-urlencoded" },
    body,
  });
  const res = await fetch(m.endpoint + "/", { method: "POST", headers: signed.headers, body });
  const xml = await res.text();
  const accessKeyId = field(xml, "AccessKeyId");
  const secretAccessKey = field(xml, "SecretAccessKey");
  const sessionToken = field(xml, "SessionToken");
  const expiration = field(xml, "Expiration");
  if (res.status !== 200 || !accessKeyId || !secretAccessKey || !sessionToken || !expiration) throw new Error(`AssumeRole failed: HTTP ${res.status}`);
  return { accessKeyId, secretAccessKey, sessionToken, expiration: new Date(expiration) };
}
