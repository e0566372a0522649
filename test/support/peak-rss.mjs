// `node --import ./test/support/peak-rss.mjs …`: for tests that check what a command costs in memory.
// Natively: prints the process's peak RSS (VmHWM, Linux) on stderr at exit, as one line "peak-rss-kib N".
// Under qemu-user VmHWM is the emulator's, so instead the guest's own mappings (qemu's answer to /proc/self/maps) are
// published every 100 ms to the file IPC_HLS_GUEST_MAPS names, and the test samples the guest's RSS from outside
// (qemu-user.mjs sampleGuestPeak). Publishing makes no JS garbage: one buffer, allocated here, and a rename.
import { closeSync, openSync, readFileSync, readSync, renameSync, writeSync } from "node:fs";
import { underQemuUser } from "./qemu-user.mjs";

const PUBLISH_MS = 100;

if (underQemuUser()) {
  const mapsFile = process.env.IPC_HLS_GUEST_MAPS;
  if (!mapsFile) throw new Error("peak-rss.mjs under qemu-user: set IPC_HLS_GUEST_MAPS to the file the test samples");
  const partial = `${mapsFile}.partial`;
  const buffer = Buffer.allocUnsafe(1 << 20); // (pages never written cost no RSS; the maps take about 30 KB)
  const publish = () => {
    const fd = openSync("/proc/self/maps", "r");
    let length = 0;
    for (let n; (n = readSync(fd, buffer, length, buffer.length - length, null)) > 0; ) length += n;
    closeSync(fd);
    const out = openSync(partial, "w");
    writeSync(out, buffer, 0, length);
    closeSync(out);
    renameSync(partial, mapsFile); // (whole, never half written, for the reader)
  };
  publish();
  setInterval(publish, PUBLISH_MS).unref();
} else {
  process.on("exit", () => {
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
    if (hwm) process.stderr.write(`peak-rss-kib ${hwm[1]}\n`);
  });
}
