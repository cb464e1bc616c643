#!/usr/bin/env bash
# A three-node cluster of one region on loopback, for trying things out.
#
#   scripts/cluster.sh start    # build, start n1, join n2 and n3, print the status
#   scripts/cluster.sh status
#   scripts/cluster.sh stop     # stop all three (SIGTERM, in order)
#   scripts/cluster.sh clean    # stop, then delete .cluster/
#
# Node i listens on https://127.0.0.1:844i, http://127.0.0.1:808i, Raft
# 127.0.0.1:830i and etcd 127.0.0.1:237i; its data directory and log are in .cluster/ni
# ($CLUSTER_DIR instead of .cluster when set).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${SOVEREIGN_BIN:-bin/sovereign}
DIR=${CLUSTER_DIR:-.cluster}
REGION=${REGION:-local}

node_flags() {
  local i=$1
  echo "--data-dir $DIR/n$i --node-name n$i --region $REGION --https 127.0.0.1:844$i --http 127.0.0.1:808$i --raft 127.0.0.1:830$i --etcd 127.0.0.1:237$i"
}

api_env() {
  export SOVEREIGN_URL=https://127.0.0.1:8441
  export SOVEREIGN_CA=$DIR/n1/tls/ca.crt
  export SOVEREIGN_PASSWORD
  SOVEREIGN_PASSWORD=$(cat "$DIR/n1/admin-password")
}

wait_ready() {
  local i=$1
  for _ in $(seq 1 200); do
    if curl -sf "http://127.0.0.1:808$i/readyz" >/dev/null 2>&1; then return 0; fi
    sleep 0.05
  done
  echo "n$i did not become ready; see $DIR/n$i.log" >&2
  return 1
}

start_node() {
  local i=$1; shift
  # shellcheck disable=SC2046
  nohup "$BIN" serve $(node_flags "$i") "$@" >"$DIR/n$i.out" 2>"$DIR/n$i.log" &
  echo $! >"$DIR/n$i.pid"
}

cmd_start() {
  [ -x "$BIN" ] || make build >/dev/null
  mkdir -p "$DIR"
  start_node 1
  wait_ready 1
  api_env
  for i in 2 3; do
    if [ ! -d "$DIR/n$i/raft" ]; then
      token=$("$BIN" token create --ttl 10m --description "scripts/cluster.sh n$i" 2>/dev/null)
      start_node "$i" --join https://127.0.0.1:8441 --token "$token"
    else
      start_node "$i"
    fi
    wait_ready "$i"
  done
  sleep 1 # promotion to voter follows catching up
  cmd_status
  echo
  echo "admin password: $DIR/n1/admin-password; console: http://127.0.0.1:8081"
}

cmd_status() {
  api_env
  "$BIN" cluster status
}

cmd_stop() {
  for i in 3 2 1; do
    local pidf="$DIR/n$i.pid"
    [ -f "$pidf" ] || continue
    local pid; pid=$(cat "$pidf")
    if kill -TERM "$pid" 2>/dev/null; then
      for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$pidf"
  done
}

case "${1:-start}" in
  start) cmd_start ;;
  status) cmd_status ;;
  stop) cmd_stop ;;
  clean) cmd_stop; rm -rf "$DIR" ;;
  *) echo "usage: $0 start|status|stop|clean" >&2; exit 2 ;;
esac
