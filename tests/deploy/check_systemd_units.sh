#!/usr/bin/env bash
# Checks deploy/systemd/*.service with what this machine's systemd offers:
#   systemd-analyze verify                       (the unit files are valid and the binaries exist)
#   systemd-analyze security --offline=yes       (exposure at most 3.0, the issue's bar)
# Usage: tests/deploy/check_systemd_units.sh [BIN_DIR]   (default build/bin)
# The units name /usr/local/bin; verify runs on copies that point at BIN_DIR instead, so the
# check needs no installation. Exit 77 (ctest: skipped) when systemd-analyze is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin_dir="$(realpath "${1:-build/bin}")"
max_exposure=30  # systemd-analyze's --threshold is the exposure times 10.

if ! command -v systemd-analyze >/dev/null; then
  echo "SKIP: systemd-analyze is not installed (apt-get install systemd)"
  exit 77
fi
copies="$(mktemp -d)"
trap 'rm -rf "$copies"' EXIT
status=0
for unit in deploy/systemd/*.service; do
  name="$(basename "$unit")"
  sed "s|/usr/local/bin/|$bin_dir/|g" "$unit" >"$copies/$name"
  if ! systemd-analyze verify "$copies/$name"; then
    echo "FAIL: systemd-analyze verify $unit"
    status=1
  fi
  if ! systemd-analyze security --help | grep -q -- '--offline'; then
    echo "SKIP: this systemd-analyze ($(systemd-analyze --version | head -1)) has no --offline"
    continue
  fi
  # Offline analysis reads the file as written; the exposure does not depend on the binary path.
  if report="$(systemd-analyze security --offline=yes --threshold="$max_exposure" "$unit" 2>&1)"; then
    echo "ok: $(tail -1 <<<"$report")"
  else
    echo "$report"
    echo "FAIL: $unit is rated above $((max_exposure / 10)).0"
    status=1
  fi
done
exit "$status"
