// TCB evaluation: matching the PCK's components against TCB info levels, the QE's ISVSVN against
// QE identity levels, and QVL's convergence of the two (attestation-spec §2.8, §2.10, §2.11).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "attest/pck_extension.h"
#include "attest/qe_identity.h"
#include "attest/quote.h"
#include "attest/tcb_info.h"

namespace ratls::attest {

// The first level (in QVL's descending order) that the platform's components and PCESVN reach,
// or nullptr: QVL STATUS_TCB_NOT_SUPPORTED.
const TcbLevel* match_sgx_tcb_level(const TcbInfo& info, const PckExtension& pck);

// The first QE identity level with isvsvn <= the QE's ISVSVN, or nullptr (not supported).
const IsvTcbLevel* match_isv_tcb_level(const std::vector<IsvTcbLevel>& levels, std::uint16_t isvsvn);

// QVL convergeTcbStatusWithQeTcbStatus.
TcbStatus converge_tcb_status(TcbStatus platform, TcbStatus qe);

// The QE identity's miscselect, attributes, mrsigner and isvprodid rules for the QE report.
// Empty string when they hold, otherwise a one-line reason.
std::string qe_identity_mismatch(const QeIdentity& identity, const EnclaveReport& qe_report);

}  // namespace ratls::attest
