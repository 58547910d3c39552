// proxy/pin_store: file format, atomic private writes, corrupt files, external edits, TOFU flow.
#include "proxy/pinning/pin_store.h"

#include "proxy/pinning/pin_json.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include "tests/support/process.h"
#include "tests/support/testdata.h"

namespace ratls::proxy {
namespace {

using ratls::test::at;
using ratls::test::read_text;
using ratls::test::TempDir;

Pin sample_pin(char digit) {
  Pin p;
  p.cert_sha256 = std::string(64, digit);
  p.spki_sha256 = std::string(64, 'b');
  p.mrenclave = std::string(64, 'c');
  p.mrsigner = "c1c161d0dd996e8a9847de67ea2c00226761f7715a2c422d3012ac10795a1ef5";
  p.isv_prod_id = 1;
  p.isv_svn = 10;
  p.tcb_status = "SWHardeningNeeded";
  p.advisory_ids = {"INTEL-SA-00615", "INTEL-SA-00657"};
  p.collateral_expiry = at("2024-06-01T00:00:00Z");
  p.verified_at = at("2024-05-01T12:30:00Z");
  p.simulated = true;
  return p;
}

void overwrite(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
}

std::string load_error(PinStore& store) {
  try {
    store.load();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(no error)";
}

// One JSON form: the file, status.json and `pins --json` write the same fields the same way, and
// what is written reads back, an unknown collateral expiry (null) included.
TEST(PinJson, OneFormEverywhereAndItReadsBack) {
  Pin p = sample_pin('a');
  const nlohmann::json status_form = pin_to_json(p);
  const nlohmann::ordered_json file_form = pin_to_json<nlohmann::ordered_json>(p);
  EXPECT_EQ(status_form.dump(), nlohmann::json::parse(file_form.dump()).dump());
  EXPECT_EQ(status_form["collateral_expiry"], "2024-06-01T00:00:00Z");
  EXPECT_EQ(file_form.begin().key(), "cert_sha256");  // the file keeps the struct's order
  EXPECT_EQ(pin_to_json(std::optional<Pin>()), nullptr);

  p.collateral_expiry = 0;
  EXPECT_TRUE(pin_to_json(p)["collateral_expiry"].is_null());
  TempDir dir;
  {
    PinStore store(dir.file("pins.json"));
    store.load();
    store.set_pin("demo", p);
  }
  PinStore again(dir.file("pins.json"));
  again.load();
  ASSERT_TRUE(again.get("demo").has_value());
  EXPECT_EQ(again.get("demo")->pin, p);
}

TEST(PinStore, MissingFileIsEmpty) {
  TempDir dir;
  PinStore store(dir.file("state/pins.json"));
  EXPECT_EQ(store.path(), dir.file("state/pins.json"));
  store.load();
  EXPECT_TRUE(store.all().empty());
  EXPECT_FALSE(store.get("shop"));
  EXPECT_FALSE(store.reload_if_changed());
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "state"));  // reading creates nothing
}

TEST(PinStore, RoundTrip) {
  TempDir dir;
  const std::string path = dir.file("pins.json");
  PinStore store(path);
  store.load();
  store.set_pin("shop", sample_pin('a'));
  store.set_pin("blog", sample_pin('d'));
  store.set_pending("blog", sample_pin('e'), "MRENCLAVE changed");

  PinStore again(path);
  again.load();
  const auto all = again.all();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].app, "blog");  // sorted by name
  EXPECT_EQ(all[1].app, "shop");
  EXPECT_EQ(all, store.all());
  const auto blog = again.get("blog");
  ASSERT_TRUE(blog);
  EXPECT_EQ(blog->pin, sample_pin('d'));
  EXPECT_EQ(blog->pending, sample_pin('e'));
  EXPECT_EQ(blog->pending_reason, "MRENCLAVE changed");
  const auto shop = again.get("shop");
  ASSERT_TRUE(shop);
  EXPECT_EQ(shop->pin, sample_pin('a'));
  EXPECT_FALSE(shop->pending);
  EXPECT_EQ(again.pinned_cert_sha256("shop"), std::string(64, 'a'));
  EXPECT_EQ(again.pinned_cert_sha256("blog"), std::string(64, 'd'));  // not the pending one
  EXPECT_FALSE(again.pinned_cert_sha256("wiki"));
  again.set_pending("wiki", sample_pin('f'), "first contact refused");
  EXPECT_FALSE(again.pinned_cert_sha256("wiki"));  // a pending candidate is not a pin
}

