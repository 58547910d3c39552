// The collateral fetcher against a PCS-compatible server on loopback (tests/integration/peers/
// pcs_server.cpp) serving real collateral: results equal the offline path; cache hits, refresh,
// expiry, corrupted cache files, misbehaving servers, concurrency. Times are the vectors' times.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <sstream>
#include <thread>

#include "attest/collateral.h"
#include "attest/verifier.h"
#include "proxy/collateral/collateral_fetcher.h"
#include "proxy/collateral/collateral_key.h"
#include "proxy/pinning/pin_store.h"
#include "proxy/pinning/upstream_verifier.h"
#include "tests/support/pcs_fixture.h"
#include "tests/support/process.h"
#include "tests/support/testdata.h"

namespace ratls::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using proxy::CollateralFetcher;
using proxy::CollateralFetcherOptions;
using proxy::CollateralKey;

const std::string kSgxQuote = real_path("dcap/phala_dcap_qvl/sgx_v3_quote.bin");
const std::string kSgxCollateral = real_path("dcap/phala_dcap_qvl/sgx_v3_quote.collateral.json");
const std::string kSgxTime = "2025-07-19T10:01:17Z";
// Inside every window of the SGX vector's collateral (2025-06-19T10:56:11Z ..
// 2025-07-19T10:01:18Z).
const std::string kSgxEarly = "2025-07-01T00:00:00Z";
const std::string kTcbFile = "sgx-tcb-info-00a067110000.json";

std::string file_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

PcsServerOptions serving(const std::string& collateral_json) {
  PcsServerOptions o;
  o.collateral_json = collateral_json;
  return o;
}

PcsServerOptions serving_dir(const std::string& dir) {
  PcsServerOptions o;
  o.pcs_dir = dir;
  return o;
}

CollateralKey key_of(const std::string& quote_file) {
  auto key = proxy::collateral_key_for_quote(read_bytes(quote_file));
  EXPECT_TRUE(key.has_value()) << quote_file;
  return key.value_or(CollateralKey{});
}

attest::QuoteVerification verify(const std::string& quote_file, const attest::ParsedCollateral* c,
                                 attest::UnixTime t) {
  const attest::Bytes quote = read_bytes(quote_file);
  attest::VerifyInput in;
  in.quote = quote;
  in.collateral = c;
  in.at = t;
  return attest::verify_quote(in);
}

std::vector<attest::Status> statuses(const attest::QuoteVerification& v) {
  std::vector<attest::Status> out;
  for (const auto& e : v.errors) out.push_back(e.status);
  return out;
}

// Verification through the fetcher gives what the offline path gives.
void expect_same_result(const attest::QuoteVerification& fetched,
                        const attest::QuoteVerification& offline) {
  EXPECT_EQ(statuses(fetched), statuses(offline));
  EXPECT_EQ(fetched.tcb_status, offline.tcb_status);
  EXPECT_EQ(fetched.platform_tcb_status, offline.platform_tcb_status);
  EXPECT_EQ(fetched.qe_tcb_status, offline.qe_tcb_status);
  EXPECT_EQ(fetched.tcb_date, offline.tcb_date);
  EXPECT_EQ(fetched.advisory_ids, offline.advisory_ids);
  EXPECT_EQ(fetched.collateral_expiry, offline.collateral_expiry);
  EXPECT_EQ(fetched.collateral_checked, offline.collateral_checked);
}

class Fetcher : public ::testing::Test {
 protected:
  CollateralFetcherOptions options(const PcsServer& server, const std::string& cache = "") {
    CollateralFetcherOptions o;
    o.base_url = server.base_url();
    o.cache_dir = cache.empty() ? cache_.file("collateral") : cache;
    o.https.ca_file = server.ca_file();
    o.https.connect_timeout = 3s;
    o.https.handshake_timeout = 3s;
    o.https.read_timeout = 3s;
    o.wait_timeout = 15s;
    o.warn = [this](const std::string& m) {
      std::lock_guard lock(mutex_);
      warnings_.push_back(m);
    };
    return o;
  }

  std::string warnings() {
    std::lock_guard lock(mutex_);
    std::string all;
    for (const auto& w : warnings_) all += w + "\n";
    return all;
  }

