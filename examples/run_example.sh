#!/usr/bin/env bash
# Runs one example against one test engine (podman|docker) with the offline test image.
set -euo pipefail
bin=$1 engine=$2
var=POCKETDOCK_TEST_$(echo "$engine" | tr a-z A-Z)_SOCKET
export POCKETDOCK_SOCKET=${!var:-/run/pocketdock/$engine.sock}
export POCKETDOCK_EXAMPLE_IMAGE=pocketdock/minimal-shell
export POCKETDOCK_EXAMPLE_LABEL_TEST=1
exec "$bin"
