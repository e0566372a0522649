// The Lambda handler behind API Gateway: it serves only events an authorizer vetted (IAM, JWT/Cognito, Lambda
// authorizer, both payload versions), refuses the rest with a configuration error logged once, unless
// IPC_HLS_PUBLIC=1 says the recordings are public on purpose.
import { describe, it, expect, beforeAll, afterAll, afterEach, vi } from "vitest";
import { join } from "node:path";
import { LocalStore } from "../src/store/local-store.js";
import { createLambdaHandler, NO_AUTHORIZER, type ProxyEvent } from "../src/playback/lambda.js";
import { recordWithFfmpeg } from "./support/recordings.js";
import { tempDir } from "./support/media-tools.js";

let dir: ReturnType<typeof tempDir>;
let store: LocalStore;
beforeAll(async () => {
  dir = tempDir("ipc-hls-lambda-auth-");
  store = new LocalStore(join(dir.path, "store"));
  await recordWithFfmpeg(store, "cam1", Date.now() - 3_600_000, 2);
});
afterAll(() => dir?.cleanup());

const v2 = (requestContext: ProxyEvent["requestContext"] = {}): ProxyEvent => ({ rawPath: "/cameras", rawQueryString: "", requestContext: { http: { method: "GET" }, ...requestContext } });
const v1 = (requestContext?: ProxyEvent["requestContext"]): ProxyEvent => ({ httpMethod: "GET", path: "/cameras", requestContext });

describe("createLambdaHandler({ requireAuthorizer: true })", () => {
  it.each([
    ["HTTP API, JWT authorizer (Cognito)", v2({ authorizer: { jwt: { claims: { sub: "u1" }, scopes: [] }, principalId: "", integrationLatency: 0 } })],
    ["HTTP API, IAM authorization", v2({ authorizer: { iam: { accessKey: "AKIA…", accountId: "1", userArn: "arn:aws:iam::1:user/viewer" } } })],
    ["HTTP API, Lambda authorizer", v2({ authorizer: { lambda: { viewer: true } } })],
    ["REST API, Cognito user pool authorizer", v1({ authorizer: { claims: { sub: "u1" } } })],
    ["REST API, IAM authorization", v1({ identity: { userArn: "arn:aws:iam::1:user/viewer" } })],
  ])("serves an event vetted by an authorizer: %s", async (_, event) => {
    const handler = createLambdaHandler({ store, requireAuthorizer: true });
    const answer = await handler(event);
    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ cameras: ["cam1"] });
  });

  it("refuses events no authorizer vetted with a configuration error, told once", async () => {
    const told: string[] = [];
    const handler = createLambdaHandler({ store, requireAuthorizer: true, onUnprotected: (m) => told.push(m) });
    for (const event of [v2(), v1(), v1({ authorizer: null }), v2({ authorizer: {} }), v1({ identity: { userArn: null } })]) {
      const answer = await handler(event);
      expect(answer.statusCode).toBe(500);
      expect(answer.body).not.toContain("cam1");
      expect(JSON.parse(answer.body).error).toEqual({ code: "config", message: NO_AUTHORIZER });
    }
    expect(told).toEqual([NO_AUTHORIZER]);
  });
});

describe("the deployable entry point", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
    vi.resetModules();
  });

  /** A fresh module (the entry point keeps its configuration for the container's life), configured by env. */
  async function entryPoint(env: Record<string, string>) {
    vi.resetModules();
    // An endpoint nothing listens on: the routes used here never reach the store.
    for (const [k, v] of Object.entries({ IPC_HLS_BUCKET: "rec", IPC_HLS_ENDPOINT: "http://127.0.0.1:9", AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "secret-example-key", ...env })) vi.stubEnv(k, v);
    return (await import("../src/playback/lambda.js")).handler;
  }
  const unknownRoute = (requestContext?: ProxyEvent["requestContext"]): ProxyEvent => ({ httpMethod: "GET", path: "/nowhere", requestContext });

  it("without an authorizer: 500 with the configuration error, logged once", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const handler = await entryPoint({});
    for (let i = 0; i < 3; i++) {
      const answer = await handler(unknownRoute());
      expect(answer.statusCode).toBe(500);
      expect(JSON.parse(answer.body).error.message).toBe(NO_AUTHORIZER);
    }
    expect(logged).toHaveBeenCalledTimes(1);
    expect(String(logged.mock.calls[0][0])).toContain("IPC_HLS_PUBLIC=1");
    expect(JSON.stringify(logged.mock.calls)).not.toContain("secret-example-key");
  });

  it("with an authorizer, or with IPC_HLS_PUBLIC=1, the request is served", async () => {
    const vetted = await (await entryPoint({}))(unknownRoute({ authorizer: { claims: { sub: "u1" } } }));
    expect(vetted.statusCode).toBe(404);
    expect(JSON.parse(vetted.body).error.code).toBe("not-found");
    const open = await (await entryPoint({ IPC_HLS_PUBLIC: "1" }))(unknownRoute());
    expect(open.statusCode).toBe(404);
    expect(JSON.parse(open.body).error.code).toBe("not-found");
  });
});
