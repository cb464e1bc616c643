#!/usr/bin/env bash
# Benchmarks the air-gap bundle on a synthetic bundle (2 GiB by default):
#   - create, verify and install, each under /usr/bin/time -v for peak RSS
#     (target: under 100 MB each);
#   - verify against sha256sum over the same bundle bytes, in the same run,
#     from a warm page cache, best of RUNS each (target: verify at least
#     0.9x sha256sum's throughput); openssl's SHA-256 is shown beside it;
#   - the same three steps in bundle/testdata/rsscheck, which runs the bundle
#     package alone, to tell its memory from the sovereign binary's start-up.
# The payload is random bytes (OCI layers are compressed already, so real
# bundles barely compress either), laid out as one OCI image of 256 MiB
# layers.
#
# Usage: scripts/bench-bundle.sh            (SIZE_MIB=2048 RUNS=3 by default)
#        SIZE_MIB=512 scripts/bench-bundle.sh
# Work files go under $BENCH_DIR (default: a new folder in ${TMPDIR:-/tmp});
# it needs about 3x SIZE_MIB of free space.
set -euo pipefail

SIZE_MIB=${SIZE_MIB:-2048}
RUNS=${RUNS:-3}
LAYER_MIB=256
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/sovereign-bench-bundle.XXXXXX")}
mkdir -p "$WORK"
trap 'rm -rf "$WORK"' EXIT

if [ ! -x /usr/bin/time ]; then
	echo "bench-bundle: /usr/bin/time is missing: apt-get install time" >&2
	exit 1
