// The hostile-upstream matrix (docs/security.md): upstreams the gateway must refuse. Each row is
// one upstream that differs from an accepted one in one respect only; the gateway must answer 502
// naming exactly that check, and the upstream (peers/hostile_upstream.py, which records every
// connection) must receive no application byte: it completes the TLS handshake, then nothing.
// Rows 16 and 17 are scenarios over several connections: a certificate swapped between pooled
// connections, and session tickets the gateway must never use.
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <thread>

#include "attest/x509.h"
#include "tests/integration/gateway_fixture.h"

namespace ratls::test {
namespace {

// MRSIGNER of every `sim issue` without --mrsigner.
const std::string kSimSigner =
    attest::to_hex(attest::sha256(attest::as_bytes("ratls-gateway simulated signer")));
const std::string kOtherSigner(64, 'c');

// One line per connection the upstream saw (hostile_upstream.py's format).
std::vector<json> connections(const std::string& record) {
  std::vector<json> out;
  std::istringstream in(read_all(record));
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(json::parse(line));
  }
  return out;
}

// The reply body and status of `curl -w '\n%{http_code}'`.
std::pair<std::string, std::string> split_status(const CommandResult& r) {
  const auto split = r.out.rfind('\n');
  if (split == std::string::npos) return {r.out, ""};
  return {r.out.substr(0, split), r.out.substr(split + 1)};
}

// What REPORTDATA[0:32] is when a quote binds `cert_pem`'s key by the Cosmian rule (SHA-256 of the
// uncompressed EC point) or by Gramine's (SHA-256 of the DER SubjectPublicKeyInfo).
std::string binding_hash(const std::string& cert_pem, bool cosmian_rule) {
  const attest::X509Ptr cert = attest::parse_certificate(attest::as_bytes(read_all(cert_pem)),
                                                         attest::Status::STATUS_INVALID_PARAMETER);
  EVP_PKEY* key = X509_get0_pubkey(cert.get());
  if (cosmian_rule) return attest::to_hex(attest::sha256(attest::ec_uncompressed_point(key)));
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(key, &der);
  attest::Bytes spki(der, der + std::max(len, 0));
  OPENSSL_free(der);
  return attest::to_hex(attest::sha256(spki));
}

// What row 15b's root calls itself: a line break and the start of a forged log line, and a
// terminal escape sequence.
const std::string kForgedLine = "info: app control: pinned: FORGED by the upstream";
const std::string kHostileName = "Evil Root\n" + kForgedLine + "\x1b[2J";

bool has_control_character(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

class HostileUpstreams : public GatewayTest {
 protected:
  // hostile_upstream.py presenting `certs` (label, certificate base path) in turn.
  Peer start_hostile(const std::vector<std::pair<std::string, std::string>>& certs,
                     bool tls12 = false) {
    Peer p;
    p.port = free_loopback_port();
    p.record = dir_.file("hostile-" + std::to_string(p.port) + ".jsonl");
    std::vector<std::string> argv = {"/usr/bin/python3", peer("hostile_upstream.py"),
                                     std::to_string(p.port), p.record};
    for (const auto& [label, base] : certs) {
      for (const std::string& a : {label, base + ".pem", base + ".key"}) argv.push_back(a);
    }
    if (tls12) argv.push_back("--tls12");
    p.process = std::make_unique<BackgroundProcess>(
        argv, dir_.file("hostile-" + std::to_string(p.port) + ".log"));
    EXPECT_TRUE(wait_for_port(p.port)) << "the hostile upstream did not start";
    return p;
  }

  // A simulated hierarchy of its own (`sim init DIR OPTIONS`).
  std::string hierarchy(const std::string& name, const std::vector<std::string>& options) {
    const std::string dir = dir_.file(name);
    std::vector<std::string> argv = {gateway_binary(), "sim", "init", dir};
    argv.insert(argv.end(), options.begin(), options.end());
    const CommandResult r = run_command(argv);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return dir;
  }

  std::string issue_from(const std::string& sim, const std::string& name,
                         const std::vector<std::string>& extra) {
    std::vector<std::string> argv = {
        gateway_binary(),        "sim", "issue", sim, "--cert", dir_.file(name + ".pem"), "--key",
        dir_.file(name + ".key")};
    if (std::find(extra.begin(), extra.end(), "--mrenclave") == extra.end()) {
      argv.push_back("--mrenclave");
      argv.push_back(kMrA);
    }
    argv.insert(argv.end(), extra.begin(), extra.end());
    const CommandResult r = run_command(argv);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return dir_.file(name);
  }

  // A copy of the hierarchy `from` whose root certificate (same key, so `sim issue` still works
  // from it) is named `cn`: the chain in a quote is whatever the upstream puts there.
  std::string renamed_root(const std::string& from, const std::string& name,
                           const std::string& cn) {
    const std::string to = dir_.file(name);
    std::filesystem::copy(from, to, std::filesystem::copy_options::recursive);
    const std::string key_pem = read_all(to + "/private/root_ca.key");
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())), &BIO_free);
    const attest::EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    EXPECT_TRUE(key) << "no root key in " << to;
    attest::X509Ptr cert(X509_new());
    X509_set_version(cert.get(), X509_VERSION_3);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -86400);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400);
    X509_NAME* subject = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
    X509_set_issuer_name(cert.get(), subject);
    X509_set_pubkey(cert.get(), key.get());
    EXPECT_GT(X509_sign(cert.get(), key.get(), EVP_sha256()), 0);
    dir_.write(name + "/root_ca.pem", attest::certificate_pem(cert.get()));
    return to;
  }

  std::string openssl(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"/usr/bin/openssl"};
    argv.insert(argv.end(), args.begin(), args.end());
    const CommandResult r = run_command(argv);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }

  // A gateway of its own, trusting `sim` and its collateral (one per collateral world: the
  // configuration has one root and one collateral source for all apps).
  struct Gateway {
    int port = 0;
    std::string log;
    std::unique_ptr<BackgroundProcess> process;
  };
  Gateway launch(const std::string& name, const std::string& sim, const json& apps,
                 const std::vector<std::string>& env = {}) {
    Gateway g;
    g.port = free_loopback_port();
    const json config = {{"listen", {"127.0.0.1:" + std::to_string(g.port)}},
                         {"apps", apps},
                         {"trust", {{"root_ca", sim}}},
                         {"collateral", {{"offline", sim + "/collateral"}}},
                         {"state_dir", dir_.file("state-" + name)}};
    const std::string path = dir_.write("config-" + name + ".json", config.dump(2));
    g.log = dir_.file("gateway-" + name + ".log");
    g.process = std::make_unique<BackgroundProcess>(
        std::vector<std::string>{gateway_binary(), "run", "--config", path, "--log-level", "debug"},
        g.log, env);
    EXPECT_TRUE(wait_for_port(g.port)) << read_all(g.log + ".stderr");
    return g;
  }

  static CommandResult get(int port, const std::string& app, const std::string& path,
                           std::vector<std::string> extra = {}) {
    const std::string host = app + ".localhost:" + std::to_string(port);
    std::vector<std::string> argv = {
        "/usr/bin/curl",        "-sS", "-m", "30", "--resolve", host + ":127.0.0.1",
        "http://" + host + path};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run_command(argv);
  }

  static json status_of(int port) {
    const CommandResult r = run_command(
        {"/usr/bin/curl", "-sS", "-m", "10", "-H", "Host: localhost:" + std::to_string(port),
         "http://127.0.0.1:" + std::to_string(port) + "/.well-known/ratls-gateway/status.json"});
    try {
      return json::parse(r.out);
    } catch (const std::exception&) {
      ADD_FAILURE() << "status.json is not JSON: " << r.out << r.err;
      return {};
    }
  }
};

