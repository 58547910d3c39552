// UTC instants as Unix seconds, and RFC 3339 conversion. attest/ never reads the clock: callers pass
// one verification time for a whole run.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ratls::attest {

using UnixTime = std::int64_t;

// Accepts `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)` (also a lowercase t/z or a space separator).
// Fractions are truncated. nullopt on anything else, including out-of-range fields.
std::optional<UnixTime> parse_rfc3339(std::string_view text);

// `YYYY-MM-DDTHH:MM:SSZ`.
std::string format_rfc3339(UnixTime t);

// Proleptic Gregorian calendar conversions (no time zone database involved).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d);

}  // namespace ratls::attest
