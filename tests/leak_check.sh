#!/usr/bin/env bash
# Fails if any container labelled pocketdock.test=true (and, when POCKETDOCK_TEST_RUN_ID is set,
# pocketdock.test.run=<that id>) is left on either test engine, and removes what it finds so one
# failed run does not spoil the next.
set -u
status=0
for var in POCKETDOCK_TEST_PODMAN_SOCKET POCKETDOCK_TEST_DOCKER_SOCKET POCKETDOCK_TEST_PODMAN_RUNSC_SOCKET; do
  sock=${!var:-}
  # The gVisor Podman service is checked when the run names it (the runsc tier uses it).
  [ -n "$sock" ] || [ "$var" = POCKETDOCK_TEST_PODMAN_RUNSC_SOCKET ] || { echo "leak check: $var is not set"; status=1; }
  [ -n "$sock" ] || continue
  labels='"pocketdock.test=true"'
  [ -n "${POCKETDOCK_TEST_RUN_ID:-}" ] && labels="$labels,\"pocketdock.test.run=$POCKETDOCK_TEST_RUN_ID\""
  filter=$(printf '{"label":[%s]}' "$labels" | curl -s -o /dev/null -w '%{url_effective}' --get --data-urlencode @- http://x/ | sed 's|^http://x/?||')
  ids=$(curl -sf --max-time 10 --unix-socket "$sock" "http://localhost/v1.41/containers/json?all=true&filters=$filter" |
        grep -o '"Id":"[0-9a-f]*"' | cut -d'"' -f4)
  if [ -n "$ids" ]; then
    echo "leak check: $sock has leftover test containers:"
    for id in $ids; do
      echo "  $id"
      curl -s --max-time 30 --unix-socket "$sock" -X DELETE "http://localhost/v1.41/containers/$id?force=true" >/dev/null
    done
    status=1
  else
    echo "leak check: no test containers left on $sock"
  fi
done
exit $status
