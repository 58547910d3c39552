#!/usr/bin/env bash
# Whether one large download leaves room for other requests on the same event loop: small
# keep-alive requests (wrk -t1 -c4, latency distribution) before and during a download the
# client reads as fast as it can, through ratls-gateway (--threads 1), HAProxy (nbthread 1) and
# nginx (one worker), each alone in front of the same upstream, in one run. One serving loop
# each, so that every request shares the download's loop.
# Usage: fairness.sh BUILD_DIR [SECONDS]
set -euo pipefail
build=${1:-build}
seconds=${2:-3}
bin="$build/ratls-gateway"
here=$(cd "$(dirname "$0")" && pwd)
source "$here/common.sh"
begin_scratch
source "$here/peers.sh"
ensure_peer_tools

start_upstream
fetch_upstream_certificate

gw_port=$(free_port)
write_gateway_config "$gw_port"
"$bin" run --config "$tmp/config.json" --log-level warning --threads 1 >"$tmp/gw.out" 2>"$tmp/gw.err" &
pids+=($!)

start_nginx 1 1024
start_haproxy 1 1000

for p in "$gw_port" "$ng_port" "$hp_port"; do
  wait_port "$p" || { echo "fairness: nothing listens on port $p" >&2; exit 1; }
done
host="bench.localhost:$gw_port"

# "req/s mean_us p99_us max_us" of one wrk run.
small_requests() {
  wrk -t1 -c4 -d"${seconds}s" --latency -H "Host: $host" "$1/api/info" | python3 -c '
import re, sys
text = sys.stdin.read()
def us(v):
    n, unit = float(re.match(r"[\d.]+", v)[0]), re.sub(r"[\d.]+", "", v)
    return n * {"us": 1, "ms": 1e3, "s": 1e6}[unit]
lat = re.search(r"Latency\s+(\S+)\s+\S+\s+(\S+)", text)
p99 = re.search(r"99%\s+(\S+)", text)
rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
print(f"{float(rps[1]):.0f} {us(lat[1]):.0f} {us(p99[1]):.0f} {us(lat[2]):.0f}")'
}

results="$tmp/results"
: >"$results"
for target in "gateway:$gw_port" "nginx:$ng_port" "haproxy:$hp_port"; do
  IFS=: read -r name port <<<"$target"
  url="http://127.0.0.1:$port"
  wrk -t1 -c4 -d2s -H "Host: $host" "$url/api/info" >/dev/null  # upstream connections open
  echo "$name alone $(small_requests "$url")" >>"$results"
  # Large enough to outlast the measurement at any speed this machine reaches.
  curl -s -o /dev/null -w '%{size_download} %{time_total}' -H "Host: $host" \
    "$url/api/download?bytes=$((64 * 1024 * 1024 * 1024))" --max-time $((seconds + 1)) \
    >"$tmp/download" 2>/dev/null &
  download=$!
  sleep 0.5
  during=$(small_requests "$url")
  wait "$download" || true  # ended by --max-time
  echo "$name during $during $(awk '{printf "%.0f", $1 / $2 / 1048576}' "$tmp/download")" >>"$results"
done

python3 - "$results" <<'PY'
import sys
rows = {}
for line in open(sys.argv[1]):
    name, when, *values = line.split()
    rows[(name, when)] = tuple(float(v) for v in values)
print("small requests on the loop of a running download (wrk -t1 -c4):")
for name in ("gateway", "nginx", "haproxy"):
    a, d = rows[(name, "alone")], rows[(name, "during")]
    print(f"  {name:8s} alone {a[0]:7.0f} req/s, mean {a[1]:6.0f} us, p99 {a[2]:6.0f} us |"
          f" during {d[0]:7.0f} req/s, mean {d[1]:6.0f} us, p99 {d[2]:6.0f} us, max {d[3]:7.0f} us;"
          f" the download meanwhile {d[4]:5.0f} MiB/s")
g, h = rows[("gateway", "during")], rows[("haproxy", "during")]
print(f"  gateway / haproxy during the download: req/s {g[0] / h[0]:.2f}x,"
      f" mean latency {g[1] / h[1]:.2f}x, p99 {g[2] / h[2]:.2f}x; the download {g[4] / h[4]:.2f}x")
PY
