// SGX DCAP quotes v3 (attestation-spec §1) built and signed by the simulated QE: the inverse of
// parse_quote, so the simulated hierarchy exercises exactly the verifier real quotes go through.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "attest/bytes.h"
#include "attest/x509.h"

namespace ratls::attest::sim {

// The application enclave's identity and the data it binds.
struct EnclaveSpec {
  std::array<std::uint8_t, 32> mrenclave{};
  std::array<std::uint8_t, 32> mrsigner{};
  std::uint16_t isv_prod_id = 0;
  std::uint16_t isv_svn = 0;
  bool debug = false;
  std::array<std::uint8_t, 64> report_data{};
};

// What the simulated platform's QE needs to sign a quote.
struct QuotingEnclave {
  EVP_PKEY* attestation_key = nullptr;  // signs header + body
  EVP_PKEY* pck_key = nullptr;          // signs the QE report
  std::string pck_chain_pem;            // PCK leaf, PCK CA, root
  std::array<std::uint8_t, 32> qe_mrsigner{};
  std::uint16_t qe_isv_prod_id = 1;
  std::uint16_t qe_isv_svn = 0;
  std::uint16_t pce_svn = 0;
};

// 384-byte SGX report body.
Bytes encode_enclave_report(const std::array<std::uint8_t, 16>& cpusvn, std::uint64_t flags,
                            std::uint64_t xfrm, const std::array<std::uint8_t, 32>& mrenclave,
                            const std::array<std::uint8_t, 32>& mrsigner, std::uint16_t isv_prod_id,
                            std::uint16_t isv_svn, const std::array<std::uint8_t, 64>& report_data);

// A complete, correctly signed SGX quote v3 with certification data type 5 (PEM chain + NUL).
Bytes build_sgx_quote(const EnclaveSpec& enclave, const QuotingEnclave& qe);

}  // namespace ratls::attest::sim
