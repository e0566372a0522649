// Splits an ADTS AAC stream into its frames, for tests that feed the core frame by frame.

/** ADTS frames of a stream: each 7-byte header gives its frame's length in 13 bits (bytes 3..5). */
export function adtsFrames(data: Uint8Array): Uint8Array[] {
  const frames: Uint8Array[] = [];
  for (let at = 0; at + 7 <= data.length; ) {
    const length = ((data[at + 3]! & 0x03) << 11) | (data[at + 4]! << 3) | (data[at + 5]! >> 5);
    if (length < 7) break; // not a header: stop rather than loop
    frames.push(data.subarray(at, at + length));
    at += length;
  }
  return frames;
}
