// What a reload cannot change while the gateway runs: the settings read once at start. A reload
// applies the rest and names these, so the user knows a restart is needed.
#pragma once

#include <string>
#include <vector>

#include "proxy/config/config.h"

namespace ratls::proxy {

// One warning per setting that differs between `running` and `next` and only applies at start
// ("listen addresses changed: restart the gateway to apply them", ...). Under socket activation
// the sockets come from systemd whatever `listen` says, so listen changes are not reported.
std::vector<std::string> changes_needing_restart(const Config& running, const Config& next,
                                                 bool socket_activated);

}  // namespace ratls::proxy
