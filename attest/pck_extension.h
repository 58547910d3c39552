// The Intel SGX extension of PCK certificates (OID 1.2.840.113741.1.13.1): FMSPC, PCE-ID, TCB
// components and PCESVN, the values TCB level matching runs on (attestation-spec §2.4).
#pragma once

#include <openssl/x509.h>

#include <array>
#include <cstdint>
#include <optional>

#include "attest/bytes.h"
#include "attest/status.h"

namespace ratls::attest {

struct PckConfiguration {
  std::optional<bool> dynamic_platform;
  std::optional<bool> cached_keys;
  std::optional<bool> smt_enabled;
};

struct PckExtension {
  std::array<std::uint8_t, 16> ppid{};
  std::array<std::uint8_t, 16> tcb_components{};  // SGX TCB comp 01..16 SVNs
  std::uint16_t pcesvn = 0;
  std::array<std::uint8_t, 16> cpusvn{};
  std::array<std::uint8_t, 2> pce_id{};
  std::array<std::uint8_t, 6> fmspc{};
  int sgx_type = 0;  // 0 Standard, 1 Scalable, 2 Scalable with integrity
  std::optional<std::array<std::uint8_t, 16>> platform_instance_id;
  std::optional<PckConfiguration> configuration;
};

// Parses the extension of `cert`. Every required member (PPID, TCB with 16 components + PCESVN +
// CPUSVN, PCE-ID, FMSPC, SGX type) must be present exactly once with the right type and size.
// Throws AttestError(STATUS_SGX_PCK_INVALID_EXTENSIONS) otherwise.
PckExtension parse_pck_extension(const X509* cert);

// Same, from the extension's DER value (the content of extnValue): for fuzzing and tests.
PckExtension parse_pck_extension_value(ByteView der);

}  // namespace ratls::attest
