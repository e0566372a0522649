// Ctrl-C (SIGINT) and SIGTERM for the long-running commands (push, demo, serve, mux): the first signal asks the
// command to stop cleanly (stop reading, finish the open segment, upload or spill what is finished within the
// deadline, print the summary), and the command then exits as a process killed by it would: 128 + its number
// (130, 143). A second signal exits at once.
const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
type StopSignal = keyof typeof EXIT_CODES;

export interface Interrupt {
  /** Aborted at the first SIGINT or SIGTERM. */
  readonly signal: AbortSignal;
  /** 130 after SIGINT, 143 after SIGTERM; undefined while not interrupted. */
  readonly exitCode: number | undefined;
  /** Removes the handlers: Node's defaults apply again. */
  dispose(): void;
}

/** Catches SIGINT and SIGTERM for `command`; `finishing` says on stderr what it still does before exiting. */
export function catchInterrupts(command: string, finishing: string): Interrupt {
  const controller = new AbortController();
  let exitCode: number | undefined;
  const handlers = new Map<StopSignal, () => void>();
  for (const name of Object.keys(EXIT_CODES) as StopSignal[]) {
    const handler = () => {
      if (exitCode !== undefined) {
        process.stderr.write(`ipc-hls ${command}: ${name} again: exiting now, without ${finishing}\n`);
        process.exit(exitCode);
      }
      exitCode = EXIT_CODES[name];
      process.stderr.write(`ipc-hls ${command}: ${name}: stopping, ${finishing} (Ctrl-C again exits at once)\n`);
      controller.abort();
    };
    handlers.set(name, handler);
    process.on(name, handler);
  }
  return {
    signal: controller.signal,
    get exitCode() {
      return exitCode;
    },
    dispose() {
      for (const [name, handler] of handlers) process.off(name, handler);
    },
  };
}
