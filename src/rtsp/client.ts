// RTSP requests as a session makes them: authentication (answering a 401 once with the URL's credentials),
// the Session header, and statuses turned into typed errors.
import { Authenticator, pickChallenge } from "./auth.js";
import { header, type ResponseHook, type RtspConnection, type RtspResponse } from "./connection.js";
import { RtspAuthError, RtspError, RtspNotFoundError, RtspTransportError } from "./errors.js";
import type { RtspUrl } from "./url.js";

export class RtspClient {
  /** The session id from the first SETUP, sent with every later request. */
  sessionId?: string;
  private authenticator?: Authenticator;

  constructor(
    readonly connection: RtspConnection,
    private readonly url: RtspUrl,
    /** The masked URL, for messages. */
    readonly label: string,
  ) {}

  /** Sends a request (again with credentials after a 401); any status comes back. */
  async send(method: string, uri: string, headers: Record<string, string> = {}, hook?: ResponseHook): Promise<RtspResponse> {
    for (let attempt = 0; ; attempt++) {
      const all = { ...headers };
      if (this.sessionId) all.Session = this.sessionId;
      if (this.authenticator) all.Authorization = this.authenticator.header(method, uri);
      const response = await this.connection.request(method, uri, all, hook);
      if (response.status !== 401) return response;
      const { username, password } = this.url;
      if (username === undefined) throw new RtspAuthError(`${this.label}: the camera asks for a user and password (401)`, 401);
      const challenge = pickChallenge(response.headers.get("www-authenticate") ?? []);
      if (!challenge) throw new RtspAuthError(`${this.label}: no authentication scheme we support (Basic, Digest MD5)`, 401);
      // A second 401 is a refusal, unless the server only said our nonce was stale.
      const stale = /stale\s*=\s*"?true/i.test(response.headers.get("www-authenticate")?.join(",") ?? "");
      if (attempt > 0 && !(stale && attempt === 1)) {
        throw new RtspAuthError(`${this.label}: user or password refused (401 to ${method})`, 401);
      }
      this.authenticator = new Authenticator(challenge, username, password ?? "");
    }
  }

  /** Sends a request and insists on a 2xx answer. */
  async expectOk(method: string, uri: string, headers: Record<string, string> = {}, hook?: ResponseHook): Promise<RtspResponse> {
    const response = await this.send(method, uri, headers, hook);
    if (response.status >= 200 && response.status < 300) return response;
    throw statusError(this.label, method, response);
  }
}

export function statusError(label: string, method: string, response: RtspResponse): RtspError {
  const what = `${label}: ${method} answered ${response.status} ${response.reason}`;
  if (response.status === 404) return new RtspNotFoundError(what, 404);
  if (response.status === 461) return new RtspTransportError(what, 461);
  if (response.status === 403) return new RtspAuthError(what, 403);
  return new RtspError(what, response.status);
}

export const isRedirect = (response: RtspResponse) =>
  [301, 302, 303, 305, 307].includes(response.status) && header(response, "location") !== undefined;
