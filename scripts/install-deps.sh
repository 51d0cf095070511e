#!/usr/bin/env bash
# Installs the Debian packages pocketdock needs to build and test, skipping those already there.
# Usage (as root): scripts/install-deps.sh [--runtime-only]
set -euo pipefail

build_pkgs=(g++ cmake ninja-build pkg-config libcpp-httplib-dev nlohmann-json3-dev libfmt-dev libgtest-dev
  libgmock-dev libarchive-dev libcli11-dev libyaml-cpp-dev libtomlplusplus-dev libbenchmark-dev
  clang-14 libclang-rt-14-dev)  # clang-14 and its runtimes: the libFuzzer targets (scripts/fuzz.sh)
# runsc (gVisor) is the optional kernel-isolation runtime; engines.sh registers it on both engines.
# catatonit is Podman's init for `Init: true` (only recommended by the podman package).
engine_pkgs=(podman runc catatonit netavark containernetworking-plugins docker.io tini iptables uidmap slirp4netns
  fuse-overlayfs runsc busybox-static bash-static curl ca-certificates)

pkgs=("${engine_pkgs[@]}")
[ "${1:-}" = "--runtime-only" ] || pkgs+=("${build_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "[deps] all ${#pkgs[@]} packages present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "[deps] missing packages: ${missing[*]}; run this script as root (or apt-get install them)" >&2
  exit 1
fi
echo "[deps] installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
echo "[deps] done"
