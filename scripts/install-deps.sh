#!/usr/bin/env bash
# Installs the Debian packages ratls-gateway needs to build and test.
# Idempotent: packages already present are skipped, so a warm machine costs one dpkg query.
# Works as root, or through sudo for a normal user.
set -euo pipefail

BUILD_PKGS=(
  libboost1.81-dev libssl-dev libnss3-dev nlohmann-json3-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev libsystemd-dev
  libsodium-dev  # seal: crypto_box_seal to an enclave's X25519 key (docs/sealing.md)
  libjemalloc-dev  # the daemon's allocator: returns a burst's memory (docs/benchmarks.md)
  pkg-config ninja-build cmake g++ clang libclang-rt-14-dev ccache openssl
  dpkg-dev  # make deb: dpkg-shlibdeps computes the package's Depends
)
# Peers the integration tests run against (real programs, never mocks).
TEST_PKGS=(curl libnss3-tools python3 python3-websockets python3-flask nginx-light
  chromium firefox-esr systemd python3-prometheus-client haproxy python3-h11
  python3-nacl  # opens what `seal` sealed (tests/integration/test_cli_seal.cpp)
  # Flask on hypercorn as Cosmian's enclave runtime serves apps; asgiref's WsgiToAsgi streams a
  # Flask generator (tests/integration/test_hypercorn_app.cpp)
  python3-hypercorn python3-asgiref
  lintian)  # Package.Deb checks the .deb (lintian brings man-db, which systemd-analyze verify runs)

# Benchmarks only (make bench): load generators.
BENCH_PKGS=(wrk)

want=("${BUILD_PKGS[@]}")
case "${1:-}" in
  --build-only) ;;
  --bench) want+=("${TEST_PKGS[@]}" "${BENCH_PKGS[@]}") ;;
  *) want+=("${TEST_PKGS[@]}") ;;
esac

missing=()
for p in "${want[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "deps: all ${#want[@]} packages present"
  exit 0
fi

echo "deps: installing ${missing[*]}"
if [[ $(id -u) -eq 0 ]]; then
  SUDO=()
elif command -v sudo >/dev/null; then
  SUDO=(sudo)
else
  echo "deps: need root or sudo to install: ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
