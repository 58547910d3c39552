// DerReader and der_unsigned (attest/der.h): definite short and long lengths, and every malformed
// encoding the reader must refuse without moving.
#include <gtest/gtest.h>

#include <optional>

#include "attest/der.h"

namespace ratls::attest {
namespace {

Bytes concat(Bytes a, const Bytes& b) {
  a.reserve(a.size() + b.size());
  for (std::uint8_t x : b) a.push_back(x);
  return a;
}

// A reader over `data` whose first element must fail, and which must still be at the start.
void expect_rejected_without_advancing(const Bytes& data) {
  DerReader r(data);
  EXPECT_FALSE(r.next()) << to_hex(data);
  EXPECT_FALSE(r.empty()) << to_hex(data);
  // Still refused: the position did not move past the bad element.
  EXPECT_FALSE(r.next()) << to_hex(data);
}

TEST(DerReader, ShortFormElementsInSequence) {
  const Bytes data{0x02, 0x01, 0x05, 0x04, 0x02, 0xab, 0xcd, 0x05, 0x00};
  DerReader r(data);
  ASSERT_FALSE(r.empty());
  auto a = r.next();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->tag, der_tag::kInteger);
  EXPECT_EQ(to_hex(a->content), "05");
  EXPECT_EQ(to_hex(a->whole), "020105");
  EXPECT_EQ(a->content.data(), data.data() + 2);  // a view, not a copy
  auto b = r.next();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->tag, der_tag::kOctetString);
  EXPECT_EQ(to_hex(b->content), "abcd");
  EXPECT_EQ(to_hex(b->whole), "0402abcd");
  auto c = r.next();  // NULL: zero-length content
  ASSERT_TRUE(c);
  EXPECT_EQ(c->tag, 0x05);
  EXPECT_TRUE(c->content.empty());
  EXPECT_EQ(c->whole.size(), 2u);
  EXPECT_TRUE(r.empty());
  EXPECT_FALSE(r.next());
}

TEST(DerReader, EmptyInput) {
  DerReader r(ByteView{});
  EXPECT_TRUE(r.empty());
  EXPECT_FALSE(r.next());
}

TEST(DerReader, LargestShortFormLength) {
  const Bytes data = concat({0x04, 0x7f}, Bytes(0x7f, 0xaa));
  DerReader r(data);
  auto e = r.next();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->content.size(), 0x7fu);
  EXPECT_EQ(e->whole.size(), 0x81u);
  EXPECT_TRUE(r.empty());
}

TEST(DerReader, LongFormOneLengthByte) {
  const Bytes data = concat({0x04, 0x81, 0x80}, Bytes(0x80, 0x11));
  DerReader r(data);
  auto e = r.next();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->tag, der_tag::kOctetString);
  EXPECT_EQ(e->content.size(), 0x80u);
  EXPECT_EQ(e->content.data(), data.data() + 3);
  EXPECT_EQ(e->whole.size(), 0x83u);
  EXPECT_TRUE(r.empty());
}

TEST(DerReader, LongFormTwoLengthBytes) {
  const Bytes data = concat(concat({0x30, 0x82, 0x01, 0x2c}, Bytes(300, 0x00)), {0x05, 0x00});
  DerReader r(data);
  auto e = r.next();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->tag, der_tag::kSequence);
  EXPECT_EQ(e->content.size(), 300u);
  EXPECT_EQ(e->whole.size(), 304u);
  auto f = r.next();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->tag, 0x05);
  EXPECT_TRUE(r.empty());
}

TEST(DerReader, NestedReaderOverContent) {
  const Bytes data{0x30, 0x06, 0x02, 0x01, 0x01, 0x01, 0x01, 0xff};
  DerReader outer(data);
  auto seq = outer.next();
  ASSERT_TRUE(seq);
  DerReader inner(seq->content);
  auto i = inner.next();
  auto b = inner.next();
  ASSERT_TRUE(i && b);
  EXPECT_EQ(i->tag, der_tag::kInteger);
  EXPECT_EQ(b->tag, der_tag::kBoolean);
  EXPECT_EQ(to_hex(b->content), "ff");
  EXPECT_TRUE(inner.empty());
}

TEST(DerReader, TruncatedContentIsRejected) {
  expect_rejected_without_advancing({0x04, 0x03, 0x01, 0x02});
  expect_rejected_without_advancing({0x04, 0x81, 0x80, 0x00});
  expect_rejected_without_advancing(concat({0x30, 0x82, 0x01, 0x00}, Bytes(255, 0)));
}

TEST(DerReader, TruncatedHeaderIsRejected) {
  expect_rejected_without_advancing({0x04});              // no length byte
  expect_rejected_without_advancing({0x04, 0x81});        // length byte missing
  expect_rejected_without_advancing({0x04, 0x82, 0x01});  // one of two length bytes missing
}

TEST(DerReader, IndefiniteLengthIsRejected) {
  expect_rejected_without_advancing({0x30, 0x80, 0x02, 0x01, 0x00, 0x00, 0x00});
}

