#!/usr/bin/env bash
# Installs the Debian 12 packages live-events builds and tests with. Idempotent; needs root
# (or sudo) only when something is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler grpc-proto
  libabsl-dev libboost-dev nlohmann-json3-dev libssl-dev libsqlite3-dev libspdlog-dev
  libhiredis-dev redis-server
  libgtest-dev libgmock-dev
  openssl curl  # The TLS tests make certificates and reach the HTTPS listener with these.
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "installing: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
