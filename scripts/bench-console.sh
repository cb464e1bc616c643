#!/usr/bin/env bash
# Benchmarks of the Sovereign Console API; prints a markdown section
# ("## Console API") on stdout for scripts/bench.sh to append to
# docs/BENCHMARKS.md. Progress goes to stderr.
#
#   scripts/bench-console.sh                 # about two minutes
#   BENCH_CONSOLE_REQUESTS=50000 scripts/bench-console.sh
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
n=${BENCH_CONSOLE_REQUESTS:-20000}
logins=${BENCH_CONSOLE_LOGINS:-200}
rounds=${BENCH_CONSOLE_ROUNDS:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

read_cmd="go test -run '^\$' -bench ConsoleRead -benchtime ${n}x ./app"
login_cmd="go test -run '^\$' -bench Login -benchtime ${logins}x -count 1 ./app"
echo "== console reads" >&2
# Rounds, each a fresh process running the bare handler and the console
# side by side, so a noisy moment hits both rows of a round alike.
for round in $(seq "$rounds"); do
  "$GO" test -run '^$' -bench 'ConsoleRead' -benchtime "${n}x" -count 1 ./app | tee -a "$tmp/read.txt" >&2
done
echo "== login" >&2
"$GO" test -run '^$' -bench 'Login' -benchtime "${logins}x" -count 1 ./app | tee "$tmp/login.txt" >&2
# Real `sovereign serve` processes ($SOVEREIGN_BIN, from make build) and
# real HTTP clients over loopback.
writes_cmd="go test -run '^\$' -bench ConsoleWrites -benchtime 1x ./e2e"
memory_cmd="go test -run '^\$' -bench ConsoleMemory -benchtime 1x ./e2e"
echo "== console writes" >&2
"$GO" test -run '^$' -bench 'ConsoleWrites' -benchtime 1x -count 1 ./e2e | tee "$tmp/writes.txt" >&2
echo "== console memory" >&2
"$GO" test -run '^$' -bench 'ConsoleMemory' -benchtime 1x -count 1 ./e2e | tee "$tmp/memory.txt" >&2

# metric FILE NAME UNIT: the median of the value reported before UNIT on
# the lines of benchmark NAME.
metric() {
  grep -E "^Benchmark$2-[0-9]+ " "$1" | awk -v u="$3" '{for (i=2;i<=NF;i++) if ($i==u) print $(i-1)}' |
    sort -g | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]; else print "n/a"}'
}

echo "## Console API"
echo
echo "Command: \`$read_cmd\` (run ${rounds} times; medians, and the ratio paired within each run) and \`$login_cmd\`."
echo "$(nproc) cores. Each read run sends ${n} GETs from 64 concurrent Go clients over loopback sockets with keep-alive;"
echo "the bare row is a Fiber handler that returns the same bytes as a constant, started in the same run."
echo "The console row includes, for the catalog, the session check (verified tokens are cached; expiry, revocation and the user are checked on every request),"
echo "the request id, metrics and recover middleware, and the publish overrides applied to the precomputed list."
echo
# ratios FILE EP: the console/bare ratio of each round, paired in order.
ratios() {
  paste <(grep -E "^BenchmarkConsoleRead/$2/bare-fiber-[0-9]+ " "$1" | awk '{for (i=2;i<=NF;i++) if ($i=="req/s") print $(i-1)}') \
        <(grep -E "^BenchmarkConsoleRead/$2/console-[0-9]+ " "$1" | awk '{for (i=2;i<=NF;i++) if ($i=="req/s") print $(i-1)}') |
    awk '{printf "%.4f\n", $2/$1}' | sort -g
}

echo "| endpoint | body | bare Fiber req/s | console req/s | ratio, median of rounds (target ≥ 0.7) | worst round | bare p99 | console p99 |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for ep in catalog self; do
  body=$(metric "$tmp/read.txt" "ConsoleRead/$ep/console" body-bytes)
  bare=$(metric "$tmp/read.txt" "ConsoleRead/$ep/bare-fiber" req/s)
  cons=$(metric "$tmp/read.txt" "ConsoleRead/$ep/console" req/s)
  bp99=$(metric "$tmp/read.txt" "ConsoleRead/$ep/bare-fiber" p99-ms)
  cp99=$(metric "$tmp/read.txt" "ConsoleRead/$ep/console" p99-ms)
  ratio=$(ratios "$tmp/read.txt" "$ep" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  worst=$(ratios "$tmp/read.txt" "$ep" | head -1)
  awk -v e="GET /api/v1/sovereign/$ep" -v body="$body" -v b="$bare" -v c="$cons" -v r="$ratio" -v w="$worst" -v bp="$bp99" -v cp="$cp99" 'BEGIN {
    printf "| %s | %d B | %.0f | %.0f | **%.2f×** | %.2f× | %.2f ms | %.2f ms |\n", e, body, b, c, r, w, bp, cp }'
