// TCB level matching and QVL status convergence, on hand-made TCB info / QE identity values.
#include <gtest/gtest.h>

#include "attest/tcb_eval.h"

namespace ratls::attest {
namespace {

TcbLevel level(std::array<std::uint8_t, 16> comps, std::uint16_t pcesvn, TcbStatus status,
               std::vector<std::string> advisories = {}) {
  TcbLevel l;
  l.sgx_components = comps;
  l.pcesvn = pcesvn;
  l.status = status;
  l.advisory_ids = std::move(advisories);
  return l;
}

PckExtension pck(std::array<std::uint8_t, 16> comps, std::uint16_t pcesvn) {
  PckExtension p;
  p.tcb_components = comps;
  p.pcesvn = pcesvn;
  return p;
}

TcbInfo info_with(std::vector<TcbLevel> levels) {
  TcbInfo info;
  info.id = "SGX";
  info.version = 3;
  info.levels = std::move(levels);
  return info;
}

TEST(TcbEval, PicksHighestLevelThePlatformReaches) {
  auto info = info_with({level({5, 5, 2}, 13, TcbStatus::kUpToDate),
                         level({4, 4, 2}, 13, TcbStatus::kSWHardeningNeeded, {"INTEL-SA-1"}),
                         level({2, 2, 2}, 11, TcbStatus::kOutOfDate, {"INTEL-SA-2"})});
  EXPECT_EQ(match_sgx_tcb_level(info, pck({5, 5, 2}, 13))->status, TcbStatus::kUpToDate);
  EXPECT_EQ(match_sgx_tcb_level(info, pck({9, 9, 9}, 99))->status, TcbStatus::kUpToDate);
  EXPECT_EQ(match_sgx_tcb_level(info, pck({5, 4, 2}, 13))->status, TcbStatus::kSWHardeningNeeded);
  // PCESVN below the level's blocks it even when every component reaches it.
  EXPECT_EQ(match_sgx_tcb_level(info, pck({5, 5, 2}, 12))->status, TcbStatus::kOutOfDate);
}

TEST(TcbEval, EveryComponentMustReachTheLevel) {
  auto info = info_with({level({1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 1,
                               TcbStatus::kUpToDate)});
  EXPECT_NE(match_sgx_tcb_level(info, pck({1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 1)),
            nullptr);
  for (std::size_t i = 0; i < 16; ++i) {
    std::array<std::uint8_t, 16> comps;
    comps.fill(1);
    comps[i] = 0;
    EXPECT_EQ(match_sgx_tcb_level(info, pck(comps, 1)), nullptr) << "component " << i;
  }
}

TEST(TcbEval, NoLevelReachedIsNotSupported) {
  auto info = info_with({level({5, 5}, 13, TcbStatus::kUpToDate)});
  EXPECT_EQ(match_sgx_tcb_level(info, pck({4, 9}, 13)), nullptr);
  EXPECT_EQ(match_sgx_tcb_level(info_with({}), pck({4, 9}, 13)), nullptr);
}

TEST(TcbEval, DocumentOrderDoesNotMatter) {
  // A reordered document must not let a lower level shadow a higher one.
  auto info = info_with({level({2, 2}, 1, TcbStatus::kOutOfDate),
                         level({5, 5}, 1, TcbStatus::kUpToDate)});
  EXPECT_EQ(match_sgx_tcb_level(info, pck({6, 6}, 1))->status, TcbStatus::kUpToDate);
}

TEST(TcbEval, QeLevelIsHighestIsvsvnNotAbove) {
  std::vector<IsvTcbLevel> levels(3);
  levels[0] = {8, 0, TcbStatus::kUpToDate, {}};
  levels[1] = {6, 0, TcbStatus::kOutOfDate, {"INTEL-SA-00615"}};
  levels[2] = {2, 0, TcbStatus::kOutOfDate, {"INTEL-SA-00219"}};
  EXPECT_EQ(match_isv_tcb_level(levels, 10)->status, TcbStatus::kUpToDate);
  EXPECT_EQ(match_isv_tcb_level(levels, 8)->status, TcbStatus::kUpToDate);
  EXPECT_EQ(match_isv_tcb_level(levels, 7)->advisory_ids.front(), "INTEL-SA-00615");
  EXPECT_EQ(match_isv_tcb_level(levels, 1), nullptr);
}

TEST(TcbEval, ConvergenceFollowsQvl) {
  using S = TcbStatus;
  EXPECT_EQ(converge_tcb_status(S::kUpToDate, S::kUpToDate), S::kUpToDate);
  EXPECT_EQ(converge_tcb_status(S::kConfigurationAndSWHardeningNeeded, S::kUpToDate),
            S::kConfigurationAndSWHardeningNeeded);
  EXPECT_EQ(converge_tcb_status(S::kUpToDate, S::kOutOfDate), S::kOutOfDate);
  EXPECT_EQ(converge_tcb_status(S::kSWHardeningNeeded, S::kOutOfDate), S::kOutOfDate);
  // dcap-qvl would say OutOfDate here; QVL keeps the configuration part.
  EXPECT_EQ(converge_tcb_status(S::kConfigurationNeeded, S::kOutOfDate),
            S::kOutOfDateConfigurationNeeded);
  EXPECT_EQ(converge_tcb_status(S::kConfigurationAndSWHardeningNeeded, S::kOutOfDate),
            S::kOutOfDateConfigurationNeeded);
  EXPECT_EQ(converge_tcb_status(S::kUpToDate, S::kRevoked), S::kRevoked);
  EXPECT_EQ(converge_tcb_status(S::kRevoked, S::kUpToDate), S::kRevoked);
}

QeIdentity intel_qe_identity() {
  QeIdentity id;
  id.id = "QE";
  id.version = 2;
  id.miscselect = {0, 0, 0, 0};
  id.miscselect_mask = {0xff, 0xff, 0xff, 0xff};
  id.attributes = {0x11};
  id.attributes_mask = {0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  id.mrsigner.fill(0x8c);
  id.isvprodid = 1;
  return id;
}

EnclaveReport good_qe_report() {
  EnclaveReport r;
  r.attributes = {0x11, 0, 0, 0, 0, 0, 0, 0, 0xe7};
  r.mrsigner.fill(0x8c);
  r.isv_prod_id = 1;
  return r;
}

TEST(TcbEval, QeIdentityRules) {
  const auto id = intel_qe_identity();
  EXPECT_EQ(qe_identity_mismatch(id, good_qe_report()), "");

  auto r = good_qe_report();
  r.miscselect = 1;
  EXPECT_NE(qe_identity_mismatch(id, r).find("MISCSELECT"), std::string::npos);

  r = good_qe_report();
  r.attributes[0] |= 0x02;  // a debug QE
  EXPECT_NE(qe_identity_mismatch(id, r).find("ATTRIBUTES"), std::string::npos);

  r = good_qe_report();
  r.attributes[0] = static_cast<std::uint8_t>(r.attributes[0] | 0x04);  // bit 2 is masked out
  EXPECT_EQ(qe_identity_mismatch(id, r), "");

  r = good_qe_report();
  r.mrsigner[31] ^= 1;
  EXPECT_NE(qe_identity_mismatch(id, r).find("MRSIGNER"), std::string::npos);

  r = good_qe_report();
  r.isv_prod_id = 2;
  EXPECT_NE(qe_identity_mismatch(id, r).find("ISVPRODID"), std::string::npos);
}

}  // namespace
}  // namespace ratls::attest
