#!/usr/bin/env bash
# Installs what is missing, makes sure an engine answers (starting a private Podman service if
# none does), builds the offline image pocketdock/minimal-shell on it, then builds and runs
# examples/quickstart.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install-deps.sh

ping() { curl -sf --max-time 2 --unix-socket "$1" http://localhost/_ping 2>/dev/null | grep -q OK; }
sock=""
for s in "${POCKETDOCK_SOCKET:-}" "${XDG_RUNTIME_DIR:-/run/user/$(id -u)}/podman/podman.sock" \
         /run/podman/podman.sock /var/run/docker.sock /run/pocketdock/podman.sock /run/pocketdock/docker.sock; do
  if [ -n "$s" ] && [ -S "$s" ] && ping "$s"; then sock=$s; break; fi
done
if [ -z "$sock" ]; then
  echo "[quickstart] no engine answers: starting a private Podman service"
  sockets=$(bash scripts/engines.sh start podman)
  eval "$sockets"
  sock=$POCKETDOCK_TEST_PODMAN_SOCKET
else
  echo "[quickstart] using the engine at $sock"
  bash scripts/engines.sh build-image "$sock"
fi
export POCKETDOCK_SOCKET=$sock

cmake --preset default >/dev/null
cmake --build --preset default --target example_quickstart
./build/default/examples/quickstart
