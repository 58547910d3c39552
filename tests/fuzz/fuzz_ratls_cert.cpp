// libFuzzer target: RA-TLS certificates (PEM or DER): the quote extensions, the TCG DICE tagged
// evidence in CBOR, the key binding. The CBOR reader is also driven directly over the input, since
// a certificate wrapper rarely survives mutation. Only AttestError may escape.
#include <cstddef>
#include <cstdint>

#include "attest/cbor.h"
#include "attest/ratls_cert.h"

namespace {

using namespace ratls::attest;

// Reads items until the end or the first error, as the DICE parsers do.
void walk_cbor(ByteView data) {
  CborReader r(data);
  for (int i = 0; i < 64 && !r.at_end(); ++i) {
    const std::size_t before = r.position();
    if (!r.skip()) break;
    if (r.position() <= before || r.position() > data.size()) __builtin_trap();
  }
  // Typed reads, as the DICE evidence and claims parsers make them: a failed read must not move.
  CborReader typed(data);
  auto inside = [&](const void* p, std::size_t n) {
    const auto* b = static_cast<const std::uint8_t*>(p);
    return b >= data.data() && b + n <= data.data() + data.size();
  };
  while (!typed.at_end()) {
    const std::size_t before = typed.position();
    if (auto b = typed.bytes()) {
      if (!inside(b->data(), b->size())) __builtin_trap();
      continue;
    }
    if (typed.position() != before) __builtin_trap();
    if (auto t = typed.text()) {
      if (!inside(t->data(), t->size())) __builtin_trap();
      continue;
    }
    if (typed.position() != before) __builtin_trap();
    if (typed.unsigned_int()) continue;
    if (typed.position() != before) __builtin_trap();
    if (!typed.head()) break;  // arrays, maps, tags: step into them
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView input(data, size);
  walk_cbor(input);
  try {
    const RatlsCertificate c = parse_ratls_certificate(input);
    if (!c.cert) __builtin_trap();
    if (c.binding_ok && !c.binding_problem.empty()) __builtin_trap();
    (void)ratls_format_name(c.format);
  } catch (const AttestError&) {
  }
  return 0;
}
