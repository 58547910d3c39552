// proxy/config: defaults, every validation rule with its exact message, paths, the example file.
#include "proxy/config/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "attest/bytes.h"
#include "tests/support/process.h"
#include "tests/support/testdata.h"

namespace ratls::proxy {
namespace {

using attest::TcbStatus;

const std::string kCosmianSigner =
    "c1c161d0dd996e8a9847de67ea2c00226761f7715a2c422d3012ac10795a1ef5";
const std::string kMeasurement = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

ConfigEnvironment test_env(const std::string& base_dir) {
  ConfigEnvironment env;
  env.home = "/home/user";
  env.base_dir = base_dir;
  return env;
}

std::string error_of(const std::string& json, const ConfigEnvironment& env) {
  try {
    parse_config(json, env);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

std::string error_of(const std::string& json) {
  return error_of(json, test_env("/etc/gw"));
}

// One app with `body` spliced into its object: {"name":"shop","upstream":...,<body>}.
std::string with_app(const std::string& body) {
  std::string json = R"({"apps":[{"name":"shop","upstream":"https://shop.example.com")";
  if (!body.empty()) json += "," + body;
  return json + "}]}";
}

TEST(Config, EmptyObjectGivesDefaults) {
  const Config c = parse_config("{}", test_env("/etc/gw"));
  ASSERT_EQ(c.listen.size(), 2u);
  EXPECT_EQ(c.listen[0].host, "127.0.0.1");
  EXPECT_EQ(c.listen[0].port, 7443);
  EXPECT_EQ(c.listen[0].text, "127.0.0.1:7443");
  EXPECT_TRUE(c.listen[0].loopback);
  EXPECT_EQ(c.listen[1].host, "::1");
  EXPECT_EQ(c.listen[1].port, 7443);
  EXPECT_EQ(c.listen[1].text, "[::1]:7443");
  EXPECT_TRUE(c.listen[1].loopback);
  EXPECT_FALSE(c.allow_non_loopback);
  EXPECT_TRUE(c.apps.empty());
  EXPECT_EQ(c.root_ca, "intel");
  EXPECT_EQ(c.collateral.pccs, "");
  EXPECT_EQ(c.collateral.offline, "");
  EXPECT_EQ(c.collateral.cache_dir, "/home/user/.cache/ratls-gateway/collateral");
  EXPECT_EQ(c.state_dir, "/home/user/.local/state/ratls-gateway");
}

TEST(Config, XdgDirectoriesWinOverHomeButOnlyWhenAbsolute) {
  ConfigEnvironment env = test_env("/etc/gw");
  env.xdg_cache_home = "/xdg/cache";
  env.xdg_state_home = "relative/state";  // invalid per the XDG specification: ignored
  env.xdg_config_home = "/xdg/config";
  const Config c = parse_config("{}", env);
  EXPECT_EQ(c.collateral.cache_dir, "/xdg/cache/ratls-gateway/collateral");
  EXPECT_EQ(c.state_dir, "/home/user/.local/state/ratls-gateway");
  EXPECT_EQ(default_config_path(env), "/xdg/config/ratls-gateway/config.json");
  EXPECT_EQ(default_config_path(test_env("/")), "/home/user/.config/ratls-gateway/config.json");
}

TEST(Config, NoHomeAndNoXdgIsAnErrorOnlyWhenADefaultIsNeeded) {
  ConfigEnvironment env;
  env.base_dir = "/etc/gw";
  EXPECT_EQ(error_of("{}", env),
            "collateral.cache_dir: no default: neither $XDG_CACHE_HOME nor $HOME is set; set it "
            "explicitly");
  const Config c = parse_config(
      R"({"state_dir":"/var/lib/gw","collateral":{"cache_dir":"/var/cache/gw"}})", env);
  EXPECT_EQ(c.state_dir, "/var/lib/gw");
  EXPECT_THROW(default_config_path(env), ConfigError);
}

TEST(Config, HttpHeadLimits) {
  const Config d = parse_config("{}", test_env("/etc/gw"));
  EXPECT_EQ(d.max_header_bytes, 65536u);
  EXPECT_EQ(d.max_header_fields, 100u);
  const Config c = parse_config(R"({"http": {"max_header_bytes": 8192, "max_header_fields": 20}})",
                                test_env("/etc/gw"));
  EXPECT_EQ(c.max_header_bytes, 8192u);
  EXPECT_EQ(c.max_header_fields, 20u);
}

TEST(Config, HttpTimeouts) {
  const Config d = parse_config("{}", test_env("/etc/gw"));
  EXPECT_EQ(d.header_timeout, 30);
  EXPECT_EQ(d.idle_timeout, 60);
  EXPECT_EQ(d.tunnel_idle_timeout, 3600);
  EXPECT_EQ(d.upstream_connections_per_app, 64u);
  EXPECT_EQ(d.connect_timeout, 10);
  const Config c = parse_config(
      R"({"http": {"header_timeout_seconds": 5, "idle_timeout_seconds": 7,
                   "tunnel_idle_timeout_seconds": 604800, "upstream_connections_per_app": 3,
                   "connect_timeout_seconds": 300}})",
      test_env("/etc/gw"));
  EXPECT_EQ(c.header_timeout, 5);
  EXPECT_EQ(c.idle_timeout, 7);
  EXPECT_EQ(c.tunnel_idle_timeout, 604800);
  EXPECT_EQ(c.upstream_connections_per_app, 3u);
  EXPECT_EQ(c.connect_timeout, 300);
}

TEST(Config, EmptyAppsListIsValid) {
  EXPECT_TRUE(parse_config(R"({"apps": []})", test_env("/etc/gw")).apps.empty());
}

TEST(Config, FullApp) {
  const Config c = parse_config(R"({
    "apps": [{
      "name": "shop-1",
      "upstream": "https://Shop.Example.com:8443",
      "mode": "ratls",
      "listen": "127.0.0.1:8001",
      "policy": {
        "mrenclave": [")" + kMeasurement +
                                    R"("],
        "mrsigner": [")" + kCosmianSigner +
                                    R"("],
        "isv_prod_id": 1,
        "min_isv_svn": 10,
        "allow_debug": true,
        "accept_tcb": ["SWHardeningNeeded", "UpToDate", "SWHardeningNeeded"],
        "allow_advisories": ["INTEL-SA-00615", "*"]
      }
    }]})",
                                test_env("/etc/gw"));
  ASSERT_EQ(c.apps.size(), 1u);
  const AppConfig& a = c.apps[0];
  EXPECT_EQ(a.name, "shop-1");
  EXPECT_EQ(a.upstream, "https://Shop.Example.com:8443");
  EXPECT_EQ(a.upstream_host, "shop.example.com");
  EXPECT_EQ(a.upstream_port, 8443);
  EXPECT_EQ(a.mode, UpstreamMode::kRatls);
  ASSERT_TRUE(a.listen.has_value());
  EXPECT_EQ(a.listen->host, "127.0.0.1");
  EXPECT_EQ(a.listen->port, 8001);
  ASSERT_EQ(a.policy.mrenclave.size(), 1u);
  EXPECT_EQ(attest::to_hex(a.policy.mrenclave[0]), kMeasurement);
  ASSERT_EQ(a.policy.mrsigner.size(), 1u);
  EXPECT_EQ(attest::to_hex(a.policy.mrsigner[0]), kCosmianSigner);
  EXPECT_EQ(a.policy.isv_prod_id, 1);
  EXPECT_EQ(a.policy.min_isv_svn, 10);
  EXPECT_TRUE(a.policy.allow_debug);
  EXPECT_EQ(a.policy.accept_tcb,
            (std::vector<TcbStatus>{TcbStatus::kSWHardeningNeeded, TcbStatus::kUpToDate}));
  EXPECT_EQ(a.policy.allow_advisories, (std::vector<std::string>{"INTEL-SA-00615", "*"}));
  EXPECT_TRUE(a.measurement_policy);
}

