#!/usr/bin/env bash
# Benchmarks the starter's servers against C references measured in the same run and writes
# benchmarks/RESULTS.md. Full run ~20 minutes; QUICK=1: ~2 minutes, one round, a subset.
#   benchmarks/run.sh [extra runner options, e.g. --rounds 5 --seconds 6 --noisy 15]
# Environment:
#   UDS_BENCH     directory with the shared C tools' sources (uds-load.c, uds-echo-epoll.c);
#                 default: the first shared/bench found in a parent directory of this repository.
#                 Without it the project's own edge-triggered echo-epoll.c and the Java load
#                 generator are used.
#   BASELINE_REF  a git commit: its raw echo server and lines loop (benchmarks.jar built from it) are measured
#                 beside this build's ("no regression" check), e.g. BASELINE_REF=470393e
#   JDK25         Temurin 25 home (default /usr/lib/jvm/temurin-25-jdk-amd64)
#   QUICK=1       the ~2-minute subset
# Scenarios include the sample app's jar as shipped (lines.sock, admin.sock; Actuator on).
set -euo pipefail
cd "$(dirname "$0")/.."

# The benchmark apps, and the sample app as shipped (Actuator on): the number a user gets.
./mvnw -q -B -ntp -pl benchmarks,sample-app -am package -DskipTests -Dfuzz.skip
out=benchmarks/target/c
mkdir -p "$out"
args=(--jar benchmarks/target/benchmarks.jar --out benchmarks/RESULTS.md)
sample_jar=$(ls sample-app/target/sample-app-*.jar 2>/dev/null | grep -v -- '-plain\.jar$' | head -1 || true)
if [ -n "$sample_jar" ]; then
  args+=(--sample-jar "$sample_jar")
else
  echo "no sample-app jar in sample-app/target: the 'sample as shipped' scenarios are skipped"
fi

if [ -z "${UDS_BENCH:-}" ]; then
  dir=$(pwd)
  while [ "$dir" != / ]; do
    dir=$(dirname "$dir")
    if [ -f "$dir/shared/bench/uds-load.c" ]; then UDS_BENCH=$dir/shared/bench; break; fi
  done
fi
if command -v gcc >/dev/null; then
  gcc -O2 -Wall -o "$out/dgram-sink" benchmarks/src/main/c/dgram-sink.c
  args+=(--dgram-sink "$out/dgram-sink")
  if [ -n "${UDS_BENCH:-}" ] && [ -f "$UDS_BENCH/uds-load.c" ] && [ -f "$UDS_BENCH/uds-echo-epoll.c" ]; then
    # Built as its README says, into target/ (never committed).
    gcc -O2 -Wall -pthread -o "$out/uds-load" "$UDS_BENCH/uds-load.c"
    gcc -O2 -Wall -pthread -o "$out/uds-echo-epoll" "$UDS_BENCH/uds-echo-epoll.c"
    args+=(--uds-load "$out/uds-load" --epoll "$out/uds-echo-epoll" --epoll-level)
  else
    echo "uds-load.c / uds-echo-epoll.c not found (set UDS_BENCH=...): using echo-epoll.c (edge-triggered only)" \
         "and the Java load generator"
    gcc -O2 -Wall -o "$out/echo-epoll" benchmarks/src/main/c/echo-epoll.c
    args+=(--epoll "$out/echo-epoll")
  fi
else
  echo "gcc not found: the C references (epoll echo, datagram sink) and uds-load are skipped"
fi

if [ -n "${BASELINE_REF:-}" ] && [ "${QUICK:-0}" != 1 ]; then
  # The benchmarks jar of an earlier commit, built from its own sources under target/.
  src=benchmarks/target/baseline/src
  rm -rf "$src" && mkdir -p "$src"
  git archive "$BASELINE_REF" | tar -x -C "$src"
  (cd "$src" && ./mvnw -q -B -ntp -pl benchmarks -am package -DskipTests -Dfuzz.skip)
  args+=(--baseline-jar "$src/benchmarks/target/benchmarks.jar" --baseline-name "$(git rev-parse --short "$BASELINE_REF")")
fi

JDK25=${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}
if [ -x "$JDK25/bin/java" ]; then
  args+=(--java25 "$JDK25")
else
  echo "no JDK 25 at $JDK25 (set JDK25=...): the Java 25 scenarios are skipped"
fi
[ "${QUICK:-0}" = 1 ] && args+=(--quick)
# 10,000 idle connections need file descriptors on both sides.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
java -jar benchmarks/target/benchmarks.jar run "${args[@]}" "$@"
