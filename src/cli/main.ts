// Dispatches `ipc-hls <command> ...` to the command modules.
import { readFile } from "node:fs/promises";
import { UsageError, type Command } from "./command.js";
import { closestName } from "../did-you-mean.js";
import { InvalidOptionError } from "../options.js";

// Commands are loaded lazily so that `ipc-hls mux` does not pay for the S3 or server code.
const commands: Record<string, () => Promise<Command>> = {
  mux: async () => (await import("./mux.js")).command,
  push: async () => (await import("./push.js")).command,
  record: async () => (await import("./record.js")).command,
  playlist: async () => (await import("./playlist.js")).command,
  export: async () => (await import("./export.js")).command,
  serve: async () => (await import("./serve.js")).command,
  demo: async () => (await import("./demo.js")).command,
  bucket: async () => (await import("./bucket.js")).command,
};

async function usage(): Promise<string> {
  const summaries = await Promise.all(Object.entries(commands).map(async ([name, load]) => [name, (await load()).summary]));
  return [
    "Usage: ipc-hls <command> [options]",
    "",
    "Commands:",
    ...summaries.map(([name, summary]) => `  ${name.padEnd(10)}${summary}`),
    "",
    "Run 'ipc-hls <command> --help' for a command's options and examples; 'ipc-hls --version' for the version.",
  ].join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "--version" || name === "-v") {
    const pkg = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    process.stdout.write(`ipc-hls ${pkg.version}\n`);
    return 0;
  }
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write((await usage()) + "\n");
    return name === undefined ? 2 : 0;
  }
  const load = commands[name];
  if (!load) {
    const near = closestName(name, Object.keys(commands));
    const hint = near ? `did you mean ${near}?` : `the commands are ${Object.keys(commands).join(", ")}`;
    process.stderr.write(`ipc-hls: unknown command ${JSON.stringify(name)}: ${hint} (ipc-hls --help tells more)\n`);
    return 2;
  }
  const command = await load();
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(command.help + "\n");
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    const e = err as Error;
    process.stderr.write(`ipc-hls ${name}: ${e.message}\n`);
    // An option with a value it cannot have is a usage mistake too, wherever it was caught.
    return e instanceof UsageError || e instanceof InvalidOptionError ? 2 : 1;
  }
}
