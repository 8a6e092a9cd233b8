#!/usr/bin/env bash
# CPU per 100k keep-alive HTTP requests, split into user and system time, for Gatehouse, the byte-forwarding
# ceiling (ByteCeiling.java), nginx and HAProxy: one worker / event loop each, the harness's backends and
# configurations, wrk -t1 -c64, ROUNDS (3) interleaved rounds of DUR (8) seconds after a 15 s warm-up of each JVM.
#
#   bench/ceiling/cpu-split.sh [JAR]
#
# Nothing else heavy may run meanwhile. Every process is started here and stopped by PID.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/bench/harness
JAR=$(realpath "${1:-$ROOT/target/gatehouse.jar}")
ROUNDS=${ROUNDS:-3} DUR=${DUR:-8}
RUN=$(mktemp -d /tmp/gatehouse-cpu-split.XXXXXX)
mkdir -p "$RUN/tmp/backends" "$RUN/tmp/proxy-body" "$RUN/tmp/proxy-temp"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
CERTS=$HERE/certs
render() { # TEMPLATE [HTTP HTTPS TCP UDP]: as the harness renders it, one worker, fixed ports
  sed -e "s|@RUN@|$RUN|g" -e "s|@CERTS@|$CERTS|g" -e "s|@THREADS@|1|g" -e "s|@BACKEND_WORKERS@|1|g" \
      -e "s|@B1@|9001|g" -e "s|@B2@|9002|g" -e "s|@B3@|9003|g" -e "s|@B_TLS@|9443|g" -e "s|@I1@|9101|g" \
      -e "s|@I2@|9102|g" -e "s|@I3@|9103|g" -e "s|@U1@|9201|g" -e "s|@HTTP_PORT@|${2:-}|g" \
      -e "s|@HTTPS_PORT@|${3:-}|g" -e "s|@TCP_PORT@|${4:-}|g" -e "s|@UDP_PORT@|${5:-}|g" \
      "$HERE/conf/$1" >"$RUN/$1"
}
render backends.nginx.conf
render nginx-proxy.conf 9601 9602 9603 9604
render haproxy.cfg 9701 9702 9703
nginx -e stderr -p "$RUN" -c "$RUN/backends.nginx.conf" -g 'daemon off;' >"$RUN/backends.log" 2>&1 & pids+=($!)
nginx -e stderr -p "$RUN" -c "$RUN/nginx-proxy.conf" -g 'daemon off;' >"$RUN/nginx-proxy.log" 2>&1 & NG=$!; pids+=($NG)
haproxy -db -f "$RUN/haproxy.cfg" >"$RUN/haproxy.log" 2>&1 & HA=$!; pids+=($HA)
jq --arg c "$CERTS" '.node.event_loops = 1 | .access_log = false | (.listeners[] | select(.tls) | .tls) |=
    (.certificate = "\($c)/cert.pem" | .private_key = "\($c)/key.pem")' "$HERE/gatehouse.json" >"$RUN/gatehouse.json"
GP=$(jq -r '[.listeners[] | select(.protocol == "HTTP") | .protocol_port][0]' "$RUN/gatehouse.json")
GATEHOUSE_JAR=$JAR "$ROOT/bin/gatehouse" --config "$RUN/gatehouse.json" >"$RUN/gatehouse.log" 2>&1 & GW=$!; pids+=($GW)
java -XX:+UseParallelGC -Xms64m -cp "$JAR" "$ROOT/bench/ceiling/ByteCeiling.java" 9801 9001 9002 9003 \
  >"$RUN/ceiling.log" 2>&1 & BC=$!; pids+=($BC)
for _ in $(seq 150); do
  grep -q "gatehouse ready" "$RUN/gatehouse.log" && grep -q ready "$RUN/ceiling.log" && break; sleep 0.2
done
ticks() { # user and system clock ticks of a process and its children
  local u=0 s=0 a b p
  for p in $1 $(pgrep -P "$1" || true); do
    read -r a b < <(cut -d')' -f2 "/proc/$p/stat" | awk '{print $12, $13}'); u=$((u + a)); s=$((s + b))
  done
  echo "$u $s"
}
TK=$(getconf CLK_TCK)
wrk -t1 -c64 -d15s "http://127.0.0.1:$GP/" >/dev/null
wrk -t1 -c64 -d15s http://127.0.0.1:9801/ >/dev/null
for p in 9601 9701; do wrk -t1 -c64 -d3s "http://127.0.0.1:$p/" >/dev/null; done
printf '%-10s %9s %22s %22s\n' target req/s "user s per 100k" "system s per 100k"
for round in $(seq "$ROUNDS"); do
  for t in "gatehouse $GW $GP" "ceiling $BC 9801" "nginx $NG 9601" "haproxy $HA 9701"; do
    read -r name pid port <<<"$t"
    read -r u0 s0 < <(ticks "$pid")
    out=$(wrk -t1 -c64 -d"${DUR}s" "http://127.0.0.1:$port/")
    read -r u1 s1 < <(ticks "$pid")
    awk -v n="$name" -v tk="$TK" -v u=$((u1 - u0)) -v s=$((s1 - s0)) \
      -v r="$(awk '/requests in/{print $1}' <<<"$out")" -v rps="$(awk '/Requests\/sec/{print $2}' <<<"$out")" \
      'BEGIN { printf "%-10s %9.0f %22.2f %22.2f\n", n, rps, u / tk / r * 1e5, s / tk / r * 1e5 }'
  done
done