  // A fresh fetcher (as a new process would) gets the collateral for `key` at `t`.
  void fetch_once(const PcsServer& server, const CollateralKey& key, attest::UnixTime t) {
    CollateralFetcher fetcher(options(server));
    std::string problem;
    ASSERT_TRUE(fetcher.get_for(key, t, problem)) << problem;
  }

  fs::path cache_path(const std::string& name) const {
    return fs::path(cache_.file("collateral")) / name;
  }

  std::size_t cached_files() const {
    std::error_code ec;
    if (!fs::is_directory(cache_.file("collateral"), ec)) return 0;
    std::size_t n = 0;
    for (const auto& e : fs::directory_iterator(cache_.file("collateral"))) {
      if (e.path().extension() == ".json") ++n;
    }
    return n;
  }

  TempDir cache_;
  std::mutex mutex_;
  std::vector<std::string> warnings_;
};

TEST(CollateralKey, FromRealQuotesAndCertificates) {
  auto sgx = proxy::collateral_key_for_quote(read_bytes(kSgxQuote));
  ASSERT_TRUE(sgx);
  EXPECT_EQ(sgx->text(), "sgx 00a067110000 processor");
  auto tdx = proxy::collateral_key_for_quote(
      read_bytes(real_path("dcap/phala_dcap_qvl/tdx_v4_quote.bin")));
  ASSERT_TRUE(tdx);
  EXPECT_EQ(tdx->text(), "tdx b0c06f000000 platform");
  auto cert = proxy::collateral_key_for_certificate(
      read_bytes(real_path("cosmian/msehome_2023-05_ratls_cert.pem")));
  ASSERT_TRUE(cert);
  EXPECT_EQ(cert->text(), "sgx 30606a000000 platform");
  EXPECT_FALSE(proxy::collateral_key_for_quote(attest::as_bytes("not a quote")));
  EXPECT_FALSE(proxy::collateral_key_for_certificate(read_bytes(
      real_path("cosmian/owner_ssl_letsencrypt_fullchain_wildcard_dev.cosmilink.com.pem"))));
}

TEST_F(Fetcher, SgxThroughTheServiceEqualsTheOfflinePath) {
  PcsServer server(serving(kSgxCollateral));
  CollateralFetcher fetcher(options(server));
  std::string problem;
  auto c = fetcher.get_for(key_of(kSgxQuote), at(kSgxTime), problem);
  ASSERT_TRUE(c) << problem;
  EXPECT_TRUE(contains(c->raw.source, server.base_url())) << c->raw.source;
  const auto fetched = verify(kSgxQuote, c.get(), at(kSgxTime));
  const auto offline_collateral =
      attest::parse_collateral(attest::collateral_from_dcap_qvl_json(read_text(kSgxCollateral)));
  const auto offline = verify(kSgxQuote, &offline_collateral, at(kSgxTime));
  expect_same_result(fetched, offline);
  EXPECT_TRUE(fetched.errors.empty()) << fetched.errors.front().message;
  EXPECT_EQ(fetched.tcb_status, attest::TcbStatus::kConfigurationAndSWHardeningNeeded);
  EXPECT_EQ(fetched.advisory_ids, (std::vector<std::string>{"INTEL-SA-00289", "INTEL-SA-00615"}));
  // The PCCS paths, one request each.
  EXPECT_EQ(server.requests("/sgx/certification/v4/tcb?fmspc=00A067110000"), 1);
  EXPECT_EQ(server.requests("/sgx/certification/v4/qe/identity"), 1);
  EXPECT_EQ(server.requests("/sgx/certification/v4/pckcrl?ca=processor&encoding=der"), 1);
  EXPECT_EQ(server.requests("/sgx/certification/v4/rootcacrl"), 1);
  EXPECT_EQ(server.requests(), 4);
  for (const char* f : {"sgx-tcb-info-00a067110000.json", "sgx-qe-identity.json",
                        "pck-crl-processor.json", "root-ca-crl.json"}) {
    EXPECT_TRUE(fs::exists(cache_path(f))) << f;
  }
  EXPECT_EQ(warnings(), "");
}

