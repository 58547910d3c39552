#include "proxy/collateral/collateral_fetcher.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "attest/collateral.h"
#include "attest/qe_identity.h"
#include "attest/tcb_info.h"
#include "proxy/common/file_io.h"

namespace ratls::proxy {

namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using attest::UnixTime;
using nlohmann::json;

constexpr int kCacheFormat = 1;
constexpr attest::Status kTcbFormat = attest::Status::STATUS_SGX_TCB_INFO_UNSUPPORTED_FORMAT;
constexpr attest::Status kQeFormat = attest::Status::STATUS_SGX_ENCLAVE_IDENTITY_UNSUPPORTED_FORMAT;

// A fetched item that fails a check: the message says what is wrong with it.
struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string when(UnixTime t) {
  return attest::format_rfc3339(t);
}

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

enum class Kind { kTcbInfo, kQeIdentity, kPckCrl, kRootCaCrl };

// One cached item (attestation-spec §3.4): TCB info per TEE and FMSPC, QE identity per TEE, the
// PCK CRL per CA type, the root CA CRL once.
struct ItemId {
  Kind kind = Kind::kRootCaCrl;
  attest::TeeType tee = attest::TeeType::kSgx;
  std::array<std::uint8_t, 6> fmspc{};
  std::string ca;

  bool is_json() const { return kind == Kind::kTcbInfo || kind == Kind::kQeIdentity; }

  // Also the cache file's stem.
  std::string name() const {
    const std::string t(attest::tee_name(tee));
    switch (kind) {
      case Kind::kTcbInfo:
        return t + "-tcb-info-" + attest::to_hex(fmspc);
      case Kind::kQeIdentity:
        return t + "-qe-identity";
      case Kind::kPckCrl:
        return "pck-crl-" + ca;
      case Kind::kRootCaCrl:
        break;
    }
    return "root-ca-crl";
  }

