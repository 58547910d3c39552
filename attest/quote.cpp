#include "attest/quote.h"

#include <algorithm>
#include <string>
#include <utility>

namespace ratls::attest {

namespace {

// QVL QUOTE_MIN_BYTE_LEN: header + SGX body + sig-data length + the fixed v3 signature fields.
constexpr std::size_t kQuoteMinSize = 1020;
constexpr std::uint16_t kAttKeyEcdsaP256 = 2;
constexpr std::uint32_t kTeeSgx = 0x00000000;
constexpr std::uint32_t kTeeTdx = 0x00000081;
constexpr std::uint16_t kBodySgx = 1;
constexpr std::uint16_t kBodyTd10 = 2;
constexpr std::uint16_t kBodyTd15 = 3;
constexpr std::uint16_t kCertTypeQeReport = 6;  // v4/v5 outer: QE report certification data
constexpr std::array<std::uint8_t, 16> kIntelQeVendorId = {
    0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9, 0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07};

std::string num(std::size_t v) {
  return std::to_string(v);
}

std::string hex32(std::uint32_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out = "0x";
  for (int shift = 28; shift >= 0; shift -= 4) out.push_back(kDigits[(v >> shift) & 0xf]);
  return out;
}

[[noreturn]] void bad_format(const std::string& message) {
  fail(Status::STATUS_UNSUPPORTED_QUOTE_FORMAT, message);
}

// Sequential little-endian reader over one container (the quote, the signature data, the QE
// certification data). Every read is checked against the container, not just the buffer, so a
// length field can never make a field spill into its neighbour or past the end.
class Cursor {
 public:
  Cursor(ByteView data, std::size_t base, std::string scope)
      : data_(data), base_(base), scope_(std::move(scope)) {}

  std::size_t remaining() const { return data_.size() - pos_; }
  std::size_t offset() const { return base_ + pos_; }  // absolute offset in the quote

  ByteView take(std::size_t n, std::string_view field) {
    if (n > remaining()) {
      bad_format(std::string(field) + " (" + num(n) + " bytes at offset " + num(offset()) +
                 ") does not fit in the " + num(remaining()) + " bytes left of the " + scope_);
    }
    ByteView out = data_.subspan(pos_, n);
    pos_ += n;
    return out;
  }

  // A nested container of n bytes starting here.
  Cursor sub(std::size_t n, std::string_view field, std::string scope) {
    const std::size_t start = offset();
    return Cursor(take(n, field), start, std::move(scope));
  }

  void skip(std::size_t n, std::string_view field) { (void)take(n, field); }

  std::uint16_t u16(std::string_view field) {
    ByteView b = take(2, field);
    return static_cast<std::uint16_t>(b[0] | (b[1] << 8));
  }

  std::uint32_t u32(std::string_view field) {
    ByteView b = take(4, field);
    return static_cast<std::uint32_t>(b[0]) | (static_cast<std::uint32_t>(b[1]) << 8) |
           (static_cast<std::uint32_t>(b[2]) << 16) | (static_cast<std::uint32_t>(b[3]) << 24);
  }

  template <std::size_t N>
  void into(std::array<std::uint8_t, N>& out, std::string_view field) {
    ByteView b = take(N, field);
    std::copy(b.begin(), b.end(), out.begin());
  }

  // Signed/measured structures have no slack: unused bytes at the end of a container mean its
  // length field disagrees with its content (and such bytes would be unauthenticated filler).
  void expect_end() const {
    if (remaining() != 0) {
      bad_format("size mismatch: " + num(remaining()) + " unused bytes at offset " + num(offset()) +
                 " after the certification data, inside the " + scope_);
    }
  }

