#!/usr/bin/env bash
# ratls-gateway against nginx and HAProxy as TLS-verifying reverse proxies, all in front of the same
# upstream (the demo's simulated enclave app, its own process) in one run, two rounds:
#   small keep-alive requests (wrk -t1 -c16, SECONDS per target and round, in five interleaved
#   slices): requests/s and each proxy's CPU per request;
#   a 1 GiB download (curl); then, once, 64 keep-alive clients at once (wrk -t1 -c64, three
#   interleaved slices); peak RSS; N idle keep-alive connections (RSS held, and 5 s after close).
# Ratios are against the direct TLS connection (requests, download) measured in the same round.
# How nginx and HAProxy are set up, and what they verify: bench/peers.sh.
# Usage: compare.sh BUILD_DIR [SECONDS] [IDLE_CONNECTIONS]
set -euo pipefail
build=${1:-build}
seconds=${2:-10}
idle_n=${3:-10000}
bin="$build/ratls-gateway"
here=$(cd "$(dirname "$0")" && pwd)
# The client and the gateway or nginx hold a descriptor per idle connection; HAProxy reserves two
# per connection it may accept (client and server side). The limit is raised to the hard one (as
# root, above it), and a proxy the machine cannot give N connections is measured with fewer.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
idle_for() {  # the count for a proxy that needs $1 descriptors per connection
  local cap=$((($(ulimit -n) - 1000) / $1))
  if ((idle_n > cap)); then
    echo "compare: $idle_n idle connections need more descriptors than this machine allows a" \
      "proxy with $1 per connection (ulimit -Hn $(ulimit -Hn)); measuring $cap" >&2
    echo "$cap"
  else
    echo "$idle_n"
  fi
}
declare -A idle_count=([gateway]=$(idle_for 1) [nginx]=$(idle_for 1) [haproxy]=$(idle_for 2))
source "$here/common.sh"
begin_scratch

source "$here/peers.sh"
ensure_peer_tools
# CPU seconds (user + system) of a process and its children so far.
cpu_s() {
  local total=0 p
  for p in "$1" $(cat "/proc/$1/task/$1/children" 2>/dev/null); do
    total=$(awk -v t="$total" -v hz="$(getconf CLK_TCK)" '{print t + ($14 + $15) / hz}' "/proc/$p/stat")
  done
  echo "$total"
}
peak_rss_kib() {
  local total=0 p
  for p in "$1" $(cat "/proc/$1/task/$1/children" 2>/dev/null); do
    total=$((total + $(awk '/^VmHWM:/ {print $2}' "/proc/$p/status")))
  done
  echo "$total"
}

# The upstream.
start_upstream
fetch_upstream_certificate

# ratls-gateway.
gw_port=$(free_port)
write_gateway_config "$gw_port"
# Start to READY=1 (sd_notify) with the collateral already on disk, on a port of its own.
su_port=$(free_port)
sed "s/127.0.0.1:$gw_port\"/127.0.0.1:$su_port\"/; s|$tmp/state\"|$tmp/state-startup\"|" \
  "$tmp/config.json" >"$tmp/startup.json"
startup=$(python3 "$here/startup_time.py" "$bin" "$tmp/startup.json" 5)
"$bin" run --config "$tmp/config.json" --log-level warning ${GATEWAY_THREADS:+--threads "$GATEWAY_THREADS"} 2>"$tmp/gw.err" &
gw_pid=$!
pids+=($gw_pid)

# nginx: two workers (the machine's cores); HAProxy: two threads.
start_nginx "$(nproc)" $((idle_count[nginx] + 1000))
start_haproxy "$(nproc)" $((idle_count[haproxy] + 200))

for p in "$gw_port" "$ng_port" "$hp_port"; do
  wait_port "$p" || { echo "compare: nothing listens on port $p" >&2; cat "$tmp/nginx/stderr" "$tmp/nginx/error.log" "$tmp/haproxy.err" "$tmp/gw.err" >&2 2>/dev/null; exit 1; }
