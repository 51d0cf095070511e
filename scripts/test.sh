#!/usr/bin/env bash
# The whole test suite: installs what is missing, starts private Podman and Docker services
# (reusing running ones), builds the offline test image on both, builds with the `ci` preset and
# runs every test tier with ctest, then the sanitizer tiers (scripts/sanitizers.sh) and every fuzz
# target for 60 s (scripts/fuzz.sh). Integration tests run against both engines; an engine that
# does not come up fails the run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install-deps.sh
# An assignment, not `eval "$(...)"`: an engine that does not come up must stop the run here.
sockets=$(bash scripts/engines.sh start)
eval "$sockets"
: "${POCKETDOCK_TEST_PODMAN_SOCKET:?engines.sh did not report the Podman socket}"
: "${POCKETDOCK_TEST_DOCKER_SOCKET:?engines.sh did not report the Docker socket}"
: "${POCKETDOCK_TEST_PODMAN_RUNSC_SOCKET:?engines.sh did not report the Podman (runsc) socket}"
export POCKETDOCK_TEST_PODMAN_SOCKET POCKETDOCK_TEST_DOCKER_SOCKET POCKETDOCK_TEST_PODMAN_RUNSC_SOCKET
# Labels this run's test containers, so its leak check ignores any other run's.
export POCKETDOCK_TEST_RUN_ID=${POCKETDOCK_TEST_RUN_ID:-run-$(date +%s)-$$}

start=$SECONDS
cmake --preset ci
cmake --build --preset ci
# Every tier runs even when an earlier one failed; the run fails if any did.
status=0
ctest --preset ci || status=1
echo "[test] ctest tiers done at $((SECONDS - start)) s"
bash scripts/sanitizers.sh all || status=1
bash tests/leak_check.sh || status=1
echo "[test] sanitizer tiers done at $((SECONDS - start)) s"
bash scripts/fuzz.sh "${POCKETDOCK_FUZZ_SECONDS:-60}" || status=1
echo "[test] fuzzing done at $((SECONDS - start)) s"
exit $status
