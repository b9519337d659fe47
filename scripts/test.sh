#!/usr/bin/env bash
# Sets up the machine, builds and runs the whole test suite: the g++ release build (unit,
# integration, conformance, fuzz-corpus replay, consumer projects), then the same suite under
# AddressSanitizer + UndefinedBehaviorSanitizer (without the consumer projects, which do not use
# the sanitizers).
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
  # the consumer projects build with the plain compiler whatever the preset: once is enough
  filter=()
  [ "$preset" = release ] || filter=(-LE consumer)
  if ! timeout --kill-after=30 20m ctest --preset "$preset" -j "$jobs" --no-tests=error "${filter[@]}"; then
    status=1
  fi
done
exit $status
