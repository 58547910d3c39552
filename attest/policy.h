// What the user expects of a genuine enclave: measurements, product, SVN, debug, TCB statuses and
// advisories. Turns a genuine quote into accept or reject, with every unmet expectation listed.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "attest/status.h"
#include "attest/tcb_status.h"
#include "attest/verifier.h"

namespace ratls::attest {

struct Policy {
  std::vector<std::array<std::uint8_t, 32>> mrenclave;  // empty: any
  std::vector<std::array<std::uint8_t, 32>> mrsigner;   // empty: any
  std::optional<std::uint16_t> isv_prod_id;
  std::optional<std::uint16_t> min_isv_svn;
  bool allow_debug = false;
  std::vector<TcbStatus> accept_tcb{TcbStatus::kUpToDate};
  std::vector<std::string> allow_advisories;  // "*" allows every advisory
};

// Every policy failure (empty = accepted if the quote is also genuine). On a quote whose
// verification stopped early, the measurements are still judged so reports can show them.
std::vector<Error> apply_policy(const Policy& policy, const QuoteVerification& verification);

// MRSIGNER of an enclave signer: SHA-256 of its RSA modulus as little-endian bytes, padded to the
// key size (384 bytes for RSA-3072). Throws AttestError(STATUS_INVALID_PARAMETER) if the PEM is
// not an RSA public key.
std::array<std::uint8_t, 32> mrsigner_from_signer_key_pem(std::string_view pem);

}  // namespace ratls::attest