TEST(Config, AppDefaultsAreStrictAndTrustOnFirstUse) {
  const Config c = parse_config(with_app(""), test_env("/etc/gw"));
  const AppConfig& a = c.apps.at(0);
  EXPECT_EQ(a.upstream_host, "shop.example.com");
  EXPECT_EQ(a.upstream_port, 443);
  EXPECT_EQ(a.mode, UpstreamMode::kRatls);
  EXPECT_FALSE(a.listen.has_value());
  EXPECT_TRUE(a.policy.mrenclave.empty());
  EXPECT_TRUE(a.policy.mrsigner.empty());
  EXPECT_FALSE(a.policy.allow_debug);
  EXPECT_EQ(a.policy.accept_tcb, std::vector<TcbStatus>{TcbStatus::kUpToDate});
  EXPECT_FALSE(a.measurement_policy);
  // A policy without mrenclave is still trust on first use.
  const Config m = parse_config(with_app(R"("policy":{"mrsigner":[")" + kCosmianSigner + R"("]})"),
                                test_env("/etc/gw"));
  EXPECT_FALSE(m.apps.at(0).measurement_policy);
}

TEST(Config, WebpkiAppAndIpv6Upstream) {
  const Config c = parse_config(R"({"apps":[
      {"name":"docs","upstream":"https://docs.example.com/","mode":"webpki"},
      {"name":"v6","upstream":"https://[2001:DB8::1]:9443"},
      {"name":"v4","upstream":"https://192.0.2.7"}]})",
                                test_env("/etc/gw"));
  EXPECT_EQ(c.apps[0].mode, UpstreamMode::kWebpki);
  EXPECT_FALSE(c.apps[0].measurement_policy);
  EXPECT_EQ(c.apps[0].upstream_host, "docs.example.com");
  EXPECT_EQ(c.apps[1].upstream_host, "2001:db8::1");
  EXPECT_EQ(c.apps[1].upstream_port, 9443);
  EXPECT_EQ(c.apps[2].upstream_host, "192.0.2.7");
}

