#include "proxy/server/reload.h"

#include "proxy/common/log.h"
#include "proxy/server/reload_limits.h"
#include "proxy/server/service_notify.h"

namespace ratls::proxy {

void reload_configuration(const std::function<GatewayOptions()>& read, const ReloadTargets& t) {
  if (!read) {
    log(LogLevel::kWarning, "SIGHUP ignored: this gateway has no configuration file to re-read");
    return;
  }
  notify_reloading();
  try {
    GatewayOptions next = read();
    const std::shared_ptr<const Config> config = t.snapshots.current().config;
    for (const std::string& warning :
         changes_needing_restart(*config, next.config, t.socket_activated)) {
      log(LogLevel::kWarning, warning);
    }
    auto next_verifier = std::make_shared<UpstreamVerifier>(
        std::move(next.root), next.simulated_root, next.collateral, t.pins);
    t.state.configure(next.config, next.simulated_root);
    const ConfigSnapshot installed =
        t.snapshots.replace(std::move(next.config), std::move(next_verifier));
    // Connections verified under the old configuration are never reused: take_pooled and
    // give_back check the generation. Idle ones of apps the new configuration dropped would
    // never be taken again, so they are closed here.
    t.loops.post_to_all([kept = installed.names](EventLoop& w) { w.pool.keep_only(*kept); });
    t.cooldown.clear();
    t.loops.share_upstream_limit(installed.config->upstream_connections_per_app);
    t.state.record_reload("");
    log(LogLevel::kInfo,
        "configuration reloaded: " + std::to_string(installed.config->apps.size()) + " app(s)");
    if (installed.config->apps.empty()) log(LogLevel::kInfo, std::string(kNoAppsHint));
  } catch (const std::exception& e) {
    t.state.record_reload(e.what());
    log(LogLevel::kError,
        std::string("reload failed, the previous configuration stays in force: ") + e.what());
  }
  notify_ready(serving_summary(t.snapshots, t.state));
}

std::string serving_summary(const ConfigSnapshots& snapshots, const GatewayState& state) {
  std::size_t verified = 0;
  for (const auto& a : state.snapshot()) verified += a.state == "verified" ? 1 : 0;
  return "serving " + std::to_string(snapshots.current().config->apps.size()) + " app(s), " +
         std::to_string(verified) + " verified";
}

}  // namespace ratls::proxy
