// HeadObject: whether the store holds a key, and its size. Asked after an upload was cut off once sent
// (see src/uploader.ts), so that what we count matches what the bucket holds.
import type { S3Connection } from "./request.js";
import { S3ResponseError } from "./errors.js";

/** The object's size (-1 if the answer lacks it), or undefined for a 404; throws the typed error of any other answer. */
export async function headObject(conn: S3Connection, key: string, signal?: AbortSignal): Promise<{ size: number } | undefined> {
  try {
    const res = await conn.send({ method: "HEAD", key, signal });
    const size = Number(res.headers["content-length"]);
    return { size: Number.isSafeInteger(size) ? size : -1 };
  } catch (err) {
    // (A HEAD answer has no body, so a missing key is known by its status alone.)
    if (err instanceof S3ResponseError && err.status === 404) return undefined;
    throw err;
  }
}
