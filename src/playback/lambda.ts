// The playback API as an AWS Lambda function behind API Gateway (REST API proxy integration, payload 1.0, or
// HTTP API, payload 2.0), for running the playlist service serverless beside the bucket. Segments are always
// presigned S3 URLs here: the function serves only the API routes (playlist, spans, cameras, clip).
//
// Who may call it is API Gateway's business (an IAM, JWT/Cognito or Lambda authorizer on the route): the function
// checks that one ran, and refuses every request when none did, unless it is told the API is public on purpose.
import { S3Store } from "../store/s3-store.js";
import { createPlaybackApi, json, type PlaybackApiOptions } from "./api.js";
import type { ClipLimits } from "./clip.js";

/** The fields of a proxy event we read; both payload versions fit. */
export interface ProxyEvent {
  // Payload 1.0 (REST API)
  httpMethod?: string;
  path?: string;
  queryStringParameters?: Record<string, string | undefined> | null;
  multiValueQueryStringParameters?: Record<string, string[] | undefined> | null;
  // Payload 2.0 (HTTP API)
  rawPath?: string;
  rawQueryString?: string;
  requestContext?: {
    stage?: string;
    http?: { method?: string };
    /** Set by API Gateway when an authorizer ran: payload 2.0 {jwt}, {iam} or {lambda}; payload 1.0 the claims
     * (Cognito) or the Lambda authorizer's context. */
    authorizer?: Record<string, unknown> | null;
    /** Payload 1.0 of a REST API: with IAM authorization (AWS_IAM) the caller's ARN is here, no authorizer object. */
    identity?: { userArn?: string | null } | null;
  };
}

export interface LambdaHandlerOptions extends PlaybackApiOptions {
  /** Refuse (500, a configuration error) every event that no API Gateway authorizer vetted. Default false here;
   * the deployable `handler` sets it unless IPC_HLS_PUBLIC=1. */
  requireAuthorizer?: boolean;
  /** Told once when an event arrives without an authorizer (the deployable handler logs it). */
  onUnprotected?: (message: string) => void;
}

/** The message for an API with no authorizer in front of it. */
export const NO_AUTHORIZER =
  "no API Gateway authorizer ran for this request: put an IAM, JWT (Cognito) or Lambda authorizer on the route, or set IPC_HLS_PUBLIC=1 if the recordings are meant to be public";

/** Whether API Gateway vetted the event: an authorizer's output (both payload versions) or an IAM caller (REST). */
export function authorizedByGateway(event: ProxyEvent): boolean {
  const context = event.requestContext;
  const authorizer = context?.authorizer;
  if (authorizer && typeof authorizer === "object" && Object.keys(authorizer).length > 0) return true;
  return typeof context?.identity?.userArn === "string" && context.identity.userArn !== "";
}

export interface ProxyResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}

/**
 * A Lambda function's response is at most 6 MB (and base64 makes a clip a third larger), so clips from the Lambda
 * handler read at most 4 MB of segments; longer clips come from `ipc-hls export` or `ipc-hls serve`.
 */
export const LAMBDA_CLIP_LIMITS: ClipLimits = { maxBytes: 4 * 1024 * 1024, maxDurationMs: 30 * 60_000 };

export function createLambdaHandler(options: LambdaHandlerOptions) {
  const api = createPlaybackApi({ clipLimits: LAMBDA_CLIP_LIMITS, ...options });
  let told = false;
  return async function handler(event: ProxyEvent): Promise<ProxyResult> {
    if (options.requireAuthorizer && !authorizedByGateway(event)) {
      if (!told) options.onUnprotected?.(NO_AUTHORIZER);
      told = true;
      return configError(NO_AUTHORIZER);
    }
    const method = event.requestContext?.http?.method ?? event.httpMethod ?? "GET";
    let path = event.rawPath ?? event.path ?? "/";
    // An HTTP API with a named stage puts the stage in front of the path.
    const stage = event.requestContext?.stage;
    if (event.rawPath && stage && stage !== "$default" && path.startsWith(`/${stage}/`)) path = path.slice(stage.length + 1);
    const answer = (await api({ method, path, query: queryOf(event) })) ?? json(404, { error: { code: "not-found", message: "no such route" } });
    if (typeof answer.body !== "string") {
      return { statusCode: answer.status, headers: answer.headers, body: method === "HEAD" ? "" : Buffer.from(answer.body).toString("base64"), isBase64Encoded: true };
    }
    return { statusCode: answer.status, headers: answer.headers, body: method === "HEAD" ? "" : answer.body, isBase64Encoded: false };
  };
}

function queryOf(event: ProxyEvent): URLSearchParams {
  if (event.rawQueryString !== undefined) return new URLSearchParams(event.rawQueryString);
  const query = new URLSearchParams();
  if (event.multiValueQueryStringParameters) {
    for (const [name, values] of Object.entries(event.multiValueQueryStringParameters)) for (const v of values ?? []) query.append(name, v);
  } else {
    for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) if (value !== undefined) query.append(name, value);
  }
  return query;
}

let fromEnvironment: ReturnType<typeof createLambdaHandler> | undefined;

/**
 * The deployable entry point, configured by environment variables:
 *   IPC_HLS_BUCKET, IPC_HLS_PREFIX (default ""), IPC_HLS_EXPIRES (seconds, default 3600), IPC_HLS_CORS_ORIGIN,
 *   IPC_HLS_ENDPOINT and IPC_HLS_PATH_STYLE=1 for an S3-compatible store; IPC_HLS_PUBLIC=1 to serve without an
 *   API Gateway authorizer (otherwise every such request is refused);
 *   AWS_REGION and the function's role credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN)
 *   come from the Lambda runtime. Presigned URLs die with the role's session token: keep IPC_HLS_EXPIRES short.
 */
export async function handler(event: ProxyEvent): Promise<ProxyResult> {
  if (!fromEnvironment) {
    const env = process.env;
    const bucket = env.IPC_HLS_BUCKET;
    if (!bucket) return configError("IPC_HLS_BUCKET is not set");
    try {
      // (A bad IPC_HLS_ENDPOINT, e.g. one with credentials in it, is a configuration error too; never echoed.)
      const store = new S3Store({
        location: { bucket, region: env.AWS_REGION ?? "us-east-1", endpoint: env.IPC_HLS_ENDPOINT || undefined, forcePathStyle: env.IPC_HLS_PATH_STYLE === "1" || undefined },
        credentials: async () => ({
          accessKeyId: env.AWS_ACCESS_KEY_ID ?? "",
          secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? "",
          sessionToken: env.AWS_SESSION_TOKEN,
        }),
      });
      fromEnvironment = createLambdaHandler({
        store,
        prefix: env.IPC_HLS_PREFIX ?? "",
        presignExpiresIn: env.IPC_HLS_EXPIRES ? Number(env.IPC_HLS_EXPIRES) : undefined,
        corsOrigin: env.IPC_HLS_CORS_ORIGIN || undefined,
        requireAuthorizer: env.IPC_HLS_PUBLIC !== "1",
        onUnprotected: (message) => console.error(`ipc-hls: configuration error: ${message}`),
      });
    } catch (err) {
      return configError((err as Error).message);
    }
  }
  return fromEnvironment(event);
}

function configError(message: string): ProxyResult {
  const answer = json(500, { error: { code: "config", message } });
  return { statusCode: answer.status, headers: answer.headers, body: answer.body as string, isBase64Encoded: false };
}
