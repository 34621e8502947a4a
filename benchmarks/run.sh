#!/usr/bin/env bash
# Benchmarks the starter's stream server against baselines in the same run and writes
# benchmarks/RESULTS.md. Takes ~10 minutes (QUICK=1: ~1 minute, one round, fewer scenarios).
#   benchmarks/run.sh [extra runner options, e.g. --rounds 5 --seconds 10]
set -euo pipefail
cd "$(dirname "$0")/.."

./mvnw -q -B -ntp -pl benchmarks -am package -DskipTests
mkdir -p benchmarks/target/c
args=(--jar benchmarks/target/benchmarks.jar --out benchmarks/RESULTS.md)
if command -v gcc >/dev/null; then
  gcc -O2 -Wall -o benchmarks/target/c/echo-epoll benchmarks/src/main/c/echo-epoll.c
  gcc -O2 -Wall -o benchmarks/target/c/dgram-sink benchmarks/src/main/c/dgram-sink.c
  args+=(--epoll benchmarks/target/c/echo-epoll --dgram-sink benchmarks/target/c/dgram-sink)
else
  echo "gcc not found: the C limit references (epoll echo, datagram sink) are skipped"
fi
JDK25=${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}
if [ -x "$JDK25/bin/java" ]; then
  args+=(--java25 "$JDK25")
else
  echo "no JDK 25 at $JDK25 (set JDK25=...): the virtual-thread scenarios are skipped"
fi
[ "${QUICK:-0}" = 1 ] && args+=(--quick)
# 10,000 idle connections need file descriptors on both sides.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
java -jar benchmarks/target/benchmarks.jar run "${args[@]}" "$@"
