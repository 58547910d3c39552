// Finds the exact bytes of a top-level member of a JSON object without re-serialising, because
// Intel signs the bytes of `tcbInfo` / `enclaveIdentity` as sent (attestation-spec §2.5).
#pragma once

#include <optional>
#include <string_view>

namespace ratls::attest {

// The raw text of the value of top-level member `key` of the JSON object `doc` (from its first to
// its last byte, no surrounding whitespace). nullopt when `doc` is not one well-formed JSON object
// (trailing whitespace allowed), when the key is absent, or when it occurs more than once at the
// top level (ambiguous: which bytes were signed?). Nesting depth is bounded.
std::optional<std::string_view> raw_json_member(std::string_view doc, std::string_view key);

}  // namespace ratls::attest