TEST(PinStore, FileFormat) {
  TempDir dir;
  const std::string path = dir.file("pins.json");
  PinStore store(path);
  store.set_pin("shop", sample_pin('a'));
  const std::string text = read_text(path);
  EXPECT_NE(text.find("\"version\": 1"), std::string::npos) << text;
  EXPECT_NE(text.find("\"apps\": {"), std::string::npos) << text;
  EXPECT_NE(text.find("\"shop\": {"), std::string::npos) << text;
  EXPECT_NE(text.find("\"verified_at\": \"2024-05-01T12:30:00Z\""), std::string::npos) << text;
  EXPECT_NE(text.find("\"collateral_expiry\": \"2024-06-01T00:00:00Z\""), std::string::npos)
      << text;
  EXPECT_EQ(text.find("pending"), std::string::npos) << text;

  // A hand-written file (uppercase hex, offset times, unknown keys from a newer version) loads.
  overwrite(path, R"({"version":1,"future":true,"apps":{"x":{"pin":{
      "cert_sha256":"AB","spki_sha256":"cd","mrenclave":"","mrsigner":"00","isv_prod_id":0,
      "isv_svn":65535,"tcb_status":"UpToDate","advisory_ids":[],"simulated":false,"note":"hi",
      "collateral_expiry":"2024-06-01T02:00:00+02:00","verified_at":"2024-05-01T00:00:00Z"}}}})");
  PinStore hand(path);
  hand.load();
  const auto x = hand.get("x");
  ASSERT_TRUE(x && x->pin);
  EXPECT_EQ(x->pin->cert_sha256, "ab");
  EXPECT_EQ(x->pin->isv_svn, 65535);
  EXPECT_EQ(x->pin->collateral_expiry, at("2024-06-01T00:00:00Z"));
}

TEST(PinStore, AtomicPrivateWriteCreatesPrivateDirectory) {
  TempDir dir;
  const std::filesystem::path state = dir.path() / "a" / "b";
  const std::string path = (state / "pins.json").string();
  PinStore store(path);
  for (char c : std::string("abcdef")) store.set_pin(std::string("app") + c, sample_pin(c));
  store.forget("appa");

  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(state.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  // Only the pins file: no temporary file left behind, no lock file.
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(state)) {
    names.push_back(entry.path().filename().string());
  }
  EXPECT_EQ(names, std::vector<std::string>{"pins.json"});
}

