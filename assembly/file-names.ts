// The names `ipc-hls mux` and the WASI command give their files, once for both hosts: segment-000000.ts
// (fMP4: .m4s), segment-000001.ts… (names that sort in time order), and init.mp4, then init-2.mp4… when the
// parameter sets change. Written as ASCII into a static area (FILE_NAME_BYTES): the WASI command opens it as a
// path, the Node host (index.ts segmentFileName) reads it as text.
import { CONTAINER_FMP4, FILE_NAME_BYTES } from "./abi";

export const FILE_NAME: usize = memory.data(FILE_NAME_BYTES);

function putAscii(at: usize, s: string): usize {
  for (let k = 0; k < s.length; k++) store<u8>(at + k, <u8>s.charCodeAt(k));
  return at + s.length;
}

/** `n` in decimal at `at`, at least `width` digits; returns the end. */
function putDecimal(at: usize, n: u32, width: i32): usize {
  let digits = 1;
  for (let m = n; m >= 10; m /= 10) digits++;
  if (digits < width) digits = width;
  for (let k = digits - 1; k >= 0; k--) {
    store<u8>(at + k, <u8>(48 + n % 10));
    n /= 10;
  }
  return at + digits;
}

/** Writes segment number `seq`'s file name at FILE_NAME; returns its length. */
export function nameSegment(seq: u32, container: u32): u32 {
  let p = putDecimal(putAscii(FILE_NAME, "segment-"), seq, 6);
  return <u32>(putAscii(p, container == CONTAINER_FMP4 ? ".m4s" : ".ts") - FILE_NAME);
}

/** Writes the file name of init segment `version` (1, 2…) at FILE_NAME; returns its length. */
export function nameInit(version: u32): u32 {
  let p = version == 1 ? putAscii(FILE_NAME, "init") : putDecimal(putAscii(FILE_NAME, "init-"), version, 1);
  return <u32>(putAscii(p, ".mp4") - FILE_NAME);
}
