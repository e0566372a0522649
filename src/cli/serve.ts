// `ipc-hls serve`: the replay server (playback API + replay page) over a local directory or an S3 bucket.
import { stat } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { parseCommandArgs, UsageError, type Command } from "./command.js";
import { environmentCredentials, parseExpires, s3Location, S3_FLAGS, S3_FLAGS_HELP } from "./s3-flags.js";
import type { S3Location } from "../s3/endpoint.js";
import { createReplayServer, type ReplayServerOptions } from "../playback/server.js";
import { LocalStore } from "../store/local-store.js";
import { printable } from "../options.js";
import { S3Store } from "../store/s3-store.js";
import { catchInterrupts } from "./interrupt.js";

const help = `Usage: ipc-hls serve [--port <n>] [--host <address>] [--store <s3://bucket/prefix | directory>] [options]

Serves the replay page at / and the playback API:
  GET /cameras                                          the cameras (first-level folders of the store)
  GET /cameras/<camera>/spans?day=YYYY-MM-DD            recorded spans of a UTC day (or ?start=&end=), JSON
  GET /cameras/<camera>/playlist.m3u8?start=<t>&end=<t> HLS playlist for a range of at most 25 hours
Times are ISO 8601 with a zone or epoch ms. With a directory store the server also delivers the segments; with
an S3 store the playlists hold presigned URLs (the bucket needs a CORS rule for the page's origin).

Options:
  --port <n>          TCP port (default 8080)
  --host <address>    address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)
  --store <where>     a directory (default ./recordings) or s3://bucket/prefix
  --cors <origin>     allow this origin (or *) to call the API from another site (default: CORS off)
  --expires <s>       lifetime of presigned segment URLs, S3 stores only (default 3600, at most 604800)
${S3_FLAGS_HELP}

S3 credentials come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN.

Examples:
  ipc-hls serve --store /mnt/sd/recordings --host 0.0.0.0
  ipc-hls serve --store s3://my-recordings/cameras --region eu-west-1 --port 9090`;

const FLAGS = {
  port: { type: "string" },
  host: { type: "string" },
  store: { type: "string" },
  cors: { type: "string" },
  expires: { type: "string" },
  ...S3_FLAGS,
} as const;

/** What `serve` runs: the command line's flags, checked, or what the demo sets. */
export interface ServeOptions {
  port: number;
  host: string;
  /** A directory (it must exist unless `mayFollow`: the demo serves the directory it is about to record into), or a bucket. */
  store: { directory: string; mayFollow?: boolean } | { s3: S3Location; prefix: string; presignExpiresIn?: number };
  corsOrigin?: string;
}

/** `--port`: a TCP port, 0 for any free one. */
export function parsePort(text: string | undefined): number {
  const port = text === undefined ? 8080 : Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`bad --port ${JSON.stringify(text)}`);
  return port;
}

function serveOptions(argv: string[]): ServeOptions {
  const values = parseCommandArgs(argv, FLAGS, false).values;
  const port = parsePort(values.port);
  // (It goes into a response header: a newline in it would break every response.)
  const corsOrigin = values.cors === undefined ? undefined : printable("--cors", values.cors);
  const host = values.host ?? "127.0.0.1";
  const where = values.store ?? "recordings";
  const s3 = /^s3:\/\/([^/]+)\/?(.*)$/.exec(where);
  if (s3?.[1].includes("@")) {
    throw new UsageError("the --store URL must not carry credentials (s3://user:password@...): give s3://bucket/prefix and the keys in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
  }
  if (s3) return { port, host, corsOrigin, store: { s3: s3Location(s3[1], values), prefix: s3[2], presignExpiresIn: parseExpires(values.expires) } };
  if (where.includes("://")) throw new UsageError(`bad --store ${JSON.stringify(where)}: give a directory or s3://bucket/prefix`);
  return { port, host, corsOrigin, store: { directory: where } };
}

/** Starts the server the command line describes; resolves once it listens. */
export async function startServeFromArgs(argv: string[]): ReturnType<typeof startServe> {
  return startServe(serveOptions(argv));
}

/** Starts the server; resolves once it listens. */
export async function startServe({ port, host, store: where, corsOrigin }: ServeOptions): Promise<{ server: Server; url: string; close(): Promise<void> }> {
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
  const server = createReplayServer({ ...options, corsOrigin, onError });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    server,
    url: `http://${shownHost}:${address.port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        closeStore();
      }),
  };
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
    const running = await startServeFromArgs(argv);
    const interrupt = catchInterrupts("serve", "closing the server");
    process.stdout.write(`ipc-hls serve: replay page at ${running.url} (Ctrl-C stops)\n`);
    await new Promise((resolve) => interrupt.signal.addEventListener("abort", resolve));
    await running.close();
    interrupt.dispose();
    return interrupt.exitCode!;
  },
};
