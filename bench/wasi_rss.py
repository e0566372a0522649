#!/usr/bin/env python3
"""Runs build/ipc-hls.wasm (a WASI preview1 command) under the wasmtime engine (PyPI wheel) and prints JSON:
peak RSS of this process before instantiating (interpreter + engine + compiled module) and after the run, the
module's declared memory, and how long _start took.

    wasi_rss.py module.wasm HOST_DIR -- ARG...      (HOST_DIR is opened for the guest as ".")
"""
import json
import resource
import sys
import time

import wasmtime


def peak_kib() -> int:
    # VmHWM belongs to this process image. ru_maxrss would not do: Linux carries the high-water mark over
    # exec, so a child of a large process (node) reports the parent's RSS at fork time.
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main(argv: list[str]) -> int:
    split = argv.index("--")
    (module_path, host_dir), guest_args = argv[:split], argv[split + 1:]
    engine = wasmtime.Engine()
    module = wasmtime.Module.from_file(engine, module_path)
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    store = wasmtime.Store(engine)
    wasi = wasmtime.WasiConfig()
    wasi.argv = ["ipc-hls.wasm", *guest_args]
    wasi.preopen_dir(host_dir, ".")
    store.set_wasi(wasi)
    before = peak_kib()
    code = 0
    t0 = time.perf_counter()
    try:
        linker.instantiate(store, module).exports(store)["_start"](store)
    except wasmtime.ExitTrap as exit_trap:
        code = exit_trap.code
    seconds = time.perf_counter() - t0
    memory = next(e.type for e in module.exports if e.name == "memory")
    print(json.dumps({"exitCode": code, "peakRssBeforeKiB": before, "peakRssKiB": peak_kib(), "memoryPages": memory.limits.min, "runSeconds": seconds}))
    return 0 if code == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
