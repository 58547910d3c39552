// The rules that keep a loop's connections in bounds, in process: which pooled upstream
// connection may be reused and for how long (UpstreamPool), the waiting clients closed at their
// deadline (IdleClients), the bound on connections per app (UpstreamSlots) and the dial cooldown.
#include <gtest/gtest.h>

#include "proxy/server/dial_cooldown.h"
#include "proxy/server/idle_clients.h"
#include "proxy/server/upstream_pool.h"
#include "proxy/server/upstream_slots.h"

namespace ratls::proxy {
namespace {

using Clock = std::chrono::steady_clock;

class UpstreamPoolTest : public ::testing::Test {
 protected:
  std::unique_ptr<UpstreamConn> conn(unsigned generation) {
    auto c = std::make_unique<UpstreamConn>(io_.get_executor(), tls_);
    c->generation = generation;
    return c;
  }

  asio::io_context io_;
  ssl::context tls_{ssl::context::tls_client};
  UpstreamPool pool_;
};

TEST_F(UpstreamPoolTest, AConnectionIsReusedUnderItsOwnGenerationOnly) {
  pool_.give_back("a", conn(1));
  EXPECT_EQ(pool_.take("a", 2), nullptr);  // verified under a replaced configuration: closed
  EXPECT_EQ(pool_.take("a", 1), nullptr);  // and gone
  pool_.give_back("a", conn(2));
  EXPECT_NE(pool_.take("a", 2), nullptr);
}

TEST_F(UpstreamPoolTest, TheMostRecentlyUsedGoesFirstAndAppsAreApart) {
  auto first = conn(1);
  auto second = conn(1);
  UpstreamConn* const second_ptr = second.get();
  pool_.give_back("a", std::move(first));
  pool_.give_back("a", std::move(second));
  EXPECT_EQ(pool_.take("b", 1), nullptr);
  EXPECT_EQ(pool_.take("a", 1).get(), second_ptr);
}

// The loop's upstream slots bound the pool; within them, a connection given back is never
// closed for being one too many (its replacement would cost a handshake and a verification).
TEST_F(UpstreamPoolTest, EveryConnectionGivenBackIsKeptUntilTheSweep) {
  for (int i = 0; i < 40; ++i) pool_.give_back("a", conn(1));
  std::size_t taken = 0;
  while (pool_.take("a", 1) != nullptr) ++taken;
  EXPECT_EQ(taken, 40u);
}

TEST_F(UpstreamPoolTest, TheSweepClosesConnectionsIdleForFourSeconds) {
  pool_.give_back("a", conn(1));
  pool_.give_back("b", conn(1));
  const auto now = Clock::now();
  EXPECT_EQ(pool_.close_expired(now + std::chrono::milliseconds(3900)), 0u);
  EXPECT_NE(pool_.take("a", 1), nullptr);  // still there before the limit
  pool_.give_back("a", conn(1));
  EXPECT_EQ(pool_.close_expired(Clock::now() + UpstreamPool::kMaxIdle), 2u);
  EXPECT_EQ(pool_.take("a", 1), nullptr);
  EXPECT_EQ(pool_.take("b", 1), nullptr);
}

TEST_F(UpstreamPoolTest, AReloadKeepsOnlyTheAppsStillConfigured) {
  pool_.give_back("kept", conn(1));
  pool_.give_back("dropped", conn(1));
  pool_.keep_only({"kept"});
  EXPECT_EQ(pool_.take("dropped", 1), nullptr);
  EXPECT_NE(pool_.take("kept", 1), nullptr);
}

class IdleClientsTest : public ::testing::Test {
 protected:
  beast::tcp_stream open_stream() {
    beast::tcp_stream s(io_);
    s.socket().open(tcp::v4());
    return s;
  }

  asio::io_context io_;
  IdleClients clients_;
};

TEST_F(IdleClientsTest, TheSweepClosesOnlyClientsWaitingPastTheirDeadline) {
  beast::tcp_stream late = open_stream();
  beast::tcp_stream early = open_stream();
  beast::tcp_stream busy = open_stream();
  IdleClients::Entry late_entry(clients_, late);
  IdleClients::Entry early_entry(clients_, early);
  IdleClients::Entry busy_entry(clients_, busy);
  const auto now = Clock::now();
  late_entry.set_idle(now - std::chrono::seconds(1));
  early_entry.set_idle(now + std::chrono::seconds(10));
  busy_entry.set_busy();

  EXPECT_EQ(clients_.close_expired(now), 1u);
  EXPECT_FALSE(late.socket().is_open());
  EXPECT_TRUE(early.socket().is_open());
  EXPECT_TRUE(busy.socket().is_open());
  EXPECT_EQ(clients_.close_expired(now), 0u);  // a closed one is not counted again
}

TEST_F(IdleClientsTest, ADrainClosesEveryWaitingClientButNoneServingARequest) {
  beast::tcp_stream waiting = open_stream();
  beast::tcp_stream busy = open_stream();
  IdleClients::Entry waiting_entry(clients_, waiting);
  IdleClients::Entry busy_entry(clients_, busy);
  waiting_entry.set_idle(Clock::now() + std::chrono::hours(1));
  busy_entry.set_busy();
  clients_.close_idle();
  EXPECT_FALSE(waiting.socket().is_open());
  EXPECT_TRUE(busy.socket().is_open());
}

TEST_F(IdleClientsTest, AnEndedConnectionLeavesTheList) {
  beast::tcp_stream kept = open_stream();
  IdleClients::Entry kept_entry(clients_, kept);
  {
    beast::tcp_stream gone = open_stream();
    IdleClients::Entry gone_entry(clients_, gone);
    gone_entry.set_idle(Clock::now() - std::chrono::seconds(1));
  }
  kept_entry.set_idle(Clock::now() - std::chrono::seconds(1));
  EXPECT_EQ(clients_.close_expired(Clock::now()), 1u);
}

TEST(UpstreamSlotsTest, ALoopHoldsAtMostItsLimitPerApp) {
  UpstreamSlots slots;
  slots.set_limit(2);
  auto one = slots.try_acquire("a");
  auto two = slots.try_acquire("a");
  ASSERT_NE(one, nullptr);
  ASSERT_NE(two, nullptr);
  EXPECT_EQ(slots.try_acquire("a"), nullptr);
  EXPECT_NE(slots.try_acquire("b"), nullptr);  // per app
  EXPECT_EQ(slots.open("a"), 2u);
  one.reset();  // a connection closed: its slot is free again
  EXPECT_EQ(slots.open("a"), 1u);
  EXPECT_NE(slots.try_acquire("a"), nullptr);
}

TEST(DialCooldownTest, AFailureIsRememberedUntilCleared) {
  DialCooldown cooldown;
  EXPECT_FALSE(cooldown.reason("a"));
  cooldown.start("a", "connection refused");
  ASSERT_TRUE(cooldown.reason("a"));
  EXPECT_EQ(*cooldown.reason("a"), "connection refused");
  EXPECT_FALSE(cooldown.reason("b"));
  cooldown.clear();  // a reload
  EXPECT_FALSE(cooldown.reason("a"));
}

}  // namespace
}  // namespace ratls::proxy
