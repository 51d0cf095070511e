#!/usr/bin/env bash
# Runs the test tiers under the sanitizers, against the real engines named by
# POCKETDOCK_TEST_PODMAN_SOCKET and POCKETDOCK_TEST_DOCKER_SOCKET (scripts/engines.sh start):
#   asan  (AddressSanitizer + UBSan, every finding fatal): the unit and fake-engine tiers, and the
#         run, stream, spawn, session, files and engine-fault integration tests on both engines;
#   tsan  (ThreadSanitizer): the fake-engine tier and the threaded integration tests (concurrent
#         runs and streams over the connection pool, callbacks, shutdown racing streams,
#         processes and sessions) on both engines.
# Usage: scripts/sanitizers.sh [asan|tsan|all]   (default all)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

: "${POCKETDOCK_TEST_PODMAN_SOCKET:?run scripts/engines.sh start first and export its sockets}"
: "${POCKETDOCK_TEST_DOCKER_SOCKET:?run scripts/engines.sh start first and export its sockets}"
export POCKETDOCK_TEST_PODMAN_SOCKET POCKETDOCK_TEST_DOCKER_SOCKET
if command -v ccache >/dev/null 2>&1; then export CMAKE_CXX_COMPILER_LAUNCHER=ccache; fi

# The 256 MiB stream's peak-RSS bound does not hold under ASan (its allocator keeps freed chunks
# in quarantine); the plain tier checks it.
asan_integration='RunTest.*:ExecStream*.*:Process*.*:Session*.*:Files*.*:EngineFaults.*:EngineRestart.*'
asan_integration+=':SecurityStrict.FilesOnItsTmpfsMountsAndAFullMount:-Info.CpuPercent*:ExecStreamTest.Stream256MiBInConstantMemory'
tsan_integration='RunTest.SequentialAndConcurrentRuns:ExecStreamTest.ManyStreamsAtOnceFromSeveralThreads'
tsan_integration+=':ExecStreamShutdown.*:ProcessTest.UsableFromSeveralThreads:ProcessShutdown.*:ProcessKillRace.*'
tsan_integration+=':SessionTest.ConcurrentCallersTakeTurns:SessionLifecycle.*:CallbacksTest.*'

failed=()
step() {  # step NAME COMMAND...
  local name=$1; shift
  echo "[sanitizers] $name"
  local start=$SECONDS
  if "$@"; then
    echo "[sanitizers] $name: passed in $((SECONDS - start)) s"
  else
    echo "[sanitizers] $name: FAILED (rc $?) after $((SECONDS - start)) s"
    failed+=("$name")
  fi
}

build() {  # build PRESET
  cmake --preset "$1" >/dev/null
  cmake --build --preset "$1" --target pocketdock_unit_tests pocketdock_fake_engine_tests pocketdock_integration_tests
}

integration() {  # integration PRESET ENGINE FILTER
  POCKETDOCK_TEST_ENGINE=$2 tests/run_integration.sh "build/$1/tests/pocketdock_integration_tests" "$3"
}

which=${1:-all}
if [ "$which" = asan ] || [ "$which" = all ]; then
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  build asan
  step "asan unit" build/asan/tests/pocketdock_unit_tests --gtest_brief=1
  step "asan fake" build/asan/tests/pocketdock_fake_engine_tests --gtest_brief=1
  step "asan integration podman" integration asan podman "$asan_integration"
  step "asan integration docker" integration asan docker "$asan_integration"
fi
if [ "$which" = tsan ] || [ "$which" = all ]; then
  export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
  build tsan
  step "tsan fake" build/tsan/tests/pocketdock_fake_engine_tests --gtest_brief=1
  step "tsan integration podman" integration tsan podman "$tsan_integration"
  step "tsan integration docker" integration tsan docker "$tsan_integration"
fi

if [ ${#failed[@]} -gt 0 ]; then
  echo "[sanitizers] failed: ${failed[*]}"
  exit 1
fi
echo "[sanitizers] all passed"
