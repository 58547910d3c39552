// libFuzzer target: collateral JSON — format detection, the dcap-qvl / Cosmian / directory
// decoders, TCB info and QE identity parsing (of the input itself and of whatever a decoder
// extracted), CRL and issuer chain decoding, and raw_json_member. Only AttestError may escape.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "attest/collateral.h"
#include "attest/json_raw.h"
#include "attest/qe_identity.h"
#include "attest/tcb_info.h"
#include "attest/x509.h"

namespace {

using namespace ratls::attest;

template <typename F>
void guarded(F&& f) {
  try {
    f();
  } catch (const AttestError&) {
  }
}

// What the verifier does with decoded collateral.
void use(const Collateral& c) {
  guarded([&] { (void)parse_tcb_info(c.tcb_info.body); });
  guarded([&] { (void)parse_qe_identity(c.qe_identity.body); });
  guarded([&] { (void)parse_crl(c.pck_crl); });
  guarded([&] { (void)parse_crl(c.root_ca_crl); });
  guarded([&] {
    (void)parse_pem_chain(c.tcb_info_issuer_chain, Status::STATUS_SGX_TCB_SIGNING_CERT_INVALID);
  });
  if (c.tcb_info.signature.size() != 64 || c.qe_identity.signature.size() != 64) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  for (std::string_view key : {"tcbInfo", "enclaveIdentity", "signature", "tcb_info"}) {
    if (auto raw = raw_json_member(text, key)) {
      // The span lies inside the document.
      if (raw->data() < text.data() || raw->data() + raw->size() > text.data() + text.size()) {
        __builtin_trap();
      }
    }
  }
  (void)is_strict_json(text);

  const std::string_view kind = detect_collateral_json(text);
  if (!kind.empty() && kind != "dcap-qvl" && kind != "cosmian-evidence") __builtin_trap();

  guarded([&] { use(collateral_from_dcap_qvl_json(text)); });
  guarded([&] { use(collateral_from_cosmian_evidence(text)); });
  guarded([&] {
    const Bytes bytes(data, data + size);
    std::map<std::string, Bytes> files{
        {"tcb_info.json", bytes},
        {"qe_identity.json", bytes},
        {"tcb_info_issuer_chain.pem", bytes},
        {"qe_identity_issuer_chain.pem", bytes},
        {"pck_crl.der", bytes},
        {"root_ca_crl.hex", bytes},
    };
    use(collateral_from_files(files));
  });
  guarded(
      [&] { (void)split_signed_response(text, "tcbInfo", Status::STATUS_SGX_TCB_INFO_INVALID); });

  // The input as the signed bytes themselves.
  guarded([&] { (void)parse_tcb_info(text); });
  guarded([&] { (void)parse_qe_identity(text); });
  return 0;
}
