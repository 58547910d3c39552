// libFuzzer target: the https:// URL parser (proxy/https_url.cpp), fed by configuration files, the
// verify command line and PCS requests. Besides not crashing, whatever it accepts must come back
// unchanged when written out and parsed again (the gateway writes authority() into Host and SNI).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "proxy/common/https_url.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto url = ratls::proxy::parse_https_url(text);
  if (!url) return 0;
  const auto again = ratls::proxy::parse_https_url("https://" + url->authority() + url->rest);
  if (!again || again->host != url->host || again->port != url->port || again->rest != url->rest) {
    std::abort();
  }
  for (char c : url->host) {
    if (c >= 'A' && c <= 'Z') std::abort();  // hosts are compared as written: always lowercase
  }
  return 0;
}
