// `ipc-hls serve`: the replay server (playback API + replay page) over a local directory or an S3 bucket.
import { readFile, stat } from "node:fs/promises";
import { BlockList, isIP, type AddressInfo } from "node:net";
import type { Server } from "node:http";
import type { Server as HttpsServer } from "node:https";
import { parseCommandArgs, UsageError, type Command } from "./command.js";
import { environmentCredentials, parseExpires, s3Location, S3_FLAGS, S3_FLAGS_HELP } from "./s3-flags.js";
import type { S3Location } from "../s3/endpoint.js";
import { createReplayServer, createSecureReplayServer, type ReplayServerOptions } from "../playback/server.js";
import { Authenticator } from "../playback/auth.js";
import { parseUsersFile, passwordLine, UsersFileError } from "../playback/passwords.js";
import { LocalStore } from "../store/local-store.js";
import { printable } from "../options.js";
import { S3Store } from "../store/s3-store.js";
import { catchInterrupts } from "./interrupt.js";

const help = `Usage: ipc-hls serve [--port <n>] [--host <address>] [--store <s3://bucket/prefix | directory>] [options]

Serves the replay page at / and the playback API:
  GET /cameras                                          the cameras (first-level folders of the store)
  GET /cameras/<camera>/spans?day=YYYY-MM-DD            recorded spans of a UTC day (or ?start=&end=), JSON
  GET /cameras/<camera>/playlist.m3u8?start=<t>&end=<t> HLS playlist for a range of at most 25 hours
  GET /cameras/<camera>/clip.mp4?start=<t>&end=<t>      the range as one MP4 (whole segments, at most 200 MB / 30 min)
Times are ISO 8601 with a zone or epoch ms. With a directory store the server also delivers the segments; with
an S3 store the playlists hold presigned URLs (the bucket needs a CORS rule for the page's origin).

Authentication: a bearer token (--auth-token-file or IPC_HLS_AUTH_TOKEN, at least 16 characters) and/or users
with scrypt-hashed passwords (--users). Then every route but the page itself needs a session (POST /login with
{"user","password"}, or the token as the password with no user; GET /session tells whether one is open; POST
/logout ends it) or "Authorization: Bearer <token>", and segment URLs in playlists are signed for 1 hour.
5 failed attempts per minute from one address, then 429. Listening on anything but loopback needs authentication.

Options:
  --port <n>          TCP port (default 8080)
  --host <address>    address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)
  --store <where>     a directory (default ./recordings) or s3://bucket/prefix
  --cors <origin>     allow this origin (or *) to call the API from another site (default: CORS off)
  --expires <s>       lifetime of presigned segment URLs, S3 stores only (default 3600, at most 604800)
  --auth-token-file <f>  a file holding the bearer token (or set IPC_HLS_AUTH_TOKEN)
  --users <file>      "name:scrypt$..." lines, made with: ipc-hls serve --hash-password <name> (password on stdin)
  --tls-cert <file>   serve HTTPS with this PEM certificate (chain) ...
  --tls-key <file>    ... and this PEM private key; the session cookie is then Secure
${S3_FLAGS_HELP}

S3 credentials come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN.

Examples:
  ipc-hls serve --hash-password alice >> users.txt
  ipc-hls serve --store /mnt/sd/recordings --host 0.0.0.0 --users users.txt --tls-cert cert.pem --tls-key key.pem
  ipc-hls serve --store s3://my-recordings/cameras --region eu-west-1 --port 9090`;

const FLAGS = {
  port: { type: "string" },
  host: { type: "string" },
  store: { type: "string" },
  cors: { type: "string" },
  expires: { type: "string" },
  "auth-token-file": { type: "string" },
  users: { type: "string" },
  "tls-cert": { type: "string" },
  "tls-key": { type: "string" },
  "hash-password": { type: "string" },
  ...S3_FLAGS,
} as const;

