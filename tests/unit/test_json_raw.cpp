#include <gtest/gtest.h>

#include <string>

#include "attest/json_raw.h"
#include "tests/support/testdata.h"

namespace ratls::attest {
namespace {

using test::read_text;
using test::real_path;

TEST(JsonRaw, ReturnsTheExactSpanOfATopLevelMember) {
  const std::string doc = R"({"a":1,"tcbInfo":{ "x" : [1, 2 ,{"y":null}] ,"z":"w" },"signature":"00"})";
  auto raw = raw_json_member(doc, "tcbInfo");
  ASSERT_TRUE(raw);
  EXPECT_EQ(*raw, R"({ "x" : [1, 2 ,{"y":null}] ,"z":"w" })");
  // A view into the document, not a copy.
  EXPECT_EQ(raw->data(), doc.data() + doc.find("{ \"x\""));
  EXPECT_EQ(*raw_json_member(doc, "a"), "1");
  EXPECT_EQ(*raw_json_member(doc, "signature"), R"("00")");
}

TEST(JsonRaw, NoSurroundingWhitespaceButInnerWhitespaceKept) {
  const std::string doc = " \n\t{ \"k\" :\n  {\n  \"v\" : true\n}\r\n , \"n\": -1.5e+3 }\n ";
  EXPECT_EQ(*raw_json_member(doc, "k"), "{\n  \"v\" : true\n}");
  EXPECT_EQ(*raw_json_member(doc, "n"), "-1.5e+3");
}

TEST(JsonRaw, BracesAndQuotesInsideStringsDoNotEndTheValue) {
  const std::string doc =
      R"({"pre":"}{][\"","tcbInfo":{"s":"}\"}","t":["]","\\"],"u":{"v":"{\\\"}"}},"post":"}"})";
  EXPECT_EQ(*raw_json_member(doc, "tcbInfo"), R"({"s":"}\"}","t":["]","\\"],"u":{"v":"{\\\"}"}})");
  EXPECT_EQ(*raw_json_member(doc, "post"), R"("}")");
  EXPECT_EQ(*raw_json_member(doc, "pre"), R"("}{][\"")");
}

TEST(JsonRaw, KeysOnlyMatchAtTheTopLevel) {
  const std::string doc = R"({"outer":{"tcbInfo":{"a":1}},"other":[{"tcbInfo":2}]})";
  EXPECT_FALSE(raw_json_member(doc, "tcbInfo"));
  EXPECT_FALSE(raw_json_member(doc, "a"));
  EXPECT_TRUE(raw_json_member(doc, "outer"));
}

TEST(JsonRaw, DuplicateTopLevelKeyIsAmbiguous) {
  EXPECT_FALSE(raw_json_member(R"({"tcbInfo":{},"tcbInfo":{}})", "tcbInfo"));
  EXPECT_FALSE(raw_json_member(R"({"tcbInfo":{"a":1},"x":0,"tcbInfo":{"a":2}})", "tcbInfo"));
  // The same key spelled with an escape is the same key.
  EXPECT_FALSE(raw_json_member(R"({"tcbInfo":{},"tcb\u0049nfo":{}})", "tcbInfo"));
  EXPECT_EQ(*raw_json_member(R"({"tcb\u0049nfo":{"a":1}})", "tcbInfo"), R"({"a":1})");
  // Duplicates of other keys or nested ones do not matter for this member.
  EXPECT_TRUE(raw_json_member(R"({"tcbInfo":{"a":1,"a":2},"x":1,"x":2})", "tcbInfo"));
}

TEST(JsonRaw, AbsentKeyAndEmptyObject) {
  EXPECT_FALSE(raw_json_member("{}", "tcbInfo"));
  EXPECT_FALSE(raw_json_member(" { } ", "tcbInfo"));
  EXPECT_FALSE(raw_json_member(R"({"tcbinfo":{}})", "tcbInfo"));  // case-sensitive
}

TEST(JsonRaw, WholeDocumentMustBeOneObject) {
  const std::string good = R"({"tcbInfo":{"a":1}})";
  EXPECT_TRUE(raw_json_member(good + " \n", "tcbInfo"));
  EXPECT_FALSE(raw_json_member(good + "x", "tcbInfo"));
  EXPECT_FALSE(raw_json_member(good + "{}", "tcbInfo"));
  EXPECT_FALSE(raw_json_member(good + ",", "tcbInfo"));
  EXPECT_FALSE(raw_json_member(std::string(good) + '\0', "tcbInfo"));
  EXPECT_FALSE(raw_json_member(R"([{"tcbInfo":{}}])", "tcbInfo"));
  EXPECT_FALSE(raw_json_member(R"("tcbInfo")", "tcbInfo"));
  EXPECT_FALSE(raw_json_member("", "tcbInfo"));
  EXPECT_FALSE(raw_json_member("   ", "tcbInfo"));
}

