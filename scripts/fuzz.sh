#!/usr/bin/env bash
# Runs every fuzz target for a while (default 30s each) and copies what the
# fuzzer found interesting into the package's testdata/fuzz, so the corpus
# is kept in the repository and replayed by every `go test`.
#
#   make fuzz              # 30s per target
#   make fuzz FUZZTIME=5m
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${1:-30s}
cache=$(go env GOCACHE)/fuzz

for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for target in $(grep -hoE '^func (Fuzz[A-Za-z0-9_]+)' "$dir"/*_test.go 2>/dev/null | awk '{print $2}' | sed 's/(.*//'); do
    echo "== $pkg $target ($fuzztime)"
    go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" -fuzzminimizetime 2s "$pkg"
    src="$cache/$pkg/$target"
    dst="$dir/testdata/fuzz/$target"
    if [ -d "$src" ]; then
      mkdir -p "$dst"
      # Keep at most 200 inputs per target, smallest first.
      ls -S -r "$src" | head -200 | while read -r f; do cp -n "$src/$f" "$dst/$f"; done
    fi
  done
done