  std::string describe() const {
    const std::string t = upper(std::string(attest::tee_name(tee)));
    switch (kind) {
      case Kind::kTcbInfo:
        return t + " TCB info for FMSPC " + upper(attest::to_hex(fmspc));
      case Kind::kQeIdentity:
        return t + " QE identity";
      case Kind::kPckCrl:
        return "PCK CRL of the " + ca + " CA";
      case Kind::kRootCaCrl:
        break;
    }
    return "root CA CRL";
  }
};

// An item that passed every check when it was taken in. `body` is the response body as received
// for JSON items (the signed bytes are inside it) and the DER for CRLs.
struct Entry {
  std::string url;
  UnixTime fetched_at = 0;
  std::string body;
  std::string issuer_chain;  // PEM; empty for the root CA CRL
  UnixTime valid_from = 0;   // issueDate / thisUpdate
  UnixTime valid_until = 0;  // nextUpdate
};

struct ItemState {
  std::optional<ItemId> id;            // set once the item was asked for
  std::shared_ptr<const Entry> entry;  // the last verified one; may have expired since
  bool disk_checked = false;
  bool in_flight = false;
  std::uint64_t generation = 0;
  UnixTime retry_after = 0;
  UnixTime backoff = 0;
  std::string last_error;  // of the last failed fetch, with its URL
};

std::vector<attest::X509Ptr> decode_chain(const std::string& pem) {
  try {
    return attest::parse_pem_chain(pem, attest::Status::STATUS_UNSUPPORTED_CERT_FORMAT);
  } catch (const attest::AttestError& e) {
    throw Failure(std::string("issuer chain: ") + e.what());
  }
}

// Checks `chain` (issuer first, the root optional) up to the pinned root at `at`; returns the
// issuer.
const X509* check_issuer_chain(const std::vector<attest::X509Ptr>& chain, const X509* root,
                               UnixTime at) {
  if (chain.size() > 2) {
    throw Failure("issuer chain has " + std::to_string(chain.size()) +
                  " certificates; expected the issuer and the root");
  }
  const X509* issuer = chain.front().get();
  const attest::ChainCheck c =
      attest::verify_chain({issuer, chain.size() == 2 ? chain[1].get() : root}, root, at);
  if (!c.ok()) throw Failure("issuer chain: " + c.message);
  return issuer;
}

Entry verify_json_item(const ItemId& id, const std::string& body, const std::string& chain_pem,
                       const X509* root, UnixTime at) {
  const bool tcb = id.kind == Kind::kTcbInfo;
  const std::string what = tcb ? "TCB info" : "QE identity";
  attest::SignedJson signed_json;
  try {
    signed_json = attest::split_signed_response(body, tcb ? "tcbInfo" : "enclaveIdentity",
                                                tcb ? kTcbFormat : kQeFormat);
  } catch (const attest::AttestError& e) {
    throw Failure("not a " + what + " response: " + e.what());
  }
  Entry e;
  const bool tdx = id.tee == attest::TeeType::kTdx;
  try {
    if (tcb) {
      const attest::TcbInfo info = attest::parse_tcb_info(signed_json.body);
      const std::string want = tdx ? "TDX" : "SGX";
      if (info.id != want) throw Failure("it is a TCB info for " + info.id + ", not " + want);
      if (info.fmspc != id.fmspc) {
        throw Failure("it is for FMSPC " + upper(attest::to_hex(info.fmspc)) + ", not " +
                      upper(attest::to_hex(id.fmspc)));
      }
      e.valid_from = info.issue_date;
      e.valid_until = info.next_update;
    } else {
      const attest::QeIdentity qe = attest::parse_qe_identity(signed_json.body);
      const std::string want = tdx ? "TD_QE" : "QE";
      if (qe.id != want) throw Failure("it is the identity of " + qe.id + ", not " + want);
      e.valid_from = qe.issue_date;
      e.valid_until = qe.next_update;
    }
  } catch (const attest::AttestError& ex) {
    throw Failure("malformed " + what + ": " + ex.what());
  }
  const auto chain = decode_chain(chain_pem);
  const X509* signer = chain.front().get();
  if (attest::common_name(signer).find("SGX TCB Signing") == std::string::npos) {
    throw Failure("signed by \"" + attest::common_name(signer) +
                  "\", not an Intel SGX TCB Signing certificate");
  }
  check_issuer_chain(chain, root, at);
  EVP_PKEY* key = X509_get0_pubkey(signer);
  if (key == nullptr || !attest::ecdsa_p256_verify_raw(key, attest::as_bytes(signed_json.body),
                                                       signed_json.signature)) {
    throw Failure(what + " signature does not verify with the TCB signing key (altered data)");
  }
  e.body = body;
  e.issuer_chain = chain_pem;
  return e;
}

Entry verify_crl_item(const ItemId& id, attest::ByteView data, const std::string& chain_pem,
                      const X509* root, UnixTime at) {
  attest::Bytes der;
  attest::X509CrlPtr crl;
  try {
    der = attest::crl_to_der(data);
    crl = attest::parse_crl(der);
  } catch (const attest::AttestError& e) {
    throw Failure(std::string("not a CRL in DER, PEM or hex: ") + e.what());
  }
  const X509* issuer = root;
  std::vector<attest::X509Ptr> chain;
  if (id.kind == Kind::kPckCrl) {
    chain = decode_chain(chain_pem);
    const std::string want =
        id.ca == "platform" ? "Intel SGX PCK Platform CA" : "Intel SGX PCK Processor CA";
    if (attest::common_name(chain.front().get()) != want) {
      throw Failure("issuer chain starts with \"" + attest::common_name(chain.front().get()) +
                    "\", expected \"" + want + "\"");
    }
    issuer = check_issuer_chain(chain, root, at);
  }
  Entry e;
  e.valid_from = attest::asn1_time_to_unix(X509_CRL_get0_lastUpdate(crl.get()));
  const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl.get());
  if (next == nullptr) throw Failure("the CRL has no nextUpdate");
  e.valid_until = attest::asn1_time_to_unix(next);
  // Issuer and signature only (checked at the CRL's own thisUpdate): callers judge the window.
  const attest::CrlCheck c = attest::check_crl(crl.get(), issuer, nullptr, e.valid_from);
  if (!c.ok()) throw Failure(c.message);
  e.body.assign(attest::as_chars(der));
  e.issuer_chain = chain_pem;
  return e;
}