TEST_F(Fetcher, IntelLayoutOlderHeaderNameAndPemCrls) {
  PcsServer server(serving(kSgxCollateral));
  server.set_mode("v3,pem");
  auto o = options(server);
  // As with Intel PCS: the root CA CRL from the root's distribution point, in DER.
  o.root_ca_crl_url = server.base_url() + "/IntelSGXRootCA.der";
  CollateralFetcher fetcher(std::move(o));
  std::string problem;
  auto c = fetcher.get_for(key_of(kSgxQuote), at(kSgxTime), problem);
  ASSERT_TRUE(c) << problem;
  EXPECT_EQ(verify(kSgxQuote, c.get(), at(kSgxTime)).tcb_status,
            attest::TcbStatus::kConfigurationAndSWHardeningNeeded);
  EXPECT_EQ(server.requests("/IntelSGXRootCA.der"), 1);
  EXPECT_EQ(server.requests("/sgx/certification/v4/rootcacrl"), 0);
}

TEST_F(Fetcher, TdxThroughTheServiceEqualsTheOfflinePath) {
  const std::string quote = real_path("dcap/phala_dcap_qvl/tdx_v4_quote.bin");
  const std::string collateral = real_path("dcap/phala_dcap_qvl/tdx_v4_quote.collateral.json");
  const attest::UnixTime t = at("2025-07-19T10:00:34Z");
  PcsServer server(serving(collateral));
  CollateralFetcher fetcher(options(server));
  std::string problem;
  auto c = fetcher.get_for(key_of(quote), t, problem);
  ASSERT_TRUE(c) << problem;
  const auto offline_collateral =
      attest::parse_collateral(attest::collateral_from_dcap_qvl_json(read_text(collateral)));
  const auto fetched = verify(quote, c.get(), t);
  expect_same_result(fetched, verify(quote, &offline_collateral, t));
  EXPECT_EQ(fetched.tcb_status, attest::TcbStatus::kUpToDate);
  EXPECT_EQ(server.requests("/tdx/certification/v4/tcb?fmspc=B0C06F000000"), 1);
  EXPECT_EQ(server.requests("/tdx/certification/v4/qe/identity"), 1);
  EXPECT_EQ(server.requests("/sgx/certification/v4/pckcrl?ca=platform&encoding=der"), 1);
}

TEST_F(Fetcher, GoTdxGuestResponsesEqualTheOfflineDirectory) {
  const std::string dir = real_path("dcap/google_go_tdx_guest");
  const std::string quote = dir + "/tdx_v4_quote_spr_e4.bin";
  const attest::UnixTime t = at("2023-07-01T01:00:00Z");
  PcsServer server(serving_dir(dir));
  CollateralFetcher fetcher(options(server));
  std::string problem;
  auto c = fetcher.get_for(key_of(quote), t, problem);
  ASSERT_TRUE(c) << problem;
  std::map<std::string, attest::Bytes> files{
      {"tcb_info.json", read_bytes(dir + "/tdx_tcb_info_fmspc_50806f000000.response.json")},
      {"qe_identity.json", read_bytes(dir + "/tdx_qe_identity.response.json")},
      {"tcb_info_issuer_chain.pem", read_bytes(dir + "/tcb_info_issuer_chain.header.pem")},
      {"qe_identity_issuer_chain.pem", read_bytes(dir + "/qe_identity_issuer_chain.header.pem")},
      {"pck_crl.der", read_bytes(dir + "/pck_crl_platform.der")},
      {"root_ca_crl.der", read_bytes(dir + "/root_ca_crl.der")}};
  const auto offline_collateral = attest::parse_collateral(attest::collateral_from_files(files));
  const auto fetched = verify(quote, c.get(), t);
  expect_same_result(fetched, verify(quote, &offline_collateral, t));
  // The engineering-sample platform is below every TCB level (SOURCES.md), after every
  // collateral check passed.
  ASSERT_FALSE(fetched.errors.empty());
  EXPECT_EQ(fetched.errors.front().status, attest::Status::STATUS_TCB_NOT_SUPPORTED);
  EXPECT_EQ(fetched.qe_tcb_status, attest::TcbStatus::kUpToDate);
}

