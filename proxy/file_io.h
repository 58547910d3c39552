// Reading user-named files and directories for commands (attest/ itself never touches files).
#pragma once

#include <map>
#include <string>

#include "attest/bytes.h"

namespace ratls::proxy {

// Whole file. Throws std::runtime_error("cannot read PATH: reason").
attest::Bytes read_file(const std::string& path);
// Regular files directly in `dir` (not recursive), name -> content.
std::map<std::string, attest::Bytes> read_directory(const std::string& dir);

}  // namespace ratls::proxy