done
echo
p50=$(metric "$tmp/login.txt" Login p50-ms)
p99=$(metric "$tmp/login.txt" Login p99-ms)
echo "Login (\`POST /api/v1/auth/login\`, ${logins} sign-ins one after another): p50 **${p50} ms**, p99 **${p99} ms**."
echo "Password hash: argon2id, m=19 MiB, t=2, p=1, 32-byte key (OWASP's recommended configuration; see app/identity/password.go); each sign-in"
echo "also proposes one Raft write (last sign-in and its audit entry) and mints a session."
echo
echo "### Writes under concurrency"
echo
echo "Command: \`$writes_cmd\` with \`SOVEREIGN_BIN=bin/sovereign\`."
echo "Each write is \`POST /api/v1/sovereign/topology/regions\` with a new id (distinct records), from concurrent Go HTTP clients with keep-alive"
echo "over loopback, against real \`sovereign serve\` processes: one node (\`--dev\`), then three joined over mutual TLS with each writer"
echo "sending its requests to the three nodes in turn (two in three forwarded to the leader). One writer and 32 writers run"
echo "alternately, 3 rounds of 4 s each; the rates are medians, the ratio is paired within each round (median and worst round),"
echo "the answers are counted over all rounds."
echo
echo "| cluster | 1 writer, created/s | 32 writers, created/s | 32 vs 1, median of rounds (target ≥ 5×) | worst round | answers 201 | answers 409 (target 0) | other answers |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for run in one-node three-nodes; do
  name="one node"; [ $run = three-nodes ] && name="three nodes, writes spread over all"
  w() { metric "$tmp/writes.txt" "ConsoleWrites/$run" "$1"; }
  awk -v n="$name" -v a="$(w w1-writes/s)" -v b="$(w w32-writes/s)" -v r="$(w w32/w1)" -v wr="$(w worst-w32/w1)" \
      -v ok="$(w answers-201)" -v c="$(w answers-409)" -v o="$(w answers-other)" 'BEGIN {
    printf "| %s | %.0f | %.0f | **%.1f×** | %.1f× | %d | **%d** | %d |\n", n, a, b, r, wr, ok, c, o }'
done
echo
echo "Before the audit entry was numbered by the state machine, every console write read the audit head and proposed with its"
echo "version, so any two writes conflicted: 32 writers reached 358 created/s with 73 % answered 409."
echo
echo "### Memory through sign-ins"
echo
echo "Command: \`$memory_cmd\` with \`SOVEREIGN_BIN=bin/sovereign\`: one \`sovereign serve --dev\` process on a new data directory,"
echo "resident memory read from its \`/proc/<pid>/status\` (VmRSS; the peak is VmHWM, reset through \`clear_refs\` before the burst)."
echo "The 100 sign-ins come one after another from four loopback addresses; the 50 simultaneous ones are ten users on five addresses"
echo "(within the sign-in limits). Password hashes run at most one a core (four at most), 16 a slot wait, the rest are answered 503."
echo
mem() { metric "$tmp/memory.txt" ConsoleMemory "$1"; }
echo "| figure | measured | target |"
echo "|---|---:|---:|"
awk -v v="$(mem first-start-RSS-MB)" 'BEGIN {printf "| resident after the first start | %.1f MB | < 60 MB |\n", v}'
awk -v v="$(mem after-100-sign-ins-idle-RSS-MB)" -v ok="$(mem sequential-200)" 'BEGIN {printf "| resident after 100 sign-ins (%d answered 200) and 5 s idle | %.1f MB | < 60 MB |\n", ok, v}'
awk -v v="$(mem burst-peak-MB)" -v ok="$(mem burst-200)" -v busy="$(mem burst-503)" -v o="$(mem burst-other)" \
  'BEGIN {printf "| peak during 50 simultaneous sign-ins (%d answered 200, %d answered 503 with Retry-After, %d other) | %.1f MB | < 200 MB |\n", ok, busy, o, v}'
echo
