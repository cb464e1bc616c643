#!/usr/bin/env bash
# Sovereign's etcd endpoint beside real etcd: three etcd members from
# Debian (apt-get install -y etcd-server) and three Sovereign nodes, all
# processes on loopback, driven in turn by the same Go load generator
# (scripts/etcdload) with 256-byte values. Prints a markdown section
# ("## etcd API") on stdout for scripts/bench.sh; progress goes to stderr.
#
#   scripts/bench-etcd.sh                      # about four minutes
#   BENCH_ETCD_DURATION=20s scripts/bench-etcd.sh
#
# Both sides serve clients in plain gRPC on loopback (Sovereign with
# --dev); Sovereign's nodes still talk Raft to each other over mutual TLS,
# etcd's members over plain HTTP. Ports 21100-21399.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
BIN=${SOVEREIGN_BIN:-}
ETCD=${ETCD_BIN:-$(command -v etcd || true)}
duration=${BENCH_ETCD_DURATION:-10s}
clients=${BENCH_ETCD_CLIENTS:-100}
if [ -z "$ETCD" ]; then
  echo "bench-etcd: etcd is not installed (apt-get install -y etcd-server)" >&2
  echo "## etcd API"; echo; echo "Skipped: etcd is not installed (\`apt-get install -y etcd-server\`)."
  exit 0
fi
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

if [ -z "$BIN" ]; then
  BIN=$tmp/sovereign
  CGO_ENABLED=0 "$GO" build -o "$BIN" .
fi
"$GO" build -o "$tmp/etcdload" ./scripts/etcdload

echo "== starting three etcd members ($("$ETCD" --version | head -1))" >&2
cluster="e1=http://127.0.0.1:21211,e2=http://127.0.0.1:21212,e3=http://127.0.0.1:21213"
for i in 1 2 3; do
  "$ETCD" --name "e$i" --data-dir "$tmp/e$i" \
    --listen-client-urls "http://127.0.0.1:2120$i" --advertise-client-urls "http://127.0.0.1:2120$i" \
    --listen-peer-urls "http://127.0.0.1:2121$i" --initial-advertise-peer-urls "http://127.0.0.1:2121$i" \
    --initial-cluster "$cluster" --initial-cluster-state new --initial-cluster-token bench \
    --logger zap --log-level error >"$tmp/e$i.log" 2>&1 &
  pids+=($!)
done
etcd_eps=127.0.0.1:21201,127.0.0.1:21202,127.0.0.1:21203

echo "== starting three Sovereign nodes" >&2
node() {
  local i=$1; shift
  "$BIN" serve --dev --data-dir "$tmp/s$i" --node-name "s$i" --region bench \
    --http "127.0.0.1:2110$i" --https "127.0.0.1:2114$i" --raft "127.0.0.1:2130$i" --etcd "127.0.0.1:2137$i" \
    --log-level warn "$@" >"$tmp/s$i.out" 2>"$tmp/s$i.log" &
  pids+=($!)
}
ready() {
  for _ in $(seq 1 300); do
    curl -sf "http://127.0.0.1:2110$1/readyz" >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "Sovereign node s$1 did not become ready:" >&2; tail -5 "$tmp/s$1.log" >&2; return 1
}
node 1
ready 1
pw=$(cat "$tmp/s1/admin-password" 2>/dev/null || true)
for i in 2 3; do
  token=$(SOVEREIGN_URL=http://127.0.0.1:21101 SOVEREIGN_PASSWORD=$pw "$BIN" token create --ttl 10m --description bench)
  node "$i" --join https://127.0.0.1:21141 --token "$token"
  ready "$i"
done
sov_eps=127.0.0.1:21371,127.0.0.1:21372,127.0.0.1:21373

# Both clusters settle: every member answers and the Sovereign joiners are voters.
for _ in $(seq 1 100); do
  ETCDCTL_API=3 etcdctl --endpoints=$etcd_eps endpoint health >/dev/null 2>&1 && break
  sleep 0.1
done
for _ in $(seq 1 100); do
  n=$(ETCDCTL_API=3 etcdctl --endpoints=$sov_eps endpoint status 2>/dev/null | wc -l)
  [ "$n" = 3 ] && break
  sleep 0.1
done
sleep 3

# load SIDE WORKLOAD: one run of the load generator, its line to $tmp/SIDE-WORKLOAD.
load() {
  local eps=$etcd_eps
  [ "$1" = sovereign ] && eps=$sov_eps
  "$tmp/etcdload" -endpoints "$eps" -workload "$2" -clients "$clients" -duration "$duration" | tee "$tmp/$1-$2" >&2
}
field() { tr ' ' '\n' <"$tmp/$1" | awk -F= -v k="$2" '$1==k {print $2}'; }

for w in put txn get sget latency; do
  echo "== $w" >&2
  load etcd "$w"
  load sovereign "$w"
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a/b; else print "n/a" }'; }
echo "## etcd API"
echo
echo "Command: \`scripts/bench-etcd.sh\` (BENCH_ETCD_DURATION=$duration per run, $clients clients, 256-byte values)."
echo "Three etcd members ($("$ETCD" --version | head -1 | awk '{print $3}'), Debian's \`etcd-server\`) and three Sovereign nodes, each a process"
echo "on this machine's loopback and disk, driven in turn by the same load generator (\`go run ./scripts/etcdload\`,"
echo "the etcd Go client, clients spread over 10 connections to the three members). Clients speak plain gRPC to"
echo "both (Sovereign with \`--dev\`); Sovereign's Raft runs over mutual TLS, etcd's peers over plain HTTP."
echo
echo "| workload | etcd ops/s | Sovereign ops/s | ratio | target |"
echo "|---|---:|---:|---:|---:|"
for w in "put:put, $clients clients" "txn:Kubernetes update txn, $clients clients, own keys" "get:linearizable get, $clients clients" "sget:serializable get, $clients clients"; do
  k=${w%%:*}; name=${w#*:}
  e=$(field "etcd-$k" ops_per_s); s=$(field "sovereign-$k" ops_per_s)
  echo "| $name | $e | $s | **$(ratio "$s" "$e")×** | ≥ 1.0× |"
done
echo
echo "| one client's put | etcd | Sovereign | ratio | target |"
echo "|---|---:|---:|---:|---:|"
for p in p50_ms p99_ms; do
  e=$(field etcd-latency $p); s=$(field sovereign-latency $p)
  echo "| ${p%_ms} | $e ms | $s ms | **$(ratio "$s" "$e")×** | ≤ 1.2× |"
done