TEST_F(Fetcher, CacheHitNeedsNoRequestAcrossRestarts) {
  PcsServer server(serving(kSgxCollateral));
  const CollateralKey key = key_of(kSgxQuote);
  const attest::UnixTime t = at(kSgxEarly);
  std::string problem;
  {
    CollateralFetcher fetcher(options(server));
    auto first = fetcher.get_for(key, t, problem);
    ASSERT_TRUE(first) << problem;
    auto second = fetcher.get_for(key, t + 3600, problem);
    EXPECT_EQ(first, second);  // same items: the very same collateral object
    EXPECT_EQ(fetcher.fetches_started(), 4u);
  }
  EXPECT_EQ(server.requests(), 4);
  // A new process reads the disk cache; the service is down and is not needed.
  server.set_mode("500");
  CollateralFetcher restarted(options(server));
  auto c = restarted.get_for(key, t + 7200, problem);
  ASSERT_TRUE(c) << problem;
  EXPECT_EQ(verify(kSgxQuote, c.get(), at(kSgxTime)).tcb_status,
            attest::TcbStatus::kConfigurationAndSWHardeningNeeded);
  EXPECT_EQ(server.requests(), 4);
  auto o = options(server);
  o.offline = true;
  o.base_url.clear();
  CollateralFetcher offline(std::move(o));
  ASSERT_TRUE(offline.get_for(key, t + 7200, problem)) << problem;
  EXPECT_EQ(offline.fetches_started(), 0u);
  EXPECT_EQ(server.requests(), 4);
  EXPECT_EQ(warnings(), "");
}

TEST_F(Fetcher, RefreshesAheadOfNextUpdateInTheBackground) {
  PcsServer server(serving(kSgxCollateral));
  const CollateralKey key = key_of(kSgxQuote);
  const attest::UnixTime t = at(kSgxEarly);
  CollateralFetcher fetcher(options(server));
  std::string problem;
  auto first = fetcher.get_for(key, t, problem);
  ASSERT_TRUE(first) << problem;
  EXPECT_EQ(server.requests(), 4);
  // A day later every item is due (daily refresh) but still valid: served at once, refreshed
  // behind.
  auto later = fetcher.get_for(key, t + 86400 + 60, problem);
  EXPECT_EQ(later, first);
  ASSERT_TRUE(fetcher.wait_idle(10s));
  EXPECT_EQ(server.requests(), 8);
  auto refreshed = fetcher.get_for(key, t + 86400 + 120, problem);
  ASSERT_TRUE(refreshed) << problem;
  EXPECT_NE(refreshed, first);
  EXPECT_EQ(server.requests(), 8);
  // A failing refresh keeps the valid cached items in use and says so.
  server.set_mode("500");
  auto during_outage = fetcher.get_for(key, t + 3 * 86400, problem);
  ASSERT_TRUE(during_outage) << problem;
  ASSERT_TRUE(fetcher.wait_idle(10s));
  EXPECT_EQ(server.requests(), 12);
  EXPECT_TRUE(contains(warnings(), "refreshing the SGX TCB info for FMSPC 00A067110000 failed"))
      << warnings();
  EXPECT_TRUE(contains(warnings(), "HTTP 500")) << warnings();
  // No hammering: the failed items back off.
  ASSERT_TRUE(fetcher.get_for(key, t + 3 * 86400 + 10, problem));
  ASSERT_TRUE(fetcher.wait_idle(10s));
  EXPECT_EQ(server.requests(), 12);
}