Entry verify_item(const ItemId& id, const std::string& body, const std::string& chain,
                  const X509* root, UnixTime at) {
  return id.is_json() ? verify_json_item(id, body, chain, root, at)
                      : verify_crl_item(id, attest::as_bytes(body), chain, root, at);
}

// Percent-decoding of the issuer chain headers. '+' stays '+': it is a base64 character, and PCS
// encodes a space as %20.
std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    const int hi = i + 2 < text.size() ? hex(text[i + 1]) : -1;
    const int lo = i + 2 < text.size() ? hex(text[i + 2]) : -1;
    if (hi < 0 || lo < 0) throw Failure("issuer chain header is not URL-encoded PEM");
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

std::vector<std::string_view> chain_headers(Kind kind) {
  switch (kind) {
    case Kind::kTcbInfo:
      // API v4 name first; PCCS v3 and Azure still send the older one.
      return {"TCB-Info-Issuer-Chain", "SGX-TCB-Info-Issuer-Chain"};
    case Kind::kQeIdentity:
      return {"SGX-Enclave-Identity-Issuer-Chain", "Enclave-Identity-Issuer-Chain"};
    case Kind::kPckCrl:
      return {"SGX-PCK-CRL-Issuer-Chain"};
    case Kind::kRootCaCrl:
      break;
  }
  return {};
}

std::string serialize(const ItemId& id, const Entry& e) {
  json j{{"format", kCacheFormat},
         {"item", id.name()},
         {"url", e.url},
         {"fetched_at", when(e.fetched_at)},
         {"valid_from", when(e.valid_from)},
         {"valid_until", when(e.valid_until)},
         {"issuer_chain", e.issuer_chain}};
  if (id.is_json()) {
    j["body"] = e.body;
  } else {
    j["der_hex"] = attest::to_hex(attest::as_bytes(e.body));
  }
  return j.dump(2) + "\n";
}

// A cache file, or nullopt when there is none. The cache is the fetcher's own directory: a symbolic
// link in it is not followed (what it points to is not the cache), and anything but a regular file
// is refused without blocking on it (opening a FIFO for reading waits for a writer, and the
// fetcher's lock is held meanwhile). Throws Failure with the reason.
std::optional<attest::Bytes> read_cache_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    throw Failure(errno == ELOOP ? "a symbolic link, not followed" : std::strerror(errno));
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw Failure(std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw Failure("not a regular file");
  attest::Bytes data;
  char block[64 * 1024];
  for (;;) {
    const ssize_t n = ::read(fd, block, sizeof block);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Failure(std::strerror(errno));
    }
    if (n == 0) return data;
    if (data.size() + static_cast<std::size_t>(n) > kMaxInputFileSize) {
      throw Failure("larger than " + std::to_string(kMaxInputFileSize >> 20) + " MiB");
    }
    data.insert(data.end(), block, block + n);
  }
}

// A cache file is re-verified like a response: a damaged or altered file is never trusted.
Entry deserialize(const ItemId& id, const attest::Bytes& file, const X509* root, UnixTime at) {
  json j;
  try {
    j = json::parse(attest::as_chars(file));
  } catch (const json::exception&) {
    throw Failure("not JSON");
  }
  auto text = [&](const char* key) -> std::string {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) throw Failure(std::string("no \"") + key + "\"");
    return it->get<std::string>();
  };
  if (!j.is_object() || j.value("format", 0) != kCacheFormat) throw Failure("unknown format");
  if (text("item") != id.name()) throw Failure("holds " + text("item") + ", not " + id.name());
  const auto fetched_at = attest::parse_rfc3339(text("fetched_at"));
  if (!fetched_at) throw Failure("bad fetched_at");
  std::string body;
  if (id.is_json()) {
    body = text("body");
  } else {
    auto der = attest::from_hex(text("der_hex"));
    if (!der) throw Failure("der_hex is not hex");
    body.assign(attest::as_chars(*der));
  }
  Entry e = verify_item(id, body, text("issuer_chain"), root, at);
  e.url = text("url");
  e.fetched_at = *fetched_at;
  return e;
}

}  // namespace