TEST(PinStore, CorruptFileKeepsOldState) {
  TempDir dir;
  const std::string path = dir.file("pins.json");
  PinStore store(path);
  store.set_pin("shop", sample_pin('a'));
  const auto before = store.all();
  const std::string good = read_text(path);

  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{\"version\":1,\"apps\":{",
       "parse error at line 1, column 22: syntax error while parsing "
       "object key - unexpected end of input; expected string literal"},
      {"[]", "expected a JSON object"},
      // Found by fuzz_pins: a number beyond a double used to escape as an uncaught exception.
      {R"({"version":1e999,"apps":{}})", "number overflow parsing '1e999'"},
      {R"({"apps":{}})", "version: missing"},
      {R"({"version":2,"apps":{}})",
       "version 2 is not supported (this ratls-gateway reads version 1)"},
      {R"({"version":"1","apps":{}})", "version: expected 1"},
      {R"({"version":1})", "apps: missing"},
      {R"({"version":1,"apps":[]})", "apps: expected an object"},
      {R"({"version":1,"apps":{"shop":1}})", "apps.shop: expected an object"},
      {R"({"version":1,"apps":{"shop":{"pin":{}}}})", "apps.shop.pin.cert_sha256: missing"},
      {R"({"version":1,"apps":{"shop":{"pin":{"cert_sha256":"xyz"}}}})",
       "apps.shop.pin.cert_sha256: expected hex digits"},
      {R"({"version":1,"apps":{"shop":{"pending_reason":3}}})",
       "apps.shop.pending_reason: expected a string"},
  };
  for (const auto& [content, why] : cases) {
    overwrite(path, content);
    try {
      store.reload_if_changed();
      ADD_FAILURE() << "no error for " << content;
    } catch (const std::runtime_error& e) {
      EXPECT_EQ(std::string(e.what()), path + ": not a valid pins file: " + why);
    }
    EXPECT_EQ(store.all(), before);
    EXPECT_EQ(load_error(store), path + ": not a valid pins file: " + why);
    EXPECT_EQ(store.all(), before);
  }

  // Field-level checks on a complete pin.
  PinStore fresh(dir.file("other.json"));
  fresh.set_pin("shop", sample_pin('a'));
  const std::string text = read_text(dir.file("other.json"));
  auto broken = [&](const std::string& from, const std::string& to) {
    std::string t = text;
    t.replace(t.find(from), from.size(), to);
    overwrite(path, t);
    return load_error(store);
  };
  EXPECT_EQ(broken("\"2024-05-01T12:30:00Z\"", "\"yesterday\""),
            path + ": not a valid pins file: apps.shop.pin.verified_at: expected an RFC 3339 time");
  EXPECT_EQ(broken("\"isv_svn\": 10", "\"isv_svn\": 70000"),
            path + ": not a valid pins file: apps.shop.pin.isv_svn: expected an integer 0..65535");
  EXPECT_EQ(broken("\"simulated\": true", "\"simulated\": 1"),
            path + ": not a valid pins file: apps.shop.pin.simulated: expected true or false");
  EXPECT_EQ(broken("\"INTEL-SA-00615\"", "615"),
            path + ": not a valid pins file: apps.shop.pin.advisory_ids[0]: expected a string");
  EXPECT_EQ(store.all(), before);

  // A mutation does not overwrite a broken file either: the user's edit is not lost.
  overwrite(path, "garbage");
  EXPECT_THROW(store.set_pin("blog", sample_pin('d')), std::runtime_error);
  EXPECT_EQ(read_text(path), "garbage");
  EXPECT_EQ(store.all(), before);

  // Fixed again: picked up.
  overwrite(path, good);
  EXPECT_TRUE(store.reload_if_changed());
  EXPECT_EQ(store.all(), before);
}

// A write re-reads the file whole, even when nothing in its metadata moved: an edit of the same
// size with its time put back, or (for users other than root) a chmod 000, stops the write instead
// of being replaced by what the store held in memory.
TEST(PinStore, AWriteRereadsTheFileEvenWhenItsSizeTimeAndInodeAreUnchanged) {
  TempDir dir;
  const std::string path = dir.file("pins.json");
  PinStore store(path);
  store.set_pin("shop", sample_pin('a'));
  const auto before = store.all();
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  const std::string edited = std::string(read_text(path).size() - 1, ' ') + "x";
  overwrite(path, edited);  // in place: same inode, same size
  const timespec times[2] = {st.st_atim, st.st_mtim};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
  EXPECT_FALSE(store.reload_if_changed());  // the metadata alone says nothing changed
  try {
    store.set_pin("blog", sample_pin('d'));
    ADD_FAILURE() << "replaced a file it did not read";
  } catch (const PinStoreError& e) {
    EXPECT_EQ(e.operation(), PinStoreError::Operation::kRead);
    EXPECT_EQ(e.problem().rfind("not a valid pins file: ", 0), 0u) << e.what();
  }
  EXPECT_EQ(read_text(path), edited);
  EXPECT_EQ(store.all(), before);

  if (::geteuid() == 0) return;  // mode 000 does not stop root
  PinStore other(dir.file("other.json"));
  other.set_pin("shop", sample_pin('a'));
  const std::string good = read_text(dir.file("other.json"));
  ASSERT_EQ(::chmod(dir.file("other.json").c_str(), 0), 0);
  EXPECT_THROW(other.set_pin("blog", sample_pin('d')), PinStoreError);
  ASSERT_EQ(::chmod(dir.file("other.json").c_str(), 0600), 0);
  EXPECT_EQ(read_text(dir.file("other.json")), good);
}