done
host="bench.localhost:$gw_port"
# "name:pid:port" of each proxy under test.
proxies=("gateway:$gw_pid:$gw_port" "nginx:$ng_pid:$ng_port" "haproxy:$hp_pid:$hp_port")
for p in "${proxies[@]}"; do
  IFS=: read -r name pid port <<<"$p"
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Host: $host" "http://127.0.0.1:$port/api/info")
  if [[ "$code" != 200 ]]; then
    echo "compare: $name answered $code to a first request (is its upstream verification set up?)" >&2
    cat "$tmp/nginx/error.log" "$tmp/haproxy.err" "$tmp/gw.err" >&2 2>/dev/null || true
    exit 1
  fi
done

# One wrk slice against URL: "requests proxy_cpu_s" (the proxy's CPU during it; 0 for direct).
# Each slice is preceded by 1 s of the same load, unmeasured: the target's upstream connections
# are open again (an idle pool closes them after a few seconds) and its caches warm.
# CLIENTS keep-alive connections at once (16 unless given).
measure() {
  local pid=$1 url=$2 secs=$3 clients=${4:-16} c0 c1
  wrk -t1 -c"$clients" -d1s -H "Host: $host" "$url" >/dev/null
  c0=$([[ "$pid" == 0 ]] && echo 0 || cpu_s "$pid")
  wrk -t1 -c"$clients" -d"${secs}s" -H "Host: $host" "$url" >"$tmp/wrk.out"
  c1=$([[ "$pid" == 0 ]] && echo 0 || cpu_s "$pid")
  echo "$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$tmp/wrk.out") $(awk -v a="$c0" -v b="$c1" 'BEGIN {print b - a}')"
}
download() {  # seconds for 1 GiB
  curl -sk -o /dev/null -w '%{time_total}' -H "Host: $host" "$1/api/download?bytes=$((1024 * 1024 * 1024))"
}

results="$tmp/results"
: >"$results"
# The first seconds of load after start-up ran slower for whatever came first (the machine, the
# upstream, page faults): every target gets 5 s of it before the first round.
wrk -t1 -c16 -d5s -H "Host: $host" "https://127.0.0.1:$app_port/api/info" >/dev/null
for p in "${proxies[@]}"; do
  IFS=: read -r name pid port <<<"$p"
  wrk -t1 -c16 -d5s -H "Host: $host" "http://127.0.0.1:$port/api/info" >/dev/null