TEST(Config, Ipv6Listen) {
  const Config c =
      parse_config(R"({"listen":["[::1]:8443","[0:0:0:0:0:0:0:1]:8444","127.0.0.2:8443"]})",
                   test_env("/etc/gw"));
  ASSERT_EQ(c.listen.size(), 3u);
  EXPECT_EQ(c.listen[0].host, "::1");
  EXPECT_EQ(c.listen[0].port, 8443);
  EXPECT_EQ(c.listen[0].text, "[::1]:8443");
  EXPECT_TRUE(c.listen[0].loopback);
  EXPECT_EQ(c.listen[1].host, "::1");  // canonical form
  EXPECT_TRUE(c.listen[2].loopback);   // all of 127.0.0.0/8
}

TEST(Config, NonLoopbackListenNeedsExplicitOptIn) {
  EXPECT_EQ(error_of(R"({"listen":["0.0.0.0:7443"]})"),
            "listen[0]: \"0.0.0.0:7443\" is not a loopback address; set \"allow_non_loopback\": "
            "true to accept connections from other machines");
  EXPECT_EQ(error_of(R"({"listen":["127.0.0.1:7443","[::]:7443"]})"),
            "listen[1]: \"[::]:7443\" is not a loopback address; set \"allow_non_loopback\": "
            "true to accept connections from other machines");
  const Config c =
      parse_config(R"({"listen":["0.0.0.0:7443","[2001:db8::5]:80"],"allow_non_loopback":true})",
                   test_env("/etc/gw"));
  EXPECT_TRUE(c.allow_non_loopback);
  EXPECT_FALSE(c.listen[0].loopback);
  EXPECT_EQ(c.listen[0].host, "0.0.0.0");
  EXPECT_FALSE(c.listen[1].loopback);
  // The opt-in covers an app's dedicated listener too.
  EXPECT_EQ(error_of(with_app(R"("listen":"192.168.1.10:8001")")),
            "apps[0].listen: \"192.168.1.10:8001\" is not a loopback address; set "
            "\"allow_non_loopback\": true to accept connections from other machines");
  const Config a = parse_config(
      R"({"allow_non_loopback":true,"apps":[{"name":"a","upstream":"https://a.example",
          "listen":"192.168.1.10:8001"}]})",
      test_env("/etc/gw"));
  EXPECT_FALSE(a.apps[0].listen->loopback);
}

TEST(Config, ListenCollisions) {
  EXPECT_EQ(error_of(R"({"listen":["127.0.0.1:7443","localhost:7443"]})"),
            "listen[1]: \"localhost:7443\" collides with listen[0] (\"127.0.0.1:7443\")");
  EXPECT_EQ(error_of(R"({"listen":["[::1]:7443","[0::1]:7443"]})"),
            "listen[1]: \"[0::1]:7443\" collides with listen[0] (\"[::1]:7443\")");
  EXPECT_EQ(error_of(with_app(R"("listen":"127.0.0.1:7443")")),
            "apps[0].listen: \"127.0.0.1:7443\" collides with listen (default) "
            "(\"127.0.0.1:7443\")");
  EXPECT_EQ(error_of(R"({"apps":[
      {"name":"a","upstream":"https://a.example","listen":"127.0.0.1:8001"},
      {"name":"b","upstream":"https://b.example","listen":"localhost:8001"}]})"),
            "apps[1].listen: \"localhost:8001\" collides with apps[0].listen (\"127.0.0.1:8001\")");
  EXPECT_EQ(error_of(R"({"allow_non_loopback":true,"listen":["0.0.0.0:7443","127.0.0.1:7443"]})"),
            "listen[1]: \"127.0.0.1:7443\" collides with listen[0] (\"0.0.0.0:7443\")");
  // Different loopback addresses or ports do not collide.
  EXPECT_NO_THROW(parse_config(R"({"listen":["127.0.0.1:7443","127.0.0.2:7443","[::1]:7444"]})",
                               test_env("/etc/gw")));
}

