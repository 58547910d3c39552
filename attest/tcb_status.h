// TCB status values as Intel writes them in TCB info and enclave identity JSON.
#pragma once

#include <optional>
#include <string_view>

namespace ratls::attest {

enum class TcbStatus {
  kUpToDate,
  kSWHardeningNeeded,
  kConfigurationNeeded,
  kConfigurationAndSWHardeningNeeded,
  kOutOfDate,
  kOutOfDateConfigurationNeeded,
  kRevoked,
  kTDRelaunchAdvised,
  kTDRelaunchAdvisedConfigurationNeeded,
};

// "UpToDate", "SWHardeningNeeded", ... exactly as in Intel's JSON.
std::string_view tcb_status_name(TcbStatus s);
// Inverse of tcb_status_name; nullopt for anything else (case-sensitive, as Intel's parsers are).
std::optional<TcbStatus> parse_tcb_status(std::string_view name);

}  // namespace ratls::attest
