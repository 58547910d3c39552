#include "attest/tcb_status.h"

#include <array>
#include <utility>

namespace ratls::attest {

namespace {

constexpr std::array<std::pair<TcbStatus, std::string_view>, 9> kNames{{
    {TcbStatus::kUpToDate, "UpToDate"},
    {TcbStatus::kSWHardeningNeeded, "SWHardeningNeeded"},
    {TcbStatus::kConfigurationNeeded, "ConfigurationNeeded"},
    {TcbStatus::kConfigurationAndSWHardeningNeeded, "ConfigurationAndSWHardeningNeeded"},
    {TcbStatus::kOutOfDate, "OutOfDate"},
    {TcbStatus::kOutOfDateConfigurationNeeded, "OutOfDateConfigurationNeeded"},
    {TcbStatus::kRevoked, "Revoked"},
    {TcbStatus::kTDRelaunchAdvised, "TDRelaunchAdvised"},
    {TcbStatus::kTDRelaunchAdvisedConfigurationNeeded, "TDRelaunchAdvisedConfigurationNeeded"},
}};

}  // namespace

std::string_view tcb_status_name(TcbStatus s) {
  for (const auto& [status, name] : kNames) {
    if (status == s) return name;
  }
  return "Unknown";  // unreachable for a valid enumerator
}

std::optional<TcbStatus> parse_tcb_status(std::string_view name) {
  for (const auto& [status, text] : kNames) {
    if (text == name) return status;
  }
  return std::nullopt;
}

}  // namespace ratls::attest
