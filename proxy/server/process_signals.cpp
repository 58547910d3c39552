#include "proxy/server/process_signals.h"

#include <csignal>
#include <string>

#include "proxy/common/log.h"

namespace ratls::proxy {

void ProcessSignals::start() {
  stop_signals_.emplace(io_, SIGINT, SIGTERM);
  stop_signals_->async_wait([this](boost::system::error_code ec, int signal) {
    if (ec || stopped_) return;
    log(LogLevel::kInfo, std::string("received ") + (signal == SIGINT ? "SIGINT" : "SIGTERM"));
    on_stop_();
  });
  reload_signals_.emplace(io_, SIGHUP);
  wait_for_reload();
}

void ProcessSignals::stop() {
  stopped_ = true;
  if (stop_signals_) stop_signals_->cancel();
  if (reload_signals_) reload_signals_->cancel();
}

void ProcessSignals::wait_for_reload() {
  reload_signals_->async_wait([this](boost::system::error_code ec, int) {
    if (ec || stopped_) return;
    log(LogLevel::kInfo, "received SIGHUP");
    on_reload_();
    wait_for_reload();
  });
}

}  // namespace ratls::proxy
