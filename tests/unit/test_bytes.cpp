#include <gtest/gtest.h>

#include "attest/bytes.h"
#include "attest/status.h"

namespace ratls::attest {
namespace {

TEST(Bytes, HexRoundTripLowercase) {
  Bytes b{0x00, 0x0f, 0xa5, 0xff};
  EXPECT_EQ(to_hex(b), "000fa5ff");
  EXPECT_EQ(*from_hex("000FA5ff"), b);
  EXPECT_EQ(from_hex("")->size(), 0u);
}

TEST(Bytes, EscapeControlsWritesOutC0DelAndC1) {
  EXPECT_EQ(escape_controls("Intel SGX Root CA"), "Intel SGX Root CA");
  EXPECT_EQ(escape_controls("a\nb\r\t\x1b[2J\x7f"), "a\\x0ab\\x0d\\x09\\x1b[2J\\x7f");
  EXPECT_EQ(escape_controls(std::string_view("\0z", 2)), "\\x00z");
  // C1 CSI (U+009B) is escaped; other UTF-8, a lone C2 at the end included, is kept.
  EXPECT_EQ(escape_controls("\xc2\x9b"
                            "2J caf\xc3\xa9 \xc2\xa0\xc2"),
            "\\u009b2J caf\xc3\xa9 \xc2\xa0\xc2");
}

TEST(Bytes, HexRejectsOddLengthAndNonHex) {
  EXPECT_FALSE(from_hex("abc"));
  EXPECT_FALSE(from_hex("zz"));
  EXPECT_FALSE(from_hex("0a 0b"));
  EXPECT_FALSE(from_hex_fixed<2>("0a"));
  EXPECT_TRUE(from_hex_fixed<1>("0a"));
}

TEST(Bytes, Base64) {
  EXPECT_EQ(as_chars(*from_base64("aGVsbG8=")), "hello");
  EXPECT_EQ(as_chars(*from_base64("aGVs\nbG8")), "hello");
  EXPECT_EQ(as_chars(*from_base64("")), "");
  EXPECT_FALSE(from_base64("aGVsbG8=x"));
  EXPECT_FALSE(from_base64("a!=="));
  EXPECT_FALSE(from_base64("a"));  // 6 bits cannot make a byte
}

TEST(Status, NamesAreQvlNames) {
  EXPECT_EQ(status_name(Status::STATUS_OK), "STATUS_OK");
  EXPECT_EQ(status_name(Status::STATUS_INVALID_QUOTE_SIGNATURE), "STATUS_INVALID_QUOTE_SIGNATURE");
  EXPECT_EQ(status_name(Status::STATUS_SGX_CRL_EXPIRED), "STATUS_SGX_CRL_EXPIRED");
  EXPECT_EQ(status_name(Status::STATUS_PCK_REVOKED), "STATUS_PCK_REVOKED");
  EXPECT_EQ(status_name(Status::STATUS_TCB_NOT_SUPPORTED), "STATUS_TCB_NOT_SUPPORTED");
  AttestError e(Status::STATUS_TCB_NOT_SUPPORTED, "why");
  EXPECT_EQ(e.error().status, Status::STATUS_TCB_NOT_SUPPORTED);
  EXPECT_EQ(e.error().message, "why");
}

}  // namespace
}  // namespace ratls::attest
