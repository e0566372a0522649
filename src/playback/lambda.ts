// The playback API as an AWS Lambda function behind API Gateway (REST API proxy integration, payload 1.0, or
// HTTP API, payload 2.0), for running the playlist service serverless beside the bucket. Segments are always
// presigned S3 URLs here: the function serves only the API routes (playlist, spans, cameras).
import { S3Store } from "../store/s3-store.js";
import { createPlaybackApi, json, type PlaybackApiOptions } from "./api.js";

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
  requestContext?: { stage?: string; http?: { method?: string } };
}

export interface ProxyResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: false;
}

export function createLambdaHandler(options: PlaybackApiOptions) {
  const api = createPlaybackApi(options);
  return async function handler(event: ProxyEvent): Promise<ProxyResult> {
    const method = event.requestContext?.http?.method ?? event.httpMethod ?? "GET";
    let path = event.rawPath ?? event.path ?? "/";
    // An HTTP API with a named stage puts the stage in front of the path.
    const stage = event.requestContext?.stage;
    if (event.rawPath && stage && stage !== "$default" && path.startsWith(`/${stage}/`)) path = path.slice(stage.length + 1);
    const answer = (await api({ method, path, query: queryOf(event) })) ?? json(404, { error: { code: "not-found", message: "no such route" } });
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
 *   IPC_HLS_ENDPOINT and IPC_HLS_PATH_STYLE=1 for an S3-compatible store;
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
      });
    } catch (err) {
      return configError((err as Error).message);
    }
  }
  return fromEnvironment(event);
}

function configError(message: string): ProxyResult {
  const answer = json(500, { error: { code: "config", message } });
  return { statusCode: answer.status, headers: answer.headers, body: answer.body, isBase64Encoded: false };
}
