// Faults (docs/security.md "Faults"): upstreams that die, hang or stall, a collateral service that
// is down, slow, garbled, rolled back or forged, a damaged collateral cache, an unusable pin store,
// a full file system, a broken reload and a shutdown under load. Each test asserts what the user
// sees (status, the reason on the 502 page or in status.json, the log line, the CLI's output) and
// that nothing on disk was lost: pins.json and the collateral cache are intact and readable after.
// Related cases elsewhere: test_gateway.cpp (a pins.json that is truncated, a directory, or has a
// directory in the way of its temporary file; an upstream closing mid-response) and
// test_service.cpp (a reload to an invalid upstream URL under load).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "tests/integration/gateway_fixture.h"
#include "tests/support/pcs_fixture.h"

namespace ratls::test {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A curl reply: its exit code, the HTTP status (from -w) and the body.
struct Reply {
  int exit_code = -1;
  std::string status;
  std::string body;
  std::string err;
  double seconds = 0;
};

class FaultTest : public GatewayTest {
 protected:
  Reply get(const std::string& app, const std::string& path, std::vector<std::string> extra = {},
            int max_seconds = 30) {
    std::vector<std::string> args = {"/usr/bin/curl",
                                     "-sS",
                                     "-m",
                                     std::to_string(max_seconds),
                                     "--resolve",
                                     host(app) + ":127.0.0.1",
                                     "-w",
                                     "\n%{http_code}"};
    for (auto& e : extra) args.push_back(e);
    args.push_back("http://" + host(app) + path);
    const auto start = Clock::now();
    const CommandResult r = run_command(args, max_seconds + 10);
    Reply reply;
    reply.seconds = seconds_since(start);
    reply.exit_code = r.exit_code;
    reply.err = r.err;
    const auto split = r.out.rfind('\n');
    if (split != std::string::npos) {
      reply.body = r.out.substr(0, split);
      reply.status = r.out.substr(split + 1);
    }
    return reply;
  }

  // The JSON form of a 502 (refusals carry "reason" and "errors", other failures "message").
  json get_json(const std::string& app, const std::string& path, const std::string& status = "502",
                int max_seconds = 30) {
    const Reply r = get(app, path, {"-H", "Accept: application/json"}, max_seconds);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.status, status) << r.body;
    try {
      return json::parse(r.body);
    } catch (const std::exception&) {
      ADD_FAILURE() << "not JSON: " << r.body;
      return json::object();
    }
  }

  std::string gateway_log() const { return read_all(log_ + ".stderr"); }

  // Waits until the log (from byte `from` on) holds `text`.
  bool wait_for_log(const std::string& text, int timeout_ms, std::size_t from = 0) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    do {
      const std::string log = gateway_log();
      if (log.size() > from && contains(log.substr(from), text)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    } while (Clock::now() < deadline);
    return false;
  }

  std::size_t log_size() const { return gateway_log().size(); }

  CommandResult cli(const std::vector<std::string>& args) {
    std::vector<std::string> argv{gateway_binary()};
    for (const auto& a : args) argv.push_back(a);
    return run_command(argv);
  }

  std::string pins_path() const { return (fs::path(state_dir()) / "pins.json").string(); }
  std::string state_dir() const {
    return extra_config_.contains("state_dir") ? extra_config_["state_dir"].get<std::string>()
                                               : dir_.file("state");
  }

  // The pins as `ratls-gateway pins list --json` reads them: the file is intact and readable.
  json pins_on_disk() {
    const CommandResult r = cli({"pins", "list", "--json", "--config", config_path_});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    try {
      return json::parse(r.out);
    } catch (const std::exception&) {
      ADD_FAILURE() << "pins list --json: " << r.out << r.err;
      return json::object();
    }
  }

  void stop_gateway() {
    if (gateway_) {
      EXPECT_EQ(gateway_->stop(), 0) << gateway_log();
    }
    gateway_.reset();
  }

  // alpha (app-a) and beta (app-b, another MRENCLAVE) behind the gateway; one request pins alpha,
  // beta is not pinned yet.
  void start_with_alpha_pinned() {
    alpha_ = start_app(issue("a"), "app-a");
    beta_ = start_app(issue("b", {"--mrenclave", kMrB}), "app-b");
    start_gateway(json::array({app("alpha", alpha_.port), app("beta", beta_.port)}));
    ASSERT_EQ(get("alpha", "/").body, "hello from app-a\n");
  }

  Peer alpha_;
  Peer beta_;
};

// --- upstreams that die, hang or stall -----------------------------------------------------------

