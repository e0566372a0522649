// Short-lived signed URLs for segments served from a directory store: "?exp=<unix s>&sig=<HMAC-SHA256>", over the
// segment's key and the expiry, with a key drawn at start (a restart voids every URL handed out before it). A leaked
// playlist stops working when its URLs expire.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export type SignatureCheck = "valid" | "expired" | "invalid";

export interface UrlSigner {
  /** The query string ("exp=...&sig=...") that lets a request read `key` until now + lifetime. */
  sign(key: string): string;
  check(key: string, query: URLSearchParams): SignatureCheck;
}

export function createUrlSigner({ lifetimeS = 3600, now = Date.now, secret = randomBytes(32) } = {}): UrlSigner {
  const mac = (key: string, exp: string) => createHmac("sha256", secret).update(`${exp}\n${key}`).digest();
  return {
    sign(key) {
      const exp = String(Math.floor(now() / 1000) + lifetimeS);
      return `exp=${exp}&sig=${mac(key, exp).toString("base64url")}`;
    },
    check(key, query) {
      const exp = query.get("exp");
      const sig = query.get("sig");
      if (exp === null || sig === null || !/^\d{1,12}$/.test(exp)) return "invalid";
      const given = Buffer.from(sig, "base64url");
      const expected = mac(key, exp);
      // Both are 32-byte digests when the signature has the right length; anything else is simply wrong.
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return "invalid";
      return Number(exp) * 1000 > now() ? "valid" : "expired";
    },
  };
}
