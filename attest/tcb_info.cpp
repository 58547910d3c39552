#include "attest/tcb_info.h"

#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>

#include "attest/json_fields.h"
#include "attest/json_raw.h"
#include "attest/status.h"

namespace ratls::attest {

namespace {

using nlohmann::json;

constexpr Status kFormat = Status::STATUS_SGX_TCB_INFO_UNSUPPORTED_FORMAT;
constexpr JsonFields kFields{kFormat};
// Real TCB infos are 5..40 KB; dcap-qvl caps collateral fields at 1 MiB too.
constexpr std::size_t kMaxSize = 1 << 20;

// Platform levels may carry any of Intel's seven TCB statuses; QE and TDX module levels only
// UpToDate, OutOfDate or Revoked (attestation-spec §2.5). The TDRelaunch* values are verdicts the
// verifier derives, never Intel's JSON.
TcbStatus status_member(const json& obj, const std::string& path, bool isv_level) {
  const std::string text = kFields.string_member(obj, path, "tcbStatus");
  auto s = parse_tcb_status(text);
  bool ok = s.has_value() && *s != TcbStatus::kTDRelaunchAdvised &&
            *s != TcbStatus::kTDRelaunchAdvisedConfigurationNeeded;
  if (ok && isv_level) {
    ok = *s == TcbStatus::kUpToDate || *s == TcbStatus::kOutOfDate || *s == TcbStatus::kRevoked;
  }
  if (!ok) {
    fail(Status::STATUS_TCB_UNRECOGNIZED_STATUS,
         path + ".tcbStatus: unrecognized TCB status " + JsonFields::shown(text));
  }
  return *s;
}

std::string index_path(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

// `{"tcb":{"isvsvn":n},"tcbDate":…,"tcbStatus":…,"advisoryIDs":[…]}` levels of a TDX module
// identity.
std::vector<IsvTcbLevel> isv_levels(const json& obj, const std::string& path) {
  const std::string levels_path = path + ".tcbLevels";
  const json& arr = kFields.array_member(obj, path, "tcbLevels");
  if (arr.empty()) kFields.bad(levels_path, "empty");
  std::vector<IsvTcbLevel> out;
  for (std::size_t i = 0; i < arr.size(); ++i) {
    const std::string p = index_path(levels_path, i);
    const json& level = arr[i];
    if (!level.is_object()) kFields.bad(p, "not an object");
    IsvTcbLevel l;
    const json& tcb = kFields.object_member(level, p, "tcb");
    l.isvsvn = static_cast<std::uint16_t>(kFields.uint_member(tcb, p + ".tcb", "isvsvn", 0xffff));
    l.tcb_date = kFields.date_member(level, p, "tcbDate");
    l.status = status_member(level, p, true);
    l.advisory_ids = kFields.advisories(level, p);
    out.push_back(std::move(l));
  }
  return out;
}

TdxModule tdx_module(const json& obj, const std::string& path) {
  TdxModule m;
  m.mrsigner = kFields.hex_member<48>(obj, path, "mrsigner");
  m.attributes = kFields.hex_member<8>(obj, path, "attributes");
  m.attributes_mask = kFields.hex_member<8>(obj, path, "attributesMask");
  return m;
}

// v3: 16 objects `{"svn":n,"category":…,"type":…}`; only svn matters for TCB evaluation.
std::array<std::uint8_t, 16> component_array(const json& tcb, const std::string& path,
                                             const char* key) {
  const std::string p = path + "." + key;
  const json& arr = kFields.array_member(tcb, path, key);
  if (arr.size() != 16) kFields.bad(p, "has " + std::to_string(arr.size()) + " entries, not 16");
  std::array<std::uint8_t, 16> out{};
  for (std::size_t i = 0; i < 16; ++i) {
    const std::string cp = index_path(p, i);
    if (!arr[i].is_object()) kFields.bad(cp, "not an object");
    out[i] = static_cast<std::uint8_t>(kFields.uint_member(arr[i], cp, "svn", 0xff));
  }
  return out;
}

TcbLevel tcb_level(const json& level, const std::string& p, int version, bool tdx) {
  if (!level.is_object()) kFields.bad(p, "not an object");
  TcbLevel l;
  const json& tcb = kFields.object_member(level, p, "tcb");
  const std::string tp = p + ".tcb";
  if (version == 2) {
    for (std::size_t i = 0; i < 16; ++i) {
      char key[32];
      std::snprintf(key, sizeof key, "sgxtcbcomp%02zusvn", i + 1);
      l.sgx_components[i] = static_cast<std::uint8_t>(kFields.uint_member(tcb, tp, key, 0xff));
    }
  } else {
    l.sgx_components = component_array(tcb, tp, "sgxtcbcomponents");
    if (tdx) l.tdx_components = component_array(tcb, tp, "tdxtcbcomponents");
  }
  l.pcesvn = static_cast<std::uint16_t>(kFields.uint_member(tcb, tp, "pcesvn", 0xffff));
  l.tcb_date = kFields.date_member(level, p, "tcbDate");
  l.status = status_member(level, p, false);
  l.advisory_ids = kFields.advisories(level, p);
  return l;
}

TcbInfo read_tcb_info(const json& doc) {
  const std::string root = "tcbInfo";
  if (!doc.is_object()) kFields.bad(root, "not a JSON object");
  TcbInfo info;
  info.version = static_cast<int>(kFields.uint_member(doc, root, "version", 0x7fffffff));
  if (info.version != 2 && info.version != 3) {
    kFields.bad(root + ".version",
                "unsupported version " + std::to_string(info.version) + " (2 and 3 are supported)");
  }
  // Version 2 predates TDX and has no id; version 3 names the TEE.
  if (info.version == 3 || doc.contains("id")) {
    info.id = kFields.string_member(doc, root, "id");
    const bool known = info.id == "SGX" || (info.version == 3 && info.id == "TDX");
    if (!known) kFields.bad(root + ".id", "unsupported id " + JsonFields::shown(info.id));
  } else {
    info.id = "SGX";
  }
  const bool tdx = info.id == "TDX";
  info.issue_date = kFields.date_member(doc, root, "issueDate");
  info.next_update = kFields.date_member(doc, root, "nextUpdate");
  info.fmspc = kFields.hex_member<6>(doc, root, "fmspc");
  info.pce_id = kFields.hex_member<2>(doc, root, "pceId");
  info.tcb_type = static_cast<int>(kFields.uint_member(doc, root, "tcbType", 0x7fffffff));
  info.tcb_evaluation_data_number = static_cast<std::uint32_t>(kFields.uint_member(
      doc, root, "tcbEvaluationDataNumber", std::numeric_limits<std::uint32_t>::max()));

  const json& levels = kFields.array_member(doc, root, "tcbLevels");
  if (levels.empty()) kFields.bad(root + ".tcbLevels", "empty");
  for (std::size_t i = 0; i < levels.size(); ++i) {
    info.levels.push_back(
        tcb_level(levels[i], index_path(root + ".tcbLevels", i), info.version, tdx));
  }

  if (tdx) {
    info.tdx_module =
        tdx_module(kFields.object_member(doc, root, "tdxModule"), root + ".tdxModule");
    // Absent from TDX TCB infos issued before module identities existed (go-tdx-guest's 2023 one).
    if (doc.contains("tdxModuleIdentities")) {
      const json& ids = kFields.array_member(doc, root, "tdxModuleIdentities");
      for (std::size_t i = 0; i < ids.size(); ++i) {
        const std::string p = index_path(root + ".tdxModuleIdentities", i);
        if (!ids[i].is_object()) kFields.bad(p, "not an object");
        TdxModuleIdentity m;
        m.id = kFields.string_member(ids[i], p, "id");
        if (m.id.empty()) kFields.bad(p + ".id", "empty");
        m.module = tdx_module(ids[i], p);
        m.levels = isv_levels(ids[i], p);
        info.tdx_module_identities.push_back(std::move(m));
      }
    }
  }
  return info;
}

}  // namespace

TcbInfo parse_tcb_info(std::string_view signed_json) {
  if (signed_json.size() > kMaxSize) kFields.bad("tcbInfo", "larger than 1 MiB");
  if (!is_strict_json(signed_json)) {
    kFields.bad("tcbInfo", "not well-formed JSON (or a duplicate key, or nested too deep)");
  }
  try {
    return read_tcb_info(json::parse(signed_json));
  } catch (const json::exception& e) {
    kFields.bad("tcbInfo", std::string("JSON error: ") + e.what());
  }
}

}  // namespace ratls::attest