// Killed (SIGKILL) with 64 KiB of a 1 MiB Content-Length body sent: the client sees a transfer
// error and a partial body, never a complete response; while it is down a request is a 502 saying
// so; restarted on the same port it is served again (same certificate: pin unchanged).
TEST_F(FaultTest, UpstreamKilledMidResponseCutsThatResponseAndIsServedAgainOnceBack) {
  const std::string cert = issue("a");
  const int port = free_loopback_port();
  auto app_a = std::make_unique<Peer>(start_app(cert, "app-a", port));
  start_gateway(json::array({app("alpha", port)}));
  ASSERT_EQ(get("alpha", "/").body, "hello from app-a\n");
  const std::string pins_before = read_all(pins_path());
  ASSERT_TRUE(contains(pins_before, "\"alpha\""));

  const std::string body = dir_.file("partial.body");
  BackgroundProcess client(
      {"/usr/bin/curl", "-sS", "-m", "30", "--resolve", host("alpha") + ":127.0.0.1", "-o", body,
       "-w", "%{http_code} %{size_download}", "http://" + host("alpha") + "/stall?after=65536"},
      dir_.file("partial.out"));
  for (int i = 0; i < 500; ++i) {
    std::error_code ec;
    if (const auto size = fs::file_size(body, ec); !ec && size >= 65536) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(fs::file_size(body), 65536u) << "the first 64 KiB never arrived";
  ::kill(app_a->process->pid(), SIGKILL);
  EXPECT_EQ(client.wait(10000), 18) << "curl should report a partial transfer (18): "
                                    << read_all(dir_.file("partial.out.stderr"));
  EXPECT_EQ(read_all(dir_.file("partial.out")), "200 65536");
  app_a.reset();
  EXPECT_TRUE(
      wait_for_log("app alpha: upstream failed in the middle of a response: the "
                   "connection closed before the end of the body",
                   5000))
      << gateway_log();

  // Down: a 502 that names the connection failure.
  const json down = get_json("alpha", "/");
  EXPECT_EQ(down["error"], "502 Upstream unavailable") << down.dump();
  EXPECT_TRUE(contains(
      down.value("message", ""),
      "cannot connect to https://127.0.0.1:" + std::to_string(port) + ": Connection refused"))
      << down.dump();
  EXPECT_EQ(app_status(status(), "alpha")["state"], "upstream unreachable");

  // Back on the same port, after the one-second dial cooldown.
  Peer again = start_app(cert, "app-a", port);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  const Reply ok = get("alpha", "/");
  EXPECT_EQ(ok.status, "200") << ok.body;
  EXPECT_EQ(ok.body, "hello from app-a\n");
  EXPECT_EQ(app_status(status(), "alpha")["state"], "verified");
  EXPECT_EQ(read_all(pins_path()), pins_before);
  EXPECT_EQ(pins_on_disk()["alpha"]["pin"]["mrenclave"], kMrA);
}

// Accepts TCP and never starts TLS: a 502 naming the handshake timeout after
// http.connect_timeout_seconds (3 s here), while the other app is served meanwhile.
TEST_F(FaultTest, UpstreamThatNeverCompletesTheHandshakeIsA502NamingTheTimeout) {
  const int silent_port = free_loopback_port();
  BackgroundProcess silent(
      {"/usr/bin/python3", peer("silent_upstream.py"), std::to_string(silent_port)},
      dir_.file("silent.log"));
  ASSERT_TRUE(wait_for_port(silent_port));
  Peer a = start_app(issue("a"), "app-a");
  extra_config_["http"] = {{"connect_timeout_seconds", 3}};
  start_gateway(json::array({app("alpha", a.port), app("mute", silent_port)}));

  json mute;
  std::atomic<bool> mute_answered{false};
  const auto start = Clock::now();
  std::thread waiting([&] {
    mute = get_json("mute", "/");
    mute_answered = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const Reply meanwhile = get("alpha", "/");
  EXPECT_EQ(meanwhile.body, "hello from app-a\n");
  EXPECT_FALSE(mute_answered) << "alpha waited for mute's handshake";
  waiting.join();
  const double waited = seconds_since(start);
  EXPECT_GE(waited, 2.9);
  EXPECT_LT(waited, 9.0);  // the default would be 10 s
  const std::string expected =
      "TLS handshake with https://127.0.0.1:" + std::to_string(silent_port) +
      " failed: timed out after 3000 ms (http.connect_timeout_seconds)";
  EXPECT_EQ(mute["error"], "502 Upstream unavailable") << mute.dump();
  EXPECT_EQ(mute["message"], expected) << mute.dump();
  EXPECT_EQ(app_status(status(), "mute")["last_error"], expected);
  EXPECT_TRUE(contains(gateway_log(), "app mute: " + expected)) << gateway_log();
  EXPECT_TRUE(contains(read_all(dir_.file("silent.log")), "accepted 1"));
  const json pins = pins_on_disk();
  EXPECT_EQ(pins["alpha"]["pin"]["mrenclave"], kMrA);
  EXPECT_FALSE(pins.contains("mute"));
}

// Stalls after 64 KiB, with a Content-Length body and with a chunked one: the client's response is
// cut after http.idle_timeout_seconds (no last chunk: a chunked body never looks complete), the
// log says why, and the next request is served.
TEST_F(FaultTest, UpstreamStallingMidBodyIsCutAfterTheIdleTimeout) {
  Peer a = start_app(issue("a"), "app-a");
  extra_config_["http"] = {{"idle_timeout_seconds", 2}};
  start_gateway(json::array({app("alpha", a.port)}));
  ASSERT_EQ(get("alpha", "/").body, "hello from app-a\n");
  const std::string pins_before = read_all(pins_path());
  for (const std::string path : {"/stall?after=65536", "/stall?after=65536&chunked=1"}) {
    SCOPED_TRACE(path);
    const std::size_t from = log_size();
    const Reply cut = get("alpha", path, {"-o", dir_.file("stalled.body")});
    EXPECT_EQ(cut.exit_code, 18) << cut.err;  // partial transfer
    EXPECT_EQ(cut.body, "");
    EXPECT_EQ(cut.status, "200");
    EXPECT_EQ(fs::file_size(dir_.file("stalled.body")), 65536u);
    EXPECT_GE(cut.seconds, 1.9);
    EXPECT_LT(cut.seconds, 10.0);
    EXPECT_TRUE(
        wait_for_log("app alpha: upstream failed in the middle of a response: no data for "
                     "2 s (http.idle_timeout_seconds)",
                     3000, from))
        << gateway_log();
    const Reply next = get("alpha", "/");
    EXPECT_EQ(next.body, "hello from app-a\n") << next.err;
  }
  EXPECT_EQ(read_all(pins_path()), pins_before);
}

// --- the collateral service and the collateral cache ---------------------------------------------

// The gateway with collateral from a PCCS (pcs_server.cpp serving the simulated hierarchy's
// collateral, trusted through SSL_CERT_FILE) and a cache directory.
class CollateralFaultTest : public FaultTest {
 protected:
  void SetUp() override {
    FaultTest::SetUp();
    PcsServerOptions o;
    o.dir = sim_ + "/collateral";
    o.tcb_signing_key = sim_ + "/private/tcb_signing.key";
    pcs_ = std::make_unique<PcsServer>(o);
    cache_ = dir_.file("cache");
    extra_config_["trust"] = {{"root_ca", sim_ + "/root_ca.pem"}};
    use_pccs(pcs_->base_url());
    cert_ = issue("a");
    app_ = start_app(cert_, "app-a");
  }

  void use_pccs(const std::string& base) {
    extra_config_["collateral"] = {{"pccs", base}, {"cache_dir", cache_}};
  }

  void start() {
    start_gateway(json::array({app("alpha", app_.port)}), {}, {"SSL_CERT_FILE=" + pcs_->ca_file()});
  }

  std::string cache_file(const std::string& item) const { return cache_ + "/" + item + ".json"; }
  std::string tcb_file() const { return cache_file("sgx-tcb-info-53494d000001"); }
  static std::vector<std::string> items() {
    return {"sgx-tcb-info-53494d000001", "sgx-qe-identity", "pck-crl-platform", "root-ca-crl"};
  }

  // A verified cache, from a healthy service, then the gateway stopped; `age` makes every item
  // look fetched two days ago, so the next gateway refreshes them at once (in the background).
  void fill_cache(bool age) {
    pcs_->set_mode("");
    start();
    ASSERT_EQ(get("alpha", "/").body, "hello from app-a\n") << gateway_log();
    stop_gateway();
    for (const auto& item : items()) {
      ASSERT_TRUE(fs::is_regular_file(cache_file(item))) << item;
      if (!age) continue;
      json j = json::parse(read_all(cache_file(item)));
      const auto two_days_ago = std::chrono::system_clock::now() - std::chrono::hours(48);
      const std::time_t t = std::chrono::system_clock::to_time_t(two_days_ago);
      char text[32];
      std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
      j["fetched_at"] = text;
      dir_.write("cache/" + item + ".json", j.dump(2) + "\n");
    }
  }

  // The cache as `ratls-gateway verify --offline` reads it: every item there and verified.
  void expect_cache_readable() {
    const CommandResult r = cli({"verify", "--cert", cert_ + ".pem", "--offline", "--cache-dir",
                                 cache_, "--root-ca", sim_ + "/root_ca.pem", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    try {
      EXPECT_EQ(json::parse(r.out)["collateral_source"],
                "collateral cache " + cache_ + " (offline)");
    } catch (const std::exception&) {
      ADD_FAILURE() << "verify --json: " << r.out << r.err;
    }
  }

  std::string tcb_url(const std::string& base) const {
    return base + "/sgx/certification/v4/tcb?fmspc=53494D000001";
  }

  std::unique_ptr<PcsServer> pcs_;
  std::string cache_;
  std::string cert_;
  Peer app_;
};

struct PccsFault {
  const char* name;
  const char* mode;  // pcs_server mode; "down": nothing listens at the configured URL
  // Without a cache: empty when the app is served, else a part of the 502's reason.
  const char* refused_without_cache;
  // With a verified cache (due for refresh): a part of the refresh warning; empty: none awaited.
  const char* refresh_warning;
};

// ctest and gtest name the case, not its bytes.
void PrintTo(const PccsFault& f, std::ostream* os) {
  *os << f.name;
}

class PccsFaultTest : public CollateralFaultTest,
                      public ::testing::WithParamInterface<PccsFault> {};

// docs/collateral.md: without a usable cached item the request waits for the fetch and a failure
// is a 502 naming the item, the URL and why; with one, the item is served from the cache at once,
// a failed refresh is a warning and the cached item stays (byte for byte) until its nextUpdate.
TEST_P(PccsFaultTest, RefusedWithoutACacheServedFromAVerifiedOne) {
  const PccsFault& f = GetParam();
  const bool down = std::string(f.mode) == "down";
  const std::string base =
      down ? "https://127.0.0.1:" + std::to_string(free_loopback_port()) : pcs_->base_url();

  // 1. No cache.
  use_pccs(base);
  pcs_->set_mode(down ? "" : f.mode);
  start();
  if (std::string(f.refused_without_cache).empty()) {
    // A rolled-back item that is still current cannot be told from a current one without a newer
    // one to compare with: it is served (and cached).
    EXPECT_EQ(get("alpha", "/").body, "hello from app-a\n") << gateway_log();
    const std::string cached = json::parse(read_all(tcb_file()))["valid_from"];
    const std::string current =
        json::parse(read_all(sim_ + "/collateral/tcb_info.json"))["tcbInfo"]["issueDate"];
    EXPECT_LT(cached, current);  // RFC 3339 UTC times of one format compare as text
  } else {
    const json body = get_json("alpha", "/", "502", 45);
    ASSERT_FALSE(body["errors"].empty()) << body.dump();
    EXPECT_EQ(body["errors"][0]["code"], "STATUS_MISSING_COLLATERAL") << body.dump();
    const std::string reason = body["reason"];
    EXPECT_TRUE(contains(
        reason, "SGX TCB info for FMSPC 53494D000001: fetching " + tcb_url(base) + " failed: "))
        << reason;
    EXPECT_TRUE(contains(reason, f.refused_without_cache)) << reason;
    EXPECT_EQ(app_status(status(), "alpha")["state"], "refused");
    EXPECT_EQ(app_status(status(), "alpha")["last_error"], reason);
    EXPECT_FALSE(fs::exists(tcb_file()));
    EXPECT_FALSE(fs::exists(pins_path()));  // nothing was pinned
  }
  stop_gateway();
  fs::remove_all(cache_);

  // 2. A verified cache, due for refresh.
  use_pccs(pcs_->base_url());
  fill_cache(true);
  const std::string tcb_before = read_all(tcb_file());
  const std::string pins_before = read_all(pins_path());
  use_pccs(base);
  pcs_->set_mode(down ? "" : f.mode);
  const int tcb_requests = pcs_->requests("/sgx/certification/v4/tcb");
  start();
  const Reply r = get("alpha", "/");
  EXPECT_EQ(r.body, "hello from app-a\n") << gateway_log();
  EXPECT_LT(r.seconds, 10.0);  // not waiting for the refresh (20 s when the service hangs)
  if (std::string(f.refresh_warning).empty()) {
    // The service does not answer: the refresh is still waiting, the app served meanwhile.
    for (int i = 0; i < 100 && pcs_->requests("/sgx/certification/v4/tcb") == tcb_requests; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_EQ(pcs_->requests("/sgx/certification/v4/tcb"), tcb_requests + 1);
  } else {
    EXPECT_TRUE(
        wait_for_log("refreshing the SGX TCB info for FMSPC 53494D000001 failed (fetching " +
                         tcb_url(base) + " failed: ",
                     5000))
        << gateway_log();
    const std::string log = gateway_log();
    EXPECT_TRUE(contains(log, f.refresh_warning)) << log;
    EXPECT_TRUE(contains(log, "the cached one stays in use until it expires at")) << log;
  }
  EXPECT_EQ(app_status(status(), "alpha")["state"], "verified");
  stop_gateway();
  EXPECT_EQ(read_all(tcb_file()), tcb_before);
  expect_cache_readable();
  EXPECT_EQ(read_all(pins_path()), pins_before);
  EXPECT_EQ(pins_on_disk()["alpha"]["pin"]["mrenclave"], kMrA);
}

INSTANTIATE_TEST_SUITE_P(
    Faults, PccsFaultTest,
    ::testing::Values(
        PccsFault{"Down", "down", "Connection refused", "Connection refused"},
        // Beyond the PCS client's 20 s read timeout.
        PccsFault{"NeverAnswers", "hang", "within 20000 ms", ""},
        PccsFault{"Garbage", "garbage", "not a TCB info response: response body is not a JSON",
                  "not a TCB info response: response body is not a JSON"},
        PccsFault{"RolledBack", "rollback", "", "older than the cached one issued"},
        PccsFault{"SignedByAnotherKey", "otherkey",
                  "issuer chain: the chain ends in \"ratls-gateway simulation SGX Root CA\", which "
                  "is not the pinned root",
                  "issuer chain: the chain ends in \"ratls-gateway simulation SGX Root CA\", which "
                  "is not the pinned root"}),
    [](const auto& p) { return std::string(p.param.name); });

// Truncated: ignored with a warning naming the file, never trusted: refused while the service
// fails, fetched again (and the file rewritten whole) once it answers.
TEST_F(CollateralFaultTest, TruncatedCacheFileIsNotTrustedAndFetchedAgain) {
  fill_cache(false);
  std::string text = read_all(tcb_file());
  text.resize(text.size() / 2);
  dir_.write("cache/sgx-tcb-info-53494d000001.json", text);
  const std::string ignored = "ignoring collateral cache file " + tcb_file() + " (not JSON)";

  pcs_->set_mode("500");
  start();
  const json refused = get_json("alpha", "/");
  EXPECT_EQ(refused["errors"][0]["code"], "STATUS_MISSING_COLLATERAL") << refused.dump();
  EXPECT_TRUE(
      contains(refused.value("reason", ""), "SGX TCB info for FMSPC 53494D000001: fetching " +
                                                tcb_url(pcs_->base_url()) + " failed: HTTP 500"))
      << refused.dump();
  EXPECT_TRUE(wait_for_log(ignored, 1000)) << gateway_log();
  stop_gateway();
  EXPECT_EQ(read_all(tcb_file()), text);  // a failed fetch writes nothing

  pcs_->set_mode("");
  const int before = pcs_->requests("/sgx/certification/v4/tcb");
  start();
  EXPECT_EQ(get("alpha", "/").body, "hello from app-a\n");
  EXPECT_EQ(pcs_->requests("/sgx/certification/v4/tcb"), before + 1);
  stop_gateway();
  EXPECT_GT(read_all(tcb_file()).size(), text.size());
  expect_cache_readable();
  EXPECT_EQ(pins_on_disk()["alpha"]["pin"]["mrenclave"], kMrA);
}

// A symbolic link in place of a cache file, to a genuine copy outside the cache: not followed
// (refused while the service fails, fetched again once it answers), and the fetched item replaces
// the link, not its target. A FIFO in its place does not stall verification either.
TEST_F(CollateralFaultTest, CacheFileReplacedBySymlinkOrFifoIsNeitherFollowedNorTrusted) {
  fill_cache(false);
  const std::string outside = dir_.file("outside-tcb-info.json");
  fs::rename(tcb_file(), outside);
  const std::string genuine = read_all(outside);
  fs::create_symlink(outside, tcb_file());

  pcs_->set_mode("500");
  start();
  const json refused = get_json("alpha", "/");
  EXPECT_EQ(refused["errors"][0]["code"], "STATUS_MISSING_COLLATERAL") << refused.dump();
  EXPECT_TRUE(contains(refused.value("reason", ""), "failed: HTTP 500")) << refused.dump();
  EXPECT_TRUE(wait_for_log(
      "ignoring collateral cache file " + tcb_file() + " (a symbolic link, not followed)", 1000))
      << gateway_log();
  stop_gateway();

  pcs_->set_mode("");
  start();
  EXPECT_EQ(get("alpha", "/").body, "hello from app-a\n");
  stop_gateway();
  EXPECT_FALSE(fs::is_symlink(tcb_file()));
  EXPECT_TRUE(fs::is_regular_file(tcb_file()));
  EXPECT_EQ(read_all(outside), genuine);
  expect_cache_readable();

  // A FIFO: opening it for reading would wait for a writer forever.
  fs::remove(tcb_file());
  ASSERT_EQ(::mkfifo(tcb_file().c_str(), 0600), 0);
  start();
  const Reply served = get("alpha", "/", {}, 10);
  EXPECT_EQ(served.body, "hello from app-a\n") << served.err << gateway_log();
  EXPECT_TRUE(
      wait_for_log("ignoring collateral cache file " + tcb_file() + " (not a regular file)", 1000))
      << gateway_log();
  stop_gateway();
  EXPECT_TRUE(fs::is_regular_file(tcb_file()));
  expect_cache_readable();
}

// --- the pin store ------------------------------------------------------------------------------

// Truncated, then a FIFO in its place: the app already pinned is still served (also on a new
// upstream connection), the one that needs a pin is refused naming the file, the CLI reports the
// same and changes nothing, and the file is left exactly as it was.
TEST_F(FaultTest, UnusablePinStoreRefusesOnlyWhatMustBeRecorded) {
  const std::string cert_a = issue("a");
  const int port_a = free_loopback_port();
  auto app_a = std::make_unique<Peer>(start_app(cert_a, "app-a", port_a));
  Peer b = start_app(issue("b", {"--mrenclave", kMrB}), "app-b");
  start_gateway(json::array({app("alpha", port_a), app("beta", b.port)}));
  ASSERT_EQ(get("alpha", "/").body, "hello from app-a\n");
  const std::string pins = pins_path();
  const std::string good = read_all(pins);

  std::string truncated = good.substr(0, good.size() / 2);
  dir_.write("state/pins.json", truncated);
  const json refused = get_json("beta", "/");
  EXPECT_EQ(refused["errors"][0]["code"], "STATUS_PIN_STORE_UNUSABLE") << refused.dump();
  EXPECT_EQ(refused.value("reason", "")
                .rfind("the pin store " + pins +
                           " cannot be read: not a valid pins file: parse "
                           "error at line",
                       0),
            0u)
      << refused.dump();
  EXPECT_EQ(app_status(status(), "beta")["last_error"], refused["reason"]);
  // alpha's upstream restarts: the pooled connection is gone, a new one is verified and served.
  app_a.reset();
  app_a = std::make_unique<Peer>(start_app(cert_a, "app-a", port_a));
  EXPECT_EQ(get("alpha", "/").body, "hello from app-a\n") << gateway_log();
  const CommandResult list = cli({"pins", "list", "--config", config_path_});
  EXPECT_NE(list.exit_code, 0);
  EXPECT_TRUE(contains(list.err, pins + ": not a valid pins file: parse error")) << list.err;
  const CommandResult forget = cli({"pins", "forget", "alpha", "--config", config_path_});
  EXPECT_NE(forget.exit_code, 0);
  EXPECT_TRUE(contains(forget.err, pins)) << forget.err;
  EXPECT_EQ(read_all(pins), truncated);

  // A FIFO: refused at once (a blocking open would hold the verification thread).
  fs::remove(pins);
  ASSERT_EQ(::mkfifo(pins.c_str(), 0600), 0);
  const auto start = Clock::now();
  const json fifo = get_json("beta", "/");
  EXPECT_LT(seconds_since(start), 5.0);
  EXPECT_EQ(fifo.value("reason", ""),
            "the pin store " + pins + " cannot be read: not a regular file")
      << fifo.dump();
  EXPECT_TRUE(fs::is_fifo(pins));

  // Put back: beta is pinned beside alpha, nothing to restart.
  fs::remove(pins);
  dir_.write("state/pins.json.new", good);
  fs::rename(dir_.file("state/pins.json.new"), pins);
  EXPECT_EQ(get("beta", "/").body, "hello from app-b\n") << gateway_log();
  const json on_disk = pins_on_disk();
  EXPECT_EQ(on_disk["alpha"]["pin"]["mrenclave"], kMrA);
  EXPECT_EQ(on_disk["beta"]["pin"]["mrenclave"], kMrB);
}

// Mode 000 stops everyone but root; as root the unreadable cases are the directory and the FIFO
// above and in test_gateway.cpp.
TEST_F(FaultTest, PinStoreWithoutReadPermissionIsA502AndKeepsItsMode) {
  if (::geteuid() == 0) {
    GTEST_SKIP() << "running as root: mode 000 does not stop root from reading pins.json (the "
                    "FIFO and directory cases cover an unreadable pin store for every user)";
  }
  ASSERT_NO_FATAL_FAILURE(start_with_alpha_pinned());
  const std::string pins = pins_path();
  const std::string good = read_all(pins);
  fs::permissions(pins, fs::perms::none);
  const json refused = get_json("beta", "/");
  EXPECT_EQ(refused.value("reason", ""),
            "the pin store " + pins + " cannot be read: Permission denied")
      << refused.dump();
  EXPECT_EQ(fs::status(pins).permissions(), fs::perms::none);
  fs::permissions(pins, fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(read_all(pins), good);
}

// The state directory on a 64 KiB tmpfs, filled up: the write of beta's new pin fails with
// ENOSPC, beta gets a 502 naming the write failure, pins.json keeps alpha's pin byte for byte and
// no temporary file is left; with space again beta is pinned, without a restart.
TEST_F(FaultTest, FullFileSystemWhileAPinIsWrittenKeepsTheOldPins) {
  if (::geteuid() != 0)
    GTEST_SKIP() << "mounting a small tmpfs needs root (euid " << ::geteuid() << ")";
  const std::string mnt = dir_.file("small-state");
  fs::create_directory(mnt);
  if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=64k,mode=0700") != 0) {
    GTEST_SKIP() << "mount -t tmpfs is not permitted here: " << std::strerror(errno);
  }
  struct Unmount {
    std::string path;
    std::function<void()> before;
    ~Unmount() {
      before();
      if (::umount(path.c_str()) != 0) ::umount2(path.c_str(), MNT_DETACH);
    }
  } unmount{mnt, [this] { gateway_.reset(); }};

  extra_config_["state_dir"] = mnt;
  ASSERT_NO_FATAL_FAILURE(start_with_alpha_pinned());
  const std::string pins = pins_path();
  const std::string good = read_all(pins);
  ASSERT_TRUE(contains(good, "\"alpha\""));

  // Fill it: write until the file system says no more.
  const std::string filler = mnt + "/filler";
  {
    std::FILE* f = std::fopen(filler.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::setvbuf(f, nullptr, _IONBF, 0);
    const std::vector<char> block(4096, 'f');
    while (std::fwrite(block.data(), 1, block.size(), f) == block.size()) {
    }
    std::fclose(f);
  }
  const std::string tmp = pins + ".tmp." + std::to_string(gateway_->pid());
  const json refused = get_json("beta", "/");
  EXPECT_EQ(refused["errors"][0]["code"], "STATUS_PIN_STORE_UNUSABLE") << refused.dump();
  EXPECT_EQ(refused.value("reason", ""), "the pin store " + pins + " cannot be written: write " +
                                             tmp + ": No space left on device")
      << refused.dump();
  EXPECT_EQ(app_status(status(), "beta")["state"], "refused");
  EXPECT_EQ(read_all(pins), good);
  EXPECT_FALSE(fs::exists(tmp));
  EXPECT_EQ(get("alpha", "/").body, "hello from app-a\n");  // pinned already: still served
  EXPECT_EQ(pins_on_disk()["alpha"]["pin"]["mrenclave"], kMrA);

  fs::remove(filler);
  EXPECT_EQ(get("beta", "/").body, "hello from app-b\n") << gateway_log();
  const json on_disk = pins_on_disk();
  EXPECT_EQ(on_disk["alpha"]["pin"]["mrenclave"], kMrA);
  EXPECT_EQ(on_disk["beta"]["pin"]["mrenclave"], kMrB);
}

// --- reload and shutdown ------------------------------------------------------------------------

// SIGHUP with a configuration that is truncated, misspelled, names a missing root, is gone or is
// a directory: each time the log says why, the old configuration (both apps) keeps serving; a
// valid one then applies.
TEST_F(FaultTest, SighupWithABrokenConfigurationKeepsTheOldOne) {
  Peer a = start_app(issue("a"), "app-a");
  Peer b = start_app(issue("b", {"--mrenclave", kMrB}), "app-b");
  const json both = json::array({app("alpha", a.port), app("beta", b.port)});
  start_gateway(both);
  ASSERT_EQ(get("alpha", "/").body, "hello from app-a\n");
  ASSERT_EQ(get("beta", "/").body, "hello from app-b\n");
  const std::string pins_before = read_all(pins_path());
  const std::string valid = config_for(both).dump(2);
  json misspelled = config_for(both);
  misspelled["lisen"] = misspelled["listen"];
  misspelled.erase("listen");
  json missing_root = config_for(both);
  missing_root["trust"]["root_ca"] = dir_.file("no-such-root.pem");

  struct Broken {
    std::string name;
    std::function<void()> make;
    std::string reason;
  };
  const std::vector<Broken> cases = {
      {"truncated", [&] { dir_.write("config.json", valid.substr(0, valid.size() / 2)); },
       config_path_ + ": invalid JSON: parse error at line"},
      {"misspelled", [&] { dir_.write("config.json", misspelled.dump(2)); },
       "lisen: unknown key (expected one of: listen,"},
      {"missing root", [&] { dir_.write("config.json", missing_root.dump(2)); },
       "trust.root_ca: " + dir_.file("no-such-root.pem") + ": no such file or directory"},
      {"gone", [&] { fs::remove(config_path_); }, config_path_ + ": no such file"},
      {"a directory",
       [&] {
         fs::remove(config_path_);
         fs::create_directory(config_path_);
       },
       config_path_ + ": is a directory, expected a JSON file"},
  };
  for (const Broken& c : cases) {
    SCOPED_TRACE(c.name);
    const std::size_t from = log_size();
    c.make();
    ::kill(gateway_->pid(), SIGHUP);
    EXPECT_TRUE(
        wait_for_log("reload failed, the previous configuration stays in force: ", 5000, from))
        << gateway_log();
    const std::string log = gateway_log().substr(from);
    EXPECT_TRUE(contains(log, c.reason)) << log;
    EXPECT_EQ(get("alpha", "/").body, "hello from app-a\n");
    EXPECT_EQ(get("beta", "/").body, "hello from app-b\n");
    EXPECT_EQ(status()["apps"].size(), 2u);
  }
  fs::remove_all(config_path_);
  dir_.write("config.json", config_for(json::array({app("alpha", a.port)})).dump(2));
  const std::size_t from = log_size();
  ::kill(gateway_->pid(), SIGHUP);
  EXPECT_TRUE(wait_for_log("configuration reloaded: 1 app(s)", 5000, from)) << gateway_log();
  EXPECT_EQ(get("beta", "/").status, "404");
  EXPECT_EQ(get("alpha", "/").body, "hello from app-a\n");
  EXPECT_EQ(read_all(pins_path()), pins_before);
}

// SIGTERM with 50 requests in flight (the app holds every answer until the test releases it, 1.5 s
// after the signal, so all 50 are in flight whatever the machine's load): every one
// completes with its whole response, new connections are refused, and the gateway exits 0 within
// the 10 s drain.
TEST_F(FaultTest, SigtermWithFiftyRequestsInFlightDrainsThemAll) {
  constexpr int kRequests = 50;
  Peer a = start_app(issue("a"), "app-a");
  start_gateway(json::array({app("alpha", a.port)}));
  ASSERT_EQ(get("alpha", "/").body, "hello from app-a\n");
  const std::string pins_before = read_all(pins_path());
  auto ask_app = [&](const std::string& path) {
    return run_command({"/usr/bin/curl", "-sk", "-m", "10",
                        "https://127.0.0.1:" + std::to_string(a.port) + path})
        .out;
  };
  std::vector<std::unique_ptr<BackgroundProcess>> clients;
  for (int i = 0; i < kRequests; ++i) {
    clients.push_back(std::make_unique<BackgroundProcess>(
        std::vector<std::string>{"/usr/bin/curl", "-sS", "-m", "60", "--resolve",
                                 host("alpha") + ":127.0.0.1", "-w", " %{http_code}",
                                 "http://" + host("alpha") + "/hold"},
        dir_.file("client-" + std::to_string(i))));
  }
  std::string in_progress;
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  while (Clock::now() < deadline) {
    in_progress = ask_app("/in-progress");
    if (in_progress == std::to_string(kRequests) + "\n") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(in_progress, std::to_string(kRequests) + "\n") << gateway_log();
  const auto signalled = Clock::now();
  ::kill(gateway_->pid(), SIGTERM);
  EXPECT_TRUE(wait_for_log("stopping: no new connections, finishing requests in flight", 5000))
      << gateway_log();
  EXPECT_NE(get("alpha", "/", {}, 5).exit_code, 0) << "a new connection was served while draining";
  // The answers stay slow a while longer: the drain must wait for them.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_TRUE(gateway_->running()) << "exited with requests in flight";
  EXPECT_EQ(ask_app("/release"), "released\n");
  const int exit_code = gateway_->wait(15000);
  const double drained = seconds_since(signalled);
  EXPECT_EQ(exit_code, 0) << gateway_log();
  EXPECT_LT(drained, 10.0);
  int complete = 0;
  for (int i = 0; i < kRequests; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(clients[i]->wait(10000), 0)
        << read_all(dir_.file("client-" + std::to_string(i)) + ".stderr");
    const std::string out = read_all(dir_.file("client-" + std::to_string(i)));
    EXPECT_EQ(out, "held\n 200");
    complete += out == "held\n 200" ? 1 : 0;
  }
  EXPECT_EQ(complete, kRequests);
  EXPECT_FALSE(contains(gateway_log(), "drain timeout")) << gateway_log();
  EXPECT_EQ(read_all(pins_path()), pins_before);
  EXPECT_EQ(pins_on_disk()["alpha"]["pin"]["mrenclave"], kMrA);
}

}  // namespace
}  // namespace ratls::test
