#!/usr/bin/env bash
# make test's soak: bench/soak.sh for 60 s with a reload every 15 s and the second app restarted
# every 25 s. Passes when no request failed, the gateway reloaded every time, and its descriptors
# did not grow between the first and the last sample (taken under the same load; 7 clients open
# and close connections all the time, each up to 2 descriptors at the gateway: 4 of slack).
set -euo pipefail
build=${1:?usage: soak_test.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
out=$(SOAK_RELOAD_EVERY=15 SOAK_RESTART_EVERY=25 bash "$here/../../bench/soak.sh" "$build" 60 2>&1) || {
  echo "$out"
  exit 1
}
echo "$out"
line=$(grep '^soak: [0-9]* requests' <<<"$out") || { echo "no summary line"; exit 1; }
read -r requests failed reloads fds_first fds_last < <(sed -E \
  's/^soak: ([0-9]+) requests, ([0-9]+) failed, ([0-9]+) reloads, .* fds ([0-9]+) -> ([0-9]+)$/\1 \2 \3 \4 \5/' <<<"$line")
logged=$(sed -nE 's/^soak: the gateway logged ([0-9]+) reloads$/\1/p' <<<"$out")
status=0
((requests > 1000)) || { echo "FAIL: only $requests requests"; status=1; }
((failed == 0)) || { echo "FAIL: $failed requests failed"; status=1; }
((reloads >= 3 && logged == reloads)) || { echo "FAIL: $reloads reloads sent, $logged logged"; status=1; }
((fds_last <= fds_first + 4)) || { echo "FAIL: descriptors grew from $fds_first to $fds_last"; status=1; }
exit $status
