#!/usr/bin/env bash
# Installs everything the build, tests, fuzzers and benchmarks need on Debian bookworm.
# Idempotent: safe to run again; it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

debian_packages=(
  # toolchain
  g++ cmake ninja-build make pkg-config clang-14 libclang-rt-14-dev clang-format-14
  # library dependencies
  libasio-dev libssl-dev openssl ca-certificates
  libboost1.81-dev libboost-url1.81-dev libboost-json1.81-dev
  # tests and benchmarks
  catch2 libbenchmark-dev nginx-light squid tinyproxy python3 python3-jsonschema python3-yaml
  procps iproute2
)

missing=()
for p in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The daemons are only used by tests, which start their own instances on loopback ports.
for svc in nginx squid tinyproxy; do
  if command -v systemctl >/dev/null 2>&1; then systemctl stop "$svc" >/dev/null 2>&1 || true; fi
  pkill -x "$svc" >/dev/null 2>&1 || true
done

# Node.js (the official SDK conformance tests): use the machine's node if it has one.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
if [ -f tests/node/package-lock.json ]; then
  (cd tests/node && { [ -d node_modules/openai ] || npm ci --no-audit --no-fund --loglevel=error; })
fi
echo "setup: ok"
