#include "attest/tcb_eval.h"

#include <algorithm>

namespace ratls::attest {

namespace {

// QVL's TcbLevel ordering: SGX components lexicographically, then PCESVN, then TDX components,
// highest first. Intel's JSON is already ordered so; sorting guards against a reordered document.
bool level_greater(const TcbLevel* a, const TcbLevel* b) {
  if (a->sgx_components != b->sgx_components) return a->sgx_components > b->sgx_components;
  if (a->pcesvn != b->pcesvn) return a->pcesvn > b->pcesvn;
  const std::array<std::uint8_t, 16> none{};
  return a->tdx_components.value_or(none) > b->tdx_components.value_or(none);
}

}  // namespace

const TcbLevel* match_sgx_tcb_level(const TcbInfo& info, const PckExtension& pck) {
  std::vector<const TcbLevel*> sorted;
  sorted.reserve(info.levels.size());
  for (const auto& level : info.levels) sorted.push_back(&level);
  std::stable_sort(sorted.begin(), sorted.end(), level_greater);
  for (const TcbLevel* level : sorted) {
    bool reached = pck.pcesvn >= level->pcesvn;
    for (std::size_t i = 0; reached && i < 16; ++i) {
      reached = pck.tcb_components[i] >= level->sgx_components[i];
    }
    if (reached) return level;
  }
  return nullptr;
}

const IsvTcbLevel* match_isv_tcb_level(const std::vector<IsvTcbLevel>& levels,
                                       std::uint16_t isvsvn) {
  const IsvTcbLevel* best = nullptr;
  for (const auto& level : levels) {
    if (level.isvsvn <= isvsvn && (best == nullptr || level.isvsvn > best->isvsvn)) best = &level;
  }
  return best;
}

TcbStatus converge_tcb_status(TcbStatus platform, TcbStatus qe) {
  if (qe == TcbStatus::kOutOfDate) {
    switch (platform) {
      case TcbStatus::kUpToDate:
      case TcbStatus::kSWHardeningNeeded:
        return TcbStatus::kOutOfDate;
      case TcbStatus::kConfigurationNeeded:
      case TcbStatus::kConfigurationAndSWHardeningNeeded:
        return TcbStatus::kOutOfDateConfigurationNeeded;
      default:
        return platform;
    }
  }
  if (qe == TcbStatus::kRevoked) return TcbStatus::kRevoked;
  return platform;
}

std::string qe_identity_mismatch(const QeIdentity& identity, const EnclaveReport& qe_report) {
  // Compare in report memory order: MISCSELECT is stored little-endian in the report and Intel's
  // hex lists the same bytes (attestation-spec §2.8).
  const std::uint32_t misc = qe_report.miscselect;
  const std::array<std::uint8_t, 4> misc_bytes{
      static_cast<std::uint8_t>(misc), static_cast<std::uint8_t>(misc >> 8),
      static_cast<std::uint8_t>(misc >> 16), static_cast<std::uint8_t>(misc >> 24)};
  for (std::size_t i = 0; i < 4; ++i) {
    if ((misc_bytes[i] & identity.miscselect_mask[i]) != identity.miscselect[i]) {
      return "QE MISCSELECT " + to_hex(misc_bytes) + " does not match the QE identity (" +
             to_hex(identity.miscselect) + " under mask " + to_hex(identity.miscselect_mask) + ")";
    }
  }
  for (std::size_t i = 0; i < 16; ++i) {
    if ((qe_report.attributes[i] & identity.attributes_mask[i]) != identity.attributes[i]) {
      return "QE ATTRIBUTES " + to_hex(qe_report.attributes) + " do not match the QE identity (" +
             to_hex(identity.attributes) + " under mask " + to_hex(identity.attributes_mask) + ")";
    }
  }
  if (qe_report.mrsigner != identity.mrsigner) {
    return "QE MRSIGNER " + to_hex(qe_report.mrsigner) + " is not Intel's (" +
           to_hex(identity.mrsigner) + ")";
  }
  if (qe_report.isv_prod_id != identity.isvprodid) {
    return "QE ISVPRODID " + std::to_string(qe_report.isv_prod_id) + " differs from the QE identity's " +
           std::to_string(identity.isvprodid);
  }
  return {};
}

}  // namespace ratls::attest
