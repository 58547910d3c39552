// libFuzzer target: the PCK certificate SGX extension value (DER) and the DER reader under it.
// Only AttestError may escape; anything else is a bug.
#include <cstddef>
#include <cstdint>

#include "attest/der.h"
#include "attest/pck_extension.h"

namespace {

// Walks every element, descending into constructed ones, as the extension parser does.
void walk(ratls::attest::ByteView data, int depth) {
  ratls::attest::DerReader r(data);
  while (!r.empty()) {
    auto e = r.next();
    if (!e) return;
    if (e->whole.size() < e->content.size() + 2) __builtin_trap();
    if (e->tag == ratls::attest::der_tag::kInteger) (void)ratls::attest::der_unsigned(e->content);
    if ((e->tag & 0x20) != 0 && depth < 8) walk(e->content, depth + 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ratls::attest::ByteView input(data, size);
  walk(input, 0);
  try {
    const ratls::attest::PckExtension ext = ratls::attest::parse_pck_extension_value(input);
    if (ext.sgx_type < 0 || ext.sgx_type > 2) __builtin_trap();
  } catch (const ratls::attest::AttestError&) {
  }
  return 0;
}
