// `ratls-gateway seal`: the real binary seals to simulated enclaves (`sim issue --x25519-key`), and
// PyNaCl (Debian's python3-nacl, an independent libsodium binding) opens the box as the enclave
// would. Refusals must leave no output file.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "attest/bytes.h"
#include "tests/support/process.h"
#include "tests/support/testdata.h"

namespace ratls::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kMrenclave(64, 'a');
constexpr std::size_t kSealOverhead = 48;  // crypto_box_SEALBYTES: ephemeral key + MAC
constexpr std::size_t kMaxInput = 16u << 20;

// Opens BOX with the X25519 private key in KEY and writes the plaintext to OUT; with "b64", BOX is
// unpadded base64url text, which is checked to be exactly that.
constexpr const char* kOpenBox = R"(import base64, re, sys
import nacl.public
key = nacl.public.PrivateKey(open(sys.argv[1], "rb").read())
data = open(sys.argv[2], "rb").read()
if sys.argv[3] == "b64":
    text = data.decode("ascii")
    if not re.fullmatch(r"[A-Za-z0-9_-]+", text):
        sys.exit("not unpadded base64url: " + repr(text[-8:]))
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
open(sys.argv[4], "wb").write(nacl.public.SealedBox(key).decrypt(data))
)";

std::string peer_script() {
  return (fs::path(RATLS_SOURCE_DIR) / "tests/integration/peers/tls_recorder.py").string();
}

CommandResult gateway(const std::vector<std::string>& args) {
  std::vector<std::string> argv{gateway_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv);
}

unsigned mode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

std::string join(const std::vector<std::string>& args) {
  std::string s;
  for (const auto& a : args) s += a + " ";
  return s;
}

// Every byte value, and a length whose base64 would need padding.
std::string binary_secret() {
  std::string s;
  for (int i = 0; i < 256; ++i) s.push_back(static_cast<char>(i));
  s += "db_password=hunter2\n";
  return s;
}