fi
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
less() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }
rss_mb() { awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$1"; }
wall() { awk -F': ' '/Elapsed \(wall clock\)/ { print $2 }' "$1"; }

echo "== build"
(cd "$ROOT" && CGO_ENABLED=0 go build -o "$WORK/sovereign" -ldflags "-X main.version=1.0.0" .)
(cd "$ROOT" && CGO_ENABLED=0 go build -o "$WORK/rsscheck" ./bundle/testdata/rsscheck)
SOV="$WORK/sovereign"

echo "== synthetic OCI layout: $SIZE_MIB MiB of random layers"
L="$WORK/layout"
mkdir -p "$L/blobs/sha256"
layers="" diffids=""
for i in $(seq 1 $((SIZE_MIB / LAYER_MIB))); do
	head -c "$((LAYER_MIB << 20))" /dev/urandom >"$L/layer.tmp"
	d=$(sha256sum "$L/layer.tmp" | cut -d' ' -f1)
	mv "$L/layer.tmp" "$L/blobs/sha256/$d"
	layers="$layers${layers:+,}{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"size\":$((LAYER_MIB << 20)),\"digest\":\"sha256:$d\"}"
	diffids="$diffids${diffids:+,}\"sha256:$d\""
done
blob() { # writes stdin as a blob, prints "size digest"
	cat >"$L/blob.tmp"
	local d s
	d=$(sha256sum "$L/blob.tmp" | cut -d' ' -f1)
	s=$(stat -c %s "$L/blob.tmp")
	mv "$L/blob.tmp" "$L/blobs/sha256/$d"
	echo "$s $d"
}
read -r csize cdigest < <(printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[%s]}}' "$diffids" | blob)
read -r msize mdigest < <(printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":%s,"digest":"sha256:%s"},"layers":[%s]}' "$csize" "$cdigest" "$layers" | blob)
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","size":%s,"digest":"sha256:%s","annotations":{"org.opencontainers.image.ref.name":"bench/payload:1.0.0"}}]}' "$msize" "$mdigest" >"$L/index.json"
printf '{"imageLayoutVersion": "1.0.0"}' >"$L/oci-layout"

echo "== startup (sovereign version): what every command costs before bundle code runs"
/usr/bin/time -v "$SOV" version >/dev/null 2>"$WORK/startup.time"

echo "== keygen"
"$SOV" bundle keygen --out "$WORK/key" >/dev/null

echo "== create"
B="$WORK/sovereign.bundle"
/usr/bin/time -v "$SOV" bundle create --key "$WORK/key" --out "$B" --oci-layout "$L" --binary "$SOV" \
	>/dev/null 2>"$WORK/create.time"
BYTES=$(stat -c %s "$B")
/usr/bin/time -v "$WORK/rsscheck" create "$WORK/key" "$WORK/alone.bundle" "$SOV" "$L" 2>"$WORK/create-alone.time"
# Only the bundle is needed from here on.
rm -rf "$L" "$WORK/alone.bundle"

echo "== verify vs sha256sum over the same $BYTES bytes (warm cache, best of $RUNS)"
cat "$B" >/dev/null
best_v="" best_s="" best_o=""
for r in $(seq 1 "$RUNS"); do
	t0=$(now)
	"$SOV" bundle verify --key "$WORK/key.pub" "$B" >/dev/null 2>&1
	t1=$(now)
	sha256sum "$B" >/dev/null
	t2=$(now)
	openssl dgst -sha256 "$B" >/dev/null
	t3=$(now)
	v=$(elapsed "$t0" "$t1") s=$(elapsed "$t1" "$t2") o=$(elapsed "$t2" "$t3")
	echo "run $r: verify ${v}s, sha256sum ${s}s, openssl dgst -sha256 ${o}s"
	if [ -z "$best_v" ] || less "$v" "$best_v"; then best_v=$v; fi
	if [ -z "$best_s" ] || less "$s" "$best_s"; then best_s=$s; fi
	if [ -z "$best_o" ] || less "$o" "$best_o"; then best_o=$o; fi
done
/usr/bin/time -v "$SOV" bundle verify --key "$WORK/key.pub" "$B" >/dev/null 2>"$WORK/verify.time"
/usr/bin/time -v "$WORK/rsscheck" verify "$WORK/key.pub" "$B" 2>"$WORK/verify-alone.time"

echo "== install"
/usr/bin/time -v "$SOV" install --bundle "$B" --key "$WORK/key.pub" --prefix "$WORK/root" \
	>/dev/null 2>"$WORK/install.time"
rm -rf "$WORK/root"
/usr/bin/time -v "$WORK/rsscheck" install "$WORK/key.pub" "$B" "$WORK/root" 2>"$WORK/install-alone.time"

mibs() { awk -v n="$BYTES" -v t="$1" 'BEGIN { printf "%.1f", n / 1048576 / t }'; }
cat <<REPORT

== results ($(nproc) CPUs, $(uname -m), $(go version | cut -d' ' -f3))
bundle:            $BYTES bytes ($SIZE_MIB MiB payload + binary + catalog)
verify:            ${best_v}s  $(mibs "$best_v") MiB/s
sha256sum:         ${best_s}s  $(mibs "$best_s") MiB/s
openssl sha256:    ${best_o}s  $(mibs "$best_o") MiB/s
verify/sha256sum:  $(awk -v v="$best_v" -v s="$best_s" 'BEGIN { printf "%.2f", s / v }')x throughput (target >= 0.9)
verify/openssl:    $(awk -v v="$best_v" -v s="$best_o" 'BEGIN { printf "%.2f", s / v }')x throughput
peak RSS startup:  $(rss_mb "$WORK/startup.time") MB  (wall $(wall "$WORK/startup.time"); sovereign version, for reference)
peak RSS create:   $(rss_mb "$WORK/create.time") MB  (wall $(wall "$WORK/create.time"))
peak RSS verify:   $(rss_mb "$WORK/verify.time") MB  (wall $(wall "$WORK/verify.time"))
peak RSS install:  $(rss_mb "$WORK/install.time") MB  (wall $(wall "$WORK/install.time"))
(target: peak RSS under 100 MB each)
bundle package alone (bundle/testdata/rsscheck, no sovereign start-up):
peak RSS create:   $(rss_mb "$WORK/create-alone.time") MB  (wall $(wall "$WORK/create-alone.time"))
peak RSS verify:   $(rss_mb "$WORK/verify-alone.time") MB  (wall $(wall "$WORK/verify-alone.time"))
peak RSS install:  $(rss_mb "$WORK/install-alone.time") MB  (wall $(wall "$WORK/install-alone.time"))
load average:      $(cut -d' ' -f1-3 /proc/loadavg)
REPORT
