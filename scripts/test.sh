#!/usr/bin/env bash
# The whole test suite: installs what is missing, starts private Podman and Docker services
# (reusing running ones), builds the offline test image on both, builds with the `ci` preset and
# runs every test tier with ctest. Integration tests run against both engines; an engine that
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

cmake --preset ci
cmake --build --preset ci
ctest --preset ci
