// RTSP URLs: rtsp://[user[:password]@]host[:port]/path and rtsps:// (TLS). The userinfo is percent-decoded for
// authentication and never sent in a request line or printed: maskUserinfo() is what logs and errors show.
import { maskUserinfo } from "../mask-url.js";
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
    // (Text that is no URL at all is not masked by scheme: with an "@" in it, it may be a password.)
    throw new RtspError(`not a URL${url.includes("@") ? "" : `: ${url}`}`);
  }
  const tls = parsed.protocol === "rtsps:";
  if (!tls && parsed.protocol !== "rtsp:") throw new RtspError(`not an rtsp:// or rtsps:// URL: ${maskUserinfo(url)}`);
  if (!parsed.hostname) throw new RtspError(`no host in ${maskUserinfo(url)}`);
  const username = parsed.username ? decodeURIComponent(parsed.username) : undefined;
  const password = parsed.password ? decodeURIComponent(parsed.password) : undefined;
  const port = parsed.port ? Number(parsed.port) : tls ? RTSPS_PORT : RTSP_PORT;
  parsed.username = "";
  parsed.password = "";
  // WHATWG URL keeps brackets on IPv6 hostnames; sockets want the bare address.
  const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
  return { tls, host, port, href: parsed.href, username, password };
}


/** A media's control attribute resolved against the base URL (absolute, "*", or relative). */
export function resolveControl(base: string, control: string | undefined): string {
  if (!control || control === "*") return base;
  if (/^rtsps?:\/\//i.test(control)) return control;
  // Cameras mean "append to the base", not RFC 3986's "replace the last segment".
  return base.endsWith("/") ? base + control : `${base}/${control}`;
}
