#!/usr/bin/env bash
# Runs the cluster tests N times in a row and prints "N passed, M failed" (runs, not tests).
# Usage: tools/benchmarks/soak_cluster_tests.sh [N] [--hog] [-- PYTEST-ARGS...]
#   --hog   keeps every core busy beside the tests (one busy loop per core), as on a loaded CI machine
# Each run's output goes to .cache/soak/run-K.log; a failed run's summary lines are printed.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
runs=10 hog=false extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --hog) hog=true ;;
    --) shift; extra=("$@"); break ;;
    ''|*[!0-9]*) echo "usage: $0 [N] [--hog] [-- PYTEST-ARGS...]" >&2; exit 2 ;;
    *) runs=$1 ;;
  esac
  shift
done

make --no-print-directory tools cluster-tools >/dev/null
export PATH="$root/.cache/bin:$root/.cache/venv/bin:$PATH"
logs="$root/.cache/soak"
mkdir -p "$logs"

hogs=()
stop_hogs() { [[ ${#hogs[@]} -eq 0 ]] || kill "${hogs[@]}" 2>/dev/null || true; }
trap stop_hogs EXIT
# Stopped by hand: the run in progress stops too, and the cluster it started is taken down.
trap 'stop_hogs; pkill -TERM -P $$ || true; wait; quikapp-charts cluster down >/dev/null 2>&1 || true; exit 130' INT TERM
if $hog; then
  for _ in $(seq "$(nproc)"); do
    ( while :; do :; done ) &
    hogs+=($!)
  done
  echo "CPU hog: ${#hogs[@]} busy loops beside the tests" >&2
fi

passed=0 failed=0
for k in $(seq "$runs"); do
  start=$(date +%s)
  # In the background and waited for, so that a stop by hand reaches the trap at once.
  python -m pytest -m cluster -q -p no:cacheprovider "${extra[@]}" >"$logs/run-$k.log" 2>&1 &
  if wait $!; then
    passed=$((passed + 1)) verdict=passed
  else
    failed=$((failed + 1)) verdict=FAILED
  fi
  echo "run $k/$runs: $verdict in $(( $(date +%s) - start ))s ($(tail -n 1 "$logs/run-$k.log"))" >&2
  [[ $verdict == passed ]] || grep -E '^(FAILED|ERROR) ' "$logs/run-$k.log" | head -n 10 >&2 || true
done
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
