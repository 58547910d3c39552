#!/usr/bin/env bash
# A long fuzzing session: every target for SECONDS, JOBS at a time, each over a working corpus
# seeded from tests/fuzz/corpus/<target>; then each working corpus is minimized (-merge=1) back into
# tests/fuzz/corpus/<target>, so the next `make test` fuzz run starts from what it found.
# Prints one line per target (executions, coverage edges, features, corpus) and the total.
# Crash reproducers stay in WORK_DIR/crash-<target>-*; the script exits 1 if there is any.
# Usage: campaign.sh BUILD_FUZZ_DIR [SECONDS_PER_TARGET] [JOBS] [WORK_DIR]
set -euo pipefail
build=$(cd "$1" && pwd)
seconds=${2:-300}
jobs=${3:-2}
here=$(cd "$(dirname "$0")" && pwd)
work=${4:-$(mktemp -d)}
mkdir -p "$work"
targets=(fuzz_collateral fuzz_config fuzz_pins fuzz_quote fuzz_ratls_cert fuzz_http1_request
  fuzz_http1_response fuzz_https_url fuzz_pck_extension fuzz_cbor)

run_target() {  # run_target TARGET: one session, its summary line in WORK/TARGET.summary
  local t=$1 dir="$work/$1"
  mkdir -p "$dir"
  if [[ -d "$here/corpus/$t" ]]; then cp -n "$here/corpus/$t"/* "$dir/" 2>/dev/null || true; fi
  "$build/tests/fuzz/$t" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$work/crash-$t-" "$dir" >"$work/$t.log" 2>&1 || true
  local execs cov ft
  execs=$(awk '/stat::number_of_executed_units/ {print $2}' "$work/$t.log")
  cov=$(grep -oE 'cov: [0-9]+' "$work/$t.log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -oE 'ft: [0-9]+' "$work/$t.log" | tail -1 | cut -d' ' -f2)
  echo "$t executions ${execs:-0} cov ${cov:-?} ft ${ft:-?}" >"$work/$t.summary"
}
export -f run_target
export build seconds here work

printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'run_target {}'

total=0
for t in "${targets[@]}"; do
  mkdir -p "$here/corpus/$t"
  merged=$(mktemp -d)
  "$build/tests/fuzz/$t" -merge=1 -max_len=65536 "$merged" "$here/corpus/$t" "$work/$t" \
    >"$work/$t.merge.log" 2>&1
  rm -f "$here/corpus/$t"/*
  cp "$merged"/* "$here/corpus/$t/" 2>/dev/null || true
  rm -rf "$merged"
  echo "$(cat "$work/$t.summary") corpus $(find "$here/corpus/$t" -type f | wc -l)"
  total=$((total + $(awk '{print $3}' "$work/$t.summary")))
done
echo "campaign: $total executions in all"
if compgen -G "$work/crash-*" >/dev/null; then
  echo "campaign: crashes found, reproducers in $work" >&2
  exit 1
fi
