// The one JSON form of a Pin: pins.json, status.json, the 502 page's details and `pins --json` all
// write it with this, so the same field has the same name and format everywhere.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>

#include "attest/time.h"
#include "proxy/pinning/pin_store.h"

namespace ratls::proxy {

// Fields in the order of the struct; times as RFC 3339, an unknown collateral expiry as null.
// `Json` is nlohmann::json or nlohmann::ordered_json (pins.json keeps the struct's order).
template <class Json = nlohmann::json>
Json pin_to_json(const Pin& pin) {
  Json v = Json::object();
  v["cert_sha256"] = pin.cert_sha256;
  v["spki_sha256"] = pin.spki_sha256;
  v["mrenclave"] = pin.mrenclave;
  v["mrsigner"] = pin.mrsigner;
  v["isv_prod_id"] = pin.isv_prod_id;
  v["isv_svn"] = pin.isv_svn;
  v["tcb_status"] = pin.tcb_status;
  v["advisory_ids"] = pin.advisory_ids;
  v["collateral_expiry"] =
      pin.collateral_expiry ? Json(attest::format_rfc3339(pin.collateral_expiry)) : Json(nullptr);
  v["verified_at"] = attest::format_rfc3339(pin.verified_at);
  v["simulated"] = pin.simulated;
  return v;
}

// null for no pin.
template <class Json = nlohmann::json>
Json pin_to_json(const std::optional<Pin>& pin) {
  return pin ? pin_to_json<Json>(*pin) : Json(nullptr);
}

}  // namespace ratls::proxy
