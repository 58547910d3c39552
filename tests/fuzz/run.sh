#!/usr/bin/env bash
# Runs every fuzz target for a bounded time over seeds taken from the real vectors.
# Usage: run.sh BUILD_DIR SECONDS
set -euo pipefail
build=$1
seconds=${2:-20}
here=$(cd "$(dirname "$0")" && pwd)
real=$(cd "$here/../../../shared/testdata/real" 2>/dev/null && pwd || true)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

seed() {  # seed TARGET FILES...
  local dir="$work/$1"
  mkdir -p "$dir"
  shift
  for f in "$@"; do [[ -f "$f" ]] && cp "$f" "$dir/"; done
  if [[ -d "$here/corpus/${dir##*/}" ]]; then cp "$here/corpus/${dir##*/}"/* "$dir/" 2>/dev/null || true; fi
}

if [[ -n "$real" ]]; then
  seed fuzz_quote "$real"/dcap/phala_dcap_qvl/*.bin "$real"/cosmian/*.bin "$real"/dcap/google_go_tdx_guest/*.bin
  seed fuzz_collateral "$real"/dcap/phala_dcap_qvl/*.json "$real"/cosmian/msehome_2023-05_evidence.json \
    "$real"/dcap/google_go_tdx_guest/*.json "$real"/cosmian/msehome_2023-05_*.json
  seed fuzz_pck_extension
else
  seed fuzz_quote; seed fuzz_collateral; seed fuzz_pck_extension
fi

failed=0
for target in fuzz_quote fuzz_collateral fuzz_pck_extension; do
  echo "fuzz: $target for ${seconds}s"
  if ! (cd "$work" && "$OLDPWD/$build/tests/fuzz/$target" -max_total_time="$seconds" -rss_limit_mb=2048 \
        -max_len=65536 -print_final_stats=1 "$work/$target" 2>"$work/$target.log"); then
    tail -50 "$work/$target.log"
    failed=1
  else
    grep -E "stat::number_of_executed_units|Done" "$work/$target.log" | tail -2 || true
  fi
done
exit $failed
