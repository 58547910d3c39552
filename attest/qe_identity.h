// Intel enclave identity (QE / TD_QE / QVE, version 2), parsed from the exact signed bytes of the
// `enclaveIdentity` member (attestation-spec §2.6).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "attest/tcb_info.h"

namespace ratls::attest {

struct QeIdentity {
  std::string id;  // "QE", "TD_QE", "QVE"
  int version = 0;
  UnixTime issue_date = 0;
  UnixTime next_update = 0;
  std::uint32_t tcb_evaluation_data_number = 0;
  std::array<std::uint8_t, 4> miscselect{};  // raw bytes in report memory order
  std::array<std::uint8_t, 4> miscselect_mask{};
  std::array<std::uint8_t, 16> attributes{};
  std::array<std::uint8_t, 16> attributes_mask{};
  std::array<std::uint8_t, 32> mrsigner{};
  std::uint16_t isvprodid = 0;
  std::vector<IsvTcbLevel> levels;  // in document order
};

// Throws AttestError(STATUS_SGX_ENCLAVE_IDENTITY_UNSUPPORTED_FORMAT) for malformed input,
// STATUS_SGX_ENCLAVE_IDENTITY_UNSUPPORTED_VERSION for a version other than 2,
// STATUS_TCB_UNRECOGNIZED_STATUS for an unknown tcbStatus.
QeIdentity parse_qe_identity(std::string_view signed_json);

}  // namespace ratls::attest
