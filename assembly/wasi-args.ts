// The command line of the WASI build, read and parsed without managed strings: arguments are (pointer, length)
// byte slices in the heap reserve, and the parsers follow `ipc-hls mux` (src/cli/command.ts, src/cli/mux.ts).
import { argsSizes, argsCount, argsBytes, argsGet, ERRNO_SUCCESS } from "./wasi-sys";
import { CONTAINER_TS, CONTAINER_FMP4, CONTAINER_AUTO } from "./abi";
import { parseDecimal, decimalValue, mantissa, parseFrameRateText, reducedNum, reducedDen } from "./frame-rate";

// Where each option's value is: (pointer, length) pairs in a static table; length -1 when not given.
export const ARG_INPUT = 0;
export const ARG_OUT = 1;
export const ARG_AUDIO = 2;
export const ARG_FPS = 3;
export const ARG_SEGMENT_DURATION = 4;
export const ARG_BUFFER_SIZE = 5;
export const ARG_CONTAINER = 6;
const SLOT_COUNT = 7;
const SLOTS: usize = memory.data(SLOT_COUNT * 8, 4);

export function argPtr(slot: i32): usize {
  return load<usize>(SLOTS + <usize>slot * 8);
}
export function argLen(slot: i32): i32 {
  return load<i32>(SLOTS + <usize>slot * 8 + 4);
}
export function given(slot: i32): bool {
  return argLen(slot) >= 0;
}
function setArg(slot: i32, ptr: usize, len: i32): void {
  store<usize>(SLOTS + <usize>slot * 8, ptr);
  store<i32>(SLOTS + <usize>slot * 8 + 4, len);
}

export let helpWanted = false;
const STDIN_NAME: usize = memory.data<u8>([45 /* - */]);
/** The first byte of the reserve after the arguments. */
export let argumentsEnd: usize = 0;

/** Why parsing failed (a static message), and the offending argument (length -1 when none). */
export let argError: string = "";
export let argErrorPtr: usize = 0;
export let argErrorLen: i32 = -1;

function fail(message: string, ptr: usize = 0, len: i32 = -1): bool {
  argError = message;
  argErrorPtr = ptr;
  argErrorLen = len;
  return false;
}

/** Does the NUL-terminated argument at `p` equal the literal `s` (ASCII)? */
function argIs(p: usize, len: i32, s: string): bool {
  if (len != s.length) return false;
  for (let k = 0; k < len; k++) if (<i32>load<u8>(p + k) != s.charCodeAt(k)) return false;
  return true;
}

function cStringLength(p: usize): i32 {
  let n = 0;
  while (load<u8>(p + n) != 0) n++;
  return n;
}

/** The slot of a "--name" (or of the "--name" part of "--name=value"), or -1 if unknown. */
function optionSlot(p: usize, len: i32): i32 {
  if (argIs(p, len, "--fps")) return ARG_FPS;
  if (argIs(p, len, "--out")) return ARG_OUT;
  if (argIs(p, len, "--audio")) return ARG_AUDIO;
  if (argIs(p, len, "--segment-duration")) return ARG_SEGMENT_DURATION;
  if (argIs(p, len, "--buffer-size")) return ARG_BUFFER_SIZE;
  if (argIs(p, len, "--container")) return ARG_CONTAINER;
  return -1;
}

/**
 * Copies the arguments into [reserve, reserve + reserveBytes) and parses them. Returns false with argError set
 * on a usage mistake (or when the arguments do not fit the reserve).
 */
export function parseArguments(reserve: usize, reserveBytes: u32): bool {
  if (argsSizes() != ERRNO_SUCCESS) return fail("cannot read the arguments");
  let count = argsCount();
  let pointersBytes = <u64>count * 4;
  if (pointersBytes + <u64>argsBytes() > <u64>reserveBytes) return fail("the arguments are too long");
  for (let slot = 0; slot < SLOT_COUNT; slot++) setArg(slot, 0, -1);
  let pointers = reserve;
  if (argsGet(pointers, reserve + <usize>pointersBytes) != ERRNO_SUCCESS) return fail("cannot read the arguments");
  argumentsEnd = reserve + <usize>pointersBytes + argsBytes();

  let positionals = 0;
  let optionsEnded = false;
  // argv[0] is the program name.
  for (let i: u32 = 1; i < count; i++) {
    let p = load<usize>(pointers + i * 4);
    let len = cStringLength(p);
    let isOption = !optionsEnded && len > 1 && load<u8>(p) == 45 /* - */;
    if (!isOption) {
      if (++positionals > 1) return fail("give one input: a .h264 file, or - (or nothing) for standard input");
      setArg(ARG_INPUT, p, len);
      continue;
    }
    if (argIs(p, len, "--")) {
      optionsEnded = true;
      continue;
    }
    if (argIs(p, len, "--help") || argIs(p, len, "-h")) {
      helpWanted = true;
      continue;
    }
    // "--name=value" or "--name value"
    let nameLength = 0;
    while (nameLength < len && load<u8>(p + nameLength) != 61 /* = */) nameLength++;
    let slot = optionSlot(p, nameLength);
    if (slot < 0) return fail("unknown option", p, len);
    if (nameLength < len) setArg(slot, p + nameLength + 1, len - nameLength - 1);
    else {
      if (i + 1 >= count) return fail("missing value for option", p, len);
      let v = load<usize>(pointers + ++i * 4);
      setArg(slot, v, cStringLength(v));
    }
  }
  // No input named: standard input, so that `wasmtime run … ipc-hls.wasm --fps 25 --out out < camera.h264` works.
  if (positionals == 0) setArg(ARG_INPUT, STDIN_NAME, 1);
  return true;
}

// ---- Numbers ----

export let fpsNum: u32 = 0;
export let fpsDen: u32 = 0;

/** --fps: the core's rule (frame-rate.ts), as the Node CLI applies it. */
export function parseFrameRate(p: usize, len: i32): bool {
  if (!parseFrameRateText(p, len)) return false;
  fpsNum = <u32>reducedNum;
  fpsDen = <u32>reducedDen;
  return true;
}

/** A positive number of seconds ("2", "0.5"); returns it, or -1 if malformed. */
export function parseSeconds(p: usize, len: i32): f64 {
  if (!parseDecimal(p, len, true)) return -1;
  let value = decimalValue();
  return value > 0 ? value : -1;
}

/** A whole number (of bytes); returns it, or -1 if malformed. */
export function parseWhole(p: usize, len: i32): f64 {
  if (!parseDecimal(p, len, false)) return -1;
  return <f64>mantissa;
}

/**
 * The segments' format (assembly/abi.ts CONTAINER_*): --container ts|fmp4, TS when not given; -1 for another
 * word. The one place the command chooses it.
 */
export function containerArgument(): i32 {
  if (!given(ARG_CONTAINER)) return <i32>CONTAINER_AUTO; // the codec decides (codec.ts containerForCodec)
  let p = argPtr(ARG_CONTAINER);
  let len = argLen(ARG_CONTAINER);
  if (argIs(p, len, "ts")) return <i32>CONTAINER_TS;
  if (argIs(p, len, "fmp4")) return <i32>CONTAINER_FMP4;
  return -1;
}
