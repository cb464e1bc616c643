#!/usr/bin/env bash
# Benchmarks of the Blueprint catalog; prints a markdown section on stdout
# for scripts/bench.sh. Progress goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$GO" test -run '^$' -bench . -benchtime 2s -count 3 ./embed/catalog/ | tee "$tmp/out.txt" >&2

# median NAME UNIT
median() {
  grep -E "^Benchmark$1-[0-9]+ " "$tmp/out.txt" | awk -v u="$2" '{for (i=2;i<=NF;i++) if ($i==u) print $(i-1)}' |
    sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
load=$(median LoadResolve48 ns/op)
cat <<MD
## Blueprint catalog

Command: \`go test -run '^\$' -bench . -benchtime 2s -count 3 ./embed/catalog/\` (medians of 3).

| benchmark | median | target |
|---|---:|---:|
| load, validate and resolve OpenOva's 48 files (\`BenchmarkLoadResolve48\`) | $(awk -v v="$load" 'BEGIN {printf "%.2f ms", v/1e6}') | < 20 ms |
| console list JSON, no overrides (\`CatalogJSON/list-defaults\`) | $(median CatalogJSON/list-defaults ns/op) ns | |
| console list JSON with publish overrides (\`CatalogJSON/list-overrides\`) | $(awk -v v="$(median CatalogJSON/list-overrides ns/op)" 'BEGIN {printf "%.1f µs", v/1e3}') | |
| detail JSON of one Blueprint (\`CatalogJSON/detail\`) | $(awk -v v="$(median CatalogJSON/detail ns/op)" 'BEGIN {printf "%.1f µs", v/1e3}') | |

The endpoint serves the precomputed list; overrides are spliced in as bytes.

MD