// Each rule, with the exact one-line message a user sees (key path first).
TEST(Config, ErrorsNameTheKeyPath) {
  const std::string bad_hex = "0011223344556677889900aabbccddeeff00112233445566778899aabbccddeeg";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"([])", "top level: expected a JSON object"},
      {R"({"lisen":[]})",
       "lisen: unknown key (expected one of: listen, tls_listen, allow_non_loopback, apps, "
       "collateral, trust, state_dir, http)"},
      {R"({"http": {"max_header_bytes": 100}})",
       "http.max_header_bytes: expected an integer from 1024 to 1048576"},
      {R"({"http": {"max_header_fields": -1}})",
       "http.max_header_fields: expected an integer from 8 to 10000"},
      {R"({"http": {"max_headers": 1}})",
       "http.max_headers: unknown key (expected one of: max_header_bytes, max_header_fields, "
       "header_timeout_seconds, idle_timeout_seconds, tunnel_idle_timeout_seconds, "
       "upstream_connections_per_app, connect_timeout_seconds)"},
      {R"({"http": {"upstream_connections_per_app": 0}})",
       "http.upstream_connections_per_app: expected an integer from 1 to 10000"},
      {R"({"http": {"header_timeout_seconds": 0}})",
       "http.header_timeout_seconds: expected an integer from 1 to 3600"},
      {R"({"http": {"idle_timeout_seconds": 86401}})",
       "http.idle_timeout_seconds: expected an integer from 1 to 86400"},
      {R"({"http": {"tunnel_idle_timeout_seconds": 1.5}})",
       "http.tunnel_idle_timeout_seconds: expected an integer from 1 to 604800"},
      {R"({"http": {"connect_timeout_seconds": 0}})",
       "http.connect_timeout_seconds: expected an integer from 1 to 300"},
      {R"({"http": {"connect_timeout_seconds": 301}})",
       "http.connect_timeout_seconds: expected an integer from 1 to 300"},
      {R"({"tls_listen":"127.0.0.1:7444"})",
       "tls_listen: expected an array of \"host:port\" strings"},
      {R"({"tls_listen":["127.0.0.1"]})",
       "tls_listen[0]: expected \"host:port\" (missing \":port\")"},
      // Always loopback: the local CA can only name loopback hosts.
      {R"({"allow_non_loopback":true,"tls_listen":["0.0.0.0:7444"]})",
       "tls_listen[0]: \"0.0.0.0:7444\" is not a loopback address; tls_listen is loopback only "
       "(the "
       "local CA only certifies localhost names)"},
      {R"({"tls_listen":["127.0.0.1:7443"]})",
       "tls_listen[0]: \"127.0.0.1:7443\" collides with listen (default) (\"127.0.0.1:7443\")"},
      {R"({"listen":"127.0.0.1:7443"})", "listen: expected an array of \"host:port\" strings"},
      {R"({"listen":[]})", "listen: expected at least one \"host:port\""},
      {R"({"listen":[7443]})", "listen[0]: expected \"host:port\""},
      {R"({"listen":["127.0.0.1"]})", "listen[0]: expected \"host:port\" (missing \":port\")"},
      {R"({"listen":["127.0.0.1:0"]})",
       "listen[0]: expected \"host:port\" (port must be 1..65535)"},
      {R"({"listen":["[::1]:65536"]})",
       "listen[0]: expected \"host:port\" (port must be 1..65535)"},
      {R"({"listen":["::1:7443"]})",
       "listen[0]: expected \"host:port\" (IPv6 addresses go in brackets, as in \"[::1]:7443\")"},
      {R"({"listen":["[::1:7443"]})",
       "listen[0]: expected \"host:port\" (missing ']' after the IPv6 address)"},
      {R"({"listen":["gateway.example:7443"]})",
       "listen[0]: expected \"host:port\" (the host must be an IP address or localhost)"},
      {R"({"allow_non_loopback":"yes"})", "allow_non_loopback: expected true or false"},
      {R"({"apps":{}})", "apps: expected an array of objects"},
      {R"({"apps":["shop"]})", "apps[0]: expected an object"},
      {R"({"apps":[{"upstream":"https://a.example"}]})", "apps[0].name: missing (required)"},
      {R"({"apps":[{"name":"a"}]})", "apps[0].upstream: missing (required)"},
      {R"({"apps":[{"name":"My_App","upstream":"https://a.example"}]})",
       "apps[0].name: expected 1 to 63 characters of a-z, 0-9, '_' and '-', not starting or "
       "ending with '-'"},
      {R"({"apps":[{"name":"shop-","upstream":"https://a.example"}]})",
       "apps[0].name: expected 1 to 63 characters of a-z, 0-9, '_' and '-', not starting or "
       "ending with '-'"},
      {R"({"apps":[{"name":"","upstream":"https://a.example"}]})",
       "apps[0].name: expected 1 to 63 characters of a-z, 0-9, '_' and '-', not starting or "
       "ending with '-'"},
      {R"({"apps":[{"name":"a.b","upstream":"https://a.example"}]})",
       "apps[0].name: expected 1 to 63 characters of a-z, 0-9, '_' and '-', not starting or "
       "ending with '-'"},
      {R"({"apps":[{"name":42,"upstream":"https://a.example"}]})",
       "apps[0].name: expected 1 to 63 characters of a-z, 0-9, '_' and '-', not starting or "
       "ending with '-'"},
      {R"({"apps":[{"name":"localhost","upstream":"https://a.example"}]})",
       "apps[0].name: \"localhost\" is reserved (http://localhost:PORT/ is the status page)"},
      {R"({"apps":[{"name":"shop","upstream":"https://a.example"},
                   {"name":"shop","upstream":"https://b.example"}]})",
       "apps[1].name: \"shop\" is already used by apps[0]"},
      {with_app(R"("extra":1)"),
       "apps[0].extra: unknown key (expected one of: name, upstream, mode, listen, policy)"},
      {R"({"apps":[{"name":"a","upstream":"http://a.example"}]})",
       "apps[0].upstream: expected \"https://host[:port]\" (only https:// is supported)"},
      {R"({"apps":[{"name":"a","upstream":"a.example"}]})",
       "apps[0].upstream: expected \"https://host[:port]\" (missing \"https://\")"},
      {R"({"apps":[{"name":"a","upstream":"https://a.example/api"}]})",
       "apps[0].upstream: expected \"https://host[:port]\" (no path, query or fragment allowed)"},
      {R"({"apps":[{"name":"a","upstream":"https://a.example?x=1"}]})",
       "apps[0].upstream: expected \"https://host[:port]\" (no path, query or fragment allowed)"},
      {R"({"apps":[{"name":"a","upstream":"https://user:pw@a.example"}]})",
       "apps[0].upstream: expected \"https://host[:port]\" (no user info allowed)"},
      {R"({"apps":[{"name":"a","upstream":"https://a.example:99999"}]})",
       "apps[0].upstream: expected \"https://host[:port]\" (port must be 1..65535)"},
      {R"({"apps":[{"name":"a","upstream":"https://2001:db8::1"}]})",
       "apps[0].upstream: expected \"https://host[:port]\" (IPv6 addresses go in brackets, as in "
       "\"https://[2001:db8::1]:8443\")"},
      {R"({"apps":[{"name":"a","upstream":"https://bad_host!.example"}]})",
       "apps[0].upstream: expected \"https://host[:port]\" (invalid host name)"},
      {R"({"apps":[{"name":"a","upstream":"https://"}]})",
       "apps[0].upstream: expected \"https://host[:port]\" (missing host)"},
      {R"({"apps":[{"name":"a","upstream":"https://256.1.1.1"}]})",
       "apps[0].upstream: expected \"https://host[:port]\" (invalid host name)"},
      {R"({"apps":[{"name":"a","upstream":["https://a.example"]}]})",
       "apps[0].upstream: expected \"https://host[:port]\""},
      {with_app(R"("mode":"tls")"), "apps[0].mode: expected \"ratls\" or \"webpki\""},
      {with_app(R"("mode":"webpki","policy":{"allow_debug":false})"),
       "apps[0].policy: policy only applies to mode ratls"},
      {with_app(R"("listen":"127.0.0.1")"),
       "apps[0].listen: expected \"host:port\" (missing \":port\")"},
      {with_app(R"("policy":[])"), "apps[0].policy: expected an object"},
      {with_app(R"("policy":{"mrenclaves":[]})"),
       "apps[0].policy.mrenclaves: unknown key (expected one of: mrenclave, mrsigner, signer_key, "
       "isv_prod_id, min_isv_svn, allow_debug, accept_tcb, allow_advisories)"},
      {R"({"apps":[{"name":"a","upstream":"https://a.example"},
                   {"name":"b","upstream":"https://b.example","policy":{"mrenclave":[")" +
           bad_hex + R"("]}}]})",
       "apps[1].policy.mrenclave[0]: expected 64 hex digits"},
      {with_app(R"("policy":{"mrenclave":["00112233"]})"),
       "apps[0].policy.mrenclave[0]: expected 64 hex digits"},
      {with_app(R"("policy":{"mrenclave":")" + kMeasurement + R"("})"),
       "apps[0].policy.mrenclave: expected an array of 64-hex-digit strings"},
      {with_app(R"("policy":{"mrsigner":[")" + kCosmianSigner + R"(",7]})"),
       "apps[0].policy.mrsigner[1]: expected 64 hex digits"},
      {with_app(R"("policy":{"signer_key":""})"), "apps[0].policy.signer_key: expected a path"},
      // A device named by mistake is an error, not an endless read.
      {with_app(R"("policy":{"signer_key":"/dev/zero"})"),
       "apps[0].policy.signer_key: cannot read /dev/zero: larger than 64 MiB"},
      {with_app(R"("policy":{"isv_prod_id":65536})"),
       "apps[0].policy.isv_prod_id: expected an integer 0..65535"},
      {with_app(R"("policy":{"isv_prod_id":-1})"),
       "apps[0].policy.isv_prod_id: expected an integer 0..65535"},
      {with_app(R"("policy":{"min_isv_svn":1.5})"),
       "apps[0].policy.min_isv_svn: expected an integer 0..65535"},
      {with_app(R"("policy":{"min_isv_svn":"10"})"),
       "apps[0].policy.min_isv_svn: expected an integer 0..65535"},
      {with_app(R"("policy":{"allow_debug":"false"})"),
       "apps[0].policy.allow_debug: expected true or false"},
      {with_app(R"("policy":{"accept_tcb":"UpToDate"})"),
       "apps[0].policy.accept_tcb: expected an array of TCB status names"},
      {with_app(R"("policy":{"accept_tcb":[]})"),
       "apps[0].policy.accept_tcb: must not be empty (omit it to accept only UpToDate)"},
      {with_app(R"("policy":{"accept_tcb":["UpToDate","Revoked"]})"),
       "apps[0].policy.accept_tcb[1]: \"Revoked\" can never be accepted"},
      {with_app(R"("policy":{"accept_tcb":["uptodate"]})"),
       "apps[0].policy.accept_tcb[0]: unknown TCB status \"uptodate\" (expected one of: "
       "UpToDate, SWHardeningNeeded, ConfigurationNeeded, ConfigurationAndSWHardeningNeeded, "
       "OutOfDate, OutOfDateConfigurationNeeded, TDRelaunchAdvised, "
       "TDRelaunchAdvisedConfigurationNeeded)"},
      {with_app(R"("policy":{"allow_advisories":["INTEL-SA-00615",""]})"),
       "apps[0].policy.allow_advisories[1]: expected an advisory ID such as \"INTEL-SA-00615\" or "
       "\"*\""},
      {with_app(R"("policy":{"allow_advisories":"*"})"),
       "apps[0].policy.allow_advisories: expected an array of advisory IDs"},
      {R"({"collateral":"https://pccs.example.com"})", "collateral: expected an object"},
      {R"({"collateral":{"pcs":"https://pccs.example.com"}})",
       "collateral.pcs: unknown key (expected one of: pccs, offline, cache_dir)"},
      {R"({"collateral":{"pccs":"http://pccs.example.com"}})",
       "collateral.pccs: expected an https:// URL such as \"https://pccs.example.com\" (only "
       "https:// is supported)"},
      {R"({"collateral":{"pccs":"https://"}})",
       "collateral.pccs: expected an https:// URL such as \"https://pccs.example.com\" (missing "
       "host)"},
      {R"({"collateral":{"cache_dir":5}})", "collateral.cache_dir: expected a path"},
      {R"({"trust":{"root":"intel"}})", "trust.root: unknown key (expected one of: root_ca)"},
      {R"({"trust":{"root_ca":true}})",
       "trust.root_ca: expected \"intel\" or the path of a PEM file or simulated hierarchy "
       "directory"},
      {R"({"trust":"intel"})", "trust: expected an object"},
      {R"({"state_dir":""})", "state_dir: expected a path"},
      {R"({"state_dir":null})", "state_dir: expected a path"},
      // Duplicate keys would otherwise silently keep the last one.
      {with_app(R"("policy":{"mrenclave":[],"mrenclave":[]})"),
       "apps[0].policy.mrenclave: duplicate key"},
      {R"({"listen":["127.0.0.1:1"],"listen":["127.0.0.1:2"]})", "listen: duplicate key"},
  };
  ASSERT_GE(cases.size(), 20u);
  for (const auto& [json, message] : cases) {
    EXPECT_EQ(error_of(json), message) << "config: " << json;
  }
}

