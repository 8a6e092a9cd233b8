#!/usr/bin/env bash
# What cluster mode costs and gives, in front of one nginx member. Two markdown tables:
# 1. the latency cluster mode adds to a sticky hit: the same HTTP listener with SOURCE_IP persistence, first on a
#    standalone gateway, then on node 1 of a two-node cluster (two JVMs, Hazelcast on loopback). wrk comes from one
#    address, so after its first request every request is a sticky hit;
# 2. TLS resumption across nodes: sessions (TLS 1.3 tickets) from node 1 offered to node 1 again, then to node 2,
#    which derives the same ticket keys from the shared cluster secret (tools/tls_resume.py, one request per
#    connection): resumed handshakes per second, how many resumed, and the CPU of the node that resumed them.
# Quiet machine wanted; every process started here is stopped by PID.
#
#   bench/cluster.sh [JAR]        (default target/gatehouse.jar; DUR=5 CONNS=16 TLS_CLIENTS=4 WARM=15 by default)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAR=$(realpath "${1:-$ROOT/target/gatehouse.jar}")
DUR=${DUR:-5}
CONNS=${CONNS:-16}
TLS_CLIENTS=${TLS_CLIENTS:-4}
WARM=${WARM:-15} # seconds of full handshakes, then of resumed ones, on a node before its resumption is measured
CERTS=$ROOT/bench/harness/certs
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

head -c 32 /dev/urandom | base64 >"$WORK/secret" && chmod 600 "$WORK/secret"
config() { # NAME HTTP_PORT ADMIN_PORT [HTTPS_PORT]: with HTTPS_PORT, a cluster node with the shared secret
  local cluster="" tls=""
  if [[ -n ${4:-} ]]; then
    cluster='"cluster": {"secret_file": "'$WORK/secret'"},'
    tls=', {"name": "tls", "protocol": "HTTPS", "host": "127.0.0.1", "protocol_port": '$4', "default_pool": "p",
            "tls": {"certificate": "'$CERTS/cert.pem'", "private_key": "'$CERTS/key.pem'",
                    "security_policy": "tls-1-2-fs-with-1-3"}}'
  fi
  cat <<EOF
{ "node": {"name": "$1", "event_loops": 1},
  "admin": {"host": "127.0.0.1", "port": $3},
  "access_log": false, $cluster
  "listeners": [{"name": "web", "protocol": "HTTP", "host": "127.0.0.1", "protocol_port": $2,
                 "default_pool": "p"} $tls],
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
declare -a http https admin node
for i in 1 2; do
  free_port "http[$i]"; free_port "admin[$i]"; free_port "https[$i]"
  config "gw-$i" "${http[$i]}" "${admin[$i]}" "${https[$i]}" >"$WORK/gw-$i.json"
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

resume() { # LABEL FIRST_NODE THEN_NODE: sessions from FIRST offered to THEN; CPU of THEN
  local pid=${node[$3]} cpu0 cpu1 tk out n r wall i warming=()
  # full handshakes first: code run once per handshake is compiled only after thousands of them
  for i in 1 2; do
    openssl s_time -connect "127.0.0.1:${https[$3]}" -new -time "$WARM" >/dev/null 2>&1 & warming+=($!)
  done
  wait "${warming[@]}"
  python3 "$ROOT/bench/harness/tools/tls_resume.py" --first "127.0.0.1:${https[$2]}" --then "127.0.0.1:${https[$3]}" \
    --clients "$TLS_CLIENTS" --duration "$WARM" >/dev/null # warm-up: the request path of a new TLS connection
  cpu0=$(awk '{print $14+$15}' "/proc/$pid/stat")
  out=$(python3 "$ROOT/bench/harness/tools/tls_resume.py" --first "127.0.0.1:${https[$2]}" \
    --then "127.0.0.1:${https[$3]}" --clients "$TLS_CLIENTS" --duration "$DUR")
  cpu1=$(awk '{print $14+$15}' "/proc/$pid/stat")
  tk=$(getconf CLK_TCK)
  n=$(grep -o 'connections=[0-9]*' <<<"$out" | cut -d= -f2)
  r=$(grep -o 'resumed=[0-9]*' <<<"$out" | cut -d= -f2)
  wall=$(grep -o 'wall=[0-9.]*' <<<"$out" | cut -d= -f2)
  printf '| %s | %s | %s of %s | %s |\n' "$1" "$(echo "$n / $wall" | bc)" "$r" "$n" \
    "$(echo "scale=3; ($cpu1-$cpu0)/$tk*1000/$n" | bc)"
}
echo
echo "| TLS 1.3 sessions from node 1 | resumed handshakes/s | connections resumed | CPU ms per handshake (resuming node) |"
echo "|---|---|---|---|"
resume "resumed on node 1" 1 1
resume "resumed on node 2 (ticket keys from the shared secret)" 1 2
echo
echo "tools/tls_resume.py, $TLS_CLIENTS clients for ${DUR} s, one request per connection; RSA-2048 certificate."
