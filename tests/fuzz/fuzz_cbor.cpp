// libFuzzer target: the CBOR reader (attest/cbor.cpp) that walks the TCG DICE evidence of Gramine
// RA-TLS certificates. Besides not crashing: no read moves past the input, and skip() ends an item
// exactly where a walk through head()/bytes()/text() ends it, or both refuse it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "attest/cbor.h"

namespace {

using ratls::attest::CborReader;

// One item read through the typed accessors; false when malformed. Nesting bounded like skip().
bool walk(CborReader& r, int depth) {
  if (depth == 0) return false;
  CborReader peek = r;
  const auto h = peek.head();
  if (!h) return false;
  switch (h->major) {
    case CborReader::Major::kBytes:
      return r.bytes().has_value();
    case CborReader::Major::kText:
      return r.text().has_value();
    case CborReader::Major::kArray:
      r.head();
      for (std::uint64_t i = 0; i < h->value; ++i) {
        if (!walk(r, depth - 1)) return false;
      }
      return true;
    case CborReader::Major::kMap:
      r.head();
      for (std::uint64_t i = 0; i < h->value; ++i) {
        if (!walk(r, depth - 1) || !walk(r, depth - 1)) return false;
      }
      return true;
    case CborReader::Major::kTag:
      r.head();
      return walk(r, depth - 1);
    default:
      r.head();
      return true;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ratls::attest::ByteView input(data, size);
  CborReader skipper(input);
  while (!skipper.at_end()) {
    const std::size_t before = skipper.position();
    if (!skipper.skip()) break;
    if (skipper.position() <= before || skipper.position() > size) std::abort();
  }
  CborReader skipped(input);
  CborReader walked(input);
  const bool skip_ok = skipped.skip(16);
  const bool walk_ok = walk(walked, 16);
  if (walked.position() > size) std::abort();
  // A UTF-8 check or other typed rule may refuse what skip() accepts, never the other way round.
  if (walk_ok && (!skip_ok || skipped.position() != walked.position())) std::abort();
  return 0;
}