done
# A round measures each target's requests in five slices, interleaved, each slice starting with
# another target: a drift of the machine during the round (another process, the upstream's heap,
# a slower first minute) falls on every target alike, and none always follows the same one.
# Then one 1 GiB download each.
slices=5
slice_s=$((seconds / slices > 0 ? seconds / slices : 1))
targets=("direct:0:$app_port" "${proxies[@]}")
url_of() {
  if [[ "$1" == direct ]]; then echo "https://127.0.0.1:$2"; else echo "http://127.0.0.1:$2"; fi
}
# Every target in SLICES interleaved slices of CLIENTS connections, the first slice starting at
# target OFFSET: the totals in slice_requests and slice_cpu, by target name.
declare -A slice_requests=() slice_cpu=()
measure_interleaved() {
  local count=$1 clients=$2 offset=$3 k i name pid port n c
  slice_requests=()
  slice_cpu=()
  for ((k = 0; k < count; k++)); do
    for ((i = 0; i < ${#targets[@]}; i++)); do
      IFS=: read -r name pid port <<<"${targets[$(((i + k + offset) % ${#targets[@]}))]}"
      read -r n c <<<"$(measure "$pid" "$(url_of "$name" "$port")/api/info" "$slice_s" "$clients")"
      slice_requests[$name]=$((${slice_requests[$name]:-0} + n))
      slice_cpu[$name]=$(awk -v a="${slice_cpu[$name]:-0}" -v b="$c" 'BEGIN {print a + b}')
    done
  done
}
for round in 1 2; do
  measure_interleaved "$slices" 16 $((round - 1))
  for t in "${targets[@]}"; do
    IFS=: read -r name pid port <<<"$t"
    echo "round $round: $name ${slice_requests[$name]} ${slice_cpu[$name]} $(download "$(url_of "$name" "$port")")" >>"$results"
  done
done
# Many clients at once: 64 keep-alive connections, more than a loop of any proxy keeps idle
# upstream connections for by some fixed count (a pool of 16 per loop once made the gateway
# handshake and verify again for most requests at this load). Three interleaved slices.
many_slices=3
measure_interleaved "$many_slices" 64 0
for t in "${targets[@]}"; do
  IFS=: read -r name pid port <<<"$t"
  echo "many: $name ${slice_requests[$name]} ${slice_cpu[$name]}" >>"$results"
done
for p in "${proxies[@]}"; do
  IFS=: read -r name pid port <<<"$p"
  echo "peak: $name $(peak_rss_kib "$pid")" >>"$results"
  echo "idle: $name $(python3 "$here/idle_connections.py" "$port" "$pid" "$host" "${idle_count[$name]}")" >>"$results"
done

echo "$startup"
python3 - "$((slices * slice_s))" "$results" "$((many_slices * slice_s))" <<'PY'
import re, sys
secs = float(sys.argv[1])
many_secs = float(sys.argv[3])
rows = {}
many = {}
peak, idle = {}, {}
for line in open(sys.argv[2]):
    if line.startswith("many:"):
        _, name, n, cpu = line.split()
        many[name] = (float(n) / many_secs, float(cpu) / float(n) * 1e6 if float(n) else 0)
    elif line.startswith("round"):
        m = re.match(r"round (\d): (\w+) (\d+) ([\d.]+) ([\d.]+)", line)
        rnd, name, n, cpu, dl = int(m[1]), m[2], float(m[3]), float(m[4]), float(m[5])
        rows.setdefault(rnd, {})[name] = (n / secs, cpu / n * 1e6 if n else 0, 1024 / dl)
    elif line.startswith("peak:"):
        _, name, kib = line.split()
        peak[name] = float(kib) / 1024
    elif line.startswith("idle:"):
        name = line.split()[1]
        m = re.search(r"(\d+) connections, RSS ([\d.]+) -> ([\d.]+) MiB \(([-\d.]+) KiB each\), 5 s after close ([\d.]+) MiB", line)
        idle[name] = tuple(float(x) for x in m.groups())
for rnd, r in sorted(rows.items()):
    d_rps, _, d_mib = r["direct"]
    print(f"round {rnd}: direct {d_rps:8.0f} req/s, 1 GiB at {d_mib:6.0f} MiB/s")
    for name in ("gateway", "nginx", "haproxy"):
        rps, us, mib = r[name]
        print(f"  {name:8s} {rps:8.0f} req/s ({rps / d_rps:.2f}x direct)  CPU {us:5.1f} us/request"
              f"  1 GiB {mib:6.0f} MiB/s ({mib / d_mib:.2f}x direct)")
    (g_rps, g_us, g_mib), (h_rps, h_us, h_mib) = r["gateway"], r["haproxy"]
    print(f"  gateway / haproxy: req/s {g_rps / h_rps:.2f}x, CPU per request {g_us / h_us:.2f}x,"
          f" download {g_mib / h_mib:.2f}x")
d_rps = many["direct"][0]
print(f"64 clients: direct {d_rps:8.0f} req/s")
for name in ("gateway", "nginx", "haproxy"):
    rps, us = many[name]
    print(f"  {name:8s} {rps:8.0f} req/s ({rps / d_rps:.2f}x direct)  CPU {us:5.1f} us/request")
(g_rps, g_us), (h_rps, h_us) = many["gateway"], many["haproxy"]
print(f"  gateway / haproxy: req/s {g_rps / h_rps:.2f}x, CPU per request {g_us / h_us:.2f}x")
for name in ("gateway", "nginx", "haproxy"):
    n, b, h, each, after = idle[name]
    print(f"{name:8s} peak RSS {peak[name]:6.1f} MiB; {n:.0f} idle connections: RSS {b:.1f} -> {h:.1f} MiB"
          f" ({each:.1f} KiB each), 5 s after close {after:.1f} MiB")
PY
