#!/usr/bin/env bash
# Gateway throughput against a direct TLS connection to the same upstream, measured in one run:
# small keep-alive requests (wrk) and a large body (curl), plus the gateway's peak RSS.
# Reports ratios (absolute numbers depend on the machine) and each process's CPU per request.
# Usage: [GATEWAY_THREADS=N] gateway.sh BUILD_DIR [SECONDS]
set -euo pipefail
build=${1:-build}
seconds=${2:-10}
bin="$build/ratls-gateway"
command -v wrk >/dev/null || bash "$(dirname "$0")/../scripts/install-deps.sh" --bench
source "$(dirname "$0")/common.sh"
begin_scratch

# The upstream: the demo's simulated enclave app (its own gateway is not measured).
start_upstream

# The gateway under test, alone in its process so its RSS is its own.
gw_port=$(free_port)
write_gateway_config "$gw_port"
"$bin" run --config "$tmp/config.json" --log-level warning ${GATEWAY_THREADS:+--threads "$GATEWAY_THREADS"} 2>"$tmp/gw.err" &
gw_pid=$!
pids+=($gw_pid)
wait_port "$gw_port"
host="bench.localhost:$gw_port"

# CPU seconds (user + system) a process has used so far.
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"; }
# One wrk run: "requests wrk_cpu_s upstream_cpu_s gateway_cpu_s" (each process's CPU during it).
measure() {
  local a0 g0 a1 g1 TIMEFORMAT='%U %S'
  a0=$(cpu_s "$demo_pid"); g0=$(cpu_s "$gw_pid")
  { time wrk -t1 -c16 -d"${seconds}s" "$@" >"$tmp/wrk.out"; } 2>"$tmp/wrk.time"
  a1=$(cpu_s "$demo_pid"); g1=$(cpu_s "$gw_pid")
  echo "$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$tmp/wrk.out")" \
    "$(awk '{print $1 + $2}' "$tmp/wrk.time")" "$(awk -v a="$a0" -v b="$a1" 'BEGIN {print b - a}')" \
    "$(awk -v a="$g0" -v b="$g1" 'BEGIN {print b - a}')"
}
direct=$(measure "https://127.0.0.1:$app_port/api/info")
proxied=$(measure -H "Host: $host" "http://127.0.0.1:$gw_port/api/info")

bytes=$((1024 * 1024 * 1024))
direct_s=$(curl -sk -o /dev/null -w '%{time_total}' "https://127.0.0.1:$app_port/api/download?bytes=$bytes")
gateway_s=$(curl -s -o /dev/null -w '%{time_total}' -H "Host: $host" "http://127.0.0.1:$gw_port/api/download?bytes=$bytes")
upload="$tmp/upload.bin"
head -c $((256 * 1024 * 1024)) /dev/zero >"$upload"
curl -s -o /dev/null -H "Host: $host" --data-binary "@$upload" "http://127.0.0.1:$gw_port/api/upload"
rss_kib=$(awk '/^VmHWM:/ {print $2}' "/proc/$gw_pid/status")

python3 - "$seconds" "$(nproc)" $direct $proxied "$direct_s" "$gateway_s" "$bytes" "$rss_kib" <<'PY'
import sys
secs, cores = float(sys.argv[1]), int(sys.argv[2])
d_n, d_wrk, d_app, _, g_n, g_wrk, g_app, g_gw = map(float, sys.argv[3:11])
d_s, g_s, size, rss = map(float, sys.argv[11:])
d_rps, g_rps = d_n / secs, g_n / secs
us = lambda cpu, n: cpu / n * 1e6
print(f"small requests/s   direct {d_rps:10.0f}   via gateway {g_rps:10.0f}   ratio {g_rps / d_rps:.2f} (target >= 0.7)")
print(f"  CPU per request  upstream {us(d_app, d_n):5.1f} us direct, {us(g_app, g_n):5.1f} us via gateway;"
      f" wrk {us(d_wrk, d_n):5.1f} / {us(g_wrk, g_n):5.1f} us; gateway {us(g_gw, g_n):5.1f} us")
# All three processes share the machine's cores: the gateway can cost at most this much per request
# for the target ratio to be reachable here at all.
budget = cores / (0.7 * d_rps) * 1e6 - us(g_wrk, g_n) - us(g_app, g_n)
print(f"  on {cores} cores, 0.7x direct leaves the gateway {budget:5.1f} us of CPU per request"
      f" (it uses {us(g_gw, g_n):.1f})")
d_mb, g_mb = size / d_s / 2**20, size / g_s / 2**20
print(f"1 GiB download     direct {d_mb:7.0f} MiB/s   via gateway {g_mb:7.0f} MiB/s   ratio {g_mb / d_mb:.2f} (target >= 0.5)")
print(f"gateway peak RSS   {rss / 1024:.1f} MiB (target < 64 MiB)")
PY
