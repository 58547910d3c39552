#include "attest/qe_identity.h"

#include <limits>
#include <nlohmann/json.hpp>

#include "attest/json_fields.h"
#include "attest/json_raw.h"
#include "attest/status.h"

namespace ratls::attest {

namespace {

using nlohmann::json;

constexpr Status kFormat = Status::STATUS_SGX_ENCLAVE_IDENTITY_UNSUPPORTED_FORMAT;
constexpr JsonFields kFields{kFormat};
// Real identities are ~1.4 KB; the cap only bounds hostile input.
constexpr std::size_t kMaxSize = 1 << 20;

// Enclave identity levels only use UpToDate, OutOfDate and Revoked (attestation-spec §2.5); the
// QE status convergence knows no other, so anything else must not pass as "fine".
TcbStatus status_member(const json& obj, const std::string& path) {
  const std::string text = kFields.string_member(obj, path, "tcbStatus");
  auto s = parse_tcb_status(text);
  if (!s ||
      (*s != TcbStatus::kUpToDate && *s != TcbStatus::kOutOfDate && *s != TcbStatus::kRevoked)) {
    fail(Status::STATUS_TCB_UNRECOGNIZED_STATUS,
         path + ".tcbStatus: unrecognized QE TCB status " + JsonFields::shown(text));
  }
  return *s;
}

QeIdentity read_identity(const json& doc) {
  const std::string root = "enclaveIdentity";
  if (!doc.is_object()) kFields.bad(root, "not a JSON object");
  QeIdentity q;
  // The version decides the layout, so it is read first.
  q.version = static_cast<int>(kFields.uint_member(doc, root, "version", 0x7fffffff));
  if (q.version != 2) {
    fail(Status::STATUS_SGX_ENCLAVE_IDENTITY_UNSUPPORTED_VERSION,
         root + ".version: unsupported version " + std::to_string(q.version) + " (2 is supported)");
  }
  q.id = kFields.string_member(doc, root, "id");
  if (q.id.empty()) kFields.bad(root + ".id", "empty");
  q.issue_date = kFields.date_member(doc, root, "issueDate");
  q.next_update = kFields.date_member(doc, root, "nextUpdate");
  q.tcb_evaluation_data_number = static_cast<std::uint32_t>(kFields.uint_member(
      doc, root, "tcbEvaluationDataNumber", std::numeric_limits<std::uint32_t>::max()));
  q.miscselect = kFields.hex_member<4>(doc, root, "miscselect");
  q.miscselect_mask = kFields.hex_member<4>(doc, root, "miscselectMask");
  q.attributes = kFields.hex_member<16>(doc, root, "attributes");
  q.attributes_mask = kFields.hex_member<16>(doc, root, "attributesMask");
  q.mrsigner = kFields.hex_member<32>(doc, root, "mrsigner");
  q.isvprodid = static_cast<std::uint16_t>(kFields.uint_member(doc, root, "isvprodid", 0xffff));

  const std::string levels_path = root + ".tcbLevels";
  const json& levels = kFields.member(doc, root, "tcbLevels");
  if (!levels.is_array()) kFields.bad(levels_path, "not an array");
  if (levels.empty()) kFields.bad(levels_path, "empty");
  for (std::size_t i = 0; i < levels.size(); ++i) {
    const std::string p = levels_path + "[" + std::to_string(i) + "]";
    const json& level = levels[i];
    if (!level.is_object()) kFields.bad(p, "not an object");
    const json& tcb = kFields.member(level, p, "tcb");
    if (!tcb.is_object()) kFields.bad(p + ".tcb", "not an object");
    IsvTcbLevel l;
    l.isvsvn = static_cast<std::uint16_t>(kFields.uint_member(tcb, p + ".tcb", "isvsvn", 0xffff));
    l.tcb_date = kFields.date_member(level, p, "tcbDate");
    l.status = status_member(level, p);
    l.advisory_ids = kFields.advisories(level, p);
    q.levels.push_back(std::move(l));
  }
  return q;
}

}  // namespace

QeIdentity parse_qe_identity(std::string_view signed_json) {
  if (signed_json.size() > kMaxSize) kFields.bad("enclaveIdentity", "larger than 1 MiB");
  if (!is_strict_json(signed_json)) {
    kFields.bad("enclaveIdentity", "not well-formed JSON (or a duplicate key, or nested too deep)");
  }
  try {
    return read_identity(json::parse(signed_json));
  } catch (const json::exception& e) {
    kFields.bad("enclaveIdentity", std::string("JSON error: ") + e.what());
  }
}

}  // namespace ratls::attest
