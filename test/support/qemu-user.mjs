// Whether this process is an ARM Node run by qemu-user on another machine (scripts/ci-arm.sh), and the RSS of such a
// process's guest, sampled from another process. qemu answers a process's own /proc/self/maps with the guest's
// mappings, while /proc/<pid>/smaps comes from the kernel (qemu's own binary, heap and translated code included);
// /proc/self/status, VmHWM and process.memoryUsage().rss are the emulator's (about 100 MiB more).
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

/**
 * Samples the peak RSS (KiB) of the guest in process `pid` under qemu-user: the kernel's Rss summed over the
 * mappings the guest last published to `mapsFile` (test/support/peak-rss.mjs; a mapping made since then counts from
 * the next publication on). Sampled here, in another process, because sampling inside added its own garbage to the
 * figure (3.5-4.5 MiB when sampled each second).
 */
export function sampleGuestPeak(pid, mapsFile, everyMs) {
  let peakKib = 0;
  const sample = () => {
    let guest, smaps;
    try {
      guest = ranges(readFileSync(mapsFile, "utf8"));
      smaps = readFileSync(`/proc/${pid}/smaps`, "utf8");
    } catch {
      return; // not published yet, or the process has ended
    }
    let kib = 0;
    let end = 0n;
    for (const block of smaps.split(/\n(?=[0-9a-f]+-[0-9a-f]+ )/)) {
      const [range] = ranges(block); // (none in the empty text of a process that has just ended)
      // The kernel writes smaps over several reads; a mapping that changes in between (the heap growing) can come
      // twice, the second time overlapping the first: counted once (twice, it made 5 MiB peaks that were not there).
      if (!range || range[0] < end) continue;
      end = range[1];
      if (guest.some(([s, e]) => s < range[1] && range[0] < e)) kib += Number(/^Rss:\s+(\d+) kB/m.exec(block)?.[1] ?? 0);
    }
    peakKib = Math.max(peakKib, kib);
  };
  const timer = setInterval(sample, everyMs);
  return {
    /** Stops sampling; the largest guest RSS seen, in KiB (0 when nothing was published). */
    stop() {
      clearInterval(timer);
      return peakKib;
    },
  };
}
