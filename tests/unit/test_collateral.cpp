// Collateral decoders (attest/collateral.h): dcap-qvl JSON, Cosmian evidence.json (with its
// base64-of-hex quirk), the directory form built from go-tdx-guest's PCS files, format detection
// and PCS response splitting. The decoded signed bytes must be exactly what Intel signed, so every
// real case also checks the signature with the issuer chain's key.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "attest/collateral.h"
#include "attest/json_raw.h"
#include "attest/x509.h"
#include "tests/support/mutations.h"
#include "tests/support/testdata.h"

namespace ratls::attest {
namespace {

using test::status_of;

using nlohmann::json;
using test::at;
using test::read_bytes;
using test::read_text;
using test::real_path;

constexpr Status kTcbFormat = Status::STATUS_SGX_TCB_INFO_UNSUPPORTED_FORMAT;
constexpr Status kQeFormat = Status::STATUS_SGX_ENCLAVE_IDENTITY_UNSUPPORTED_FORMAT;
constexpr Status kCrlFormat = Status::STATUS_SGX_CRL_UNSUPPORTED_FORMAT;
constexpr Status kMissing = Status::STATUS_MISSING_PARAMETERS;
constexpr Status kInvalid = Status::STATUS_INVALID_PARAMETER;

constexpr const char* kEvidence = "cosmian/msehome_2023-05_evidence.json";
constexpr const char* kGo = "dcap/google_go_tdx_guest/";

// True when `signed_json` carries a valid signature by the first certificate of `chain_pem`.
bool signed_by_chain_leaf(const SignedJson& s, const std::string& chain_pem) {
  auto chain = parse_pem_chain(chain_pem, Status::STATUS_SGX_TCB_SIGNING_CERT_INVALID);
  return ecdsa_p256_verify_raw(X509_get0_pubkey(chain.front().get()), as_bytes(s.body),
                               s.signature);
}

std::vector<std::string> common_names(const std::string& chain_pem) {
  std::vector<std::string> out;
  for (const auto& c : parse_pem_chain(chain_pem, Status::STATUS_SGX_PCK_INVALID)) {
    out.push_back(common_name(c.get()));
  }
  return out;
}

using Strings = std::vector<std::string>;

std::string base64(ByteView data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data.data(),
                                static_cast<int>(data.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

// ---------------------------------------------------------------------------------------------
// dcap-qvl QuoteCollateralV3

struct DcapCase {
  const char* name;
  const char* file;
  const char* pck_ca;
  const char* at;  // the time the source's tests use
};

class DcapQvl : public ::testing::TestWithParam<DcapCase> {};

TEST_P(DcapQvl, DecodesEveryFieldExactly) {
  const std::string text = read_text(real_path(GetParam().file));
  const json doc = json::parse(text);
  const Collateral c = collateral_from_dcap_qvl_json(text);
  EXPECT_EQ(c.source, "dcap-qvl collateral JSON");
  // Signed bytes as stored, signatures as raw r||s.
  EXPECT_EQ(c.tcb_info.body, doc.at("tcb_info").get<std::string>());
  EXPECT_EQ(to_hex(c.tcb_info.signature), doc.at("tcb_info_signature").get<std::string>());
  EXPECT_EQ(c.qe_identity.body, doc.at("qe_identity").get<std::string>());
  EXPECT_EQ(to_hex(c.qe_identity.signature), doc.at("qe_identity_signature").get<std::string>());
  EXPECT_EQ(c.tcb_info.signature.size(), 64u);
  EXPECT_EQ(c.qe_identity.signature.size(), 64u);
  // Chains as stored.
  EXPECT_EQ(c.tcb_info_issuer_chain, doc.at("tcb_info_issuer_chain").get<std::string>());
  EXPECT_EQ(c.qe_identity_issuer_chain, doc.at("qe_identity_issuer_chain").get<std::string>());
  EXPECT_EQ(c.pck_crl_issuer_chain, doc.at("pck_crl_issuer_chain").get<std::string>());
  EXPECT_EQ(common_names(c.tcb_info_issuer_chain),
            (Strings{"Intel SGX TCB Signing", "Intel SGX Root CA"}));
  EXPECT_EQ(common_names(c.qe_identity_issuer_chain),
            (Strings{"Intel SGX TCB Signing", "Intel SGX Root CA"}));
  EXPECT_EQ(common_names(c.pck_crl_issuer_chain),
            (Strings{GetParam().pck_ca, "Intel SGX Root CA"}));
  // CRLs: hex of DER decoded to DER.
  EXPECT_EQ(to_hex(c.pck_crl), doc.at("pck_crl").get<std::string>());
  EXPECT_EQ(to_hex(c.root_ca_crl), doc.at("root_ca_crl").get<std::string>());
  ASSERT_FALSE(c.pck_crl.empty());
  EXPECT_EQ(c.pck_crl[0], 0x30);
  // Signatures verify over the exact bytes, and the CRLs check against their issuers.
  EXPECT_TRUE(signed_by_chain_leaf(c.tcb_info, c.tcb_info_issuer_chain));
  EXPECT_TRUE(signed_by_chain_leaf(c.qe_identity, c.qe_identity_issuer_chain));
  auto pck_issuers = parse_pem_chain(c.pck_crl_issuer_chain, Status::STATUS_SGX_PCK_INVALID);
  auto pck_crl = parse_crl(c.pck_crl);
  auto root_crl = parse_crl(c.root_ca_crl);
  const UnixTime t = at(GetParam().at);
  auto pck_check = check_crl(pck_crl.get(), pck_issuers[0].get(), nullptr, t);
  EXPECT_TRUE(pck_check.ok()) << pck_check.message;
  auto root = intel_sgx_root_ca();
  auto root_check = check_crl(root_crl.get(), root.get(), pck_issuers[0].get(), t);
  EXPECT_TRUE(root_check.ok()) << root_check.message;
}

INSTANTIATE_TEST_SUITE_P(
    Real, DcapQvl,
    ::testing::Values(DcapCase{"SgxV3", "dcap/phala_dcap_qvl/sgx_v3_quote.collateral.json",
                               "Intel SGX PCK Processor CA", "2025-07-19T10:01:17Z"},
                      DcapCase{"TdxV4", "dcap/phala_dcap_qvl/tdx_v4_quote.collateral.json",
                               "Intel SGX PCK Platform CA", "2025-07-19T10:00:34Z"},
                      DcapCase{"TdxV5",
                               "dcap/phala_dcap_qvl/tdx_v5_td15_quote_no_tcb_level.collateral.json",
                               "Intel SGX PCK Platform CA", "2026-03-20T10:41:14Z"}),
    [](const ::testing::TestParamInfo<DcapCase>& p) { return std::string(p.param.name); });

TEST(DcapQvlErrors, MissingAndIllTypedFields) {
  const json doc =
      json::parse(read_text(real_path("dcap/phala_dcap_qvl/sgx_v3_quote.collateral.json")));
  auto without = [&](const char* key) {
    json d = doc;
    d.erase(key);
    return d.dump();
  };
  auto with = [&](const char* key, const json& value) {
    json d = doc;
    d[key] = value;
    return d.dump();
  };
  for (const char* key :
       {"tcb_info", "tcb_info_signature", "tcb_info_issuer_chain", "qe_identity",
        "qe_identity_signature", "qe_identity_issuer_chain", "pck_crl", "root_ca_crl"}) {
    EXPECT_EQ(status_of([&] { collateral_from_dcap_qvl_json(without(key)); }), kMissing) << key;
  }
  // The PCK CRL issuer chain is optional.
  const Collateral c = collateral_from_dcap_qvl_json(without("pck_crl_issuer_chain"));
  EXPECT_TRUE(c.pck_crl_issuer_chain.empty());
  EXPECT_EQ(status_of([&] { collateral_from_dcap_qvl_json(with("pck_crl_issuer_chain", 1)); }),
            kCrlFormat);
  // Types and encodings, each with the status of its item.
  EXPECT_EQ(status_of([&] { collateral_from_dcap_qvl_json(with("tcb_info", json::object())); }),
            kTcbFormat);
  EXPECT_EQ(status_of([&] { collateral_from_dcap_qvl_json(with("tcb_info_signature", "abcd")); }),
            kTcbFormat);
  EXPECT_EQ(status_of([&] {
              collateral_from_dcap_qvl_json(with("tcb_info_signature", std::string(128, 'g')));
            }),
            kTcbFormat);
  EXPECT_EQ(status_of([&] { collateral_from_dcap_qvl_json(with("qe_identity", 5)); }), kQeFormat);
  EXPECT_EQ(status_of([&] {
              collateral_from_dcap_qvl_json(with("qe_identity_signature", std::string(130, '0')));
            }),
            kQeFormat);
  EXPECT_EQ(status_of([&] { collateral_from_dcap_qvl_json(with("pck_crl", "")); }), kCrlFormat);
  EXPECT_EQ(status_of([&] { collateral_from_dcap_qvl_json(with("pck_crl", "30xx")); }), kCrlFormat);
  EXPECT_EQ(status_of([&] { collateral_from_dcap_qvl_json(with("root_ca_crl", true)); }),
            kCrlFormat);
  // The container itself.
  EXPECT_EQ(status_of([] { collateral_from_dcap_qvl_json("not json"); }), kInvalid);
  EXPECT_EQ(status_of([] { collateral_from_dcap_qvl_json("[]"); }), kInvalid);
  EXPECT_EQ(status_of([] { collateral_from_dcap_qvl_json(""); }), kInvalid);
  const std::string text = doc.dump();
  EXPECT_EQ(
      status_of([&] {
        collateral_from_dcap_qvl_json(text.substr(0, text.size() - 1) + R"(,"pck_crl":"00"})");
      }),
      kInvalid);  // duplicate key
}

TEST(DcapQvlErrors, SignatureHexMayBeUppercaseOrPadded) {
  json doc = json::parse(read_text(real_path("dcap/phala_dcap_qvl/sgx_v3_quote.collateral.json")));
  std::string sig = doc.at("tcb_info_signature").get<std::string>();
  std::string upper;
  for (char ch : sig) upper.push_back(ch >= 'a' && ch <= 'f' ? static_cast<char>(ch - 32) : ch);
  doc["tcb_info_signature"] = " " + upper + "\n";
  const Collateral c = collateral_from_dcap_qvl_json(doc.dump());
  EXPECT_EQ(to_hex(c.tcb_info.signature), sig);
}

// ---------------------------------------------------------------------------------------------
// Cosmian evidence.json

TEST(CosmianEvidence, TcbInfoIsBase64OfHexInThisFixture) {
  const json doc = json::parse(read_text(real_path(kEvidence)));
  auto decoded = from_base64(doc.at("tcb_info").get<std::string>());
  ASSERT_TRUE(decoded);
  // base64 -> "7b2274636249...7d\n", the hex of {"tcbInfo"... with a final newline.
  const std::string_view hex_text = as_chars(*decoded);
  EXPECT_EQ(hex_text.size(), 8581u);
  EXPECT_EQ(std::string(hex_text.substr(0, 12)), "7b2274636249");
  ASSERT_EQ(hex_text.back(), '\n');
  auto body = from_hex(hex_text.substr(0, hex_text.size() - 1));
  ASSERT_TRUE(body);
  EXPECT_EQ(std::string(as_chars(*body)),
            read_text(real_path("cosmian/msehome_2023-05_tcbinfo_fmspc30606A000000.json")));
}

TEST(CosmianEvidence, DecodesEveryField) {
  const std::string text = read_text(real_path(kEvidence));
  const json doc = json::parse(text);
  const Collateral c = collateral_from_cosmian_evidence(text);
  EXPECT_EQ(c.source, "Cosmian evidence.json");
  const std::string tcb_file =
      read_text(real_path("cosmian/msehome_2023-05_tcbinfo_fmspc30606A000000.json"));
  const std::string qe_file = read_text(real_path("cosmian/msehome_2023-05_qe_identity.json"));
  EXPECT_EQ(c.tcb_info.body, std::string(*raw_json_member(tcb_file, "tcbInfo")));
  EXPECT_EQ(c.qe_identity.body, std::string(*raw_json_member(qe_file, "enclaveIdentity")));
  EXPECT_EQ(to_hex(c.tcb_info.signature), json::parse(tcb_file).at("signature").get<std::string>());
  EXPECT_EQ(to_hex(c.qe_identity.signature),
            json::parse(qe_file).at("signature").get<std::string>());
  EXPECT_TRUE(c.tcb_info.body.starts_with(R"({"id":"SGX","version":3,)"));
  EXPECT_TRUE(c.qe_identity.body.starts_with(R"({"id":"QE","version":2,)"));
  // The evidence carries only the TCB signing certificate, for both items.
  EXPECT_EQ(c.tcb_info_issuer_chain, doc.at("tcb_cert").get<std::string>());
  EXPECT_EQ(c.qe_identity_issuer_chain, c.tcb_info_issuer_chain);
  EXPECT_TRUE(c.pck_crl_issuer_chain.empty());
  EXPECT_EQ(common_names(c.tcb_info_issuer_chain), (Strings{"Intel SGX TCB Signing"}));
  auto tcb_cert = parse_pem_chain(c.tcb_info_issuer_chain, Status::STATUS_SGX_PCK_INVALID);
  EXPECT_EQ(not_after(tcb_cert[0].get()), at("2025-05-21T10:50:10Z"));
  EXPECT_EQ(cert_der(tcb_cert[0].get()),
            cert_der(parse_certificate(
                         read_bytes(real_path("cosmian/msehome_2023-05_tcb_signing_cert.pem")),
                         Status::STATUS_SGX_PCK_INVALID)
                         .get()));
  // Signatures over the exact bytes (SOURCES.md A: both verify with the TCB signing cert).
  EXPECT_TRUE(signed_by_chain_leaf(c.tcb_info, c.tcb_info_issuer_chain));
  EXPECT_TRUE(signed_by_chain_leaf(c.qe_identity, c.qe_identity_issuer_chain));
  // CRLs are kept as received (PEM).
  EXPECT_EQ(std::string(as_chars(c.pck_crl)), doc.at("pck_platform_crl").get<std::string>());
  EXPECT_EQ(std::string(as_chars(c.root_ca_crl)), doc.at("root_ca_crl").get<std::string>());
  EXPECT_EQ(crl_to_der(c.pck_crl),
            crl_to_der(read_bytes(real_path("cosmian/msehome_2023-05_pck_platform_ca_crl.pem"))));
  EXPECT_EQ(crl_to_der(c.root_ca_crl),
            read_bytes(real_path("dcap/google_go_tdx_guest/root_ca_crl.der")));
}

TEST(CosmianEvidence, CosmianEnclaveCopyDecodesTheSame) {
  const Collateral a = collateral_from_cosmian_evidence(read_text(real_path(kEvidence)));
  const Collateral b =
      collateral_from_cosmian_evidence(read_text(real_path("dcap/cosmian_enclave/evidence.json")));
  EXPECT_EQ(a.tcb_info.body, b.tcb_info.body);
  EXPECT_EQ(a.tcb_info.signature, b.tcb_info.signature);
  EXPECT_EQ(a.qe_identity.body, b.qe_identity.body);
  EXPECT_EQ(a.pck_crl, b.pck_crl);
}

TEST(CosmianEvidence, CurrentFormatBase64OfRawJson) {
  json doc = json::parse(read_text(real_path(kEvidence)));
  const std::string tcb_file =
      read_text(real_path("cosmian/msehome_2023-05_tcbinfo_fmspc30606A000000.json"));
  doc["tcb_info"] = base64(as_bytes(tcb_file));
  const Collateral c = collateral_from_cosmian_evidence(doc.dump());
  const Collateral quirk = collateral_from_cosmian_evidence(read_text(real_path(kEvidence)));
  EXPECT_EQ(c.tcb_info.body, quirk.tcb_info.body);
  EXPECT_EQ(c.tcb_info.signature, quirk.tcb_info.signature);
  EXPECT_TRUE(signed_by_chain_leaf(c.tcb_info, c.tcb_info_issuer_chain));
  // And the QE identity as base64 of hex works the same way.
  const std::string qe_file = read_text(real_path("cosmian/msehome_2023-05_qe_identity.json"));
  doc["qe_identity"] = base64(as_bytes(to_hex(as_bytes(qe_file))));
  EXPECT_EQ(collateral_from_cosmian_evidence(doc.dump()).qe_identity.body, quirk.qe_identity.body);
}

TEST(CosmianEvidence, Errors) {
  const json doc = json::parse(read_text(real_path(kEvidence)));
  auto with = [&](const char* key, const json& value) {
    json d = doc;
    d[key] = value;
    return d.dump();
  };
  auto without = [&](const char* key) {
    json d = doc;
    d.erase(key);
    return d.dump();
  };
  for (const char* key :
       {"tcb_info", "qe_identity", "tcb_cert", "pck_platform_crl", "root_ca_crl"}) {
    EXPECT_EQ(status_of([&] { collateral_from_cosmian_evidence(without(key)); }), kMissing) << key;
  }
  // Not base64; base64 of neither JSON nor hex; base64 of a body without signature.
  EXPECT_EQ(status_of([&] { collateral_from_cosmian_evidence(with("tcb_info", "!!!")); }),
            kTcbFormat);
  EXPECT_EQ(status_of([&] {
              collateral_from_cosmian_evidence(with("tcb_info", base64(as_bytes("hello world"))));
            }),
            kTcbFormat);
  EXPECT_EQ(status_of([&] {
              collateral_from_cosmian_evidence(
                  with("tcb_info", base64(as_bytes(R"({"tcbInfo":{"a":1}})"))));
            }),
            kTcbFormat);
  EXPECT_EQ(status_of([&] { collateral_from_cosmian_evidence(with("tcb_info", 1)); }), kTcbFormat);
  EXPECT_EQ(status_of([&] { collateral_from_cosmian_evidence(with("qe_identity", "***")); }),
            kQeFormat);
  // The TCB info body given as the QE identity: no enclaveIdentity member.
  EXPECT_EQ(status_of([&] {
              collateral_from_cosmian_evidence(with(
                  "qe_identity", base64(read_bytes(real_path(
                                     "cosmian/msehome_2023-05_tcbinfo_fmspc30606A000000.json")))));
            }),
            kQeFormat);
  EXPECT_EQ(status_of([&] { collateral_from_cosmian_evidence(with("tcb_cert", 5)); }), kTcbFormat);
  EXPECT_EQ(status_of([&] { collateral_from_cosmian_evidence(with("pck_platform_crl", " ")); }),
            kCrlFormat);
  EXPECT_EQ(status_of([&] { collateral_from_cosmian_evidence(with("root_ca_crl", "zz")); }),
            kCrlFormat);
  EXPECT_EQ(status_of([] { collateral_from_cosmian_evidence("{"); }), kInvalid);
  EXPECT_EQ(status_of([] { collateral_from_cosmian_evidence("\"x\""); }), kInvalid);
}

// ---------------------------------------------------------------------------------------------
// Directory form, from go-tdx-guest's PCS responses

std::map<std::string, Bytes> go_files() {
  auto file = [](const char* name) { return read_bytes(real_path(std::string(kGo) + name)); };
  return {
      {"tcb_info.json", file("tdx_tcb_info_fmspc_50806f000000.response.json")},
      {"qe_identity.json", file("tdx_qe_identity.response.json")},
      {"tcb_info_issuer_chain.pem", file("tcb_info_issuer_chain.header.pem")},
      {"qe_identity_issuer_chain.pem", file("qe_identity_issuer_chain.header.pem")},
      {"pck_crl.der", file("pck_crl_platform.der")},
      {"root_ca_crl.der", file("root_ca_crl.der")},
      {"pck_crl_issuer_chain.pem", file("pck_crl_issuer_chain.header.pem")},
  };
}

TEST(CollateralFiles, GoTdxGuestDirectory) {
  const auto files = go_files();
  const Collateral c = collateral_from_files(files);
  EXPECT_EQ(c.source, "collateral directory");
  const std::string tcb_text = std::string(as_chars(files.at("tcb_info.json")));
  const std::string qe_text = std::string(as_chars(files.at("qe_identity.json")));
  EXPECT_EQ(c.tcb_info.body, std::string(*raw_json_member(tcb_text, "tcbInfo")));
  EXPECT_EQ(c.qe_identity.body, std::string(*raw_json_member(qe_text, "enclaveIdentity")));
  EXPECT_EQ(to_hex(c.tcb_info.signature), json::parse(tcb_text).at("signature").get<std::string>());
  EXPECT_TRUE(c.tcb_info.body.starts_with(R"({"id":"TDX","version":3,)"));
  EXPECT_TRUE(c.qe_identity.body.starts_with(R"({"id":"TD_QE","version":2,)"));
  EXPECT_EQ(c.tcb_info_issuer_chain, std::string(as_chars(files.at("tcb_info_issuer_chain.pem"))));
  EXPECT_EQ(c.qe_identity_issuer_chain,
            std::string(as_chars(files.at("qe_identity_issuer_chain.pem"))));
  EXPECT_EQ(c.pck_crl_issuer_chain, std::string(as_chars(files.at("pck_crl_issuer_chain.pem"))));
  EXPECT_EQ(c.pck_crl, files.at("pck_crl.der"));
  EXPECT_EQ(c.root_ca_crl, files.at("root_ca_crl.der"));
  EXPECT_EQ(common_names(c.pck_crl_issuer_chain),
            (Strings{"Intel SGX PCK Platform CA", "Intel SGX Root CA"}));
  // go-tdx-guest at 2023-07-01T01:00:00Z: signatures, chains and CRLs all pass.
  EXPECT_TRUE(signed_by_chain_leaf(c.tcb_info, c.tcb_info_issuer_chain));
  EXPECT_TRUE(signed_by_chain_leaf(c.qe_identity, c.qe_identity_issuer_chain));
  auto root = intel_sgx_root_ca();
  auto tcb_chain = parse_pem_chain(c.tcb_info_issuer_chain, Status::STATUS_SGX_PCK_INVALID);
  std::vector<const X509*> raw{tcb_chain[0].get(), tcb_chain[1].get()};
  EXPECT_TRUE(verify_chain(raw, root.get(), at("2023-07-01T01:00:00Z")).ok());
  auto pck_issuers = parse_pem_chain(c.pck_crl_issuer_chain, Status::STATUS_SGX_PCK_INVALID);
  auto pck_crl = parse_crl(c.pck_crl);
  EXPECT_TRUE(
      check_crl(pck_crl.get(), pck_issuers[0].get(), nullptr, at("2023-07-01T01:00:00Z")).ok());
}

TEST(CollateralFiles, OptionalAndUnknownFiles) {
  auto files = go_files();
  files.erase("pck_crl_issuer_chain.pem");
  files["README.txt"] = Bytes{'h', 'i'};
  files["tcb_info.json.bak"] = Bytes{'x'};
  const Collateral c = collateral_from_files(files);
  EXPECT_TRUE(c.pck_crl_issuer_chain.empty());
  EXPECT_EQ(c.pck_crl, go_files().at("pck_crl.der"));
}

TEST(CollateralFiles, CrlsInHexOrPemAreKeptAsReceived) {
  auto files = go_files();
  const Bytes der = files.at("pck_crl.der");
  files.erase("pck_crl.der");
  const std::string hex = to_hex(der) + "\n";
  files["pck_crl.hex"] = Bytes(hex.begin(), hex.end());
  files.erase("root_ca_crl.der");
  files["root_ca_crl.pem"] = read_bytes(real_path("cosmian/msehome_2023-05_root_ca_crl.pem"));
  const Collateral c = collateral_from_files(files);
  EXPECT_EQ(std::string(as_chars(c.pck_crl)), hex);
  EXPECT_EQ(crl_to_der(c.pck_crl), der);
  EXPECT_EQ(crl_to_der(c.root_ca_crl), go_files().at("root_ca_crl.der"));
}

TEST(CollateralFiles, Errors) {
  for (const char* name : {"tcb_info.json", "qe_identity.json", "tcb_info_issuer_chain.pem",
                           "qe_identity_issuer_chain.pem", "pck_crl.der", "root_ca_crl.der"}) {
    auto files = go_files();
    files.erase(name);
    EXPECT_EQ(status_of([&] { collateral_from_files(files); }), kMissing) << name;
  }
  {
    auto files = go_files();
    files["pck_crl.pem"] = Bytes{'-'};
    EXPECT_EQ(status_of([&] { collateral_from_files(files); }), kInvalid);
  }
  {
    auto files = go_files();
    files["root_ca_crl.der"].clear();
    EXPECT_EQ(status_of([&] { collateral_from_files(files); }), kCrlFormat);
  }
  {
    auto files = go_files();
    std::swap(files["tcb_info.json"], files["qe_identity.json"]);
    EXPECT_EQ(status_of([&] { collateral_from_files(files); }), kTcbFormat);
  }
  {
    auto files = go_files();
    files["qe_identity.json"] = Bytes{'{', '}'};
    EXPECT_EQ(status_of([&] { collateral_from_files(files); }), kQeFormat);
  }
}

// ---------------------------------------------------------------------------------------------
// detect_collateral_json

TEST(DetectCollateral, RealFiles) {
  for (const char* f : {"dcap/phala_dcap_qvl/sgx_v3_quote.collateral.json",
                        "dcap/phala_dcap_qvl/tdx_v4_quote.collateral.json",
                        "dcap/phala_dcap_qvl/tdx_v5_td15_quote_no_tcb_level.collateral.json"}) {
    EXPECT_EQ(detect_collateral_json(read_text(real_path(f))), "dcap-qvl") << f;
  }
  EXPECT_EQ(detect_collateral_json(read_text(real_path(kEvidence))), "cosmian-evidence");
  EXPECT_EQ(detect_collateral_json(read_text(real_path("dcap/cosmian_enclave/evidence.json"))),
            "cosmian-evidence");
  // PCS response bodies are neither.
  EXPECT_EQ(detect_collateral_json(read_text(real_path(
                "dcap/google_go_tdx_guest/tdx_tcb_info_fmspc_50806f000000.response.json"))),
            "");
  EXPECT_EQ(
      detect_collateral_json(read_text(real_path("cosmian/msehome_2023-05_qe_identity.json"))), "");
}

TEST(DetectCollateral, Synthetic) {
  EXPECT_EQ(detect_collateral_json(R"({"tcb_info":"x","tcb_info_signature":"y"})"), "dcap-qvl");
  EXPECT_EQ(detect_collateral_json(R"({"tcb_info":"x","tcb_cert":"y"})"), "cosmian-evidence");
  EXPECT_EQ(detect_collateral_json(R"({"pck_platform_crl":"y","tcb_info":"x"})"),
            "cosmian-evidence");
  EXPECT_EQ(detect_collateral_json(R"({"tcb_info":"x"})"), "");
  EXPECT_EQ(detect_collateral_json(R"({"tcb_info_signature":"y"})"), "");
  EXPECT_EQ(detect_collateral_json(R"({"outer":{"tcb_info":"x","tcb_info_signature":"y"}})"), "");
  EXPECT_EQ(detect_collateral_json(R"({"tcb_info":1,"tcb_info":2,"tcb_info_signature":3})"), "");
  EXPECT_EQ(detect_collateral_json(R"({"tcb_info":"x","tcb_info_signature":"y")"), "");
  EXPECT_EQ(detect_collateral_json(""), "");
  EXPECT_EQ(detect_collateral_json("not json"), "");
  EXPECT_EQ(detect_collateral_json("[]"), "");
}

// ---------------------------------------------------------------------------------------------
// split_signed_response

const std::string kSig(128, 'a');

TEST(SplitSignedResponse, KeepsTheExactMemberBytes) {
  const std::string body = R"({"signature":")" + kSig + R"(" , "tcbInfo" : { "b" : [1, 2] } })";
  const SignedJson s = split_signed_response(body, "tcbInfo", Status::STATUS_SGX_TCB_INFO_INVALID);
  EXPECT_EQ(s.body, R"({ "b" : [1, 2] })");
  EXPECT_EQ(s.signature, Bytes(64, 0xaa));
}

TEST(SplitSignedResponse, ErrorsCarryTheGivenStatus) {
  const Status on_error = Status::STATUS_SGX_QE_IDENTITY_INVALID;
  auto split = [&](const std::string& body) {
    return status_of([&] { split_signed_response(body, "enclaveIdentity", on_error); });
  };
  const std::string sig = R"("signature":")" + kSig + R"(")";
  EXPECT_EQ(split(R"({"enclaveIdentity":{},)" + sig + "}"), Status::STATUS_OK);
  EXPECT_EQ(split(""), on_error);
  EXPECT_EQ(split("not json"), on_error);
  EXPECT_EQ(split("[]"), on_error);
  EXPECT_EQ(split("{" + sig + "}"), on_error);                            // no member
  EXPECT_EQ(split(R"({"tcbInfo":{},)" + sig + "}"), on_error);            // other member
  EXPECT_EQ(split(R"({"enclaveIdentity":[],)" + sig + "}"), on_error);    // not an object
  EXPECT_EQ(split(R"({"enclaveIdentity":"{}",)" + sig + "}"), on_error);  // a string
  EXPECT_EQ(split(R"({"enclaveIdentity":{},"enclaveIdentity":{},)" + sig + "}"), on_error);
  EXPECT_EQ(split(R"({"enclaveIdentity":{}})"), on_error);                          // no signature
  EXPECT_EQ(split(R"({"enclaveIdentity":{},"signature":12})"), on_error);           // not a string
  EXPECT_EQ(split(R"({"enclaveIdentity":{},)" + sig + "," + sig + "}"), on_error);  // two
  EXPECT_EQ(split(R"({"enclaveIdentity":{},"signature":")" + std::string(126, 'a') + "\"}"),
            on_error);
  EXPECT_EQ(split(R"({"enclaveIdentity":{},"signature":")" + kSig + "aa\"}"), on_error);
  EXPECT_EQ(split(R"({"enclaveIdentity":{},"signature":"\u0061)" + std::string(127, 'a') + "\"}"),
            on_error);  // escapes are not hex
  EXPECT_EQ(split(R"({"enclaveIdentity":{},"signature":"x)" + std::string(127, 'a') + "\"}"),
            on_error);
  EXPECT_EQ(split(R"({"enclaveIdentity":{},)" + sig + "} x"), on_error);  // trailing junk
  EXPECT_EQ(split(R"({"enclaveIdentity":{},)" + sig), on_error);          // unterminated
}

}  // namespace
}  // namespace ratls::attest
