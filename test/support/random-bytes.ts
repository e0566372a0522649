// Deterministic pseudo-random bytes (xorshift32), so a failing case can be rebuilt from its printed seed.

/** `length` bytes from the xorshift32 sequence that starts at `state` (must not be 0). */
export function xorshiftBytes(length: number, state: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = state;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