// The daemon's schedule: due items are refreshed with no verification asking for them, so an idle
// gateway's next connection finds fresh collateral instead of waiting for a fetch.
TEST_F(Fetcher, ScheduledRefreshNeedsNoRequestForCollateral) {
  PcsServer server(serving(kSgxCollateral));
  const CollateralKey key = key_of(kSgxQuote);
  const attest::UnixTime t = at(kSgxEarly);
  std::atomic<attest::UnixTime> clock{t};
  CollateralFetcherOptions o = options(server);
  o.refresh_every = 50ms;
  o.clock = [&clock] { return clock.load(); };
  CollateralFetcher fetcher(std::move(o));
  std::string problem;
  auto first = fetcher.get_for(key, t, problem);
  ASSERT_TRUE(first) << problem;
  EXPECT_EQ(server.requests(), 4);
  std::this_thread::sleep_for(300ms);  // several ticks with nothing due
  EXPECT_EQ(server.requests(), 4);

  clock = t + 86400 + 60;  // a day later every item is due (still valid)
  for (int i = 0; i < 200 && server.requests() < 8; ++i) std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(fetcher.wait_idle(10s));
  EXPECT_EQ(server.requests(), 8);
  auto refreshed = fetcher.get_for(key, t + 86400 + 120, problem);
  ASSERT_TRUE(refreshed) << problem;
  EXPECT_NE(refreshed, first);
  EXPECT_EQ(server.requests(), 8);  // served from what the schedule fetched
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(server.requests(), 8);  // and not fetched again until due again
}

TEST_F(Fetcher, RefusedAfterNextUpdateWhateverTheServiceSays) {
  PcsServer server(serving(kSgxCollateral));
  const CollateralKey key = key_of(kSgxQuote);
  std::string problem;
  {
    CollateralFetcher fetcher(options(server));
    ASSERT_TRUE(fetcher.get_for(key, at(kSgxTime), problem)) << problem;
    // Two seconds later the QE identity has expired; the service only has the same one.
    EXPECT_FALSE(fetcher.get_for(key, at(kSgxTime) + 2, problem));
    EXPECT_TRUE(contains(problem, "SGX QE identity (fetched from " + server.base_url() +
                                      "/sgx/certification/v4/qe/identity) expired at"))
        << problem;
    EXPECT_TRUE(contains(problem, "expired at 2025-07-19T10:01:18Z")) << problem;
    EXPECT_TRUE(contains(problem, "the service sent one that expired")) << problem;
  }
  // The service is down: an expired item stays refused.
  server.set_mode("500");
  {
    CollateralFetcher fetcher(options(server));
    problem.clear();
    EXPECT_FALSE(fetcher.get_for(key, at("2025-07-20T00:00:00Z"), problem));
    EXPECT_TRUE(
        contains(problem, "SGX TCB info for FMSPC 00A067110000 (fetched from " + server.base_url()))
        << problem;
    EXPECT_TRUE(contains(problem, "expired at 2025-07-19T10:56:11Z")) << problem;
    EXPECT_TRUE(contains(problem, "HTTP 500")) << problem;
  }
  auto o = options(server);
  o.offline = true;
  CollateralFetcher offline(std::move(o));
  problem.clear();
  EXPECT_FALSE(offline.get_for(key, at("2025-07-20T00:00:00Z"), problem));
  EXPECT_TRUE(contains(problem, "offline mode forbids fetching it")) << problem;
}

TEST_F(Fetcher, CorruptedCacheFileIsIgnoredAndFetchedAgain) {
  PcsServer server(serving(kSgxCollateral));
  const CollateralKey key = key_of(kSgxQuote);
  const attest::UnixTime t = at(kSgxTime);
  std::string problem;
  ASSERT_NO_FATAL_FAILURE(fetch_once(server, key, t));
  // Truncated.
  const std::string good = file_text(cache_path(kTcbFile));
  std::ofstream(cache_path(kTcbFile), std::ios::trunc) << good.substr(0, good.size() / 2);
  {
    CollateralFetcher fetcher(options(server));
    auto c = fetcher.get_for(key, t, problem);
    ASSERT_TRUE(c) << problem;
    EXPECT_EQ(verify(kSgxQuote, c.get(), t).tcb_status,
              attest::TcbStatus::kConfigurationAndSWHardeningNeeded);
  }
  EXPECT_TRUE(
      contains(warnings(), "ignoring collateral cache file " + cache_path(kTcbFile).string()))
      << warnings();
  EXPECT_EQ(server.requests("/sgx/certification/v4/tcb"), 2);
  EXPECT_EQ(file_text(cache_path(kTcbFile)).size(), good.size());

  // Well-formed but altered (a TCB level's status upgraded): never trusted, even with the service
  // down.
  auto doc = nlohmann::json::parse(file_text(cache_path(kTcbFile)));
  std::string body = doc["body"];
  const auto pos = body.find("\"OutOfDate\"");
  ASSERT_NE(pos, std::string::npos);
  body.replace(pos, 11, "\"UpToDate\"");
  doc["body"] = body;
  std::ofstream(cache_path(kTcbFile), std::ios::trunc) << doc.dump(2);
  server.set_mode("500");
  auto o = options(server);
  o.initial_backoff = 0;
  CollateralFetcher fetcher(std::move(o));
  problem.clear();
  EXPECT_FALSE(fetcher.get_for(key, t, problem));
  EXPECT_TRUE(contains(problem, "SGX TCB info for FMSPC 00A067110000: fetching")) << problem;
  EXPECT_TRUE(contains(warnings(), "signature does not verify")) << warnings();
  // Back online: fetched again, and the cache file is sound again.
  server.set_mode("");
  ASSERT_TRUE(fetcher.get_for(key, t, problem)) << problem;
  auto again = options(server);
  warnings_.clear();
  CollateralFetcher reader(std::move(again));
  ASSERT_TRUE(reader.get_for(key, t, problem));
  EXPECT_EQ(reader.fetches_started(), 0u);
  EXPECT_EQ(warnings(), "");
}

