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
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
# Each process here (the client and the gateway) holds one descriptor per connection.
need=$((n + 1000))
if (($(ulimit -n) < need)); then ulimit -n "$need" 2>/dev/null || { echo "idle_memory: need ulimit -n >= $need" >&2; exit 1; }; fi

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

demo_port=$(free_port)
"$bin" demo --listen "127.0.0.1:$demo_port" --state-dir "$tmp/demo" >"$tmp/demo.out" 2>"$tmp/demo.err" &
pids+=($!)
wait_port "$demo_port"
app_port=""
for _ in $(seq 100); do
  app_port=$(sed -n 's|.*simulated enclave app  https://127.0.0.1:\([0-9]*\).*|\1|p' "$tmp/demo.out")
  [[ -n "$app_port" ]] && break
  sleep 0.1
done

gw_port=$(free_port)
cat >"$tmp/config.json" <<JSON
{"listen": ["127.0.0.1:$gw_port"],
 "apps": [{"name": "bench", "upstream": "https://127.0.0.1:$app_port"}],
 "trust": {"root_ca": "$tmp/demo/sim"},
 "collateral": {"offline": "$tmp/demo/sim/collateral"},
 "state_dir": "$tmp/state"}
JSON
${GATEWAY_WRAPPER:-} "$bin" run --config "$tmp/config.json" >"$tmp/gw.out" 2>"$tmp/gw.err" &
gw_pid=$!
pids+=($gw_pid)
wait_port "$gw_port"
python3 "$here/idle_connections.py" "$gw_port" "$gw_pid" "bench.localhost:$gw_port" "$n"
python3 "$here/idle_connections.py" "$gw_port" "$gw_pid" "bench.localhost:$gw_port" "$n"
