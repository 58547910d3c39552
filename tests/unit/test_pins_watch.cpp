// The pin store's version and the daemon's inotify watch: what lets the per-request path skip the
// pins file while still seeing a `pins accept`/`forget` made by another process.
#include "proxy/server/pins_watch.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <functional>

#include "tests/support/process.h"

namespace ratls::proxy {
namespace {

Pin pin_with(char digit) {
  Pin p;
  p.cert_sha256 = std::string(64, digit);
  p.spki_sha256 = std::string(64, 'b');
  p.mrenclave = std::string(64, 'c');
  p.mrsigner = std::string(64, 'd');
  return p;
}

// Runs `io` until `done` holds or 5 s pass; true if it held.
bool run_until(asio::io_context& io, const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.run_for(std::chrono::milliseconds(10));
    io.restart();
  }
  return done();
}

TEST(PinStoreVersion, MovesOnEveryChangeAndOnlyThen) {
  ratls::test::TempDir dir;
  PinStore store(dir.file("pins.json"));
  store.load();
  const std::uint64_t loaded = store.version();
  EXPECT_GT(loaded, 0u);  // 0 means "never compared" for a pooled connection
  EXPECT_FALSE(store.reload_if_changed());
  EXPECT_EQ(store.version(), loaded);
  store.set_pin("app", pin_with('1'));
  const std::uint64_t pinned = store.version();
  EXPECT_NE(pinned, loaded);
  EXPECT_FALSE(store.reload_if_changed());  // its own write is not a change from outside
  EXPECT_EQ(store.version(), pinned);

  PinStore other(dir.file("pins.json"));  // the CLI, in another process
  other.load();
  ASSERT_TRUE(other.forget("app"));
  EXPECT_EQ(store.version(), pinned);  // not seen until the file is looked at
  EXPECT_TRUE(store.reload_if_changed());
  EXPECT_NE(store.version(), pinned);
  EXPECT_EQ(store.pinned_cert_sha256("app"), std::nullopt);
}

TEST(PinsWatch, SeesAnotherProcessAcceptForgetAndRemove) {
  ratls::test::TempDir dir;
  const std::string path = dir.file("pins.json");
  PinStore daemon(path);
  daemon.load();
  asio::io_context io;
  PinsWatch watch(io, daemon);
  ASSERT_TRUE(watch.start());
  EXPECT_TRUE(daemon.watched());

  PinStore cli(path);
  cli.load();
  std::uint64_t seen = daemon.version();
  cli.set_pin("app", pin_with('1'));
  ASSERT_TRUE(run_until(io, [&] { return daemon.version() != seen; }));
  EXPECT_EQ(daemon.pinned_cert_sha256("app"), std::string(64, '1'));

  seen = daemon.version();
  cli.set_pending("app", pin_with('2'), "measurement changed");
  ASSERT_TRUE(cli.accept_pending("app"));
  ASSERT_TRUE(
      run_until(io, [&] { return daemon.pinned_cert_sha256("app") == std::string(64, '2'); }));
  EXPECT_NE(daemon.version(), seen);

  seen = daemon.version();
  std::filesystem::remove(path);  // by hand: the user wants no pins
  ASSERT_TRUE(run_until(io, [&] { return daemon.version() != seen; }));
  EXPECT_EQ(daemon.pinned_cert_sha256("app"), std::nullopt);

  // Other files in the state directory are not pin changes.
  seen = daemon.version();
  dir.write("other.json", "{}");
  io.run_for(std::chrono::milliseconds(100));
  EXPECT_EQ(daemon.version(), seen);

  watch.stop();
  EXPECT_FALSE(daemon.watched());
}

TEST(PinsWatch, WithoutTheFolderTheStoreStaysUnwatched) {
  ratls::test::TempDir dir;
  PinStore daemon(dir.file("missing/pins.json"));
  daemon.load();
  asio::io_context io;
  PinsWatch watch(io, daemon);
  EXPECT_FALSE(watch.start());
  EXPECT_FALSE(daemon.watched());  // the request path then stats the file on each reuse
}

TEST(PinsWatch, TheFolderGoingAwayEndsTheWatch) {
  ratls::test::TempDir dir;
  const std::filesystem::path state = dir.path() / "state";
  std::filesystem::create_directory(state);
  PinStore daemon((state / "pins.json").string());
  daemon.load();
  asio::io_context io;
  PinsWatch watch(io, daemon);
  ASSERT_TRUE(watch.start());
  std::filesystem::rename(state, dir.path() / "moved");
  EXPECT_TRUE(run_until(io, [&] { return !daemon.watched(); }));
}

}  // namespace
}  // namespace ratls::proxy