struct CollateralFetcher::Impl {
  explicit Impl(CollateralFetcherOptions o)
      : options(std::move(o)),
        root(options.root ? attest::clone(options.root) : attest::intel_sgx_root_ca()),
        work(asio::make_work_guard(io)),
        client(io, options.https) {
    std::string url = options.base_url.empty() ? std::string(kIntelPcsBaseUrl) : options.base_url;
    const auto target = parse_https_target(url);
    if (!target || target->target.find('?') != std::string::npos) {
      throw std::runtime_error(url +
                               ": expected an https:// base URL such as "
                               "https://api.trustedservices.intel.com");
    }
    while (!url.empty() && url.back() == '/') url.pop_back();
    for (std::string_view suffix : {"/sgx/certification/v4", "/tdx/certification/v4"}) {
      if (ends_with(url, suffix)) url.resize(url.size() - suffix.size());
    }
    base = url;
    if (!options.root_ca_crl_url.empty()) {
      root_crl_url = options.root_ca_crl_url;
    } else if (upper(target->host) == upper("api.trustedservices.intel.com")) {
      // Intel PCS has no /rootcacrl: the root's CRL distribution point serves it (DER).
      root_crl_url = std::string(kIntelRootCaCrlUrl);
    } else {
      root_crl_url = base + "/sgx/certification/v4/rootcacrl";  // PCCS: hex text of the DER
    }
    if (options.refresh_every.count() > 0 && options.clock) {
      refresh_timer.emplace(io);
      schedule_refresh();
    }
    thread = std::thread([this] {
      // A handler that throws must not take the process down; its fetch then fails closed.
      for (;;) {
        try {
          io.run();
          return;
        } catch (const std::exception& e) {
          emit({std::string("collateral fetcher: ") + e.what()});
        } catch (...) {
          emit({"collateral fetcher: unknown exception"});
        }
      }
    });
  }

  ~Impl() {
    work.reset();
    io.stop();
    if (thread.joinable()) thread.join();
  }

  std::string url_for(const ItemId& id) const {
    const std::string tee(attest::tee_name(id.tee));
    switch (id.kind) {
      case Kind::kTcbInfo:
        return base + "/" + tee + "/certification/v4/tcb?fmspc=" + upper(attest::to_hex(id.fmspc));
      case Kind::kQeIdentity:
        return base + "/" + tee + "/certification/v4/qe/identity";
      case Kind::kPckCrl:
        return base + "/sgx/certification/v4/pckcrl?ca=" + id.ca + "&encoding=der";
      case Kind::kRootCaCrl:
        break;
    }
    return root_crl_url;
  }

  std::string cache_path(const ItemId& id) const {
    return (fs::path(options.cache_dir) / (id.name() + ".json")).string();
  }

  // Called with the lock held.
  ItemState& state_of(const ItemId& id, UnixTime now, std::vector<std::string>& warnings) {
    ItemState& st = items[id.name()];
    if (!st.id) st.id = id;
    const bool reread = options.offline && !usable(st, now);  // another process may have filled it
    if ((st.disk_checked && !reread) || options.cache_dir.empty()) return st;
    st.disk_checked = true;
    const std::string path = cache_path(id);
    try {
      const std::optional<attest::Bytes> file = read_cache_file(path);
      if (!file) return st;
      auto entry = std::make_shared<const Entry>(deserialize(id, *file, root.get(), now));
      if (!st.entry || entry->valid_from > st.entry->valid_from) {
        st.entry = std::move(entry);
        ++st.generation;
      }
    } catch (const std::exception& e) {
      warnings.push_back("ignoring collateral cache file " + path + " (" + e.what() + ")" +
                         (options.offline ? "" : "; it will be fetched again"));
    }
    return st;
  }

  static bool usable(const ItemState& st, UnixTime now) {
    return st.entry && st.entry->valid_from <= now && now <= st.entry->valid_until;
  }

  bool may_fetch(const ItemState& st, UnixTime now) const {
    return !options.offline && !st.in_flight && now >= st.retry_after;
  }

  bool refresh_due(const ItemState& st, UnixTime now) const {
    const Entry& e = *st.entry;
    const UnixTime half = (e.valid_until - e.fetched_at) / 2;
    return now >= e.fetched_at + std::clamp(half, options.min_refresh, options.max_refresh);
  }

