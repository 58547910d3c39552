// `ratls-gateway sim init|issue` and live `verify https://...` against a real TLS peer on loopback
// (Debian's python3 ssl module), which records whether the verifier sent it any application byte.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "attest/x509.h"
#include "tests/support/process.h"
#include "tests/support/testdata.h"

namespace ratls::test {
namespace {

using nlohmann::json;

const std::string kMrenclave(64, 'a');

std::string peer_script() {
  return (std::filesystem::path(RATLS_SOURCE_DIR) / "tests/integration/peers/tls_recorder.py")
      .string();
}

CommandResult gateway(const std::vector<std::string>& args) {
  std::vector<std::string> argv{gateway_binary()};
  for (const auto& a : args) argv.push_back(a);
  return run_command(argv);
}

unsigned mode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

json verify_json(const std::vector<std::string>& args, int expected_exit) {
  std::vector<std::string> argv{"verify", "--json"};
  for (const auto& a : args) argv.push_back(a);
  const CommandResult r = gateway(argv);
  EXPECT_EQ(r.exit_code, expected_exit) << r.out << r.err;
  try {
    return json::parse(r.out);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not JSON: " << r.out << r.err;
    return {};
  }
}

std::string first_error(const json& j) {
  if (!j.contains("errors") || j["errors"].empty()) return "";
  return j["errors"][0]["code"].get<std::string>();
}

class SimCli : public ::testing::Test {
 protected:
  void SetUp() override {
    hierarchy_ = dir_.file("hierarchy");
    const CommandResult r = gateway({"sim", "init", hierarchy_});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  std::string issue(std::vector<std::string> extra = {}, const std::string& name = "app") {
    std::vector<std::string> args = {"sim",
                                     "issue",
                                     hierarchy_,
                                     "--mrenclave",
                                     kMrenclave,
                                     "--cert",
                                     dir_.file(name + ".pem"),
                                     "--key",
                                     dir_.file(name + ".key")};
    args.insert(args.end(), extra.begin(), extra.end());
    const CommandResult r = gateway(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return dir_.file(name + ".pem");
  }
  std::vector<std::string> trust() const {
    return {"--collateral", hierarchy_ + "/collateral", "--root-ca", hierarchy_};
  }

  TempDir dir_;
  std::string hierarchy_;
};

TEST_F(SimCli, InitWritesTheLayoutWithPrivateKeysHidden) {
  for (const char* f : {"root_ca.pem", "collateral/tcb_info.json", "collateral/qe_identity.json",
                        "collateral/pck_crl.pem", "collateral/root_ca_crl.pem", "hierarchy.json"}) {
    EXPECT_TRUE(std::filesystem::exists(hierarchy_ + "/" + f)) << f;
  }
  EXPECT_EQ(mode_of(hierarchy_ + "/private"), 0700u);
  for (const auto& entry : std::filesystem::directory_iterator(hierarchy_ + "/private")) {
    EXPECT_EQ(mode_of(entry.path().string()), 0600u) << entry.path();
  }
  // A second init must not silently replace the keys users may have trusted.
  const CommandResult again = gateway({"sim", "init", hierarchy_});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("--force"), std::string::npos) << again.err;
  EXPECT_EQ(gateway({"sim", "init", hierarchy_, "--force"}).exit_code, 0);
}

TEST_F(SimCli, IssuedCertificateVerifiesAsSimulatedAndOnlyWithItsRoot) {
  const std::string cert = issue({"--isv-prod-id", "7", "--isv-svn", "2"});
  EXPECT_EQ(mode_of(dir_.file("app.key")), 0600u);
  std::vector<std::string> args = {"--cert", cert, "--mrenclave", kMrenclave, "--isv-prod-id", "7"};
  auto t = trust();
  args.insert(args.end(), t.begin(), t.end());
  const json ok = verify_json(args, 0);
  EXPECT_EQ(ok["verdict"], "accepted");
  EXPECT_EQ(ok["simulated"], true);
  EXPECT_EQ(ok["format"], "cosmian-sgx");
  EXPECT_EQ(ok["tcb_status"], "UpToDate");
  EXPECT_EQ(ok["isv_svn"], 2);

  // Without --root-ca the Intel root is pinned and the simulation is not trusted.
  const json no_root = verify_json({"--cert", cert, "--collateral", hierarchy_ + "/collateral"}, 1);
  EXPECT_EQ(first_error(no_root), "STATUS_SGX_ROOT_CA_UNTRUSTED");
  EXPECT_EQ(no_root["simulated"], false);
}

// The private key file must match REPORTDATA[32:64]: derived here with OpenSSL, not libsodium.
TEST_F(SimCli, X25519KeyFileMatchesTheKeyInTheQuote) {
  const std::string key_file = dir_.file("enclave.x25519");
  const std::string cert = issue({"--x25519-key", key_file});
  EXPECT_EQ(mode_of(key_file), 0600u);
  const attest::Bytes secret = read_bytes(key_file);
  ASSERT_EQ(secret.size(), 32u);
  EVP_PKEY* key =
      EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, secret.data(), secret.size());
  ASSERT_NE(key, nullptr);
  std::uint8_t pub[32];
  std::size_t pub_len = sizeof pub;
  ASSERT_EQ(EVP_PKEY_get_raw_public_key(key, pub, &pub_len), 1);
  EVP_PKEY_free(key);
  std::vector<std::string> args = {"--cert", cert};
  auto t = trust();
  args.insert(args.end(), t.begin(), t.end());
  const json j = verify_json(args, 0);
  EXPECT_EQ(j["enclave_x25519_public_key"], attest::to_hex(attest::ByteView(pub, pub_len)));