TEST(Config, InvalidJsonSaysWhere) {
  EXPECT_EQ(error_of("{\n  \"listen\": [\"127.0.0.1:7443\",]\n}"),
            "invalid JSON: parse error at line 2, column 31: syntax error while parsing value - "
            "unexpected ']'; expected '[', '{', or a literal");
  EXPECT_EQ(error_of(""),
            "invalid JSON: parse error at line 1, column 1: syntax error while parsing value - "
            "unexpected end of input; expected '[', '{', or a literal");
  // JSON has no comments: say so rather than guess.
  // Found by fuzzing: a number beyond a double used to abort the daemon.
  EXPECT_EQ(error_of(R"({"listen":[1e999]})"), "invalid JSON: number overflow parsing '1e999'");
  EXPECT_EQ(error_of("{} // trailing").rfind("invalid JSON: parse error at line 1, column 4", 0),
            0u);
}

TEST(Config, PathsAreRelativeToTheConfigDirectory) {
  ratls::test::TempDir dir;
  std::filesystem::create_directories(dir.path() / "offline");
  dir.write("root.pem", "not checked here");
  const Config c = parse_config(R"({
      "state_dir": "state",
      "collateral": {"offline": "offline", "cache_dir": "~/cache/../c"},
      "trust": {"root_ca": "./root.pem"}})",
                                test_env(dir.path().string()));
  EXPECT_EQ(c.state_dir, (dir.path() / "state").string());
  EXPECT_EQ(c.collateral.offline, (dir.path() / "offline").string());
  EXPECT_EQ(c.collateral.cache_dir, "/home/user/c");
  EXPECT_EQ(c.root_ca, (dir.path() / "root.pem").string());
  EXPECT_EQ(parse_config(R"({"state_dir":"/abs/state/"})", test_env("/etc")).state_dir,
            "/abs/state/");
}

