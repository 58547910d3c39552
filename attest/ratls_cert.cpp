#include "attest/ratls_cert.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>

#include <algorithm>
#include <cstring>

#include "attest/cbor.h"

namespace ratls::attest {

namespace {

// OID content bytes (the DER value without tag and length).
constexpr std::uint8_t kOidSgxQuote[] = {0x2A, 0x86, 0x48, 0x86, 0xF8, 0x4D, 0x8A, 0x39, 0x06};
constexpr std::uint8_t kOidTdxQuote[] = {0x2A, 0x86, 0x48, 0x86, 0xF8, 0x4D, 0x8A, 0x39, 0x08};
// Gramine hands mbedTLS the OID with its tag and length, which wraps it again: 0.6.9.42.840...
constexpr std::uint8_t kOidGramineWrapped[] = {0x06, 0x09, 0x2A, 0x86, 0x48, 0x86,
                                               0xF8, 0x4D, 0x8A, 0x39, 0x06};
constexpr std::uint8_t kOidTcgDiceTaggedEvidence[] = {0x67, 0x81, 0x05, 0x05, 0x04, 0x09};
constexpr std::uint64_t kCborTagTaggedEvidence = 60000;
// Quotes larger than this are not produced by any known RA-TLS implementation (Gramine's max is
// 8K).
constexpr std::size_t kMaxEvidenceSize = 64 * 1024;

template <std::size_t N>
bool oid_is(const ASN1_OBJECT* obj, const std::uint8_t (&content)[N]) {
  const std::size_t len = OBJ_length(obj);
  const unsigned char* data = OBJ_get0_data(obj);
  return len == N && data != nullptr && std::memcmp(data, content, N) == 0;
}

template <std::size_t N>
std::array<std::uint8_t, N> to_array(const Bytes& b) {
  std::array<std::uint8_t, N> out{};
  std::copy_n(b.begin(), std::min(N, b.size()), out.begin());
  return out;
}

Bytes spki_der(const X509* cert) {
  const X509_PUBKEY* pub = X509_get_X509_PUBKEY(cert);
  unsigned char* der = nullptr;
  int len = i2d_X509_PUBKEY(pub, &der);
  if (len <= 0) return {};
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

struct Evidence {
  RatlsFormat format;
  Bytes quote;
  Bytes dice_claims;  // gramine-dice only
};

// Gramine's DICE evidence: tag 60000 [bstr quote, bstr claims].
Evidence parse_dice_evidence(ByteView value) {
  CborReader r(value);
  auto tag = r.head();
  if (!tag || tag->major != CborReader::Major::kTag || tag->value != kCborTagTaggedEvidence) {
    fail(Status::STATUS_RATLS_INVALID_EVIDENCE, "TCG DICE evidence is not CBOR tag 60000");
  }
  auto array = r.head();
  if (!array || array->major != CborReader::Major::kArray || array->value != 2) {
    fail(Status::STATUS_RATLS_INVALID_EVIDENCE, "TCG DICE evidence is not an array of 2 items");
  }
  auto quote = r.bytes();
  auto claims = r.bytes();
  if (!quote || !claims) {
    fail(Status::STATUS_RATLS_INVALID_EVIDENCE,
         "TCG DICE evidence items are not byte strings (quote, claims)");
  }
  if (!r.at_end())
    fail(Status::STATUS_RATLS_INVALID_EVIDENCE, "TCG DICE evidence has trailing bytes");
  return {RatlsFormat::kGramineDice, Bytes(quote->begin(), quote->end()),
          Bytes(claims->begin(), claims->end())};
}

// The "pubkey-hash" claim: [hash-alg-id, bstr]. Returns the algorithm's digest of the SPKI and the
// claimed hash, or a problem description.
std::string check_dice_claims(const Bytes& claims, const Bytes& spki) {
  CborReader r(claims);
  auto map = r.head();
  if (!map || map->major != CborReader::Major::kMap) return "DICE claims are not a CBOR map";
  std::optional<ByteView> claimed;
  std::uint64_t alg = 0;
  for (std::uint64_t i = 0; i < map->value; ++i) {
    auto key = r.text();
    if (!key) return "DICE claims have a non-text key";
    if (*key != "pubkey-hash") {
      if (!r.skip()) return "DICE claims are malformed";
      continue;
    }
    if (claimed) return "DICE claims hold two pubkey-hash entries";
    auto entry = r.head();
    if (!entry || entry->major != CborReader::Major::kArray || entry->value != 2) {
      return "DICE pubkey-hash is not [algorithm, hash]";
    }
    auto a = r.unsigned_int();
    claimed = r.bytes();
    if (!a || !claimed) return "DICE pubkey-hash is not [algorithm, hash]";
    alg = *a;
  }
  if (!r.at_end()) return "DICE claims have trailing bytes";
  if (!claimed) return "DICE claims have no pubkey-hash";
  // IANA Named Information hash algorithm IDs: 1 sha-256, 7 sha-384, 8 sha-512.
  const EVP_MD* md = alg == 1   ? EVP_sha256()
                     : alg == 7 ? EVP_sha384()
                     : alg == 8 ? EVP_sha512()
                                : nullptr;
  if (md == nullptr) return "DICE pubkey-hash uses unknown hash algorithm " + std::to_string(alg);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  if (EVP_Digest(spki.data(), spki.size(), digest, &digest_len, md, nullptr) != 1) {
    return "cannot hash the certificate key";
  }
  if (claimed->size() != digest_len || !std::equal(claimed->begin(), claimed->end(), digest)) {
    return "DICE pubkey-hash " + to_hex(*claimed) + " is not the hash of this certificate's key (" +
           to_hex(ByteView(digest, digest_len)) + ")";
  }
  return {};
}

bool subject_says_gramine(const X509* cert) {
  return subject_name(cert).find("GramineDevelopers") != std::string::npos;
}

}  // namespace

std::string_view ratls_format_name(RatlsFormat f) {
  switch (f) {
    case RatlsFormat::kCosmianSgx:
      return "cosmian-sgx";
    case RatlsFormat::kCosmianTdx:
      return "cosmian-tdx";
    case RatlsFormat::kGramineLegacy:
      return "gramine-legacy";
    case RatlsFormat::kGramineDice:
      return "gramine-dice";
  }
  return "unknown";
}

RatlsCertificate parse_ratls_certificate(ByteView der_or_pem) {
  RatlsCertificate out;
  out.cert = parse_leaf_certificate(der_or_pem, Status::STATUS_UNSUPPORTED_CERT_FORMAT);
  X509* cert = out.cert.get();

  std::optional<Evidence> legacy;
  std::optional<Evidence> dice;
  const int count = X509_get_ext_count(cert);
  for (int i = 0; i < count; ++i) {
    X509_EXTENSION* ext = X509_get_ext(cert, i);
    const ASN1_OBJECT* obj = X509_EXTENSION_get_object(ext);
    const ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(ext);
    ByteView value(ASN1_STRING_get0_data(data), static_cast<std::size_t>(ASN1_STRING_length(data)));
    std::optional<RatlsFormat> format;
    if (oid_is(obj, kOidSgxQuote)) {
      format = RatlsFormat::kCosmianSgx;  // refined below from the key and subject
    } else if (oid_is(obj, kOidGramineWrapped)) {
      format = RatlsFormat::kGramineLegacy;
    } else if (oid_is(obj, kOidTdxQuote)) {
      format = RatlsFormat::kCosmianTdx;
    } else if (oid_is(obj, kOidTcgDiceTaggedEvidence)) {
      if (dice) fail(Status::STATUS_RATLS_INVALID_EVIDENCE, "two TCG DICE evidence extensions");
      if (value.size() > kMaxEvidenceSize) {
        fail(Status::STATUS_RATLS_INVALID_EVIDENCE, "TCG DICE evidence is implausibly large");
      }
      dice = parse_dice_evidence(value);
      continue;
    }
    if (!format) continue;
    if (legacy) {
      fail(Status::STATUS_RATLS_INVALID_EVIDENCE,
           "the certificate carries two quote extensions: which one is meant is ambiguous");
    }
    if (value.size() > kMaxEvidenceSize) {
      fail(Status::STATUS_RATLS_INVALID_EVIDENCE, "quote extension is implausibly large");
    }
    legacy = Evidence{*format, Bytes(value.begin(), value.end()), {}};
  }
  if (!legacy && !dice) {
    fail(Status::STATUS_NOT_RATLS_CERTIFICATE,
         "not an RA-TLS certificate: it carries no SGX/TDX quote extension");
  }

  const Bytes spki = spki_der(cert);
  const Bytes point = ec_uncompressed_point(X509_get0_pubkey(cert));
  const Bytes spki_hash = sha256(spki);
  const Bytes point_hash = point.empty() ? Bytes{} : sha256(point);
  out.cert_sha256 = to_array<32>(sha256(cert_der(cert)));
  out.spki_sha256 = to_array<32>(spki_hash);
  out.not_before = not_before(cert);
  out.not_after = not_after(cert);
  out.subject = subject_name(cert);
  EVP_PKEY* key = X509_get0_pubkey(cert);
  out.self_signature_ok = key != nullptr && X509_verify(cert, key) == 1;

  // Gramine prefers the DICE evidence when present (and fails if it is invalid), so do we.
  const Evidence& evidence = dice ? *dice : *legacy;
  out.quote = evidence.quote;
  out.format = evidence.format;
  if (out.format == RatlsFormat::kCosmianSgx &&
      (subject_says_gramine(cert) || point.size() == 97)) {
    out.format = RatlsFormat::kGramineLegacy;  // plain OID from a Gramine-style producer (P-384)
  }

  std::optional<std::array<std::uint8_t, 64>> report_data;
  try {
    report_data = parse_quote(out.quote).report_data();
  } catch (const AttestError&) {
    // No REPORTDATA to compare: the binding is unknown and the quote's own error will say why.
  }

  auto first_half_equals = [&](const Bytes& expected) {
    return report_data && expected.size() == 32 &&
           std::equal(expected.begin(), expected.end(), report_data->begin());
  };
  switch (out.format) {
    case RatlsFormat::kCosmianSgx:
    case RatlsFormat::kCosmianTdx: {
      out.binding_rule = "REPORTDATA[0:32] = SHA-256 of the uncompressed EC point";
      if (report_data) {
        std::array<std::uint8_t, 32> upper{};
        std::copy(report_data->begin() + 32, report_data->end(), upper.begin());
        if (upper != std::array<std::uint8_t, 32>{}) out.enclave_x25519 = upper;
      }
      if (point.empty()) {
        if (report_data) out.binding_problem = "the certificate key is not an EC key";
      } else if (first_half_equals(point_hash)) {
        out.binding_ok = true;
      } else if (report_data) {
        out.binding_problem = "REPORTDATA[0:32] " + to_hex(ByteView(report_data->data(), 32)) +
                              " is not SHA-256 of this certificate's key (" + to_hex(point_hash) +
                              "): the quote was made for another key";
      }
      break;
    }
    case RatlsFormat::kGramineLegacy: {
      out.binding_rule = "REPORTDATA[0:32] = SHA-256 of the DER SubjectPublicKeyInfo";
      if (first_half_equals(spki_hash)) {
        out.binding_ok = true;
      } else if (report_data) {
        out.binding_problem = "REPORTDATA[0:32] " + to_hex(ByteView(report_data->data(), 32)) +
                              " is not SHA-256 of this certificate's SubjectPublicKeyInfo (" +
                              to_hex(spki_hash) + "): the quote was made for another key";
      }
      break;
    }
    case RatlsFormat::kGramineDice: {
      out.binding_rule = "REPORTDATA[0:32] = SHA-256(claims), claims.pubkey-hash = H(SPKI)";
      const Bytes claims_hash = sha256(evidence.dice_claims);
      if (!report_data) break;
      if (!first_half_equals(claims_hash)) {
        out.binding_problem = "REPORTDATA[0:32] is not SHA-256 of the DICE claims";
      } else if (std::string problem = check_dice_claims(evidence.dice_claims, spki);
                 !problem.empty()) {
        out.binding_problem = problem;
      } else {
        out.binding_ok = true;
      }
      break;
    }
  }
  return out;
}

RatlsVerification verify_ratls_certificate(const RatlsVerifyInput& input) {
  RatlsVerification v;
  try {
    v.certificate = parse_ratls_certificate(input.certificate);
  } catch (const AttestError& e) {
    v.errors.push_back(e.error());
    return v;
  }
  const RatlsCertificate& c = *v.certificate;
  if (!c.self_signature_ok) {
    v.errors.push_back({Status::STATUS_RATLS_CERT_SIGNATURE_INVALID,
                        "the certificate's self-signature does not verify with its own key"});
  }
  if (input.enforce_validity && (input.at < c.not_before || input.at > c.not_after)) {
    v.errors.push_back({Status::STATUS_RATLS_CERT_EXPIRED,
                        "the certificate is valid from " + format_rfc3339(c.not_before) + " to " +
                            format_rfc3339(c.not_after) + ", not at " + format_rfc3339(input.at)});
  }
  if (!c.binding_ok && !c.binding_problem.empty()) {
    v.errors.push_back({Status::STATUS_RATLS_KEY_BINDING_MISMATCH, c.binding_problem});
  }
  VerifyInput q;
  q.quote = c.quote;
  q.collateral = input.collateral;
  q.root = input.root;
  q.at = input.at;
  v.quote = verify_quote(q);
  v.errors.insert(v.errors.end(), v.quote.errors.begin(), v.quote.errors.end());
  return v;
}

}  // namespace ratls::attest
