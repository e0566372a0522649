#!/usr/bin/env bash
# The README's test command (npm test): installs what the tests need, builds, runs the whole suite once.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-test-tools.sh
[ -d node_modules/assemblyscript ] || npm install --no-audit --no-fund
npm run --silent build
export PATH="$(go env GOPATH)/bin:$PATH"
exec npx vitest run "$@"
