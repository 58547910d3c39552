#include "proxy/common/clock.h"

#include <chrono>

namespace ratls::proxy {

attest::UnixTime now_utc() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace ratls::proxy
