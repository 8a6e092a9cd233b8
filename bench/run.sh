#!/usr/bin/env bash
# Gatehouse side by side with HAProxy and nginx on loopback, through the harness in bench/harness (see its
# README; HAProxy, nginx, wrk, iperf3 and the rest are installed with apt-get when missing): builds the jar, runs the harness with 1 and then 2 event loops /
# threads / workers for every proxy, and writes bench/RESULTS.md with every figure and ratio, the machine,
# the date and the commit, then bench/NOTES.md (what was tried, the profiles, where each target stands).
# Run it on a quiet machine: nothing else heavy may run meanwhile.
#
# Each thread count also gets an HTTPS/handshake run with ECDSA P-256 certificates, and at the end
# bench/cluster.sh measures what cluster mode adds to a sticky hit and TLS resumption across two nodes.
#
#   bench/run.sh                       the full run: RUNS=3 DUR=8 per thread count (about 50 minutes)
#   RUNS=1 DUR=5 bench/run.sh          quick (about 15 minutes)
#   THREAD_COUNTS="1" bench/run.sh
#   bench/run.sh --report              only re-assembles bench/RESULTS.md from the last run (after editing NOTES.md)
#
# WARMUP (harness setting, here 15 s instead of its 3) is untimed HTTP and then HTTPS load for every target
# before the first measured run: the JVM's compiler needs about that long on the proxy path before the
# figures settle (bench/NOTES.md, "JIT warm-up"); HAProxy and nginx get the same.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
HARNESS=${HARNESS:-$ROOT/bench/harness}
[[ -x $HARNESS/run-gatehouse.sh ]] || { echo "no harness at $HARNESS" >&2; exit 1; }
missing=()
for c in haproxy nginx wrk iperf3 socat openssl jq curl ss python3 taskset; do
  command -v "$c" >/dev/null || missing+=("$c")
done
[[ -f /usr/lib/nginx/modules/ngx_stream_module.so ]] || missing+=(nginx-stream-module)
if ((${#missing[@]})); then
  ((EUID == 0)) || { echo "missing: ${missing[*]}; as root: apt-get update && $HARNESS/peers.sh --install" >&2; exit 1; }
  echo "installing the benchmark's tools (missing: ${missing[*]})" >&2
  apt-get update -q && "$HARNESS/peers.sh" --install
fi
export RUNS=${RUNS:-3} DUR=${DUR:-8} WARMUP=${WARMUP:-15}
# the gateway starts through bin/gatehouse, which applies the recommended JVM options (Parallel GC: shorter young
# pauses and cheaper barriers than G1 here; a 64 MB initial heap that grows under load; bench/NOTES.md); JAVA_OPTS
# adds to them and overrides them
export JAVA_OPTS=${JAVA_OPTS:-}
OUT=$ROOT/bench/results

report() {
  {
    cat "$OUT/RESULTS.head.md"
    for t in ${THREAD_COUNTS:-1 2}; do
      echo
      echo "## THREADS=$t"
      echo
      report=$(ls -t "$OUT/threads-$t"/peers-*.md | head -1)
      sed 's/^#/##/' "$report"
      echo
      echo "### THREADS=$t with ECDSA P-256 certificates (HTTPS and handshakes only)"
      echo
      report=$(ls -t "$OUT/threads-$t-ecdsa"/peers-*.md | head -1)
      sed 's/^#/###/' "$report"
    done
    echo
    echo "## Cluster mode: a sticky hit, and TLS resumption across nodes (bench/cluster.sh)"
    echo
    cat "$OUT/cluster.md"
    [[ -f $ROOT/bench/NOTES.md ]] && { echo; cat "$ROOT/bench/NOTES.md"; }
  } >"$ROOT/bench/RESULTS.md"
  echo "wrote bench/RESULTS.md" >&2
}

if [[ ${1:-} == --report ]]; then
  report
  exit 0
fi

mkdir -p "$OUT"
(cd "$ROOT" && mvn -q -B package -DskipTests)
commit=$(git -C "$ROOT" rev-parse --short HEAD)
jvm_options="bin/gatehouse's defaults${JAVA_OPTS:+, then \`$JAVA_OPTS\`}"
{
  echo "# Gatehouse benchmark results"
  echo
  echo "Commit \`$commit\`, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(uname -r), $(java -version 2>&1 | head -1)."
  echo "Harness: \`bench/harness/run-gatehouse.sh\` (RUNS=$RUNS, DUR=$DUR s, WARMUP=$WARMUP s); Gatehouse, HAProxy and"
  echo "nginx each get THREADS event loops / threads / workers. Ratios are from one run each; see the harness README for"
  echo "the method. Gatehouse JVM options: $jvm_options. Where each performance target stands,"
  echo "with the profiles behind every miss: bench/NOTES.md, at the end of this file."
} >"$OUT/RESULTS.head.md"

for t in ${THREAD_COUNTS:-1 2}; do
  echo "== THREADS=$t" >&2
  THREADS=$t OUTDIR=$OUT/threads-$t "$HARNESS/run-gatehouse.sh" "$ROOT/target/gatehouse.jar"
  echo "== THREADS=$t, ECDSA P-256 certificates" >&2
  THREADS=$t TESTS="https_ka tls_new" CERTS=$HARNESS/certs/ecdsa OUTDIR=$OUT/threads-$t-ecdsa \
    "$HARNESS/run-gatehouse.sh" "$ROOT/target/gatehouse.jar"
done
echo "== cluster: sticky hit, resumption across nodes" >&2
"$ROOT/bench/cluster.sh" "$ROOT/target/gatehouse.jar" >"$OUT/cluster.md"
report
