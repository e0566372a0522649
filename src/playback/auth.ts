// Who may use the replay server: a bearer token or users with passwords, sessions held in a cookie after a login,
// and a limit on failed attempts per client address. Nothing here ever logs or returns a credential.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { checkPassword, type PasswordEntry } from "./passwords.js";

export const SESSION_COOKIE = "ipc_hls_session";

export interface AuthOptions {
  /** The bearer token (also accepted as the password at the login form). */
  token?: string;
  /** Users and their scrypt entries (see passwords.ts). */
  users?: Map<string, PasswordEntry>;
  /** Mark the session cookie Secure (the server speaks TLS). */
  secureCookies?: boolean;
  /** How long a session lasts. Default 12 hours. */
  sessionLifetimeMs?: number;
  /** Failed attempts allowed per address within failureWindowMs before 429. Default 5 per minute. */
  failureLimit?: number;
  failureWindowMs?: number;
  now?: () => number;
}

export type AuthResult = { ok: true; user: string } | { ok: false; status: 401 | 429; retryAfterS?: number };
export type LoginResult = { ok: true; user: string; setCookie: string; expiresMs: number } | { ok: false; status: 401 | 429; retryAfterS?: number };

/** Tokens shorter than this are refused at start: a bearer token must not be guessable. */
export const MIN_TOKEN_LENGTH = 16;
/** Bounds on remembered sessions and addresses: memory stays bounded whatever clients do. */
const MAX_SESSIONS = 10_000;
const MAX_ADDRESSES = 10_000;
/** scrypt checks running at once (32 MiB each); more wait for a retry. */
const MAX_PASSWORD_CHECKS = 4;

const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();

export class Authenticator {
  private readonly tokenDigest?: Buffer;
  private readonly users?: Map<string, PasswordEntry>;
  private readonly sessions = new Map<string, { user: string; expiresMs: number }>();
  private readonly failures = new Map<string, number[]>();
  private readonly now: () => number;
  private readonly lifetimeMs: number;
  private readonly limit: number;
  private readonly windowMs: number;
  private readonly secure: boolean;
  private checksRunning = 0;

  constructor(options: AuthOptions) {
    if (!options.token && !options.users?.size) throw new Error("authentication needs a token or users");
    if (options.token !== undefined && options.token.length < MIN_TOKEN_LENGTH) {
      throw new Error(`the auth token is too short: at least ${MIN_TOKEN_LENGTH} characters (e.g. openssl rand -hex 32)`);
    }
    this.tokenDigest = options.token ? digest(options.token) : undefined;
    this.users = options.users;
    this.now = options.now ?? Date.now;
    this.lifetimeMs = options.sessionLifetimeMs ?? 12 * 3_600_000;
    this.limit = options.failureLimit ?? 5;
    this.windowMs = options.failureWindowMs ?? 60_000;
    this.secure = options.secureCookies ?? false;
  }

  /** Checks a request's Authorization header or session cookie. Only a wrong bearer token counts as a failure. */
  authenticate(headers: { authorization?: string; cookie?: string }, address: string): AuthResult {
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? "")?.[1];
    if (bearer !== undefined) {
      const blocked = this.blockedForS(address);
      if (blocked > 0) return { ok: false, status: 429, retryAfterS: blocked };
      if (this.tokenMatches(bearer)) return { ok: true, user: "token" };
      return this.fail(address);
    }
    const id = cookieValue(headers.cookie, SESSION_COOKIE);
    const session = id === undefined ? undefined : this.sessions.get(id);
    if (session && session.expiresMs > this.now()) return { ok: true, user: session.user };
    if (session) this.sessions.delete(id!);
    return { ok: false, status: 401 };
  }

  /** A login with a user and password, or with the token as the password (user empty). */
  async login(fields: { user?: string; password?: string }, address: string): Promise<LoginResult> {
    const blocked = this.blockedForS(address);
    if (blocked > 0) return { ok: false, status: 429, retryAfterS: blocked };
    const password = fields.password ?? "";
    const name = fields.user?.trim() ?? "";
    let user: string | undefined;
    if (name === "" && this.tokenDigest && this.tokenMatches(password)) {
      user = "token";
    } else if (name !== "" && this.users) {
      if (this.checksRunning >= MAX_PASSWORD_CHECKS) return { ok: false, status: 429, retryAfterS: 1 };
      this.checksRunning++;
      try {
        if (await checkPassword(this.users.get(name), password)) user = name;
      } finally {
        this.checksRunning--;
      }
    }
    if (user === undefined) return this.fail(address);
    const id = randomBytes(32).toString("base64url"); // 256 bits
    const expiresMs = this.now() + this.lifetimeMs;
    this.prune(this.sessions, MAX_SESSIONS, (s) => s.expiresMs <= this.now());
    this.sessions.set(id, { user, expiresMs });
    return { ok: true, user, expiresMs, setCookie: this.cookie(id, Math.floor(this.lifetimeMs / 1000)) };
  }

  /** Ends the request's session; returns the header that removes the cookie. */
  logout(headers: { cookie?: string }): string {
    const id = cookieValue(headers.cookie, SESSION_COOKIE);
    if (id !== undefined) this.sessions.delete(id);
    return this.cookie("", 0);
  }

  private cookie(value: string, maxAgeS: number): string {
    return `${SESSION_COOKIE}=${value}; Path=/; Max-Age=${maxAgeS}; HttpOnly; SameSite=Strict${this.secure ? "; Secure" : ""}`;
  }

  /** Compares SHA-256 digests (equal length whatever was sent) in constant time. */
  private tokenMatches(candidate: string): boolean {
    return this.tokenDigest !== undefined && timingSafeEqual(digest(candidate), this.tokenDigest);
  }

  private fail(address: string): { ok: false; status: 401 | 429; retryAfterS?: number } {
    const now = this.now();
    const recent = (this.failures.get(address) ?? []).filter((t) => t > now - this.windowMs);
    recent.push(now);
    this.failures.delete(address); // re-inserted last: the map's order is the order of last failure
    this.prune(this.failures, MAX_ADDRESSES, (times) => times.every((t) => t <= now - this.windowMs));
    this.failures.set(address, recent.slice(-this.limit));
    return { ok: false, status: 401 };
  }

  /** Seconds until the address may try again: after `limit` failures within the window, until the oldest ages out. */
  private blockedForS(address: string): number {
    const times = this.failures.get(address);
    if (!times || times.length < this.limit) return 0;
    const until = times[times.length - this.limit] + this.windowMs;
    const left = until - this.now();
    return left > 0 ? Math.ceil(left / 1000) : 0;
  }

  /** Drops stale entries when the map is full, then the oldest ones. */
  private prune<V>(map: Map<string, V>, max: number, stale: (value: V) => boolean): void {
    if (map.size < max) return;
    for (const [key, value] of map) if (stale(value)) map.delete(key);
    for (const key of map.keys()) {
      if (map.size < max) break;
      map.delete(key);
    }
  }
}

/** The value of one cookie in a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
