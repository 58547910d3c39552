#!/usr/bin/env bash
# Soak: the gateway in front of the demo's simulated enclave app and a second simulated app under
# a steady mixed load (bench/soak.py) for SECONDS, with a SIGHUP reload every SOAK_RELOAD_EVERY
# seconds (default 60) alternating two configurations, and the second app restarted every
# SOAK_RESTART_EVERY seconds (default 300). Ends with soak.py's one summary line:
#   soak: <N> requests, <F> failed, <R> reloads, RSS <a> -> <b> MiB (max <m>), fds <c> -> <d>
# Usage: soak.sh BUILD_DIR SECONDS   (SOAK_KEEP=DIR keeps the logs and samples in DIR)
set -euo pipefail
build=${1:?usage: soak.sh BUILD_DIR SECONDS}
seconds=${2:?usage: soak.sh BUILD_DIR SECONDS}
here=$(cd "$(dirname "$0")" && pwd)
bin=$(realpath "$build/ratls-gateway")
tmp=$(mktemp -d)
pids=()
cleanup() {
  [[ -f "$tmp/second.pid" ]] && kill "$(cat "$tmp/second.pid")" 2>/dev/null || true
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  if [[ -n "${SOAK_KEEP:-}" ]]; then mkdir -p "$SOAK_KEEP" && cp "$tmp"/*.log "$tmp"/*.tsv "$tmp"/gw.* "$SOAK_KEEP"/ 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
# shellcheck source=common.sh
source "$here/common.sh"

start_upstream  # the demo: its simulated enclave app on $app_port, its hierarchy in $tmp/demo/sim
sim="$tmp/demo/sim"
"$bin" sim issue "$sim" --mrenclave "$(printf 'ab%.0s' {1..32})" --isv-svn 5 --cert "$tmp/second.pem" \
  --key "$tmp/second.key" >/dev/null
second_port=$(free_port)
cat >"$tmp/restart-second.sh" <<SH
# Stops the second app (if running) and starts it again on the same port.
if [[ -f "$tmp/second.pid" ]]; then kill "\$(cat "$tmp/second.pid")" 2>/dev/null || true; sleep 0.3; fi
/usr/bin/python3 "$here/../tests/integration/peers/https_app.py" $second_port "$tmp/second.pem" \
  "$tmp/second.key" second >>"$tmp/second.log" 2>&1 &
echo \$! >"$tmp/second.pid"
for _ in \$(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$second_port) 2>/dev/null && exit 0; sleep 0.1; done
echo "soak: the second app did not start" >&2; exit 1
SH
bash "$tmp/restart-second.sh"

gw_port=$(free_port)
# Two configurations that differ in what a reload may change while serving (head limits, the
# second app's policy), so every reload really swaps the configuration.
for variant in a b; do
  fields=$([[ $variant == a ]] && echo 100 || echo 120)
  svn=$([[ $variant == a ]] && echo 0 || echo 1)
  cat >"$tmp/config-$variant.json" <<JSON
{"listen": ["127.0.0.1:$gw_port"],
 "apps": [{"name": "demo", "upstream": "https://127.0.0.1:$app_port"},
          {"name": "second", "upstream": "https://127.0.0.1:$second_port",
           "policy": {"min_isv_svn": $svn}}],
 "trust": {"root_ca": "$sim"},
 "collateral": {"offline": "$sim/collateral"},
 "state_dir": "$tmp/state",
 "http": {"max_header_fields": $fields}}
JSON
done
cp "$tmp/config-a.json" "$tmp/config.json"
"$bin" run --config "$tmp/config.json" --log-level info >"$tmp/gw.out" 2>"$tmp/gw.err" &
gw_pid=$!
pids+=("$gw_pid")
wait_port "$gw_port"

/usr/bin/python3 "$here/soak.py" "$seconds" "$gw_pid" "$gw_port" "$tmp/config-a.json" \
  "$tmp/config-b.json" "$tmp/config.json" "$tmp/restart-second.sh"
reloaded=$(grep -c "configuration reloaded" "$tmp/gw.err" || true)
echo "soak: the gateway logged $reloaded reloads"
