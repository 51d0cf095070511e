#!/usr/bin/env bash
# Starts a private Podman API service and a private dockerd on sockets under $POCKETDOCK_RUN_DIR
# (default /run/pocketdock), reusing any that already answer, then builds the offline test image
# (pocketdock/minimal-shell) on both. Prints the two socket paths as shell assignments.
# Usage: scripts/engines.sh [start [podman|docker]|stop|status|build-image SOCKET]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
run_dir=${POCKETDOCK_RUN_DIR:-/run/pocketdock}
podman_sock=$run_dir/podman.sock
docker_sock=$run_dir/docker.sock
podman_runsc_sock=$run_dir/podman-runsc.sock

log() { printf '[engines] %s\n' "$*" >&2; }

ping() { curl -sf --max-time 2 --unix-socket "$1" http://localhost/_ping 2>/dev/null | grep -q OK; }

# Waits for the engine we just launched as `pid` to answer on `sock`.
wait_ping() {
  local sock=$1 name=$2 pid=$3
  for _ in $(seq 1 120); do
    ping "$sock" && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      log "$name exited during start-up; its log:"; tail -n 30 "$run_dir/$name.log" >&2 || true; return 1
    fi
    sleep 0.5
  done
  log "$name did not answer on $sock within 60 s"; tail -n 30 "$run_dir/$name.log" >&2 || true
  return 1
}

# An engine this script started earlier that no longer answers (its run was cut off, say) is
# ended by the PID it recorded; a PID file whose process is gone is only removed.
clear_stale() {
  local pidfile=$1 name=$2 pid
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$name" ]; then
    log "ending the unresponsive $name we started earlier (pid $pid)"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
  fi
  rm -f "$pidfile"
}

start_podman() {
  if ping "$podman_sock"; then log "podman already answers on $podman_sock"; return 0; fi
  clear_stale "$run_dir/podman.pid" podman
  rm -f "$podman_sock"
  cat >"$run_dir/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
  log "starting podman system service on $podman_sock"
  CONTAINERS_CONF=$run_dir/containers.conf setsid podman system service --time=0 "unix://$podman_sock" \
    >"$run_dir/podman.log" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$run_dir/podman.pid"
  wait_ping "$podman_sock" podman "$pid"
}

# gVisor (runsc), where installed, is registered on both engines. runsc's own network stack refuses
# the namespaces these engines hand it here ("cannot run with network enabled in root network
# namespace"), so the registered runtime is a wrapper running runsc with --network=host: gVisor
# then uses the container's own network namespace through the host kernel (a container made with
# the network off still has only lo).
write_runsc_wrapper() {
  command -v runsc >/dev/null || return 1
  printf '#!/bin/sh\nexec %s --network=host "$@"\n' "$(command -v runsc)" >"$run_dir/runsc-wrapper"
  chmod 755 "$run_dir/runsc-wrapper"
}

# Podman 4.3 ignores a per-container runtime in its API (compat HostConfig.Runtime and libpod
# oci_runtime alike: re-checked on a service with runsc in [engine.runtimes], both containers ran
# under runc), so gVisor on Podman is a second service whose default runtime is runsc; pocketdock
# accepts a runtime on Podman only when it is the service's default.
start_podman_runsc() {
  if ping "$podman_runsc_sock"; then log "podman (runsc) already answers on $podman_runsc_sock"; return 0; fi
  clear_stale "$run_dir/podman-runsc.pid" podman
  rm -f "$podman_runsc_sock"
  cat >"$run_dir/containers-runsc.conf" <<CONF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
runtime = "runsc"
cgroup_manager = "cgroupfs"
events_logger = "file"
[engine.runtimes]
runsc = ["$run_dir/runsc-wrapper"]
CONF
  log "starting podman system service (runsc) on $podman_runsc_sock"
  CONTAINERS_CONF=$run_dir/containers-runsc.conf setsid podman system service --time=0 \
    "unix://$podman_runsc_sock" >"$run_dir/podman-runsc.log" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$run_dir/podman-runsc.pid"
  wait_ping "$podman_runsc_sock" podman-runsc "$pid"
}

start_docker() {
  if ping "$docker_sock"; then log "docker already answers on $docker_sock"; return 0; fi
  # dockerd writes docker.pid itself; a stale one (dockerd killed) must not be read as ours.
  clear_stale "$run_dir/docker.pid" dockerd
  rm -f "$docker_sock"
  mkdir -p "$run_dir/docker-data" "$run_dir/docker-exec"
  local extra=()
  if write_runsc_wrapper; then extra+=(--add-runtime "runsc=$run_dir/runsc-wrapper"); fi
  log "starting dockerd on $docker_sock"
  setsid dockerd "${extra[@]}" --host "unix://$docker_sock" --data-root "$run_dir/docker-data" \
    --exec-root "$run_dir/docker-exec" --pidfile "$run_dir/docker.pid" \
    >"$run_dir/docker.log" 2>&1 </dev/null &
  wait_ping "$docker_sock" docker "$!"
}

# Builds images/minimal-shell (FROM scratch + the host's static busybox and bash) through POST /build.
build_image() {
  local sock=$1 ctx out
  ctx=$(mktemp -d)
  "$root/images/minimal-shell/prepare-context.sh" "$ctx"
  out=$(tar -C "$ctx" -cf - . | curl -sS --max-time 300 --unix-socket "$sock" -X POST \
    -H 'Content-Type: application/x-tar' --data-binary @- \
    'http://localhost/v1.41/build?t=pocketdock/minimal-shell:latest&rm=1&forcerm=1')
  rm -rf "$ctx"
  if printf '%s' "$out" | grep -q '"error'; then log "image build failed on $sock: $out"; return 1; fi
  log "built pocketdock/minimal-shell on $sock"
}

stop_one() {
  local pidfile=$1
  [ -f "$pidfile" ] || return 0
  local pid; pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"; for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  fi
  rm -f "$pidfile"
}

need_tools() {
  for b in "$@"; do
    command -v "$b" >/dev/null || { log "missing '$b': run scripts/install-deps.sh"; exit 1; }
  done
}

case "${1:-start}" in
  start)
    mkdir -p "$run_dir"
    # The engines inherit this directory: conmon writes an `oom` file into its working directory
    # when a container is OOM-killed, which must not land in the caller's checkout.
    cd "$run_dir"
    which=${2:-both}
    need_tools runc curl busybox bash-static
    pids=()
    if [ "$which" != docker ]; then need_tools podman; start_podman & pids+=($!); fi
    if [ "$which" != docker ] && write_runsc_wrapper; then start_podman_runsc & pids+=($!); fi
    if [ "$which" != podman ]; then need_tools dockerd; start_docker & pids+=($!); fi
    for p in "${pids[@]}"; do wait "$p"; done
    pids=()
    if [ "$which" != docker ]; then build_image "$podman_sock" & pids+=($!); fi
    if [ "$which" != podman ]; then build_image "$docker_sock" & pids+=($!); fi
    for p in "${pids[@]}"; do wait "$p"; done
    [ "$which" != docker ] && echo "POCKETDOCK_TEST_PODMAN_SOCKET=$podman_sock"
    [ "$which" != docker ] && [ -x "$run_dir/runsc-wrapper" ] && echo "POCKETDOCK_TEST_PODMAN_RUNSC_SOCKET=$podman_runsc_sock"
    [ "$which" != podman ] && echo "POCKETDOCK_TEST_DOCKER_SOCKET=$docker_sock"
    true
    ;;
  build-image)
    need_tools curl busybox bash-static
    build_image "$2" ;;
  stop)
    stop_one "$run_dir/podman.pid"; stop_one "$run_dir/podman-runsc.pid"; stop_one "$run_dir/docker.pid" ;;
  status)
    ping "$podman_sock" && echo "podman: up ($podman_sock)" || echo "podman: down"
    ping "$podman_runsc_sock" && echo "podman (runsc): up ($podman_runsc_sock)" || echo "podman (runsc): down"
    ping "$docker_sock" && echo "docker: up ($docker_sock)" || echo "docker: down" ;;
  *) echo "usage: $0 [start [podman|docker]|stop|status|build-image SOCKET]" >&2; exit 2 ;;
esac