TEST(JsonRaw, MalformedValuesAnywhereAreRejected) {
  for (const char* doc : {
           R"({"tcbInfo":{"a":1})",               // unterminated object
           R"({"tcbInfo":{"a":1},})",             // trailing comma
           R"({"tcbInfo":{"a":1,}})",             // trailing comma inside
           R"({"tcbInfo":{"a" 1}})",              // missing colon
           R"({"tcbInfo":{"a":1 "b":2}})",        // missing comma
           R"({"tcbInfo":[1,2})",                 // mismatched bracket
           R"({"tcbInfo":{}, "x":01})",           // leading zero
           R"({"tcbInfo":{}, "x":1.})",           // no fraction digits
           R"({"tcbInfo":{}, "x":.5})",           // no integer part
           R"({"tcbInfo":{}, "x":-})",            // lone minus
           R"({"tcbInfo":{}, "x":1e})",           // no exponent digits
           R"({"tcbInfo":{}, "x":+1})",           // plus sign
           R"({"tcbInfo":{}, "x":tru})",          // truncated literal
           R"({"tcbInfo":{}, "x":True})",         // wrong case
           R"({"tcbInfo":{}, "x":"\x"})",         // unknown escape
           R"({"tcbInfo":{}, "x":"\u12"})",       // short \u
           R"({"tcbInfo":{}, "x":"\u12G4"})",     // non-hex \u
           R"({"tcbInfo":{}, "x":"\uDC00"})",     // lone low surrogate
           R"({"tcbInfo":{}, "x":"\uD800"})",     // unpaired high surrogate
           R"({"tcbInfo":{}, "x":"\uD800\u0041"})",  // high surrogate + non-low
           R"({"tcbInfo":{}, "x":"abc})",         // unterminated string
           R"({tcbInfo:{}})",                     // unquoted key
           R"({'tcbInfo':{}})",                   // single quotes
           R"({"tcbInfo":{}, "x":NaN})",
       }) {
    EXPECT_FALSE(raw_json_member(doc, "tcbInfo")) << doc;
    EXPECT_FALSE(is_strict_json(doc)) << doc;
  }
  // Raw control characters and malformed UTF-8 inside strings.
  for (std::string bad : {std::string("\x01"), std::string("\n"), std::string("\xC0\xAF"),
                          std::string("\xE0\x80\x80"), std::string("\xED\xA0\x80"),
                          std::string("\xF4\x90\x80\x80"), std::string("\xFF"),
                          std::string("\xC3")}) {
    const std::string doc = R"({"tcbInfo":{},"x":")" + bad + R"("})";
    EXPECT_FALSE(raw_json_member(doc, "tcbInfo"));
  }
}

TEST(JsonRaw, ValidEscapesAndUtf8AreAccepted) {
  const std::string doc =
      "{\"tcbInfo\":{\"s\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDE00 \xC3\xA9 "
      "\xE2\x82\xAC \xF0\x9F\x98\x80\"},\"n\":[0,-0,1.25,1E5,2e-3,true,false,null]}";
  EXPECT_TRUE(raw_json_member(doc, "tcbInfo"));
  EXPECT_TRUE(is_strict_json(doc));
}

TEST(JsonRaw, DeepNestingIsBoundedNotAStackOverflow) {
  // 64 levels in all are allowed (the top-level object is the first).
  std::string ok = R"({"tcbInfo":)" + std::string(63, '[') + std::string(63, ']') + "}";
  EXPECT_TRUE(raw_json_member(ok, "tcbInfo"));
  EXPECT_TRUE(is_strict_json(std::string(64, '[') + std::string(64, ']')));
  EXPECT_FALSE(is_strict_json(std::string(65, '[') + std::string(65, ']')));
  std::string too_deep = R"({"tcbInfo":)" + std::string(64, '[') + std::string(64, ']') + "}";
  EXPECT_FALSE(raw_json_member(too_deep, "tcbInfo"));
  // Far beyond any stack: refused quickly, also when unterminated.
  const std::string hostile = R"({"tcbInfo":)" + std::string(1'000'000, '[');
  EXPECT_FALSE(raw_json_member(hostile, "tcbInfo"));
  EXPECT_FALSE(is_strict_json(std::string(1'000'000, '{')));
  std::string objects;
  for (int i = 0; i < 100'000; ++i) objects += R"({"a":)";
  EXPECT_FALSE(is_strict_json(objects));
}

TEST(JsonRaw, StrictJsonRejectsDuplicateKeysAtAnyDepth) {
  EXPECT_TRUE(is_strict_json(R"({"a":{"b":1,"c":[{"b":1},{"b":2}]},"b":1})"));
  EXPECT_FALSE(is_strict_json(R"({"a":{"b":1,"b":2}})"));
  EXPECT_FALSE(is_strict_json(R"([{"x":1},{"y":1,"y":1}])"));
  EXPECT_FALSE(is_strict_json(R"({"a":1,"\u0061":2})"));
  EXPECT_TRUE(is_strict_json(R"({"a":1,"A":2})"));
  // Any single value, surrounded by whitespace.
  EXPECT_TRUE(is_strict_json(" 17 "));
  EXPECT_TRUE(is_strict_json("\"x\""));
  EXPECT_TRUE(is_strict_json("[]"));
  EXPECT_FALSE(is_strict_json(""));
  EXPECT_FALSE(is_strict_json("1 2"));
}

TEST(JsonRaw, RealPcsBodies) {
  for (const char* file : {"dcap/google_go_tdx_guest/tdx_tcb_info_fmspc_50806f000000.response.json",
                           "dcap/google_go_tdx_guest/tdx_qe_identity.response.json",
                           "cosmian/msehome_2023-05_tcbinfo_fmspc30606A000000.json",
                           "cosmian/msehome_2023-05_qe_identity.json",
                           "dcap/phala_dcap_qvl/sgx_v3_quote.collateral.json",
                           "cosmian/msehome_2023-05_evidence.json"}) {
    const std::string doc = read_text(real_path(file));
    EXPECT_TRUE(is_strict_json(doc)) << file;
    EXPECT_TRUE(raw_json_member(doc, "signature") || raw_json_member(doc, "tcb_info")) << file;
  }
}

}  // namespace
}  // namespace ratls::attest
