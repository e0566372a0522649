// CredentialSource (refresh before expiry with jitter, failed refreshes retried, replacement at any time) and
// the retry policy (classification table, full-jitter bounds). Pure logic: clocks and randomness are injected.
import { describe, it, expect } from "vitest";
import { CredentialSource, CredentialsUnavailableError, InvalidCredentialsError, type Credentials } from "../src/credentials.js";
import { backoffDelay, classifyError, decide } from "../src/retry.js";
import { classifyResponse, S3NetworkError, S3TlsError, responseError } from "../src/s3/errors.js";

const keys = (n: number, expiration?: Date): Credentials => ({ accessKeyId: `AKIA${n}`, secretAccessKey: `secret-${n}`, sessionToken: `token-${n}`, expiration });

describe("CredentialSource", () => {
  it("static credentials are returned as given and replaced at once by set()", async () => {
    const source = new CredentialSource(keys(1));
    expect((await source.get()).accessKeyId).toBe("AKIA1");
    const generation = source.generation;
    source.set(keys(2));
    expect((await source.get()).accessKeyId).toBe("AKIA2");
    expect(source.generation).toBeGreaterThan(generation);
  });

  it("without credentials, get() fails with a typed error that asks for setCredentials", async () => {
    const err = await new CredentialSource().get().catch((e) => e);
    expect(err).toBeInstanceOf(CredentialsUnavailableError);
    expect(err.kind).toBe("auth");
    expect(err.message).toMatch(/setCredentials/);
  });

  it("refuses empty keys and invalid dates", () => {
    expect(() => new CredentialSource({ accessKeyId: "", secretAccessKey: "x" })).toThrow(InvalidCredentialsError);
    expect(() => new CredentialSource({ accessKeyId: "a", secretAccessKey: "s", expiration: new Date("nope") })).toThrow(InvalidCredentialsError);
  });

  it("expired static credentials are not used to sign", async () => {
    let now = 1_000_000;
    const source = new CredentialSource(keys(1, new Date(now + 60_000)), { now: () => now });
    await source.get();
    now += 55_000; // inside the 10 s safety margin
    await expect(source.get()).rejects.toThrow(/expired/);
  });

  it("a provider is refreshed between 5 % and 20 % of the lifetime before expiry (at least 60 s), not before", async () => {
    for (const random of [0, 0.5, 0.999]) {
      let now = 0;
      let calls = 0;
      const lifetime = 3600_000;
      const source = new CredentialSource(async () => keys(++calls, new Date(now + lifetime)), { now: () => now, random: () => random });
      expect((await source.get()).accessKeyId).toBe("AKIA1");
      const aheadMs = lifetime * (0.05 + 0.15 * random);
      now = lifetime - aheadMs - 1;
      expect((await source.get()).accessKeyId).toBe("AKIA1");
      expect(calls).toBe(1);
      now = lifetime - aheadMs;
      // Due: the refresh starts in the background while the current keys are still valid...
      expect((await source.get()).accessKeyId).toBe("AKIA1");
      await new Promise((r) => setImmediate(r));
      // ...and the next request signs with the new ones.
      expect((await source.get()).accessKeyId).toBe("AKIA2");
      expect(calls).toBe(2);
    }
  });

  it("short-lived credentials are refreshed at least 60 s before expiry", async () => {
    let now = 0;
    let calls = 0;
    const source = new CredentialSource(async () => keys(++calls, new Date(now + 120_000)), { now: () => now, random: () => 0 });
    await source.get();
    now = 59_999;
    await source.get();
    expect(calls).toBe(1);
    now = 60_000;
    await source.get();
    await new Promise((r) => setImmediate(r));
    expect(calls).toBe(2);
  });

  it("a failing provider is retried; its error carries the provider's message but no secret", async () => {
    let calls = 0;
    const source = new CredentialSource(
      async () => {
        calls++;
        if (calls < 3) throw new Error(`IoT endpoint unreachable (attempt ${calls})`);
        return keys(9);
      },
      { random: () => 0 }, // no backoff wait in the test
    );
    const first = await source.get().catch((e) => e);
    expect(first).toBeInstanceOf(CredentialsUnavailableError);
    expect(first.message).toMatch(/IoT endpoint unreachable \(attempt 1\)/);
    await expect(source.get()).rejects.toThrow(/attempt 2/);
    expect((await source.get()).accessKeyId).toBe("AKIA9");
    expect(calls).toBe(3);
  });

  it("waitForNewer resolves when setCredentials brings newer keys, and at once if they already came", async () => {
    const source = new CredentialSource(keys(1));
    const generation = source.generation;
    let resolved = false;
    const waiting = source.waitForNewer(generation).then(() => (resolved = true));
    await new Promise((r) => setImmediate(r));
    expect(resolved).toBe(false);
    source.set(keys(2));
    await waiting;
    expect(resolved).toBe(true);
    await source.waitForNewer(generation); // already newer: returns at once
  });

  it("waitForNewer with a provider forces a refresh (the store refused keys that had not expired yet)", async () => {
    let calls = 0;
    const source = new CredentialSource(async () => keys(++calls, new Date(Date.now() + 3600_000)));
    await source.get();
    await source.waitForNewer(source.generation);
    expect(calls).toBe(2);
    expect((await source.get()).accessKeyId).toBe("AKIA2");
  });

  it("waitForNewer rejects when its signal aborts (close deadline)", async () => {
    const source = new CredentialSource(keys(1));
    const abort = new AbortController();
    const waiting = source.waitForNewer(source.generation, abort.signal);
    abort.abort(new Error("deadline"));
    await expect(waiting).rejects.toThrow("deadline");
  });
});

