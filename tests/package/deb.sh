#!/usr/bin/env bash
# Package.Deb: builds the Debian package from an already built tree with cpack, into a temporary
# folder (so it never races `make deb`), then checks it: control fields (dpkg-deb -f), the exact
# file list with modes and owners (dpkg-deb -c), lintian, and, extracted with dpkg-deb -x, the
# packaged binary (--version, verify on real vectors) and the packaged systemd user units
# (systemd-analyze --user verify). docs/packaging.md explains each check.
#
# Usage: deb.sh BUILD_DIR SOURCE_DIR TESTDATA_DIR PROJECT_VERSION
set -euo pipefail

build=$1 src=$2 data=$3 project_version=$4

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
step() { echo "== $*"; }

# The package's version is the changelog's: upstream version (the project's) and Debian revision.
version=$(dpkg-parsechangelog -l "$src/packaging/deb/changelog" -S Version)
[[ $version == "$project_version"-* ]] ||
  fail "packaging/deb/changelog is at $version, the project at $project_version"
arch=$(dpkg --print-architecture)

step "cpack -G DEB (from $build)"
cpack --config "$build/CPackConfig.cmake" -G DEB -B "$tmp/out" >"$tmp/cpack.log" 2>&1 ||
  { cat "$tmp/cpack.log"; fail "cpack failed"; exit 1; }
deb=$tmp/out/ratls-gateway_${version}_${arch}.deb
[[ -f $deb ]] || { ls -l "$tmp/out"; fail "no $(basename "$deb")"; exit 1; }
echo "$(basename "$deb"): $(stat -c %s "$deb") bytes"

step "control fields (dpkg-deb -f)"
field() { dpkg-deb -f "$deb" "$1"; }
expect_field() {
  local got
  got=$(field "$1")
  [[ $got == "$2" ]] || fail "$1: '$got', expected '$2'"
}
expect_field Package ratls-gateway
expect_field Version "$version"
expect_field Architecture "$arch"
expect_field Section net
expect_field Priority optional
[[ -n $(field Maintainer) ]] || fail "no Maintainer"
[[ -n $(field Installed-Size) ]] || fail "no Installed-Size"
# A synopsis line and an extended description.
description=$(field Description)
synopsis=$(head -n1 <<<"$description")
[[ $synopsis == "verified loopback endpoints for enclave web apps (RA-TLS)" ]] ||
  fail "Description synopsis: $synopsis"
(($(wc -l <<<"$description") >= 5)) || fail "no extended Description"
# Depends comes from dpkg-shlibdeps: one entry per shared library package the binary links.
depends=$(field Depends)
echo "Depends: $depends"
depends_names=$(sed -E 's/ *\([^)]*\)//g; s/, */\n/g' <<<"$depends")
for pkg in libc6 libssl3 libsystemd0 libnss3 libsodium23 libjemalloc2 libstdc++6; do
  grep -qxF "$pkg" <<<"$depends_names" || fail "Depends lacks $pkg"
done