// Rows 1-15b: one upstream each, refused on every connection.
TEST_F(HostileUpstreams, EachIsRefusedWith502NamingTheCheckAndReceivesNoApplicationByte) {
  enum class Source {
    kSim,          // `sim issue` from the hierarchy the row's gateway trusts, with `issue` options
    kSecondRoot,   // `sim issue` from another `sim init` hierarchy
    kSelfSigned,   // openssl req -x509: an ordinary certificate
    kLocalCaLeaf,  // issued by a local CA that the gateway's WebPKI store trusts
    kHostileRootName,  // from a copy of the second hierarchy whose root is named kHostileName
  };
  enum class Rule { kNone, kCosmian, kGramine };
  struct Row {
    std::string number;  // in docs/security.md
    std::string app;
    std::string world;  // the collateral the row's gateway uses: "" the default hierarchy
    Source source;
    std::vector<std::string> issue;    // `sim issue` options
    json policy;                       // merged into the base policy (null: nothing)
    std::string code;                  // the one error the 502 lists
    std::string reason;                // in the reason, as the gateway words it
    Rule reportdata_by = Rule::kNone;  // the reason quotes REPORTDATA made by this rule
  };
  const std::string not_ratls = "not an RA-TLS certificate: it carries no SGX/TDX quote extension";
  // One row per upstream reads better than one field per line.
  // clang-format off
  const std::vector<Row> rows = {
      {"1", "self-signed", "", Source::kSelfSigned, {}, {},
       "STATUS_NOT_RATLS_CERTIFICATE", not_ratls},
      {"2", "webpki-valid", "", Source::kLocalCaLeaf, {}, {},
       "STATUS_NOT_RATLS_CERTIFICATE", not_ratls},
      {"3", "other-key", "", Source::kSim, {"--bind-other-key"}, {},
       "STATUS_RATLS_KEY_BINDING_MISMATCH", "the quote was made for another key"},
      {"4a", "gramine-binding-as-cosmian", "", Source::kSim, {"--binding", "gramine"}, {},
       "STATUS_RATLS_KEY_BINDING_MISMATCH", "is not SHA-256 of this certificate's key (",
       Rule::kGramine},
      {"4b", "cosmian-binding-as-gramine", "", Source::kSim,
       {"--format", "gramine", "--binding", "cosmian"}, {},
       "STATUS_RATLS_KEY_BINDING_MISMATCH",
       "is not SHA-256 of this certificate's SubjectPublicKeyInfo (", Rule::kCosmian},
      {"5", "debug", "", Source::kSim, {"--debug"}, {},
       "STATUS_POLICY_DEBUG_ENCLAVE", "the enclave runs in DEBUG mode"},
      {"6", "mrenclave", "", Source::kSim, {"--mrenclave", kMrB}, {},
       "STATUS_POLICY_MRENCLAVE_NOT_ALLOWED",
       "MRENCLAVE " + kMrB + " is not an expected code fingerprint (expected " + kMrA + ")"},
      {"7", "mrsigner", "", Source::kSim, {"--mrsigner", kOtherSigner}, {},
       "STATUS_POLICY_MRSIGNER_NOT_ALLOWED",
       "MRSIGNER " + kOtherSigner + " is not an expected signer (expected " + kSimSigner + ")"},
      {"8", "isvsvn", "", Source::kSim, {"--isv-svn", "4"}, {{"min_isv_svn", 5}},
       "STATUS_POLICY_ISVSVN_TOO_LOW", "ISVSVN 4 is below the minimum 5"},
      {"9", "revoked-pck", "revoked-pck", Source::kSim, {}, {},
       "STATUS_PCK_REVOKED", "the PCK certificate is revoked by the Intel SGX PCK Platform CA CRL"},
      {"10", "revoked-pck-ca", "revoked-pck-ca", Source::kSim, {}, {},
       "STATUS_SGX_INTERMEDIATE_CA_REVOKED",
       "the PCK CA \"Intel SGX PCK Platform CA\" is revoked by the root CA CRL"},
      {"11", "tcb-status", "out-of-date", Source::kSim, {},
       {{"allow_advisories", {"INTEL-SA-00615"}}},
       "STATUS_POLICY_TCB_STATUS_NOT_ACCEPTED",
       "TCB status OutOfDate is not accepted (accepted: UpToDate)"},
      {"12", "advisory", "out-of-date", Source::kSim, {},
       {{"accept_tcb", {"UpToDate", "OutOfDate"}}},
       "STATUS_POLICY_ADVISORY_NOT_ALLOWED",
       "security advisory INTEL-SA-00615 applies to this platform and is not allowed"},
      {"13", "expired-collateral", "expired-collateral", Source::kSim, {}, {},
       "STATUS_SGX_TCB_INFO_EXPIRED", "TCB info expired at "},
      {"14", "expired-cert", "", Source::kSim, {"--expired"}, {},
       "STATUS_RATLS_CERT_EXPIRED", "the certificate is valid from "},
      {"15", "other-root", "", Source::kSecondRoot, {}, {},
       "STATUS_SGX_ROOT_CA_UNTRUSTED", "which is not the pinned root"},
      {"15b", "hostile-root-name", "", Source::kHostileRootName, {}, {},
       "STATUS_SGX_ROOT_CA_UNTRUSTED", "which is not the pinned root"},
  };
  // clang-format on
  // Each row's gateway differs from the default one only in the collateral its hierarchy made.
  const std::map<std::string, std::vector<std::string>> worlds = {
      {"", {}},
      {"revoked-pck", {"--revoke-pck"}},
      {"revoked-pck-ca", {"--revoke-pck-ca"}},
      {"out-of-date", {"--platform-tcb", "OutOfDate"}},
      {"expired-collateral", {"--expired-collateral"}},
  };
  const json base_policy = {{"mrenclave", {kMrA}}, {"mrsigner", {kSimSigner}}};

  std::map<std::string, std::string> sims;
  for (const auto& [world, options] : worlds) {
    sims[world] = world.empty() ? sim_ : hierarchy("sim-" + world, options);
  }
  const std::string second_root = hierarchy("sim-second-root", {});
  const std::string hostile_root = renamed_root(second_root, "sim-hostile-root", kHostileName);
  // A local CA, trusted through SSL_CERT_FILE as a system store would be.
  const std::string ca = dir_.file("local-ca");
  openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
           "-subj", "/CN=local test CA", "-days", "2", "-addext",
           "basicConstraints=critical,CA:TRUE", "-keyout", ca + ".key", "-out", ca + ".pem"});

  std::map<std::string, Peer> upstreams;
  std::map<std::string, std::string> certs;  // app -> certificate base path
  std::map<std::string, json> apps;          // world -> apps of its gateway
  for (const Row& row : rows) {
    const std::string base = dir_.file(row.app);
    switch (row.source) {
      case Source::kSim:
        issue_from(sims[row.world], row.app, row.issue);
        break;
      case Source::kSecondRoot:
        issue_from(second_root, row.app, row.issue);
        break;
      case Source::kHostileRootName:
        issue_from(hostile_root, row.app, row.issue);
        break;
      case Source::kSelfSigned:
        openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                 "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1", "-days", "2",
                 "-keyout", base + ".key", "-out", base + ".pem"});
        break;
      case Source::kLocalCaLeaf:
        openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj",
                 "/CN=127.0.0.1", "-keyout", base + ".key", "-out", base + ".csr"});
        dir_.write(row.app + ".ext", "subjectAltName=IP:127.0.0.1\n");
        openssl({"x509", "-req", "-in", base + ".csr", "-CA", ca + ".pem", "-CAkey", ca + ".key",
                 "-CAcreateserial", "-days", "2", "-extfile", base + ".ext", "-out",
                 base + ".pem"});
        break;
    }
    certs[row.app] = base;
    upstreams[row.app] = start_hostile({{row.app, base}});
    json policy = base_policy;
    if (row.policy.is_object()) policy.update(row.policy);
    apps[row.world].push_back(app(row.app, upstreams[row.app].port, policy));
  }
  // Controls: the same upstream and measuring instrument, accepted. In the default world an
  // unchanged certificate, and row 2's certificate in mode "webpki" (so it is valid WebPKI to this
  // very gateway); in the out-of-date world the policy that accepts both the status and advisory.
  struct Control {
    std::string app;
    std::string world;
    std::string cert;
    json config;  // more keys of the app's configuration
  };
  json out_of_date_policy = base_policy;
  out_of_date_policy.update(
      {{"accept_tcb", {"UpToDate", "OutOfDate"}}, {"allow_advisories", {"INTEL-SA-00615"}}});
  const std::vector<Control> controls = {
      {"control", "", issue_from(sim_, "control", {}), {{"policy", base_policy}}},
      {"webpki-control", "", certs["webpki-valid"], {{"mode", "webpki"}}},
      {"tcb-control",
       "out-of-date",
       issue_from(sims["out-of-date"], "tcb-control", {}),
       {{"policy", out_of_date_policy}}},
  };
  for (const Control& c : controls) {
    upstreams[c.app] = start_hostile({{c.app, c.cert}});
    json a = app(c.app, upstreams[c.app].port);
    a.update(c.config);
    apps[c.world].push_back(a);
  }

  std::map<std::string, Gateway> gateways;
  for (const auto& [world, list] : apps) {
    gateways[world] = launch(world.empty() ? "default" : world, sims[world], list,
                             {"SSL_CERT_FILE=" + ca + ".pem"});
  }

  for (const Control& c : controls) {
    SCOPED_TRACE("control " + c.app);
    const CommandResult r = get(gateways[c.world].port, c.app, "/control");
    EXPECT_EQ(r.out, "hello from " + c.app + "\n") << r.err;
  }
  for (const Row& row : rows) {
    SCOPED_TRACE("row " + row.number + " (" + row.app + ")");
    const int port = gateways[row.world].port;
    const auto [body, code] =
        split_status(get(port, row.app, "/secret?token=1",
                         {"-H", "Accept: application/json", "-w", "\n%{http_code}"}));
    EXPECT_EQ(code, "502") << body;
    json j;
    try {
      j = json::parse(body);
    } catch (const std::exception&) {
      ADD_FAILURE() << "not a JSON refusal: " << body;
      continue;
    }
    EXPECT_EQ(j["error"], "upstream not verified") << j.dump(2);
    // Exactly the row's check failed: the other checks passed.
    if (!j["errors"].is_array() || j["errors"].size() != 1u) {
      ADD_FAILURE() << "expected one error: " << j.dump(2);
      continue;
    }
    EXPECT_EQ(j["errors"][0]["code"], row.code) << j.dump(2);
    const std::string reason = j["reason"];
    EXPECT_EQ(reason, j["errors"][0]["message"]);
    EXPECT_NE(reason.find(row.reason), std::string::npos) << reason;
    // One printable line, whatever the upstream's certificates say: it goes to the log too.
    EXPECT_FALSE(has_control_character(reason)) << reason;
    if (row.reportdata_by != Rule::kNone) {
      // The quote binds this very certificate's key, by the other format's rule.
      const std::string expected =
          binding_hash(certs[row.app] + ".pem", row.reportdata_by == Rule::kCosmian);
      EXPECT_EQ(reason.rfind("REPORTDATA[0:32] " + expected + " is not SHA-256", 0), 0u) << reason;
    }
    // The page a browser gets says the same.
    const auto [html, html_code] = split_status(get(port, row.app, "/", {"-w", "\n%{http_code}"}));
    EXPECT_EQ(html_code, "502");
    EXPECT_NE(html.find("<code>" + row.code + "</code>"), std::string::npos) << html;
    EXPECT_NE(html.find("Nothing was sent to the app"), std::string::npos) << html;
    const json st = app_status(status_of(port), row.app);
    EXPECT_EQ(st["state"], "refused");
    // (From the second request: a verification time in it may have moved on.)
    EXPECT_NE(st["last_error"].get<std::string>().find(row.reason), std::string::npos) << st;
  }

  for (const auto& [world, g] : gateways) {
    std::istringstream log(read_all(g.log + ".stderr"));
    for (std::string line; std::getline(log, line);) {
      EXPECT_NE(line.rfind(kForgedLine, 0), 0u) << "a line of the log was forged: " << line;
      EXPECT_FALSE(has_control_character(line)) << line;
    }
  }

  // The upstream's side. A connection ends when the gateway closes it, so wait for the records.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  for (const Control& c : controls) {
    const std::vector<json> seen = connections(upstreams[c.app].record);
    ASSERT_FALSE(seen.empty()) << c.app;
    // The instrument sees a forwarded request.
    EXPECT_EQ(seen[0]["request"], "GET /control HTTP/1.1") << c.app;
    EXPECT_GT(seen[0]["bytes"].get<int>(), 0) << c.app;
  }
  for (const Row& row : rows) {
    SCOPED_TRACE("row " + row.number + " (" + row.app + ")");
    const std::vector<json> seen = connections(upstreams[row.app].record);
    // The gateway did connect and complete the handshake (it saw the certificate) for each of
    // the two requests: a refusal is not remembered in place of verifying.
    EXPECT_EQ(seen.size(), 2u) << read_all(upstreams[row.app].record);
    for (const json& c : seen) {
      EXPECT_EQ(c["handshake"], "ok") << c.dump();
      EXPECT_EQ(c["bytes"], 0) << "application bytes reached a refused upstream: " << c.dump();
      EXPECT_EQ(c["request"], "") << c.dump();
    }
  }
}

