#!/usr/bin/env bash
# run-gatehouse.sh: Gatehouse next to direct, HAProxy and nginx in one peers.sh run.
#
#   ./run-gatehouse.sh path/to/gatehouse.jar                  with direct haproxy nginx
#   RUNS=1 DUR=5 ./run-gatehouse.sh path/to/gatehouse.jar     quick (about 4 minutes)
#   ./run-gatehouse.sh path/to/gatehouse.jar haproxy          against haproxy only
#
# Starts the jar through bin/gatehouse (the launcher: its recommended JVM options, then JAVA_OPTS) on
# gatehouse.json from this folder (so its certs/ paths resolve), waits for the
# admin /health, runs peers.sh with --target gatehouse on the listener ports the configuration
# names, and stops the gateway by PID. Environment: whatever peers.sh reads (RUNS, DUR, THREADS,
# PIN, CERTS, TESTS...), and
#   CONFIG          the configuration (default: gatehouse.json beside this script)
#   JAVA_OPTS       JVM options: heap, GC, agents (after the launcher's defaults, so they win)
#   LAUNCHER        the launcher (default: bin/gatehouse of this repository)
#   GATEHOUSE_ARGS  more arguments for the jar (the event-loop count comes from THREADS via node.event_loops)
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
log() { echo "[$(date +%T)] $*" >&2; }
die() { log "error: $*"; exit 1; }

JAR=${1:?usage: $0 JAR [direct|haproxy|nginx ...]}; shift
[[ -f $JAR ]] || die "no jar at $JAR"
JAR=$(realpath "$JAR")
(($#)) || set -- direct haproxy nginx
CONFIG=$(realpath "${CONFIG:-$HERE/gatehouse.json}")
OUTDIR=${OUTDIR:-$HERE/results}
export OUTDIR
read -ra JOPTS <<<"${JAVA_OPTS:-}"
LAUNCHER=$(realpath "${LAUNCHER:-$HERE/../../bin/gatehouse}")
[[ -x $LAUNCHER ]] || die "no launcher at $LAUNCHER"
read -ra GARGS <<<"${GATEHOUSE_ARGS:-}"
for c in java jq curl ss; do command -v "$c" >/dev/null || die "$c is missing"; done
mkdir -p "$OUTDIR"

# the run copy of the configuration: certificates by absolute path, THREADS event loops (what the peers
# get), no access log (the peers log nothing either)
CERTS=$(realpath "${CERTS:-$HERE/certs}"); export CERTS
jq --arg c "$CERTS" --argjson n "${THREADS:-1}" '
    (.listeners[] | select(.tls) | .tls) |= (.certificate = "\($c)/cert.pem" | .private_key = "\($c)/key.pem")
    | .node.event_loops = $n | .access_log = false' "$CONFIG" >"$OUTDIR/gatehouse.run.json"
CONFIG=$OUTDIR/gatehouse.run.json

port() { jq -r --arg p "$1" '[.listeners[] | select(.protocol == $p) | .protocol_port][0] // "none"' "$CONFIG"; }
HTTP=$(port HTTP) HTTPS=$(port HTTPS) TCP=$(port TCP) UDP=$(port UDP) H3=$(port QUIC)
ADMIN=$(jq -r '"\(.admin.host // "127.0.0.1"):\(.admin.port // 9900)"' "$CONFIG")
for p in "$HTTP" "$HTTPS" "$TCP" "${ADMIN##*:}"; do
  [[ $p == none || -z $(ss -Hltn "sport = :$p") ]] || die "TCP port $p is already in use"
done
[[ $UDP == none || -z $(ss -Hlun "sport = :$UDP") ]] || die "UDP port $UDP is already in use"
[[ $H3 == none || -z $(ss -Hlun "sport = :$H3") ]] || die "UDP port $H3 is already in use"

java "${JOPTS[@]}" -jar "$JAR" --check --config "$CONFIG" >"$OUTDIR/gatehouse-check.log" 2>&1 ||
  die "the jar refuses $CONFIG: $(tail -5 "$OUTDIR/gatehouse-check.log")"

GW=""
stop_gw() { # SIGTERM, and up to 40 s for its drain (30 s at most by the contract) before SIGKILL
  [[ -n $GW ]] || return 0
  local code=0
  kill -TERM "$GW" 2>/dev/null || true
  for _ in $(seq 400); do kill -0 "$GW" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$GW" 2>/dev/null; then log "gateway $GW still running 40 s after SIGTERM: killing it"; kill -KILL "$GW"; fi
  wait "$GW" || code=$?
  log "gateway $GW stopped, exit code $code"
  GW=""
}
trap stop_gw EXIT
trap 'exit 130' INT TERM

# pinned from its first thread on, so that threads started later stay on CPU 1 too
pin=(); [[ ${PIN:-0} == 1 ]] && pin=(taskset -c 1)
log "starting $JAR on $CONFIG; log in $OUTDIR/gatehouse.log"
# the launcher execs java: $GW is the JVM's own PID, as peers.sh's CPU and memory figures need
(cd "$HERE" && GATEHOUSE_JAR=$JAR exec "${pin[@]}" "$LAUNCHER" --config "$CONFIG" "${GARGS[@]}") \
  >"$OUTDIR/gatehouse.log" 2>&1 &
GW=$!
for _ in $(seq 120); do
  [[ $(curl -s -m 1 -o /dev/null -w '%{http_code}' "http://$ADMIN/health" || true) == 200 ]] && break
  kill -0 "$GW" 2>/dev/null || die "the gateway exited: $(tail -5 "$OUTDIR/gatehouse.log")"
  sleep 0.5
done
[[ $(curl -s -m 1 -o /dev/null -w '%{http_code}' "http://$ADMIN/health" || true) == 200 ]] ||
  die "no 200 from http://$ADMIN/health within 60 s"
log "gateway up, pid $GW"

rc=0
"$HERE/peers.sh" --target gatehouse --pid "$GW" --http-port "$HTTP" --https-port "$HTTPS" \
  --tcp-port "$TCP" --udp-port "$UDP" --h3-port "$H3" "$@" || rc=$?
stop_gw
exit "$rc"
