#!/usr/bin/env bash
# The main job on a fresh Debian bookworm machine: sets up, builds the local Assistants server
# and the parallel_tools example, starts the server on a free loopback port, and runs a streamed
# conversation with parallel tool calls against it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
cmake --preset release >/dev/null
cmake --build --preset release --target coassist-emulator parallel_tools -j "$(nproc)" >/dev/null

log=$(mktemp -d)
build/release/emulator/coassist-emulator --listen 127.0.0.1:0 --api-key demo-key >"$log/emulator.out" 2>"$log/emulator.err" &
emulator=$!
trap 'kill "$emulator" 2>/dev/null; wait "$emulator" 2>/dev/null; rm -rf "$log"' EXIT
for _ in $(seq 1 100); do
  url=$(sed -n 's/^listening on //p' "$log/emulator.out" | head -n1)
  [ -n "$url" ] && break
  sleep 0.1   # waiting for another process's first output line: no event to wait on from bash
done
[ -n "${url:-}" ] || { echo "the local server did not start:"; cat "$log/emulator.err"; exit 1; }
echo "local Assistants server: $url"
OPENAI_BASE_URL="$url" OPENAI_API_KEY=demo-key build/release/examples/parallel_tools