// Row 16. An upstream verified and pooled, which then presents other certificates on the next new
// connections (it closes every connection after one response, so the pooled one is dead when the
// next request comes). A new key with the same measurement verifies and is pinned; another
// measurement under trust on first use is refused, and receives nothing.
TEST_F(HostileUpstreams, CertificateSwappedBetweenPooledConnectionsIsVerifiedAgain) {
  const std::string first = issue("first");
  const std::string second = issue("second");  // same MRENCLAVE, another key
  const std::string third = issue("third", {"--mrenclave", kMrB});
  Peer up = start_hostile({{"first", first}, {"second", second}, {"third", third}});
  gateway_args_ = {"--threads", "1"};  // one event loop, one pool: the pooled connection is found
  start_gateway(json::array({app("swap", up.port)}));  // no measurement policy: trust on first use

  const std::string first_sha = attest::to_hex(attest::sha256(
      attest::cert_der(attest::parse_certificate(attest::as_bytes(read_all(first + ".pem")),
                                                 attest::Status::STATUS_INVALID_PARAMETER)
                           .get())));
  EXPECT_EQ(curl("swap", "/one").out, "hello from first\n");
  EXPECT_EQ(app_status(status(), "swap")["pin"]["cert_sha256"], first_sha);
  EXPECT_EQ(curl("swap", "/two").out, "hello from second\n");
  json st = app_status(status(), "swap");
  EXPECT_NE(st["pin"]["cert_sha256"], first_sha);  // the new key is pinned...
  EXPECT_EQ(st["pin"]["mrenclave"], kMrA);         // ...for the same measurement

  const auto [body, code] = split_status(
      curl("swap", "/three", {"-H", "Accept: application/json", "-w", "\n%{http_code}"}));
  ASSERT_EQ(code, "502") << "served by the swapped certificate: " << body;
  const json j = json::parse(body);
  ASSERT_EQ(j["errors"].size(), 1u) << j.dump(2);
  EXPECT_EQ(j["errors"][0]["code"], "STATUS_POLICY_MRENCLAVE_NOT_ALLOWED");
  EXPECT_NE(
      j["reason"].get<std::string>().find("the enclave's measurement changed from MRENCLAVE " +
                                          kMrA.substr(0, 16) + "… to " + kMrB.substr(0, 16)),
      std::string::npos)
      << j.dump(2);
  EXPECT_NE(j["advice"].get<std::string>().find("ratls-gateway pins accept swap"),
            std::string::npos);
  const auto [html, html_code] = split_status(curl("swap", "/four", {"-w", "\n%{http_code}"}));
  EXPECT_EQ(html_code, "502");
  EXPECT_NE(html.find("<code>STATUS_POLICY_MRENCLAVE_NOT_ALLOWED</code>"), std::string::npos);
  st = app_status(status(), "swap");
  EXPECT_EQ(st["state"], "refused");
  EXPECT_EQ(st["pin"]["mrenclave"], kMrA);
  EXPECT_EQ(st["pending"]["mrenclave"], kMrB);

  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const std::vector<json> seen = connections(up.record);
  ASSERT_GE(seen.size(), 4u) << read_all(up.record);
  EXPECT_EQ(seen[0]["label"], "first");
  EXPECT_EQ(seen[0]["request"], "GET /one HTTP/1.1");
  EXPECT_EQ(seen[1]["label"], "second");
  EXPECT_EQ(seen[1]["request"], "GET /two HTTP/1.1");
  for (std::size_t i = 2; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i]["label"], "third");
    EXPECT_EQ(seen[i]["handshake"], "ok");
    EXPECT_EQ(seen[i]["bytes"], 0)
        << "application bytes reached the swapped certificate: " << seen[i].dump();
  }
}

