// Store and forward on local storage (an SD card, a disk): when uploads fall behind, finished segments move out of
// the ring into a directory and are uploaded from there once the store answers again. A spilled segment is a pair
// of files, "<name>.json" (key, put options) then "<name>.ts" (the bytes, flushed, then renamed into place), so a
// power cut leaves whole entries or hidden leftovers, and the next recorder with the same directory uploads them.
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { PutOptions } from "./store/types.js";
import { syncDirectory, writeFlushed } from "./store/durable-file.js";
import { finiteNumber, InvalidOptionError, printable, wholeNumber } from "./options.js";

export interface SpillOptions {
  /** Directory for segments waiting on local storage; created if missing. One recorder per directory. */
  dir: string;
  /** Most bytes of segments kept there; beyond it the oldest are dropped and reported. Default 256 MiB. */
  maxBytes?: number;
  /** Spill once finished segments waiting for upload fill more than this fraction of the ring. Default 0.5. */
  ringFraction?: number;
}

/** What a spilled segment is uploaded as. */
export interface SpillEntryInfo {
  key: string;
  seq: number;
  wallStartMs: number;
  durationMs: number;
  options: Pick<PutOptions, "contentType" | "metadata" | "tags">;
  /** fMP4: the init segment it needs (a few hundred bytes, kept in the description), put before it. */
  init?: { key: string; base64: string; options: Pick<PutOptions, "contentType" | "metadata" | "tags"> };
}

export interface SpilledSegment extends SpillEntryInfo {
  /** File name stem in the directory: sorts by wall time. */
  name: string;
  bytes: number;
}

export const DEFAULT_SPILL_MAX_BYTES = 256 * 1024 * 1024;

const TS = ".ts";
const META = ".json";
const LOCK = ".lock";
const isHidden = (name: string) => name.startsWith(".");

/** Another recorder (this process or another one that is still running) uses the directory. */
export class SpillDirectoryBusyError extends Error {
  override name = "SpillDirectoryBusyError";
}

/** The directory cannot hold spilled segments (cannot be made, written or read back): said at start. */
export class SpillDirectoryError extends Error {
  override name = "SpillDirectoryError";
}

/** Directories held by recorders of this process. */
const heldHere = new Set<string>();

export class SpillDirectory {
  readonly dir: string;
  readonly maxBytes: number;
  readonly ringFraction: number;
  private readonly entries: SpilledSegment[] = []; // oldest first
  private total = 0;

  /** Checks the options; nothing touches the disk before open(). */
  constructor(options: SpillOptions) {
    if (typeof options !== "object" || options === null) throw new InvalidOptionError("spill", "must be { dir, maxBytes?, ringFraction? }");
    this.dir = printable("spill.dir", options.dir);
    this.maxBytes = options.maxBytes === undefined ? DEFAULT_SPILL_MAX_BYTES : wholeNumber("spill.maxBytes", options.maxBytes, 1, Number.MAX_SAFE_INTEGER, "bytes");
    this.ringFraction = options.ringFraction === undefined ? 0.5 : finiteNumber("spill.ringFraction", options.ringFraction, 0.01, 0.99);
  }

  /** Bytes of spilled segments on disk. */
  get bytes(): number {
    return this.total;
  }

  get count(): number {
    return this.entries.length;
  }

