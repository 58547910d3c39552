#include <gtest/gtest.h>

#include "attest/time.h"

namespace ratls::attest {
namespace {

TEST(Time, ParsesIntelDates) {
  EXPECT_EQ(*parse_rfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(*parse_rfc3339("2025-07-19T10:01:17Z"), 1752919277);  // dcap-qvl's test time
  EXPECT_EQ(*parse_rfc3339("2023-07-01T01:00:00Z"), 1688173200);  // go-tdx-guest's
  EXPECT_EQ(*parse_rfc3339("2026-03-20T10:41:14Z"), 1774003274);
  EXPECT_EQ(*parse_rfc3339("2049-12-31T23:59:59Z"), 2524607999);
}

TEST(Time, FractionsAndOffsets) {
  EXPECT_EQ(*parse_rfc3339("2025-07-19T10:01:17.999Z"), 1752919277);
  EXPECT_EQ(*parse_rfc3339("2025-07-19T12:01:17+02:00"), 1752919277);
  EXPECT_EQ(*parse_rfc3339("2025-07-19T08:01:17-02:00"), 1752919277);
  EXPECT_EQ(*parse_rfc3339("2025-07-19t10:01:17z"), 1752919277);
}

TEST(Time, RejectsMalformed) {
  for (const char* bad : {"", "2025-07-19", "2025-07-19T10:01:17", "2025-13-01T00:00:00Z",
                          "2025-02-29T00:00:00Z", "2025-07-19T24:00:00Z", "2025-07-19T10:01:17Zx",
                          "2025-07-19T10:01:17.Z", "2025-07-19T10:01:17+2:00", "20250719T100117Z"}) {
    EXPECT_FALSE(parse_rfc3339(bad)) << bad;
  }
  EXPECT_TRUE(parse_rfc3339("2024-02-29T00:00:00Z"));
}

TEST(Time, FormatRoundTrip) {
  for (UnixTime t : {0LL, 1752919277LL, 2524607999LL, 951782400LL /* 2000-02-29 */}) {
    EXPECT_EQ(*parse_rfc3339(format_rfc3339(t)), t);
  }
  EXPECT_EQ(format_rfc3339(1752919277), "2025-07-19T10:01:17Z");
}

}  // namespace
}  // namespace ratls::attest
