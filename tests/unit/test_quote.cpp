// Quote parsing (attestation-spec §1, §2.2) against every real quote in tests/data/real,
// plus structure-level mutations, truncations and hostile length fields.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <vector>

#include "attest/quote.h"
#include "tests/support/testdata.h"

namespace ratls::attest {
namespace {

using test::read_bytes;
using test::real_path;

Bytes load(const std::string& relative) {
  return read_bytes(real_path(relative));
}

template <std::size_t N>
std::string hex(const std::array<std::uint8_t, N>& a) {
  return to_hex(a);
}
std::string hex(ByteView b) {
  return to_hex(b);
}
std::string zeros(std::size_t bytes) {
  return std::string(2 * bytes, '0');
}

ByteView slice(const Bytes& b, std::size_t from, std::size_t to) {
  return ByteView(b.data() + from, to - from);
}

void put_u16(Bytes& b, std::size_t off, std::uint16_t v) {
  b[off] = static_cast<std::uint8_t>(v);
  b[off + 1] = static_cast<std::uint8_t>(v >> 8);
}
void put_u32(Bytes& b, std::size_t off, std::uint32_t v) {
  for (std::size_t i = 0; i < 4; ++i) b[off + i] = static_cast<std::uint8_t>(v >> (8 * i));
}
std::uint32_t get_u32(const Bytes& b, std::size_t off) {
  return static_cast<std::uint32_t>(b[off]) | (static_cast<std::uint32_t>(b[off + 1]) << 8) |
         (static_cast<std::uint32_t>(b[off + 2]) << 16) |
         (static_cast<std::uint32_t>(b[off + 3]) << 24);
}

Bytes with_byte(Bytes b, std::size_t off, std::uint8_t v) {
  b[off] = v;
  return b;
}
Bytes xored(Bytes b, std::size_t off, std::uint8_t mask) {
  b[off] = static_cast<std::uint8_t>(b[off] ^ mask);
  return b;
}

// STATUS_OK if the quote parses, otherwise the AttestError's status. Anything else escapes and
// fails the test.
Status parse_status(ByteView data, std::string* message = nullptr) {
  try {
    (void)parse_quote(data);
    return Status::STATUS_OK;
  } catch (const AttestError& e) {
    if (message) *message = e.what();
    return e.status();
  }
}

std::size_t count_pem_certs(const Bytes& data) {
  const std::string text(data.begin(), data.end());
  std::size_t n = 0;
  for (auto pos = text.find("-----BEGIN CERTIFICATE-----"); pos != std::string::npos;
       pos = text.find("-----BEGIN CERTIFICATE-----", pos + 1)) {
    ++n;
  }
  return n;
}

constexpr const char* kSgxV3 = "dcap/phala_dcap_qvl/sgx_v3_quote.bin";
constexpr const char* kTdxV4 = "dcap/phala_dcap_qvl/tdx_v4_quote.bin";
constexpr const char* kTdxV5 = "dcap/phala_dcap_qvl/tdx_v5_td15_quote_no_tcb_level.bin";
constexpr const char* kSprE4 = "dcap/google_go_tdx_guest/tdx_v4_quote_spr_e4.bin";
constexpr const char* kCos113 = "dcap/google_go_tdx_guest/tdx_v4_quote_cos113_padded.bin";
constexpr const char* kGramine =
    "dcap/gramine_ratls_mccoysc/sgx_v3_quote_from_gramine_ratls_cert.bin";

const std::vector<std::string>& all_real_quotes() {
  static const std::vector<std::string> kFiles = {
      kSgxV3,
      kTdxV4,
      kTdxV5,
      kSprE4,
      kCos113,
      kGramine,
      "cosmian/azure_2023-09_processor_ca_quote_fmspc00906ED50000.bin",
      "cosmian/cloud_2023-09_devcosmianio_ratls_quote.bin",
      "cosmian/isra_2023-02_quote_certdata_without_trailing_nul.bin",
      "cosmian/isra_2023-06_quote_mrsigner_ac2c9fa8.bin",
      "cosmian/msehome_2023-05_ratls_quote.bin",
      "cosmian/teetools_2023-09_quote_mrenclave_f07830d7.bin",
      "cosmian/teetools_2023-12_DEBUG_enclave_ratls_quote.bin",
  };
  return kFiles;
}

constexpr const char* kIntelQeMrsigner =
    "8c4f5775d796503e96137f77c68a829a0056ac8ded70140b081b094490c57bff";
constexpr const char* kIntelTdQeMrsigner =
    "dc9e2a7c6f948f17474e34a7fc43ed030f7c1563f1babddf6340c82e0e54a8c5";
constexpr const char* kCosmianMrsigner =
    "c1c161d0dd996e8a9847de67ea2c00226761f7715a2c422d3012ac10795a1ef5";

// ---------------------------------------------------------------------------------------------
// Real quotes: every file parses, with the fields SOURCES.md states.

TEST(QuoteReal, EveryRealQuoteParsesAndIsSelfConsistent) {
  for (const auto& file : all_real_quotes()) {
    SCOPED_TRACE(file);
    const Bytes data = load(file);
    ASSERT_FALSE(data.empty());
    const Quote q = parse_quote(data);
    EXPECT_EQ(q.bytes, data);
    EXPECT_EQ(q.att_key_type, 2);
    EXPECT_EQ(hex(q.qe_vendor_id), "939a7233f79c4ca9940a0db3957f0607");
    EXPECT_EQ(q.enclave_report.has_value(), q.tee == TeeType::kSgx);
    EXPECT_EQ(q.td_report.has_value(), q.tee == TeeType::kTdx);
    EXPECT_EQ(q.certification_data_type, 5);
    EXPECT_EQ(count_pem_certs(q.certification_data), 3u);
    EXPECT_EQ(q.qe_auth_data.size(), 32u);
    EXPECT_EQ(q.signed_region().size(), q.signed_size);
    EXPECT_EQ(hex(q.qe_report.mrsigner),
              q.tee == TeeType::kSgx ? kIntelQeMrsigner : kIntelTdQeMrsigner);
    // The signature data length field sits right after the signed region.
    EXPECT_EQ(q.signed_size + 4 + get_u32(data, q.signed_size) + q.trailing_bytes, data.size());
    // report_data() follows the body kind.
    EXPECT_EQ(q.report_data(),
              q.enclave_report ? q.enclave_report->report_data : q.td_report->report_data);
  }
}

TEST(QuoteReal, PhalaSgxV3) {
  const Bytes data = load(kSgxV3);
  ASSERT_EQ(data.size(), 4600u);
  const Quote q = parse_quote(data);
  EXPECT_EQ(q.version, 3);
  EXPECT_EQ(q.tee, TeeType::kSgx);
  EXPECT_EQ(tee_name(q.tee), "sgx");
  EXPECT_EQ(q.qe_svn, 10);
  EXPECT_EQ(q.pce_svn, 15);
  EXPECT_EQ(q.signed_size, 432u);
  EXPECT_EQ(q.trailing_bytes, 0u);
  ASSERT_TRUE(q.enclave_report);
  const EnclaveReport& r = *q.enclave_report;
  EXPECT_EQ(hex(r.mrenclave), "33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb");
  EXPECT_EQ(hex(r.mrsigner), "815f42f11cf64430c30bab7816ba596a1da0130c3b028b673133a66cf9a3e0e6");
  EXPECT_EQ(r.isv_prod_id, 0);
  EXPECT_EQ(r.isv_svn, 0);
  EXPECT_EQ(r.config_svn, 0);
  EXPECT_EQ(r.miscselect, 0u);
  EXPECT_EQ(hex(r.attributes), "0500000000000000e700000000000000");
  EXPECT_EQ(r.flags(), 0x5u);
  EXPECT_EQ(r.xfrm(), 0xe7u);
  EXPECT_FALSE(r.debug());
  EXPECT_EQ(hex(r.cpusvn), "0b0b1a18ffff04000000000000000000");
  EXPECT_EQ(hex(r.report_data), "48656c6c6f2c20776f726c6421" + zeros(51));
  EXPECT_EQ(hex(q.report_data()), hex(r.report_data));
  EXPECT_EQ(hex(r.raw), hex(slice(data, 48, 432)));

  // QE report
  EXPECT_EQ(hex(q.qe_report.mrsigner), kIntelQeMrsigner);
  EXPECT_EQ(q.qe_report.isv_prod_id, 1);
  EXPECT_EQ(q.qe_report.isv_svn, 10);

  // Offsets from SOURCES.md 1a.
  EXPECT_EQ(hex(q.isv_signature), hex(slice(data, 436, 500)));
  EXPECT_EQ(hex(q.attestation_key), hex(slice(data, 500, 564)));
  EXPECT_EQ(hex(q.qe_report.raw), hex(slice(data, 564, 948)));
  EXPECT_EQ(hex(q.qe_report_signature), hex(slice(data, 948, 1012)));
  EXPECT_EQ(hex(q.qe_auth_data), hex(slice(data, 1014, 1046)));
  EXPECT_EQ(q.certification_data_type, 5);
  ASSERT_EQ(q.certification_data.size(), 3548u);
  EXPECT_EQ(hex(q.certification_data), hex(slice(data, 1052, 4600)));
  EXPECT_EQ(q.certification_data.back(), 0x00);  // NUL-terminated PEM, kept as is
  EXPECT_EQ(std::string(q.certification_data.begin(), q.certification_data.begin() + 27),
            "-----BEGIN CERTIFICATE-----");
  EXPECT_EQ(hex(q.signed_region()), hex(slice(data, 0, 432)));
}

TEST(QuoteReal, PhalaTdxV4WithTrailingBytes) {
  const Bytes data = load(kTdxV4);
  ASSERT_EQ(data.size(), 5006u);
  const Quote q = parse_quote(data);
  EXPECT_EQ(q.version, 4);
  EXPECT_EQ(q.tee, TeeType::kTdx);
  EXPECT_EQ(tee_name(q.tee), "tdx");
  EXPECT_EQ(q.signed_size, 632u);
  EXPECT_EQ(q.trailing_bytes, 70u);
  EXPECT_FALSE(q.enclave_report);
  ASSERT_TRUE(q.td_report);
  const TdReport& t = *q.td_report;
  EXPECT_FALSE(t.is_td15);
  EXPECT_EQ(hex(t.tee_tcb_svn), "06010300000000000000000000000000");
  EXPECT_EQ(hex(t.mrseam),
            "5b38e33a6487958b72c3c12a938eaa5e3fd4510c51aeeab58c7d5ecee41d7c436489d6c8e4f92f160b7cad"
            "34207b00c1");
  EXPECT_EQ(hex(t.mrsignerseam), zeros(48));
  EXPECT_EQ(hex(t.seam_attributes), zeros(8));
  EXPECT_EQ(hex(t.td_attributes), "0000001000000000");
  EXPECT_FALSE(t.debug());
  EXPECT_EQ(hex(t.xfam), "e702060000000000");
  EXPECT_EQ(hex(t.mrtd),
            "91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b25"
            "38873118b7");
  EXPECT_EQ(hex(t.rtmr[0]),
            "44c0197b39157fdd7a4dcc44767f9d6b0bb3977c7a8e347b8492f827fe9d9e5c48aca29b220b80b6a540cf"
            "994b9bc9c0");
  EXPECT_EQ(hex(t.rtmr[1]),
            "0084452c01668329d4bc06acdf58a7205c26743304509973949e5619bf81a6a7aea8c323c173019b3093d5"
            "4e579e9378");
  EXPECT_EQ(hex(t.rtmr[2]),
            "d833feef2cd945148aa38ead2c53e9b7f138190aaaebfc551dccd829fc207aa3ba80b70870d7330733642e"
            "01d48c3132");
  EXPECT_EQ(hex(t.rtmr[3]), zeros(48));
  EXPECT_EQ(hex(t.report_data),
            "9a9d48e7f6799642d3d1b34e1e5e1742d4bb02dd6ddd551862c1211d35c304f9eca3efdbb481601c163cf5"
            "2493d6e44aed55d51ec39b7e518fadb92c2b523f20");
  EXPECT_EQ(hex(q.report_data()), hex(t.report_data));
  // Absolute offsets (§1.4): MRTD at 184, REPORTDATA at 568.
  EXPECT_EQ(hex(t.mrtd), hex(slice(data, 184, 232)));
  EXPECT_EQ(hex(t.report_data), hex(slice(data, 568, 632)));

  // Offsets from SOURCES.md 1b.
  EXPECT_EQ(get_u32(data, 632), 4300u);
  EXPECT_EQ(hex(q.isv_signature), hex(slice(data, 636, 700)));
  EXPECT_EQ(hex(q.attestation_key), hex(slice(data, 700, 764)));
  EXPECT_EQ(hex(q.qe_report.raw), hex(slice(data, 770, 1154)));
  EXPECT_EQ(hex(q.qe_report_signature), hex(slice(data, 1154, 1218)));
  EXPECT_EQ(hex(q.qe_auth_data), hex(slice(data, 1220, 1252)));
  EXPECT_EQ(q.certification_data_type, 5);  // inner type; the outer (6) is structural
  EXPECT_EQ(hex(q.certification_data), hex(slice(data, 1258, 1258 + q.certification_data.size())));
  EXPECT_EQ(1258 + q.certification_data.size() + q.trailing_bytes, data.size());
  EXPECT_EQ(q.qe_report.isv_svn, 6);  // TD_QE ISVSVN 6
  EXPECT_EQ(hex(q.qe_report.mrsigner), kIntelTdQeMrsigner);
}

TEST(QuoteReal, PhalaTdxV5Td15) {
  const Bytes data = load(kTdxV5);
  ASSERT_EQ(data.size(), 5006u);
  const Quote q = parse_quote(data);
  EXPECT_EQ(q.version, 5);
  EXPECT_EQ(q.tee, TeeType::kTdx);
  EXPECT_EQ(data[48], 3);  // body descriptor: type 3 = TD report 1.5, size 648
  EXPECT_EQ(get_u32(data, 50), 648u);
  EXPECT_EQ(q.signed_size, 702u);
  EXPECT_EQ(q.trailing_bytes, 0u);
  ASSERT_TRUE(q.td_report);
  const TdReport& t = *q.td_report;
  EXPECT_TRUE(t.is_td15);
  EXPECT_EQ(hex(t.tee_tcb_svn), "07010300000000000000000000000000");
  EXPECT_EQ(hex(t.tee_tcb_svn2), "0d010300000000000000000000000000");
  EXPECT_EQ(hex(t.mrservicetd), zeros(48));
  EXPECT_EQ(hex(t.mrtd),
            "273828c46252fcbdd8ad2dd907130222b03466d52a2911d70c1a5950895d6bd1ae451d382d5a9b1b4c0ed0"
            "e5ae9a3dbd");
  for (const auto& rtmr : t.rtmr) EXPECT_EQ(hex(rtmr), zeros(48));
  EXPECT_EQ(hex(q.report_data()),
            "d2142b643598eb5fae2bc8529dd79a558b29f868ccbb6531cb28dab9dce47728" + zeros(32));
  EXPECT_EQ(hex(t.mrtd), hex(slice(data, 54 + 136, 54 + 184)));
  EXPECT_EQ(q.certification_data_type, 5);
  EXPECT_EQ(q.qe_auth_data.size(), 32u);
}

TEST(QuoteReal, GoTdxGuestSprE4) {
  const Bytes data = load(kSprE4);
  ASSERT_EQ(data.size(), 4974u);
  const Quote q = parse_quote(data);
  EXPECT_EQ(q.version, 4);
  EXPECT_EQ(q.tee, TeeType::kTdx);
  EXPECT_EQ(q.trailing_bytes, 39u);
  EXPECT_EQ(q.signed_size, 632u);
  ASSERT_TRUE(q.td_report);
  EXPECT_EQ(hex(q.td_report->mrtd),
            "6363b8043668a3ad953278e10389574d326c6749fb78aa810ecd9336923db86f22fc00b8dcd404bc10d5e1"
            "19d7215cbb");
  EXPECT_EQ(hex(q.td_report->td_attributes), "0000004000000000");
  EXPECT_EQ(hex(q.td_report->tee_tcb_svn).substr(0, 6), "030004");
  EXPECT_EQ(hex(q.report_data()),
            "6c62dec1b8191749a31dab490be532a35944dea47caef1f980863993d9899545eb7406a38d1eed313b987a"
            "467dacead6f0c87a6d766c66f6f29f8acb281f1113");
  EXPECT_EQ(hex(q.qe_report.mrsigner), kIntelTdQeMrsigner);
  EXPECT_EQ(q.qe_report.isv_prod_id, 2);
  EXPECT_EQ(q.qe_report.isv_svn, 4);
  EXPECT_EQ(q.certification_data_type, 5);
  EXPECT_NE(q.certification_data.back(), 0x00);  // PEM chain without trailing NUL
}

TEST(QuoteReal, GoTdxGuestCos113Padded) {
  const Bytes data = load(kCos113);
  ASSERT_EQ(data.size(), 8000u);
  const Quote q = parse_quote(data);
  EXPECT_EQ(q.version, 4);
  EXPECT_EQ(q.tee, TeeType::kTdx);
  EXPECT_EQ(q.trailing_bytes, 3065u);
  EXPECT_TRUE(std::all_of(data.end() - 3065, data.end(), [](std::uint8_t b) { return b == 0; }));
  ASSERT_TRUE(q.td_report);
  EXPECT_EQ(hex(q.td_report->tee_tcb_svn).substr(0, 6), "040107");
  EXPECT_EQ(hex(q.report_data()), zeros(64));
}

TEST(QuoteReal, GramineRatlsMccoysc) {
  const Bytes data = load(kGramine);
  ASSERT_EQ(data.size(), 4734u);
  const Quote q = parse_quote(data);
  EXPECT_EQ(q.version, 3);
  ASSERT_TRUE(q.enclave_report);
  const EnclaveReport& r = *q.enclave_report;
  EXPECT_EQ(hex(r.mrenclave), "6364c9c486ebe6d3b3ec6e22ec0b4ee4cec428450a055c4ebee36d6e9b8660a8");
  EXPECT_EQ(hex(r.mrsigner), "d504543bc3717ed87d3982fbb7b17f3b07f12ba66b69f75c02536620f35d0d5b");
  EXPECT_EQ(r.isv_prod_id, 0);
  EXPECT_EQ(r.isv_svn, 0);
  EXPECT_EQ(hex(r.attributes), "0700000000000000e700000000000000");
  EXPECT_TRUE(r.debug());
  EXPECT_EQ(hex(r.report_data),
            "44f4dcf977f4990e4e94c29e8590727b754a4477f0249d3685887cff7f2ba484" + zeros(32));
  EXPECT_EQ(q.qe_report.isv_svn, 11);
  EXPECT_EQ(q.trailing_bytes, 0u);
}

// "abcd...ef" matches any hex string starting with abcd and ending with ef (SOURCES.md abbreviates
// some values that way); a pattern without "..." must match exactly.
bool matches(const std::string& actual, const std::string& pattern) {
  auto dots = pattern.find("...");
  if (dots == std::string::npos) return actual == pattern;
  const std::string head = pattern.substr(0, dots);
  const std::string tail = pattern.substr(dots + 3);
  return actual.size() >= head.size() + tail.size() && actual.compare(0, head.size(), head) == 0 &&
         actual.compare(actual.size() - tail.size(), tail.size(), tail) == 0;
}

struct SgxExpectation {
  std::string file;
  std::size_t size;
  std::string mrenclave;  // hex or pattern (see matches())
  std::string mrsigner;
  std::uint16_t isv_prod_id;
  std::uint16_t isv_svn;
  std::uint64_t flags;
  std::uint64_t xfrm;
  std::string report_data;  // hex or pattern, all 64 bytes
  std::optional<std::uint16_t> qe_svn;
  std::optional<std::uint16_t> pce_svn;
  std::uint16_t qe_isv_svn;
};

TEST(QuoteReal, CosmianSgxQuotes) {
  const std::string z32 = zeros(32);
  const std::vector<SgxExpectation> cases = {
      {"cosmian/msehome_2023-05_ratls_quote.bin", 4734,
       "0e4ec55e690b06a574af59dfd51baa3866ac4c8d37896effc0f1fad17b31cf3b", kCosmianMrsigner, 1, 10,
       0x5, 0xe7, "8d88360ed0eb149b40a220b2a9eb2f2d7de55952fb8b4759edf343a49e8df81c" + z32, 9, 14,
       9},
      {"cosmian/cloud_2023-09_devcosmianio_ratls_quote.bin", 4734,
       "958e39c89abec8cfb5ce01961a50860c770c75b01e64ed77847097f9705ed7bd", kCosmianMrsigner, 1, 10,
       0x5, 0xe7,
       "f274ba3415e8d477954b437e6fb6d9d71979c032928fa66657b4f28f4d144552"
       "bbffec2ccfc20eb7a75e5d4aec0930d27ba3fe003e4189629cea59a717d79018",
       std::nullopt, std::nullopt, 9},
      {"cosmian/teetools_2023-12_DEBUG_enclave_ratls_quote.bin", 4734,
       "72009e6e7ddebcb7a8cf6b000b40aa20fd15d2c4fd524e85e80df6e8e0841d10", kCosmianMrsigner, 0, 0,
       0x7, 0xe7, "25391834f9db02be3f373907cba5672c2a67f0dd549eea6a82d9291f7310d0c2" + z32, 10, 15,
       10},
      {"cosmian/teetools_2023-09_quote_mrenclave_f07830d7.bin", 4734,
       "f07830d7d2f8c67f64438303f3bc1a2e29f603ad1ab60ef94fd41d2bf7231866", kCosmianMrsigner, 1, 10,
       0x5, 0xe7, "8f9c4d13...6e26", std::nullopt, std::nullopt, 9},
      {"cosmian/azure_2023-09_processor_ca_quote_fmspc00906ED50000.bin", 4600,
       "c8028b8d8c455030ff2f8a295a29f42942f018f49e7df68393749a9733743831",
       "8f33288f9e63565fc11bbfe50b06c57814275aff49d70d63d71e4c0d5c462958", 1, 10, 0x5, 0x7,
       "256fa4a6...0c09" + z32, std::nullopt, std::nullopt, 9},
      {"cosmian/isra_2023-06_quote_mrsigner_ac2c9fa8.bin", 4734, "e413a4ed...b90e",
       "ac2c9fa87e4c91768b1d0c47169466c50d5a98c790639fbaefe7352a59919980", 1, 10, 0x5, 0xe7,
       zeros(64), std::nullopt, std::nullopt, 9},
      {"cosmian/isra_2023-02_quote_certdata_without_trailing_nul.bin", 4733, "053e6dfa...ac41",
       kCosmianMrsigner, 1, 10, 0x5, 0xe7, "5186891b...86e7" + z32, 8, 13, 8},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.file);
    const Bytes data = load(c.file);
    EXPECT_EQ(data.size(), c.size);
    const Quote q = parse_quote(data);
    EXPECT_EQ(q.version, 3);
    EXPECT_EQ(q.tee, TeeType::kSgx);
    EXPECT_EQ(q.signed_size, 432u);
    EXPECT_EQ(q.trailing_bytes, 0u);
    ASSERT_TRUE(q.enclave_report);
    const EnclaveReport& r = *q.enclave_report;
    EXPECT_PRED2(matches, hex(r.mrenclave), c.mrenclave);
    EXPECT_EQ(hex(r.mrsigner), c.mrsigner);
    EXPECT_EQ(r.isv_prod_id, c.isv_prod_id);
    EXPECT_EQ(r.isv_svn, c.isv_svn);
    EXPECT_EQ(r.flags(), c.flags);
    EXPECT_EQ(r.xfrm(), c.xfrm);
    EXPECT_EQ(r.debug(), (c.flags & 2) != 0);
    EXPECT_PRED2(matches, hex(r.report_data), c.report_data);
    if (c.qe_svn) {
      EXPECT_EQ(q.qe_svn, *c.qe_svn);
    }
    if (c.pce_svn) {
      EXPECT_EQ(q.pce_svn, *c.pce_svn);
    }
    EXPECT_EQ(hex(q.qe_report.mrsigner), kIntelQeMrsigner);
    EXPECT_EQ(q.qe_report.isv_prod_id, 1);
    EXPECT_EQ(q.qe_report.isv_svn, c.qe_isv_svn);
    EXPECT_EQ(q.certification_data_type, 5);
  }
}

TEST(QuoteReal, TeetoolsQuoteUsesAllOfReportData) {
  const Quote q = parse_quote(load("cosmian/teetools_2023-09_quote_mrenclave_f07830d7.bin"));
  const std::string rd = hex(q.report_data());
  EXPECT_PRED2(matches, rd.substr(0, 64), "8f9c4d13...d2bb");
  EXPECT_PRED2(matches, rd.substr(64), "490a03af...6e26");
}

TEST(QuoteReal, IsraQuoteCertDataIsNotNulTerminated) {
  const Quote q = parse_quote(load("cosmian/isra_2023-02_quote_certdata_without_trailing_nul.bin"));
  ASSERT_EQ(q.certification_data.size(), 3681u);
  EXPECT_NE(q.certification_data.back(), 0x00);
  EXPECT_EQ(q.certification_data.back(), '\n');
  EXPECT_EQ(count_pem_certs(q.certification_data), 3u);
  // A sibling quote of the same family keeps its NUL: the parser does not strip it.
  const Quote nul = parse_quote(load("cosmian/isra_2023-06_quote_mrsigner_ac2c9fa8.bin"));
  ASSERT_EQ(nul.certification_data.size(), 3682u);
  EXPECT_EQ(nul.certification_data.back(), 0x00);
}

// ---------------------------------------------------------------------------------------------
// Structure-level mutations (dcap/SOURCES.md table and go-tdx-guest TestNegativeVerification).

TEST(QuoteMutation, VersionSetTo2IsUnsupported) {
  for (const char* file : {kSgxV3, kTdxV4, kTdxV5}) {
    SCOPED_TRACE(file);
    std::string msg;
    EXPECT_EQ(parse_status(with_byte(load(file), 0, 2), &msg),
              Status::STATUS_UNSUPPORTED_QUOTE_FORMAT);
    EXPECT_EQ(msg, "quote version 2 is not supported (3, 4, 5 are)");
    EXPECT_EQ(parse_status(with_byte(load(file), 0, 6)), Status::STATUS_UNSUPPORTED_QUOTE_FORMAT);
    EXPECT_EQ(parse_status(with_byte(load(file), 1, 1)), Status::STATUS_UNSUPPORTED_QUOTE_FORMAT);
  }
}

TEST(QuoteMutation, AttestationKeyTypeOtherThanP256IsUnsupported) {
  for (const char* file : {kSgxV3, kTdxV4, kTdxV5}) {
    SCOPED_TRACE(file);
    std::string msg;
    EXPECT_EQ(parse_status(with_byte(load(file), 2, 3), &msg),
              Status::STATUS_UNSUPPORTED_QUOTE_FORMAT);
    EXPECT_NE(msg.find("attestation key type 3"), std::string::npos) << msg;
  }
}

TEST(QuoteMutation, NonIntelQeVendorIsUnsupported) {
  for (const char* file : {kSgxV3, kTdxV4, kTdxV5}) {
    SCOPED_TRACE(file);
    std::string msg;
    EXPECT_EQ(parse_status(xored(load(file), 12, 0x01), &msg),
              Status::STATUS_UNSUPPORTED_QUOTE_FORMAT);
    EXPECT_EQ(msg,
              "QE vendor ID 929a7233f79c4ca9940a0db3957f0607 is not Intel's "
              "(939a7233f79c4ca9940a0db3957f0607)");
    EXPECT_EQ(parse_status(xored(load(file), 27, 0x80)), Status::STATUS_UNSUPPORTED_QUOTE_FORMAT);
  }
}

TEST(QuoteMutation, TeeTypeMustBeSgxOrTdx) {
  std::string msg;
  EXPECT_EQ(parse_status(with_byte(load(kTdxV4), 4, 0x42), &msg),
            Status::STATUS_UNSUPPORTED_QUOTE_FORMAT);
  EXPECT_EQ(msg, "TEE type 0x00000042 is not supported (0x00000000 SGX, 0x00000081 TDX)");
  EXPECT_EQ(parse_status(with_byte(load(kSgxV3), 7, 0x01)),
            Status::STATUS_UNSUPPORTED_QUOTE_FORMAT);
  // A TDX quote relabelled SGX is read with the wrong body size and falls apart.
  EXPECT_EQ(parse_status(with_byte(load(kTdxV4), 4, 0x00)),
            Status::STATUS_UNSUPPORTED_QUOTE_FORMAT);
}

TEST(QuoteMutation, Version3MustBeSgx) {
  // go-tdx-guest: offset 0 set to 3 on the SPR E4 TDX quote → "quote format not supported".
  std::string msg;
  EXPECT_EQ(parse_status(with_byte(load(kSprE4), 0, 3), &msg),
            Status::STATUS_UNSUPPORTED_QUOTE_FORMAT);
  EXPECT_EQ(msg, "quote version 3 carries SGX reports only, but its TEE type is TDX");
  EXPECT_EQ(parse_status(with_byte(load(kTdxV4), 0, 3)), Status::STATUS_UNSUPPORTED_QUOTE_FORMAT);
  EXPECT_EQ(parse_status(with_byte(load(kSgxV3), 4, 0x81)),
            Status::STATUS_UNSUPPORTED_QUOTE_FORMAT);
}

TEST(QuoteMutation, SignatureDataSizeMismatch) {
  // go-tdx-guest: byte 0x278 (low byte of the signature data length) set to 0x10 → size mismatch.
  const Bytes spr = load(kSprE4);
  ASSERT_EQ(get_u32(spr, 0x278), 4299u);
  std::string msg;
  EXPECT_EQ(parse_status(with_byte(spr, 0x278, 0x10), &msg),
            Status::STATUS_UNSUPPORTED_QUOTE_FORMAT);
  EXPECT_NE(msg.find("does not fit"), std::string::npos) << msg;
  // XOR 0x10 grows it by 16 bytes, still inside the buffer (39 trailing bytes): the signature
  // data then has 16 bytes its content does not account for.
  EXPECT_EQ(parse_status(xored(spr, 0x278, 0x10), &msg), Status::STATUS_UNSUPPORTED_QUOTE_FORMAT);
  EXPECT_NE(msg.find("size mismatch: 16 unused bytes"), std::string::npos) << msg;
  // Beyond the buffer.
  Bytes big = spr;
  put_u32(big, 0x278, 4299 + 40);
  EXPECT_EQ(parse_status(big, &msg), Status::STATUS_UNSUPPORTED_QUOTE_FORMAT);
  EXPECT_EQ(msg, "signature data length 4339 exceeds the 4338 bytes left");
  // Exactly up to the end of the buffer (trailing bytes swallowed): content mismatch again.
  put_u32(big, 0x278, 4299 + 39);
  EXPECT_EQ(parse_status(big), Status::STATUS_UNSUPPORTED_QUOTE_FORMAT);
}

TEST(QuoteMutation, TrailingBytesAreToleratedButSlackInsideSignatureDataIsNot) {
  Bytes data = load(kSgxV3);
  data.push_back(0xAA);
  Quote q = parse_quote(data);
  EXPECT_EQ(q.trailing_bytes, 1u);
  EXPECT_EQ(q.bytes.size(), 4601u);
  // Claim that byte as part of the signature data: nothing inside accounts for it.
  put_u32(data, 432, get_u32(data, 432) + 1);
  std::string msg;
  EXPECT_EQ(parse_status(data, &msg), Status::STATUS_UNSUPPORTED_QUOTE_FORMAT);
  EXPECT_NE(msg.find("1 unused bytes at offset 4600"), std::string::npos) << msg;

  // v4: slack between the end of the inner data and the end of the outer (type 6) data.
  Bytes tdx = load(kTdxV4);
  put_u32(tdx, 766, get_u32(tdx, 766) + 1);  // outer size
  put_u32(tdx, 632, get_u32(tdx, 632) + 1);  // sig data length, so the outer still fits
  EXPECT_EQ(parse_status(tdx, &msg), Status::STATUS_UNSUPPORTED_QUOTE_FORMAT);
  EXPECT_NE(msg.find("QE report certification data"), std::string::npos) << msg;
}

TEST(QuoteMutation, CertificationDataTypes) {
  // v3: cert type at 1046 must be 1..5; 1..4 parse (the verifier, not the parser, needs 5).
  for (std::uint8_t t = 1; t <= 5; ++t) {
    const Quote q = parse_quote(with_byte(load(kSgxV3), 1046, t));
    EXPECT_EQ(q.certification_data_type, t);
  }
  std::string msg;
  for (int t : {0, 6, 7, 0xff}) {
    EXPECT_EQ(parse_status(with_byte(load(kSgxV3), 1046, static_cast<std::uint8_t>(t)), &msg),
              Status::STATUS_UNSUPPORTED_QE_CERTIFICATION_DATA_TYPE)
        << t;
  }
  EXPECT_EQ(msg, "certification data type 255 is not supported (1..5 are)");

  // v4: outer type at 764 must be 6; inner type at 1252 must be 1..5.
  EXPECT_EQ(parse_status(with_byte(load(kTdxV4), 764, 5), &msg),
            Status::STATUS_UNSUPPORTED_QE_CERTIFICATION_DATA_TYPE);
  EXPECT_EQ(msg,
            "quote v4 certification data type 5 is not supported (6, QE report certification "
            "data, is required)");
  EXPECT_EQ(parse_status(with_byte(load(kTdxV4), 1252, 6)),
            Status::STATUS_UNSUPPORTED_QE_CERTIFICATION_DATA_TYPE);
  EXPECT_EQ(parse_status(with_byte(load(kTdxV4), 1252, 0)),
            Status::STATUS_UNSUPPORTED_QE_CERTIFICATION_DATA_TYPE);
  EXPECT_EQ(parse_quote(with_byte(load(kTdxV4), 1252, 4)).certification_data_type, 4);
  // v5: outer type at 764 + 70 (descriptor 6 + 64 extra body bytes).
  EXPECT_EQ(parse_status(with_byte(load(kTdxV5), 834, 5)),
            Status::STATUS_UNSUPPORTED_QE_CERTIFICATION_DATA_TYPE);
}

TEST(QuoteMutation, CertificationDataSizeLimit) {
  // Build a v3 quote whose certification data is exactly at, then just over, the limit.
  const Bytes base = load(kSgxV3);
  auto with_cert_size = [&](std::size_t n) {
    Bytes q(base.begin(), base.begin() + 1052);
    q.resize(1052 + n, 'A');
    put_u32(q, 1048, static_cast<std::uint32_t>(n));
    put_u32(q, 432, static_cast<std::uint32_t>(q.size() - 436));
    return q;
  };
  const Quote ok = parse_quote(with_cert_size(kMaxCertificationDataSize));
  EXPECT_EQ(ok.certification_data.size(), kMaxCertificationDataSize);
  std::string msg;
  EXPECT_EQ(parse_status(with_cert_size(kMaxCertificationDataSize + 1), &msg),
            Status::STATUS_INVALID_QE_CERTIFICATION_DATA_SIZE);
  EXPECT_EQ(msg, "certification data size 1048577 exceeds the 1048576-byte limit");
  EXPECT_EQ(parse_status(with_cert_size(0)), Status::STATUS_OK);
}

// Rebuilds the real SGX v3 quote as v4 or v5 (SGX body, type-6 wrapped certification data), the
// layout QVL accepts for SGX quotes ≥ v4. No signature checks happen here, so the bytes need not
// be signed.
Bytes sgx_v3_as(std::uint16_t version) {
  const Bytes v3 = load(kSgxV3);
  Bytes out(v3.begin(), v3.begin() + 432);  // header + body
  put_u16(out, 0, version);
  put_u32(out, 8, 0);  // v4/v5: reserved
  if (version == 5) {
    const Bytes descriptor = {1, 0, 0x80, 0x01, 0, 0};  // type 1, size 384
    out.insert(out.begin() + 48, descriptor.begin(), descriptor.end());
  }
  const ByteView qe_part = slice(v3, 564, v3.size());  // QE report .. certification data
  Bytes sig(v3.begin() + 436, v3.begin() + 564);       // ISV sig + attestation key
  sig.resize(sig.size() + 6);
  put_u16(sig, 128, 6);
  put_u32(sig, 130, static_cast<std::uint32_t>(qe_part.size()));
  sig.insert(sig.end(), qe_part.begin(), qe_part.end());
  out.resize(out.size() + 4);
  put_u32(out, out.size() - 4, static_cast<std::uint32_t>(sig.size()));
  out.insert(out.end(), sig.begin(), sig.end());
  return out;
}

TEST(QuoteSynthetic, SgxV4AndV5AreAccepted) {
  const Quote v3 = parse_quote(load(kSgxV3));
  for (int version : {4, 5}) {
    SCOPED_TRACE(version);
    const Quote q = parse_quote(sgx_v3_as(static_cast<std::uint16_t>(version)));
    EXPECT_EQ(q.version, version);
    EXPECT_EQ(q.tee, TeeType::kSgx);
    EXPECT_EQ(q.signed_size, version == 5 ? 438u : 432u);
    ASSERT_TRUE(q.enclave_report);
    EXPECT_EQ(q.enclave_report->raw, v3.enclave_report->raw);
    EXPECT_EQ(q.qe_report.raw, v3.qe_report.raw);
    EXPECT_EQ(q.qe_auth_data, v3.qe_auth_data);
    EXPECT_EQ(q.certification_data, v3.certification_data);
    EXPECT_EQ(q.certification_data_type, 5);
    EXPECT_EQ(q.trailing_bytes, 0u);
  }
}

TEST(QuoteSynthetic, V5BodyDescriptorMustMatchTeeAndSize) {
  std::string msg;
  // SGX quote declaring a TD body.
  Bytes sgx5 = sgx_v3_as(5);
  put_u16(sgx5, 48, 2);
  EXPECT_EQ(parse_status(sgx5, &msg), Status::STATUS_UNSUPPORTED_QUOTE_FORMAT);
  EXPECT_NE(msg.find("does not match TEE type SGX"), std::string::npos) << msg;
  // SGX body type with a wrong size.
  sgx5 = sgx_v3_as(5);
  put_u32(sgx5, 50, 385);
  EXPECT_EQ(parse_status(sgx5, &msg), Status::STATUS_UNSUPPORTED_QUOTE_FORMAT);
  EXPECT_EQ(msg, "quote v5 body size 385 does not match body type 1 (SGX report is 384 bytes)");

  const Bytes td15 = load(kTdxV5);
  Bytes m = td15;
  put_u16(m, 48, 1);  // TDX quote declaring an SGX body
  EXPECT_EQ(parse_status(m, &msg), Status::STATUS_UNSUPPORTED_QUOTE_FORMAT);
  EXPECT_NE(msg.find("does not match TEE type TDX"), std::string::npos) << msg;
  m = td15;
  put_u16(m, 48, 4);
  EXPECT_EQ(parse_status(m, &msg), Status::STATUS_UNSUPPORTED_QUOTE_FORMAT);
  EXPECT_NE(msg.find("body type 4 is unknown"), std::string::npos) << msg;
  m = td15;
  put_u16(m, 48, 0);
  EXPECT_EQ(parse_status(m), Status::STATUS_UNSUPPORTED_QUOTE_FORMAT);
  m = td15;
  put_u16(m, 48, 2);  // TD 1.0 type with the TD 1.5 size
  EXPECT_EQ(parse_status(m, &msg), Status::STATUS_UNSUPPORTED_QUOTE_FORMAT);
  EXPECT_EQ(msg, "quote v5 body size 648 does not match body type 2 (TD report 1.0 is 584 bytes)");
  m = td15;
  put_u32(m, 50, 0xFFFFFFFF);
  EXPECT_EQ(parse_status(m), Status::STATUS_UNSUPPORTED_QUOTE_FORMAT);
}

TEST(QuoteSynthetic, V5WithTdReport10) {
  // The v4 TDX quote with a v5 descriptor (type 2, 584) inserted before its body.
  Bytes data = load(kTdxV4);
  put_u16(data, 0, 5);
  const Bytes descriptor = {2, 0, 0x48, 0x02, 0, 0};
  data.insert(data.begin() + 48, descriptor.begin(), descriptor.end());
  const Quote q = parse_quote(data);
  EXPECT_EQ(q.version, 5);
  EXPECT_EQ(q.signed_size, 638u);
  ASSERT_TRUE(q.td_report);
  EXPECT_FALSE(q.td_report->is_td15);
  EXPECT_EQ(hex(q.td_report->tee_tcb_svn2), zeros(16));
  EXPECT_EQ(q.td_report->mrtd, parse_quote(load(kTdxV4)).td_report->mrtd);
  EXPECT_EQ(q.trailing_bytes, 70u);
}

TEST(QuoteSynthetic, TooShort) {
  std::string msg;
  const Bytes data = load(kSgxV3);
  EXPECT_EQ(parse_status(slice(data, 0, 1019), &msg), Status::STATUS_UNSUPPORTED_QUOTE_FORMAT);
  EXPECT_EQ(msg, "quote is 1019 bytes; a DCAP quote has at least 1020");
  EXPECT_EQ(parse_status(ByteView()), Status::STATUS_UNSUPPORTED_QUOTE_FORMAT);
}

TEST(QuoteSynthetic, EnclaveReportAccessors) {
  EXPECT_THROW(parse_enclave_report(Bytes(383)), AttestError);
  Bytes body(384, 0);
  for (std::size_t i = 0; i < 16; ++i) body[48 + i] = static_cast<std::uint8_t>(i + 1);
  body[256] = 0x34;
  body[257] = 0x12;
  body[16] = 0x78;
  body[19] = 0x01;
  const EnclaveReport r = parse_enclave_report(body);
  EXPECT_EQ(r.flags(), 0x0807060504030201u);
  EXPECT_EQ(r.xfrm(), 0x100f0e0d0c0b0a09u);
  EXPECT_FALSE(r.debug());  // 0x01 & 0x02 == 0
  EXPECT_EQ(r.isv_prod_id, 0x1234);
  EXPECT_EQ(r.miscselect, 0x01000078u);
  const Quote empty;
  EXPECT_EQ(empty.report_data(), (std::array<std::uint8_t, 64>{}));
}

// ---------------------------------------------------------------------------------------------
// Robustness: truncations and hostile length fields never crash (ASan/UBSan builds check that).

TEST(QuoteRobustness, EveryTruncationParsesOnlyInTrailingBytesOrThrows) {
  for (const auto& file : all_real_quotes()) {
    SCOPED_TRACE(file);
    const Bytes data = load(file);
    const std::size_t content_end = data.size() - parse_quote(data).trailing_bytes;
    std::vector<std::size_t> lengths;
    for (std::size_t n = 0; n <= std::min<std::size_t>(1100, data.size()); ++n)
      lengths.push_back(n);
    for (std::size_t n = 1100 + 37; n <= data.size(); n += 37) lengths.push_back(n);
    for (std::size_t n = content_end - 2; n <= data.size(); ++n) lengths.push_back(n);
    std::size_t parsed = 0;
    for (std::size_t n : lengths) {
      const ByteView cut(data.data(), n);
      try {
        const Quote q = parse_quote(cut);
        ++parsed;
        EXPECT_GE(n, content_end) << "length " << n;
        EXPECT_EQ(q.trailing_bytes, n - content_end);
      } catch (const AttestError& e) {
        EXPECT_LT(n, content_end) << "length " << n << ": " << e.what();
        EXPECT_EQ(e.status(), Status::STATUS_UNSUPPORTED_QUOTE_FORMAT) << e.what();
        EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
      }
    }
    EXPECT_GE(parsed, 1u);  // at least the full quote
  }
}

// Offsets of every u16/u32 length field in a real quote, found by walking its layout.
struct LengthField {
  std::size_t offset;
  std::size_t width;
  const char* name;
};
std::vector<LengthField> length_fields(const Bytes& data) {
  const Quote q = parse_quote(data);
  std::vector<LengthField> out;
  if (q.version == 5) out.push_back({50, 4, "body size"});
  const std::size_t sig = q.signed_size;
  out.push_back({sig, 4, "signature data length"});
  std::size_t p = sig + 4 + 128;
  if (q.version != 3) {
    out.push_back({p + 2, 4, "outer certification data size"});
    p += 6;
  }
  p += 384 + 64;
  out.push_back({p, 2, "QE auth data size"});
  p += 2 + q.qe_auth_data.size();
  out.push_back({p + 2, 4, "certification data size"});
  return out;
}

void expect_attest_error_or_parse(const Bytes& data, const std::string& what) {
  try {
    (void)parse_quote(data);
  } catch (const AttestError& e) {
    EXPECT_NE(std::string(e.what()), "") << what;
  }
}

TEST(QuoteRobustness, MaximalLengthFieldsAreRejected) {
  for (const auto& file : all_real_quotes()) {
    SCOPED_TRACE(file);
    const Bytes data = load(file);
    const auto fields = length_fields(data);
    Bytes all = data;
    for (const auto& f : fields) {
      SCOPED_TRACE(f.name);
      Bytes m = data;
      if (f.width == 2) {
        put_u16(m, f.offset, 0xFFFF);
        put_u16(all, f.offset, 0xFFFF);
      } else {
        put_u32(m, f.offset, 0xFFFFFFFF);
        put_u32(all, f.offset, 0xFFFFFFFF);
      }
      const Status s = parse_status(m);
      if (std::string(f.name) == "certification data size") {
        EXPECT_EQ(s, Status::STATUS_INVALID_QE_CERTIFICATION_DATA_SIZE);
      } else {
        EXPECT_EQ(s, Status::STATUS_UNSUPPORTED_QUOTE_FORMAT);
      }
      // Zero and one-off values too.
      for (std::uint32_t delta : {0u, 1u}) {
        Bytes z = data;
        if (f.width == 2) {
          put_u16(z, f.offset, static_cast<std::uint16_t>(delta));
        } else {
          put_u32(z, f.offset, delta);
        }
        EXPECT_NE(parse_status(z), Status::STATUS_OK);
      }
      // And with every truncation of the mutated quote.
      for (std::size_t n = 0; n <= m.size(); n += 97) {
        expect_attest_error_or_parse(Bytes(m.begin(), m.begin() + static_cast<long>(n)), f.name);
      }
    }
    EXPECT_NE(parse_status(all), Status::STATUS_OK);
    for (std::size_t n = 0; n <= all.size(); n += 61) {
      expect_attest_error_or_parse(Bytes(all.begin(), all.begin() + static_cast<long>(n)), "all");
    }
  }
}

TEST(QuoteRobustness, LengthFieldsOffByOne) {
  // Each length field ±1 (within the buffer where possible) must be rejected, never misparsed.
  for (const char* file : {kSgxV3, kTdxV4, kTdxV5, kSprE4}) {
    SCOPED_TRACE(file);
    const Bytes data = load(file);
    for (const auto& f : length_fields(data)) {
      SCOPED_TRACE(f.name);
      for (int delta : {-1, +1}) {
        Bytes m = data;
        if (f.width == 2) {
          const auto v = static_cast<std::uint16_t>(m[f.offset] | (m[f.offset + 1] << 8));
          put_u16(m, f.offset, static_cast<std::uint16_t>(v + delta));
        } else {
          put_u32(m, f.offset, static_cast<std::uint32_t>(get_u32(m, f.offset) + delta));
        }
        EXPECT_NE(parse_status(m), Status::STATUS_OK) << delta;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// decode_quote_file

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

TEST(DecodeQuoteFile, HexTextDecodesToTheSameBytes) {
  for (const char* file : {kSgxV3, kTdxV5}) {
    SCOPED_TRACE(file);
    const Bytes raw = load(file);
    const std::string h = to_hex(raw);
    EXPECT_EQ(decode_quote_file(as_bytes(h)), raw);
    EXPECT_EQ(decode_quote_file(as_bytes(upper(h))), raw);
    std::string wrapped;
    for (std::size_t i = 0; i < h.size(); i += 64) wrapped += h.substr(i, 64) + "\r\n";
    EXPECT_EQ(decode_quote_file(as_bytes(wrapped)), raw);
    EXPECT_EQ(decode_quote_file(as_bytes("  \t" + h + "\n\n")), raw);
    std::string spaced;  // "03 00 02 00 ..."
    for (std::size_t i = 0; i < h.size(); i += 2) spaced += h.substr(i, 2) + " ";
    EXPECT_EQ(decode_quote_file(as_bytes(spaced)), raw);
    EXPECT_EQ(parse_quote(decode_quote_file(as_bytes(wrapped))).bytes, raw);
  }
}

TEST(DecodeQuoteFile, RawBytesPassThrough) {
  for (const auto& file : all_real_quotes()) {
    const Bytes raw = load(file);
    EXPECT_EQ(decode_quote_file(raw), raw) << file;
  }
  EXPECT_EQ(decode_quote_file(ByteView()), Bytes());
  EXPECT_EQ(decode_quote_file(as_bytes(" \n")), Bytes({' ', '\n'}));  // no digits: not hex
  EXPECT_EQ(decode_quote_file(as_bytes("0x0300")), Bytes({'0', 'x', '0', '3', '0', '0'}));
}

TEST(DecodeQuoteFile, OddHexDigitCountIsAnError) {
  const std::string h = to_hex(load(kSgxV3));
  try {
    (void)decode_quote_file(as_bytes(h.substr(1)));
    ADD_FAILURE() << "odd hex accepted";
  } catch (const AttestError& e) {
    EXPECT_EQ(e.status(), Status::STATUS_UNSUPPORTED_QUOTE_FORMAT);
    EXPECT_EQ(std::string(e.what()), "hex quote file has an odd number of hex digits (9199)");
  }
  EXPECT_THROW(decode_quote_file(as_bytes("abc\n")), AttestError);
  EXPECT_THROW(decode_quote_file(as_bytes("0")), AttestError);
}

}  // namespace
}  // namespace ratls::attest
