// Password entries for `ipc-hls serve --users <file>`: one "name:scrypt$N$r$p$salt$hash" line per user (salt and
// hash base64url), made by `ipc-hls serve --hash-password <name>`. The password itself is never stored.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";

export interface PasswordEntry {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

/** scrypt's cost: N=2^15, r=8, p=3 is one of OWASP's equivalent minimums, with 32 MiB per check instead of the
 * 128 MiB of N=2^17 at p=1 (a small NVR may run this). */
const COST = { N: 1 << 15, r: 8, p: 3 };
const HASH_BYTES = 32;
const SALT_BYTES = 16;
const NAME_RE = /^[A-Za-z0-9._@-]{1,64}$/;

export class UsersFileError extends Error {
  override name = "UsersFileError";
}

function derive(password: string, salt: Buffer, cost: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { ...cost, maxmem: 256 * cost.N * cost.r + 1024 * 1024 };
  return new Promise((resolve, reject) => scrypt(password.normalize("NFC"), salt, HASH_BYTES, options, (err, key) => (err ? reject(err) : resolve(key))));
}

/** One line of a users file for `name` with a fresh random salt. */
export async function passwordLine(name: string, password: string): Promise<string> {
  if (!NAME_RE.test(name)) throw new UsersFileError("a user name is 1-64 letters, digits, '.', '_', '@' or '-'");
  if (password.length < 8) throw new UsersFileError("the password is too short: at least 8 characters");
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, COST);
  return `${name}:scrypt$${COST.N}$${COST.r}$${COST.p}$${salt.toString("base64url")}$${hash.toString("base64url")}`;
}

/** Parses a users file; a bad line is named by its number only (it may hold a hash). */
export function parseUsersFile(text: string): Map<string, PasswordEntry> {
  const users = new Map<string, PasswordEntry>();
  for (const [i, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([^:]+):scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/.exec(line);
    const entry = m && { N: Number(m[2]), r: Number(m[3]), p: Number(m[4]), salt: Buffer.from(m[5], "base64url"), hash: Buffer.from(m[6], "base64url") };
    const sane = entry && entry.N >= 1024 && entry.N <= 1 << 20 && (entry.N & (entry.N - 1)) === 0 && entry.r >= 1 && entry.r <= 32 && entry.p >= 1 && entry.p <= 16 && entry.hash.length === HASH_BYTES && entry.salt.length >= 8;
    if (!m || !NAME_RE.test(m[1]) || !sane) {
      throw new UsersFileError(`line ${i + 1} is not "name:scrypt$N$r$p$salt$hash" (make entries with ipc-hls serve --hash-password <name>)`);
    }
    if (users.has(m[1])) throw new UsersFileError(`line ${i + 1}: user ${m[1]} appears twice`);
    users.set(m[1], entry);
  }
  if (users.size === 0) throw new UsersFileError("the users file holds no user");
  return users;
}

/** The dummy entry checked for unknown names, so an unknown user costs as much time as a known one. */
const UNKNOWN = { N: COST.N, r: COST.r, p: COST.p, salt: Buffer.alloc(SALT_BYTES), hash: Buffer.alloc(HASH_BYTES) };

/** Whether `password` is the user's; constant-time comparison of equal-length digests. */
export async function checkPassword(entry: PasswordEntry | undefined, password: string): Promise<boolean> {
  const e = entry ?? UNKNOWN;
  const derived = await derive(password, e.salt, e);
  return timingSafeEqual(derived, e.hash) && entry !== undefined;
}
