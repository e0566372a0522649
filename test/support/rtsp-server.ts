// Starts GStreamer's RTSP server (test/support/rtsp_server.py) on a free loopback port and stops it.
// Debian's /usr/bin/python3 on purpose: the gi bindings (python3-gi) are installed for it only.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { repoRoot } from "./media-tools.js";

export interface RtspServerOptions {
  /** Digest authentication with this user and password. */
  user?: string;
  password?: string;
  /** Percent of RTP packets /lossy drops (default 1). */
  lossPercent?: number;
  fps?: number;
  /** e.g. "640x360" (default). */
  size?: string;
  bitrateKbits?: number;
  /** An MP4 with HEVC (hvc1: parameter sets in its hvcC only) served at /h265-file. */
  hevcFile?: string;
  /** A fixed port (e.g. to restart a server where the last one was); default: any free one. */
  port?: number;
}

export interface TestRtspServer {
  port: number;
  /** rtsp://[user:password@]127.0.0.1:port<path>, the userinfo percent-encoded. */
  url(path: string, credentials?: { user: string; password: string }): string;
  /** Kills the server (SIGKILL: a camera losing power) and waits for it to exit. */
  stop(): Promise<void>;
  /** What the server printed on stderr so far (for failing tests). */
  stderr(): string;
}

export async function startRtspServer(options: RtspServerOptions = {}): Promise<TestRtspServer> {
  const args = [join(repoRoot, "test/support/rtsp_server.py"), "--port", String(options.port ?? 0)];
  if (options.user !== undefined) args.push("--user", options.user, "--password", options.password ?? "");
  if (options.lossPercent !== undefined) args.push("--loss", String(options.lossPercent));
  if (options.fps !== undefined) args.push("--fps", String(options.fps));
  if (options.size !== undefined) args.push("--size", options.size);
  if (options.bitrateKbits !== undefined) args.push("--bitrate", String(options.bitrateKbits));
  if (options.hevcFile !== undefined) args.push("--hevc-file", options.hevcFile);
  const child = spawn("/usr/bin/python3", args, { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-20_000);
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => fail(new Error(`the RTSP server did not start in 20 s: ${stderr}`)), 20_000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(err);
    };
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      const ready = /ready (\d+)/.exec(out);
      if (ready) {
        clearTimeout(timer);
        resolve(Number(ready[1]));
      }
    });
    child.once("error", fail);
    child.once("exit", (code) => fail(new Error(`the RTSP server exited (${code}): ${stderr}`)));
  });
  return {
    port,
    url(path, credentials) {
      const userinfo = credentials ? `${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@` : "";
      return `rtsp://${userinfo}127.0.0.1:${port}${path}`;
    },
    stop: () => stopChild(child),
    stderr: () => stderr,
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGKILL");
  await exited;
}
