// The local directory ObjectStore: recordings on an NVR disk or an SD card, no cloud needed.
// A key "cam/2026/11/25/19/00-00.000_2000ms_0a1b2c3d-000000.ts" is the file <root>/cam/2026/11/25/19/00-00.000_....ts,
// so the directory tree has the same layout as the bucket and the same playback code reads both.
// Reads never leave the root: a symbolic link (a file, or a folder on the way) that resolves outside it reads as
// missing, and listings do not follow links at all.
import { constants, type ReadStream } from "node:fs";
import { mkdir, open, readdir, realpath, rename, rm, stat } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import type { ListedObject, ObjectStore, PutOptions } from "./types.js";
import { writeFlushed } from "./durable-file.js";

/** A key that cannot be a file under the store's root (empty part, "..", backslash, NUL...). */
export class InvalidKeyError extends Error {
  override name = "InvalidKeyError";
}

/** An object opened for reading: its size and a stream of its bytes. */
export interface OpenedObject {
  size: number;
  stream: ReadStream;
}

// Temporary files are hidden (leading dot) and end in ".tmp", so list() never reports a half-written segment.
const isTemporaryName = (name: string) => name.startsWith(".");

const isMissing = (err: unknown) => ["ENOENT", "ENOTDIR", "ELOOP"].includes((err as NodeJS.ErrnoException).code ?? "");

export class LocalStore implements ObjectStore {
  readonly root: string;
  readonly description: string;

  constructor(root: string) {
    this.root = resolve(root);
    this.description = this.root;
  }

  /** Writes to a hidden temporary file in the same directory, flushes it, then renames it into place:
   * a power cut leaves either the whole segment or no segment, never a truncated one. */
  async put(key: string, body: readonly Uint8Array[], options?: PutOptions): Promise<void> {
    const path = this.pathOf(key);
    options?.signal?.throwIfAborted();
    await mkdir(dirname(path), { recursive: true });
    const name = path.slice(dirname(path).length + 1);
    const temporary = join(dirname(path), `.${name}.${process.pid}-${Math.random().toString(36).slice(2)}.tmp`);
    try {
      await writeFlushed(temporary, body);
      options?.signal?.throwIfAborted();
      await rename(temporary, path);
    } catch (err) {
      await rm(temporary, { force: true });
      throw err;
    }
  }

  /** Every key starting with `prefix`, sorted like an S3 listing. A missing directory is an empty listing. */
  async list(prefix: string, signal?: AbortSignal): Promise<ListedObject[]> {
    const slash = prefix.lastIndexOf("/");
    const directoryKey = slash < 0 ? "" : prefix.slice(0, slash);
    const start = await this.realPathWithin(directoryKey === "" ? this.root : this.pathOf(directoryKey));
    if (start === undefined) return [];
    const found: ListedObject[] = [];
    const walk = async (directory: string, keyPrefix: string): Promise<void> => {
      signal?.throwIfAborted();
      let entries;
      try {
        entries = await readdir(directory, { withFileTypes: true });
      } catch (err) {
        if (isMissing(err)) return;
        throw err;
      }
      // Entries are lstat-typed: a symbolic link is neither a file nor a directory here, so it is never followed.
      for (const entry of entries) {
        if (isTemporaryName(entry.name)) continue;
        const key = keyPrefix + entry.name;
        // We start in the prefix's deepest folder, so a sub-folder holds matching keys only if it matches itself.
        if (entry.isDirectory() && (key + "/").startsWith(prefix)) {
          await walk(join(directory, entry.name), key + "/");
        } else if (entry.isFile() && key.startsWith(prefix)) {
          const { size } = await stat(join(directory, entry.name));
          found.push({ key, size });
        }
      }
    };
    await walk(start, directoryKey === "" ? "" : directoryKey + "/");
    return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** The names of the sub-folders directly under `prefix` (like an S3 listing with delimiter "/"), sorted. */
  async listFolders(prefix: string): Promise<string[]> {
    const trimmed = prefix.replace(/\/+$/, "");
    const directory = await this.realPathWithin(trimmed === "" ? this.root : this.pathOf(trimmed));
    if (directory === undefined) return [];
    try {
      const entries = await readdir(directory, { withFileTypes: true });
      return entries.filter((e) => e.isDirectory() && !isTemporaryName(e.name)).map((e) => e.name).sort();
    } catch (err) {
      if (isMissing(err)) return [];
      throw err;
    }
  }

  /** Whether a folder prefix ("cam1/") holds any object; stops at the first file found. */
  async hasAny(prefix: string): Promise<boolean> {
    const trimmed = prefix.replace(/\/+$/, "");
    const search = async (directory: string): Promise<boolean> => {
      let entries;
      try {
        entries = await readdir(directory, { withFileTypes: true });
      } catch {
        return false;
      }
      for (const entry of entries) {
        if (isTemporaryName(entry.name)) continue;
        if (entry.isFile() || (entry.isDirectory() && (await search(join(directory, entry.name))))) return true;
      }
      return false;
    };
    const start = await this.realPathWithin(trimmed === "" ? this.root : this.pathOf(trimmed));
    return start !== undefined && search(start);
  }

  /**
   * Opens an object for reading; undefined when there is no such object (or it is a link out of the root).
   * `rangeOf(size)` may pick the bytes to read (first and last, inclusive); `size` is always the whole object's.
   */
  async open(key: string, rangeOf?: (size: number) => { start: number; end: number } | undefined): Promise<OpenedObject | undefined> {
    const path = await this.realPathWithin(this.pathOf(key));
    if (path === undefined) return undefined;
    let handle;
    try {
      // The resolved path had no link left in it; O_NOFOLLOW refuses a link put in the file's place since (a
      // folder swapped in between is not caught: that takes write access to the store). O_NONBLOCK keeps a
      // FIFO from blocking the open (it is then refused as not a file).
      handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
    const info = await handle.stat().catch(async (err) => {
      await handle.close();
      throw err;
    });
    if (!info.isFile()) {
      await handle.close();
      return undefined;
    }
    const range = rangeOf?.(info.size);
    return { size: info.size, stream: handle.createReadStream(range && { start: range.start, end: Math.min(range.end, info.size - 1) }) };
  }

  /** The path with every symbolic link resolved, if it exists and stays inside the (resolved) root. */
  private async realPathWithin(path: string): Promise<string | undefined> {
    let root: string;
    let real: string;
    try {
      root = await realpath(this.root);
      real = await realpath(path);
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
    return real === root || real.startsWith(root + sep) ? real : undefined;
  }

  /** The file for a key; refuses keys that would escape the root or that a listing could not return. */
  pathOf(key: string): string {
    const parts = key.split("/");
    const bad = parts.some((p) => p === "" || p === "." || p === ".." || p.startsWith(".") || /[\\\0]/.test(p));
    if (key.length === 0 || key.length > 1024 || bad) throw new InvalidKeyError(`invalid object key: ${JSON.stringify(key)}`);
    const path = join(this.root, ...parts);
    if (!path.startsWith(this.root + sep)) throw new InvalidKeyError(`invalid object key: ${JSON.stringify(key)}`);
    return path;
  }
}