  // One source of the key, and only where Cosmian carries it.
  const CommandResult both =
      gateway({"sim", "issue", hierarchy_, "--mrenclave", kMrenclave, "--cert", dir_.file("b.pem"),
               "--key", dir_.file("b.key"), "--x25519", std::string(64, '1'), "--x25519-key",
               dir_.file("b.x25519")});
  EXPECT_EQ(both.exit_code, 2) << both.err;
  const CommandResult gramine = gateway(
      {"sim", "issue", hierarchy_, "--mrenclave", kMrenclave, "--format", "gramine", "--cert",
       dir_.file("g.pem"), "--key", dir_.file("g.key"), "--x25519-key", dir_.file("g.x25519")});
  EXPECT_EQ(gramine.exit_code, 2) << gramine.err;
  EXPECT_FALSE(std::filesystem::exists(dir_.file("b.x25519")));
  EXPECT_FALSE(std::filesystem::exists(dir_.file("g.x25519")));
}

TEST_F(SimCli, EachFormatVerifies) {
  for (const std::string format : {"cosmian", "gramine", "gramine-dice"}) {
    const std::string cert = issue({"--format", format}, format);
    std::vector<std::string> args = {"--cert", cert};
    auto t = trust();
    args.insert(args.end(), t.begin(), t.end());
    const json j = verify_json(args, 0);
    EXPECT_EQ(j["binding"], "ok") << format;
  }
}

TEST_F(SimCli, NegativeCasesFailOnTheirCheck) {
  struct Case {
    std::vector<std::string> init;
    std::vector<std::string> issue;
    std::string code;
  };
  const std::vector<Case> cases = {
      {{"--revoke-pck"}, {}, "STATUS_PCK_REVOKED"},
      {{"--revoke-pck-ca"}, {}, "STATUS_SGX_INTERMEDIATE_CA_REVOKED"},
      {{"--expired-collateral"}, {}, "STATUS_SGX_TCB_INFO_EXPIRED"},
      {{"--tcb-unsupported"}, {}, "STATUS_TCB_NOT_SUPPORTED"},
      {{"--platform-tcb", "OutOfDate"}, {}, "STATUS_POLICY_TCB_STATUS_NOT_ACCEPTED"},
      {{}, {"--debug"}, "STATUS_POLICY_DEBUG_ENCLAVE"},
      {{}, {"--mrsigner", std::string(64, 'c')}, "STATUS_POLICY_MRSIGNER_NOT_ALLOWED"},
      {{}, {"--bind-other-key"}, "STATUS_RATLS_KEY_BINDING_MISMATCH"},
      {{}, {"--binding", "gramine"}, "STATUS_RATLS_KEY_BINDING_MISMATCH"},
      {{}, {"--format", "gramine", "--binding", "cosmian"}, "STATUS_RATLS_KEY_BINDING_MISMATCH"},
      {{}, {"--expired"}, "STATUS_RATLS_CERT_EXPIRED"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.code);
    std::vector<std::string> init = {"sim", "init", hierarchy_, "--force"};
    init.insert(init.end(), c.init.begin(), c.init.end());
    ASSERT_EQ(gateway(init).exit_code, 0);
    const std::string cert = issue(c.issue);
    // The policy expects the simulated signer `sim issue` uses by default.
    const std::string default_signer =
        attest::to_hex(attest::sha256(attest::as_bytes("ratls-gateway simulated signer")));
    std::vector<std::string> args = {"--cert", cert, "--mrsigner", default_signer};
    auto t = trust();
    args.insert(args.end(), t.begin(), t.end());
    const json j = verify_json(args, 1);
    EXPECT_EQ(j["verdict"], "rejected");
    std::vector<std::string> codes;
    for (const auto& e : j["errors"]) codes.push_back(e["code"]);
    ASSERT_FALSE(codes.empty());
    EXPECT_EQ(codes.front(), c.code) << j.dump();
  }
}

TEST_F(SimCli, BadInputIsAOneLineError) {
  const CommandResult no_dir =
      gateway({"sim", "issue", dir_.file("missing"), "--mrenclave", kMrenclave, "--cert",
               dir_.file("x.pem"), "--key", dir_.file("x.key")});
  EXPECT_EQ(no_dir.exit_code, 2);
  EXPECT_NE(no_dir.err.find("sim init"), std::string::npos) << no_dir.err;
  const CommandResult bad_hex = gateway({"sim", "issue", hierarchy_, "--mrenclave", "abc", "--cert",
                                         dir_.file("x.pem"), "--key", dir_.file("x.key")});
  EXPECT_EQ(bad_hex.exit_code, 2);
  EXPECT_NE(bad_hex.err.find("64 hex digits"), std::string::npos) << bad_hex.err;
  EXPECT_FALSE(std::filesystem::exists(dir_.file("x.key")));
  const CommandResult bad_status =
      gateway({"sim", "init", dir_.file("h2"), "--platform-tcb", "Fine"});
  EXPECT_EQ(bad_status.exit_code, 2);
  for (const std::vector<std::string>& bad :
       {std::vector<std::string>{"--binding", "spki"},
        std::vector<std::string>{"--format", "gramine-dice", "--binding", "cosmian"}}) {
    std::vector<std::string> args = {"sim",
                                     "issue",
                                     hierarchy_,
                                     "--mrenclave",
                                     kMrenclave,
                                     "--cert",
                                     dir_.file("x.pem"),
                                     "--key",
                                     dir_.file("x.key")};
    args.insert(args.end(), bad.begin(), bad.end());
    const CommandResult r = gateway(args);
    EXPECT_EQ(r.exit_code, 2) << r.out;
    EXPECT_NE(r.err.find("--binding"), std::string::npos) << r.err;
  }
}

// A TLS peer on loopback; the verifier must read its certificate and send nothing else.
class LivePeer {
 public:
  LivePeer(const TempDir& dir, const std::string& cert, const std::string& key)
      : port_(free_loopback_port()),
        record_(dir.file("record-" + std::to_string(port_))),
        server_({"/usr/bin/python3", peer_script(), std::to_string(port_), cert, key, record_},
                dir.file("peer-" + std::to_string(port_) + ".log")) {
    EXPECT_TRUE(wait_for_port(port_)) << "the TLS peer did not start";
  }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }
  // Lines "ok N" / "failed N", one per finished connection.
  std::vector<std::string> connections() const {
    std::vector<std::string> out;
    std::ifstream in(record_);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }

 private:
  int port_;
  std::string record_;
  BackgroundProcess server_;
};

void expect_handshake_without_application_bytes(const LivePeer& peer) {
  // The recorder writes its line when the verifier closes; give it a moment.
  for (int i = 0; i < 100; ++i) {
    bool seen = false;
    for (const auto& line : peer.connections()) seen = seen || line.rfind("ok ", 0) == 0;
    if (seen) break;
    usleep(20000);
  }
  bool handshake = false;
  for (const auto& line : peer.connections()) {
    if (line.rfind("ok ", 0) == 0) {
      handshake = true;
      EXPECT_EQ(line, "ok 0") << "the verifier sent application data";
    }
  }
  EXPECT_TRUE(handshake) << "no completed TLS handshake recorded";
}

TEST_F(SimCli, LiveVerificationAcceptsASimulatedEnclaveAndSendsNoApplicationData) {
  const std::string cert = issue();
  LivePeer peer(dir_, cert, dir_.file("app.key"));
  std::vector<std::string> args = {peer.url(), "--save-cert", dir_.file("saved.pem")};
  auto t = trust();
  args.insert(args.end(), t.begin(), t.end());
  const json j = verify_json(args, 0);
  EXPECT_EQ(j["verdict"], "accepted");
  expect_handshake_without_application_bytes(peer);
  // --save-cert wrote exactly the certificate the peer presented.
  std::ifstream a(cert), b(dir_.file("saved.pem"));
  std::stringstream sa, sb;
  sa << a.rdbuf();
  sb << b.rdbuf();
  EXPECT_EQ(sa.str(), sb.str());
}

TEST_F(SimCli, LiveVerificationRejectsAPlainSelfSignedCertificate) {
  const CommandResult gen =
      run_command({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                   "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=localhost", "-days", "2",
                   "-keyout", dir_.file("plain.key"), "-out", dir_.file("plain.pem")});
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  LivePeer peer(dir_, dir_.file("plain.pem"), dir_.file("plain.key"));
  std::vector<std::string> args = {peer.url(), "--save-cert", dir_.file("saved.pem")};
  auto t = trust();
  args.insert(args.end(), t.begin(), t.end());
  const json j = verify_json(args, 1);
  EXPECT_EQ(first_error(j), "STATUS_NOT_RATLS_CERTIFICATE");
  EXPECT_FALSE(std::filesystem::exists(dir_.file("saved.pem")));
  expect_handshake_without_application_bytes(peer);
}

TEST_F(SimCli, LiveVerificationRejectsAQuoteBindingAnotherKey) {
  const std::string cert = issue({"--bind-other-key"});
  LivePeer peer(dir_, cert, dir_.file("app.key"));
  std::vector<std::string> args = {peer.url()};
  auto t = trust();
  args.insert(args.end(), t.begin(), t.end());
  const json j = verify_json(args, 1);
  EXPECT_EQ(first_error(j), "STATUS_RATLS_KEY_BINDING_MISMATCH");
  EXPECT_EQ(j["binding"], "mismatch");
  expect_handshake_without_application_bytes(peer);
}

TEST(LiveVerify, ConnectionRefusedIsAOneLineError) {
  const int port = free_loopback_port();
  const CommandResult r =
      run_command({gateway_binary(), "verify", "https://127.0.0.1:" + std::to_string(port),
                   "--timeout-ms", "2000"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

}  // namespace
}  // namespace ratls::test
