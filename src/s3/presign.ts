// Presigned GET URLs (SigV4 query authentication): a player fetches a segment from a private bucket
// without credentials of its own. S3 accepts at most 7 days, and a URL signed with temporary credentials
// (an STS or IoT session token) stops working when that token expires, whatever the URL says.
import type { HttpRequest } from "@smithy/types";
import type { SignatureV4 } from "@smithy/signature-v4";
import { escapeUri } from "@smithy/core/protocols";
import { encodeKeyPath, resolveEndpoint, type S3Location } from "./endpoint.js";
import { createS3Signer, type Credentials } from "./signer.js";

/** SigV4's limit for X-Amz-Expires: 7 days. */
export const MAX_PRESIGN_EXPIRY_S = 604_800;

export class InvalidExpiryError extends Error {
  override name = "InvalidExpiryError";
}

export interface PresignGetOptions {
  location: S3Location;
  credentials: Credentials;
  key: string;
  /** Seconds the URL stays valid, 1..604800. */
  expiresIn: number;
  /** The signing time; default now. (A corrected clock, or a time in the past in tests.) */
  signingDate?: Date;
  /** A signer made for these credentials and this region, reused across calls: it caches the derived signing key,
   * which makes presigning a day of segments (43 200 URLs) several times faster. */
  signer?: SignatureV4;
}

export interface PresignedUrl {
  url: string;
  /** When the URL stops working: the signing time + expiresIn, or the credentials' expiration if that is sooner. */
  expiresAt: Date;
}

export function checkExpiry(expiresIn: number): number {
  if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_PRESIGN_EXPIRY_S) {
    throw new InvalidExpiryError(`presigned URL expiry must be a whole number of seconds from 1 to ${MAX_PRESIGN_EXPIRY_S} (7 days), got ${expiresIn}`);
  }
  return expiresIn;
}

export async function presignGetUrl(options: PresignGetOptions): Promise<PresignedUrl> {
  const expiresIn = checkExpiry(options.expiresIn);
  const endpoint = resolveEndpoint(options.location);
  const host = endpoint.port ? `${endpoint.hostname}:${endpoint.port}` : endpoint.hostname;
  const signingDate = options.signingDate ?? new Date();
  const request: HttpRequest = {
    method: "GET",
    protocol: endpoint.protocol,
    hostname: endpoint.hostname,
    port: endpoint.port,
    path: endpoint.basePath + encodeKeyPath(options.key),
    query: {},
    // S3 does not hash the body of a presigned request; saying so keeps the canonical request the one S3 builds.
    headers: { host, "x-amz-content-sha256": "UNSIGNED-PAYLOAD" },
  };
  const signer = options.signer ?? createS3Signer(options.location.region, options.credentials);
  const signed = await signer.presign(request, { expiresIn, signingDate });
  const query = Object.entries(signed.query ?? {})
    .flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).map((v) => `${escapeUri(name)}=${escapeUri(v ?? "")}`))
    .join("&");
  let expiresAt = new Date(signingDate.getTime() + expiresIn * 1000);
  const tokenEnd = options.credentials.expiration;
  if (tokenEnd && tokenEnd < expiresAt) expiresAt = tokenEnd;
  return { url: `${endpoint.protocol}//${host}${signed.path}?${query}`, expiresAt };
}