// Row 17. An upstream that offers resumption (TLS 1.3 tickets; TLS 1.2 tickets and session IDs):
// openssl s_client resumes with it, the gateway never does: every connection is a full handshake
// in which the upstream presents, and proves, its certificate again.
TEST_F(HostileUpstreams, SessionTicketsAreNeverUsedToResume) {
  const std::string cert = issue("tickets");
  Peer tls13 = start_hostile({{"tls13", cert}});
  Peer tls12 = start_hostile({{"tls12", cert}}, true);
  gateway_args_ = {"--threads", "1"};
  start_gateway(json::array({app("tls13", tls13.port), app("tls12", tls12.port)}));

  for (const auto& [name, up] :
       {std::pair<std::string, Peer*>{"tls13", &tls13}, {"tls12", &tls12}}) {
    SCOPED_TRACE(name);
    // The control: a client that keeps the session is resumed by this upstream.
    const std::string sess = dir_.file(name + ".session");
    for (const std::string& flag : {std::string("-sess_out"), std::string("-sess_in")}) {
      const CommandResult r = run_command(
          {"/bin/sh", "-c",
           "printf 'GET /control HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n' | /usr/bin/openssl s_client "
           "-quiet -connect 127.0.0.1:" +
               std::to_string(up->port) + " " + flag + " " + sess});
      EXPECT_NE(r.out.find("hello from " + name), std::string::npos) << r.out << r.err;
    }
    for (int i = 1; i <= 3; ++i) {
      EXPECT_EQ(curl(name, "/gw-" + std::to_string(i)).out, "hello from " + name + "\n");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const std::vector<json> seen = connections(up->record);
    ASSERT_EQ(seen.size(), 5u) << read_all(up->record);
    EXPECT_FALSE(seen[0]["reused"]);
    EXPECT_TRUE(seen[1]["reused"]) << "the control did not resume: " << seen[1].dump();
    for (std::size_t i = 2; i < seen.size(); ++i) {
      EXPECT_EQ(seen[i]["request"], "GET /gw-" + std::to_string(i - 1) + " HTTP/1.1");
      EXPECT_EQ(seen[i]["version"], name == "tls13" ? "TLSv1.3" : "TLSv1.2");
      EXPECT_FALSE(seen[i]["reused"]) << seen[i].dump();
      EXPECT_FALSE(seen[i]["psk"]) << "the gateway offered a session: " << seen[i].dump();
      // SSL_OP_NO_TICKET: not even an empty session_ticket extension asks for a ticket.
      EXPECT_EQ(seen[i]["ticket"], -1) << seen[i].dump();
    }
  }
}

}  // namespace
}  // namespace ratls::test
