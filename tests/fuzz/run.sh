#!/usr/bin/env bash
# Runs every fuzz target for a bounded time over seeds taken from the real vectors (never copied
# into the repository: the corpora live in a temporary directory). Crash reproducers are kept in
# BUILD_DIR/fuzz-artifacts/.
# Usage: run.sh BUILD_DIR [SECONDS_PER_TARGET]
set -euo pipefail
build=$(cd "$1" && pwd)
seconds=${2:-20}
here=$(cd "$(dirname "$0")" && pwd)
real=$(cd "$here/../data/real" 2>/dev/null && pwd) || real=""
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
artifacts="$build/fuzz-artifacts"
mkdir -p "$artifacts"

targets=(fuzz_quote fuzz_collateral fuzz_pck_extension fuzz_ratls_cert fuzz_cbor fuzz_config fuzz_pins fuzz_https_url
  fuzz_http1_request fuzz_http1_response)
have_openssl=$(command -v openssl || true)

seed() {  # seed TARGET FILES...
  local dir="$work/$1"
  mkdir -p "$dir"
  shift
  for f in "$@"; do [[ -f "$f" ]] && cp "$f" "$dir/"; done
  if [[ -d "$here/corpus/${dir##*/}" ]]; then cp "$here/corpus/${dir##*/}"/* "$dir/" 2>/dev/null || true; fi
}

hex_of() { od -An -v -tx1 "$1" | tr -d ' \n'; }

# The first PEM certificate found in a (binary) file, on stdout. Every reader of a pipe here reads
# to the end: one that quits early gets its writer SIGPIPE, and with pipefail the script ends 141.
first_pem_cert() {
  LC_ALL=C tr -c '[:print:]\n' '\n' <"$1" |
    awk '!done && /-----BEGIN CERTIFICATE-----/ {inside = 1}
         inside {print}
         inside && /-----END CERTIFICATE-----/ {inside = 0; done = 1}'
}

# The DER value of the PCK SGX extension (1.2.840.113741.1.13.1) of a PEM certificate.
pck_extension_value() {  # pem out
  local off
  off=$(openssl asn1parse -in "$1" 2>/dev/null |
    awk '!found && /:1\.2\.840\.113741\.1\.13\.1$/ {getline; split($0, a, ":"); print a[1] + 0; found = 1}')
  if [[ -n "$off" ]]; then
    openssl asn1parse -in "$1" -strparse "$off" -noout -out "$2" >/dev/null 2>&1 || true
  fi
}

# A self-signed certificate carrying extension OID=hex-of-DER-value, as DER.
cert_with_extension() {  # out curve oid hexfile
  openssl req -x509 -newkey ec -pkeyopt "ec_paramgen_curve:$2" -nodes -keyout /dev/null \
    -subj "/CN=fuzz seed/O=GramineDevelopers" -days 1 -addext "$3=DER:$(cat "$4")" \
    -outform DER -out "$1" >/dev/null 2>&1 || true
}

if [[ -n "$real" ]]; then
  quotes=("$real"/dcap/phala_dcap_qvl/*.bin "$real"/cosmian/*.bin "$real"/dcap/google_go_tdx_guest/*.bin
    "$real"/dcap/gramine_ratls_mccoysc/*.bin)

  # Quotes: raw, plus one as hex text (decode_quote_file's other path).
  seed fuzz_quote "${quotes[@]}"
  hex_of "$real/dcap/phala_dcap_qvl/sgx_v3_quote.bin" >"$work/fuzz_quote/sgx_v3_quote.hex"

  # Collateral: the container formats, the PCS bodies, and the signed tcbInfo/enclaveIdentity
  # objects cut out of compact PCS bodies (what parse_tcb_info/parse_qe_identity take).
  seed fuzz_collateral "$real"/dcap/phala_dcap_qvl/*.json "$real"/cosmian/msehome_2023-05_*.json \
    "$real"/dcap/google_go_tdx_guest/*.json "$real"/dcap/cosmian_enclave/evidence.json
  for f in "$real"/cosmian/msehome_2023-05_tcbinfo_*.json "$real"/cosmian/msehome_2023-05_qe_identity.json \
    "$real"/dcap/google_go_tdx_guest/*.response.json; do
    sed -E 's/^\{"(tcbInfo|enclaveIdentity)"://; s/,"signature":"[0-9a-fA-F]*"\}$//' "$f" \
      >"$work/fuzz_collateral/signed_$(basename "$f")"
  done

  # PCK extension values, from the PCK certificates and the leaves of the quotes' chains.
  seed fuzz_pck_extension
  if [[ -n "$have_openssl" ]]; then
    n=0
    for src in "$real"/cosmian/pck_cert_from_*.pem "${quotes[@]}"; do
      first_pem_cert "$src" >"$work/leaf.pem"
      pck_extension_value "$work/leaf.pem" "$work/fuzz_pck_extension/pck_ext_$n.der"
      n=$((n + 1))
    done
    find "$work/fuzz_pck_extension" -size 0 -delete
  fi

  # RA-TLS certificates: PEM and DER, an ordinary certificate, and generated Gramine-style seeds
  # (TCG DICE tagged evidence in CBOR, and the doubly wrapped legacy OID) around a real quote.
  ratls=("$real"/cosmian/*ratls_cert.pem "$real"/dcap/cosmian_tee_tools/*ratls*.pem
    "$real"/dcap/cosmian_enclave/ratls_cert_from_evidence.pem)
  seed fuzz_ratls_cert "${ratls[@]}"
  if [[ -n "$have_openssl" ]]; then
    n=0
    for pem in "${ratls[@]}" "$real/cosmian/owner_ssl_letsencrypt_fullchain_wildcard_dev.cosmilink.com.pem"; do
      openssl x509 -in "$pem" -outform DER -out "$work/fuzz_ratls_cert/cert_$n.der" 2>/dev/null || true
      n=$((n + 1))
    done
    q="$real/dcap/gramine_ratls_mccoysc/sgx_v3_quote_from_gramine_ratls_cert.bin"
    if [[ -f "$q" ]]; then
      qlen=$(wc -c <"$q")
      # CBOR: tag 60000, [bstr(quote), bstr({"pubkey-hash": [1, bstr(32 zero bytes)]})]
      {
        printf '\xd9\xea\x60\x82\x59'
        printf '%b' "\\x$(printf %02x $((qlen >> 8)))\\x$(printf %02x $((qlen & 255)))"
        cat "$q"
        printf '\x58\x31\xa1\x6bpubkey-hash\x82\x01\x58\x20'
        head -c 32 /dev/zero
      } >"$work/dice.cbor"
      hex_of "$work/dice.cbor" >"$work/dice.hex"
      seed fuzz_cbor
      cp "$work/dice.cbor" "$work/fuzz_cbor/"
      cert_with_extension "$work/fuzz_ratls_cert/gramine_dice.der" P-384 2.23.133.5.4.9 "$work/dice.hex"
      hex_of "$q" >"$work/quote.hex"
      cert_with_extension "$work/fuzz_ratls_cert/gramine_legacy.der" P-384 0.6.9.42.840.113741.1337.6 \
        "$work/quote.hex"
    fi
    find "$work/fuzz_ratls_cert" -size 0 -delete
  fi
else
  for target in "${targets[@]}"; do seed "$target"; done
fi

# Configuration and pins: the annotated example, and a pins file as the gateway writes it.
seed fuzz_config "$here/../../config/example.json"
seed fuzz_pins
h64=$(printf 'a%.0s' {1..64})
cat >"$work/fuzz_pins/pins.json" <<JSON
{"version":1,"apps":{"demo":{"pin":{"cert_sha256":"$h64","spki_sha256":"$h64","mrenclave":"$h64",
"mrsigner":"$h64","isv_prod_id":1,"isv_svn":2,"tcb_status":"UpToDate","advisory_ids":["INTEL-SA-00615"],
"collateral_expiry":"2026-12-23T00:00:00Z","verified_at":"2026-11-23T00:00:00Z","simulated":true},
"pending_reason":"measurement changed"}}}
JSON

seed fuzz_https_url
seed fuzz_cbor  # the DICE evidence made above, when the real vectors are here
seed fuzz_http1_request  # raw request and response cases from tests/fuzz/corpus/
seed fuzz_http1_response
for u in 'https://Pccs.Example.COM:8081/sgx/certification/v4?x=1' 'https://[0:0:0:0:0:0:0:1]:8443/' \
  'https://127.0.0.1' 'https://my_app.example.com#f'; do
  printf '%s' "$u" >"$work/fuzz_https_url/$(printf '%s' "$u" | md5sum | cut -c1-8)"
done

failed=0
for target in "${targets[@]}"; do
  echo "fuzz: $target for ${seconds}s ($(find "$work/$target" -type f | wc -l) seeds)"
  if ! (cd "$work" && "$build/tests/fuzz/$target" -max_total_time="$seconds" -timeout=25 \
        -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
        -artifact_prefix="$artifacts/$target-" "$work/$target" 2>"$work/$target.log"); then
    tail -50 "$work/$target.log"
    echo "fuzz: $target FAILED (reproducer in $artifacts)"
    failed=1
  else
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb|Done" "$work/$target.log" | tail -3 || true
  fi
done
exit $failed
