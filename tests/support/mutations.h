// Helpers for tests that break one thing in an input and check which status the parser or
// verifier gives for it.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "attest/status.h"

namespace ratls::test {

// The status `f` fails with (its AttestError's), or STATUS_OK when it returns normally.
template <typename F>
attest::Status status_of(F&& f) {
  try {
    f();
  } catch (const attest::AttestError& e) {
    return e.status();
  }
  return attest::Status::STATUS_OK;
}

// `s` with the first occurrence of `from` at or after the first `anchor` replaced by `to`. The
// test fails when either is absent, so a mutation can never silently be a no-op.
inline std::string replaced(const std::string& s, const std::string& from, const std::string& to,
                            const std::string& anchor = "") {
  const std::size_t start = anchor.empty() ? 0 : s.find(anchor);
  const std::size_t pos = start == std::string::npos ? start : s.find(from, start);
  if (pos == std::string::npos) {
    ADD_FAILURE() << "mutation anchor not found: " << anchor << " / " << from;
    return s;
  }
  return s.substr(0, pos) + to + s.substr(pos + from.size());
}

}  // namespace ratls::test
