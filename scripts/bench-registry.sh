#!/usr/bin/env bash
# Benchmarks of the node's registry; prints a markdown section on stdout
# for scripts/bench.sh (progress on stderr). Needs ~400 MiB in $TMPDIR.
#
#   scripts/bench-registry.sh
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$GO" test -run '^$' -bench 'BlobDownload' -benchtime 10x -count 5 ./registry/ | tee "$tmp/out.txt" >&2
"$GO" test -run '^$' -bench 'ConcurrentPulls' -benchtime 1x -count 3 ./registry/ | tee -a "$tmp/out.txt" >&2

# median NAME UNIT
median() {
  grep -E "^Benchmark$1-[0-9]+ " "$tmp/out.txt" | awk -v u="$2" '{for (i=2;i<=NF;i++) if ($i==u) print $(i-1)}' |
    sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
# largest NAME UNIT
largest() {
  grep -E "^Benchmark$1-[0-9]+ " "$tmp/out.txt" | awk -v u="$2" '{for (i=2;i<=NF;i++) if ($i==u) print $(i-1)}' | sort -g | tail -1
}
cold_disk=$(median BlobDownload/cold/disk MB/s)
cold_reg=$(median BlobDownload/cold/registry MB/s)
warm_disk=$(median BlobDownload/warm/disk MB/s)
warm_reg=$(median BlobDownload/warm/registry MB/s)
pulls=$(median ConcurrentPulls MB/s)
rss=$(largest ConcurrentPulls server-peak-RSS-MB)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f×", a/b}'; }
cat <<MD
## Registry

Commands: \`go test -run '^\$' -bench BlobDownload -benchtime 10x -count 5 ./registry/\` (medians of 5) and
\`go test -run '^\$' -bench ConcurrentPulls -benchtime 1x -count 3 ./registry/\`; both in \`scripts/bench-registry.sh\`.
A 100 MiB layer is pulled through the registry (GET over HTTPS on loopback, TLS 1.3, the client in the same
process) and read from its file, side by side. *cold*: the file is dropped from the page cache before each pull
(posix_fadvise DONTNEED), so both read the disk; *warm*: it is cached, so the registry's figure is the cost of TLS
and loopback TCP, client and server, on this machine's cores.

| run | disk | registry | ratio | target |
|---|---:|---:|---:|---:|
| one pull of a 100 MiB layer, file not cached | ${cold_disk} MB/s | ${cold_reg} MB/s | $(ratio "$cold_reg" "$cold_disk") | ≥ 0.8× |
| one pull of a 100 MiB layer, file cached | ${warm_disk} MB/s | ${warm_reg} MB/s | $(ratio "$warm_reg" "$warm_disk") | |

| figure | measured | target |
|---|---:|---:|
| 50 clients pull one 100 MiB layer at once: the serving process's peak RSS (VmHWM, largest of 3) | ${rss} MB | < 100 MB |
| the same 50 pulls: bytes delivered per second, all clients together | ${pulls} MB/s | |

The serving process is the registry alone (the test binary re-run as a server); each pull has its own connection,
and a blob goes from its file to TLS through one 256 KiB buffer, never whole in memory.

MD
