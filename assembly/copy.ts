// The byte moves of the packetizer, inlined into their callers. Static-data-free on purpose: the bench's copy
// floor (bench/copy-floor.ts) compiles these very functions into its own module, which shares the core's memory.
// Two builds from one source: with SIMD (v128 moves) and without (`--disable simd`: the 8-byte moves at the end)
// for CPUs and runtimes that lack WebAssembly SIMD. ASC_FEATURE_SIMD is a compile-time constant and the compiler
// skips the branch it rules out, so each build holds one path.

/** Copies one TS payload: 184 bytes, unrolled (the bench's copy floor uses this very copy). */
// @ts-ignore: decorator
@inline export function copyPayload184(dst: usize, src: usize): void {
  if (!ASC_FEATURE_SIMD) { copyPayload184Scalar(dst, src); return; }
  // 11 × 16 + 8 = 184 bytes, unrolled.
  v128.store(dst, v128.load(src));
  v128.store(dst, v128.load(src, 16), 16);
  v128.store(dst, v128.load(src, 32), 32);
  v128.store(dst, v128.load(src, 48), 48);
  v128.store(dst, v128.load(src, 64), 64);
  v128.store(dst, v128.load(src, 80), 80);
  v128.store(dst, v128.load(src, 96), 96);
  v128.store(dst, v128.load(src, 112), 112);
  v128.store(dst, v128.load(src, 128), 128);
  v128.store(dst, v128.load(src, 144), 144);
  v128.store(dst, v128.load(src, 160), 160);
  store<u64>(dst, load<u64>(src, 176), 176);
}

// The partial first and last packets of each PES: memory.copy and memory.fill are calls out of the module
// in V8 (tens of ns each, several per frame), so these short moves are done here with vector loads and stores.

/** Copies n bytes (n ≤ a packet; src and dst do not overlap). */
// @ts-ignore: decorator
@inline export function copyShort(dst: usize, src: usize, n: u32): void {
  if (!ASC_FEATURE_SIMD) { copyScalar(dst, src, n); return; }
  if (n >= 16) {
    let last = <usize>(n - 16);
    for (let i: usize = 0; i < last; i += 16) v128.store(dst + i, v128.load(src + i));
    v128.store(dst + last, v128.load(src + last)); // the last 16 bytes (may overlap the loop's last store)
  } else {
    if (n & 8) { store<u64>(dst, load<u64>(src)); dst += 8; src += 8; }
    if (n & 4) { store<u32>(dst, load<u32>(src)); dst += 4; src += 4; }
    if (n & 2) { store<u16>(dst, load<u16>(src)); dst += 2; src += 2; }
    if (n & 1) store<u8>(dst, load<u8>(src));
  }
}

/** Fills n bytes (n ≤ a packet) with 0xff stuffing. */
// @ts-ignore: decorator
@inline export function stuffShort(dst: usize, n: u32): void {
  if (!ASC_FEATURE_SIMD) { stuffScalar(dst, n); return; }
  if (n >= 16) {
    let ones = i64x2.splat(-1);
    let last = <usize>(n - 16);
    for (let i: usize = 0; i < last; i += 16) v128.store(dst + i, ones);
    v128.store(dst + last, ones);
  } else {
    if (n & 8) { store<u64>(dst, 0xffffffffffffffff); dst += 8; }
    if (n & 4) { store<u32>(dst, 0xffffffff); dst += 4; }
    if (n & 2) { store<u16>(dst, 0xffff); dst += 2; }
    if (n & 1) store<u8>(dst, 0xff);
  }
}

// ---- Without SIMD: 8-byte moves ----

/** copyPayload184's scalar form: 23 × 8 bytes, unrolled. */
// @ts-ignore: decorator
@inline function copyPayload184Scalar(dst: usize, src: usize): void {
  store<u64>(dst, load<u64>(src));
  store<u64>(dst, load<u64>(src, 8), 8);
  store<u64>(dst, load<u64>(src, 16), 16);
  store<u64>(dst, load<u64>(src, 24), 24);
  store<u64>(dst, load<u64>(src, 32), 32);
  store<u64>(dst, load<u64>(src, 40), 40);
  store<u64>(dst, load<u64>(src, 48), 48);
  store<u64>(dst, load<u64>(src, 56), 56);
  store<u64>(dst, load<u64>(src, 64), 64);
  store<u64>(dst, load<u64>(src, 72), 72);
  store<u64>(dst, load<u64>(src, 80), 80);
  store<u64>(dst, load<u64>(src, 88), 88);
  store<u64>(dst, load<u64>(src, 96), 96);
  store<u64>(dst, load<u64>(src, 104), 104);
  store<u64>(dst, load<u64>(src, 112), 112);
  store<u64>(dst, load<u64>(src, 120), 120);
  store<u64>(dst, load<u64>(src, 128), 128);
  store<u64>(dst, load<u64>(src, 136), 136);
  store<u64>(dst, load<u64>(src, 144), 144);
  store<u64>(dst, load<u64>(src, 152), 152);
  store<u64>(dst, load<u64>(src, 160), 160);
  store<u64>(dst, load<u64>(src, 168), 168);
  store<u64>(dst, load<u64>(src, 176), 176);
}

/** copyShort's scalar form. */
// @ts-ignore: decorator
@inline function copyScalar(dst: usize, src: usize, n: u32): void {
  if (n >= 8) {
    let last = <usize>(n - 8);
    for (let i: usize = 0; i < last; i += 8) store<u64>(dst + i, load<u64>(src + i));
    store<u64>(dst + last, load<u64>(src + last)); // the last 8 bytes (may overlap the loop's last store)
  } else {
    if (n & 4) { store<u32>(dst, load<u32>(src)); dst += 4; src += 4; }
    if (n & 2) { store<u16>(dst, load<u16>(src)); dst += 2; src += 2; }
    if (n & 1) store<u8>(dst, load<u8>(src));
  }
}

/** stuffShort's scalar form. */
// @ts-ignore: decorator
@inline function stuffScalar(dst: usize, n: u32): void {
  if (n >= 8) {
    let last = <usize>(n - 8);
    for (let i: usize = 0; i < last; i += 8) store<u64>(dst + i, 0xffffffffffffffff);
    store<u64>(dst + last, 0xffffffffffffffff);
  } else {
    if (n & 4) { store<u32>(dst, 0xffffffff); dst += 4; }
    if (n & 2) { store<u16>(dst, 0xffff); dst += 2; }
    if (n & 1) store<u8>(dst, 0xff);
  }
}
