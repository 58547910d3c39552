// Which collateral a quote needs (attestation-spec §3.4): TCB info by TEE and FMSPC, QE identity by
// TEE, the PCK CRL by the CA that issued the PCK certificate. Read from the quote's own PCK chain.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "attest/bytes.h"
#include "attest/quote.h"

namespace ratls::proxy {

struct CollateralKey {
  attest::TeeType tee = attest::TeeType::kSgx;
  std::array<std::uint8_t, 6> fmspc{};
  std::string ca;  // "platform" or "processor"

  friend bool operator==(const CollateralKey&, const CollateralKey&) = default;
  // "sgx 00a067110000 processor", for messages and map keys.
  std::string text() const;
};

// The key of a quote: TEE from its header, FMSPC from the PCK leaf's SGX extension, the CA type
// from the leaf's issuer CN ("Intel SGX PCK Platform CA" / "... Processor CA"). nullopt when the
// quote, its PCK chain or the extension cannot be read: verification then fails on its own, with
// a better message than "no collateral".
std::optional<CollateralKey> collateral_key_for_quote(attest::ByteView quote);
// Same, for the quote inside an RA-TLS certificate (PEM or DER).
std::optional<CollateralKey> collateral_key_for_certificate(attest::ByteView der_or_pem);

}  // namespace ratls::proxy
