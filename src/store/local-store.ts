// The local directory ObjectStore: recordings on an NVR disk or an SD card, no cloud needed.
// A key "cam/2026/11/25/19/00-00.000_2000ms_0a1b2c3d-000000.ts" is the file <root>/cam/2026/11/25/19/00-00.000_....ts,
// so the directory tree has the same layout as the bucket and the same playback code reads both.
import { createReadStream, type ReadStream } from "node:fs";
import { mkdir, readdir, rename, rm, stat } from "node:fs/promises";
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
    const start = directoryKey === "" ? this.root : this.pathOf(directoryKey);
    const found: ListedObject[] = [];
    const walk = async (directory: string, keyPrefix: string): Promise<void> => {
      signal?.throwIfAborted();
      let entries;
      try {
        entries = await readdir(directory, { withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT" || (err as NodeJS.ErrnoException).code === "ENOTDIR") return;
        throw err;
      }
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
    const directory = trimmed === "" ? this.root : this.pathOf(trimmed);
    try {
      const entries = await readdir(directory, { withFileTypes: true });
      return entries.filter((e) => e.isDirectory() && !isTemporaryName(e.name)).map((e) => e.name).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT" || (err as NodeJS.ErrnoException).code === "ENOTDIR") return [];
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
    return search(trimmed === "" ? this.root : this.pathOf(trimmed));
  }

  /** Opens an object for reading; undefined when there is no such object. */
  async open(key: string): Promise<OpenedObject | undefined> {
    const path = this.pathOf(key);
    try {
      const info = await stat(path);
      if (!info.isFile()) return undefined;
      return { size: info.size, stream: createReadStream(path) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT" || (err as NodeJS.ErrnoException).code === "ENOTDIR") return undefined;
      throw err;
    }
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
