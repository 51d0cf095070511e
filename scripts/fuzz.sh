#!/usr/bin/env bash
# Builds the `fuzz` preset (clang 14, libFuzzer, ASan + UBSan) and runs every fuzz target for
# SECONDS (default 60), two at a time. Each starts from its committed seeds
# (tests/fuzz/corpus/<target>, never modified) and its past findings
# (tests/fuzz/regressions/<target>); new inputs go to build/fuzz/corpus/<target>.
# Prints each target's executions per second and final corpus size; exits non-zero on any
# finding, keeping the input under build/fuzz/findings/ (once fixed, copy it to
# tests/fuzz/regressions/<target>/ so the normal build replays it).
# Usage: scripts/fuzz.sh [SECONDS]
set -euo pipefail

seconds="${1:-60}"
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
if command -v ccache >/dev/null 2>&1; then export CMAKE_CXX_COMPILER_LAUNCHER=ccache; fi

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz

build="$root/build/fuzz"
targets=()
for f in tests/fuzz/*_fuzz.cpp; do
  t="$(basename "$f" _fuzz.cpp)"
  targets+=("$t")
done

mkdir -p "$build/logs" "$build/findings"
run_target() {
  local t="$1" work="$build/corpus/$1"
  mkdir -p "$work" "$root/tests/fuzz/regressions/$t"
  local rc=0
  ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" \
    "$build/tests/fuzz/pocketdock_fuzz_$t" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 \
    -rss_limit_mb=2048 -artifact_prefix="$build/findings/$t-" \
    "$work" "$root/tests/fuzz/corpus/$t" "$root/tests/fuzz/regressions/$t" >"$build/logs/$t.log" 2>&1 || rc=$?
  echo "$rc" >"$build/logs/$t.rc"
}

echo "[fuzz] ${#targets[@]} targets, ${seconds} s each, 2 at a time; logs in $build/logs"
running=0
for t in "${targets[@]}"; do
  run_target "$t" &
  running=$((running + 1))
  if [ "$running" -ge 2 ]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait

failed=0
for t in "${targets[@]}"; do
  log="$build/logs/$t.log"
  rc="$(cat "$build/logs/$t.rc")"
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  per_sec="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)"
  final="$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 || true)"
  corp="$(sed -n 's/.* corp: \([0-9]*\/[0-9a-zA-Z]*\).*/\1/p' <<<"$final")"
  echo "[fuzz] $t: rc=$rc stat::number_of_executed_units=${execs:-?} stat::average_exec_per_sec=${per_sec:-?}" \
    "final corpus=${corp:-?} (units/bytes)"
  [ -n "$final" ] && echo "[fuzz]   $final"
  findings=("$build/findings/$t-"*)
  if [ "$rc" != 0 ] || [ -e "${findings[0]}" ]; then
    failed=1
    echo "[fuzz] $t FOUND A PROBLEM (exit $rc); input kept: ${findings[*]}" >&2
    grep -E 'ERROR|runtime error|violated|terminate|abort' "$log" | head -5 >&2 || true
  fi
done
if [ "$failed" != 0 ]; then
  echo "[fuzz] findings above: fix them, then copy each input to tests/fuzz/regressions/<target>/" >&2
  exit 1
fi
echo "[fuzz] no findings"
