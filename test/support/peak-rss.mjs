// `node --import ./test/support/peak-rss.mjs …`: prints the process's peak RSS on stderr at exit, as one line
// "peak-rss-kib N", for tests that check what a command costs in memory.
// Natively that is VmHWM (Linux). Under qemu-user VmHWM is the emulator's (about 100 MiB more: qemu and its
// translated code), so there the guest's own RSS is sampled every second and at exit and the largest is printed
// (a peak shorter than a second can be missed; sampled more often, the sampler's own garbage shows in the figure).
import { readFileSync } from "node:fs";
import { guestRssKib, underQemuUser } from "./qemu-user.mjs";

const SAMPLE_MS = 1000;
const emulated = underQemuUser();
let guestPeakKib = 0;
if (emulated) {
  guestPeakKib = guestRssKib();
  setInterval(() => (guestPeakKib = Math.max(guestPeakKib, guestRssKib())), SAMPLE_MS).unref();
}

process.on("exit", () => {
  if (emulated) {
    process.stderr.write(`peak-rss-kib ${Math.max(guestPeakKib, guestRssKib())} (guest, sampled under qemu-user)\n`);
    return;
  }
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  if (hwm) process.stderr.write(`peak-rss-kib ${hwm[1]}\n`);
});
