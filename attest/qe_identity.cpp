#include "attest/qe_identity.h"

#include <limits>
#include <nlohmann/json.hpp>

#include "attest/json_raw.h"
#include "attest/status.h"

namespace ratls::attest {

namespace {

using nlohmann::json;

constexpr Status kFormat = Status::STATUS_SGX_ENCLAVE_IDENTITY_UNSUPPORTED_FORMAT;
// Real identities are ~1.4 KB; the cap only bounds hostile input.
constexpr std::size_t kMaxSize = 1 << 20;

// Document text echoed in a message: printable ASCII only, bounded, so messages stay one line.
std::string shown(std::string_view s) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size() && i < 64; ++i) {
    out.push_back(s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?');
  }
  if (s.size() > 64) out += "...";
  return out + "\"";
}

[[noreturn]] void bad(const std::string& path, const std::string& what) {
  fail(kFormat, path + ": " + what);
}

const json& member(const json& obj, const std::string& path, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end()) bad(path + "." + key, "missing");
  return *it;
}

std::string string_member(const json& obj, const std::string& path, const char* key) {
  const json& v = member(obj, path, key);
  if (!v.is_string()) bad(path + "." + key, "not a string");
  return v.get<std::string>();
}

std::uint64_t uint_member(const json& obj, const std::string& path, const char* key,
                          std::uint64_t max) {
  const json& v = member(obj, path, key);
  if (!v.is_number_unsigned() || v.get<std::uint64_t>() > max) {
    bad(path + "." + key, "not an integer in 0.." + std::to_string(max));
  }
  return v.get<std::uint64_t>();
}

template <std::size_t N>
std::array<std::uint8_t, N> hex_member(const json& obj, const std::string& path, const char* key) {
  const std::string text = string_member(obj, path, key);
  auto bytes = from_hex_fixed<N>(text);
  if (!bytes) bad(path + "." + key, "not " + std::to_string(N * 2) + " hex digits");
  return *bytes;
}

UnixTime date_member(const json& obj, const std::string& path, const char* key) {
  const std::string text = string_member(obj, path, key);
  auto t = parse_rfc3339(text);
  if (!t) bad(path + "." + key, "not an RFC 3339 date: " + shown(text));
  return *t;
}

// Enclave identity levels only use UpToDate, OutOfDate and Revoked (attestation-spec §2.5); the
// QE status convergence knows no other, so anything else must not pass as "fine".
TcbStatus status_member(const json& obj, const std::string& path) {
  const std::string text = string_member(obj, path, "tcbStatus");
  auto s = parse_tcb_status(text);
  if (!s || (*s != TcbStatus::kUpToDate && *s != TcbStatus::kOutOfDate &&
             *s != TcbStatus::kRevoked)) {
    fail(Status::STATUS_TCB_UNRECOGNIZED_STATUS,
         path + ".tcbStatus: unrecognized QE TCB status " + shown(text));
  }
  return *s;
}

std::vector<std::string> advisories(const json& obj, const std::string& path) {
  std::vector<std::string> out;
  auto it = obj.find("advisoryIDs");
  if (it == obj.end()) return out;
  if (!it->is_array()) bad(path + ".advisoryIDs", "not an array");
  for (const auto& id : *it) {
    if (!id.is_string()) bad(path + ".advisoryIDs", "holds a non-string");
    out.push_back(id.get<std::string>());
  }
  return out;
}

QeIdentity read_identity(const json& doc) {
  const std::string root = "enclaveIdentity";
  if (!doc.is_object()) bad(root, "not a JSON object");
  QeIdentity q;
  // The version decides the layout, so it is read first.
  q.version = static_cast<int>(uint_member(doc, root, "version", 0x7fffffff));
  if (q.version != 2) {
    fail(Status::STATUS_SGX_ENCLAVE_IDENTITY_UNSUPPORTED_VERSION,
         root + ".version: unsupported version " + std::to_string(q.version) +
             " (2 is supported)");
  }
  q.id = string_member(doc, root, "id");
  if (q.id.empty()) bad(root + ".id", "empty");
  q.issue_date = date_member(doc, root, "issueDate");
  q.next_update = date_member(doc, root, "nextUpdate");
  q.tcb_evaluation_data_number = static_cast<std::uint32_t>(
      uint_member(doc, root, "tcbEvaluationDataNumber", std::numeric_limits<std::uint32_t>::max()));
  q.miscselect = hex_member<4>(doc, root, "miscselect");
  q.miscselect_mask = hex_member<4>(doc, root, "miscselectMask");
  q.attributes = hex_member<16>(doc, root, "attributes");
  q.attributes_mask = hex_member<16>(doc, root, "attributesMask");
  q.mrsigner = hex_member<32>(doc, root, "mrsigner");
  q.isvprodid = static_cast<std::uint16_t>(uint_member(doc, root, "isvprodid", 0xffff));

  const std::string levels_path = root + ".tcbLevels";
  const json& levels = member(doc, root, "tcbLevels");
  if (!levels.is_array()) bad(levels_path, "not an array");
  if (levels.empty()) bad(levels_path, "empty");
  for (std::size_t i = 0; i < levels.size(); ++i) {
    const std::string p = levels_path + "[" + std::to_string(i) + "]";
    const json& level = levels[i];
    if (!level.is_object()) bad(p, "not an object");
    const json& tcb = member(level, p, "tcb");
    if (!tcb.is_object()) bad(p + ".tcb", "not an object");
    IsvTcbLevel l;
    l.isvsvn = static_cast<std::uint16_t>(uint_member(tcb, p + ".tcb", "isvsvn", 0xffff));
    l.tcb_date = date_member(level, p, "tcbDate");
    l.status = status_member(level, p);
    l.advisory_ids = advisories(level, p);
    q.levels.push_back(std::move(l));
  }
  return q;
}

}  // namespace

QeIdentity parse_qe_identity(std::string_view signed_json) {
  if (signed_json.size() > kMaxSize) bad("enclaveIdentity", "larger than 1 MiB");
  if (!is_strict_json(signed_json)) {
    bad("enclaveIdentity", "not well-formed JSON (or a duplicate key, or nested too deep)");
  }
  try {
    return read_identity(json::parse(signed_json));
  } catch (const json::exception& e) {
    bad("enclaveIdentity", std::string("JSON error: ") + e.what());
  }
}

}  // namespace ratls::attest
