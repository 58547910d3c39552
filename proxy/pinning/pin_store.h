// Pins (design.md "Pinning"): per app, what was last verified and accepted, stored as JSON in
// <state_dir>/pins.json and written atomically (temporary file, fsync, rename). Also records, per
// app, the last refused candidate so `ratls-gateway pins accept APP` can promote it (like SSH
// known_hosts). Thread-safe; the file may be edited by the CLI while the daemon runs, so readers
// call reload_if_changed() before deciding.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "attest/time.h"

namespace ratls::proxy {

struct Pin {
  std::string cert_sha256;  // lowercase hex
  std::string spki_sha256;
  std::string mrenclave;
  std::string mrsigner;
  int isv_prod_id = 0;
  int isv_svn = 0;
  std::string tcb_status;  // "UpToDate", ...
  std::vector<std::string> advisory_ids;
  attest::UnixTime collateral_expiry = 0;  // evidence freshness: the pin is not used after it
  attest::UnixTime verified_at = 0;
  bool simulated = false;
  friend bool operator==(const Pin&, const Pin&) = default;
};

struct PinEntry {
  std::string app;
  std::optional<Pin> pin;      // accepted
  std::optional<Pin> pending;  // last refused candidate (measurement change without policy)
  std::string pending_reason;
  friend bool operator==(const PinEntry&, const PinEntry&) = default;
};

// Why the store could not read or write its file. what() is the whole one-line message ("PATH: not
// a valid pins file: ...", "cannot read PATH: ..."); path() and problem() let the verifier word its
// 502 page without naming the file twice.
class PinStoreError : public std::runtime_error {
 public:
  enum class Operation { kRead, kWrite };
  PinStoreError(Operation operation, std::string path, std::string problem,
                const std::string& message)
      : std::runtime_error(message),
        operation_(operation),
        path_(std::move(path)),
        problem_(std::move(problem)) {}
  Operation operation() const { return operation_; }
  const std::string& path() const { return path_; }
  const std::string& problem() const { return problem_; }  // without the file's name

 private:
  Operation operation_;
  std::string path_;
  std::string problem_;
};

// The content of a pins file, entries sorted by app. Throws std::runtime_error saying what is wrong
// (the store adds the file's name). For the store and for fuzzing.
std::vector<PinEntry> parse_pins_file(std::string_view text);

class PinStore {
 public:
  explicit PinStore(std::string path);  // does not touch the file

  // Reads the file (a missing file is an empty store). Throws PinStoreError naming the file and
  // the problem when it exists but cannot be read or is not a valid pins file; the store is then
  // unchanged.
  void load();
  // Re-reads the file when its modification time or size changed since the last load/save.
  // Returns true when it re-read. A broken file is reported by PinStoreError and the old state
  // kept.
  bool reload_if_changed();

  std::optional<PinEntry> get(const std::string& app) const;
  // The accepted pin's certificate SHA-256 (hex), if any: what a pooled connection is checked
  // against on every request, without copying the whole entry.
  std::optional<std::string> pinned_cert_sha256(const std::string& app) const;
  std::vector<PinEntry> all() const;  // sorted by app name

  // Each mutation re-reads the file, then writes the whole file atomically before returning. A file
  // that cannot be read (corrupt, not a regular file) is never replaced: PinStoreError (kRead), as
  // is a failed write (kWrite); either way the file and the store are unchanged.
  void set_pin(const std::string& app, const Pin& pin);  // also clears pending
  void set_pending(const std::string& app, const Pin& candidate, const std::string& reason);
  // Promotes pending to pin. False when there is no pending candidate.
  bool accept_pending(const std::string& app);
  // Removes the app's entry. False when there was none.
  bool forget(const std::string& app);

  const std::string& path() const { return path_; }

  // Moves on whenever the entries may have changed (a load, a reload, a mutation): a pooled
  // connection whose certificate was checked against the pin at version v needs no new check while
  // the version is still v. Lock-free, for the per-request path.
  std::uint64_t version() const { return version_.load(std::memory_order_acquire); }
  // True while something (the daemon's inotify watch) calls reload_if_changed() as soon as the
  // file changes; otherwise a reader calls it itself before trusting version().
  bool watched() const { return watched_.load(std::memory_order_acquire); }
  void set_watched(bool watched) { watched_.store(watched, std::memory_order_release); }

 private:
  void save_locked();
  void load_locked();
  bool reload_locked();  // reload_if_changed() with mutex_ held
  // Runs `change` on the entries after picking up the other process's writes, with the state
  // directory flock()ed so the daemon and the CLI do not lose each other's updates; writes the file
  // when `change` returns true (the entries are restored if writing fails).
  bool mutate(const std::function<bool(std::vector<PinEntry>&)>& change);
  std::string path_;
  mutable std::mutex mutex_;
  std::vector<PinEntry> entries_;
  std::int64_t file_mtime_ns_ = -1;
  std::int64_t file_size_ = -1;
  std::uint64_t file_inode_ = 0;  // each atomic write is a new inode: catches same-size edits
  std::atomic<std::uint64_t> version_{1};  // 0 is "never compared" for connections
  std::atomic<bool> watched_{false};
};

}  // namespace ratls::proxy
