#include "attest/sim/quote_builder.h"

#include <algorithm>

#include "attest/sim/pki.h"

namespace ratls::attest::sim {

namespace {

constexpr std::array<std::uint8_t, 16> kIntelQeVendorId = {
    0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9, 0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07};
// Enclave attribute flags (attestation-spec §1.3).
constexpr std::uint64_t kInit = 0x01;
constexpr std::uint64_t kDebug = 0x02;
constexpr std::uint64_t kMode64 = 0x04;
constexpr std::uint64_t kProvisionKey = 0x10;
constexpr std::uint64_t kXfrmLegacy = 0xe7;  // x87, SSE, AVX, ... as on real platforms

void put_le(Bytes& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

template <std::size_t N>
void put(Bytes& out, const std::array<std::uint8_t, N>& a) {
  out.insert(out.end(), a.begin(), a.end());
}

void put_zero(Bytes& out, std::size_t n) {
  out.insert(out.end(), n, 0);
}

}  // namespace

Bytes encode_enclave_report(const std::array<std::uint8_t, 16>& cpusvn, std::uint64_t flags,
                            std::uint64_t xfrm, const std::array<std::uint8_t, 32>& mrenclave,
                            const std::array<std::uint8_t, 32>& mrsigner, std::uint16_t isv_prod_id,
                            std::uint16_t isv_svn,
                            const std::array<std::uint8_t, 64>& report_data) {
  Bytes r;
  put(r, cpusvn);
  put_le(r, 0, 4);  // MISCSELECT
  put_zero(r, 12);  // CET attributes + reserved1
  put_zero(r, 16);  // ISVEXTPRODID
  put_le(r, flags, 8);
  put_le(r, xfrm, 8);
  put(r, mrenclave);
  put_zero(r, 32);  // reserved2
  put(r, mrsigner);
  put_zero(r, 32);  // reserved3
  put_zero(r, 64);  // CONFIGID
  put_le(r, isv_prod_id, 2);
  put_le(r, isv_svn, 2);
  put_le(r, 0, 2);  // CONFIGSVN
  put_zero(r, 42);  // reserved4
  put_zero(r, 16);  // ISVFAMILYID
  put(r, report_data);
  return r;
}

Bytes build_sgx_quote(const EnclaveSpec& enclave, const QuotingEnclave& qe) {
  const std::array<std::uint8_t, 16> cpusvn{5, 5, 2, 2, 255, 1};
  Bytes q;
  put_le(q, 3, 2);  // version
  put_le(q, 2, 2);  // ECDSA-256-with-P-256
  put_le(q, 0, 4);  // reserved (SGX)
  put_le(q, qe.qe_isv_svn, 2);
  put_le(q, qe.pce_svn, 2);
  put(q, kIntelQeVendorId);
  put_zero(q, 20);  // user data
  const std::uint64_t flags = kInit | kMode64 | (enclave.debug ? kDebug : 0);
  const Bytes body =
      encode_enclave_report(cpusvn, flags, kXfrmLegacy, enclave.mrenclave, enclave.mrsigner,
                            enclave.isv_prod_id, enclave.isv_svn, enclave.report_data);
  q.insert(q.end(), body.begin(), body.end());

  const Bytes att_point = p256_raw_point(qe.attestation_key);
  const std::array<std::uint8_t, 32> auth_data = [] {
    std::array<std::uint8_t, 32> a{};
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<std::uint8_t>(i);
    return a;
  }();
  // The QE report binds the attestation key: REPORTDATA = SHA-256(key || auth data) || 0^32.
  Bytes binding = att_point;
  binding.insert(binding.end(), auth_data.begin(), auth_data.end());
  const Bytes binding_hash = sha256(binding);
  std::array<std::uint8_t, 64> qe_report_data{};
  std::copy(binding_hash.begin(), binding_hash.end(), qe_report_data.begin());
  const std::array<std::uint8_t, 32> qe_mrenclave{};
  const Bytes qe_report =
      encode_enclave_report(cpusvn, kInit | kMode64 | kProvisionKey, kXfrmLegacy, qe_mrenclave,
                            qe.qe_mrsigner, qe.qe_isv_prod_id, qe.qe_isv_svn, qe_report_data);

  Bytes cert_data(qe.pck_chain_pem.begin(), qe.pck_chain_pem.end());
  cert_data.push_back(0);  // real QEs NUL-terminate the chain

  Bytes sig;
  put(sig, sign_raw(qe.attestation_key, q));
  sig.insert(sig.end(), att_point.begin(), att_point.end());
  sig.insert(sig.end(), qe_report.begin(), qe_report.end());
  put(sig, sign_raw(qe.pck_key, qe_report));
  put_le(sig, auth_data.size(), 2);
  put(sig, auth_data);
  put_le(sig, 5, 2);  // PCK certificate chain
  put_le(sig, cert_data.size(), 4);
  sig.insert(sig.end(), cert_data.begin(), cert_data.end());

  put_le(q, sig.size(), 4);
  q.insert(q.end(), sig.begin(), sig.end());
  return q;
}

}  // namespace ratls::attest::sim
