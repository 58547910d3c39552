#include "attest/collateral.h"

#include <nlohmann/json.hpp>

#include "attest/json_raw.h"

namespace ratls::attest {

namespace {

using nlohmann::json;

constexpr Status kTcbFormat = Status::STATUS_SGX_TCB_INFO_UNSUPPORTED_FORMAT;
constexpr Status kQeFormat = Status::STATUS_SGX_ENCLAVE_IDENTITY_UNSUPPORTED_FORMAT;
constexpr Status kCrlFormat = Status::STATUS_SGX_CRL_UNSUPPORTED_FORMAT;
constexpr Status kMissing = Status::STATUS_MISSING_PARAMETERS;

// Real collateral documents are 20..60 KB (a processor CA CRL can reach a few hundred KB); the cap
// only bounds what hostile input can make us allocate.
constexpr std::size_t kMaxDocument = 16u << 20;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// The outer document of the JSON forms: one strict JSON object.
json parse_container(std::string_view text, const std::string& what) {
  if (text.size() > kMaxDocument) fail(Status::STATUS_INVALID_PARAMETER, what + ": larger than 16 MiB");
  if (!is_strict_json(text)) {
    fail(Status::STATUS_INVALID_PARAMETER,
         what + ": not well-formed JSON (or a duplicate key, or nested too deep)");
  }
  try {
    json doc = json::parse(text);
    if (!doc.is_object()) fail(Status::STATUS_INVALID_PARAMETER, what + ": not a JSON object");
    return doc;
  } catch (const json::exception& e) {
    fail(Status::STATUS_INVALID_PARAMETER, what + ": JSON error: " + e.what());
  }
}

// A string member: absent → STATUS_MISSING_PARAMETERS, another type → `on_type`.
std::string string_member(const json& doc, const char* key, Status on_type,
                          const std::string& what) {
  auto it = doc.find(key);
  if (it == doc.end()) fail(kMissing, what + ": missing \"" + key + "\"");
  if (!it->is_string()) fail(on_type, what + ": \"" + key + "\" is not a string");
  return it->get<std::string>();
}

Bytes signature_from_hex(std::string_view hex, Status on_error, const std::string& what) {
  auto bytes = from_hex(trim(hex));
  if (!bytes || bytes->size() != 64) {
    fail(on_error, what + " is not 128 hex digits (a raw r||s signature)");
  }
  return *bytes;
}

// dcap-qvl stores CRLs as hex of the DER. Decode that; PEM is kept as it is (the verifier detects
// DER, PEM and hex), anything else cannot be a CRL.
Bytes crl_from_text(const std::string& text, const std::string& what) {
  if (trim(text).empty()) fail(kCrlFormat, what + " is empty");
  if (text.find("-----BEGIN") != std::string::npos) return Bytes(text.begin(), text.end());
  auto der = from_hex(trim(text));
  if (!der) fail(kCrlFormat, what + " is neither hex of a DER CRL nor PEM");
  return *der;
}

// Cosmian evidence blobs: base64 of a PCS response body, or (older fixtures) base64 of the hex
// text of it. A body starts with '{', which is not a hex digit, so the two cannot be confused.
std::string decode_cosmian_blob(const std::string& text, Status on_error, const std::string& what) {
  auto decoded = from_base64(text);
  if (!decoded) fail(on_error, what + " is not base64");
  std::string_view s = trim(as_chars(*decoded));
  if (!s.empty() && s.front() == '{') return std::string(as_chars(*decoded));
  if (auto body = from_hex(s); body && !body->empty()) return std::string(as_chars(*body));
  fail(on_error, what + " is neither base64 of a JSON body nor base64 of its hex");
}

const Bytes* find_file(const std::map<std::string, Bytes>& files, const std::string& name) {
  auto it = files.find(name);
  return it == files.end() ? nullptr : &it->second;
}

const Bytes& required_file(const std::map<std::string, Bytes>& files, const std::string& name) {
  const Bytes* b = find_file(files, name);
  if (b == nullptr) fail(kMissing, "collateral directory: missing " + name);
  return *b;
}

// Exactly one of `<base>.der`, `.pem`, `.hex`; the bytes are kept as received.
Bytes one_crl_file(const std::map<std::string, Bytes>& files, const std::string& base) {
  const Bytes* found = nullptr;
  std::string found_name;
  for (const char* ext : {".der", ".pem", ".hex"}) {
    const std::string name = base + ext;
    if (const Bytes* b = find_file(files, name)) {
      if (found != nullptr) {
        fail(Status::STATUS_INVALID_PARAMETER,
             "collateral directory: both " + found_name + " and " + name + " present");
      }
      found = b;
      found_name = name;
    }
  }
  if (found == nullptr) {
    fail(kMissing, "collateral directory: missing " + base + ".der, " + base + ".pem or " + base +
                       ".hex");
  }
  if (found->empty()) fail(kCrlFormat, "collateral directory: " + found_name + " is empty");
  return *found;
}

std::string text_of(const Bytes& b) { return std::string(as_chars(b)); }

}  // namespace

namespace {

// split_signed_response with the collateral item named in the message.
SignedJson split_item(std::string_view body, std::string_view member, Status on_error,
                      const std::string& what) {
  try {
    return split_signed_response(body, member, on_error);
  } catch (const AttestError& e) {
    fail(e.status(), what + ": " + e.what());
  }
}

}  // namespace

SignedJson split_signed_response(std::string_view body, std::string_view member,
                                 Status on_error) {
  const std::string name(member);
  if (body.size() > kMaxDocument) fail(on_error, "response body larger than 16 MiB");
  auto raw = raw_json_member(body, member);
  if (!raw) {
    fail(on_error, "response body is not a JSON object with exactly one \"" + name + "\" member");
  }
  if (raw->front() != '{') fail(on_error, "\"" + name + "\" is not a JSON object");
  auto sig = raw_json_member(body, "signature");
  if (!sig) fail(on_error, "response body has no single \"signature\" member");
  if (sig->size() < 2 || sig->front() != '"') fail(on_error, "\"signature\" is not a string");
  SignedJson out;
  out.body = std::string(*raw);
  // Hex never needs escapes; a backslash makes from_hex fail, as it should.
  out.signature = signature_from_hex(sig->substr(1, sig->size() - 2), on_error, "\"signature\"");
  return out;
}

Collateral collateral_from_dcap_qvl_json(std::string_view text) {
  const std::string what = "dcap-qvl collateral";
  const json doc = parse_container(text, what);
  Collateral c;
  c.tcb_info.body = string_member(doc, "tcb_info", kTcbFormat, what);
  c.tcb_info.signature = signature_from_hex(
      string_member(doc, "tcb_info_signature", kTcbFormat, what), kTcbFormat, what + ": tcb_info_signature");
  c.tcb_info_issuer_chain = string_member(doc, "tcb_info_issuer_chain", kTcbFormat, what);
  c.qe_identity.body = string_member(doc, "qe_identity", kQeFormat, what);
  c.qe_identity.signature =
      signature_from_hex(string_member(doc, "qe_identity_signature", kQeFormat, what), kQeFormat,
                         what + ": qe_identity_signature");
  c.qe_identity_issuer_chain = string_member(doc, "qe_identity_issuer_chain", kQeFormat, what);
  c.pck_crl = crl_from_text(string_member(doc, "pck_crl", kCrlFormat, what), what + ": pck_crl");
  c.root_ca_crl =
      crl_from_text(string_member(doc, "root_ca_crl", kCrlFormat, what), what + ": root_ca_crl");
  // Optional here: the quote's own chain names the PCK CRL issuer too.
  if (doc.contains("pck_crl_issuer_chain")) {
    c.pck_crl_issuer_chain = string_member(doc, "pck_crl_issuer_chain", kCrlFormat, what);
  }
  c.source = "dcap-qvl collateral JSON";
  return c;
}

Collateral collateral_from_cosmian_evidence(std::string_view text) {
  const std::string what = "Cosmian evidence";
  const json doc = parse_container(text, what);
  Collateral c;
  const std::string tcb_body = decode_cosmian_blob(
      string_member(doc, "tcb_info", kTcbFormat, what), kTcbFormat, what + ": tcb_info");
  c.tcb_info = split_item(tcb_body, "tcbInfo", kTcbFormat, what + ": tcb_info");
  const std::string qe_body = decode_cosmian_blob(
      string_member(doc, "qe_identity", kQeFormat, what), kQeFormat, what + ": qe_identity");
  c.qe_identity = split_item(qe_body, "enclaveIdentity", kQeFormat, what + ": qe_identity");
  // The evidence carries only the TCB signing certificate; the verifier supplies the pinned root.
  c.tcb_info_issuer_chain = string_member(doc, "tcb_cert", kTcbFormat, what);
  c.qe_identity_issuer_chain = c.tcb_info_issuer_chain;
  c.pck_crl = crl_from_text(string_member(doc, "pck_platform_crl", kCrlFormat, what),
                            what + ": pck_platform_crl");
  c.root_ca_crl =
      crl_from_text(string_member(doc, "root_ca_crl", kCrlFormat, what), what + ": root_ca_crl");
  c.source = "Cosmian evidence.json";
  return c;
}

Collateral collateral_from_files(const std::map<std::string, Bytes>& files) {
  Collateral c;
  c.tcb_info = split_item(as_chars(required_file(files, "tcb_info.json")), "tcbInfo", kTcbFormat,
                          "collateral directory: tcb_info.json");
  c.qe_identity = split_item(as_chars(required_file(files, "qe_identity.json")), "enclaveIdentity",
                             kQeFormat, "collateral directory: qe_identity.json");
  c.tcb_info_issuer_chain = text_of(required_file(files, "tcb_info_issuer_chain.pem"));
  c.qe_identity_issuer_chain = text_of(required_file(files, "qe_identity_issuer_chain.pem"));
  c.pck_crl = one_crl_file(files, "pck_crl");
  c.root_ca_crl = one_crl_file(files, "root_ca_crl");
  if (const Bytes* chain = find_file(files, "pck_crl_issuer_chain.pem")) {
    c.pck_crl_issuer_chain = text_of(*chain);
  }
  c.source = "collateral directory";
  return c;
}

std::string_view detect_collateral_json(std::string_view text) {
  // Top-level member names decide; raw_json_member never throws and also rejects malformed JSON.
  if (raw_json_member(text, "tcb_info_signature") && raw_json_member(text, "tcb_info")) {
    return "dcap-qvl";
  }
  if (raw_json_member(text, "tcb_info") &&
      (raw_json_member(text, "tcb_cert") || raw_json_member(text, "pck_platform_crl"))) {
    return "cosmian-evidence";
  }
  return "";
}

}  // namespace ratls::attest
