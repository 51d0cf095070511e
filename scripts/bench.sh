#!/usr/bin/env bash
# The benchmark suite: starts both engines (reusing running ones), builds the `default` preset
# (RelWithDebInfo) and runs the Google Benchmark micro-benchmarks, then pocketdock_bench against
# Podman and Docker: raw floor, library and engine CLI side by side, with library/floor ratios.
# Run it on an otherwise idle machine. Extra arguments go to pocketdock_bench
# (e.g. --iterations 50, --engine docker).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install-deps.sh
sockets=$(bash scripts/engines.sh start)
eval "$sockets"
export POCKETDOCK_TEST_PODMAN_SOCKET POCKETDOCK_TEST_DOCKER_SOCKET

cmake --preset default >/dev/null
cmake --build --preset default --target pocketdock_bench pocketdock_micro_bench
echo "## micro-benchmarks (one core)"
taskset -c 0 ./build/default/bench/pocketdock_micro_bench --benchmark_min_time=0.5
./build/default/bench/pocketdock_bench "$@"