/** What `serve` runs: the command line's flags, checked, or what the demo sets. */
export interface ServeOptions {
  port: number;
  host: string;
  /** A directory (it must exist unless `mayFollow`: the demo serves the directory it is about to record into), or a bucket. */
  store: { directory: string; mayFollow?: boolean } | { s3: S3Location; prefix: string; presignExpiresIn?: number };
  corsOrigin?: string;
  /** Who may use the routes. Without it only a loopback `host` is allowed. */
  auth?: Authenticator;
  /** HTTPS with this PEM certificate (chain) and private key. */
  tls?: { cert: Buffer; key: Buffer };
}

/** `--port`: a TCP port, 0 for any free one. */
export function parsePort(text: string | undefined): number {
  const port = text === undefined ? 8080 : Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`bad --port ${JSON.stringify(text)}`);
  return port;
}

async function serveOptions(argv: string[]): Promise<ServeOptions> {
  const values = parseCommandArgs(argv, FLAGS, false).values;
  const host = values.host ?? "127.0.0.1";
  const auth = (await authFromFlags(values)).authenticator;
  const tls = await tlsFromFlags(values);
  const port = parsePort(values.port);
  // (It goes into a response header: a newline in it would break every response.)
  const corsOrigin = values.cors === undefined ? undefined : printable("--cors", values.cors);
  const common = { port, host, corsOrigin, auth, tls };
  const where = values.store ?? "recordings";
  const s3 = /^s3:\/\/([^/]+)\/?(.*)$/.exec(where);
  if (s3?.[1].includes("@")) {
    throw new UsageError("the --store URL must not carry credentials (s3://user:password@...): give s3://bucket/prefix and the keys in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
  }
  if (s3) return { ...common, store: { s3: s3Location(s3[1], values), prefix: s3[2], presignExpiresIn: parseExpires(values.expires) } };
  if (where.includes("://")) throw new UsageError(`bad --store ${JSON.stringify(where)}: give a directory or s3://bucket/prefix`);
  return { ...common, store: { directory: where } };
}

/** Starts the server the command line describes; resolves once it listens. */
export async function startServeFromArgs(argv: string[]): ReturnType<typeof startServe> {
  return startServe(await serveOptions(argv));
}

/** Starts the server; resolves once it listens. */
export async function startServe({ port, host, store: where, corsOrigin, auth, tls }: ServeOptions): Promise<{ server: Server | HttpsServer; url: string; close(): Promise<void> }> {
  if (!auth && !isLoopback(host)) {
    throw new UsageError(`refusing to serve recordings on ${host} without authentication: give --auth-token-file <file>, IPC_HLS_AUTH_TOKEN or --users <file> (or listen on 127.0.0.1)`);
  }
  if (auth && !tls && !isLoopback(host)) {
    process.stderr.write("ipc-hls serve: note: without --tls-cert/--tls-key, passwords, the token and the session cookie cross the network unencrypted (or put a TLS proxy in front)\n");
  }
  let options: ReplayServerOptions;
  let closeStore = () => {};
  if ("s3" in where) {
    const store = new S3Store({ location: where.s3, credentials: environmentCredentials() });
    closeStore = () => store.close();
    options = { store, prefix: where.prefix, presignExpiresIn: where.presignExpiresIn };
  } else {
    if (!where.mayFollow) await requireDirectory(where.directory);
    options = { store: new LocalStore(where.directory) };
  }
  const onError = (err: unknown) => process.stderr.write(`ipc-hls serve: ${(err as Error).name}: ${(err as Error).message}\n`);
  const serverOptions: ReplayServerOptions = { ...options, corsOrigin, onError, auth };
  const server = tls ? createSecureReplayServer(serverOptions, tls) : createReplayServer(serverOptions);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    server,
    url: `${tls ? "https" : "http"}://${shownHost}:${address.port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        closeStore();
      }),
  };
}

/** 127.0.0.0/8, ::1 (also IPv4-mapped) and "localhost": reachable from this machine only. */
export function isLoopback(host: string): boolean {
  if (host === "localhost") return true;
  const address = host.replace(/^\[|\]$/g, "").replace(/^::ffff:(?=\d+\.)/i, "");
  const family = isIP(address);
  return family !== 0 && LOOPBACK.check(address, family === 4 ? "ipv4" : "ipv6");
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet("127.0.0.0", 8, "ipv4");
LOOPBACK.addAddress("::1", "ipv6");

/** The Authenticator the flags and IPC_HLS_AUTH_TOKEN ask for, or none. Never echoes a secret. */
async function authFromFlags(values: { "auth-token-file"?: string; users?: string; "tls-cert"?: string }): Promise<{ authenticator?: Authenticator }> {
  let token = process.env.IPC_HLS_AUTH_TOKEN || undefined;
  if (values["auth-token-file"] !== undefined) {
    token = (await readSecretFile(values["auth-token-file"], "--auth-token-file")).trim();
    if (token === "") throw new UsageError(`--auth-token-file ${values["auth-token-file"]}: the file is empty`);
  }
  let users;
  if (values.users !== undefined) {
    try {
      users = parseUsersFile(await readSecretFile(values.users, "--users"));
    } catch (err) {
      if (err instanceof UsersFileError) throw new UsageError(`--users ${values.users}: ${err.message}`);
      throw err;
    }
  }
  if (token === undefined && users === undefined) return {};
  try {
    return { authenticator: new Authenticator({ token, users, secureCookies: values["tls-cert"] !== undefined }) };
  } catch (err) {
    throw new UsageError((err as Error).message); // (a too-short token: the message does not hold it)
  }
}

async function readSecretFile(path: string, flag: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    throw new UsageError(`${flag} ${path}: cannot read it (${(err as NodeJS.ErrnoException).code})`);
  }
}

async function tlsFromFlags(values: { "tls-cert"?: string; "tls-key"?: string }): Promise<{ cert: Buffer; key: Buffer } | undefined> {
  const certPath = values["tls-cert"];
  const keyPath = values["tls-key"];
  if (certPath === undefined && keyPath === undefined) return undefined;
  if (certPath === undefined || keyPath === undefined) throw new UsageError("give both --tls-cert and --tls-key");
  const read = async (path: string, flag: string) => {
    try {
      return await readFile(path);
    } catch (err) {
      throw new UsageError(`${flag} ${path}: cannot read it (${(err as NodeJS.ErrnoException).code})`);
    }
  };
  return { cert: await read(certPath, "--tls-cert"), key: await read(keyPath, "--tls-key") };
}

/** `serve --hash-password <name>`: reads the password (a line on stdin; typed without echo on a terminal) and
 * prints the users-file line. */
async function hashPassword(name: string): Promise<number> {
  const password = await readPassword(`password for ${name}: `);
  try {
    process.stdout.write((await passwordLine(name, password)) + "\n");
  } catch (err) {
    if (err instanceof UsersFileError) throw new UsageError(err.message);
    throw err;
  }
  return 0;
}

async function readPassword(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    let text = "";
    for await (const chunk of stdin) text += chunk;
    return text.split(/\r?\n/)[0];
  }
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.setEncoding("utf8");
  let typed = "";
  try {
    for await (const chunk of stdin) {
      for (const ch of chunk as string) {
        if (ch === "\r" || ch === "\n") return typed;
        if (ch === "\u0003") throw new UsageError("cancelled");
        if (ch === "\u007f" || ch === "\b") typed = typed.slice(0, -1);
        else typed += ch;
      }
    }
    return typed;
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write("\n");
  }
}

/** A mistyped --store would otherwise serve an empty list of cameras without a word. */
async function requireDirectory(path: string): Promise<void> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(path)).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`--store ${path}: ${code === "ENOENT" ? "no such directory" : `cannot read it (${code})`}`);
  }
  if (!isDirectory) throw new UsageError(`--store ${path}: not a directory`);
}

export const command: Command = {
  name: "serve",
  summary: "serve the replay page and the playlist API over a directory or an S3 bucket",
  help,
  async run(argv) {
    const hashFor = parseCommandArgs(argv, FLAGS, false).values["hash-password"];
    if (hashFor !== undefined) return hashPassword(hashFor);
    const running = await startServeFromArgs(argv);
    const interrupt = catchInterrupts("serve", "closing the server");
    process.stdout.write(`ipc-hls serve: replay page at ${running.url} (Ctrl-C stops)\n`);
    await new Promise((resolve) => interrupt.signal.addEventListener("abort", resolve));
    await running.close();
    interrupt.dispose();
    return interrupt.exitCode!;
  },
};
