#!/usr/bin/env bash
# Builds the gateway's libFuzzer target with clang-14 (ASan + UBSan) in build-fuzz/ and runs it.
#   scripts/fuzz.sh [seconds] [libFuzzer flags...]
#   scripts/fuzz.sh 60                      what CI runs
#   scripts/fuzz.sh 0 -runs=10000000        a fixed number of executions instead of a time limit
# New inputs go to build-fuzz/corpus (the checked-in seeds in tests/fuzz/corpus stay untouched);
# a crash leaves its reproducer in build-fuzz/artifacts/ and makes the script fail. Reproduce with
#   build-fuzz/bin/request_handler_fuzz build-fuzz/artifacts/crash-<sha1>
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true

# Only the fuzz path needs clang and libFuzzer, so they are not in install-deps.sh.
scripts/install-deps.sh
missing=()
for package in clang-14 libfuzzer-14-dev; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Lean: only the proto library, the gateway library and the fuzzer (no tests, service or client).
CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DLIVEEVENTS_FUZZ=ON -DLIVEEVENTS_TESTS=OFF -DLIVEEVENTS_BENCH=OFF -DLIVEEVENTS_PARTS=gateway \
  >/dev/null
cmake --build build-fuzz -j "$(nproc)" --target request_handler_fuzz

mkdir -p build-fuzz/corpus build-fuzz/artifacts
# Inputs up to the gateway's default body limit (--max_body_bytes, 65536): a body that fits is a
# body an attacker can send, and small inputs once hid a stack overflow on 32 000 nested arrays.
max_len=65536
# A small stack (1 MiB, an eighth of the usual 8 MiB default that io threads inherit), so that
# recursion on input depth fails here long before it could on an io thread in production.
ulimit -s 1024
limits=()
[ "$seconds" != "0" ] && limits+=("-max_total_time=$seconds")
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
build-fuzz/bin/request_handler_fuzz build-fuzz/corpus tests/fuzz/corpus \
  -dict=tests/fuzz/request_handler.dict -max_len="$max_len" -timeout=10 -print_final_stats=1 \
  -artifact_prefix=build-fuzz/artifacts/ "${limits[@]}" "$@"