step "file list (dpkg-deb -c): paths, modes, owners"
dpkg-deb -c "$deb" | awk '{print $1, $2, $6}' | sort -k3 >"$tmp/contents.actual"
{
  d='drwxr-xr-x root/root' f='-rw-r--r-- root/root' x='-rwxr-xr-x root/root'
  echo "$d ./usr/"
  echo "$d ./usr/bin/"
  echo "$x ./usr/bin/ratls-gateway"
  echo "$d ./usr/lib/"
  echo "$d ./usr/lib/systemd/"
  echo "$d ./usr/lib/systemd/user/"
  echo "$f ./usr/lib/systemd/user/ratls-gateway.service"
  echo "$f ./usr/lib/systemd/user/ratls-gateway.socket"
  echo "$d ./usr/share/"
  echo "$d ./usr/share/doc/"
  echo "$d ./usr/share/doc/ratls-gateway/"
  echo "$f ./usr/share/doc/ratls-gateway/changelog.Debian.gz"
  echo "$f ./usr/share/doc/ratls-gateway/copyright"
  for md in "$src"/docs/*.md; do echo "$f ./usr/share/doc/ratls-gateway/$(basename "$md")"; done
  echo "$d ./usr/share/man/"
  echo "$d ./usr/share/man/man1/"
  echo "$f ./usr/share/man/man1/ratls-gateway.1.gz"
  echo "$d ./usr/share/ratls-gateway/"
  echo "$f ./usr/share/ratls-gateway/example.json"
  echo "$f ./usr/share/ratls-gateway/schema.json"
} | sort -k3 >"$tmp/contents.expected"
diff -u "$tmp/contents.expected" "$tmp/contents.actual" ||
  fail "file list differs (- expected, + packaged)"

step "lintian --fail-on error"
# Every warning and info tag must be listed, with its reason, in docs/packaging.md.
lintian_rc=0
lintian --fail-on error --display-info "$deb" >"$tmp/lintian.out" 2>"$tmp/lintian.err" ||
  lintian_rc=$?
cat "$tmp/lintian.out"
grep -v 'running with root privileges is not recommended' "$tmp/lintian.err" >&2 || true
((lintian_rc == 0)) || fail "lintian exit status $lintian_rc"
while read -r tag; do
  grep -q "\`$tag\`" "$src/docs/packaging.md" ||
    fail "lintian tag $tag is not explained in docs/packaging.md"
done < <(sed -nE 's/^[WI]: ratls-gateway: ([a-z0-9+.-]+).*/\1/p' "$tmp/lintian.out" | sort -u)

step "extracted package (dpkg-deb -x)"
root=$tmp/root
dpkg-deb -x "$deb" "$root"
bin=$root/usr/bin/ratls-gateway
doc=$root/usr/share/doc/ratls-gateway
service=$root/usr/lib/systemd/user/ratls-gateway.service
# Read whole first: grep -q quits at the first match, and with pipefail a SIGPIPE in readelf would
# turn "found" into "not found".
sections=$(readelf -S "$bin")
if grep -q '\.symtab' <<<"$sections"; then fail "usr/bin/ratls-gateway is not stripped"; fi
# gzip -9n is deterministic: the packaged files must be exactly these.
cmp -s <(gzip -9nc "$src/docs/ratls-gateway.1") "$root/usr/share/man/man1/ratls-gateway.1.gz" ||
  fail "the man page is not docs/ratls-gateway.1 compressed with gzip -9n"
cmp -s <(gzip -9nc "$src/packaging/deb/changelog") "$doc/changelog.Debian.gz" ||
  fail "changelog.Debian.gz is not packaging/deb/changelog compressed with gzip -9n"
cmp -s "$src/packaging/deb/copyright" "$doc/copyright" ||
  fail "copyright is not packaging/deb/copyright"
head -n1 "$doc/copyright" |
  grep -qx 'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/' ||
  fail "copyright is not in the machine-readable format"
grep -qx 'ExecStart=/usr/bin/ratls-gateway run' "$service" ||
  fail "the service's ExecStart is not /usr/bin/ratls-gateway run: $(grep ExecStart "$service")"

# The packaged binary, with a home of its own (nothing read from or written to the caller's).
export HOME=$tmp/home XDG_CONFIG_HOME=$tmp/home/.config XDG_CACHE_HOME=$tmp/home/.cache
export XDG_STATE_HOME=$tmp/home/.local/state
mkdir -p "$HOME"
got=$("$bin" --version) || fail "--version exited $?"
[[ $got == "ratls-gateway $project_version" ]] || fail "--version: '$got'"
echo "$got"

# A real SGX v3 quote with its collateral (Phala-Network/dcap-qvl, tests/data/real/PROVENANCE.md),
# accepted under a policy that allows its TCB status and advisories
# (as CliVerify.AcceptedWhenPolicyAllowsIt).
rc=0
out=$("$bin" verify --quote "$data/dcap/phala_dcap_qvl/sgx_v3_quote.bin" \
  --collateral "$data/dcap/phala_dcap_qvl/sgx_v3_quote.collateral.json" --at 2025-07-19T10:01:17Z \
  --accept-tcb UpToDate,ConfigurationAndSWHardeningNeeded \
  --allow-advisory INTEL-SA-00289 --allow-advisory INTEL-SA-00615 \
  --mrenclave 33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb 2>&1) || rc=$?
if ((rc != 0)) || [[ $out != VERIFIED* ]]; then
  echo "$out"
  fail "verify --quote: exit $rc, expected 0 and VERIFIED"
fi
echo "verify --quote sgx_v3_quote.bin: exit $rc, $(head -n1 <<<"$out")"
# A real Cosmian RA-TLS certificate, offline and without collateral: its fields and key binding
# are reported, and it is rejected (exit 1)
# (as CliVerifyCert.RealCosmianCertificateReportsItsFields).
rc=0
"$bin" verify --cert "$data/cosmian/cloud_2023-09_devcosmianio_ratls_cert.pem" \
  --at 2023-09-19T10:00:00Z --json --offline --cache-dir "$tmp/cache" >"$tmp/cert.json" || rc=$?
((rc == 1)) || fail "verify --cert: exit $rc, expected 1"
python3 - "$tmp/cert.json" <<'EOF' || fail "verify --cert: unexpected report"
import json, sys
j = json.load(open(sys.argv[1]))
want = {"verdict": "rejected", "format": "cosmian-sgx", "binding": "ok",
        "cert_sha256": "b76c583a054f02613fdde83f3fa42063f43bc95c51980e37fd7c8a43887f6acd",
        "mrenclave": "958e39c89abec8cfb5ce01961a50860c770c75b01e64ed77847097f9705ed7bd"}
bad = {k: j.get(k) for k, v in want.items() if j.get(k) != v}
if j["errors"][0]["code"] != "STATUS_MISSING_COLLATERAL":
    bad["errors[0].code"] = j["errors"][0]["code"]
print("verify --cert cloud_2023-09_devcosmianio_ratls_cert.pem: exit 1,", j["verdict"], j["format"],
      "binding", j["binding"], j["errors"][0]["code"])
if bad:
    print("unexpected:", bad, file=sys.stderr)
    sys.exit(1)
EOF

step "systemd-analyze --user verify (the packaged units)"
# verify needs ExecStart's /usr/bin/ratls-gateway to be executable and runs man(1) for
# Documentation=man:ratls-gateway(1). In a private mount namespace the package's usr/bin is
# overlaid on /usr/bin, as after installation (the host's /usr/bin is untouched), and MANPATH
# points at the packaged man page. No running systemd is needed; a user manager needs
# XDG_RUNTIME_DIR. systemd-analyze prints nothing for clean units: any output is a failure
# (unknown keys and bad values are only warnings, with exit status 0).
units=("$root/usr/lib/systemd/user/ratls-gateway.socket" "$service")
export XDG_RUNTIME_DIR=$tmp/run
mkdir -m 700 "$XDG_RUNTIME_DIR"
if [[ $(id -u) -eq 0 ]]; then
  ns=(unshare --mount --propagation private)
else
  ns=(unshare --user --map-root-user --mount)
fi
# shellcheck disable=SC2016 # expanded by the inner sh
overlay='mount -t overlay overlay -o "lowerdir=$1/usr/bin:/usr/bin" /usr/bin && shift && exec "$@"'
rc=0
if "${ns[@]}" sh -c "$overlay" sh "$root" true 2>"$tmp/ns.err"; then
  MANPATH=$root/usr/share/man "${ns[@]}" sh -c "$overlay" sh "$root" \
    systemd-analyze --user verify "${units[@]}" >"$tmp/sa.out" 2>&1 || rc=$?
else
  # No mount namespace here (a container without CAP_SYS_ADMIN or user namespaces): the same units
  # with ExecStart pointed at the extracted binary; the packaged ExecStart is checked above.
  echo "note: no private mount namespace ($(head -n1 "$tmp/ns.err"));" \
    "verifying a copy of the service with ExecStart=$bin"
  mkdir "$tmp/units"
  cp "${units[0]}" "$tmp/units/"
  sed "s|^ExecStart=/usr/bin/ratls-gateway |ExecStart=$bin |" "$service" \
    >"$tmp/units/ratls-gateway.service"
  MANPATH=$root/usr/share/man systemd-analyze --user verify "$tmp/units/ratls-gateway.socket" \
    "$tmp/units/ratls-gateway.service" >"$tmp/sa.out" 2>&1 || rc=$?
fi
cat "$tmp/sa.out"
if ((rc == 0)) && [[ ! -s $tmp/sa.out ]]; then
  echo "systemd-analyze --user verify: no findings"
else
  fail "systemd-analyze verify: exit $rc, output above"
fi

if ((failures > 0)); then
  echo "Package.Deb: $failures failure(s)" >&2
  exit 1
fi
echo "Package.Deb: all checks passed"
