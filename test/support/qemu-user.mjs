// Whether this process is an ARM Node run by qemu-user on another machine (scripts/ci-arm.sh), and its own RSS there.
// qemu answers /proc/self/maps with the guest's mappings while /proc/self/smaps comes from the kernel (qemu's own
// binary and translated code included); /proc/self/status, VmHWM and process.memoryUsage().rss are the emulator's.
import { readFileSync } from "node:fs";

const QEMU_BINARY = /\/qemu-[\w-]+$/m;

/** True when the kernel shows a qemu binary mapped into this process that the process's own view does not. */
export function underQemuUser() {
  try {
    return QEMU_BINARY.test(readFileSync("/proc/self/smaps", "utf8")) && !QEMU_BINARY.test(readFileSync("/proc/self/maps", "utf8"));
  } catch {
    return false;
  }
}

/** [start, end) of each mapping in a maps/smaps text. */
function ranges(text) {
  return [...text.matchAll(/^([0-9a-f]+)-([0-9a-f]+) /gm)].map((m) => [BigInt(`0x${m[1]}`), BigInt(`0x${m[2]}`)]);
}

/** Under qemu-user: KiB resident in the guest's own mappings (the kernel's Rss summed over them). */
export function guestRssKib() {
  const guest = ranges(readFileSync("/proc/self/maps", "utf8"));
  let kib = 0;
  for (const block of readFileSync("/proc/self/smaps", "utf8").split(/\n(?=[0-9a-f]+-[0-9a-f]+ )/)) {
    const [[start, end]] = ranges(block);
    if (guest.some(([s, e]) => s < end && start < e)) kib += Number(/^Rss:\s+(\d+) kB/m.exec(block)?.[1] ?? 0);
  }
  return kib;
}
