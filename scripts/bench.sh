#!/usr/bin/env bash
# Builds the release preset and runs every benchmark with repetitions, printing the medians
# (the machines are shared and noisy: medians and ratios are the figures to quote).
#   scripts/bench.sh                 all benchmarks
#   scripts/bench.sh sse_parse ...   only these (names of benchmarks/<name>.cpp, or "emulator")
# JSON results go to build/release/bench-results/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" >/dev/null

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for f in benchmarks/*.cpp; do names+=("$(basename "$f" .cpp)"); done
  names+=(emulator)
fi
out=build/release/bench-results
mkdir -p "$out"
reps=${COASSIST_BENCH_REPETITIONS:-5}
for name in "${names[@]}"; do
  echo "==> $name"
  if [ "$name" = emulator ]; then
    sh benchmarks/emulator/run.sh build/release | tee "$out/emulator.txt" | tail -n 2
    continue
  fi
  build/release/benchmarks/bench_"$name" --benchmark_repetitions="$reps" \
    --benchmark_report_aggregates_only=true --benchmark_out="$out/$name.json" \
    --benchmark_out_format=json | grep -E "_median|^-|^Benchmark" || true
done
