#!/usr/bin/env bash
# Sets up the machine, builds and runs the whole test suite: the g++ release build (unit,
# integration, conformance, fuzz-corpus replay, consumer projects), then the same suite under
# AddressSanitizer + UndefinedBehaviorSanitizer.
#   scripts/test.sh            everything (what CI runs)
#   scripts/test.sh release    one preset only (release | asan | tsan | debug)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

presets=("$@")
[ ${#presets[@]} -gt 0 ] || presets=(release asan)
jobs=$(nproc)

status=0
for preset in "${presets[@]}"; do
  echo "==> [$preset] configure and build"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
  echo "==> [$preset] test"
  # every test has its own TIMEOUT; this bounds the whole run too, so a stuck run still reports
  if ! timeout --kill-after=30 20m ctest --preset "$preset" -j "$jobs" --no-tests=error; then
    status=1
  fi
done
exit $status