  /**
   * Creates the directory and takes it (a ".lock" file with our pid; SpillDirectoryBusyError if a live recorder
   * holds it), removes what an interrupted write left (hidden temporaries, a description without its segment),
   * and returns the whole entries found, oldest first: the segments a previous run could not upload.
   */
  async open(): Promise<SpilledSegment[]> {
    try {
      await makeDirectory(this.dir);
      await this.probe();
    } catch (err) {
      throw new SpillDirectoryError(`spill directory ${this.dir} cannot be used: ${(err as Error).message}`); // (Node's messages start with the code)
    }
    await this.lock();
    try {
      return await this.load();
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  /** Writes, flushes, reads back and removes a file: a directory that cannot keep a segment fails here, at start. */
  private async probe(): Promise<void> {
    const path = join(this.dir, `.probe-${process.pid}-${Math.random().toString(16).slice(2, 8)}.tmp`);
    const bytes = Buffer.from("ipc-hls spill probe\n");
    try {
      await writeFlushed(path, [bytes]);
      if (!(await readFile(path)).equals(bytes)) throw new Error("a file written there reads back different");
    } finally {
      await rm(path, { force: true });
    }
  }

  private async load(): Promise<SpilledSegment[]> {
    const names = await readdir(this.dir);
    const present = new Set(names);
    for (const name of names) {
      const orphan = name.endsWith(META) && !present.has(name.slice(0, -META.length) + TS);
      if ((isHidden(name) && name !== LOCK) || orphan) await rm(join(this.dir, name), { force: true });
    }
    for (const name of names.filter((n) => !isHidden(n) && n.endsWith(TS)).sort()) {
      const stem = name.slice(0, -TS.length);
      try {
        const info = JSON.parse(await readFile(join(this.dir, stem + META), "utf8")) as SpillEntryInfo;
        if (typeof info.key !== "string") throw new Error("no key");
        const { size } = await stat(join(this.dir, name));
        this.add({ ...info, name: stem, bytes: size });
      } catch {
        // Not ours, or unreadable: leave it alone rather than upload something we cannot describe.
      }
    }
    return [...this.entries];
  }

  /**
   * Writes one segment (its one or two ring views). `intact` is asked after the bytes are on disk and before the
   * entry is committed: if the ring space was reused meanwhile (the core dropped the segment, or it was uploaded
   * and released), the file may hold other bytes, so it is deleted and undefined returned.
   */
  async write(info: SpillEntryInfo, parts: readonly Uint8Array[], intact: () => boolean): Promise<SpilledSegment | undefined> {
    const bytes = parts.reduce((n, p) => n + p.byteLength, 0);
    const name = `${String(Math.max(0, Math.round(info.wallStartMs))).padStart(14, "0")}-${String(info.seq).padStart(6, "0")}-${Math.random().toString(16).slice(2, 8)}`;
    const temporary = join(this.dir, `.${name}${TS}.tmp`);
    await writeFlushed(join(this.dir, name + META), [Buffer.from(JSON.stringify(info))]);
    try {
      await writeFlushed(temporary, parts);
      if (!intact()) throw new SegmentGoneError();
      await rename(temporary, join(this.dir, name + TS));
    } catch (err) {
      await rm(temporary, { force: true });
      await rm(join(this.dir, name + META), { force: true });
      if (err instanceof SegmentGoneError) return undefined;
      throw err;
    }
    await syncDirectory(this.dir);
    const entry: SpilledSegment = { ...info, name, bytes };
    this.add(entry);
    return entry;
  }

  /** The oldest entries to remove so the directory fits maxBytes again (never `keep`, the one just written). */
  overLimit(keep: SpilledSegment): SpilledSegment[] {
    const out: SpilledSegment[] = [];
    let total = this.total;
    for (const entry of this.entries) {
      if (total <= this.maxBytes) break;
      if (entry === keep) continue;
      out.push(entry);
      total -= entry.bytes;
    }
    return out;
  }

  /** Gives the directory up (what is in it stays for the next recorder). */
  async close(): Promise<void> {
    if (!heldHere.delete(resolve(this.dir))) return;
    await rm(join(this.dir, LOCK), { force: true });
  }

  /**
   * Two recorders on one directory would upload and delete each other's segments: one holds it at a time. The
   * lock names its process by pid and start time, so a lock left by a crash, or from before a reboot (where the
   * pid may now be another program's), is taken over.
   */
  private async lock(): Promise<void> {
    const key = resolve(this.dir);
    if (heldHere.has(key)) throw new SpillDirectoryBusyError(`spill directory ${this.dir} is used by another recorder in this process`);
    const path = join(this.dir, LOCK);
    const me: LockOwner = { pid: process.pid, started: await processStart(process.pid) };
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await writeFile(path, JSON.stringify(me), { flag: "wx" });
        heldHere.add(key);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
      let holder: Partial<LockOwner> = {};
      try {
        holder = JSON.parse(await readFile(path, "utf8")) as LockOwner;
      } catch {
        // (unreadable: stale)
      }
      if (typeof holder.pid === "number" && holder.pid !== process.pid && (await isAlive(holder as LockOwner))) {
        throw new SpillDirectoryBusyError(`spill directory ${this.dir} is used by process ${holder.pid}`);
      }
      await rm(path, { force: true }); // left by a recorder that is gone: take it over
    }
    throw new SpillDirectoryBusyError(`spill directory ${this.dir}: could not take ${LOCK}`);
  }

  read(entry: SpilledSegment): Promise<Buffer> {
    return readFile(join(this.dir, entry.name + TS));
  }

  /** Removes an uploaded (or given up) entry: the segment first, so a crash in between leaves an orphan description. */
  async remove(entry: SpilledSegment): Promise<void> {
    const i = this.entries.indexOf(entry);
    if (i < 0) return;
    this.entries.splice(i, 1);
    this.total -= entry.bytes;
    await rm(join(this.dir, entry.name + TS), { force: true });
    await rm(join(this.dir, entry.name + META), { force: true });
  }

  private add(entry: SpilledSegment): void {
    let i = this.entries.length;
    while (i > 0 && this.entries[i - 1]!.name > entry.name) i--;
    this.entries.splice(i, 0, entry);
    this.total += entry.bytes;
  }
}

class SegmentGoneError extends Error {}

/**
 * mkdir -p, one level at a time: Node's recursive mkdir never returns where mkdir fails with ENOENT under an
 * existing parent (as anywhere under /proc), spinning a core. An existing non-directory fails with EEXIST.
 */
async function makeDirectory(dir: string): Promise<void> {
  try {
    await mkdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EEXIST") {
      if ((await stat(dir)).isDirectory()) return;
      throw err;
    }
    const parent = dirname(dir);
    if (code !== "ENOENT" || parent === dir) throw err;
    const parentIsThere = await stat(parent).then((s) => s.isDirectory(), () => false);
    if (parentIsThere) throw err; // the parent is there and still no directory: the file system takes none
    await makeDirectory(parent);
    await mkdir(dir);
  }
}

interface LockOwner {
  pid: number;
  /** When the process started (boot id and clock ticks since boot, from /proc); "" where there is no /proc. */
  started: string;
}

/**
 * A process's start, stable for its life and different for a later process with the same pid. Read from its main
 * thread's stat (the same start time), which reads alike from inside and outside: qemu-user answers a process's
 * own /proc/<pid>/stat itself, with a start time that can be a tick off the kernel's that other processes read.
 */
async function processStart(pid: number): Promise<string> {
  try {
    const boot = (await readFile("/proc/sys/kernel/random/boot_id", "utf8")).trim();
    const stat = await readFile(`/proc/${pid}/task/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // (the name may hold spaces)
    return `${boot}:${fields[19]}`; // field 22 of stat: starttime
  } catch {
    return "";
  }
}

async function isAlive(owner: LockOwner): Promise<boolean> {
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false; // (EPERM: it exists, not ours to signal)
  }
  return owner.started === "" || (await processStart(owner.pid)) === owner.started;
}
