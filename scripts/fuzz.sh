#!/usr/bin/env bash
# Builds the libFuzzer targets with the `fuzz` preset (clang 14, -fsanitize=fuzzer,address,undefined)
# and runs each chosen target for SECONDS, all at once, at the lowest CPU priority.
#   scripts/fuzz.sh [SECONDS] [TARGET...]     e.g. scripts/fuzz.sh 600 http_response http_chunked
# SECONDS defaults to 600; TARGETs default to every fuzz/targets/*.cpp. The seed corpus
# (fuzz/corpus/<target>/, committed) is only read: new inputs go to fuzz/findings/<target>/corpus/,
# crashes/leaks/timeouts to fuzz/findings/<target>/ (gitignored). Copy a fixed finding into
# fuzz/corpus/<target>/ so that ctest replays it forever after.
# Environment: FUZZ_BUILD_DIR (default build/fuzz), FUZZ_JOBS (build parallelism, default 2),
# FUZZ_MAX_LEN (default 16384).
# Exit status: 0 when no target found anything, 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-600}
[ $# -gt 0 ] && shift
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in fuzz/targets/*.cpp; do targets+=("$(basename "$f" .cpp)"); done
fi
build_dir=${FUZZ_BUILD_DIR:-build/fuzz}
jobs=${FUZZ_JOBS:-2}
max_len=${FUZZ_MAX_LEN:-16384}

echo "==> configure and build ${targets[*]} in $build_dir"
cmake --preset fuzz -B "$build_dir" >/dev/null
build_targets=()
for t in "${targets[@]}"; do build_targets+=("fuzz_$t"); done
nice -n 19 cmake --build "$build_dir" --target "${build_targets[@]}" -j "$jobs"

pids=()
for t in "${targets[@]}"; do
  out=fuzz/findings/$t
  mkdir -p "$out/corpus"
  echo "==> fuzz_$t for ${seconds}s (log: $out/fuzz.log)"
  # the working corpus first: libFuzzer adds new inputs to the first directory only
  nice -n 19 "$build_dir/fuzz/fuzz_$t" "$out/corpus" "fuzz/corpus/$t" \
    -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$out/" -print_final_stats=1 >"$out/fuzz.log" 2>&1 &
  pids+=($!)
done

status=0
for i in "${!targets[@]}"; do
  t=${targets[$i]}
  out=fuzz/findings/$t
  rc=0
  wait "${pids[$i]}" || rc=$?
  execs=$(grep -E '^stat::number_of_executed_units:' "$out/fuzz.log" | awk '{print $2}' || true)
  speed=$(grep -E '^stat::average_exec_per_sec:' "$out/fuzz.log" | awk '{print $2}' || true)
  cov=$(grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE).*cov:' "$out/fuzz.log" | tail -1 |
    sed -E 's/.*cov: ([0-9]+).*/\1/' || true)
  findings=$(find "$out" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  echo "fuzz_$t: exit=$rc executions=${execs:-?} execs/s=${speed:-?} coverage=${cov:-?} findings=$findings"
  if [ "$rc" -ne 0 ] || [ "$findings" -ne 0 ]; then
    status=1
    tail -n 40 "$out/fuzz.log"
  fi
done
exit $status
