// The few WASI preview1 calls the command needs, declared by hand, and small wrappers that loop over short
// reads and writes. No managed allocations: every buffer is static data or a region the caller owns.

@external("wasi_snapshot_preview1", "args_sizes_get")
declare function args_sizes_get(argc: usize, argvBufSize: usize): u16;
@external("wasi_snapshot_preview1", "args_get")
declare function args_get(argv: usize, argvBuf: usize): u16;
@external("wasi_snapshot_preview1", "fd_prestat_get")
declare function fd_prestat_get(fd: u32, prestat: usize): u16;
@external("wasi_snapshot_preview1", "fd_prestat_dir_name")
declare function fd_prestat_dir_name(fd: u32, path: usize, pathLen: usize): u16;
@external("wasi_snapshot_preview1", "path_open")
declare function path_open(dirFd: u32, lookupFlags: u32, path: usize, pathLen: usize, oflags: u16,
  rightsBase: u64, rightsInheriting: u64, fdFlags: u16, openedFd: usize): u16;
@external("wasi_snapshot_preview1", "path_create_directory")
declare function path_create_directory(dirFd: u32, path: usize, pathLen: usize): u16;
@external("wasi_snapshot_preview1", "path_unlink_file")
declare function path_unlink_file(dirFd: u32, path: usize, pathLen: usize): u16;
@external("wasi_snapshot_preview1", "fd_filestat_get")
declare function fd_filestat_get(fd: u32, filestat: usize): u16;
@external("wasi_snapshot_preview1", "fd_fdstat_get")
declare function fd_fdstat_get(fd: u32, fdstat: usize): u16;
@external("wasi_snapshot_preview1", "fd_read")
declare function fd_read(fd: u32, iovs: usize, iovsLen: usize, nread: usize): u16;
@external("wasi_snapshot_preview1", "fd_write")
declare function fd_write(fd: u32, iovs: usize, iovsLen: usize, nwritten: usize): u16;
@external("wasi_snapshot_preview1", "fd_seek")
declare function fd_seek(fd: u32, offset: i64, whence: u8, newOffset: usize): u16;
@external("wasi_snapshot_preview1", "fd_close")
declare function fd_close(fd: u32): u16;
@external("wasi_snapshot_preview1", "proc_exit")
declare function proc_exit(code: u32): void;

export const STDIN: u32 = 0;
export const STDOUT: u32 = 1;
export const STDERR: u32 = 2;

export const ERRNO_SUCCESS: u16 = 0;
export const ERRNO_ACCES: u16 = 2;
export const ERRNO_BADF: u16 = 8;
export const ERRNO_EXIST: u16 = 20;
export const ERRNO_INTR: u16 = 27;
export const ERRNO_ISDIR: u16 = 31;
export const ERRNO_NOENT: u16 = 44;
export const ERRNO_NOSPC: u16 = 51;
export const ERRNO_NOTDIR: u16 = 54;
export const ERRNO_PERM: u16 = 63;
export const ERRNO_NOTCAPABLE: u16 = 76;

const OFLAG_CREAT: u16 = 1;
const OFLAG_DIRECTORY: u16 = 2;
const OFLAG_TRUNC: u16 = 8;
const LOOKUP_SYMLINK_FOLLOW: u32 = 1;
const FILETYPE_DIRECTORY: u8 = 3;

// Rights (WASI preview1 bit numbers). Runtimes that still check rights (node:wasi) refuse a path_open that asks
// for more than the directory passes on, so what is asked for is cut down to the directory's inheritable rights.
const RIGHT_FD_DATASYNC: u64 = 1 << 0;
const RIGHT_FD_READ: u64 = 1 << 1;
const RIGHT_FD_SEEK: u64 = 1 << 2;
const RIGHT_FD_TELL: u64 = 1 << 5;
const RIGHT_FD_WRITE: u64 = 1 << 6;
const RIGHT_FD_ALLOCATE: u64 = 1 << 8;
const RIGHT_FD_FILESTAT_GET: u64 = 1 << 21;
const RIGHT_FD_FILESTAT_SET_SIZE: u64 = 1 << 22;
const RIGHTS_READ_FILE: u64 = RIGHT_FD_READ | RIGHT_FD_SEEK | RIGHT_FD_TELL | RIGHT_FD_FILESTAT_GET;
const RIGHTS_WRITE_FILE: u64 = RIGHTS_READ_FILE | RIGHT_FD_WRITE;
// A directory gets everything it may inherit except the rights to write to it as a file, which wasmtime answers
// with EISDIR.
const RIGHTS_NOT_FOR_DIRECTORY: u64 = RIGHT_FD_DATASYNC | RIGHT_FD_WRITE | RIGHT_FD_ALLOCATE | RIGHT_FD_FILESTAT_SET_SIZE;

// Results of the calls above land here (iovec, out-values, prestat, filestat).
const SCRATCH: usize = memory.data(64, 8);

export function argsSizes(): u16 {
  return args_sizes_get(SCRATCH, SCRATCH + 4);
}
export function argsCount(): u32 {
  return load<u32>(SCRATCH);
}
export function argsBytes(): u32 {
  return load<u32>(SCRATCH + 4);
}
export function argsGet(pointers: usize, bytes: usize): u16 {
  return args_get(pointers, bytes);
}

