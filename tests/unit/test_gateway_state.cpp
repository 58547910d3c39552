// GatewayState's record of an app's Mse-Status (Cosmian's configuration server answers
// `Mse-Status: Waiting`): what status.json and the page show, and the per-loop cache that lets an
// unchanged answer skip the lock without hiding what another loop recorded.
#include <gtest/gtest.h>

#include "proxy/status/gateway_state.h"

namespace ratls::proxy {
namespace {

Config two_apps() {
  Config c;
  for (const char* name : {"conf", "other"}) {
    AppConfig a;
    a.name = name;
    a.upstream = std::string("https://127.0.0.1:") + (name[0] == 'c' ? "1" : "2");
    c.apps.push_back(a);
  }
  return c;
}

const nlohmann::json& app_json(const nlohmann::json& status, const std::string& name) {
  for (const auto& a : status["apps"]) {
    if (a["name"] == name) return a;
  }
  static const nlohmann::json none;
  ADD_FAILURE() << "no app " << name;
  return none;
}

class AppSignalTest : public ::testing::Test {
 protected:
  void SetUp() override { state.configure(two_apps(), true); }
  // What the exchange does with one answer on one loop.
  void answer(AppSignalCache& loop, const std::string& app, const std::string* mse) {
    if (state.app_signal_unchanged(loop, app, mse)) {
      ++skipped;
      return;
    }
    state.record_app_signal(loop, app, mse, 1'700'000'000);
  }
  nlohmann::json json_of(const std::string& app) {
    return app_json(state.to_json(pins, 1'700'000'000), app);
  }

  GatewayState state;
  PinStore pins{"/nonexistent/pins.json"};
  int skipped = 0;
};

TEST_F(AppSignalTest, WaitingIsShownAndClearedByAnAnswerWithoutTheField) {
  AppSignalCache loop;
  EXPECT_TRUE(json_of("conf")["app_status"].is_null());
  const std::string waiting = "Waiting";
  answer(loop, "conf", &waiting);
  nlohmann::json j = json_of("conf");
  EXPECT_EQ(j["app_status"], "waiting for configuration");
  EXPECT_EQ(j["mse_status"], "Waiting");
  EXPECT_NE(j["events"][0].get<std::string>().find("Mse-Status: Waiting"), std::string::npos);
  EXPECT_TRUE(json_of("other")["app_status"].is_null());

  const std::string html = render_status_html(state.to_json(pins, 1'700'000'000), "http", "7443");
  EXPECT_NE(html.find("data-app-status>waiting for configuration</span>"), std::string::npos);

  answer(loop, "conf", nullptr);
  j = json_of("conf");
  EXPECT_TRUE(j["app_status"].is_null());
  EXPECT_TRUE(j["mse_status"].is_null());
  EXPECT_NE(j["events"][0].get<std::string>().find("without Mse-Status"), std::string::npos);
  EXPECT_EQ(render_status_html(state.to_json(pins, 1'700'000'000), "http", "7443")
                .find("data-app-status"),
            std::string::npos);
}

TEST_F(AppSignalTest, AnyCaseOfWaitingAndOtherValuesAsTheyCame) {
  AppSignalCache loop;
  const std::string upper = "WAITING";
  answer(loop, "conf", &upper);
  EXPECT_EQ(json_of("conf")["app_status"], "waiting for configuration");
  const std::string other = "Ready";
  answer(loop, "conf", &other);
  EXPECT_EQ(json_of("conf")["app_status"], "Mse-Status: Ready");
  // Bytes that are not printable ASCII never reach status.json (which must stay UTF-8).
  const std::string odd = std::string("a\xff\x01") + std::string(100, 'z');
  answer(loop, "conf", &odd);
  const std::string shown = json_of("conf")["mse_status"];
  EXPECT_EQ(shown.substr(0, 3), "a??");
  EXPECT_EQ(shown.size(), 64u);
  EXPECT_NO_THROW(state.to_json(pins, 1'700'000'000).dump());
}

TEST_F(AppSignalTest, AnUnchangedAnswerTakesTheFastPath) {
  AppSignalCache loop;
  const std::string waiting = "Waiting";
  for (int i = 0; i < 100; ++i) answer(loop, "conf", &waiting);
  EXPECT_EQ(skipped, 99);
  for (int i = 0; i < 100; ++i) answer(loop, "other", nullptr);
  EXPECT_EQ(skipped, 99 + 99);
  EXPECT_EQ(json_of("conf")["events"].size(), 1u);  // one change, one event
}

TEST_F(AppSignalTest, WhatAnotherLoopRecordedIsNeverHiddenByThisLoopsCache) {
  AppSignalCache a, b;
  const std::string waiting = "Waiting";
  answer(a, "conf", &waiting);
  answer(b, "conf", nullptr);  // loop b saw the app server
  EXPECT_TRUE(json_of("conf")["app_status"].is_null());
  answer(a, "conf", &waiting);  // loop a's cache still says Waiting: it must record again
  EXPECT_EQ(json_of("conf")["app_status"], "waiting for configuration");
}

TEST_F(AppSignalTest, AReconfiguredUpstreamStartsOver) {
  AppSignalCache loop;
  const std::string waiting = "Waiting";
  answer(loop, "conf", &waiting);
  Config moved = two_apps();
  moved.apps[0].upstream = "https://127.0.0.1:3";
  state.configure(moved, true);
  EXPECT_TRUE(json_of("conf")["app_status"].is_null());
  answer(loop, "conf", &waiting);  // the same answer, but the app is new: recorded
  EXPECT_EQ(json_of("conf")["app_status"], "waiting for configuration");
  // Unchanged upstream: kept across a reload.
  state.configure(moved, true);
  EXPECT_EQ(json_of("conf")["app_status"], "waiting for configuration");
}

}  // namespace
}  // namespace ratls::proxy
