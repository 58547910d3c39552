// Gives memory freed by closed connections back to the system. Allocators keep freed memory for
// reuse, so after a burst of connections the daemon's RSS would stay at the burst's peak; a
// workstation daemon should shrink back once the burst is over. The daemon runs on jemalloc
// (RATLS_JEMALLOC, docs/benchmarks.md): it keeps each size class in pages of its own, so the few
// objects that outlive a burst do not pin the pages its connections used, as they do in glibc's
// heap. Sanitizer builds keep their own allocator and trim glibc's heap instead.
#pragma once

#include <atomic>
#include <cstdint>

namespace ratls::proxy {

class MemoryRelease {
 public:
  // Called when a client connection closes (any thread).
  void connection_closed() { closed_.fetch_add(1, std::memory_order_relaxed); }
  // Called periodically (one thread): releases free memory when connections closed since the
  // last call. Returns whether it did.
  bool release_if_connections_closed();

 private:
  std::atomic<std::uint64_t> closed_{0};
  std::uint64_t seen_ = 0;
};

}  // namespace ratls::proxy
