#!/bin/sh
# Measures coassist-emulator: requests/second for small GETs (keep-alive connections) and
# events/second for a long scripted stream, of a run (Assistants) and of a response (Responses),
# in the same server. Prints one JSON line per run and the medians.
# usage: benchmarks/emulator/run.sh BUILD_DIR [CONNECTIONS] [THREADS]
set -eu
build=${1:?usage: run.sh BUILD_DIR [CONNECTIONS] [THREADS]}
connections=${2:-4}
threads=${3:-2}
emu=$build/emulator/coassist-emulator
load=$build/emulator/coassist-emulator-load
out=$(mktemp)
trap 'kill $pid 2>/dev/null || true; rm -f "$out"' EXIT
"$emu" --threads "$threads" >"$out" &
pid=$!
i=0
while [ ! -s "$out" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
base=$(sed -n 's/^listening on //p' "$out")
[ -n "$base" ] || { echo "emulator did not start" >&2; exit 1; }
rps=""
for run in 1 2 3 4 5; do
  line=$(timeout 60 "$load" get "$base" --connections "$connections" --seconds 2)
  echo "$line"
  rps="$rps $(echo "$line" | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests_per_second"])')"
done
line=$(timeout 300 "$load" stream "$base" --events 20000 --rounds 5)
echo "$line"
rline=$(timeout 300 "$load" responses_stream "$base" --events 20000 --rounds 5)
echo "$rline"
python3 - "$rps" "$line" "$connections" "$threads" "$rline" <<'PY'
import json, statistics, sys
rps = [float(x) for x in sys.argv[1].split()]
stream = json.loads(sys.argv[2])
responses = json.loads(sys.argv[5])
print(f"small GETs: median {statistics.median(rps):.0f} requests/s over 5 runs "
      f"({sys.argv[3]} connections, {sys.argv[4]} server threads)")
print(f"long stream: median {stream['median_events_per_second']:.0f} events/s "
      f"({stream['events_per_stream']} events per stream, {stream['rounds']} streams)")
print(f"long Responses stream: median {responses['median_events_per_second']:.0f} events/s "
      f"({responses['events_per_stream']} events per stream, {responses['rounds']} streams)")
PY
kill -TERM $pid
wait $pid
