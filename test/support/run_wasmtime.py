#!/usr/bin/env python3
"""Runs a WASI preview1 command under wasmtime (the PyPI `wasmtime` wheel embeds the real engine).

    run_wasmtime.py module.wasm [--dir HOST::GUEST]... [--stats FILE] -- ARG...

Standard input, output and error are the driver's own. The exit code is the guest's (proc_exit, or 0 when
_start returns); a trap prints "wasm trap: ..." on stderr and exits 134, so tests can tell a trap from an error.
--stats writes JSON: the module's declared memory limits (pages) and the peak RSS of this process (KiB).
"""
import json
import resource
import sys

import wasmtime

TRAP_EXIT = 134


def main(argv: list[str]) -> int:
    if "--" in argv:
        split = argv.index("--")
        own, guest_args = argv[:split], argv[split + 1:]
    else:
        own, guest_args = argv, []
    if not own:
        print(__doc__, file=sys.stderr)
        return 2
    module_path, rest = own[0], own[1:]
    dirs: list[tuple[str, str]] = []
    stats_path = None
    while rest:
        flag, value, rest = rest[0], rest[1], rest[2:]
        if flag == "--dir":
            host, _, guest = value.partition("::")
            dirs.append((host, guest or host))
        elif flag == "--stats":
            stats_path = value
        else:
            print(f"run_wasmtime: unknown flag {flag}", file=sys.stderr)
            return 2

    engine = wasmtime.Engine()
    module = wasmtime.Module.from_file(engine, module_path)
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    store = wasmtime.Store(engine)
    wasi = wasmtime.WasiConfig()
    wasi.argv = ["ipc-hls.wasm", *guest_args]
    wasi.inherit_stdin()
    wasi.inherit_stdout()
    wasi.inherit_stderr()
    for host, guest in dirs:
        wasi.preopen_dir(host, guest)
    store.set_wasi(wasi)

    code = 0
    try:
        instance = linker.instantiate(store, module)
        instance.exports(store)["_start"](store)
    except wasmtime.ExitTrap as exit_trap:
        code = exit_trap.code
    except wasmtime.Trap as trap:
        print(f"wasm trap: {trap.message}", file=sys.stderr)
        code = TRAP_EXIT
    sys.stdout.flush()

    if stats_path:
        memory = next(e.type for e in module.exports if e.name == "memory")
        stats = {
            "memoryPagesMin": memory.limits.min,
            "memoryPagesMax": memory.limits.max,
            "maxRssKiB": peak_rss_kib(),
        }
        with open(stats_path, "w", encoding="utf-8") as f:
            json.dump(stats, f)
    return code


def peak_rss_kib():
    """This process's own peak RSS. ru_maxrss would carry the parent's high-water mark across exec on Linux."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