// A symbolic link in place of a cache file, even to a genuine copy outside the cache, is not
// followed: ignored with a warning and fetched again, the fetched item replacing the link (its
// target untouched). A FIFO in place is refused at once; opening it for reading would wait for a
// writer with the fetcher's lock held, stalling every verification.
TEST_F(Fetcher, CacheFileThatIsASymlinkOrAFifoIsNeitherFollowedNorWaitedOn) {
  PcsServer server(serving(kSgxCollateral));
  const CollateralKey key = key_of(kSgxQuote);
  const attest::UnixTime t = at(kSgxTime);
  std::string problem;
  ASSERT_NO_FATAL_FAILURE(fetch_once(server, key, t));
  const fs::path outside = cache_.file("outside.json");
  fs::rename(cache_path(kTcbFile), outside);
  const std::string genuine = file_text(outside);
  fs::create_symlink(outside, cache_path(kTcbFile));
  ASSERT_NO_FATAL_FAILURE(fetch_once(server, key, t));
  EXPECT_TRUE(
      contains(warnings(), "ignoring collateral cache file " + cache_path(kTcbFile).string() +
                               " (a symbolic link, not followed); it will be fetched again"))
      << warnings();
  EXPECT_EQ(server.requests("/sgx/certification/v4/tcb"), 2);
  EXPECT_FALSE(fs::is_symlink(cache_path(kTcbFile)));
  EXPECT_EQ(file_text(outside), genuine);

  fs::remove(cache_path(kTcbFile));
  ASSERT_EQ(::mkfifo(cache_path(kTcbFile).c_str(), 0600), 0);
  {
    CollateralFetcher fetcher(options(server));
    auto got = std::async(std::launch::async, [&] { return fetcher.get_for(key, t, problem); });
    if (got.wait_for(5s) != std::future_status::ready) {
      ADD_FAILURE() << "reading the cache waits on the FIFO";
      const int fd = ::open(cache_path(kTcbFile).c_str(), O_WRONLY | O_NONBLOCK);  // releases it
      if (fd >= 0) ::close(fd);
    }
    EXPECT_TRUE(got.get()) << problem;
  }
  EXPECT_TRUE(contains(warnings(), "ignoring collateral cache file " +
                                       cache_path(kTcbFile).string() + " (not a regular file)"))
      << warnings();
  EXPECT_EQ(server.requests("/sgx/certification/v4/tcb"), 3);
  EXPECT_TRUE(fs::is_regular_file(cache_path(kTcbFile)));
}

struct FailureCase {
  const char* mode;
  const char* expected;
  std::size_t cached;  // items that are sound despite the mode, and get cached
};

class FetcherFailure : public Fetcher, public ::testing::WithParamInterface<FailureCase> {};

