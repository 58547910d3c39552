#!/usr/bin/env bash
# Memory for idle keep-alive connections: the gateway alone in its process, in front of the demo's
# simulated enclave app (another process). N connections each make one request and stay open; the
# gateway's RSS before, while they are held, and 5 s after they close (bench/idle_connections.py).
# Run twice: the second burst shows whether memory from the first was reused or returned.
# Usage: idle_memory.sh BUILD_DIR [N]
set -euo pipefail
build=${1:-build}
n=${2:-10000}
bin="$build/ratls-gateway"
here=$(cd "$(dirname "$0")" && pwd)
source "$here/common.sh"
begin_scratch
# Each process here (the client and the gateway) holds one descriptor per connection.
need=$((n + 1000))
if (($(ulimit -n) < need)); then ulimit -n "$need" 2>/dev/null || { echo "idle_memory: need ulimit -n >= $need" >&2; exit 1; }; fi

start_upstream
gw_port=$(free_port)
write_gateway_config "$gw_port"
${GATEWAY_WRAPPER:-} "$bin" run --config "$tmp/config.json" >"$tmp/gw.out" 2>"$tmp/gw.err" &
gw_pid=$!
pids+=($gw_pid)
wait_port "$gw_port"
python3 "$here/idle_connections.py" "$gw_port" "$gw_pid" "bench.localhost:$gw_port" "$n"
python3 "$here/idle_connections.py" "$gw_port" "$gw_pid" "bench.localhost:$gw_port" "$n"
