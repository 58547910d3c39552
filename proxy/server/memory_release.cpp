#include "proxy/server/memory_release.h"

#include <malloc.h>

namespace ratls::proxy {

bool MemoryRelease::release_if_connections_closed() {
  const std::uint64_t closed = closed_.load(std::memory_order_relaxed);
  if (closed == seen_) return false;
  seen_ = closed;
  // Returns the free pages of every arena, not only the top of the heap.
  ::malloc_trim(0);
  return true;
}

}  // namespace ratls::proxy
