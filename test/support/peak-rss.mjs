// `node --import ./test/support/peak-rss.mjs …`: prints the process's peak RSS (VmHWM, Linux) on stderr at exit,
// as one line "peak-rss-kib N", for tests that check what a command costs in memory.
import { readFileSync } from "node:fs";

process.on("exit", () => {
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  if (hwm) process.stderr.write(`peak-rss-kib ${hwm[1]}\n`);
});