/** Length of preopened directory fd's name, or -1 when fd is not a preopened directory. */
export function preopenNameLength(fd: u32): i32 {
  if (fd_prestat_get(fd, SCRATCH) != ERRNO_SUCCESS || load<u8>(SCRATCH) != 0) return -1;
  return <i32>load<u32>(SCRATCH + 4);
}
export function preopenName(fd: u32, into: usize, length: u32): bool {
  return fd_prestat_dir_name(fd, into, length) == ERRNO_SUCCESS;
}

/** The rights a directory passes on to what is opened under it (all when the runtime does not say). */
function inheritable(dirFd: u32): u64 {
  if (fd_fdstat_get(dirFd, SCRATCH) != ERRNO_SUCCESS) return ~(<u64>0);
  return load<u64>(SCRATCH + 16);
}

/** Opens a file under a directory fd for reading. Returns the fd, or -errno. */
export function openForReading(dirFd: u32, path: usize, pathLen: u32): i32 {
  let rights = RIGHTS_READ_FILE & inheritable(dirFd);
  let err = path_open(dirFd, LOOKUP_SYMLINK_FOLLOW, path, pathLen, 0, rights, 0, 0, SCRATCH);
  if (err != ERRNO_SUCCESS) return -<i32>err;
  let fd = load<u32>(SCRATCH);
  if (fd_filestat_get(fd, SCRATCH) == ERRNO_SUCCESS && load<u8>(SCRATCH + 16) == FILETYPE_DIRECTORY) {
    fd_close(fd);
    return -<i32>ERRNO_ISDIR;
  }
  return <i32>fd;
}

/** Creates (or truncates) a file under a directory fd for writing and reading back. Returns the fd, or -errno. */
export function createFile(dirFd: u32, path: usize, pathLen: u32): i32 {
  let rights = RIGHTS_WRITE_FILE & inheritable(dirFd);
  let err = path_open(dirFd, LOOKUP_SYMLINK_FOLLOW, path, pathLen, OFLAG_CREAT | OFLAG_TRUNC, rights, 0, 0, SCRATCH);
  return err == ERRNO_SUCCESS ? <i32>load<u32>(SCRATCH) : -<i32>err;
}

/** Opens a directory under a directory fd, creating it (one level) if missing. Returns the fd, or -errno. */
export function openDirectory(dirFd: u32, path: usize, pathLen: u32): i32 {
  let inherit = inheritable(dirFd);
  let own = inherit & ~RIGHTS_NOT_FOR_DIRECTORY;
  let err = path_open(dirFd, LOOKUP_SYMLINK_FOLLOW, path, pathLen, OFLAG_DIRECTORY, own, inherit, 0, SCRATCH);
  if (err == ERRNO_NOENT) {
    let made = path_create_directory(dirFd, path, pathLen);
    if (made != ERRNO_SUCCESS && made != ERRNO_EXIST) return -<i32>made;
    err = path_open(dirFd, LOOKUP_SYMLINK_FOLLOW, path, pathLen, OFLAG_DIRECTORY, own, inherit, 0, SCRATCH);
  }
  return err == ERRNO_SUCCESS ? <i32>load<u32>(SCRATCH) : -<i32>err;
}

export function removeFile(dirFd: u32, path: usize, pathLen: u32): u16 {
  return path_unlink_file(dirFd, path, pathLen);
}

export function rewind(fd: u32): u16 {
  return fd_seek(fd, 0, 0 /* SET */, SCRATCH);
}

export function close(fd: u32): void {
  fd_close(fd);
}

/**
 * Reads until `length` bytes or end of file, as a file read does (pipes may return less per call): the core
 * then sees the same chunks whatever the input is. Returns the bytes read, or -errno.
 */
export function readFull(fd: u32, into: usize, length: u32): i32 {
  let got: u32 = 0;
  while (got < length) {
    store<u32>(SCRATCH, into + got);
    store<u32>(SCRATCH + 4, length - got);
    let err = fd_read(fd, SCRATCH, 1, SCRATCH + 8);
    if (err == ERRNO_INTR) continue;
    if (err != ERRNO_SUCCESS) return -<i32>err;
    let n = load<u32>(SCRATCH + 8);
    if (n == 0) break;
    got += n;
  }
  return <i32>got;
}

/** Writes all `length` bytes. Returns 0, or the errno. */
export function writeAll(fd: u32, from: usize, length: u32): u16 {
  let done: u32 = 0;
  while (done < length) {
    store<u32>(SCRATCH, from + done);
    store<u32>(SCRATCH + 4, length - done);
    let err = fd_write(fd, SCRATCH, 1, SCRATCH + 8);
    if (err == ERRNO_INTR) continue;
    if (err != ERRNO_SUCCESS) return err;
    let n = load<u32>(SCRATCH + 8);
    if (n == 0) return ERRNO_BADF; // a write that makes no progress would loop forever
    done += n;
  }
  return ERRNO_SUCCESS;
}

export function exit(code: u32): void {
  proc_exit(code);
}
