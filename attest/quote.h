// DCAP ECDSA quotes v3/v4/v5: bounds-checked parsing into a value that owns its bytes
// (attestation-spec §1). Parsing checks structure only; signatures are the verifier's job.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "attest/bytes.h"
#include "attest/status.h"

namespace ratls::attest {

enum class TeeType { kSgx, kTdx };
std::string_view tee_name(TeeType t);  // "sgx" / "tdx"

inline constexpr std::size_t kEnclaveReportSize = 384;
inline constexpr std::size_t kTdReport10Size = 584;
inline constexpr std::size_t kTdReport15Size = 648;
// Certification data larger than this is refused: real chains are ~3.7 KB.
inline constexpr std::size_t kMaxCertificationDataSize = 1 << 20;

// SGX report body (§1.3): the application enclave's report, or the QE's.
struct EnclaveReport {
  std::array<std::uint8_t, 16> cpusvn{};
  std::uint32_t miscselect = 0;
  std::array<std::uint8_t, 16> attributes{};  // FLAGS (LE u64) || XFRM (LE u64)
  std::array<std::uint8_t, 32> mrenclave{};
  std::array<std::uint8_t, 32> mrsigner{};
  std::array<std::uint8_t, 64> config_id{};
  std::uint16_t isv_prod_id = 0;
  std::uint16_t isv_svn = 0;
  std::uint16_t config_svn = 0;
  std::array<std::uint8_t, 16> isv_family_id{};
  std::array<std::uint8_t, 16> isv_ext_prod_id{};
  std::array<std::uint8_t, 64> report_data{};
  std::array<std::uint8_t, kEnclaveReportSize> raw{};

  std::uint64_t flags() const;
  std::uint64_t xfrm() const;
  bool debug() const { return (flags() & 0x02) != 0; }
};
EnclaveReport parse_enclave_report(ByteView body384);

// TD report body (§1.4), 1.0 or 1.5.
struct TdReport {
  std::array<std::uint8_t, 16> tee_tcb_svn{};
  std::array<std::uint8_t, 48> mrseam{};
  std::array<std::uint8_t, 48> mrsignerseam{};
  std::array<std::uint8_t, 8> seam_attributes{};
  std::array<std::uint8_t, 8> td_attributes{};
  std::array<std::uint8_t, 8> xfam{};
  std::array<std::uint8_t, 48> mrtd{};
  std::array<std::uint8_t, 48> mrconfigid{};
  std::array<std::uint8_t, 48> mrowner{};
  std::array<std::uint8_t, 48> mrownerconfig{};
  std::array<std::array<std::uint8_t, 48>, 4> rtmr{};
  std::array<std::uint8_t, 64> report_data{};
  bool is_td15 = false;
  std::array<std::uint8_t, 16> tee_tcb_svn2{};
  std::array<std::uint8_t, 48> mrservicetd{};

  bool debug() const { return (td_attributes[0] & 0x01) != 0; }
};

struct Quote {
  Bytes bytes;  // the whole input, trailing bytes included

  // Header (§1.1)
  std::uint16_t version = 0;
  std::uint16_t att_key_type = 0;
  TeeType tee = TeeType::kSgx;
  std::uint16_t qe_svn = 0;   // v3 header field (informational)
  std::uint16_t pce_svn = 0;  // v3 header field (informational)
  std::array<std::uint8_t, 16> qe_vendor_id{};
  std::array<std::uint8_t, 20> user_data{};

  // Body (exactly one of the two)
  std::optional<EnclaveReport> enclave_report;
  std::optional<TdReport> td_report;

  std::size_t signed_size = 0;  // bytes [0, signed_size) are signed by the attestation key

  // Signature data (§1.5)
  std::array<std::uint8_t, 64> isv_signature{};
  std::array<std::uint8_t, 64> attestation_key{};  // X||Y
  EnclaveReport qe_report;
  std::array<std::uint8_t, 64> qe_report_signature{};
  Bytes qe_auth_data;
  std::uint16_t certification_data_type = 0;  // inner type (5 = PCK chain) for v4/v5
  Bytes certification_data;
  std::size_t trailing_bytes = 0;  // after the signature data; not signed, ignored

  ByteView signed_region() const { return ByteView(bytes.data(), signed_size); }
  const std::array<std::uint8_t, 64>& report_data() const;
};

// Parses a quote. Throws AttestError:
//  STATUS_UNSUPPORTED_QUOTE_FORMAT: too short, unknown version, attestation key type other than
//    ECDSA-P256, unknown TEE type, SGX/TDX body mismatch, non-Intel QE vendor, any length field
//    pointing past the end of the buffer;
//  STATUS_UNSUPPORTED_QE_CERTIFICATION_DATA_TYPE: v4/v5 outer type other than 6, or a certification
//    data type outside 1..5;
//  STATUS_INVALID_QE_CERTIFICATION_DATA_SIZE: certification data larger than kMaxCertificationDataSize.
Quote parse_quote(ByteView data);

// Raw bytes, or hex text of them (whitespace ignored), detected from content.
Bytes decode_quote_file(ByteView file_content);

}  // namespace ratls::attest