  // Called with the lock held.
  // On the fetcher's thread.
  void schedule_refresh() {
    refresh_timer->expires_after(options.refresh_every);
    refresh_timer->async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      refresh_due_items(options.clock());
      schedule_refresh();
    });
  }

  void refresh_due_items(UnixTime now) {
    std::vector<ItemId> due;
    {
      std::lock_guard lock(mutex);
      for (auto& [name, st] : items) {
        if (!st.id || !may_fetch(st, now)) continue;
        if (usable(st, now) && !refresh_due(st, now)) continue;
        mark_in_flight(st);
        due.push_back(*st.id);
      }
    }
    // Outside the lock: the client may complete (and take the lock) before returning.
    for (const ItemId& id : due) request(id, now);
  }

  // With `mutex` held.
  void mark_in_flight(ItemState& st) {
    st.in_flight = true;
    ++fetches;
  }

  void start_fetch(const ItemId& id, ItemState& st, UnixTime now) {
    mark_in_flight(st);
    request(id, now);
  }

  void request(const ItemId& id, UnixTime now) {
    const std::string url = url_for(id);
    client.get(url,
               [this, id, url, now](HttpsResult r) { on_fetched(id, url, now, std::move(r)); });
  }

  Entry ingest(const ItemId& id, const std::string& url, UnixTime now, const HttpsResult& r) const {
    if (!r.error.empty()) throw Failure(r.error);
    const HttpsResponse& res = r.response;
    if (res.status != 200) {
      std::string message = "HTTP " + std::to_string(res.status);
      if (auto rid = res.header("Request-ID")) message += " (Request-ID " + *rid + ")";
      if (res.status == 404 && id.kind == Kind::kTcbInfo) {
        message += ": the service has no TCB info for this FMSPC";
      }
      throw Failure(message);
    }
    std::string chain;
    const auto names = chain_headers(id.kind);
    if (!names.empty()) {
      std::optional<std::string> value;
      for (auto name : names) {
        if ((value = res.header(name))) break;
      }
      if (!value) throw Failure("the response has no " + std::string(names.front()) + " header");
      chain = percent_decode(*value);
    }
    Entry e = verify_item(id, res.body, chain, root.get(), now);
    if (now < e.valid_from) {
      throw Failure("the service sent one that is not valid before " + when(e.valid_from) +
                    " (verification time " + when(now) + ")");
    }
    if (now > e.valid_until) {
      throw Failure("the service sent one that expired at " + when(e.valid_until) +
                    " (verification time " + when(now) + ")");
    }
    e.url = url;
    e.fetched_at = now;
    return e;
  }

  // On the fetcher's thread.
  void on_fetched(const ItemId& id, const std::string& url, UnixTime now, const HttpsResult& r) {
    std::shared_ptr<const Entry> fresh;
    std::string error;
    try {
      fresh = std::make_shared<const Entry>(ingest(id, url, now, r));
    } catch (const std::exception& e) {
      error = e.what();
    }
    std::shared_ptr<const Entry> previous;
    {
      std::lock_guard lock(mutex);
      previous = items[id.name()].entry;
    }
    // A cache serving older collateral than we hold must not roll it back.
    if (fresh && previous && fresh->valid_from < previous->valid_from) {
      error = "the service sent one issued " + when(fresh->valid_from) +
              ", older than the cached one issued " + when(previous->valid_from);
      fresh.reset();
    }
    std::vector<std::string> warnings;
    if (fresh && !options.cache_dir.empty()) {
      try {
        // Private like the state directory (XDG): nothing in it is secret, but nothing needs
        // other users to read or replace it either.
        create_private_directories(options.cache_dir);
        write_file_atomic(cache_path(id), serialize(id, *fresh), 0600);
      } catch (const std::exception& e) {
        warnings.push_back("collateral cache not written (kept in memory): " +
                           std::string(e.what()));
      }
    }
    {
      std::lock_guard lock(mutex);
      ItemState& st = items[id.name()];
      st.in_flight = false;
      if (fresh) {
        st.entry = std::move(fresh);
        ++st.generation;
        st.backoff = 0;
        st.retry_after = 0;
        st.last_error.clear();
      } else {
        st.backoff = st.backoff == 0 ? options.initial_backoff
                                     : std::min(st.backoff * 2, options.max_backoff);
        st.retry_after = now + st.backoff;
        st.last_error = "fetching " + url + " failed: " + error;
        if (usable(st, now)) {
          warnings.push_back("refreshing the " + id.describe() + " failed (" + st.last_error +
                             "); the cached one stays in use until it expires at " +
                             when(st.entry->valid_until));
        }
      }
    }
    // Warnings first: whoever waits for this fetch (wait_idle) then also sees what it said.
    emit(warnings);
    cv.notify_all();
  }

  void emit(const std::vector<std::string>& warnings) const {
    if (!options.warn) return;
    for (const auto& w : warnings) options.warn(w);
  }

  // Why `id` is not usable at `now` (lock held).
  std::string explain(const ItemId& id, const ItemState& st, UnixTime now, bool waited_out) const {
    std::string out = id.describe();
    if (st.entry) {
      out += " (fetched from " + st.entry->url + ")";
      out += now > st.entry->valid_until ? " expired at " + when(st.entry->valid_until)
                                         : " is not valid before " + when(st.entry->valid_from);
      out += " (verification time " + when(now) + ")";
    }
    if (options.offline) {
      if (!st.entry) {
        out += options.cache_dir.empty() ? ": not cached (no cache directory)"
                                         : ": not in the collateral cache (" + cache_path(id) + ")";
      }
      return out + "; offline mode forbids fetching it";
    }
    if (st.in_flight && waited_out) {
      return out + (st.entry ? "; " : ": ") + "no answer from " + url_for(id) + " within " +
             std::to_string(options.wait_timeout.count()) + " ms";
    }
    if (!st.last_error.empty()) {
      out += (st.entry ? "; " : ": ") + st.last_error;
      if (st.retry_after > now) out += " (next attempt after " + when(st.retry_after) + ")";
    }
    return out;
  }

  std::shared_ptr<const attest::ParsedCollateral> assemble(const CollateralKey& key,
                                                           const std::array<ItemId, 4>& ids,
                                                           std::string& problem) {
    std::array<std::uint64_t, 4> generations{};
    std::array<const Entry*, 4> entries{};
    for (std::size_t i = 0; i < ids.size(); ++i) {
      const ItemState& st = items[ids[i].name()];
      generations[i] = st.generation;
      entries[i] = st.entry.get();
    }
    Assembled& memo = assembled[key.text()];
    if (memo.collateral && memo.generations == generations) return memo.collateral;
    try {
      attest::Collateral c;
      c.tcb_info = attest::split_signed_response(entries[0]->body, "tcbInfo", kTcbFormat);
      c.tcb_info_issuer_chain = entries[0]->issuer_chain;
      c.qe_identity = attest::split_signed_response(entries[1]->body, "enclaveIdentity", kQeFormat);
      c.qe_identity_issuer_chain = entries[1]->issuer_chain;
      c.pck_crl = attest::Bytes(entries[2]->body.begin(), entries[2]->body.end());
      c.pck_crl_issuer_chain = entries[2]->issuer_chain;
      c.root_ca_crl = attest::Bytes(entries[3]->body.begin(), entries[3]->body.end());
      c.source = options.offline ? "collateral cache " + options.cache_dir + " (offline)"
                                 : "collateral service " + base;
      memo.collateral =
          std::make_shared<const attest::ParsedCollateral>(attest::parse_collateral(c));
      memo.generations = generations;
      return memo.collateral;
    } catch (const std::exception& e) {
      problem = std::string("cannot assemble the collateral: ") + e.what();
      return nullptr;
    }
  }

  std::shared_ptr<const attest::ParsedCollateral> get_for(const CollateralKey& key, UnixTime now,
                                                          std::string& problem) {
    if (key.ca != "platform" && key.ca != "processor") {
      problem = "unknown PCK CA type \"" + key.ca + "\" (expected platform or processor)";
      return nullptr;
    }
    const std::array<ItemId, 4> ids = {ItemId{Kind::kTcbInfo, key.tee, key.fmspc, ""},
                                       ItemId{Kind::kQeIdentity, key.tee, {}, ""},
                                       ItemId{Kind::kPckCrl, attest::TeeType::kSgx, {}, key.ca},
                                       ItemId{Kind::kRootCaCrl, attest::TeeType::kSgx, {}, ""}};
    std::vector<std::string> warnings;
    std::shared_ptr<const attest::ParsedCollateral> result;
    std::array<bool, 4> started{};
    bool waited_out = false;
    std::unique_lock lock(mutex);
    const auto deadline = std::chrono::steady_clock::now() + options.wait_timeout;
    for (;;) {
      bool all_usable = true;
      bool waiting = false;
      for (std::size_t i = 0; i < ids.size(); ++i) {
        ItemState& st = state_of(ids[i], now, warnings);
        if (usable(st, now)) {
          // Served at once; a refresh ahead of nextUpdate runs in the background.
          if (may_fetch(st, now) && refresh_due(st, now)) start_fetch(ids[i], st, now);
          continue;
        }
        all_usable = false;
        // One attempt per call: a failure is reported rather than retried in a loop.
        if (!started[i] && may_fetch(st, now)) {
          start_fetch(ids[i], st, now);
          started[i] = true;
        }
        if (st.in_flight) waiting = true;
      }
      if (all_usable) {
        result = assemble(key, ids, problem);
        break;
      }
      if (!waiting || waited_out || interrupted) break;
      waited_out = cv.wait_until(lock, deadline) == std::cv_status::timeout;
    }
    if (!result && interrupted) problem = "the gateway is shutting down";
    if (!result && problem.empty()) {
      for (const auto& id : ids) {
        const ItemState& st = items[id.name()];
        if (usable(st, now)) continue;
        if (!problem.empty()) problem += "; ";
        problem += explain(id, st, now, waited_out);
      }
    }
    lock.unlock();
    emit(warnings);
    return result;
  }

  struct Assembled {
    std::array<std::uint64_t, 4> generations{};
    std::shared_ptr<const attest::ParsedCollateral> collateral;
  };

  CollateralFetcherOptions options;
  attest::X509Ptr root;
  std::string base;
  std::string root_crl_url;
  asio::io_context io{1};
  asio::executor_work_guard<asio::io_context::executor_type> work;
  HttpsClient client;
  mutable std::mutex mutex;
  std::condition_variable cv;
  std::map<std::string, ItemState> items;
  std::map<std::string, Assembled> assembled;
  std::size_t fetches = 0;
  bool interrupted = false;
  std::optional<asio::steady_timer> refresh_timer;
  std::thread thread;
};