 private:
  ByteView data_;
  std::size_t base_;
  std::string scope_;
  std::size_t pos_ = 0;
};

TdReport parse_td_report(ByteView body, bool td15) {
  Cursor c(body, 0, "TD report");
  TdReport r;
  c.into(r.tee_tcb_svn, "TEE_TCB_SVN");
  c.into(r.mrseam, "MRSEAM");
  c.into(r.mrsignerseam, "MRSIGNERSEAM");
  c.into(r.seam_attributes, "SEAMATTRIBUTES");
  c.into(r.td_attributes, "TDATTRIBUTES");
  c.into(r.xfam, "XFAM");
  c.into(r.mrtd, "MRTD");
  c.into(r.mrconfigid, "MRCONFIGID");
  c.into(r.mrowner, "MROWNER");
  c.into(r.mrownerconfig, "MROWNERCONFIG");
  for (auto& rtmr : r.rtmr) c.into(rtmr, "RTMR");
  c.into(r.report_data, "REPORTDATA");
  r.is_td15 = td15;
  if (td15) {
    c.into(r.tee_tcb_svn2, "TEE_TCB_SVN2");
    c.into(r.mrservicetd, "MRSERVICETD");
  }
  return r;
}

// Certification data type, size and content, which must end its container exactly.
void read_certification_data(Cursor& c, Quote& q) {
  q.certification_data_type = c.u16("certification data type");
  if (q.certification_data_type < 1 || q.certification_data_type > 5) {
    fail(Status::STATUS_UNSUPPORTED_QE_CERTIFICATION_DATA_TYPE, "certification data type " +
                                                                    num(q.certification_data_type) +
                                                                    " is not supported (1..5 are)");
  }
  const std::uint32_t size = c.u32("certification data size");
  if (size > kMaxCertificationDataSize) {
    fail(Status::STATUS_INVALID_QE_CERTIFICATION_DATA_SIZE,
         "certification data size " + num(size) + " exceeds the " + num(kMaxCertificationDataSize) +
             "-byte limit");
  }
  ByteView data = c.take(size, "certification data");
  q.certification_data.assign(data.begin(), data.end());
  c.expect_end();
}

// QE report, its signature, the QE auth data and the certification data: the v3 signature data
// after the attestation key, or the v4/v5 type-6 certification data.
void read_qe_part(Cursor& c, Quote& q) {
  q.qe_report = parse_enclave_report(c.take(kEnclaveReportSize, "QE report"));
  c.into(q.qe_report_signature, "QE report signature");
  const std::uint16_t auth_len = c.u16("QE auth data size");
  ByteView auth = c.take(auth_len, "QE auth data");
  q.qe_auth_data.assign(auth.begin(), auth.end());
  read_certification_data(c, q);
}

}  // namespace

std::string_view tee_name(TeeType t) {
  return t == TeeType::kTdx ? "tdx" : "sgx";
}

std::uint64_t EnclaveReport::flags() const {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(attributes[i]) << (8 * i);
  return v;
}

std::uint64_t EnclaveReport::xfrm() const {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) {
    v |= static_cast<std::uint64_t>(attributes[8 + i]) << (8 * i);
  }
  return v;
}

EnclaveReport parse_enclave_report(ByteView body384) {
  if (body384.size() != kEnclaveReportSize) {
    bad_format("SGX report body is " + num(body384.size()) + " bytes, expected " +
               num(kEnclaveReportSize));
  }
  Cursor c(body384, 0, "SGX report body");
  EnclaveReport r;
  c.into(r.cpusvn, "CPUSVN");
  r.miscselect = c.u32("MISCSELECT");
  c.skip(12, "reserved1");  // CET attributes + reserved
  c.into(r.isv_ext_prod_id, "ISVEXTPRODID");
  c.into(r.attributes, "ATTRIBUTES");
  c.into(r.mrenclave, "MRENCLAVE");
  c.skip(32, "reserved2");
  c.into(r.mrsigner, "MRSIGNER");
  c.skip(32, "reserved3");
  c.into(r.config_id, "CONFIGID");
  r.isv_prod_id = c.u16("ISVPRODID");
  r.isv_svn = c.u16("ISVSVN");
  r.config_svn = c.u16("CONFIGSVN");
  c.skip(42, "reserved4");
  c.into(r.isv_family_id, "ISVFAMILYID");
  c.into(r.report_data, "REPORTDATA");
  std::copy(body384.begin(), body384.end(), r.raw.begin());
  return r;
}

const std::array<std::uint8_t, 64>& Quote::report_data() const {
  if (enclave_report) return enclave_report->report_data;
  if (td_report) return td_report->report_data;
  static const std::array<std::uint8_t, 64> kNone{};  // default-constructed Quote: no body
  return kNone;
}

