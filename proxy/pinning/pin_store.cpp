#include "proxy/pinning/pin_store.h"

#include "proxy/pinning/pin_json.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string_view>

#include "proxy/common/file_io.h"

namespace ratls::proxy {
namespace {

using nlohmann::json;
using ordered_json = nlohmann::ordered_json;
namespace fs = std::filesystem;

// The reason a file is not a valid pins file; PinStore adds "<path>: not a valid pins file: ".
struct Invalid : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string member(const std::string& path, std::string_view key) {
  std::string out = path;
  if (!out.empty()) out += '.';
  out += key;
  return out;
}

const json& field(const json& object, const std::string& path, std::string_view key) {
  auto it = object.find(key);
  if (it == object.end()) throw Invalid(member(path, key) + ": missing");
  return *it;
}

const std::string& string_field(const json& object, const std::string& path, std::string_view key) {
  const json& v = field(object, path, key);
  if (!v.is_string()) throw Invalid(member(path, key) + ": expected a string");
  return v.get_ref<const std::string&>();
}

std::string hex_field(const json& object, const std::string& path, std::string_view key) {
  std::string text = string_field(object, path, key);
  const bool hex =
      text.size() % 2 == 0 &&
      std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
  if (!hex) throw Invalid(member(path, key) + ": expected hex digits");
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

int u16_field(const json& object, const std::string& path, std::string_view key) {
  const json& v = field(object, path, key);
  if (!v.is_number_unsigned() || v.get<std::uint64_t>() > 65535) {
    throw Invalid(member(path, key) + ": expected an integer 0..65535");
  }
  return static_cast<int>(v.get<std::uint64_t>());
}

attest::UnixTime time_field(const json& object, const std::string& path, std::string_view key) {
  const auto t = attest::parse_rfc3339(string_field(object, path, key));
  if (!t) throw Invalid(member(path, key) + ": expected an RFC 3339 time");
  return *t;
}

// Unknown keys are ignored so that a newer ratls-gateway's additions do not break an older one.
Pin pin_from_json(const json& v, const std::string& path) {
  if (!v.is_object()) throw Invalid(path + ": expected an object");
  Pin pin;
  pin.cert_sha256 = hex_field(v, path, "cert_sha256");
  pin.spki_sha256 = hex_field(v, path, "spki_sha256");
  pin.mrenclave = hex_field(v, path, "mrenclave");
  pin.mrsigner = hex_field(v, path, "mrsigner");
  pin.isv_prod_id = u16_field(v, path, "isv_prod_id");
  pin.isv_svn = u16_field(v, path, "isv_svn");
  pin.tcb_status = string_field(v, path, "tcb_status");
  const json& advisories = field(v, path, "advisory_ids");
  if (!advisories.is_array()) throw Invalid(member(path, "advisory_ids") + ": expected an array");
  for (std::size_t i = 0; i < advisories.size(); ++i) {
    if (!advisories[i].is_string()) {
      throw Invalid(member(path, "advisory_ids") + "[" + std::to_string(i) +
                    "]: expected a string");
    }
    pin.advisory_ids.push_back(advisories[i].get<std::string>());
  }
  // null: unknown (pin_to_json writes an unknown expiry so).
  pin.collateral_expiry =
      field(v, path, "collateral_expiry").is_null() ? 0 : time_field(v, path, "collateral_expiry");
  pin.verified_at = time_field(v, path, "verified_at");
  const json& simulated = field(v, path, "simulated");
  if (!simulated.is_boolean())
    throw Invalid(member(path, "simulated") + ": expected true or false");
  pin.simulated = simulated.get<bool>();
  return pin;
}

std::vector<PinEntry> parse_pins_text(std::string_view text) {
  json root;
  try {
    root = json::parse(text);
  } catch (const json::exception& e) {
    // "[json.exception.parse_error.101] parse error at ...", or out_of_range.406 for a number
    // beyond a double.
    std::string_view message = e.what();
    if (const auto close = message.find("] "); close != std::string_view::npos) {
      message.remove_prefix(close + 2);
    }
    throw Invalid(std::string(message));
  }
  if (!root.is_object()) throw Invalid("expected a JSON object");
  const json& version = field(root, "", "version");
  if (!version.is_number_integer()) throw Invalid("version: expected 1");
  if (version != 1) {
    throw Invalid(std::string("version ") + version.dump() +
                  " is not supported (this ratls-gateway reads version 1)");
  }
  const json& apps = field(root, "", "apps");
  if (!apps.is_object()) throw Invalid("apps: expected an object");
  std::vector<PinEntry> entries;
  for (auto it = apps.begin(); it != apps.end(); ++it) {  // std::map: already sorted by name
    const std::string path = member("apps", it.key());
    if (it.key().empty()) throw Invalid("apps: empty app name");
    if (!it->is_object()) throw Invalid(path + ": expected an object");
    PinEntry entry;
    entry.app = it.key();
    if (auto p = it->find("pin"); p != it->end()) entry.pin = pin_from_json(*p, path + ".pin");
    if (auto p = it->find("pending"); p != it->end()) {
      entry.pending = pin_from_json(*p, path + ".pending");
    }
    if (auto r = it->find("pending_reason"); r != it->end()) {
      if (!r->is_string()) throw Invalid(path + ".pending_reason: expected a string");
      entry.pending_reason = r->get<std::string>();
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

std::string serialize(const std::vector<PinEntry>& entries) {
  ordered_json apps = ordered_json::object();
  for (const auto& e : entries) {
    ordered_json entry = ordered_json::object();
    if (e.pin) entry["pin"] = pin_to_json<ordered_json>(*e.pin);
    if (e.pending) {
      entry["pending"] = pin_to_json<ordered_json>(*e.pending);
      entry["pending_reason"] = e.pending_reason;
    }
    apps[e.app] = std::move(entry);
  }
  ordered_json root = ordered_json::object();
  root["version"] = 1;
  root["apps"] = std::move(apps);
  return root.dump(2) + "\n";
}

struct FileState {
  std::int64_t mtime_ns = -1;  // -1: no file
  std::int64_t size = -1;
  std::uint64_t inode = 0;
};

FileState state_of(const struct stat& st) {
  return {static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 +
              static_cast<std::int64_t>(st.st_mtim.tv_nsec),
          static_cast<std::int64_t>(st.st_size), static_cast<std::uint64_t>(st.st_ino)};
}

[[noreturn]] void read_failure(const std::string& path, const std::string& problem) {
  throw PinStoreError(PinStoreError::Operation::kRead, path, problem,
                      "cannot read " + path + ": " + problem);
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

struct Snapshot {
  FileState state;  // mtime_ns == -1 when the file does not exist
  std::string text;
};

// Content and metadata from one open file description, so they describe the same version even if
// the CLI replaces the file meanwhile (it renames a new inode into place; ours stays intact).
Snapshot read_snapshot(const std::string& path) {
  // O_NONBLOCK: a FIFO put in its place must be refused below, not block a verification thread.
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return {};
    read_failure(path, std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) read_failure(path, std::strerror(errno));
  if (!S_ISREG(st.st_mode)) read_failure(path, "not a regular file");
  Snapshot snap;
  snap.state = state_of(st);
  char buf[16384];
  while (true) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      read_failure(path, std::strerror(errno));
    }
    if (n == 0) break;
    snap.text.append(buf, static_cast<std::size_t>(n));
  }
  return snap;
}

fs::path parent_dir(const std::string& path) {
  fs::path dir = fs::path(path).parent_path();
  return dir.empty() ? fs::path(".") : dir;
}

// flock() on the state directory serializes read-modify-write cycles between processes (the
// daemon and `ratls-gateway pins ...`) without leaving a lock file behind. Best effort: a missing
// directory has no pins file to race on.
class DirLock {
 public:
  explicit DirLock(const fs::path& dir)
      : fd_(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {
    if (fd_.get() < 0) return;
    while (::flock(fd_.get(), LOCK_EX) != 0 && errno == EINTR) {
    }
  }

 private:
  Fd fd_;  // closing it releases the lock
};

PinEntry& entry_for(std::vector<PinEntry>& entries, const std::string& app) {
  auto by_name = [&app](const PinEntry& e) { return e.app == app; };
  auto it = std::find_if(entries.begin(), entries.end(), by_name);
  if (it != entries.end()) return *it;
  PinEntry fresh;
  fresh.app = app;
  entries.push_back(std::move(fresh));
  std::sort(entries.begin(), entries.end(),
            [](const PinEntry& a, const PinEntry& b) { return a.app < b.app; });
  return *std::find_if(entries.begin(), entries.end(), by_name);
}

}  // namespace

std::vector<PinEntry> parse_pins_file(std::string_view text) {
  return parse_pins_text(text);
}

PinStore::PinStore(std::string path) : path_(std::move(path)) {}

void PinStore::load() {
  std::lock_guard lock(mutex_);
  load_locked();
}

void PinStore::load_locked() {
  Snapshot snap = read_snapshot(path_);
  std::vector<PinEntry> entries;
  if (snap.state.mtime_ns >= 0) {
    try {
      entries = parse_pins_file(snap.text);
    } catch (const Invalid& e) {
      const std::string problem = std::string("not a valid pins file: ") + e.what();
      throw PinStoreError(PinStoreError::Operation::kRead, path_, problem, path_ + ": " + problem);
    }
  }
  entries_ = std::move(entries);
  version_.fetch_add(1, std::memory_order_release);
  file_mtime_ns_ = snap.state.mtime_ns;
  file_size_ = snap.state.size;
  file_inode_ = snap.state.inode;
}

bool PinStore::reload_if_changed() {
  std::lock_guard lock(mutex_);
  return reload_locked();
}

bool PinStore::reload_locked() {
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) {
    if (errno != ENOENT && errno != ENOTDIR) read_failure(path_, std::strerror(errno));
    if (file_mtime_ns_ < 0) return false;
    // Deleted behind our back (`rm pins.json`): the user wants no pins.
    entries_.clear();
    version_.fetch_add(1, std::memory_order_release);
    file_mtime_ns_ = -1;
    file_size_ = -1;
    file_inode_ = 0;
    return true;
  }
  const FileState now = state_of(st);
  if (now.mtime_ns == file_mtime_ns_ && now.size == file_size_ && now.inode == file_inode_) {
    return false;
  }
  load_locked();
  return true;
}

std::optional<std::string> PinStore::pinned_cert_sha256(const std::string& app) const {
  std::lock_guard lock(mutex_);
  for (const auto& e : entries_) {
    if (e.app == app) return e.pin ? std::optional(e.pin->cert_sha256) : std::nullopt;
  }
  return std::nullopt;
}

std::optional<PinEntry> PinStore::get(const std::string& app) const {
  std::lock_guard lock(mutex_);
  for (const auto& e : entries_) {
    if (e.app == app) return e;
  }
  return std::nullopt;
}

std::vector<PinEntry> PinStore::all() const {
  std::lock_guard lock(mutex_);
  return entries_;
}

bool PinStore::mutate(const std::function<bool(std::vector<PinEntry>&)>& change) {
  std::lock_guard lock(mutex_);
  DirLock dir_lock(parent_dir(path_));
  // Read whole, not only when its size, time or inode moved: a file made unreadable (chmod 000
  // changes none of them) or edited within the same size and time must stop the write, or the
  // rename below would replace what the user has and this store never read.
  load_locked();
  std::vector<PinEntry> before = entries_;
  if (!change(entries_)) return false;
  version_.fetch_add(1, std::memory_order_release);
  try {
    save_locked();
  } catch (...) {
    entries_ = std::move(before);
    version_.fetch_add(1, std::memory_order_release);
    throw;
  }
  return true;
}

void PinStore::save_locked() {
  try {
    create_private_directories(parent_dir(path_).string());
    write_file_atomic(path_, serialize(entries_), 0600);
  } catch (const std::exception& e) {
    // write_file_atomic names the file itself; the problem is what follows.
    std::string problem = e.what();
    const std::string prefix = "cannot write " + path_ + ": ";
    if (problem.rfind(prefix, 0) == 0) problem.erase(0, prefix.size());
    throw PinStoreError(PinStoreError::Operation::kWrite, path_, problem, e.what());
  }
  struct stat st {};
  if (::stat(path_.c_str(), &st) == 0) {
    const FileState now = state_of(st);
    file_mtime_ns_ = now.mtime_ns;
    file_size_ = now.size;
    file_inode_ = now.inode;
  } else {
    // Unknown: the next reload_if_changed() re-reads rather than trusting memory.
    file_mtime_ns_ = -2;
    file_size_ = -2;
    file_inode_ = 0;
  }
}

void PinStore::set_pin(const std::string& app, const Pin& pin) {
  mutate([&](std::vector<PinEntry>& entries) {
    PinEntry& e = entry_for(entries, app);
    e.pin = pin;
    e.pending.reset();
    e.pending_reason.clear();
    return true;
  });
}

void PinStore::set_pending(const std::string& app, const Pin& candidate,
                           const std::string& reason) {
  mutate([&](std::vector<PinEntry>& entries) {
    PinEntry& e = entry_for(entries, app);
    e.pending = candidate;
    e.pending_reason = reason;
    return true;
  });
}

bool PinStore::accept_pending(const std::string& app) {
  return mutate([&](std::vector<PinEntry>& entries) {
    auto it = std::find_if(entries.begin(), entries.end(),
                           [&app](const PinEntry& e) { return e.app == app; });
    if (it == entries.end() || !it->pending) return false;
    it->pin = std::move(it->pending);
    it->pending.reset();
    it->pending_reason.clear();
    return true;
  });
}

bool PinStore::forget(const std::string& app) {
  return mutate([&](std::vector<PinEntry>& entries) {
    auto it = std::find_if(entries.begin(), entries.end(),
                           [&app](const PinEntry& e) { return e.app == app; });
    if (it == entries.end()) return false;
    entries.erase(it);
    return true;
  });
}

}  // namespace ratls::proxy
