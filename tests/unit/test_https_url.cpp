// The one https:// URL parser (upstreams, PCCS base URLs, `verify https://...`, PCS requests):
// each rule has a case that breaks only it, with the reason users see.
#include "proxy/common/https_url.h"

#include <gtest/gtest.h>

namespace ratls::proxy {
namespace {

std::string why_not(std::string_view url) {
  std::string why;
  const auto parsed = parse_https_url(url, why);
  EXPECT_FALSE(parsed) << url << " parsed as " << parsed->authority();
  return why;
}

TEST(HttpsUrl, HostPortAndRest) {
  auto u = parse_https_url("HTTPS://Pccs.Example.COM:8081/sgx/certification/v4?x=1");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "pccs.example.com");
  EXPECT_EQ(u->port, 8081);
  EXPECT_EQ(u->rest, "/sgx/certification/v4?x=1");
  EXPECT_EQ(u->authority(), "pccs.example.com:8081");

  auto v = parse_https_url("https://[0:0:0:0:0:0:0:1]:8443");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->host, "::1");  // canonical form
  EXPECT_EQ(v->rest, "");
  EXPECT_EQ(v->authority(), "[::1]:8443");

  auto w = parse_https_url("https://127.0.0.1?q");
  ASSERT_TRUE(w);
  EXPECT_EQ(w->port, 443);
  EXPECT_EQ(w->rest, "?q");
  EXPECT_EQ(w->authority(), "127.0.0.1");
  EXPECT_TRUE(parse_https_url("https://my_app.example.com"));
}

TEST(HttpsUrl, EachRuleRefusesWithItsReason) {
  EXPECT_EQ(why_not("http://a.example"), "only https:// is supported");
  EXPECT_EQ(why_not("a.example"), "missing \"https://\"");
  EXPECT_EQ(why_not("https://user@a.example"), "no user info allowed");
  EXPECT_EQ(why_not("https://"), "missing host");
  EXPECT_EQ(why_not("https://:443"), "missing host");
  EXPECT_EQ(why_not("https://a..example"), "invalid host name");
  EXPECT_EQ(why_not("https://-a.example"), "invalid host name");
  EXPECT_EQ(why_not("https://a.example."), "invalid host name");
  EXPECT_EQ(why_not("https://a b.example"), "invalid host name");
  EXPECT_EQ(why_not("https://127.1"), "invalid host name");  // not a name, not a literal
  EXPECT_EQ(why_not("https://256.0.0.1"), "invalid host name");
  EXPECT_EQ(why_not("https://[::1"), "missing ']' after the IPv6 address");
  EXPECT_EQ(why_not("https://[fe80::1%eth0]"), "not an IPv6 address between the brackets");
  EXPECT_EQ(why_not("https://[::1]x"), "unexpected text after ']'");
  EXPECT_EQ(why_not("https://::1"),
            "IPv6 addresses go in brackets, as in \"https://[2001:db8::1]:8443\"");
  EXPECT_EQ(why_not("https://a.example:"), "port must be 1..65535");
  EXPECT_EQ(why_not("https://a.example:0"), "port must be 1..65535");
  EXPECT_EQ(why_not("https://a.example:65536"), "port must be 1..65535");
  EXPECT_EQ(why_not("https://a.example:+80"), "port must be 1..65535");
  EXPECT_EQ(why_not("https://a.example:080"), "port must be 1..65535");
  // URI syntax itself is Boost.URL's: what follows the authority must be valid too.
  EXPECT_EQ(why_not("https://a.example/pa th"),
            "the path or query is not valid URL syntax (spaces and other such characters must be "
            "percent-encoded)");
  EXPECT_EQ(why_not("https://a.example/?q=<x>"),
            "the path or query is not valid URL syntax (spaces and other such characters must be "
            "percent-encoded)");
  EXPECT_EQ(why_not("https://a%2Eexample"), "invalid host name");  // no percent-encoded names
}

}  // namespace
}  // namespace ratls::proxy
