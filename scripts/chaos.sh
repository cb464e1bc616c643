#!/bin/sh
# `make chaos`: the long run of package chaos: HISTORIES histories
# (default 20) of DURATION (default 30s) under mixed faults, CYCLES crash
# loops of the whole cluster (default 20), the full-disk tests, then a
# summary. Visualisations and fault logs: chaos/artifacts/.
set -eu
cd "$(dirname "$0")/.."
HISTORIES=${HISTORIES:-20}
DURATION=${DURATION:-30s}
CYCLES=${CYCLES:-20}
SEED=${SEED:-0}
OUT=$(pwd)/chaos/artifacts
mkdir -p "$OUT"
rm -f "$OUT/summary.txt"
: "${SOVEREIGN_BIN:=$(pwd)/bin/sovereign}"
export SOVEREIGN_BIN
log="$OUT/chaos.log"
status=0
go test -count=1 -timeout 0 -v ./chaos/ \
	-chaos.histories "$HISTORIES" -chaos.duration "$DURATION" -chaos.cycles "$CYCLES" \
	-chaos.seed "$SEED" -chaos.out "$OUT" >"$log" 2>&1 || status=$?
grep -E '^(=== RUN|--- |    [a-z_]+\.go:[0-9]+: (cycle|a write|seed=|history))' "$log" || true
awk '
/ history=/ {
	n++
	for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] += kv[2] }
	if ($0 !~ /linearizable=Ok/) notok++
}
END {
	printf "\nchaos summary\n"
	printf "  histories                %d\n", n
	printf "  operations               %d (unknown outcome: %d)\n", v["ops"], v["unknown"]
	printf "  histories not proven     %d (porcupine ran out of time or found one illegal)\n", notok
	printf "  violations               %d\n", v["violations"]
	printf "  lost acknowledged writes %d\n", v["lost"]
	printf "  watch events / gaps      %d / %d\n", v["watch_events"], v["watch_gaps"]
	printf "  console writes           %d\n", v["console_writes"]
	printf "  faults injected          %d\n", v["faults"]
	printf "  panics in node logs      %d\n", v["panics"]
}' "$OUT/summary.txt"
cycles=$(grep -c ': cycle [0-9]*: .* 0 lost' "$log" || true)
printf '  crash-loop cycles clean  %s of %s\n' "$cycles" "$CYCLES"
printf '  test result              %s (log: %s)\n' "$([ $status -eq 0 ] && echo PASS || echo FAIL)" "$log"
exit $status
