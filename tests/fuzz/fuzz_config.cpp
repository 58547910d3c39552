// libFuzzer target: the gateway's configuration parser (proxy/config.cpp) on arbitrary text. It
// must answer with ConfigError and nothing else. Paths resolve inside an empty directory, so
// relative file references find nothing.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "proxy/config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ratls::proxy::ConfigEnvironment env;
  env.home = "/nonexistent-ratls-fuzz-home";
  env.base_dir = "/nonexistent-ratls-fuzz-config";
  try {
    (void)ratls::proxy::parse_config(std::string_view(reinterpret_cast<const char*>(data), size),
                                     env);
  } catch (const ratls::proxy::ConfigError&) {
  }
  return 0;
}
