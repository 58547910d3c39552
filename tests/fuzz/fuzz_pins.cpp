// libFuzzer target: the pins file parser (proxy/pin_store.cpp). A damaged pins.json must be
// reported (std::runtime_error), never crash the daemon or the pins command.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string_view>

#include "proxy/pinning/pin_store.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    (void)ratls::proxy::parse_pins_file(
        std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const std::runtime_error&) {
  }
  return 0;
}
