// Where an S3 request goes: AWS regions (virtual-hosted style, .amazonaws.com.cn in China),
// or a custom endpoint such as MinIO, in virtual-hosted or path style.

export interface S3Location {
  region: string;
  bucket: string;
  /** Custom endpoint URL, e.g. "http://127.0.0.1:9000". Omit for AWS. */
  endpoint?: string;
  /** Put the bucket in the path instead of the host name (needed by MinIO and by buckets with dots). */
  forcePathStyle?: boolean;
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

export function resolveEndpoint(loc: S3Location): ResolvedEndpoint {
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(loc.bucket)) {
    throw new InvalidEndpointError(`invalid bucket name: ${JSON.stringify(loc.bucket)}`);
  }
  // The region names a host and the signing scope: a typo with a space or a newline would fail every request.
  if (typeof loc.region !== "string" || !/^[A-Za-z0-9_-]{1,64}$/.test(loc.region)) {
    throw new InvalidEndpointError(`invalid region: ${JSON.stringify(loc.region)} (letters, digits, - and _)`);
  }
  let protocol: "http:" | "https:" = "https:";
  let host = awsS3Host(loc.region);
  let port: number | undefined;
  if (loc.endpoint) {
    let url: URL;
    try {
      url = new URL(loc.endpoint.includes("://") ? loc.endpoint : `https://${loc.endpoint}`);
    } catch {
      throw new InvalidEndpointError(`invalid endpoint URL: ${JSON.stringify(loc.endpoint)}`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new InvalidEndpointError(`endpoint must be http or https: ${loc.endpoint}`);
    }
    protocol = url.protocol;
    host = url.hostname;
    port = url.port ? Number(url.port) : undefined;
  }
  // The TLS wildcard certificate covers only bucket names without dots, so those go path style.
  const pathStyle = loc.forcePathStyle === true || loc.bucket.includes(".");
  if (pathStyle) return { protocol, hostname: host, port, basePath: `/${loc.bucket}/` };
  return { protocol, hostname: `${loc.bucket}.${host}`, port, basePath: "/" };
}

/** Percent-encodes an object key for a request path (RFC 3986 unreserved kept, "/" kept). */
export function encodeKeyPath(key: string): string {
  return key
    .split("/")
    .map((part) =>
      encodeURIComponent(part).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase()),
    )
    .join("/");
}
