#!/usr/bin/env bash
# Gatehouse side by side with HAProxy and nginx on loopback, through the shared harness
# (../shared/bench, see its README): builds the jar, runs the harness with 1 and then 2 event loops /
# threads / workers for every proxy, and writes bench/RESULTS.md with every figure and ratio, the machine,
# the date and the commit. Run it on a quiet machine: nothing else heavy may run meanwhile.
#
# Each thread count also gets an HTTPS/handshake run with ECDSA P-256 certificates, and at the end
# bench/cluster-sticky.sh measures what cluster mode adds to a sticky hit.
#
#   bench/run.sh                 quick: RUNS=1 DUR=5 per thread count (about 12 minutes)
#   RUNS=3 DUR=8 bench/run.sh    full (about 30 minutes)
#   THREAD_COUNTS="1" bench/run.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
HARNESS=${HARNESS:-$ROOT/../shared/bench}
[[ -x $HARNESS/run-gatehouse.sh ]] || { echo "no harness at $HARNESS" >&2; exit 1; }
export RUNS=${RUNS:-1} DUR=${DUR:-5}
# the JVM options the README recommends (and the Dockerfile sets): Parallel GC's young pauses are a third of
# G1's here and its write barriers cheaper (bench/NOTES.md); JAVA_OPTS= (empty) measures the JVM defaults (G1)
export JAVA_OPTS=${JAVA_OPTS--XX:+UseParallelGC}
OUT=$ROOT/bench/results
mkdir -p "$OUT"

(cd "$ROOT" && mvn -q -B package -DskipTests)
commit=$(git -C "$ROOT" rev-parse --short HEAD)
{
  echo "# Gatehouse benchmark results"
  echo
  echo "Commit \`$commit\`, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(uname -r), $(java -version 2>&1 | head -1)."
  echo "Harness: \`../shared/bench/run-gatehouse.sh\` (RUNS=$RUNS, DUR=$DUR s); Gatehouse, HAProxy and nginx each get"
  echo "THREADS event loops / threads / workers. Ratios are from one run each; see the harness README for the method."
  echo "Gatehouse JVM options: \`${JAVA_OPTS:-(none: JVM defaults)}\`."
} >"$OUT/RESULTS.head.md"

for t in ${THREAD_COUNTS:-1 2}; do
  echo "== THREADS=$t" >&2
  THREADS=$t OUTDIR=$OUT/threads-$t "$HARNESS/run-gatehouse.sh" "$ROOT/target/gatehouse.jar"
  echo "== THREADS=$t, ECDSA P-256 certificates" >&2
  THREADS=$t TESTS="https_ka tls_new" CERTS=$HARNESS/certs/ecdsa OUTDIR=$OUT/threads-$t-ecdsa \
    "$HARNESS/run-gatehouse.sh" "$ROOT/target/gatehouse.jar"
done
echo "== cluster sticky hit" >&2
"$ROOT/bench/cluster-sticky.sh" "$ROOT/target/gatehouse.jar" >"$OUT/cluster-sticky.md"

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
  echo "## Cluster mode on a sticky hit (bench/cluster-sticky.sh)"
  echo
  cat "$OUT/cluster-sticky.md"
  [[ -f $ROOT/bench/NOTES.md ]] && { echo; cat "$ROOT/bench/NOTES.md"; }
} >"$ROOT/bench/RESULTS.md"
echo "wrote bench/RESULTS.md" >&2
