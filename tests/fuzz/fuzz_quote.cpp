// libFuzzer target: quote parsing, raw and through the hex/raw file decoder. Only AttestError may
// escape the parsers; anything else (another exception, a crash, a sanitizer report) is a bug.
#include <cstddef>
#include <cstdint>

#include "attest/quote.h"

namespace {

void parse(ratls::attest::ByteView data) {
  try {
    const ratls::attest::Quote q = ratls::attest::parse_quote(data);
    // Touch what the verifier reads next: sizes must be consistent with the input.
    if (q.signed_size > q.bytes.size() || q.bytes.size() != data.size()) __builtin_trap();
    (void)q.report_data();
  } catch (const ratls::attest::AttestError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ratls::attest::ByteView input(data, size);
  parse(input);
  try {
    const ratls::attest::Bytes decoded = ratls::attest::decode_quote_file(input);
    if (decoded.size() > size) __builtin_trap();  // hex never grows
    parse(decoded);
  } catch (const ratls::attest::AttestError&) {
  }
  return 0;
}
