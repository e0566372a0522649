// SIGINT / SIGTERM for `ipc-hls record`: the first asks every camera to stop cleanly (finish and upload the open
// segment); a second one exits at once with the signal's conventional code (130 for SIGINT, 143 for SIGTERM).

export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

/** Calls `stop` on the first SIGINT/SIGTERM; returns a function that removes the handlers. */
export function onStopSignal(stop: (signal: NodeJS.Signals) => void, exit: (code: number) => void = (code) => process.exit(code)): () => void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) return exit(SIGNAL_EXIT_CODES[signal as keyof typeof SIGNAL_EXIT_CODES] ?? 1);
    stopping = true;
    stop(signal);
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
}