TEST_P(FetcherFailure, RejectedWithAClearErrorAndNothingCached) {
  PcsServer server(serving(kSgxCollateral));
  server.set_mode(GetParam().mode);
  auto o = options(server);
  o.https.read_timeout = 1s;
  CollateralFetcher fetcher(std::move(o));
  std::string problem;
  const auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(fetcher.get_for(key_of(kSgxQuote), at(kSgxTime), problem));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
  EXPECT_TRUE(contains(problem, "SGX TCB info for FMSPC 00A067110000: fetching " +
                                    server.base_url() +
                                    "/sgx/certification/v4/tcb?fmspc=00A067110000 failed: "))
      << problem;
  EXPECT_TRUE(contains(problem, GetParam().expected)) << problem;
  EXPECT_FALSE(fs::exists(cache_path(kTcbFile)));
  EXPECT_EQ(cached_files(), GetParam().cached);
}

INSTANTIATE_TEST_SUITE_P(
    Modes, FetcherFailure,
    ::testing::Values(
        FailureCase{"500", "HTTP 500 (Request-ID fixture-", 0},
        FailureCase{"garbage", "not a TCB info response", 0},
        FailureCase{"badsig", "TCB info signature does not verify with the TCB signing key", 3},
        FailureCase{"hang", "within 1000 ms", 0},
        // The root CA CRL has no issuer chain header.
        FailureCase{"nochain", "the response has no TCB-Info-Issuer-Chain header", 1}),
    [](const auto& p) { return std::string(p.param.mode); });

TEST_F(Fetcher, ServerCertificateMustBeTrustedAndMatchTheHost) {
  PcsServer server(serving(kSgxCollateral));
  auto o = options(server);
  o.https.ca_file = write_unrelated_ca(cache_);
  CollateralFetcher untrusted(std::move(o));
  std::string problem;
  EXPECT_FALSE(untrusted.get_for(key_of(kSgxQuote), at(kSgxTime), problem));
  EXPECT_TRUE(contains(problem, "is not trusted")) << problem;
  EXPECT_EQ(server.requests(), 0);

  PcsServerOptions named = serving(kSgxCollateral);
  named.san = "DNS:pcs.example";
  PcsServer misnamed(named);
  CollateralFetcher mismatch(options(misnamed));
  problem.clear();
  EXPECT_FALSE(mismatch.get_for(key_of(kSgxQuote), at(kSgxTime), problem));
  EXPECT_TRUE(contains(problem, "IP address mismatch")) << problem;
  EXPECT_EQ(misnamed.requests(), 0);
}

TEST_F(Fetcher, NeverWaitsLongerThanItsBoundAndStopsWithFetchesInFlight) {
  PcsServer server(serving(kSgxCollateral));
  server.set_mode("hang");
  auto o = options(server);
  o.https.read_timeout = 30s;
  o.wait_timeout = 300ms;
  std::string problem;
  const auto started = std::chrono::steady_clock::now();
  {
    CollateralFetcher fetcher(std::move(o));
    EXPECT_FALSE(fetcher.get_for(key_of(kSgxQuote), at(kSgxTime), problem));
    EXPECT_FALSE(fetcher.wait_idle(10ms));  // the requests are still waiting for an answer
  }                                         // destroyed with them in flight
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  EXPECT_TRUE(contains(problem, "SGX TCB info for FMSPC 00A067110000: no answer from " +
                                    server.base_url() +
                                    "/sgx/certification/v4/tcb?fmspc=00A067110000 within 300 ms"))
      << problem;
  EXPECT_EQ(cached_files(), 0u);
}

TEST_F(Fetcher, FailuresBackOff) {
  PcsServer server(serving(kSgxCollateral));
  server.set_mode("500");
  const CollateralKey key = key_of(kSgxQuote);
  const attest::UnixTime t = at(kSgxEarly);
  CollateralFetcher fetcher(options(server));  // 30 s, doubling
  std::string problem;
  EXPECT_FALSE(fetcher.get_for(key, t, problem));
  EXPECT_EQ(server.requests(), 4);
  problem.clear();
  EXPECT_FALSE(fetcher.get_for(key, t + 10, problem));
  EXPECT_EQ(server.requests(), 4);
  EXPECT_TRUE(contains(problem, "next attempt after 2025-07-01T00:00:30Z")) << problem;
  server.set_mode("");
  ASSERT_TRUE(fetcher.get_for(key, t + 31, problem)) << problem;
  EXPECT_EQ(server.requests(), 8);
}

