// Reading what a `ratls-gateway` command printed.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/process.h"

namespace ratls::test {

// The command's standard output as JSON; fails the test (and returns null) when it is not JSON.
inline nlohmann::json parse_json(const CommandResult& r) {
  try {
    return nlohmann::json::parse(r.out);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not JSON: " << e.what() << "\n" << r.out << r.err;
    return {};
  }
}

}  // namespace ratls::test
