// Two CRC-32 flavours, table driven, tables built once at start into static memory:
// - CRC-32/MPEG-2 (MSB first, no reflection, no final xor): the PSI section checksum of PAT and PMT.
// - CRC-32 (IEEE 802.3, reflected, as zlib): S3's x-amz-checksum-crc32, for hosts without zlib.crc32 (WASI, old Node).

const MPEG_TABLE: usize = memory.data(256 * 4);
// Slicing-by-4 tables for the IEEE CRC: four 256-entry tables, one after the other.
const IEEE_TABLES: usize = memory.data(256 * 4 * 4);

export function buildCrcTables(): void {
  for (let i: u32 = 0; i < 256; i++) {
    let c = i << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    store<u32>(MPEG_TABLE + (<usize>i << 2), c);

    let r = i;
    for (let k = 0; k < 8; k++) r = r & 1 ? (r >>> 1) ^ 0xedb88320 : r >>> 1;
    store<u32>(IEEE_TABLES + (<usize>i << 2), r);
  }
  for (let i: usize = 0; i < 256; i++) {
    let c = load<u32>(IEEE_TABLES + (i << 2));
    for (let t: usize = 1; t < 4; t++) {
      c = (c >>> 8) ^ load<u32>(IEEE_TABLES + ((c & 0xff) << 2));
      store<u32>(IEEE_TABLES + (t << 10) + (i << 2), c);
    }
  }
}

/** CRC-32/MPEG-2 of [ptr, ptr+len). */
export function crc32Mpeg(ptr: usize, len: usize): u32 {
  let c: u32 = 0xffffffff;
  for (let i: usize = 0; i < len; i++) {
    c = (c << 8) ^ load<u32>(MPEG_TABLE + ((((c >>> 24) ^ load<u8>(ptr + i)) & 0xff) << 2));
  }
  return c;
}

/** Continues an IEEE CRC-32 over [ptr, ptr+len); start with crc = 0. */
export function crc32Ieee(crc: u32, ptr: usize, len: usize): u32 {
  let c = ~crc;
  let end = ptr + len;
  // Four bytes at a time while we can.
  while (ptr + 4 <= end) {
    c ^= load<u32>(ptr);
    c =
      load<u32>(IEEE_TABLES + (3 << 10) + ((c & 0xff) << 2)) ^
      load<u32>(IEEE_TABLES + (2 << 10) + (((c >>> 8) & 0xff) << 2)) ^
      load<u32>(IEEE_TABLES + (1 << 10) + (((c >>> 16) & 0xff) << 2)) ^
      load<u32>(IEEE_TABLES + ((c >>> 24) << 2));
    ptr += 4;
  }
  while (ptr < end) {
    c = (c >>> 8) ^ load<u32>(IEEE_TABLES + (((c ^ load<u8>(ptr)) & 0xff) << 2));
    ptr++;
  }
  return ~c;
}
