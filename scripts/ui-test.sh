#!/usr/bin/env bash
# The console's tests, as `make test` runs them:
#   1. Debian's chromium (installed with apt when missing and run as root);
#   2. ui/node_modules from the lockfile (npm ci) when missing or stale;
#   3. Vitest: the data shaping (topology tree, dependency tree, role rules);
#   4. the committed build in embed/ui is the build of ui/'s sources;
#   5. the browser tests (ui/e2e/*.test.mjs, node's test runner) against the
#      real binary: $SOVEREIGN_BIN, or this checkout built into a temp folder.
# Screenshots land in ui/e2e/artifacts/ (ignored by git).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "ui-test: /usr/bin/chromium is missing; install Debian's chromium as root: apt-get install -y chromium" >&2
    exit 1
  fi
  echo "ui-test: installing Debian's chromium"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

lock_hash=$(sha256sum ui/package-lock.json | cut -d' ' -f1)
stamp=ui/node_modules/.sovereign-lock-sha256
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ]; then
  echo "ui-test: npm ci (node_modules missing or older than package-lock.json)"
  (cd ui && npm ci --no-audit --no-fund --loglevel=error)
  echo "$lock_hash" >"$stamp"
fi

(cd ui && npx vitest run)
node ui/scripts/check-build.mjs

if [ -z "${SOVEREIGN_BIN:-}" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  echo "ui-test: building the sovereign binary"
  CGO_ENABLED=0 go build -o "$tmp/sovereign" .
  export SOVEREIGN_BIN="$tmp/sovereign"
fi

node --test --test-concurrency=1 --test-timeout=600000 ui/e2e/*.test.mjs
