#!/usr/bin/env bash
# Runs test files again and again while CPU burners keep every core busy, and counts the runs
# that passed: the check that a suite holds on a loaded CI machine, not only on a quiet one.
#   bash scripts/repeat-under-load.sh RUNS [vitest args...]
#   bash scripts/repeat-under-load.sh 30 --project pglite e2e/subscription-sharing.e2e.ts
# Each failed run's output is kept in $LOG_DIR (default /tmp/repeat-under-load).
set -uo pipefail
cd "$(dirname "$0")/.."
runs="${1:?usage: repeat-under-load.sh RUNS [vitest args...]}"
shift
log_dir="${LOG_DIR:-/tmp/repeat-under-load}"
mkdir -p "$log_dir"
burners=()
for _ in $(seq 1 "$(nproc)"); do
  (while :; do :; done) &
  burners+=($!)
done
# Only the burners this script started are stopped, by PID.
trap 'kill "${burners[@]}" 2>/dev/null' EXIT
passed=0
failed=0
for i in $(seq 1 "$runs"); do
  if npx vitest run "$@" >"$log_dir/run-$i.log" 2>&1; then
    passed=$((passed + 1))
    rm -f "$log_dir/run-$i.log"
  else
    failed=$((failed + 1))
    echo "run $i failed: $log_dir/run-$i.log"
  fi
  echo "after run $i: $passed passed, $failed failed (load $(cut -d' ' -f1 /proc/loadavg))"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
