// Intel TCB Info (PCS v3 = version 2, PCS v4 = version 3), parsed from the exact signed bytes of the
// `tcbInfo` member (attestation-spec §2.5). Signature checks are the verifier's job.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "attest/bytes.h"
#include "attest/tcb_status.h"
#include "attest/time.h"

namespace ratls::attest {

struct TcbLevel {
  std::array<std::uint8_t, 16> sgx_components{};
  std::uint16_t pcesvn = 0;
  std::optional<std::array<std::uint8_t, 16>> tdx_components;  // TDX TCB info only
  UnixTime tcb_date = 0;
  TcbStatus status = TcbStatus::kUpToDate;
  std::vector<std::string> advisory_ids;
};

// A level keyed by a single ISVSVN: QE identity levels and TDX module identity levels.
struct IsvTcbLevel {
  std::uint16_t isvsvn = 0;
  UnixTime tcb_date = 0;
  TcbStatus status = TcbStatus::kUpToDate;
  std::vector<std::string> advisory_ids;
};

struct TdxModule {
  std::array<std::uint8_t, 48> mrsigner{};
  std::array<std::uint8_t, 8> attributes{};
  std::array<std::uint8_t, 8> attributes_mask{};
};

struct TdxModuleIdentity {
  std::string id;  // "TDX_01", ...
  TdxModule module;
  std::vector<IsvTcbLevel> levels;
};

struct TcbInfo {
  std::string id;   // "SGX" or "TDX" (version 3); "SGX" implied for version 2
  int version = 0;  // 2 or 3
  UnixTime issue_date = 0;
  UnixTime next_update = 0;
  std::array<std::uint8_t, 6> fmspc{};
  std::array<std::uint8_t, 2> pce_id{};
  int tcb_type = 0;
  std::uint32_t tcb_evaluation_data_number = 0;
  std::vector<TcbLevel> levels;  // in document order
  std::optional<TdxModule> tdx_module;
  std::vector<TdxModuleIdentity> tdx_module_identities;
};

// Parses the `tcbInfo` object (the signed bytes). Throws AttestError:
//  STATUS_SGX_TCB_INFO_UNSUPPORTED_FORMAT for malformed JSON, missing/ill-typed fields, bad hex,
//    bad dates, wrong component counts, unsupported version;
//  STATUS_TCB_UNRECOGNIZED_STATUS for a tcbStatus Intel does not define.
TcbInfo parse_tcb_info(std::string_view signed_json);

}  // namespace ratls::attest
