// RTSP authentication (RFC 2617 / RFC 7616 over RTSP 1.0): Basic, and Digest with MD5 (qop=auth or none).
// The server's challenges come in WWW-Authenticate headers; Digest is preferred when both are offered.
import { createHash, randomBytes } from "node:crypto";

export interface DigestChallenge {
  scheme: "Digest";
  realm: string;
  nonce: string;
  opaque?: string;
  algorithm: "MD5" | "MD5-sess";
  /** "auth" when the server offers it (auth-int is not used: RTSP requests carry no body). */
  qop?: "auth";
}

export interface BasicChallenge {
  scheme: "Basic";
  realm: string;
}

export type Challenge = DigestChallenge | BasicChallenge;

/** The challenge we can answer best among the WWW-Authenticate headers; undefined when none is usable. */
export function pickChallenge(headers: readonly string[]): Challenge | undefined {
  let basic: BasicChallenge | undefined;
  for (const header of headers) {
    const space = header.indexOf(" ");
    const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
    const params = parseAuthParams(space < 0 ? "" : header.slice(space + 1));
    if (scheme === "digest" && params.nonce !== undefined) {
      const algorithm = (params.algorithm ?? "MD5").toUpperCase();
      if (algorithm !== "MD5" && algorithm !== "MD5-SESS") continue; // SHA-256 is not offered by cameras
      const qops = (params.qop ?? "").split(",").map((q) => q.trim().toLowerCase());
      // A server that lists qop but not "auth" only allows auth-int: answer as RFC 2069 would not be accepted.
      if (params.qop !== undefined && !qops.includes("auth")) continue;
      return {
        scheme: "Digest",
        realm: params.realm ?? "",
        nonce: params.nonce,
        opaque: params.opaque,
        algorithm: algorithm === "MD5" ? "MD5" : "MD5-sess",
        qop: params.qop !== undefined ? "auth" : undefined,
      };
    }
    if (scheme === "basic") basic ??= { scheme: "Basic", realm: params.realm ?? "" };
  }
  return basic;
}

/** auth-param list: name=token or name="quoted string" separated by commas. */
export function parseAuthParams(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const param = /\s*([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?/gy;
  let match: RegExpExecArray | null;
  while ((match = param.exec(text)) !== null && match[0] !== "") {
    out[match[1].toLowerCase()] = match[2] !== undefined ? match[2].replace(/\\(.)/g, "$1") : match[3];
  }
  return out;
}

const md5 = (text: string) => createHash("md5").update(text, "utf8").digest("hex");

export interface DigestInput {
  username: string;
  password: string;
  method: string;
  uri: string;
  /** 8 hex digits, e.g. "00000001" (with qop). */
  nc: string;
  cnonce: string;
}

/** The request-digest (RFC 2617 section 3.2.2.1). */
export function digestResponse(challenge: DigestChallenge, input: DigestInput): string {
  let ha1 = md5(`${input.username}:${challenge.realm}:${input.password}`);
  if (challenge.algorithm === "MD5-sess") ha1 = md5(`${ha1}:${challenge.nonce}:${input.cnonce}`);
  const ha2 = md5(`${input.method}:${input.uri}`);
  return challenge.qop
    ? md5(`${ha1}:${challenge.nonce}:${input.nc}:${input.cnonce}:${challenge.qop}:${ha2}`)
    : md5(`${ha1}:${challenge.nonce}:${ha2}`);
}

const quote = (value: string) => `"${value.replace(/(["\\])/g, "\\$1")}"`;

/** Makes the Authorization header for each request once a challenge was received. */
export class Authenticator {
  private nonceCount = 0;
  constructor(
    private readonly challenge: Challenge,
    private readonly username: string,
    private readonly password: string,
  ) {}

  header(method: string, uri: string): string {
    const c = this.challenge;
    if (c.scheme === "Basic") return `Basic ${Buffer.from(`${this.username}:${this.password}`, "utf8").toString("base64")}`;
    this.nonceCount++;
    const nc = this.nonceCount.toString(16).padStart(8, "0");
    const cnonce = randomBytes(8).toString("hex");
    const response = digestResponse(c, { username: this.username, password: this.password, method, uri, nc, cnonce });
    const fields = [
      `username=${quote(this.username)}`,
      `realm=${quote(c.realm)}`,
      `nonce=${quote(c.nonce)}`,
      `uri=${quote(uri)}`,
      `response=${quote(response)}`,
    ];
    if (c.algorithm !== "MD5") fields.push(`algorithm=${c.algorithm}`);
    if (c.opaque !== undefined) fields.push(`opaque=${quote(c.opaque)}`);
    if (c.qop) fields.push(`qop=${c.qop}`, `nc=${nc}`, `cnonce=${quote(cnonce)}`);
    return `Digest ${fields.join(", ")}`;
  }
}
