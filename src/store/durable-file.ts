// Files that survive a power cut whole: written to a new file, flushed to the device, then renamed into place by
// the caller (a rename is atomic), the directory flushed where the platform allows it.
import { open } from "node:fs/promises";

/** Writes the parts to a new file (it must not exist) and flushes it to the device. */
export async function writeFlushed(path: string, parts: readonly Uint8Array[]): Promise<void> {
  const file = await open(path, "wx");
  try {
    for (const part of parts) {
      for (let written = 0; written < part.byteLength; ) {
        written += (await file.write(part, written, part.byteLength - written)).bytesWritten;
      }
    }
    await file.datasync();
  } finally {
    await file.close();
  }
}

/** Makes a rename in `dir` durable (a no-op where directories cannot be opened). */
export async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, "r");
    try {
      await handle.datasync();
    } finally {
      await handle.close();
    }
  } catch {
    // (not supported here: the rename is still atomic)
  }
}
