// Reading user-named files and directories for commands (attest/ itself never touches files).
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

#include "attest/bytes.h"

namespace ratls::proxy {

// Quotes, certificates, keys, collateral and configuration are kilobytes (a processor CA CRL a few
// hundred); anything beyond this is refused.
inline constexpr std::size_t kMaxInputFileSize = 64u << 20;

// Whole file, at most kMaxInputFileSize bytes. Throws std::runtime_error("cannot read PATH:
// reason").
attest::Bytes read_file(const std::string& path);
// Regular files directly in `dir` (not recursive), name -> content.
std::map<std::string, attest::Bytes> read_directory(const std::string& dir);
// Regular files under `dir`, recursively, relative path ("a/b.pem") -> content.
std::map<std::string, std::string> read_tree(const std::string& dir);

// Writes `content` to `path` atomically (temporary file in the same directory, fsync, rename), the
// file created with `mode` (subject to the umask) so a private key is never readable by others,
// not even briefly. Throws std::runtime_error("cannot write PATH: reason").
void write_file_atomic(const std::string& path, std::string_view content, unsigned mode = 0644);

}  // namespace ratls::proxy
