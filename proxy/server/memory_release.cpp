#include "proxy/server/memory_release.h"

#ifdef RATLS_WITH_JEMALLOC
#include <jemalloc/jemalloc.h>

#include <string>
#else
#include <malloc.h>
#endif

namespace ratls::proxy {

#ifdef RATLS_WITH_JEMALLOC
// Read by jemalloc at its first allocation (MALLOC_CONF in the environment still overrides it).
// One arena for all threads and small per-thread caches: after 9,500 idle connections close,
// RSS comes back to 1.47x where it started, against 1.55x with jemalloc's defaults (8 arenas on
// two cores, 200-object caches). docs/benchmarks.md has the measurements.
extern "C" {
// NOLINTNEXTLINE: the name and type are jemalloc's interface.
const char* malloc_conf = "narenas:1,tcache_nslots_small_max:32";
}

namespace {
// jemalloc's "purge every arena" control, named by the arena index that means all of them.
const std::string& purge_all_arenas() {
  static const std::string name = "arena." + std::to_string(MALLCTL_ARENAS_ALL) + ".purge";
  return name;
}
}  // namespace
#endif

bool MemoryRelease::release_if_connections_closed() {
  const std::uint64_t closed = closed_.load(std::memory_order_relaxed);
  if (closed == seen_) return false;
  seen_ = closed;
#ifdef RATLS_WITH_JEMALLOC
  // Unused dirty pages of every arena go back now rather than after jemalloc's decay time, which
  // only advances while the arena is allocating (an idle daemon would keep them).
  mallctl(purge_all_arenas().c_str(), nullptr, nullptr, nullptr, 0);
#else
  // Returns the free pages of every arena, not only the top of the heap.
  ::malloc_trim(0);
#endif
  return true;
}

}  // namespace ratls::proxy
