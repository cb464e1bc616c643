#!/usr/bin/env bash
# The console's first load: bytes transferred and time to the first
# meaningful render of the dashboard, in Debian's Chromium against a real
# node on loopback. Prints a markdown section for docs/BENCHMARKS.md and
# exits non-zero when a budget (300 KB, 1 s) is exceeded.
#   SOVEREIGN_BIN=path  use this binary instead of building the checkout
#   RUNS=n              measured loads (default 15)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/chromium ]; then
  echo "bench-ui: /usr/bin/chromium is missing; scripts/ui-test.sh installs it (apt-get install -y chromium)" >&2
  exit 1
fi
lock_hash=$(sha256sum ui/package-lock.json | cut -d' ' -f1)
stamp=ui/node_modules/.sovereign-lock-sha256
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ]; then
  (cd ui && npm ci --no-audit --no-fund --loglevel=error) >&2
  echo "$lock_hash" >"$stamp"
fi
if [ -z "${SOVEREIGN_BIN:-}" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  CGO_ENABLED=0 go build -o "$tmp/sovereign" . >&2
  export SOVEREIGN_BIN="$tmp/sovereign"
fi
node ui/e2e/bench.mjs
