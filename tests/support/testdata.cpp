#include "tests/support/testdata.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

namespace ratls::test {

std::string real_path(std::string_view relative) {
  return std::string(RATLS_TESTDATA_DIR) + "/" + std::string(relative);
}

attest::Bytes read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "cannot read test file " << path;
    return {};
  }
  return attest::Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string read_text(const std::string& path) {
  auto b = read_bytes(path);
  return std::string(b.begin(), b.end());
}

attest::UnixTime at(std::string_view rfc3339) {
  auto t = attest::parse_rfc3339(rfc3339);
  if (!t) {
    ADD_FAILURE() << "bad time literal " << rfc3339;
    return 0;
  }
  return *t;
}

}  // namespace ratls::test
