#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite.
#   scripts/test.sh           the normal build, in build/
#   scripts/test.sh --asan    the same suite under AddressSanitizer + UBSan, in build-asan/
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# Test-only: promtool (Debian's prometheus package) checks both processes' /metrics and the alert
# rules; without it those tests skip, so the suite installs it rather than let them pass unseen.
if ! command -v promtool >/dev/null; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "installing: prometheus (for promtool)"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends prometheus
fi

if [ "${1:-}" = "--asan" ]; then
  # The benchmarks are built (and so kept compiling) by the normal build only.
  scripts/build.sh build-asan -DLIVEEVENTS_SANITIZE=ON -DLIVEEVENTS_BENCH=OFF
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1
  dir=build-asan
else
  scripts/build.sh build
  dir=build
fi
# The normal suite runs with 1 MiB stacks (threads inherit the limit), so that recursion on
# attacker-controlled depth shows up as a crash here rather than in production. The sanitizers
# need their default stack.
[ "$dir" = build ] && ulimit -s 1024
ctest --test-dir "$dir" --output-on-failure --timeout 300 -j 2
