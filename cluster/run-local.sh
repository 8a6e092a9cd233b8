#!/usr/bin/env bash
# Three Gatehouse nodes in one cluster on this machine, without Docker: Hazelcast on 127.0.0.1:5701-5703,
# HTTP listeners on 8081-8083, TCP echo on 7001-7003, admin API on 9901-9903. gw-1 also runs the demo members.
# Configurations: cluster/local/gw-N.json. Ctrl-C (or SIGTERM) drains and stops the three nodes.
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=target/gatehouse.jar
[ -f "$JAR" ] || mvn -B -q package -DskipTests

export GATEHOUSE_CLUSTER_NAME="${GATEHOUSE_CLUSTER_NAME:-gatehouse-local}"
export GATEHOUSE_CLUSTER_MEMBERS="127.0.0.1:5701,127.0.0.1:5702,127.0.0.1:5703"
export GATEHOUSE_CLUSTER_INTERFACE=127.0.0.1

pids=()
stop() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait
}
trap stop INT TERM

for i in 1 2 3; do
  demo=()
  [ "$i" = 1 ] && demo=(--demo)
  GATEHOUSE_CLUSTER_PORT=$((5700 + i)) java -jar "$JAR" --config "cluster/local/gw-$i.json" --cluster "${demo[@]}" \
    > >(sed -u "s/^/[gw-$i] /") 2>&1 &
  pids+=($!)
done
echo "gw-1 http://127.0.0.1:8081  gw-2 http://127.0.0.1:8082  gw-3 http://127.0.0.1:8083 (Ctrl-C stops)"
wait
