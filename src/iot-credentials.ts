// Temporary credentials from the AWS IoT credentials provider: the camera proves who it is with its device
// certificate (mutual TLS) and gets keys for the IAM role behind a role alias, typically for one hour. The result
// is a CredentialProvider, so it plugs into HlsRecorder({ credentials }) and is called again before expiry.
//
//   GET https://<endpoint>/role-aliases/<roleAlias>/credentials      x-amzn-iot-thingname: <thingName>
//   → {"credentials":{"accessKeyId","secretAccessKey","sessionToken","expiration"}}
//
// The endpoint comes from `aws iot describe-endpoint --endpoint-type iot:CredentialProvider`. Sending the thing
// name lets IAM policies use ${credentials-iot:ThingName}, e.g. to limit each camera to its own key prefix.
import https from "node:https";
import type { CredentialProvider, Credentials } from "./s3/signer.js";

export interface IotCredentialsOptions {
  /** "<id>.credentials.iot.<region>.amazonaws.com" (host name, or an https:// URL). */
  endpoint: string;
  roleAlias: string;
  thingName: string;
  /** Device certificate and private key, PEM. */
  cert: string | Buffer;
  key: string | Buffer;
  /** CA of the endpoint, PEM. Default: the system CAs (which include Amazon Root CA 1). */
  ca?: string | Buffer;
  /** Give up when the answer has not been read in full after this long, however slowly it trickles (ms). Default 10 000. */
  timeoutMs?: number;
}

/** The credentials provider refused or failed. The message never contains keys or certificates. */
export class IotCredentialsError extends Error {
  override name = "IotCredentialsError";
  constructor(
    message: string,
    /** HTTP status, 0 for network and TLS failures. */
    readonly status: number,
  ) {
    super(message);
  }
}

/** The most of an answer read: the credentials JSON is about 1.5 KiB (a session token of up to ~1 KiB). */
const MAX_ANSWER_BYTES = 64 * 1024;

export function iotCredentialProvider(options: IotCredentialsOptions): CredentialProvider {
  const url = new URL(options.endpoint.includes("://") ? options.endpoint : `https://${options.endpoint}`);
  if (url.protocol !== "https:") throw new IotCredentialsError("the IoT credentials endpoint must be https", 0);
  const path = `/role-aliases/${encodeURIComponent(options.roleAlias)}/credentials`;
  const agent = new https.Agent({ cert: options.cert, key: options.key, ca: options.ca, keepAlive: false });
  return () =>
    new Promise<Credentials>((resolve, reject) => {
      let settled = false;
      const settle = (outcome: () => Credentials) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        try {
          resolve(outcome());
        } catch (err) {
          reject(err);
        }
      };
      const fail = (err: IotCredentialsError) => settle(() => {
        throw err;
      });
      const req = https.request(
        { agent, hostname: url.hostname, port: url.port || undefined, path, method: "GET", headers: { "x-amzn-iot-thingname": options.thingName } },
        (res) => {
          const chunks: Buffer[] = [];
          let length = 0;
          res.on("data", (c: Buffer) => {
            length += c.length;
            if (length <= MAX_ANSWER_BYTES) return void chunks.push(c);
            fail(new IotCredentialsError(`the credentials provider answered HTTP ${res.statusCode} with over ${MAX_ANSWER_BYTES} bytes`, res.statusCode ?? 0));
            req.destroy();
          });
          res.on("error", () => fail(new IotCredentialsError(`connection to ${url.hostname} closed mid-answer`, 0)));
          res.on("end", () => {
            const text = Buffer.concat(chunks as unknown as Uint8Array[]).toString("utf8");
            settle(() => parseAnswer(res.statusCode ?? 0, text));
          });
        },
      );
      // One deadline for the whole exchange: a socket idle timeout never fires for a peer trickling bytes.
      const timeoutMs = options.timeoutMs ?? 10_000;
      const deadline = setTimeout(() => {
        fail(new IotCredentialsError(`no complete answer from ${url.hostname} in ${timeoutMs} ms`, 0));
        req.destroy();
      }, timeoutMs);
      req.on("error", (err: NodeJS.ErrnoException) => fail(new IotCredentialsError(`cannot reach ${url.hostname}: ${err.code ?? err.message}`, 0)));
      req.end();
    });
}

function parseAnswer(status: number, text: string): Credentials {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new IotCredentialsError(`the credentials provider answered HTTP ${status} with no JSON`, status);
  }
  if (status !== 200) {
    const message = (body as { message?: unknown })?.message;
    throw new IotCredentialsError(`the credentials provider answered HTTP ${status}${typeof message === "string" ? `: ${message.slice(0, 200)}` : ""}`, status);
  }
  const c = (body as { credentials?: Record<string, unknown> })?.credentials;
  const expiration = typeof c?.expiration === "string" ? new Date(c.expiration) : undefined;
  if (typeof c?.accessKeyId !== "string" || typeof c.secretAccessKey !== "string" || typeof c.sessionToken !== "string" || !expiration || Number.isNaN(expiration.getTime())) {
    throw new IotCredentialsError("the credentials provider's answer lacks accessKeyId, secretAccessKey, sessionToken or expiration", status);
  }
  return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken, expiration };
}
