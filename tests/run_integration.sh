#!/usr/bin/env bash
# Runs the integration tests matching FILTER against one real engine. A test that fails is run
# once more on its own, so one engine hiccup on a loaded 2-core machine does not fail the suite;
# a test that fails again fails it, and so does a crash or more than a few failures at once.
# Every retried test is named in the output ("RETRIED").
# Usage: run_integration.sh BINARY FILTER
set -u
bin=$1
filter=$2
max_retried=3

log=$(mktemp)
trap 'rm -f "$log"' EXIT

"$bin" --gtest_color=no --gtest_filter="$filter" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
[ "$rc" -eq 0 ] && exit 0

if ! grep -q '^\[==========\] [0-9]* tests\? from .* ran\.' "$log"; then
  echo "run_integration: the test binary exited with $rc before finishing its tests (a crash?): failing"
  exit "$rc"
fi
# The per-test result lines: "[  FAILED  ] Suite.Name (12 ms)" (parameterised: "..., where ...").
failed=$(sed -n 's/^\[  FAILED  \] \([^ ,]*\) ([0-9]* ms)$/\1/p; s/^\[  FAILED  \] \([^ ,]*\), where .* ([0-9]* ms)$/\1/p' \
  "$log" | sort -u)
count=$(printf '%s\n' "$failed" | grep -c . || true)
if [ "$count" -eq 0 ]; then
  echo "run_integration: the test binary exited with $rc without naming a failed test: failing"
  exit "$rc"
fi
if [ "$count" -gt "$max_retried" ]; then
  echo "run_integration: $count tests failed: not retrying"
  exit "$rc"
fi

retry_filter=$(printf '%s\n' "$failed" | paste -sd: -)
echo "run_integration: RETRIED once, alone: $retry_filter"
"$bin" --gtest_color=no --gtest_filter="$retry_filter"
rc=$?
if [ "$rc" -eq 0 ]; then
  echo "run_integration: the retried tests passed the second time (flaky on this run): $retry_filter"
fi
exit "$rc"