CollateralFetcher::CollateralFetcher(CollateralFetcherOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

CollateralFetcher::~CollateralFetcher() = default;

std::shared_ptr<const attest::ParsedCollateral> CollateralFetcher::get(attest::UnixTime,
                                                                       std::string& problem) {
  problem = "the collateral service needs the quote's FMSPC and PCK CA to know what to fetch";
  return nullptr;
}

std::shared_ptr<const attest::ParsedCollateral> CollateralFetcher::get_for(const CollateralKey& key,
                                                                           attest::UnixTime now,
                                                                           std::string& problem) {
  return impl_->get_for(key, now, problem);
}

void CollateralFetcher::interrupt() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->interrupted = true;
  }
  impl_->cv.notify_all();
}

std::size_t CollateralFetcher::fetches_started() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->fetches;
}

bool CollateralFetcher::wait_idle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mutex);
  return impl_->cv.wait_for(lock, timeout, [this] {
    return std::none_of(impl_->items.begin(), impl_->items.end(),
                        [](const auto& item) { return item.second.in_flight; });
  });
}

const std::string& CollateralFetcher::base_url() const {
  return impl_->base;
}

std::string default_collateral_cache_dir() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  std::string cache;
  // The XDG spec ignores relative values.
  if (xdg != nullptr && xdg[0] == '/') {
    cache = xdg;
  } else if (const char* home = std::getenv("HOME"); home != nullptr && home[0] != '\0') {
    cache = std::string(home) + "/.cache";
  } else {
    return {};
  }
  return (fs::path(cache) / "ratls-gateway" / "collateral").string();
}

}  // namespace ratls::proxy
