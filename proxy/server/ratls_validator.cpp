#include "proxy/server/ratls_validator.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "proxy/common/log.h"

namespace ratls::proxy {

namespace {

// Parameters by value: they must outlive the caller's frame. (Not a lambda: GCC 12 destroys a
// coroutine lambda's captures twice.)
asio::awaitable<UpstreamDecision> verify_in_pool(std::shared_ptr<UpstreamVerifier> v, AppConfig app,
                                                 attest::Bytes der, attest::UnixTime now) {
  co_return v->verify(app, der, now);
}

}  // namespace

RatlsValidator::RatlsValidator(Metrics& metrics, GatewayState& state)
    : verify_pool_(std::clamp<std::size_t>(std::thread::hardware_concurrency(), 2, 4)),
      metrics_(metrics),
      state_(state) {
  configure_upstream_context(context_);
  context_.set_verify_mode(ssl::verify_none);
}

void RatlsValidator::prepare(UpstreamStream& stream, const AppConfig& app) {
  (void)stream;
  (void)app;
}

std::string RatlsValidator::handshake_error(UpstreamStream& stream, const AppConfig& app,
                                            const boost::system::error_code& ec) {
  (void)stream;
  return "TLS handshake with " + app.upstream + " failed: " + ec.message();
}

asio::awaitable<Validation> RatlsValidator::validate(const AppConfig& app, attest::Bytes der,
                                                     attest::UnixTime now,
                                                     std::shared_ptr<UpstreamVerifier> verifier) {
  const auto started = std::chrono::steady_clock::now();
  UpstreamDecision d = co_await asio::co_spawn(
      verify_pool_, verify_in_pool(std::move(verifier), app, std::move(der), now),
      asio::use_awaitable);
  metrics_.verification(
      app.name, d.accepted,
      d.errors.empty() ? std::string() : std::string(attest::status_name(d.errors.front().status)),
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  if (d.observed && d.observed->collateral_expiry) {
    metrics_.collateral_expiry(app.name, d.observed->collateral_expiry);
  }
  state_.record_decision(app.name, d, now);
  Validation v;
  if (!d.accepted) {
    log(LogLevel::kWarning, "app " + app.name + ": upstream refused: " + describe_errors(d.errors));
    v.refusal = std::move(d);
    co_return v;
  }
  if (d.pin_changed) {
    log(LogLevel::kInfo, "app " + app.name + ": " + (d.previous_pin ? "pin updated" : "pinned") +
                             ": certificate " + d.observed->cert_sha256 + ", MRENCLAVE " +
                             d.observed->mrenclave + ", MRSIGNER " + d.observed->mrsigner +
                             ", TCB " + d.observed->tcb_status +
                             (d.simulated ? " (SIMULATED)" : ""));
  } else {
    log(LogLevel::kDebug,
        "app " + app.name + ": upstream verified" + (d.from_cache ? " (cached result)" : ""));
  }
  v.cert_sha256 = d.observed->cert_sha256;
  co_return v;
}

}  // namespace ratls::proxy
