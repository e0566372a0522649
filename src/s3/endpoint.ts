// Where an S3 request goes: AWS regions (virtual-hosted style, .amazonaws.com.cn in China),
// or a custom endpoint such as MinIO, in virtual-hosted or path style.
import { isIP } from "node:net";
import { escapeUriPath } from "@smithy/core/protocols";

export interface S3Location {
  region: string;
  bucket: string;
  /** Custom endpoint URL, e.g. "http://127.0.0.1:9000". Omit for AWS. Never with credentials in it (refused). */
  endpoint?: string;
  /** Put the bucket in the path instead of the host name (needed by MinIO and by buckets with dots).
   * Unset: path style for an endpoint that is an IP address or localhost (no "<bucket>.<host>" name resolves
   * there), virtual-hosted otherwise. An IP address is always path style; false keeps localhost virtual-hosted
   * (a store set up for <bucket>.localhost). */
  forcePathStyle?: boolean;
}

/** How logs and messages name a store: "s3://bucket at http://host:9000" or "s3://bucket in eu-west-1". */
export function describeLocation(loc: S3Location): string {
  return `s3://${loc.bucket}${loc.endpoint ? ` at ${loc.endpoint}` : ` in ${loc.region}`}`;
}

export interface ResolvedEndpoint {
  protocol: "http:" | "https:";
  hostname: string;
  port?: number;
  /** Path prefix before the object key: "/" (virtual-hosted) or "/<bucket>/" (path style). */
  basePath: string;
}

export class InvalidEndpointError extends Error {
  override name = "InvalidEndpointError";
}

/** AWS's own S3 host for a region. */
export function awsS3Host(region: string): string {
  const suffix = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return `s3.${region}.${suffix}`;
}

/**
 * Parses a custom endpoint ("http://127.0.0.1:9000", or a bare host for https). One with credentials in it
 * (http://user:secret@host) is refused: they would end up in logs and summaries, and S3 does not read them there.
 * No message repeats what was given where it could hold a secret.
 */
export function parseEndpoint(endpoint: string): URL {
  let url: URL;
  try {
    url = new URL(endpoint.includes("://") ? endpoint : `https://${endpoint}`);
  } catch {
    throw new InvalidEndpointError(`invalid endpoint URL${endpoint.includes("@") ? "" : `: ${JSON.stringify(endpoint)}`}`);
  }
  if (url.username !== "" || url.password !== "") {
    throw new InvalidEndpointError(
      "the endpoint URL must not carry credentials (user:password@): give the URL without them and the keys in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new InvalidEndpointError(`endpoint must be http or https, not ${url.protocol.slice(0, -1)}`);
  }
  return url;
}

/** An IP address as a URL spells it ("127.0.0.1", "[::1]"): "<bucket>.<address>" is no host name at all. */
const isAddress = (hostname: string) => isIP(hostname.replace(/^\[(.*)\]$/, "$1")) !== 0;

export function resolveEndpoint(loc: S3Location): ResolvedEndpoint {
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(loc.bucket)) {
    // (A "bucket" with user:password@ in it, as in s3://user:secret@bucket, is not repeated.)
    throw new InvalidEndpointError(`invalid bucket name${/[@:]/.test(loc.bucket) ? "" : `: ${JSON.stringify(loc.bucket)}`}`);
  }
  // The region names a host and the signing scope: a typo with a space or a newline would fail every request.
  if (typeof loc.region !== "string" || !/^[A-Za-z0-9_-]{1,64}$/.test(loc.region)) {
    throw new InvalidEndpointError(`invalid region: ${JSON.stringify(loc.region)} (letters, digits, - and _)`);
  }
  let protocol: "http:" | "https:" = "https:";
  let host = awsS3Host(loc.region);
  let port: number | undefined;
  if (loc.endpoint) {
    const url = parseEndpoint(loc.endpoint);
    protocol = url.protocol as "http:" | "https:";
    host = url.hostname;
    port = url.port ? Number(url.port) : undefined;
  }
  // The TLS wildcard certificate covers only bucket names without dots, so those go path style.
  const pathStyle =
    loc.forcePathStyle === true || loc.bucket.includes(".") || isAddress(host) || (host === "localhost" && loc.forcePathStyle !== false);
  if (pathStyle) return { protocol, hostname: host, port, basePath: `/${loc.bucket}/` };
  return { protocol, hostname: `${loc.bucket}.${host}`, port, basePath: "/" };
}

/** Percent-encodes an object key for a request path (RFC 3986 unreserved kept, "/" kept). */
export const encodeKeyPath: (key: string) => string = escapeUriPath;
