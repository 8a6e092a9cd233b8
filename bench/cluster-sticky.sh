#!/usr/bin/env bash
# Latency that cluster mode adds to a sticky hit: the same HTTP listener with SOURCE_IP persistence, first on a
# standalone gateway, then on node 1 of a two-node cluster (two JVMs, Hazelcast on loopback), in front of the
# same nginx member. wrk comes from one address, so after its first request every request is a sticky hit.
# Prints one markdown table. Quiet machine wanted; every process started here is stopped by PID.
#
#   bench/cluster-sticky.sh [JAR]        (default target/gatehouse.jar; DUR=5 CONNS=16 by default)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAR=$(realpath "${1:-$ROOT/target/gatehouse.jar}")
DUR=${DUR:-5}
CONNS=${CONNS:-16}
WORK=$(mktemp -d /tmp/gatehouse-cluster-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

# a free loopback port, never one handed out before in this run (the kernel may offer a just-closed one again)
declare -A GIVEN=()
free_port() { # free_port VAR: sets VAR (not in a subshell, which would forget what was handed out)
  local -n into=$1
  local p
  while :; do
    p=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    [[ -z ${GIVEN[$p]:-} ]] && { GIVEN[$p]=1; into=$p; return; }
  done
}
free_port MEMBER
mkdir -p "$WORK/nginx"
cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  server { listen 127.0.0.1:$MEMBER; location / { return 200 "hello\n"; } }
}
EOF
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' & pids+=($!)

config() { # NAME HTTP_PORT ADMIN_PORT
  cat <<EOF
{ "node": {"name": "$1", "event_loops": 1},
  "admin": {"host": "127.0.0.1", "port": $3},
  "access_log": false,
  "listeners": [{"name": "web", "protocol": "HTTP", "host": "127.0.0.1", "protocol_port": $2,
                 "default_pool": "p"}],
  "pools": [{"name": "p", "protocol": "HTTP", "lb_algorithm": "ROUND_ROBIN",
             "session_persistence": {"type": "SOURCE_IP"},
             "members": [{"address": "127.0.0.1", "protocol_port": $MEMBER}]}] }
EOF
}

await_ready() { # ADMIN_PORT: /health is 200 once every listener is bound (the admin API answers before that)
  for _ in $(seq 150); do
    curl -sf -o /dev/null "http://127.0.0.1:$1/health" && return 0
    sleep 0.2
  done
  echo "gateway on admin port $1 did not start" >&2; exit 1
}

measure() { # LABEL URL PID
  wrk -t1 -c"$CONNS" -d3 "$2" >/dev/null 2>&1 # warm-up
  local cpu0 cpu1 tk out n
  cpu0=$(awk '{print $14+$15}' "/proc/$3/stat")
  out=$(wrk -t1 -c"$CONNS" -d"$DUR" --latency "$2")
  cpu1=$(awk '{print $14+$15}' "/proc/$3/stat")
  tk=$(getconf CLK_TCK)
  n=$(awk '/requests in/ {print $1}' <<<"$out")
  printf '| %s | %s | %s | %s | %s |\n' "$1" "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
    "$(awk '$1=="50%" {print $2}' <<<"$out")" "$(awk '$1=="99%" {print $2}' <<<"$out")" \
    "$(echo "scale=2; ($cpu1-$cpu0)/$tk*100000/$n" | bc)"
}

echo "| gateway | req/s | p50 | p99 | CPU s per 100k requests |"
echo "|---|---|---|---|---|"

free_port HTTP; free_port ADMIN
config solo "$HTTP" "$ADMIN" >"$WORK/solo.json"
GATEHOUSE_JAR=$JAR "$ROOT/bin/gatehouse" --config "$WORK/solo.json" >"$WORK/solo.log" 2>&1 & solo=$!; pids+=($solo)
await_ready "$ADMIN"
measure "standalone" "http://127.0.0.1:$HTTP/" "$solo"
kill "$solo"; wait "$solo" 2>/dev/null || true

free_port HZ1; free_port HZ2
declare -a http admin node
for i in 1 2; do
  free_port "http[$i]"; free_port "admin[$i]"
  config "gw-$i" "${http[$i]}" "${admin[$i]}" >"$WORK/gw-$i.json"
  hz=$([[ $i == 1 ]] && echo "$HZ1" || echo "$HZ2")
  GATEHOUSE_CLUSTER_NAME="bench-$$" GATEHOUSE_CLUSTER_PORT=$hz GATEHOUSE_CLUSTER_INTERFACE=127.0.0.1 \
    GATEHOUSE_CLUSTER_MEMBERS="127.0.0.1:$HZ1,127.0.0.1:$HZ2" \
    GATEHOUSE_JAR=$JAR "$ROOT/bin/gatehouse" --config "$WORK/gw-$i.json" --cluster >"$WORK/gw-$i.log" 2>&1 &
  node[$i]=$!; pids+=(${node[$i]})
done
for i in 1 2; do await_ready "${admin[$i]}"; done
for _ in $(seq 100); do
  [[ $(curl -s "http://127.0.0.1:${admin[1]}/api/v1/status" | jq '.cluster.members | length') == 2 ]] && break
  sleep 0.2
done
measure "node 1 of a 2-node cluster" "http://127.0.0.1:${http[1]}/" "${node[1]}"
echo
echo "wrk -t1 -c$CONNS -d$DUR --latency from 127.0.0.1 (every request after the first is a sticky hit); one nginx member."