describe("retry policy", () => {
  it("classifies S3 answers by code first, then by status", () => {
    const table: [number, string, string][] = [
      [500, "InternalError", "transient"],
      [503, "SlowDown", "transient"],
      [400, "RequestTimeout", "transient"],
      [502, "", "transient"],
      [429, "", "transient"],
      [403, "RequestTimeTooSkewed", "clock-skew"],
      [403, "ExpiredToken", "auth"],
      [403, "InvalidAccessKeyId", "auth"],
      [403, "SignatureDoesNotMatch", "auth"],
      [400, "BadDigest", "integrity"],
      [400, "XAmzContentSHA256Mismatch", "integrity"],
      [403, "AccessDenied", "fatal"],
      [404, "NoSuchBucket", "fatal"],
      [400, "InvalidTag", "fatal"],
    ];
    for (const [status, code, kind] of table) expect([status, code, classifyResponse(status, code)]).toEqual([status, code, kind]);
  });

  it("decides: retry with backoff, retry once at once after a skew fix, wait for credentials, or give up", () => {
    const err = (status: number, code: string) => responseError(status, `<Error><Code>${code}</Code></Error>`, "PUT k");
    expect(decide(err(503, "SlowDown"), false)).toBe("retry");
    expect(decide(new S3NetworkError("reset", "ECONNRESET"), false)).toBe("retry");
    expect(decide(err(403, "RequestTimeTooSkewed"), false)).toBe("retry-now");
    expect(decide(err(403, "RequestTimeTooSkewed"), true)).toBe("retry");
    expect(decide(err(403, "ExpiredToken"), false)).toBe("wait-for-credentials");
    expect(decide(new CredentialsUnavailableError("none"), false)).toBe("wait-for-credentials");
    expect(decide(err(403, "AccessDenied"), false)).toBe("give-up");
    expect(decide(new S3TlsError("bad cert", "CERT_HAS_EXPIRED"), false)).toBe("give-up");
    expect(decide(new Error("a bug"), false)).toBe("give-up");
    expect(classifyError(Object.assign(new Error("disk full"), { code: "ENOSPC" }))).toBe("transient");
  });

  it("full jitter: delays stay within [0, min(cap, base·2^attempt)) and reach the cap", () => {
    const opts = { baseMs: 500, capMs: 16_000 };
    for (let attempt = 0; attempt < 40; attempt++) {
      const ceiling = Math.min(16_000, 500 * 2 ** attempt);
      expect(backoffDelay(attempt, opts, () => 0)).toBe(0);
      expect(backoffDelay(attempt, opts, () => 0.999999)).toBe(Math.floor(0.999999 * ceiling));
      expect(backoffDelay(attempt, opts, () => 0.999999)).toBeLessThan(ceiling);
    }
    expect(backoffDelay(10, opts, () => 0.5)).toBe(8000);
  });

  it("error messages from S3 answers name the key and code, never the request's signature", () => {
    const body = `<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match</Message><AWSAccessKeyId>AKIAX</AWSAccessKeyId><StringToSign>AWS4-HMAC-SHA256 secretstuff</StringToSign><SignatureProvided>abcdef0123</SignatureProvided></Error>`;
    const err = responseError(403, body, "PUT cam/1.ts");
    expect(err.message).toBe("PUT cam/1.ts failed with HTTP 403 SignatureDoesNotMatch: The request signature we calculated does not match");
    expect(err.message).not.toMatch(/abcdef0123|secretstuff|AKIAX/);
  });
});