Quote parse_quote(ByteView data) {
  if (data.size() < kQuoteMinSize) {
    bad_format("quote is " + num(data.size()) + " bytes; a DCAP quote has at least " +
               num(kQuoteMinSize));
  }
  Quote q;
  Cursor c(data, 0, "quote");

  // Header (§1.1). Checks follow QVL Quote::validate, in header order.
  q.version = c.u16("version");
  if (q.version < 3 || q.version > 5) {
    bad_format("quote version " + num(q.version) + " is not supported (3, 4, 5 are)");
  }
  q.att_key_type = c.u16("attestation key type");
  if (q.att_key_type != kAttKeyEcdsaP256) {
    bad_format("attestation key type " + num(q.att_key_type) +
               " is not supported (only 2, ECDSA-256-with-P-256, is)");
  }
  const std::uint32_t tee_type = c.u32("TEE type");
  if (tee_type != kTeeSgx && tee_type != kTeeTdx) {
    bad_format("TEE type " + hex32(tee_type) +
               " is not supported (0x00000000 SGX, 0x00000081 TDX)");
  }
  q.tee = tee_type == kTeeTdx ? TeeType::kTdx : TeeType::kSgx;
  if (q.version == 3 && q.tee != TeeType::kSgx) {
    bad_format("quote version 3 carries SGX reports only, but its TEE type is TDX");
  }
  q.qe_svn = c.u16("QE SVN");
  q.pce_svn = c.u16("PCE SVN");
  c.into(q.qe_vendor_id, "QE vendor ID");
  if (q.qe_vendor_id != kIntelQeVendorId) {
    bad_format("QE vendor ID " + to_hex(q.qe_vendor_id) + " is not Intel's (" +
               to_hex(kIntelQeVendorId) + ")");
  }
  c.into(q.user_data, "user data");

  // Body (§1.2): v3/v4 imply the body from the TEE type; v5 declares it.
  std::uint16_t body_type = q.tee == TeeType::kSgx ? kBodySgx : kBodyTd10;
  if (q.version == 5) {
    body_type = c.u16("body type");
    const std::uint32_t body_size = c.u32("body size");
    std::size_t expected = 0;
    std::string_view name;
    switch (body_type) {
      case kBodySgx:
        expected = kEnclaveReportSize;
        name = "SGX report";
        break;
      case kBodyTd10:
        expected = kTdReport10Size;
        name = "TD report 1.0";
        break;
      case kBodyTd15:
        expected = kTdReport15Size;
        name = "TD report 1.5";
        break;
      default:
        bad_format("quote v5 body type " + num(body_type) +
                   " is unknown (1 SGX report, 2 TD report 1.0, 3 TD report 1.5)");
    }
    if ((body_type == kBodySgx) != (q.tee == TeeType::kSgx)) {
      bad_format("quote v5 body type " + num(body_type) + " (" + std::string(name) +
                 ") does not match TEE type " + (q.tee == TeeType::kSgx ? "SGX" : "TDX"));
    }
    if (body_size != expected) {
      bad_format("quote v5 body size " + num(body_size) + " does not match body type " +
                 num(body_type) + " (" + std::string(name) + " is " + num(expected) + " bytes)");
    }
  }
  switch (body_type) {
    case kBodySgx:
      q.enclave_report = parse_enclave_report(c.take(kEnclaveReportSize, "SGX report body"));
      break;
    case kBodyTd10:
      q.td_report = parse_td_report(c.take(kTdReport10Size, "TD report 1.0"), false);
      break;
    default:
      q.td_report = parse_td_report(c.take(kTdReport15Size, "TD report 1.5"), true);
      break;
  }
  q.signed_size = c.offset();  // header (+ descriptor) + body: what the attestation key signs

  // Signature data (§1.5). Bytes after it are padding from the quote buffer: tolerated, unsigned.
  const std::uint32_t sig_len = c.u32("signature data length");
  if (sig_len > c.remaining()) {
    bad_format("signature data length " + num(sig_len) + " exceeds the " + num(c.remaining()) +
               " bytes left");
  }
  Cursor sig = c.sub(sig_len, "signature data", "signature data");
  q.trailing_bytes = c.remaining();

  sig.into(q.isv_signature, "ISV quote signature");
  sig.into(q.attestation_key, "attestation key");
  if (q.version == 3) {
    read_qe_part(sig, q);
  } else {
    const std::uint16_t outer_type = sig.u16("QE certification data type");
    if (outer_type != kCertTypeQeReport) {
      fail(Status::STATUS_UNSUPPORTED_QE_CERTIFICATION_DATA_TYPE,
           "quote v" + num(q.version) + " certification data type " + num(outer_type) +
               " is not supported (6, QE report certification data, is required)");
    }
    const std::uint32_t outer_size = sig.u32("QE certification data size");
    Cursor outer =
        sig.sub(outer_size, "QE report certification data", "QE report certification data");
    read_qe_part(outer, q);
    sig.expect_end();
  }
  q.bytes.assign(data.begin(), data.end());
  return q;
}

Bytes decode_quote_file(ByteView file_content) {
  auto is_hex = [](std::uint8_t b) {
    return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F');
  };
  auto is_space = [](std::uint8_t b) {
    return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\v' || b == '\f';
  };
  std::size_t digits = 0;
  for (std::uint8_t b : file_content) {
    if (is_hex(b)) {
      ++digits;
    } else if (!is_space(b)) {
      // A binary quote starts with 03 00 / 04 00 / 05 00, never hex text: detection is exact.
      return Bytes(file_content.begin(), file_content.end());
    }
  }
  if (digits == 0) return Bytes(file_content.begin(), file_content.end());
  if (digits % 2 != 0) {
    bad_format("hex quote file has an odd number of hex digits (" + num(digits) + ")");
  }
  std::string hex;
  hex.reserve(digits);
  for (std::uint8_t b : file_content) {
    if (is_hex(b)) hex.push_back(static_cast<char>(b));
  }
  auto out = from_hex(hex);
  if (!out) bad_format("hex quote file is not valid hex");  // unreachable: digits checked above
  return *out;
}

}  // namespace ratls::attest
