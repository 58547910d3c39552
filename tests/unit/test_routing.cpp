// Host routing, the anti-rebinding and cross-site guards, and header rewriting: pure functions.
#include <gtest/gtest.h>

#include "proxy/http1/rewrite.h"
#include "proxy/server/routing.h"

namespace ratls::proxy {
namespace {

const std::vector<std::string> kApps = {"demo", "my_app"};

TEST(Routing, LoopbackNamesAreTheStatusPage) {
  for (const char* host :
       {"localhost", "localhost:7443", "127.0.0.1:7443", "[::1]:7443", "LOCALHOST", "localhost."}) {
    EXPECT_EQ(route_request(host, kApps, std::nullopt).kind, Route::Kind::kStatus) << host;
  }
}

TEST(Routing, AppSubdomains) {
  Route r = route_request("Demo.LocalHost:7443", kApps, std::nullopt);
  EXPECT_EQ(r.kind, Route::Kind::kApp);
  EXPECT_EQ(r.app, "demo");
  EXPECT_EQ(r.host, "demo.localhost:7443");
  EXPECT_EQ(route_request("my_app.localhost", kApps, std::nullopt).app, "my_app");
  EXPECT_EQ(route_request("other.localhost:7443", kApps, std::nullopt).kind,
            Route::Kind::kUnknownApp);
  EXPECT_EQ(route_request("a.demo.localhost:7443", kApps, std::nullopt).kind,
            Route::Kind::kUnknownApp);
}

TEST(Routing, ForeignAndMalformedHosts) {
  for (const char* host : {"evil.example", "evil.example:7443", "demo.localhost.evil.example",
                           "10.0.0.1:7443", "localhostx", "127.0.0.2"}) {
    EXPECT_EQ(route_request(host, kApps, std::nullopt).kind, Route::Kind::kForeignHost) << host;
  }
  for (const char* host :
       {"", "localhost:", "localhost:abc", "localhost:123456", "a b", "user@localhost", ":7443"}) {
    EXPECT_EQ(route_request(host, kApps, std::nullopt).kind, Route::Kind::kBadHost) << host;
  }
}

TEST(Routing, DedicatedListenerServesItsAppOnLoopbackNames) {
  EXPECT_EQ(route_request("127.0.0.1:9000", kApps, std::string("demo")).app, "demo");
  EXPECT_EQ(route_request("localhost:9000", kApps, std::string("demo")).kind, Route::Kind::kApp);
  EXPECT_EQ(route_request("my_app.localhost:9000", kApps, std::string("demo")).kind,
            Route::Kind::kUnknownApp);
  EXPECT_EQ(route_request("evil.example", kApps, std::string("demo")).kind,
            Route::Kind::kForeignHost);
}

TEST(CrossSite, SafeMethodsAndSameOriginPass) {
  const std::string host = "demo.localhost:7443";
  EXPECT_EQ(cross_site_refusal("GET", false, "https://evil.example", "", host), "");
  EXPECT_EQ(cross_site_refusal("POST", false, "http://demo.localhost:7443", "same-origin", host),
            "");
  EXPECT_EQ(cross_site_refusal("POST", false, "", "", host), "");  // curl, scripts
  EXPECT_EQ(cross_site_refusal("GET", true, "http://demo.localhost:7443", "", host), "");
}

TEST(CrossSite, ForeignOriginsAreRefused) {
  const std::string host = "demo.localhost:7443";
  EXPECT_NE(cross_site_refusal("POST", false, "https://evil.example", "", host), "");
  EXPECT_NE(cross_site_refusal("DELETE", false, "http://other.localhost:7443", "", host), "");
  EXPECT_NE(cross_site_refusal("PUT", false, "null", "", host), "");
  EXPECT_NE(cross_site_refusal("GET", true, "https://evil.example", "", host),
            "");  // WebSocket hijacking
  EXPECT_NE(cross_site_refusal("POST", false, "", "cross-site", host), "");
  EXPECT_NE(cross_site_refusal("POST", false, "http://demo.localhost:7444", "", host),
            "");  // another port
}

Origins origins() {
  return {"http://demo.localhost:7443", "https://app.example:8443", "app.example:8443"};
}

TEST(Rewrite, RequestHeadersMoveToTheUpstream) {
  http1::Fields f;
  f.set("Host", "demo.localhost:7443");
  f.set("Origin", "http://demo.localhost:7443");
  f.set("Referer", "http://demo.localhost:7443/page?x=1");
  f.set("Connection", "keep-alive, X-Secret");
  f.set("X-Secret", "hop");
  f.set("Keep-Alive", "timeout=5");
  f.set("TE", "trailers");
  f.set("Proxy-Authorization", "Basic Zm9v");
  f.set("Content-Length", "3");
  strip_hop_by_hop(f, false);
  rewrite_request_headers(f, origins());
  EXPECT_EQ(*f.find("Host"), "app.example:8443");
  EXPECT_EQ(*f.find("Origin"), "https://app.example:8443");
  EXPECT_EQ(*f.find("Referer"), "https://app.example:8443/page?x=1");
  EXPECT_EQ(f.count("X-Secret"), 0u);
  EXPECT_EQ(f.count("Connection"), 0u);
  EXPECT_EQ(f.count("Keep-Alive"), 0u);
  EXPECT_EQ(f.count("TE"), 0u);
  EXPECT_EQ(f.count("Proxy-Authorization"), 0u);
  EXPECT_EQ(f.count("Content-Length"), 0u);  // framing is written from the gateway's decision
}

TEST(Rewrite, ForeignRefererIsDroppedAndWebSocketUpgradeKept) {
  http1::Fields f;
  f.set("Referer", "https://elsewhere.example/");
  f.set("Connection", "Upgrade");
  f.set("Upgrade", "websocket");
  EXPECT_TRUE(is_websocket_upgrade(f));
  strip_hop_by_hop(f, true);
  rewrite_request_headers(f, origins());
  EXPECT_EQ(f.count("Referer"), 0u);
  EXPECT_EQ(*f.find("Upgrade"), "websocket");
  EXPECT_EQ(*f.find("Connection"), "upgrade");
}

TEST(Rewrite, ResponseHeadersComeBackToTheGateway) {
  http1::Fields f;
  f.set("Location", "https://app.example:8443/next?a=b");
  f.set("Content-Location", "https://APP.example:8443/doc");
  f.set("Refresh", "5; url=https://app.example:8443/later");
  f.set("Access-Control-Allow-Origin", "https://app.example:8443");
  f.add("Set-Cookie", "a=1; Domain=app.example; Path=/; Secure");
  f.add("Set-Cookie", "b=2; domain = .app.example ; HttpOnly");
  f.add("Set-Cookie", "c=3; Domainish=x");
  f.set("Strict-Transport-Security", "max-age=31536000");
  f.set("Alt-Svc", "h3=\":443\"");
  rewrite_response_headers(f, origins());
  EXPECT_EQ(*f.find("Location"), "http://demo.localhost:7443/next?a=b");
  EXPECT_EQ(*f.find("Content-Location"), "http://demo.localhost:7443/doc");
  EXPECT_EQ(*f.find("Refresh"), "5; url=http://demo.localhost:7443/later");
  EXPECT_EQ(*f.find("Access-Control-Allow-Origin"), "http://demo.localhost:7443");
  std::vector<std::string> cookies;
  for (const auto& field : f) {
    if (field.name == "Set-Cookie") cookies.push_back(field.value);
  }
  EXPECT_EQ(cookies,
            (std::vector<std::string>{"a=1; Path=/; Secure", "b=2; HttpOnly", "c=3; Domainish=x"}));
  EXPECT_EQ(f.count("Strict-Transport-Security"), 0u);
  EXPECT_EQ(f.count("Alt-Svc"), 0u);
}

TEST(Rewrite, OnlyTheExactUpstreamOriginIsMapped) {
  EXPECT_EQ(map_upstream_url("https://app.example:8443", origins()), "http://demo.localhost:7443");
  EXPECT_EQ(map_upstream_url("https://app.example:8443.evil.example/", origins()),
            "https://app.example:8443.evil.example/");
  EXPECT_EQ(map_upstream_url("https://other.example/", origins()), "https://other.example/");
  EXPECT_EQ(map_upstream_url("/relative", origins()), "/relative");
}

}  // namespace
}  // namespace ratls::proxy