TEST(PinStore, ReloadSeesExternalEdits) {
  TempDir dir;
  const std::string path = dir.file("pins.json");
  PinStore daemon(path);
  daemon.load();
  EXPECT_FALSE(daemon.reload_if_changed());
  daemon.set_pin("shop", sample_pin('a'));
  EXPECT_FALSE(daemon.reload_if_changed());  // its own write is not a change

  // The CLI, another process in real life: a same-size rewrite (atomic rename, new inode).
  PinStore cli(path);
  cli.load();
  cli.set_pin("shop", sample_pin('f'));
  EXPECT_TRUE(daemon.reload_if_changed());
  EXPECT_EQ(daemon.get("shop")->pin, sample_pin('f'));
  EXPECT_FALSE(daemon.reload_if_changed());

  // A text editor rewriting the file in place with a different size.
  std::string text = read_text(path);
  text.replace(text.find("\"isv_svn\": 10"), 13, "\"isv_svn\": 123");
  overwrite(path, text);
  EXPECT_TRUE(daemon.reload_if_changed());
  EXPECT_EQ(daemon.get("shop")->pin->isv_svn, 123);

  // Deleted: no pins.
  std::filesystem::remove(path);
  EXPECT_TRUE(daemon.reload_if_changed());
  EXPECT_TRUE(daemon.all().empty());
  EXPECT_FALSE(daemon.reload_if_changed());
}

TEST(PinStore, MutationsKeepOtherWritersChanges) {
  TempDir dir;
  const std::string path = dir.file("pins.json");
  PinStore a(path);
  PinStore b(path);
  a.load();
  b.load();
  a.set_pin("one", sample_pin('a'));
  b.set_pin("two", sample_pin('d'));  // b never saw "one" in memory
  PinStore check(path);
  check.load();
  ASSERT_EQ(check.all().size(), 2u);
  EXPECT_TRUE(check.get("one"));
  EXPECT_TRUE(check.get("two"));
}

TEST(PinStore, ConcurrentWritersFromThreads) {
  TempDir dir;
  PinStore store(dir.file("pins.json"));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&store, t] {
      for (int i = 0; i < 5; ++i) {
        store.set_pin("app" + std::to_string(t * 10 + i), sample_pin('a'));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  PinStore check(dir.file("pins.json"));
  check.load();
  EXPECT_EQ(check.all().size(), 20u);
}

TEST(PinStore, AcceptPending) {
  TempDir dir;
  const std::string path = dir.file("pins.json");
  PinStore store(path);
  store.set_pin("shop", sample_pin('a'));
  store.set_pending("shop", sample_pin('d'), "MRENCLAVE changed from cccc to dddd");
  auto e = store.get("shop");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->pin, sample_pin('a'));  // the old pin stays until accepted
  EXPECT_EQ(e->pending, sample_pin('d'));

  // The CLI accepts; the daemon sees it.
  PinStore cli(path);
  EXPECT_TRUE(cli.accept_pending("shop"));
  EXPECT_TRUE(store.reload_if_changed());
  e = store.get("shop");
  EXPECT_EQ(e->pin, sample_pin('d'));
  EXPECT_FALSE(e->pending);
  EXPECT_EQ(e->pending_reason, "");
  EXPECT_FALSE(store.accept_pending("shop"));
  EXPECT_FALSE(store.accept_pending("unknown"));

  // A first candidate without any pin yet (refused on first use) can be accepted too.
  store.set_pending("blog", sample_pin('e'), "first use needs confirmation");
  EXPECT_FALSE(store.get("blog")->pin);
  EXPECT_TRUE(store.accept_pending("blog"));
  EXPECT_EQ(store.get("blog")->pin, sample_pin('e'));

  // set_pin clears a pending candidate.
  store.set_pending("shop", sample_pin('f'), "again");
  store.set_pin("shop", sample_pin('a'));
  EXPECT_FALSE(store.get("shop")->pending);
  EXPECT_EQ(store.get("shop")->pending_reason, "");
}

TEST(PinStore, Forget) {
  TempDir dir;
  const std::string path = dir.file("pins.json");
  PinStore store(path);
  EXPECT_FALSE(store.forget("shop"));
  EXPECT_FALSE(std::filesystem::exists(path));  // nothing to write
  store.set_pin("shop", sample_pin('a'));
  store.set_pin("blog", sample_pin('d'));
  EXPECT_TRUE(store.forget("shop"));
  EXPECT_FALSE(store.get("shop"));
  EXPECT_FALSE(store.forget("shop"));
  PinStore again(path);
  again.load();
  ASSERT_EQ(again.all().size(), 1u);
  EXPECT_EQ(again.all()[0].app, "blog");
  EXPECT_EQ(read_text(path).find("\"shop\""), std::string::npos);
}

