// Counters and gauges for /metrics (Prometheus text exposition format 0.0.4). Thread-safe; the
// server updates them, the handler renders them.
#pragma once

#include <array>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

namespace ratls::proxy {

class Metrics {
 public:
  void request(const std::string& app, unsigned status);  // app "" = the gateway's own pages
  void upstream_connection_opened(const std::string& app);
  void verification(const std::string& app, bool accepted, const std::string& reason,
                    double seconds);
  void collateral_expiry(const std::string& app, long long unix_seconds);
  void connection_opened();
  void connection_closed();

  // The exposition text; `now` gives "seconds until collateral expiry".
  std::string render(long long now) const;

  // Upper bounds (seconds) of the verification latency histogram buckets.
  static constexpr std::array<double, 9> kLatencyBuckets = {0.0005, 0.001, 0.002, 0.005, 0.01,
                                                            0.025,  0.05,  0.1,   0.5};

 private:
  struct Histogram {
    std::array<unsigned long long, kLatencyBuckets.size()> buckets{};
    unsigned long long count = 0;
    double sum = 0;
  };
  // Requests are counted on every request by every event loop: each thread counts in its own
  // shard (its own lock and cache line, never waited on by another loop) and render() adds them up.
  static constexpr std::size_t kShards = 8;
  struct alignas(64) RequestShard {
    mutable std::mutex mutex;
    // app -> count per status class (index: status / 100, 0-9)
    std::map<std::string, std::array<unsigned long long, 10>, std::less<>> counts;
  };
  std::array<RequestShard, kShards> request_shards_;
  mutable std::mutex mutex_;
  std::map<std::string, unsigned long long> upstream_connections_;
  std::map<std::tuple<std::string, std::string, std::string>, unsigned long long> verifications_;
  std::map<std::string, Histogram> latency_;
  std::map<std::string, long long> collateral_expiry_;
  long long active_connections_ = 0;
};

}  // namespace ratls::proxy
