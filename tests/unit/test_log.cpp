// The daemon's log: one record per line, whatever text a message quotes.
#include <gtest/gtest.h>

#include "proxy/common/log.h"

namespace ratls::proxy {
namespace {

TEST(Log, ARecordIsOneLineWithItsControlCharactersWrittenOut) {
  testing::internal::CaptureStderr();
  log(LogLevel::kWarning, "refused: \"Evil\ninfo: app a: pinned\x1b[2J\"");
  const std::string out = testing::internal::GetCapturedStderr();
  EXPECT_EQ(out, "warning: refused: \"Evil\\x0ainfo: app a: pinned\\x1b[2J\"\n");
}

}  // namespace
}  // namespace ratls::proxy
