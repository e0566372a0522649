// One HTTP byte range (RFC 9110 §14): what a thumbnail or an I-frame playlist entry asks of a segment.

export interface ByteRange {
  /** First and last byte, inclusive. */
  start: number;
  end: number;
}

/**
 * The range a Range header asks for in an object of `size` bytes: undefined to send the whole object (no header,
 * another unit, several ranges), "unsatisfiable" for a range that starts past the end (answered 416).
 */
export function parseByteRange(header: string | undefined, size: number): ByteRange | "unsatisfiable" | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return undefined;
  if (m[1] === "") {
    // "bytes=-n": the last n bytes.
    const n = Number(m[2]);
    if (n === 0) return "unsatisfiable";
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== "" && Number(m[2]) < start) return undefined; // invalid: ignored, the whole object is sent
  if (start >= size) return "unsatisfiable";
  return { start, end };
}
