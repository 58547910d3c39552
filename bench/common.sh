# Shared by the benchmark scripts (sourced): a scratch directory, free ports, waiting for a
# listener, the demo's simulated enclave app as the upstream, and a gateway configuration in front
# of it. The caller calls begin_scratch first and defines `bin` (the ratls-gateway binary).

# $tmp, a scratch directory, and $pids, the processes started: both gone when the script exits.
begin_scratch() {
  tmp=$(mktemp -d)
  pids=()
  trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT
}

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

# Starts the demo (its own gateway is not measured) and sets demo_pid and app_port (the simulated
# enclave app's HTTPS port).
start_upstream() {
  local demo_port
  demo_port=$(free_port)
  "$bin" demo --listen "127.0.0.1:$demo_port" --state-dir "$tmp/demo" --log-level warning \
    >"$tmp/demo.out" 2>"$tmp/demo.err" &
  demo_pid=$!
  pids+=("$demo_pid")
  wait_port "$demo_port"
  app_port=""
  for _ in $(seq 100); do  # the banner follows the listeners by a moment
    app_port=$(sed -n 's|.*simulated enclave app  https://127.0.0.1:\([0-9]*\).*|\1|p' "$tmp/demo.out")
    [[ -n "$app_port" ]] && return 0
    sleep 0.1
  done
  echo "bench: the demo's upstream did not start" >&2
  return 1
}

# Writes $tmp/config.json: one app "bench" in front of the upstream, the gateway on port $1.
write_gateway_config() {
  cat >"$tmp/config.json" <<JSON
{"listen": ["127.0.0.1:$1"],
 "apps": [{"name": "bench", "upstream": "https://127.0.0.1:$app_port"}],
 "trust": {"root_ca": "$tmp/demo/sim"},
 "collateral": {"offline": "$tmp/demo/sim/collateral"},
 "state_dir": "$tmp/state"}
JSON
}
