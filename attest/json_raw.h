// Finds the exact bytes of a top-level member of a JSON object without re-serialising, because
// Intel signs the bytes of `tcbInfo` / `enclaveIdentity` as sent (attestation-spec §2.5).
#pragma once

#include <optional>
#include <string_view>

namespace ratls::attest {

// The raw text of the value of top-level member `key` of the JSON object `doc` (from its first to
// its last byte, no surrounding whitespace). nullopt when `doc` is not one well-formed JSON object
// (trailing whitespace allowed), when the key is absent, or when it occurs more than once at the
// top level (ambiguous: which bytes were signed?). Keys are compared after unescaping. Nesting depth
// is bounded (64).
std::optional<std::string_view> raw_json_member(std::string_view doc, std::string_view key);

// True when `doc` is exactly one well-formed JSON value (surrounding whitespace allowed), nested at
// most as deep as raw_json_member allows, with no object holding the same key twice (keys compared
// after unescaping). Parsers run it before nlohmann::json, which would silently keep the last of
// duplicate keys where another verifier might keep the first.
bool is_strict_json(std::string_view doc);

}  // namespace ratls::attest