TEST_F(Fetcher, ConcurrentFirstRequestsShareOneFetch) {
  PcsServer server(serving(kSgxCollateral));
  server.set_mode("slow");
  CollateralFetcher fetcher(options(server));
  const CollateralKey key = key_of(kSgxQuote);
  std::vector<std::shared_ptr<const attest::ParsedCollateral>> got(8);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < got.size(); ++i) {
    threads.emplace_back([&, i] {
      std::string problem;
      got[i] = fetcher.get_for(key, at(kSgxTime), problem);
    });
  }
  for (auto& th : threads) th.join();
  for (const auto& c : got) {
    ASSERT_TRUE(c);
    EXPECT_EQ(c, got.front());
  }
  EXPECT_EQ(server.requests("/sgx/certification/v4/tcb"), 1);
  EXPECT_EQ(server.requests(), 4);
}

TEST_F(Fetcher, OfflineWithoutCacheFailsClearly) {
  CollateralFetcherOptions o;
  o.offline = true;
  o.cache_dir = cache_.file("empty");
  CollateralFetcher fetcher(std::move(o));
  std::string problem;
  EXPECT_FALSE(fetcher.get_for(key_of(kSgxQuote), at(kSgxTime), problem));
  EXPECT_TRUE(contains(
      problem, "SGX TCB info for FMSPC 00A067110000: not in the collateral cache (" +
                   cache_.file("empty") + "/" + kTcbFile + "); offline mode forbids fetching it"))
      << problem;
  EXPECT_EQ(fetcher.fetches_started(), 0u);
  // Without a key there is nothing to look up.
  problem.clear();
  EXPECT_FALSE(fetcher.get(at(kSgxTime), problem));
  EXPECT_FALSE(problem.empty());
}

TEST(FetcherOptions, RejectsAnythingButAnHttpsBase) {
  for (const char* url : {"http://pccs.example", "pccs.example", "https://", "https://x/?a=b"}) {
    CollateralFetcherOptions o;
    o.base_url = url;
    EXPECT_THROW(CollateralFetcher{std::move(o)}, std::runtime_error) << url;
  }
  CollateralFetcherOptions o;
  o.base_url = "https://pccs.example:8081/sgx/certification/v4/";
  CollateralFetcher f(std::move(o));
  EXPECT_EQ(f.base_url(), "https://pccs.example:8081");
}

// The gateway's verifier asks the source for the collateral of the certificate's own quote.
class RecordingSource : public proxy::CollateralSource {
 public:
  std::shared_ptr<const attest::ParsedCollateral> get(attest::UnixTime,
                                                      std::string& problem) override {
    problem = "get() without a key";
    return nullptr;
  }
  std::shared_ptr<const attest::ParsedCollateral> get_for(const CollateralKey& key,
                                                          attest::UnixTime,
                                                          std::string& problem) override {
    keys.push_back(key.text());
    problem = "recorded";
    return nullptr;
  }
  std::vector<std::string> keys;
};

TEST(UpstreamVerifierCollateral, AsksForTheKeyOfTheCertificatesQuote) {
  TempDir dir;
  proxy::PinStore pins(dir.file("pins.json"));
  pins.load();
  auto source = std::make_shared<RecordingSource>();
  proxy::UpstreamVerifier verifier(nullptr, false, source, pins);
  proxy::AppConfig app;
  app.name = "app";
  const auto cert = read_bytes(real_path("cosmian/msehome_2023-05_ratls_cert.pem"));
  const auto der = attest::cert_der(
      attest::parse_leaf_certificate(cert, attest::Status::STATUS_UNSUPPORTED_CERT_FORMAT).get());
  const auto d = verifier.verify(app, der, at("2023-06-10T00:00:00Z"));
  EXPECT_FALSE(d.accepted);
  EXPECT_EQ(source->keys, std::vector<std::string>{"sgx 30606a000000 platform"});
  ASSERT_FALSE(d.errors.empty());
  EXPECT_EQ(d.errors.front().message, "recorded");
}

}  // namespace
}  // namespace ratls::test