TEST(PinStore, UnwritableLocationReportsAndKeepsState) {
  TempDir dir;
  // A regular file where the state directory should be: mkdir fails, even for root.
  const std::string blocker = dir.write("state", "not a directory");
  PinStore store(dir.file("state/pins.json"));
  try {
    store.set_pin("shop", sample_pin('a'));
    ADD_FAILURE() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "cannot create directory " + blocker + ": not a directory");
  }
  EXPECT_TRUE(store.all().empty());
  EXPECT_EQ(read_text(blocker), "not a directory");
}

// The verifier words its 502 page from these: which operation failed, on which file, and why.
TEST(PinStore, ErrorsSayWhatFailedOnWhichFile) {
  TempDir dir;
  const std::string path = dir.file("pins.json");
  PinStore store(path);
  store.set_pin("shop", sample_pin('a'));
  const auto before = store.all();
  const std::string good = read_text(path);
  auto error_of = [](const std::function<void()>& f) -> std::optional<PinStoreError> {
    try {
      f();
    } catch (const PinStoreError& e) {
      return e;
    }
    ADD_FAILURE() << "no PinStoreError";
    return std::nullopt;
  };

  overwrite(path, "garbage");
  auto e = error_of([&] { store.set_pin("blog", sample_pin('d')); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->operation(), PinStoreError::Operation::kRead);
  EXPECT_EQ(e->path(), path);
  EXPECT_EQ(e->problem().rfind("not a valid pins file: parse error at line 1", 0), 0u)
      << e->problem();
  EXPECT_EQ(std::string(e->what()), path + ": " + e->problem());
  EXPECT_EQ(read_text(path), "garbage");

  // A directory in its place: read as an error, never replaced or emptied.
  std::filesystem::remove(path);
  std::filesystem::create_directory(path);
  e = error_of([&] { store.reload_if_changed(); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->operation(), PinStoreError::Operation::kRead);
  EXPECT_EQ(e->problem(), "not a regular file");
  EXPECT_EQ(std::string(e->what()), "cannot read " + path + ": not a regular file");
  e = error_of([&] { store.set_pin("blog", sample_pin('d')); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->operation(), PinStoreError::Operation::kRead);
  EXPECT_TRUE(std::filesystem::is_directory(path));
  EXPECT_TRUE(std::filesystem::is_empty(path));
  EXPECT_EQ(store.all(), before);

  // A write that fails (a directory where the temporary file goes; root is not stopped by modes).
  std::filesystem::remove(path);
  overwrite(path, good);
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  std::filesystem::create_directory(tmp);
  e = error_of([&] { store.set_pin("blog", sample_pin('d')); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->operation(), PinStoreError::Operation::kWrite);
  EXPECT_EQ(e->path(), path);
  EXPECT_EQ(e->problem(), "create " + tmp + ": Is a directory");
  EXPECT_EQ(std::string(e->what()), "cannot write " + path + ": " + e->problem());
  EXPECT_EQ(read_text(path), good);
  EXPECT_EQ(store.all(), before);
  std::filesystem::remove(tmp);
  store.set_pin("blog", sample_pin('d'));
  EXPECT_TRUE(store.get("blog"));
}

TEST(PinStore, AFifoInPlaceOfTheFileIsAnErrorNotAHang) {
  TempDir dir;
  const std::string path = dir.file("pins.json");
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  PinStore store(path);
  auto loading = std::async(std::launch::async, [&] { return load_error(store); });
  if (loading.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
    ADD_FAILURE() << "load() blocks on a FIFO";
    // Unblock it: a writer that opens and closes gives the reader its end of file.
    const int fd = ::open(path.c_str(), O_WRONLY | O_NONBLOCK);
    if (fd >= 0) ::close(fd);
  }
  EXPECT_EQ(loading.get(), "cannot read " + path + ": not a regular file");
}

}  // namespace
}  // namespace ratls::proxy
