// Paths in WASI are opened relative to a directory the runtime preopened (wasmtime --dir, node:wasi's
// preopens). This finds those directories and maps a path given on the command line to (directory fd,
// path inside it), the way wasi-libc does: the longest preopened name that is a prefix of the path wins.
import { preopenNameLength, preopenName } from "./wasi-sys";

const MAX_PREOPENS = 32;
const FIRST_PREOPEN_FD: u32 = 3;
// fd, name pointer, name length (after dropping "./" in front and "/" at the end).
const TABLE: usize = memory.data(MAX_PREOPENS * 12, 4);
let count = 0;

/** Reads the preopened directories' names into [names, names + room). False if they do not fit. */
export function findPreopens(names: usize, room: u32): bool {
  count = 0;
  let used: u32 = 0;
  for (let fd = FIRST_PREOPEN_FD; count < MAX_PREOPENS; fd++) {
    let length = preopenNameLength(fd);
    if (length < 0) break; // preopens are numbered from 3 without holes
    if (<u32>length > room - used) return false;
    let name = names + used;
    if (!preopenName(fd, name, <u32>length)) break;
    used += <u32>length;
    let start = name;
    let end = name + <u32>length;
    while (end > start && load<u8>(end - 1) == 0) end--; // some runtimes count a terminating NUL
    while (end - start >= 2 && load<u8>(start) == 46 && load<u8>(start + 1) == 47) start += 2; // "./"
    if (end - start == 1 && load<u8>(start) == 46) start = end; // "." is the empty prefix
    while (end - start > 1 && load<u8>(end - 1) == 47) end--; // trailing "/"
    let row = TABLE + <usize>count * 12;
    store<u32>(row, fd);
    store<usize>(row + 4, start);
    store<u32>(row + 8, <u32>(end - start));
    count++;
  }
  return true;
}

/** The result of resolve(): the directory fd and the path relative to it ("." for the directory itself). */
export let resolvedDir: u32 = 0;
export let resolvedPath: usize = 0;
export let resolvedLength: u32 = 0;

const DOT: usize = memory.data<u8>([46]);

/** Maps a path to a preopened directory and the rest of the path. False when no preopen contains it. */
export function resolve(path: usize, length: u32): bool {
  while (length >= 2 && load<u8>(path) == 46 && load<u8>(path + 1) == 47) {
    path += 2;
    length -= 2;
  }
  let absolute = length > 0 && load<u8>(path) == 47;
  let best = -1;
  let bestLength: i32 = -1;
  for (let k = 0; k < count; k++) {
    let row = TABLE + <usize>k * 12;
    let name = load<usize>(row + 4);
    let nameLength = load<u32>(row + 8);
    let nameAbsolute = nameLength > 0 && load<u8>(name) == 47;
    if (absolute != nameAbsolute) continue;
    if (nameLength > length || memory.compare(name, path, nameLength) != 0) continue;
    // The name must end at a path separator: "out" contains "out/x" but not "outside".
    let rootName = nameLength == 1 && nameAbsolute;
    if (!rootName && nameLength > 0 && nameLength < length && load<u8>(path + nameLength) != 47) continue;
    if (<i32>nameLength > bestLength) {
      best = k;
      bestLength = <i32>nameLength;
    }
  }
  if (best < 0) return false;
  let row = TABLE + <usize>best * 12;
  resolvedDir = load<u32>(row);
  let rest = path + <usize>bestLength;
  let restLength = length - <u32>bestLength;
  while (restLength > 0 && load<u8>(rest) == 47) {
    rest++;
    restLength--;
  }
  while (restLength > 1 && load<u8>(rest + restLength - 1) == 47) restLength--;
  if (restLength == 0 || (restLength == 1 && load<u8>(rest) == 46)) {
    resolvedPath = DOT;
    resolvedLength = 1;
  } else {
    resolvedPath = rest;
    resolvedLength = restLength;
  }
  return true;
}