class SealCli : public ::testing::Test {
 protected:
  void SetUp() override {
    hierarchy_ = dir_.file("hierarchy");
    const CommandResult r = gateway({"sim", "init", hierarchy_});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    secret_ = dir_.write("secret.bin", binary_secret());
  }
  // A simulated Cosmian enclave's certificate, its TLS key at NAME.key and, unless `extra` says
  // otherwise, its X25519 private key at NAME.x25519.
  std::string issue(const std::string& name, std::vector<std::string> extra = {"--x25519-key"}) {
    std::vector<std::string> args = {"sim",
                                     "issue",
                                     hierarchy_,
                                     "--mrenclave",
                                     kMrenclave,
                                     "--cert",
                                     dir_.file(name + ".pem"),
                                     "--key",
                                     dir_.file(name + ".key")};
    if (!extra.empty() && extra.back() == "--x25519-key") extra.push_back(x25519(name));
    args.insert(args.end(), extra.begin(), extra.end());
    const CommandResult r = gateway(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return dir_.file(name + ".pem");
  }
  std::string x25519(const std::string& name) const { return dir_.file(name + ".x25519"); }
  std::vector<std::string> trust() const {
    return {"--collateral", hierarchy_ + "/collateral", "--root-ca", hierarchy_};
  }
  CommandResult seal(const std::vector<std::string>& args, bool with_trust = true) {
    std::vector<std::string> argv{gateway_binary(), "seal"};
    argv.insert(argv.end(), args.begin(), args.end());
    if (with_trust) {
      const auto t = trust();
      argv.insert(argv.end(), t.begin(), t.end());
    }
    return run_command(argv);
  }
  // The plaintext PyNaCl finds in `box`, or "" (with a test failure) when it cannot open it.
  std::string open_box(const std::string& key, const std::string& box, bool base64url) {
    const std::string opened = box + ".opened";
    const CommandResult r = run_command(
        {"/usr/bin/python3", "-c", kOpenBox, key, box, base64url ? "b64" : "raw", opened});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? read_text(opened) : "";
  }

  TempDir dir_;
  std::string hierarchy_;
  std::string secret_;
};

TEST_F(SealCli, RawBoxOpensWithTheEnclaveKeyAndIsPrivateWhateverTheUmask) {
  const std::string cert = issue("app");
  const std::string out = dir_.file("sealed.bin");
  // umask 000 would leave a plain open(2) file world-readable.
  std::vector<std::string> argv = {"/bin/sh",
                                   "-c",
                                   "umask 000 && exec \"$@\"",
                                   "sh",
                                   gateway_binary(),
                                   "seal",
                                   "--cert",
                                   cert,
                                   "--in",
                                   secret_,
                                   "--out",
                                   out};
  const auto t = trust();
  argv.insert(argv.end(), t.begin(), t.end());
  const CommandResult r = run_command(argv);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(mode_of(out), 0600u);
  EXPECT_EQ(read_bytes(out).size(), binary_secret().size() + kSealOverhead);
  EXPECT_EQ(open_box(x25519("app"), out, false), binary_secret());
  // The report is verify's checklist, then what was sealed to; on stdout since --out is a file.
  EXPECT_EQ(r.out.rfind("VERIFIED\n", 0), 0u) << r.out;
  const json v = json::parse(gateway({"verify", "--json", "--cert", cert, "--collateral",
                                      hierarchy_ + "/collateral", "--root-ca", hierarchy_})
                                 .out);
  const std::string key_hex = v["enclave_x25519_public_key"].get<std::string>();
  EXPECT_NE(r.out.find("SEALED 276 bytes to the enclave's X25519 key " + key_hex),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("wrote 324 bytes"), std::string::npos) << r.out;
  // No temporary file is left beside it.
  for (const auto& e : fs::directory_iterator(dir_.path()))
    EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << e.path();
}

TEST_F(SealCli, Base64UrlOutputIsUnpaddedAndOpens) {
  const std::string cert = issue("app");
  const std::string out = dir_.file("sealed.b64");
  const CommandResult r = seal({"--cert", cert, "--in", secret_, "--out", out, "--base64url"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(mode_of(out), 0600u);
  const std::string text = read_text(out);
  EXPECT_EQ(text.size(), 432u);  // 276 + 48 = 324 bytes = 3 * 108: no padding to leave out
  EXPECT_EQ(open_box(x25519("app"), out, true), binary_secret());
  const std::string odd = dir_.write("odd.txt", "12345");  // 53 bytes sealed: padding needed
  const CommandResult r2 = seal({"--cert", cert, "--in", odd, "--out", out, "--base64url"});
  ASSERT_EQ(r2.exit_code, 0) << r2.err;
  EXPECT_EQ(read_text(out).size(), 71u);  // ceil(53 * 4 / 3), no '='
  EXPECT_EQ(open_box(x25519("app"), out, true), "12345");
}

TEST_F(SealCli, StandardInputAndOutput) {
  const std::string cert = issue("app");
  const std::string out = dir_.file("from-stdout.bin");
  std::vector<std::string> argv = {"/bin/sh",
                                   "-c",
                                   "in=$1 out=$2; shift 2; exec \"$@\" < \"$in\" > \"$out\"",
                                   "sh",
                                   secret_,
                                   out,
                                   gateway_binary(),
                                   "seal",
                                   "--cert",
                                   cert,
                                   "--in",
                                   "-",
                                   "--out",
                                   "-"};
  const auto t = trust();
  argv.insert(argv.end(), t.begin(), t.end());
  const CommandResult r = run_command(argv);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // With --out - the report goes to stderr, so stdout holds the box alone.
  EXPECT_NE(r.err.find("VERIFIED"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("to standard output"), std::string::npos) << r.err;
  EXPECT_EQ(open_box(x25519("app"), out, false), binary_secret());
}

TEST_F(SealCli, RefusesACertificateThatFailsVerification) {
  const std::string cert = issue("app");
  const std::string out = dir_.file("sealed.bin");
  // A policy naming another enclave.
  const CommandResult policy =
      seal({"--cert", cert, "--in", secret_, "--out", out, "--mrenclave", std::string(64, 'b')});
  EXPECT_EQ(policy.exit_code, 1) << policy.out << policy.err;
  EXPECT_NE(policy.out.find("STATUS_POLICY_MRENCLAVE_NOT_ALLOWED"), std::string::npos)
      << policy.out;
  EXPECT_NE(policy.err.find("not sealing: the certificate was not accepted"), std::string::npos)
      << policy.err;
  EXPECT_FALSE(fs::exists(out));
  // Another hierarchy's root: the quote is not from the trusted platform.
  const std::string other = dir_.file("other");
  ASSERT_EQ(gateway({"sim", "init", other}).exit_code, 0);
  const CommandResult root = seal({"--cert", cert, "--in", secret_, "--out", out, "--collateral",
                                   other + "/collateral", "--root-ca", other},
                                  false);
  EXPECT_EQ(root.exit_code, 1) << root.out << root.err;
  EXPECT_NE(root.out.find("STATUS_SGX_ROOT_CA_UNTRUSTED"), std::string::npos) << root.out;
  EXPECT_FALSE(fs::exists(out));
  // The built-in Intel root never trusts a simulated enclave.
  const CommandResult intel = seal(
      {"--cert", cert, "--in", secret_, "--out", out, "--collateral", hierarchy_ + "/collateral"},
      false);
  EXPECT_EQ(intel.exit_code, 1) << intel.out << intel.err;
  EXPECT_FALSE(fs::exists(out));
}

TEST_F(SealCli, RefusesAnEnclaveWithoutASealingKey) {
  // Without --x25519-key, REPORTDATA[32:64] stays zero, as in Cosmian builds before
  // mse-lib-sgx 2.0.
  const std::string cert = issue("nokey", {});
  const std::string out = dir_.file("sealed.bin");
  const CommandResult r = seal({"--cert", cert, "--in", secret_, "--out", out});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(r.out.rfind("VERIFIED\n", 0), 0u) << r.out;  // it verifies, but has nothing to seal to
  EXPECT_NE(r.err.find("this enclave has no sealing key"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("not accepted"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out));

  // The real mse home certificate (tests/data/real set A) carries a zero key too; it is also
  // unverifiable (no collateral offline), and both reasons are given.
  TempDir empty_cache;
  const CommandResult real =
      seal({"--cert", real_path("cosmian/msehome_2023-05_ratls_cert.pem"), "--in", secret_, "--out",
            out, "--at", "2023-06-10T00:00:00Z", "--offline", "--cache-dir", empty_cache.file("c")},
           false);
  EXPECT_EQ(real.exit_code, 1) << real.out << real.err;
  EXPECT_NE(real.err.find("not accepted"), std::string::npos) << real.err;
  EXPECT_NE(real.err.find("no sealing key"), std::string::npos) << real.err;
  EXPECT_FALSE(fs::exists(out));
}

TEST_F(SealCli, RefusesCertificatesWithoutAnEnclaveKey) {
  const std::string out = dir_.file("sealed.bin");
  // A Gramine RA-TLS certificate verifies but publishes no X25519 key.
  const std::string gramine = issue("gramine", {"--format", "gramine"});
  const CommandResult g = seal({"--cert", gramine, "--in", secret_, "--out", out});
  EXPECT_EQ(g.exit_code, 1) << g.out << g.err;
  EXPECT_EQ(g.out.rfind("VERIFIED\n", 0), 0u) << g.out;
  EXPECT_NE(g.err.find("gramine-legacy certificate carries no enclave X25519 key"),
            std::string::npos)
      << g.err;
  EXPECT_FALSE(fs::exists(out));
  // An ordinary WebPKI certificate is not RA-TLS at all.
  const CommandResult w =
      seal({"--cert",
            real_path("cosmian/owner_ssl_letsencrypt_fullchain_wildcard_dev.cosmilink.com.pem"),
            "--in", secret_, "--out", out});
  EXPECT_EQ(w.exit_code, 1) << w.out << w.err;
  EXPECT_NE(w.out.find("not an RA-TLS certificate"), std::string::npos) << w.out;
  EXPECT_FALSE(fs::exists(out));
}

TEST_F(SealCli, UnusableInputIsExitTwoWithOneLine) {
  const std::string cert = issue("app");
  const std::string out = dir_.file("sealed.bin");
  // A file of mode 000 is still readable by root, and tests may run as root: a directory and a
  // missing file are unreadable for everyone.
  const std::string too_big = dir_.file("big.bin");
  { std::ofstream(too_big).close(); }
  fs::resize_file(too_big, kMaxInput + 1);  // sparse: costs no disk
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{"--cert", cert, "--in", dir_.path().string(), "--out", out}, "is a directory"},
      {{"--cert", cert, "--in", dir_.file("missing.txt"), "--out", out},
       "No such file or directory"},
      {{"--cert", cert, "--in", too_big, "--out", out}, "larger than 16 MiB"},
      {{"--cert", cert, "--out", out}, "--in"},
      {{"--cert", cert, "--in", secret_}, "--out"},
      {{"--in", secret_, "--out", out}, "nothing to seal to"},
      {{"--cert", cert, "--in", secret_, "--out", out, "--mrenclave", "abc"}, "64 hex digits"},
      {{"--cert", dir_.file("missing.pem"), "--in", secret_, "--out", out}, "missing.pem"},
      {{"--cert", cert, "--in", secret_, "--out", dir_.file("no-such-dir/sealed.bin")},
       "cannot write"},
  };
  for (const Case& c : cases) {
    const CommandResult r = seal(c.args);
    EXPECT_EQ(r.exit_code, 2) << join(c.args) << "\n" << r.out << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << join(c.args) << "\n" << r.err;
    EXPECT_FALSE(fs::exists(out)) << join(c.args);
  }
  // Exactly the limit is accepted.
  fs::resize_file(too_big, kMaxInput);
  const CommandResult at_limit = seal({"--cert", cert, "--in", too_big, "--out", out});
  EXPECT_EQ(at_limit.exit_code, 0) << at_limit.err;
  EXPECT_EQ(fs::file_size(out), kMaxInput + kSealOverhead);
}

// A simulated enclave app on loopback (Debian's python3 ssl), recording what clients send.
class LivePeer {
 public:
  LivePeer(const TempDir& dir, const std::string& cert, const std::string& key)
      : port_(free_loopback_port()),
        record_(dir.file("record-" + std::to_string(port_))),
        server_({"/usr/bin/python3", peer_script(), std::to_string(port_), cert, key, record_},
                dir.file("peer-" + std::to_string(port_) + ".log")) {
    EXPECT_TRUE(wait_for_port(port_)) << "the TLS peer did not start";
  }
  int port() const { return port_; }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }
  // True once a completed handshake is recorded; every one must have carried no application byte.
  bool only_handshakes() const {
    for (int i = 0; i < 100; ++i) {
      std::ifstream in(record_);
      bool seen = false, sent = false;
      for (std::string line; std::getline(in, line);) {
        if (line.rfind("ok ", 0) == 0) seen = true;
        if (line.rfind("ok ", 0) == 0 && line != "ok 0") sent = true;
      }
      if (sent) return false;
      if (seen) return true;
      usleep(20000);
    }
    return false;
  }

 private:
  int port_;
  std::string record_;
  BackgroundProcess server_;
};

TEST_F(SealCli, SealsToALiveUpstreamWithoutSendingItAnything) {
  const std::string cert = issue("app");
  LivePeer peer(dir_, cert, dir_.file("app.key"));
  const std::string out = dir_.file("sealed.b64");
  const CommandResult r =
      seal({peer.url(), "--in", secret_, "--out", out, "--base64url", "--mrenclave", kMrenclave});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("verified            https://127.0.0.1:"), std::string::npos) << r.out;
  EXPECT_EQ(open_box(x25519("app"), out, true), binary_secret());
  // Sealing reads the certificate only: the secret never goes to the upstream.
  EXPECT_TRUE(peer.only_handshakes());
}

class SealApp : public SealCli {
 protected:
  // A configuration whose app `vault` is the live peer, with the simulated root as trust anchor.
  std::string write_config(int port, const std::string& mode = "ratls",
                           const std::string& mrenclave = kMrenclave) {
    const std::string name = "config-" + mode + ".json";
    json app = {{"name", "vault"}, {"upstream", "https://127.0.0.1:" + std::to_string(port)}};
    if (mode == "ratls") {
      app["policy"] = {{"mrenclave", {mrenclave}}};
    } else {
      app["mode"] = mode;
    }
    const json config = {{"listen", {"127.0.0.1:" + std::to_string(free_loopback_port())}},
                         {"apps", {app}},
                         {"trust", {{"root_ca", hierarchy_}}},
                         {"state_dir", dir_.file("state")}};
    return dir_.write(name, config.dump(2));
  }
  // pins.json as the daemon writes it, with `vault` pinned to `cert_sha256`.
  void pin(const std::string& cert_sha256) {
    const json p = {{"cert_sha256", cert_sha256},
                    {"spki_sha256", std::string(64, '0')},
                    {"mrenclave", kMrenclave},
                    {"mrsigner", std::string(64, '0')},
                    {"isv_prod_id", 0},
                    {"isv_svn", 0},
                    {"tcb_status", "UpToDate"},
                    {"advisory_ids", json::array()},
                    {"collateral_expiry", nullptr},
                    {"verified_at", "2026-01-01T00:00:00Z"},
                    {"simulated", true}};
    fs::create_directories(dir_.file("state"));
    dir_.write("state/pins.json",
               json({{"version", 1}, {"apps", {{"vault", {{"pin", p}}}}}}).dump(2));
  }
  std::string sha256_of(const std::string& cert) {
    const CommandResult r = gateway({"verify", "--json", "--cert", cert, "--collateral",
                                     hierarchy_ + "/collateral", "--root-ca", hierarchy_});
    return json::parse(r.out)["cert_sha256"].get<std::string>();
  }
};

TEST_F(SealApp, SealsToTheConfiguredAppAndOnlyToItsPinnedCertificate) {
  const std::string cert = issue("app");
  LivePeer peer(dir_, cert, dir_.file("app.key"));
  const std::string config = write_config(peer.port());
  const std::string out = dir_.file("sealed.bin");
  const std::vector<std::string> args = {"--app", "vault", "--config", config,
                                         "--in",  secret_, "--out",    out};

  // No pin yet: the app's policy decides, as for `verify https://...`.
  const CommandResult first = seal(args, false);
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  EXPECT_NE(first.out.find("verified            app vault at https://127.0.0.1:"),
            std::string::npos)
      << first.out;
  EXPECT_EQ(open_box(x25519("app"), out, false), binary_secret());
  fs::remove(out);

  // Pinned to exactly this certificate: sealed.
  pin(sha256_of(cert));
  const CommandResult pinned = seal(args, false);
  ASSERT_EQ(pinned.exit_code, 0) << pinned.out << pinned.err;
  EXPECT_EQ(open_box(x25519("app"), out, false), binary_secret());
  fs::remove(out);

  // Pinned to another certificate (the enclave restarted, or someone else answers): refused,
  // although it verifies under the app's policy.
  pin(std::string(64, 'e'));
  const CommandResult other = seal(args, false);
  EXPECT_EQ(other.exit_code, 1) << other.out << other.err;
  EXPECT_EQ(other.out.rfind("VERIFIED\n", 0), 0u) << other.out;
  EXPECT_NE(other.err.find("is not the one pinned for vault"), std::string::npos) << other.err;
  EXPECT_NE(other.err.find("eeeeeeeeeeeeeeee"), std::string::npos) << other.err;
  EXPECT_FALSE(fs::exists(out));
  EXPECT_TRUE(peer.only_handshakes());
}

TEST_F(SealApp, UsesTheAppsPolicy) {
  const std::string cert = issue("app");
  LivePeer peer(dir_, cert, dir_.file("app.key"));
  const std::string out = dir_.file("sealed.bin");
  // The enclave is MRENCLAVE aa..., the configuration allows cc... only.
  const std::string config = write_config(peer.port(), "ratls", std::string(64, 'c'));
  const CommandResult r =
      seal({"--app", "vault", "--config", config, "--in", secret_, "--out", out}, false);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("STATUS_POLICY_MRENCLAVE_NOT_ALLOWED"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(out));
}

TEST_F(SealApp, BadAppUsageIsExitTwo) {
  const std::string out = dir_.file("sealed.bin");
  const int port = free_loopback_port();  // nothing listens: none of these may connect
  const std::string config = write_config(port);
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{"--app", "nope", "--config", config}, "no such app"},
      {{"--app", "vault", "--config", config, "--mrenclave", kMrenclave}, "policy"},
      {{"--app", "vault", "--config", config, "--root-ca", hierarchy_}, "--root-ca"},
      {{"--app", "vault", "--config", config, "--cert", dir_.file("x.pem")}, "only one of"},
      {{"--app", "vault", "--config", dir_.file("missing.json")}, "missing.json"},
      {{"--app", "vault", "--config", write_config(port, "webpki")}, "webpki"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = c.args;
    args.insert(args.end(), {"--in", secret_, "--out", out});
    const CommandResult r = seal(args, false);
    EXPECT_EQ(r.exit_code, 2) << join(args) << "\n" << r.out << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << join(args) << "\n" << r.err;
    EXPECT_FALSE(fs::exists(out));
  }
}

}  // namespace
}  // namespace ratls::test
