#include "proxy/status/metrics.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <tuple>

namespace ratls::proxy {

namespace {

// Label values: backslash, double quote and newline escaped (exposition format).
std::string label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

}  // namespace

void Metrics::request(const std::string& app, unsigned status) {
  // Threads take shards in turn, so up to kShards event loops never share one.
  static std::atomic<std::size_t> next_shard{0};
  thread_local const std::size_t shard = next_shard.fetch_add(1) % kShards;
  RequestShard& s = request_shards_[shard];
  std::lock_guard lock(s.mutex);
  auto it = s.counts.find(app);
  if (it == s.counts.end()) it = s.counts.emplace(app, std::array<unsigned long long, 10>{}).first;
  ++it->second[std::min<unsigned>(status / 100, 9)];
}

void Metrics::upstream_connection_opened(const std::string& app) {
  std::lock_guard lock(mutex_);
  ++upstream_connections_[app];
}

void Metrics::verification(const std::string& app, bool accepted, const std::string& reason,
                           double seconds) {
  std::lock_guard lock(mutex_);
  ++verifications_[{app, accepted ? "accepted" : "refused", accepted ? "" : reason}];
  Histogram& h = latency_[app];
  for (std::size_t i = 0; i < kLatencyBuckets.size(); ++i) {
    if (seconds <= kLatencyBuckets[i]) ++h.buckets[i];
  }
  ++h.count;
  h.sum += seconds;
}

void Metrics::collateral_expiry(const std::string& app, long long unix_seconds) {
  std::lock_guard lock(mutex_);
  collateral_expiry_[app] = unix_seconds;
}

void Metrics::connection_opened() {
  std::lock_guard lock(mutex_);
  ++active_connections_;
}

void Metrics::connection_closed() {
  std::lock_guard lock(mutex_);
  --active_connections_;
}

std::string Metrics::render(long long now) const {
  std::map<std::pair<std::string, std::string>, unsigned long long> requests;  // (app, "2xx")
  for (auto& shard : request_shards_) {
    std::lock_guard lock(shard.mutex);
    for (const auto& [app, per_class] : shard.counts) {
      for (std::size_t c = 0; c < per_class.size(); ++c) {
        if (per_class[c] != 0) requests[{app, std::to_string(c) + "xx"}] += per_class[c];
      }
    }
  }
  std::lock_guard lock(mutex_);
  std::string o;
  o += "# HELP ratls_gateway_requests_total Client requests answered, by app and status class.\n";
  o += "# TYPE ratls_gateway_requests_total counter\n";
  for (const auto& [key, n] : requests) {
    o += "ratls_gateway_requests_total{app=\"" + label(key.first) + "\",class=\"" + key.second +
         "\"} " + std::to_string(n) + "\n";
  }
  o += "# HELP ratls_gateway_upstream_connections_opened_total New upstream TLS connections.\n";
  o += "# TYPE ratls_gateway_upstream_connections_opened_total counter\n";
  for (const auto& [app, n] : upstream_connections_) {
    o += "ratls_gateway_upstream_connections_opened_total{app=\"" + label(app) + "\"} " +
         std::to_string(n) + "\n";
  }
  o += "# HELP ratls_gateway_verifications_total Upstream verifications, by result and reason.\n";
  o += "# TYPE ratls_gateway_verifications_total counter\n";
  for (const auto& [key, n] : verifications_) {
    const auto& [app, result, reason] = key;
    o += "ratls_gateway_verifications_total{app=\"" + label(app) + "\",result=\"" + result +
         "\",reason=\"" + label(reason) + "\"} " + std::to_string(n) + "\n";
  }
  o += "# HELP ratls_gateway_verification_seconds Time to verify a new upstream certificate.\n";
  o += "# TYPE ratls_gateway_verification_seconds histogram\n";
  for (const auto& [app, h] : latency_) {
    const std::string a = label(app);
    for (std::size_t i = 0; i < kLatencyBuckets.size(); ++i) {
      o += "ratls_gateway_verification_seconds_bucket{app=\"" + a + "\",le=\"" +
           number(kLatencyBuckets[i]) + "\"} " + std::to_string(h.buckets[i]) + "\n";
    }
    o += "ratls_gateway_verification_seconds_bucket{app=\"" + a + "\",le=\"+Inf\"} " +
         std::to_string(h.count) + "\n";
    o += "ratls_gateway_verification_seconds_sum{app=\"" + a + "\"} " + number(h.sum) + "\n";
    o += "ratls_gateway_verification_seconds_count{app=\"" + a + "\"} " + std::to_string(h.count) +
         "\n";
  }
  o += "# HELP ratls_gateway_collateral_expiry_seconds Seconds until the collateral last used for "
       "an app expires.\n";
  o += "# TYPE ratls_gateway_collateral_expiry_seconds gauge\n";
  for (const auto& [app, t] : collateral_expiry_) {
    o += "ratls_gateway_collateral_expiry_seconds{app=\"" + label(app) + "\"} " +
         std::to_string(t - now) + "\n";
  }
  o += "# HELP ratls_gateway_active_connections Client connections open now.\n";
  o += "# TYPE ratls_gateway_active_connections gauge\n";
  o += "ratls_gateway_active_connections " + std::to_string(active_connections_) + "\n";
  return o;
}

}  // namespace ratls::proxy
