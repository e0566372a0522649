// The credentials uploads are signed with: static keys that can be replaced at any time (the C SDK's
// Set_Credential), or a provider function in the AWS SDK's shape that is called again before the credentials
// expire (any @aws-sdk/credential-providers provider, or a fetch from the AWS IoT credentials provider).
//
// Refresh timing: temporary credentials are refreshed when less than max(60 s, 5-20 % of their lifetime) is
// left, the share drawn at random for each set of credentials. A fleet of cameras that booted together thus
// spreads its refreshes (for the IoT default of 1 hour: 3 to 12 minutes early), and a slow or failing refresh
// still has minutes of valid credentials to fall back on. Failed refreshes are retried with backoff; the old
// credentials stay in use while they are valid.
//
// Nothing here ever logs or formats a secret: errors name the provider's failure, never the keys.
import type { Credentials, CredentialProvider } from "./s3/signer.js";
import { backoffDelay, sleep } from "./retry.js";

export type { Credentials, CredentialProvider };

/** No usable credentials: none given yet, the provider failed, or they expired and no new ones came. */
export class CredentialsUnavailableError extends Error {
  override name = "CredentialsUnavailableError";
  /** Retry classification (src/retry.ts): uploads wait for credentials. */
  readonly kind = "auth";
}

export class InvalidCredentialsError extends Error {
  override name = "InvalidCredentialsError";
}

export interface CredentialSourceOptions {
  /** Always refresh at least this long before expiry (ms). Default 60 000. */
  minRefreshAheadMs?: number;
  /** The clock (ms since epoch). Default Date.now. */
  now?: () => number;
  /** Random numbers in [0, 1) for the jitter. Default Math.random. */
  random?: () => number;
}

/** Credentials that expire within this margin are not used to sign: the request might arrive after expiry. */
const SAFETY_MARGIN_MS = 10_000;

export class CredentialSource {
  private current?: Credentials;
  private refreshAtMs = Infinity;
  private provider?: CredentialProvider;
  private refreshing?: Promise<Credentials>;
  private failedRefreshes = 0;
  private waiters: (() => void)[] = [];
  /** Increases every time new credentials arrive; used to tell "the ones that failed" from "newer ones". */
  generation = 0;
  private readonly minAheadMs: number;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(initial?: Credentials | CredentialProvider, options: CredentialSourceOptions = {}) {
    this.minAheadMs = options.minRefreshAheadMs ?? 60_000;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    if (typeof initial === "function") this.setProvider(initial);
    else if (initial) this.set(initial);
  }

  /** True when credentials come from a provider (refreshed by calling it again). */
  get hasProvider(): boolean {
    return this.provider !== undefined;
  }

  /** True once static credentials or a provider were given. */
  get configured(): boolean {
    return this.current !== undefined || this.provider !== undefined;
  }

  /** Replaces the credentials now (a provider, if any, is dropped: these are used until replaced again). */
  set(credentials: Credentials): void {
    checkCredentials(credentials);
    this.provider = undefined;
    this.refreshing = undefined;
    this.accept({ ...credentials });
  }

  /** Uses a provider from now on; it is called at the next request and again before each expiry. */
  setProvider(provider: CredentialProvider): void {
    this.provider = provider;
    this.current = undefined;
    this.refreshing = undefined;
    this.refreshAtMs = -Infinity;
    this.notify();
  }

  /** The credentials to sign the next request with, refreshing them first if they are due. */
  async get(): Promise<Credentials> {
    const now = this.now();
    const usable = this.current && !this.expiresWithin(this.current, now, SAFETY_MARGIN_MS) ? this.current : undefined;
    if (this.provider && now >= this.refreshAtMs) {
      const refresh = this.refresh();
      // Refresh in the background while the current credentials are still good.
      if (usable) {
        refresh.catch(() => {});
        return usable;
      }
      return refresh;
    }
    if (usable) return usable;
    if (this.current) throw new CredentialsUnavailableError("the credentials have expired; call setCredentials() with new ones");
    throw new CredentialsUnavailableError("no credentials yet; call setCredentials() or pass a credential provider");
  }

  /**
   * Called after the store refused credentials of `generation`. Resolves when newer ones are there: at once if
   * they already are, after a forced provider refresh, or when setCredentials() is called. Rejects on abort.
   */
  async waitForNewer(generation: number, signal?: AbortSignal): Promise<void> {
    if (this.generation > generation) return;
    if (this.provider) {
      // The store knows better than the expiration date (revoked or clock-skewed token): refresh now.
      this.refreshAtMs = -Infinity;
      await this.get().catch(() => {});
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const done = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      const onAbort = () => {
        this.waiters = this.waiters.filter((w) => w !== done);
        reject(signal!.reason ?? new Error("aborted"));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(done);
    });
  }

  private refresh(): Promise<Credentials> {
    if (this.refreshing) return this.refreshing;
    const provider = this.provider!;
    const attempt = (async () => {
      // Back off after failures, so a broken provider is not called in a tight loop by every upload.
      if (this.failedRefreshes > 0) await sleep(backoffDelay(this.failedRefreshes - 1, { baseMs: 1000, capMs: 30_000 }, this.random));
      let fresh: Credentials;
      try {
        fresh = await provider();
        checkCredentials(fresh);
      } catch (err) {
        this.failedRefreshes++;
        const why = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        throw new CredentialsUnavailableError(`the credential provider failed (${why.slice(0, 200)})`);
      }
      this.failedRefreshes = 0;
      if (this.provider === provider) this.accept({ ...fresh });
      return fresh;
    })();
    this.refreshing = attempt;
    attempt.then(
      () => this.refreshing === attempt && (this.refreshing = undefined),
      () => this.refreshing === attempt && (this.refreshing = undefined),
    );
    return attempt;
  }

  private accept(credentials: Credentials): void {
    this.current = credentials;
    this.refreshAtMs = Infinity;
    if (this.provider && credentials.expiration) {
      const expiresMs = credentials.expiration.getTime();
      const lifetimeMs = Math.max(0, expiresMs - this.now());
      const aheadMs = Math.max(this.minAheadMs, lifetimeMs * (0.05 + 0.15 * this.random()));
      this.refreshAtMs = expiresMs - aheadMs;
    }
    this.notify();
  }

  private notify(): void {
    this.generation++;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private expiresWithin(c: Credentials, now: number, marginMs: number): boolean {
    return c.expiration !== undefined && c.expiration.getTime() - marginMs <= now;
  }
}

/** Throws InvalidCredentialsError (naming the field, never showing a value) unless the credentials can sign. */
export function checkCredentials(c: Credentials): void {
  if (!c || typeof c.accessKeyId !== "string" || c.accessKeyId === "" || typeof c.secretAccessKey !== "string" || c.secretAccessKey === "") {
    throw new InvalidCredentialsError("credentials need a non-empty accessKeyId and secretAccessKey");
  }
  if (c.sessionToken !== undefined && typeof c.sessionToken !== "string") {
    throw new InvalidCredentialsError("sessionToken must be a string");
  }
  // They go into headers and the signature: a newline pasted with them would fail every upload. (Never show them.)
  for (const field of ["accessKeyId", "secretAccessKey", "sessionToken"] as const) {
    if (/[\u0000-\u001f\u007f]/.test(c[field] ?? "")) {
      throw new InvalidCredentialsError(`${field} contains a control character (a newline pasted with it?)`);
    }
  }
  if (c.expiration !== undefined && !(c.expiration instanceof Date && !Number.isNaN(c.expiration.getTime()))) {
    throw new InvalidCredentialsError("expiration must be a valid Date");
  }
}
