// What a reload cannot apply without a restart: each setting named on its own, nothing else.
#include "proxy/server/reload_limits.h"

#include <gtest/gtest.h>

namespace ratls::proxy {
namespace {

Config base() {
  Config c;
  c.listen = {ListenAddress{}};
  c.listen[0].text = "127.0.0.1:7443";
  c.state_dir = "/state";
  return c;
}

TEST(ReloadLimits, EachStartOnlySettingIsNamedAlone) {
  const Config running = base();
  EXPECT_TRUE(changes_needing_restart(running, base(), false).empty());

  Config next = base();
  next.listen[0].text = "127.0.0.1:8443";
  EXPECT_EQ(
      changes_needing_restart(running, next, false),
      std::vector<std::string>{"listen addresses changed: restart the gateway to apply them"});
  EXPECT_TRUE(changes_needing_restart(running, next, true).empty());  // systemd owns the sockets

  next = base();
  next.state_dir = "/elsewhere";
  EXPECT_EQ(changes_needing_restart(running, next, false),
            std::vector<std::string>{"state_dir changed: restart the gateway to apply it"});

  next = base();
  next.tunnel_idle_timeout = 5;
  EXPECT_EQ(changes_needing_restart(running, next, false).size(), 1u);
  next = base();
  next.connect_timeout = 3;
  EXPECT_EQ(changes_needing_restart(running, next, false),
            std::vector<std::string>{"http timeouts changed: restart the gateway to apply them"});

  // What a reload does apply is not reported.
  next = base();
  next.max_header_fields = 10;
  next.upstream_connections_per_app = 3;
  next.apps.push_back(AppConfig{});
  EXPECT_TRUE(changes_needing_restart(running, next, false).empty());
}

}  // namespace
}  // namespace ratls::proxy
