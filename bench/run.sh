#!/usr/bin/env bash
# Runs the verification benchmarks and prints full verification as a ratio of the unavoidable
# crypto floor measured in the same process (absolute times vary by machine; the ratio should not).
# Usage: run.sh BUILD_DIR
set -euo pipefail
build=${1:-build}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$build/bench/bench_verify" --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
  --benchmark_format=json >"$out"
python3 - "$out" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
med = {b["run_name"]: b["real_time"] for b in data["benchmarks"] if b.get("aggregate_name") == "median"}
unit = next(b["time_unit"] for b in data["benchmarks"])
for name, t in med.items():
    print(f"{name:32s} {t:12.1f} {unit} (median of 5)")
full, floor = med["BM_FullVerification"], med["BM_UnavoidableCryptoFloor"]
print(f"full verification / unavoidable floor = {full / floor:.2f}x (target <= 1.5x)")
PY
