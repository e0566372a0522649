// Typed errors for S3 requests. Messages carry the HTTP status, the S3 error code and the object key, never
// credentials, signatures or request headers, so any of them can be logged as is.
import { decodeXmlText } from "./xml.js";

/** Why a request failed, as the retry logic sees it (see src/retry.ts). */
export type S3ErrorKind =
  | "transient" // 5xx, SlowDown, RequestTimeout, InternalError: retry with backoff
  | "clock-skew" // RequestTimeTooSkewed and friends: correct the clock offset, then retry
  | "auth" // ExpiredToken, InvalidAccessKeyId, SignatureDoesNotMatch: wait for new credentials
  | "integrity" // BadDigest, XAmzContentSHA256Mismatch: the body did not match its checksum
  | "fatal"; // any other 4xx: retrying will not help

/** The store answered with a non-2xx status. */
export class S3ResponseError extends Error {
  override name = "S3ResponseError";
  constructor(
    /** HTTP status, e.g. 403. */
    readonly status: number,
    /** S3 error code from the XML body, e.g. "AccessDenied"; "" when the body had none. */
    readonly code: string,
    message: string,
    readonly kind: S3ErrorKind,
    /** x-amz-request-id, for support tickets. */
    readonly requestId?: string,
  ) {
    super(message);
  }
}

/** The credentials were refused (expired token, unknown key, wrong secret). Uploads wait for new ones. */
export class S3AuthError extends S3ResponseError {
  override name = "S3AuthError";
}

/** The device clock is too far from the store's; the offset has been corrected from the Date header. */
export class S3ClockSkewError extends S3ResponseError {
  override name = "S3ClockSkewError";
}

/** The store computed a different checksum or hash than the one sent: the body was corrupted on the way. */
export class S3IntegrityError extends S3ResponseError {
  override name = "S3IntegrityError";
}

/**
 * A 2xx that is not S3's (no ETag, an HTML page, a checksum other than the one sent): something between us and
 * the store (a captive portal, a proxy) answered, so nothing is known to be stored. Retried like a 5xx.
 */
export class S3UnexpectedAnswerError extends S3ResponseError {
  override name = "S3UnexpectedAnswerError";
  constructor(status: number, code: string, message: string) {
    super(status, code, message, "transient");
  }
}

/** No HTTP answer: connection refused or reset, DNS failure, TLS failure. */
export class S3NetworkError extends Error {
  override name = "S3NetworkError";
  readonly kind: S3ErrorKind = "transient";
  /** The system error code, e.g. "ECONNRESET". */
  readonly code: string;
  /** The request had gone out on a connection when it failed: the store may have stored it. */
  sent = false;
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** The connection stayed silent longer than the request timeout. */
export class S3TimeoutError extends S3NetworkError {
  override name = "S3TimeoutError";
}

/** TLS verification failed: a wrong CA or a man in the middle. Not retried. */
export class S3TlsError extends S3NetworkError {
  override name = "S3TlsError";
  override readonly kind: S3ErrorKind = "fatal";
}

/** The request was aborted by its AbortSignal (e.g. the core dropped the segment being uploaded). */
export class S3AbortError extends Error {
  override name = "AbortError";
  /** The request had gone out on a connection before the abort: the store may have stored it. */
  sent = false;
}

/** A 2xx answer longer than the request allows (e.g. a listing page over its cap): not read further. */
export class S3ResponseTooLargeError extends Error {
  override name = "S3ResponseTooLargeError";
  readonly kind: S3ErrorKind = "fatal";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const SKEW_CODES = new Set(["RequestTimeTooSkewed", "RequestExpired", "RequestInTheFuture", "InvalidSignatureException"]);
const AUTH_CODES = new Set([
  "ExpiredToken",
  "ExpiredTokenException",
  "TokenRefreshRequired",
  "InvalidAccessKeyId",
  "InvalidToken",
  "InvalidTokenId", // MinIO's answer to an unknown session token
  "InvalidClientTokenId",
  "SignatureDoesNotMatch",
]);
const INTEGRITY_CODES = new Set(["BadDigest", "XAmzContentSHA256Mismatch", "InvalidDigest", "XAmzContentChecksumMismatch"]);
const TRANSIENT_CODES = new Set([
  "SlowDown",
  "RequestTimeout",
  "RequestTimeoutException",
  "InternalError",
  "ServiceUnavailable",
  "PriorRequestNotComplete",
  "RequestLimitExceeded",
  "Throttling",
  "ThrottlingException",
]);

/** Classifies an error answer by its S3 code first, then by its HTTP status. */
export function classifyResponse(status: number, code: string): S3ErrorKind {
  if (SKEW_CODES.has(code)) return "clock-skew";
  if (AUTH_CODES.has(code)) return "auth";
  if (INTEGRITY_CODES.has(code)) return "integrity";
  if (TRANSIENT_CODES.has(code) || status >= 500 || status === 429) return "transient";
  return "fatal";
}

/** Reads <Code> and <Message> from an S3 XML error body (no XML library needed for two flat fields). */
export function parseErrorBody(body: string): { code: string; message: string } {
  const field = (name: string) => {
    const m = new RegExp(`<${name}>([^<]{0,500})</${name}>`).exec(body);
    return m ? decodeXmlText(m[1]) : "";
  };
  return { code: field("Code"), message: field("Message") };
}

/** Builds the typed error for a non-2xx answer. `what` names the request, e.g. "PUT key". */
export function responseError(status: number, body: string, what: string, requestId?: string): S3ResponseError {
  const parsed = parseErrorBody(body);
  const code = parsed.code;
  const kind = classifyResponse(status, code);
  // S3's own messages say what went wrong and never echo secrets (a SignatureDoesNotMatch body can carry the
  // string-to-sign and the AWS access key id as separate fields, which we do not read).
  const detail = parsed.message ? `: ${parsed.message}` : "";
  const message = `${what} failed with HTTP ${status}${code ? ` ${code}` : ""}${detail}`;
  const ctor =
    kind === "auth" ? S3AuthError : kind === "clock-skew" ? S3ClockSkewError : kind === "integrity" ? S3IntegrityError : S3ResponseError;
  return new ctor(status, code, message, kind, requestId);
}

const KINDS = new Set<string>(["transient", "clock-skew", "auth", "integrity", "fatal"]);

/** The retry kind of any error: its own `kind` when it has one (S3 errors, CredentialsUnavailableError), else fatal. */
export function errorKind(err: unknown): S3ErrorKind {
  const kind = (err as { kind?: unknown } | undefined)?.kind;
  return typeof kind === "string" && KINDS.has(kind) ? (kind as S3ErrorKind) : "fatal";
}