TEST(Config, FilesThatMustExist) {
  ratls::test::TempDir dir;
  const std::string base = dir.path().string();
  EXPECT_EQ(error_of(R"({"collateral":{"offline":"missing"}})", test_env(base)),
            "collateral.offline: " + base + "/missing: not a directory");
  EXPECT_EQ(error_of(R"({"trust":{"root_ca":"missing.pem"}})", test_env(base)),
            "trust.root_ca: " + base +
                "/missing.pem: no such file or directory (expected \"intel\" or the path of a PEM "
                "file or simulated hierarchy directory)");
  std::filesystem::create_directories(dir.path() / "offline");
  EXPECT_EQ(error_of(R"({"collateral":{"pccs":"https://pccs.example.com","offline":"offline"}})",
                     test_env(base)),
            "collateral.offline: cannot be combined with \"pccs\" (offline collateral never uses "
            "the network)");
}

TEST(Config, PccsUrl) {
  const Config c = parse_config(R"({"collateral":{"pccs":"https://pccs.example.com:8081/sgx"}})",
                                test_env("/etc"));
  EXPECT_EQ(c.collateral.pccs, "https://pccs.example.com:8081/sgx");
}

TEST(Config, SignerKeyBecomesMrsigner) {
  const std::string pem =
      ratls::test::real_path("cosmian/cosmian_enclave_signer_pubkey_rsa3072.pem");
  // Absolute path.
  const Config c = parse_config(with_app(R"("policy":{"signer_key":")" + pem + R"("})"),
                                test_env("/nonexistent"));
  ASSERT_EQ(c.apps[0].policy.mrsigner.size(), 1u);
  EXPECT_EQ(attest::to_hex(c.apps[0].policy.mrsigner[0]), kCosmianSigner);
  // Relative to the configuration's directory, added to the explicit list.
  ratls::test::TempDir dir;
  std::filesystem::create_directories(dir.path() / "keys");
  dir.write("keys/signer.pem", ratls::test::read_text(pem));
  const Config r = parse_config(with_app(R"("policy":{"mrsigner":[")" + kMeasurement +
                                         R"("],"signer_key":"keys/signer.pem"})"),
                                test_env(dir.path().string()));
  ASSERT_EQ(r.apps[0].policy.mrsigner.size(), 2u);
  EXPECT_EQ(attest::to_hex(r.apps[0].policy.mrsigner[0]), kMeasurement);
  EXPECT_EQ(attest::to_hex(r.apps[0].policy.mrsigner[1]), kCosmianSigner);
}