TEST(DerReader, NonMinimalLengthsAreRejected) {
  // 0x81 0x05: five fits the short form.
  expect_rejected_without_advancing(concat({0x04, 0x81, 0x05}, Bytes(5, 0)));
  // 0x81 0x7f: still short-form territory.
  expect_rejected_without_advancing(concat({0x04, 0x81, 0x7f}, Bytes(0x7f, 0)));
  // 0x82 0x00 0x90: leading zero length byte (0x81 0x90 would do).
  expect_rejected_without_advancing(concat({0x04, 0x82, 0x00, 0x90}, Bytes(0x90, 0)));
  // 0x82 0x00 0x05: both faults at once.
  expect_rejected_without_advancing(concat({0x04, 0x82, 0x00, 0x05}, Bytes(5, 0)));
}

TEST(DerReader, OversizedLengthFieldsAreRejected) {
  // Five length bytes can describe nothing the reader accepts.
  expect_rejected_without_advancing({0x04, 0x85, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00});
  // 0xff length-of-length (reserved in X.690).
  expect_rejected_without_advancing({0x04, 0xff, 0x01});
  // A valid four-byte length far past the end.
  expect_rejected_without_advancing({0x04, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x00});
}

TEST(DerReader, HighTagNumberFormIsRejected) {
  expect_rejected_without_advancing({0x1f, 0x81, 0x00, 0x01, 0x00});  // universal, tag 128
  expect_rejected_without_advancing({0x9f, 0x22, 0x01, 0x00});        // [34] context-specific
  expect_rejected_without_advancing({0x3f, 0x22, 0x00});              // constructed
}

TEST(DerReader, ContextTagsBelow31AreAccepted) {
  const Bytes data{0xa0, 0x03, 0x02, 0x01, 0x02, 0x9e, 0x00};
  DerReader r(data);
  auto a = r.next();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->tag, 0xa0);
  auto b = r.next();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->tag, 0x9e);
  EXPECT_TRUE(r.empty());
}

TEST(DerReader, FailureAfterGoodElementKeepsPosition) {
  // One good INTEGER, then a truncated OCTET STRING: the reader stays just after the INTEGER.
  const Bytes data{0x02, 0x01, 0x07, 0x04, 0x05, 0x01};
  DerReader r(data);
  auto good = r.next();
  ASSERT_TRUE(good);
  EXPECT_EQ(to_hex(good->whole), "020107");
  EXPECT_FALSE(r.next());
  EXPECT_FALSE(r.empty());
  EXPECT_FALSE(r.next());
}

TEST(DerUnsigned, SmallValues) {
  EXPECT_EQ(der_unsigned(Bytes{0x00}), 0u);
  EXPECT_EQ(der_unsigned(Bytes{0x01}), 1u);
  EXPECT_EQ(der_unsigned(Bytes{0x7f}), 127u);
  EXPECT_EQ(der_unsigned(Bytes{0x01, 0x00}), 256u);
  EXPECT_EQ(der_unsigned(Bytes{0x7f, 0xff}), 32767u);
}

TEST(DerUnsigned, LeadingZeroOnlyBeforeHighBit) {
  EXPECT_EQ(der_unsigned(Bytes{0x00, 0x80}), 128u);
  EXPECT_EQ(der_unsigned(Bytes{0x00, 0xff}), 255u);
  EXPECT_EQ(der_unsigned(Bytes{0x00, 0xff, 0xff}), 65535u);
  // Non-minimal: the zero byte is not needed.
  EXPECT_FALSE(der_unsigned(Bytes{0x00, 0x7f}));
  EXPECT_FALSE(der_unsigned(Bytes{0x00, 0x00}));
  EXPECT_FALSE(der_unsigned(Bytes{0x00, 0x00, 0x80}));
  EXPECT_FALSE(der_unsigned(Bytes{0x00, 0x01}));
}

TEST(DerUnsigned, NegativeIsRejected) {
  EXPECT_FALSE(der_unsigned(Bytes{0x80}));
  EXPECT_FALSE(der_unsigned(Bytes{0xff}));
  EXPECT_FALSE(der_unsigned(Bytes{0xff, 0x7f}));
}

TEST(DerUnsigned, EmptyIsRejected) {
  EXPECT_FALSE(der_unsigned(ByteView{}));
}

TEST(DerUnsigned, SixtyFourBitBoundary) {
  EXPECT_EQ(der_unsigned(Bytes{0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}),
            0x7fffffffffffffffu);
  // 2^64 - 1 needs the sign-guard zero: 9 bytes in total, still accepted.
  EXPECT_EQ(der_unsigned(Bytes{0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}),
            0xffffffffffffffffu);
  EXPECT_EQ(der_unsigned(Bytes{0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}),
            0x8000000000000000u);
  // 2^64 does not fit.
  EXPECT_FALSE(der_unsigned(Bytes{0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}));
  EXPECT_FALSE(der_unsigned(Bytes{0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}));
  EXPECT_FALSE(der_unsigned(Bytes(16, 0x11)));
}

}  // namespace
}  // namespace ratls::attest
