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
echo "Password hash: argon2id, 64 MiB, 1 pass, 2 lanes, 32-byte key (above OWASP's 46 MiB / 1 pass floor); each sign-in"
echo "also proposes one Raft write (last sign-in and its audit entry) and mints a session."
echo