TEST(Config, SignerKeyErrorsNameKeyAndFile) {
  ratls::test::TempDir dir;
  const std::string base = dir.path().string();
  EXPECT_EQ(
      error_of(with_app(R"("policy":{"signer_key":"nokey.pem"})"), test_env(base)),
      "apps[0].policy.signer_key: cannot read " + base + "/nokey.pem: No such file or directory");
  dir.write("cert.pem", ratls::test::read_text(
                            ratls::test::real_path("cosmian/msehome_2023-05_ratls_cert.pem")));
  EXPECT_EQ(error_of(with_app(R"("policy":{"signer_key":"cert.pem"})"), test_env(base)),
            "apps[0].policy.signer_key: " + base +
                "/cert.pem: signer key is not an RSA public key in PEM");
}

TEST(Config, ExampleFileParses) {
  const std::string dir = std::string(RATLS_SOURCE_DIR) + "/config";
  const Config c = parse_config(ratls::test::read_text(dir + "/example.json"), test_env(dir));
  ASSERT_EQ(c.apps.size(), 3u);
  EXPECT_EQ(c.listen.size(), 2u);
  EXPECT_EQ(c.apps[0].name, "my_app");
  EXPECT_TRUE(c.apps[0].measurement_policy);
  EXPECT_FALSE(c.apps[1].measurement_policy);
  EXPECT_TRUE(c.apps[1].listen.has_value());
  EXPECT_EQ(c.apps[2].mode, UpstreamMode::kWebpki);
  EXPECT_EQ(attest::to_hex(c.apps[1].policy.mrsigner.at(0)), kCosmianSigner);
}

