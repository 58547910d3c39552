// The PCK certificate SGX extension (attest/pck_extension.h) on every real PCK certificate, and on
// hand-built DER values that miss, repeat, resize or truncate members.
#include <gtest/gtest.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include <array>
#include <initializer_list>
#include <string>
#include <vector>

#include "attest/pck_extension.h"
#include "attest/quote.h"
#include "attest/x509.h"
#include "tests/support/mutations.h"
#include "tests/support/testdata.h"

namespace ratls::attest {
namespace {

using test::status_of;

using test::read_bytes;
using test::read_text;
using test::real_path;

constexpr Status kInvalid = Status::STATUS_SGX_PCK_INVALID_EXTENSIONS;

X509Ptr cert_from_file(const std::string& relative) {
  return parse_certificate(read_bytes(real_path(relative)), Status::STATUS_SGX_PCK_INVALID);
}

// The PCK leaf of a quote's certification data (type 5 PEM chain).
X509Ptr quote_leaf(const std::string& relative) {
  const Quote q = parse_quote(read_bytes(real_path(relative)));
  EXPECT_EQ(q.certification_data_type, 5);
  auto chain = parse_pem_chain(as_chars(q.certification_data), Status::STATUS_SGX_PCK_INVALID);
  return std::move(chain.front());
}

// The extnValue content of 1.2.840.113741.1.13.1, read with OpenSSL only.
Bytes extension_value(const X509* cert) {
  ASN1_OBJECT* oid = OBJ_txt2obj("1.2.840.113741.1.13.1", 1);
  const int idx = X509_get_ext_by_OBJ(cert, oid, -1);
  ASN1_OBJECT_free(oid);
  if (idx < 0) return {};
  const ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(X509_get_ext(cert, idx));
  const std::uint8_t* p = ASN1_STRING_get0_data(data);
  return Bytes(p, p + ASN1_STRING_length(data));
}

std::vector<int> components(const PckExtension& e) {
  return std::vector<int>(e.tcb_components.begin(), e.tcb_components.end());
}

// ---------------------------------------------------------------------------------------------
// Real certificates (values from SOURCES.md; full-length hex read from the DER with OpenSSL).

TEST(PckExtensionReal, PlatformCaLeaf) {
  auto cert = cert_from_file("cosmian/pck_cert_from_platform_ca.pem");
  const PckExtension e = parse_pck_extension(cert.get());
  EXPECT_EQ(to_hex(e.fmspc), "30606a000000");
  EXPECT_EQ(to_hex(e.pce_id), "0000");
  EXPECT_EQ(to_hex(e.ppid), "d23804c16b628d9159831d2f37c07367");
  EXPECT_EQ(components(e), (std::vector<int>{4, 4, 3, 3, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(e.pcesvn, 11);
  EXPECT_EQ(to_hex(e.cpusvn), "04040303ffff00000000000000000000");
  EXPECT_EQ(e.sgx_type, 1);  // Scalable
  ASSERT_TRUE(e.platform_instance_id);
  EXPECT_EQ(to_hex(*e.platform_instance_id), "4e7f3e1b4c174ac2369869d1018d8171");
  ASSERT_TRUE(e.configuration);
  EXPECT_EQ(e.configuration->dynamic_platform, true);
  EXPECT_EQ(e.configuration->cached_keys, false);
  EXPECT_EQ(e.configuration->smt_enabled, true);
}

TEST(PckExtensionReal, ProcessorCaLeaf) {
  auto cert = cert_from_file("cosmian/pck_cert_from_processor_ca.pem");
  const PckExtension e = parse_pck_extension(cert.get());
  EXPECT_EQ(to_hex(e.fmspc), "00906ed50000");
  EXPECT_EQ(to_hex(e.pce_id), "0000");
  EXPECT_EQ(to_hex(e.ppid), "4a91453ebc87548625212d5fe49152e9");
  EXPECT_EQ(components(e), (std::vector<int>{21, 21, 2, 4, 1, 128, 14, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(e.pcesvn, 13);
  EXPECT_EQ(to_hex(e.cpusvn), "1515020401800e000000000000000000");
  EXPECT_EQ(e.sgx_type, 0);  // Standard
  EXPECT_FALSE(e.platform_instance_id);
  EXPECT_FALSE(e.configuration);
}

TEST(PckExtensionReal, MsehomeQuoteLeafIsThePlatformCaLeaf) {
  auto leaf = quote_leaf("cosmian/msehome_2023-05_ratls_quote.bin");
  auto file = cert_from_file("cosmian/pck_cert_from_platform_ca.pem");
  EXPECT_EQ(cert_der(leaf.get()), cert_der(file.get()));
  const PckExtension e = parse_pck_extension(leaf.get());
  EXPECT_EQ(to_hex(e.fmspc), "30606a000000");
  EXPECT_EQ(e.pcesvn, 11);
}

TEST(PckExtensionReal, AzureQuoteLeafIsTheProcessorCaLeaf) {
  auto leaf = quote_leaf("cosmian/azure_2023-09_processor_ca_quote_fmspc00906ED50000.bin");
  auto file = cert_from_file("cosmian/pck_cert_from_processor_ca.pem");
  EXPECT_EQ(cert_der(leaf.get()), cert_der(file.get()));
  EXPECT_EQ(to_hex(parse_pck_extension(leaf.get()).fmspc), "00906ed50000");
}

TEST(PckExtensionReal, PhalaSgxV3QuoteLeaf) {
  auto leaf = quote_leaf("dcap/phala_dcap_qvl/sgx_v3_quote.bin");
  const PckExtension e = parse_pck_extension(leaf.get());
  EXPECT_EQ(to_hex(e.fmspc), "00a067110000");
  EXPECT_EQ(to_hex(e.pce_id), "0000");
  EXPECT_EQ(e.pcesvn, 13);
  EXPECT_EQ(components(e), (std::vector<int>{11, 11, 2, 2, 255, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(to_hex(e.cpusvn), "0b0b0202ff0100000000000000000000");
  EXPECT_EQ(to_hex(e.ppid), "d04ec06d4e6d92dc90d0ad3cf5ee2ddf");
  EXPECT_EQ(e.sgx_type, 0);
  EXPECT_FALSE(e.platform_instance_id);
  EXPECT_FALSE(e.configuration);
}

TEST(PckExtensionReal, PhalaTdxV4QuoteLeaf) {
  auto leaf = quote_leaf("dcap/phala_dcap_qvl/tdx_v4_quote.bin");
  const PckExtension e = parse_pck_extension(leaf.get());
  EXPECT_EQ(to_hex(e.fmspc), "b0c06f000000");
  EXPECT_EQ(to_hex(e.pce_id), "0000");
  EXPECT_EQ(e.pcesvn, 11);
  EXPECT_EQ(components(e), (std::vector<int>{3, 3, 2, 2, 4, 1, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(e.sgx_type, 1);
  ASSERT_TRUE(e.platform_instance_id);
  EXPECT_EQ(to_hex(*e.platform_instance_id), "07828474603e7019dc930775ffe8cdd2");
  ASSERT_TRUE(e.configuration);
  EXPECT_EQ(e.configuration->dynamic_platform, true);
  EXPECT_EQ(e.configuration->cached_keys, true);
  EXPECT_EQ(e.configuration->smt_enabled, true);
}

TEST(PckExtensionReal, PhalaTdxV5QuoteLeaf) {
  auto leaf = quote_leaf("dcap/phala_dcap_qvl/tdx_v5_td15_quote_no_tcb_level.bin");
  const PckExtension e = parse_pck_extension(leaf.get());
  EXPECT_EQ(to_hex(e.fmspc), "90c06f000000");
  EXPECT_EQ(e.pcesvn, 13);
  EXPECT_EQ(components(e), (std::vector<int>{3, 3, 2, 2, 4, 1, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(e.sgx_type, 1);
}

TEST(PckExtensionReal, GoTdxGuestSprE4QuoteLeaf) {
  // TestPckCertificateExtensions in google/go-tdx-guest.
  auto leaf = quote_leaf("dcap/google_go_tdx_guest/tdx_v4_quote_spr_e4.bin");
  const PckExtension e = parse_pck_extension(leaf.get());
  EXPECT_EQ(to_hex(e.fmspc), "50806f000000");
  EXPECT_EQ(to_hex(e.pce_id), "0000");
  EXPECT_EQ(e.pcesvn, 11);
  EXPECT_EQ(to_hex(e.cpusvn), "03030202020100020000000000000000");
  EXPECT_EQ(components(e), (std::vector<int>{3, 3, 2, 2, 2, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(to_hex(e.ppid), "089ddfdb9c0359c82a3bc7719239574e");
  EXPECT_EQ(e.sgx_type, 1);
}

TEST(PckExtensionReal, ValueParserAgreesWithCertificateParser) {
  auto cert = cert_from_file("cosmian/pck_cert_from_platform_ca.pem");
  const Bytes value = extension_value(cert.get());
  ASSERT_FALSE(value.empty());
  const PckExtension a = parse_pck_extension(cert.get());
  const PckExtension b = parse_pck_extension_value(value);
  EXPECT_EQ(a.ppid, b.ppid);
  EXPECT_EQ(a.tcb_components, b.tcb_components);
  EXPECT_EQ(a.pcesvn, b.pcesvn);
  EXPECT_EQ(a.cpusvn, b.cpusvn);
  EXPECT_EQ(a.fmspc, b.fmspc);
  EXPECT_EQ(a.platform_instance_id, b.platform_instance_id);
}

TEST(PckExtensionReal, CertificatesWithoutTheExtensionThrow) {
  auto root = intel_sgx_root_ca();
  EXPECT_EQ(status_of([&] { parse_pck_extension(root.get()); }), kInvalid);
  auto ca = cert_from_file("cosmian/intel_sgx_pck_platform_ca.pem");
  EXPECT_EQ(status_of([&] { parse_pck_extension(ca.get()); }), kInvalid);
  auto tcb = cert_from_file("cosmian/msehome_2023-05_tcb_signing_cert.pem");
  EXPECT_EQ(status_of([&] { parse_pck_extension(tcb.get()); }), kInvalid);
}

TEST(PckExtensionReal, EveryTruncationIsRejected) {
  auto cert = cert_from_file("cosmian/pck_cert_from_platform_ca.pem");
  const Bytes value = extension_value(cert.get());
  ASSERT_GT(value.size(), 500u);
  for (std::size_t n = 0; n < value.size(); ++n) {
    EXPECT_EQ(status_of([&] { parse_pck_extension_value(ByteView(value.data(), n)); }), kInvalid)
        << "prefix of " << n << " bytes";
  }
  Bytes trailing = value;
  trailing.push_back(0x00);
  EXPECT_EQ(status_of([&] { parse_pck_extension_value(trailing); }), kInvalid);
}

TEST(PckExtensionReal, SingleByteMutationsNeverEscapeAsOtherErrors) {
  auto cert = cert_from_file("cosmian/pck_cert_from_processor_ca.pem");
  const Bytes value = extension_value(cert.get());
  for (std::size_t i = 0; i < value.size(); ++i) {
    for (std::uint8_t mask : std::initializer_list<std::uint8_t>{0x01, 0x80, 0xff}) {
      Bytes m = value;
      m[i] = static_cast<std::uint8_t>(m[i] ^ mask);
      const Status s = status_of([&] { parse_pck_extension_value(m); });
      EXPECT_TRUE(s == Status::STATUS_OK || s == kInvalid) << i;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Hand-built DER

Bytes tlv(std::uint8_t tag, const Bytes& content) {
  Bytes out{tag};
  const std::size_t n = content.size();
  if (n < 0x80) {
    out.push_back(static_cast<std::uint8_t>(n));
  } else if (n < 0x100) {
    out.push_back(0x81);
    out.push_back(static_cast<std::uint8_t>(n));
  } else {
    out.push_back(0x82);
    out.push_back(static_cast<std::uint8_t>(n >> 8));
    out.push_back(static_cast<std::uint8_t>(n));
  }
  out.reserve(out.size() + n);
  for (std::uint8_t b : content) out.push_back(b);
  return out;
}

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) {
    for (std::uint8_t b : p) out.push_back(b);
  }
  return out;
}

Bytes cat(const std::vector<Bytes>& parts) {
  Bytes out;
  for (const Bytes& p : parts) {
    for (std::uint8_t b : p) out.push_back(b);
  }
  return out;
}

// OID 1.2.840.113741.1.13.1.<arcs>.
Bytes sgx_oid(std::initializer_list<std::uint8_t> arcs) {
  Bytes content{0x2A, 0x86, 0x48, 0x86, 0xF8, 0x4D, 0x01, 0x0D, 0x01};
  for (std::uint8_t a : arcs) content.push_back(a);
  return tlv(0x06, content);
}

Bytes member(std::initializer_list<std::uint8_t> arcs, const Bytes& value) {
  return tlv(0x30, cat({sgx_oid(arcs), value}));
}

Bytes octets(std::size_t n, std::uint8_t first) {
  Bytes b(n, 0x00);
  if (n > 0) b[0] = first;
  return tlv(0x04, b);
}

// Minimal DER INTEGER (or ENUMERATED with tag 0x0a) of a non-negative value.
Bytes integer(std::uint64_t v, std::uint8_t tag = 0x02) {
  Bytes content;
  do {
    content.insert(content.begin(), static_cast<std::uint8_t>(v & 0xff));
    v >>= 8;
  } while (v != 0);
  if (content[0] & 0x80) content.insert(content.begin(), 0x00);
  return tlv(tag, content);
}

Bytes boolean(bool b) {
  return tlv(0x01, Bytes{static_cast<std::uint8_t>(b ? 0xff : 0x00)});
}

// TCB members: 16 components with SVN i+1, PCESVN 0x1234, CPUSVN 01..10.
std::vector<Bytes> tcb_members() {
  std::vector<Bytes> m;
  for (std::uint8_t i = 1; i <= 16; ++i) m.push_back(member({2, i}, integer(i)));
  m.push_back(member({2, 17}, integer(0x1234)));
  Bytes cpusvn;
  for (std::uint8_t i = 1; i <= 16; ++i) cpusvn.push_back(i);
  m.push_back(member({2, 18}, tlv(0x04, cpusvn)));
  return m;
}

Bytes tcb(const std::vector<Bytes>& members) {
  return member({2}, tlv(0x30, cat(members)));
}

// Top-level members: PPID, TCB, PCE-ID, FMSPC, SGX type (Standard).
std::vector<Bytes> standard_members() {
  return {member({1}, octets(16, 0xaa)), tcb(tcb_members()), member({3}, octets(2, 0x01)),
          member({4}, octets(6, 0x50)), member({5}, integer(0, 0x0a))};
}

Bytes extension(const std::vector<Bytes>& members) {
  return tlv(0x30, cat(members));
}

std::vector<Bytes> without(std::vector<Bytes> v, std::size_t index) {
  v.erase(v.begin() + static_cast<std::ptrdiff_t>(index));
  return v;
}

std::vector<Bytes> with(std::vector<Bytes> v, const Bytes& extra) {
  v.push_back(extra);
  return v;
}

std::vector<Bytes> replaced(std::vector<Bytes> v, std::size_t index, const Bytes& value) {
  v[index] = value;
  return v;
}

Status parse_status(const std::vector<Bytes>& members) {
  const Bytes der = extension(members);
  return status_of([&] { parse_pck_extension_value(der); });
}

TEST(PckExtensionBuilt, MinimalValueParses) {
  const PckExtension e = parse_pck_extension_value(extension(standard_members()));
  EXPECT_EQ(to_hex(e.ppid), "aa000000000000000000000000000000");
  EXPECT_EQ(components(e),
            (std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}));
  EXPECT_EQ(e.pcesvn, 0x1234);
  EXPECT_EQ(to_hex(e.cpusvn), "0102030405060708090a0b0c0d0e0f10");
  EXPECT_EQ(to_hex(e.pce_id), "0100");
  EXPECT_EQ(to_hex(e.fmspc), "500000000000");
  EXPECT_EQ(e.sgx_type, 0);
  EXPECT_FALSE(e.platform_instance_id);
  EXPECT_FALSE(e.configuration);
}

TEST(PckExtensionBuilt, MembersInAnyOrderAndUnknownOnesIgnored) {
  std::vector<Bytes> m = standard_members();
  std::swap(m[0], m[4]);
  m.push_back(member({8}, octets(3, 0x01)));  // unknown arc under the base
  m.push_back(tlv(0x30, cat({tlv(0x06, Bytes{0x2b, 0x06}), integer(1)})));  // another OID
  m.push_back(member({5, 1}, integer(9)));                                  // deeper unknown arc
  const PckExtension e = parse_pck_extension_value(extension(m));
  EXPECT_EQ(to_hex(e.fmspc), "500000000000");
  EXPECT_EQ(e.sgx_type, 0);
}

TEST(PckExtensionBuilt, OptionalMembers) {
  std::vector<Bytes> m = standard_members();
  m[4] = member({5}, integer(2, 0x0a));
  m.push_back(member({6}, octets(16, 0x77)));
  m.push_back(
      member({7}, tlv(0x30, cat({member({7, 1}, boolean(false)), member({7, 3}, boolean(true))}))));
  const PckExtension e = parse_pck_extension_value(extension(m));
  EXPECT_EQ(e.sgx_type, 2);
  ASSERT_TRUE(e.platform_instance_id);
  EXPECT_EQ(to_hex(*e.platform_instance_id), "77000000000000000000000000000000");
  ASSERT_TRUE(e.configuration);
  EXPECT_EQ(e.configuration->dynamic_platform, false);
  EXPECT_FALSE(e.configuration->cached_keys);
  EXPECT_EQ(e.configuration->smt_enabled, true);
}

TEST(PckExtensionBuilt, EachMissingRequiredMemberIsRejected) {
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(parse_status(without(standard_members(), i)), kInvalid) << "member " << i + 1;
  }
  EXPECT_EQ(parse_status({}), kInvalid);
}

TEST(PckExtensionBuilt, EachMissingTcbMemberIsRejected) {
  for (std::size_t i = 0; i < 18; ++i) {
    EXPECT_EQ(parse_status(replaced(standard_members(), 1, tcb(without(tcb_members(), i)))),
              kInvalid)
        << "TCB member " << i + 1;
  }
}

TEST(PckExtensionBuilt, DuplicateMembersAreRejected) {
  const std::vector<Bytes> m = standard_members();
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(parse_status(with(m, m[i])), kInvalid) << "member " << i + 1;
  }
  // A TCB component, PCESVN and CPUSVN twice.
  const std::vector<Bytes> t = tcb_members();
  for (std::size_t i : {0u, 15u, 16u, 17u}) {
    EXPECT_EQ(parse_status(replaced(m, 1, tcb(with(t, t[i])))), kInvalid) << "TCB member " << i;
  }
  // Optional members twice.
  EXPECT_EQ(parse_status(with(with(m, member({6}, octets(16, 1))), member({6}, octets(16, 1)))),
            kInvalid);
  EXPECT_EQ(parse_status(with(m, member({7}, tlv(0x30, cat({member({7, 2}, boolean(true)),
                                                            member({7, 2}, boolean(true))}))))),
            kInvalid);
}

TEST(PckExtensionBuilt, WrongSizesAreRejected) {
  const std::vector<Bytes> m = standard_members();
  EXPECT_EQ(parse_status(replaced(m, 0, member({1}, octets(15, 1)))), kInvalid);  // PPID
  EXPECT_EQ(parse_status(replaced(m, 0, member({1}, octets(17, 1)))), kInvalid);
  EXPECT_EQ(parse_status(replaced(m, 2, member({3}, octets(1, 1)))), kInvalid);  // PCE-ID
  EXPECT_EQ(parse_status(replaced(m, 2, member({3}, octets(3, 1)))), kInvalid);
  EXPECT_EQ(parse_status(replaced(m, 3, member({4}, octets(5, 1)))), kInvalid);  // FMSPC
  EXPECT_EQ(parse_status(replaced(m, 3, member({4}, octets(7, 1)))), kInvalid);
  EXPECT_EQ(parse_status(with(m, member({6}, octets(15, 1)))), kInvalid);  // instance ID
  std::vector<Bytes> t = tcb_members();
  t[17] = member({2, 18}, octets(15, 1));  // CPUSVN
  EXPECT_EQ(parse_status(replaced(m, 1, tcb(t))), kInvalid);
  t[17] = member({2, 18}, octets(17, 1));
  EXPECT_EQ(parse_status(replaced(m, 1, tcb(t))), kInvalid);
}

TEST(PckExtensionBuilt, OutOfRangeAndIllTypedValuesAreRejected) {
  const std::vector<Bytes> m = standard_members();
  const std::vector<Bytes> t = tcb_members();
  // Component 256, PCESVN 65536, SGX type 3, negative and non-minimal integers.
  EXPECT_EQ(parse_status(replaced(m, 1, tcb(replaced(t, 4, member({2, 5}, integer(256)))))),
            kInvalid);
  EXPECT_EQ(parse_status(replaced(m, 1, tcb(replaced(t, 4, member({2, 5}, integer(255)))))),
            Status::STATUS_OK);
  EXPECT_EQ(parse_status(replaced(m, 1, tcb(replaced(t, 16, member({2, 17}, integer(65536)))))),
            kInvalid);
  EXPECT_EQ(parse_status(replaced(m, 1, tcb(replaced(t, 16, member({2, 17}, integer(65535)))))),
            Status::STATUS_OK);
  EXPECT_EQ(parse_status(replaced(m, 4, member({5}, integer(3, 0x0a)))), kInvalid);
  EXPECT_EQ(parse_status(replaced(m, 1, tcb(replaced(t, 0, member({2, 1}, tlv(0x02, {0xff})))))),
            kInvalid);
  EXPECT_EQ(
      parse_status(replaced(m, 1, tcb(replaced(t, 0, member({2, 1}, tlv(0x02, {0x00, 0x05})))))),
      kInvalid);
  // Types: SGX type as INTEGER, a component as OCTET STRING, PPID as INTEGER, TCB not a SEQUENCE,
  // configuration flag not a BOOLEAN.
  EXPECT_EQ(parse_status(replaced(m, 4, member({5}, integer(0)))), kInvalid);
  EXPECT_EQ(parse_status(replaced(m, 1, tcb(replaced(t, 3, member({2, 4}, octets(1, 4)))))),
            kInvalid);
  EXPECT_EQ(parse_status(replaced(m, 0, member({1}, integer(5)))), kInvalid);
  EXPECT_EQ(parse_status(replaced(m, 1, member({2}, octets(16, 0)))), kInvalid);
  EXPECT_EQ(parse_status(with(m, member({7}, tlv(0x30, member({7, 1}, integer(1)))))), kInvalid);
  EXPECT_EQ(parse_status(with(m, member({7}, tlv(0x30, member({7, 1}, tlv(0x01, {0xff, 0xff})))))),
            kInvalid);
  EXPECT_EQ(parse_status(with(m, member({7}, octets(3, 0)))), kInvalid);
}

TEST(PckExtensionBuilt, MalformedStructureIsRejected) {
  const std::vector<Bytes> m = standard_members();
  // A member with three elements, a member that is not a SEQUENCE, a member without value.
  EXPECT_EQ(parse_status(with(m, tlv(0x30, cat({sgx_oid({8}), integer(1), integer(2)})))),
            kInvalid);
  EXPECT_EQ(parse_status(with(m, integer(1))), kInvalid);
  EXPECT_EQ(parse_status(with(m, tlv(0x30, sgx_oid({8})))), kInvalid);
  // The outer value: not a SEQUENCE, two SEQUENCEs, empty.
  const Bytes good = extension(m);
  Bytes set = good;
  set[0] = 0x31;
  EXPECT_EQ(status_of([&] { parse_pck_extension_value(set); }), kInvalid);
  const Bytes twice = cat({good, good});
  EXPECT_EQ(status_of([&] { parse_pck_extension_value(twice); }), kInvalid);
  EXPECT_EQ(status_of([] { parse_pck_extension_value(ByteView{}); }), kInvalid);
}

TEST(PckExtensionBuilt, EveryTruncationIsRejected) {
  const Bytes good = extension(standard_members());
  for (std::size_t n = 0; n < good.size(); ++n) {
    EXPECT_EQ(status_of([&] { parse_pck_extension_value(ByteView(good.data(), n)); }), kInvalid)
        << n;
  }
}

}  // namespace
}  // namespace ratls::attest
