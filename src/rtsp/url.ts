// RTSP URLs: rtsp://[user[:password]@]host[:port]/path and rtsps:// (TLS). The userinfo is percent-decoded for
// authentication and never sent in a request line or printed: maskUrl() is what logs and errors show.
import { RtspError } from "./errors.js";

export interface RtspUrl {
  tls: boolean;
  host: string;
  port: number;
  /** The URL without userinfo: what requests carry. */
  href: string;
  username?: string;
  password?: string;
}

export const RTSP_PORT = 554;
export const RTSPS_PORT = 322;

export function parseRtspUrl(url: string): RtspUrl {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RtspError(`not a URL: ${maskUrl(url)}`);
  }
  const tls = parsed.protocol === "rtsps:";
  if (!tls && parsed.protocol !== "rtsp:") throw new RtspError(`not an rtsp:// or rtsps:// URL: ${maskUrl(url)}`);
  if (!parsed.hostname) throw new RtspError(`no host in ${maskUrl(url)}`);
  const username = parsed.username ? decodeURIComponent(parsed.username) : undefined;
  const password = parsed.password ? decodeURIComponent(parsed.password) : undefined;
  const port = parsed.port ? Number(parsed.port) : tls ? RTSPS_PORT : RTSP_PORT;
  parsed.username = "";
  parsed.password = "";
  // WHATWG URL keeps brackets on IPv6 hostnames; sockets want the bare address.
  const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
  return { tls, host, port, href: parsed.href, username, password };
}

/** The URL as it may be printed: rtsp://user:***@host/path (no password, even an unparsable one). */
export function maskUrl(url: string): string {
  const scheme = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)(.*)$/is.exec(url);
  if (!scheme) return url.includes("@") ? "***" : url;
  const [, prefix, authority, rest] = scheme;
  const at = authority.lastIndexOf("@");
  if (at < 0) return url;
  const userinfo = authority.slice(0, at);
  const colon = userinfo.indexOf(":");
  const user = colon < 0 ? userinfo : userinfo.slice(0, colon);
  return `${prefix}${user}:***@${authority.slice(at + 1)}${rest}`;
}

/** A media's control attribute resolved against the base URL (absolute, "*", or relative). */
export function resolveControl(base: string, control: string | undefined): string {
  if (!control || control === "*") return base;
  if (/^rtsps?:\/\//i.test(control)) return control;
  // Cameras mean "append to the base", not RFC 3986's "replace the last segment".
  return base.endsWith("/") ? base + control : `${base}/${control}`;
}