TEST(Config, LoadConfig) {
  ratls::test::TempDir dir;
  const std::string missing = dir.file("config.json");
  try {
    load_config(missing);
    FAIL() << "no error";
  } catch (const ConfigMissingError& e) {
    EXPECT_EQ(std::string(e.what()),
              missing +
                  ": no such file; `ratls-gateway apps add` creates it, or copy "
                  "/usr/share/ratls-gateway/example.json (installed) or config/example.json "
                  "(source tree) there and name your apps in it (see docs/configuration.md)");
  }
  // Only a missing file is the empty configuration; a link to nowhere is an error.
  const Config empty = load_config_or_empty(missing);
  EXPECT_TRUE(empty.file_missing);
  EXPECT_TRUE(empty.apps.empty());
  ASSERT_EQ(empty.listen.size(), 1u);
  EXPECT_EQ(empty.listen[0].text, "127.0.0.1:7443");
  EXPECT_EQ(empty.source, missing);
  std::filesystem::create_symlink(dir.file("nowhere.json"), dir.file("dangling.json"));
  try {
    load_config_or_empty(dir.file("dangling.json"));
    FAIL() << "no error";
  } catch (const ConfigMissingError& e) {
    FAIL() << "a dangling link counted as missing: " << e.what();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("a symbolic link to a missing file"), std::string::npos);
  }
  // Errors start with the file name, then the key path.
  const std::string bad = dir.write("bad.json", R"({"listen":["0.0.0.0:1"]})");
  try {
    load_config(bad);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(bad + ": listen[0]: \"0.0.0.0:1\" is not a loopback", 0),
              0u)
        << e.what();
  }
  const std::string broken = dir.write("broken.json", "{\n\"apps\": [\n");
  try {
    load_config(broken);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(broken + ": invalid JSON: parse error at line 3", 0), 0u)
        << e.what();
  }
  EXPECT_THROW(load_config_or_empty(broken), ConfigError);  // only a missing file is "no apps"
  EXPECT_THROW(load_config(dir.path().string()), ConfigError);
  // Relative paths resolve against the file's directory.
  const std::string good = dir.write("good.json", R"({"state_dir":"st"})");
  const Config c = load_config(good);
  EXPECT_EQ(c.source, good);
  EXPECT_EQ(c.state_dir, (dir.path() / "st").string());
}

TEST(Config, EnvironmentFromProcess) {
  const ConfigEnvironment env = ConfigEnvironment::from_process("/etc/ratls/config.json");
  EXPECT_EQ(env.base_dir, "/etc/ratls");
  const char* home = std::getenv("HOME");
  EXPECT_EQ(env.home, home == nullptr ? "" : home);
}

TEST(ListenAddress, Parse) {
  auto a = parse_listen_address("localhost:80");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "localhost");
  EXPECT_TRUE(a->loopback);
  auto b = parse_listen_address("[::ffff:127.0.0.1]:80");
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->loopback);
  EXPECT_FALSE(parse_listen_address("127.0.0.1:"));
  EXPECT_FALSE(parse_listen_address(":80"));
  EXPECT_FALSE(parse_listen_address("127.1:80"));
  EXPECT_FALSE(parse_listen_address("[::1]80"));
  EXPECT_FALSE(parse_listen_address("[fe80::1%eth0]:80"));
  EXPECT_FALSE(parse_listen_address("127.0.0.1:+80"));
  EXPECT_FALSE(parse_listen_address("127.0.0.1:123456"));
  EXPECT_FALSE(parse_listen_address("127.0.0.1:07443"));  // as config/schema.json: no leading zero
  EXPECT_FALSE(parse_listen_address("LOCALHOST:80"));
}

TEST(UpstreamUrl, Parse) {
  auto u = parse_upstream_url("HTTPS://App.Example.COM:8443/");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "app.example.com");
  EXPECT_EQ(u->port, 8443);
  auto v = parse_upstream_url("https://[::1]");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->host, "::1");
  EXPECT_EQ(v->port, 443);
  EXPECT_TRUE(parse_upstream_url("https://my_app.example.com"));
  EXPECT_FALSE(parse_upstream_url("https://a.example:"));
  EXPECT_FALSE(parse_upstream_url("https://a.example#frag"));
  EXPECT_FALSE(parse_upstream_url("https://a..example"));
  EXPECT_FALSE(parse_upstream_url("https://-a.example"));
  EXPECT_FALSE(parse_upstream_url("https://a.example."));
  EXPECT_FALSE(parse_upstream_url("https://[::1]x"));
  EXPECT_FALSE(parse_upstream_url("wss://a.example"));
}

}  // namespace
}  // namespace ratls::proxy
