// A PCS-compatible HTTPS server for tests (loopback only): serves one set of real collateral the
// way Intel PCS and PCCS do (signed JSON bodies, URL-encoded PEM issuer chains in headers, CRLs as
// DER or hex), and misbehaves on demand.
//
// usage: pcs_server --port N --cert PEM --key PEM
//                   (--collateral DCAP_QVL_JSON | --pcs-dir DIR | --dir DIR)
//                   [--tcb-signing-key PEM] --mode-file FILE --requests-file FILE
// --pcs-dir holds go-tdx-guest style files (tcb info / QE identity response bodies, issuer chain
// PEMs, DER CRLs); --dir the layout of `verify --collateral DIR` (a simulated hierarchy's
// collateral/ directory, for gateway tests). The mode file is read on every request; it holds
// comma-separated modes:
//   500 (every answer is HTTP 500), hang (read the request, never answer), garbage (200 with a body
//   that is no collateral), badsig (one byte of tcbInfo changed), slow (answer after 700 ms),
//   v3 (TCB chain in the older SGX-TCB-Info-Issuer-Chain header), pem (CRLs as PEM), nochain (no
//   issuer chain headers), rollback (a genuine TCB info issued 12 hours earlier than the one served
//   normally, still current: re-signed with --tcb-signing-key, the key that signed the dataset),
//   otherkey (the TCB info signed by a key of the server's own, with an issuer chain of its own
//   under a root named like the dataset's). Empty or "normal": behave like PCS.
// Each request appends "GET <target> <status>" to the requests file before it is answered.
#include <openssl/pem.h>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>

#include "attest/bytes.h"
#include "attest/collateral.h"
#include "attest/sim/hierarchy.h"
#include "attest/sim/pki.h"
#include "attest/time.h"
#include "attest/x509.h"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using nlohmann::json;

struct Dataset {
  std::string tee;    // "sgx" / "tdx"
  std::string fmspc;  // upper-case hex
  std::string tcb_body, tcb_chain;
  std::string qe_body, qe_chain;
  std::string pck_ca;  // "platform" / "processor"
  std::string pck_crl_der, pck_chain;
  std::string root_crl_der;
  std::string tcb_rollback_body;                    // mode rollback (needs --tcb-signing-key)
  std::string tcb_foreign_body, tcb_foreign_chain;  // mode otherkey
};

struct Options {
  int port = 0;
  std::string cert, key, collateral, pcs_dir, dir, mode_file, requests_file, tcb_signing_key;
};

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string hex_to_bytes(const std::string& hex) {
  auto b = ratls::attest::from_hex(hex);
  if (!b) throw std::runtime_error("bad hex in the collateral");
  return std::string(ratls::attest::as_chars(*b));
}

// `{"tcbInfo":…,"signature":"…"}` around `info`, signed by `key` as Intel signs it.
std::string signed_tcb_body(const std::string& info, EVP_PKEY* key) {
  const auto sig = ratls::attest::sim::sign_raw(key, ratls::attest::as_bytes(info));
  return "{\"tcbInfo\":" + info + ",\"signature\":\"" +
         ratls::attest::to_hex(ratls::attest::ByteView(sig.data(), sig.size())) + "\"}";
}

std::string tcb_info_of(const std::string& body) {
  return ratls::attest::split_signed_response(
             body, "tcbInfo", ratls::attest::Status::STATUS_SGX_TCB_INFO_UNSUPPORTED_FORMAT)
      .body;
}

// The same TCB info as issued `seconds` earlier: issueDate and nextUpdate moved back, nothing else.
std::string moved_back(std::string info, ratls::attest::UnixTime seconds) {
  for (const std::string key : {"\"issueDate\":\"", "\"nextUpdate\":\""}) {
    const auto at = info.find(key);
    if (at == std::string::npos) throw std::runtime_error("the TCB info has no " + key);
    const auto start = at + key.size();
    const auto end = info.find('"', start);
    const auto t = ratls::attest::parse_rfc3339(info.substr(start, end - start));
    if (!t) throw std::runtime_error("the TCB info's " + key + " is not a time");
    info.replace(start, end - start, ratls::attest::format_rfc3339(*t - seconds));
  }
  return info;
}

// A TCB signing certificate and root of the server's own (a PCCS forging collateral), named like
// the real ones; returns the issuer chain header's PEM and signs `info` with the new key.
std::pair<std::string, std::string> foreign_signed(const std::string& info,
                                                   const std::string& genuine_chain) {
  namespace sim = ratls::attest::sim;
  const auto chain = ratls::attest::parse_pem_chain(
      genuine_chain, ratls::attest::Status::STATUS_UNSUPPORTED_CERT_FORMAT);
  const std::string root_cn = ratls::attest::common_name(chain.back().get());
  const ratls::attest::UnixTime now = std::time(nullptr);
  auto root_key = sim::make_p256_key(std::nullopt, "foreign root");
  auto signing_key = sim::make_p256_key(std::nullopt, "foreign tcb signing");
  const std::string org(ratls::attest::sim::kSimulatedOrganization);
  auto root = sim::issue_certificate(
      {root_cn, org, "foreign root", now - 86400, now + 86400 * 365, true, 1, std::nullopt},
      root_key.get(), nullptr, root_key.get());
  auto signing =
      sim::issue_certificate({"Intel SGX TCB Signing", org, "foreign tcb signing", now - 86400,
                              now + 86400 * 365, false, std::nullopt, std::nullopt},
                             signing_key.get(), root.get(), root_key.get());
  return {signed_tcb_body(info, signing_key.get()), ratls::attest::certificate_pem(signing.get()) +
                                                        ratls::attest::certificate_pem(root.get())};
}

std::string ca_type_of(const std::string& chain_pem) {
  auto chain = ratls::attest::parse_pem_chain(
      chain_pem, ratls::attest::Status::STATUS_UNSUPPORTED_CERT_FORMAT);
  const std::string cn = ratls::attest::common_name(chain.front().get());
  return cn.find("Processor") != std::string::npos ? "processor" : "platform";
}

// <base>.der, .pem or .hex (the `verify --collateral DIR` layout), as DER.
std::string crl_file(const std::string& base) {
  for (const char* ext : {".der", ".pem", ".hex"}) {
    std::ifstream probe(base + ext);
    if (!probe) continue;
    const std::string data = read_all(base + ext);
    return std::string(
        ratls::attest::as_chars(ratls::attest::crl_to_der(ratls::attest::as_bytes(data))));
  }
  throw std::runtime_error("no " + base + ".der, .pem or .hex");
}

Dataset load(const Options& o) {
  Dataset d;
  json tcb_info;
  if (!o.collateral.empty()) {
    const json j = json::parse(read_all(o.collateral));
    const std::string tcb = j["tcb_info"];
    const std::string qe = j["qe_identity"];
    d.tcb_body = "{\"tcbInfo\":" + tcb + ",\"signature\":\"" +
                 j["tcb_info_signature"].get<std::string>() + "\"}";
    d.qe_body = "{\"enclaveIdentity\":" + qe + ",\"signature\":\"" +
                j["qe_identity_signature"].get<std::string>() + "\"}";
    d.tcb_chain = j["tcb_info_issuer_chain"];
    d.qe_chain = j["qe_identity_issuer_chain"];
    d.pck_chain = j["pck_crl_issuer_chain"];
    d.pck_crl_der = hex_to_bytes(j["pck_crl"]);
    d.root_crl_der = hex_to_bytes(j["root_ca_crl"]);
    tcb_info = json::parse(tcb);
  } else if (!o.dir.empty()) {
    const std::string dir = o.dir + "/";
    d.tcb_body = read_all(dir + "tcb_info.json");
    d.qe_body = read_all(dir + "qe_identity.json");
    d.tcb_chain = read_all(dir + "tcb_info_issuer_chain.pem");
    d.qe_chain = read_all(dir + "qe_identity_issuer_chain.pem");
    d.pck_chain = read_all(dir + "pck_crl_issuer_chain.pem");
    d.pck_crl_der = crl_file(dir + "pck_crl");
    d.root_crl_der = crl_file(dir + "root_ca_crl");
    tcb_info = json::parse(d.tcb_body)["tcbInfo"];
  } else {
    const std::string dir = o.pcs_dir + "/";
    d.tcb_body = read_all(dir + "tdx_tcb_info_fmspc_50806f000000.response.json");
    d.qe_body = read_all(dir + "tdx_qe_identity.response.json");
    d.tcb_chain = read_all(dir + "tcb_info_issuer_chain.header.pem");
    d.qe_chain = read_all(dir + "qe_identity_issuer_chain.header.pem");
    d.pck_chain = read_all(dir + "pck_crl_issuer_chain.header.pem");
    d.pck_crl_der = read_all(dir + "pck_crl_platform.der");
    d.root_crl_der = read_all(dir + "root_ca_crl.der");
    tcb_info = json::parse(d.tcb_body)["tcbInfo"];
  }
  d.tee = lower(tcb_info.value("id", "SGX"));
  d.fmspc = upper(tcb_info["fmspc"].get<std::string>());
  d.pck_ca = ca_type_of(d.pck_chain);
  if (!o.tcb_signing_key.empty()) {
    auto key = ratls::attest::sim::load_private_key_pem(read_all(o.tcb_signing_key));
    d.tcb_rollback_body =
        signed_tcb_body(moved_back(tcb_info_of(d.tcb_body), 12 * 3600), key.get());
  }
  std::tie(d.tcb_foreign_body, d.tcb_foreign_chain) =
      foreign_signed(tcb_info_of(d.tcb_body), d.tcb_chain);
  return d;
}

// Everything but RFC 3986 unreserved characters, as PCS does for its issuer chain headers.
std::string url_encode(const std::string& s) {
  static const char* const kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string crl_pem(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509_CRL* crl = d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size()));
  if (crl == nullptr) return der;
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509_CRL(bio, crl);
  char* data = nullptr;
  const long len = BIO_ctrl(bio, BIO_CTRL_INFO, 0, &data);
  std::string out(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  X509_CRL_free(crl);
  return out;
}

std::string bytes_hex(const std::string& der) {
  return ratls::attest::to_hex(ratls::attest::as_bytes(der));
}

// One byte of the signed tcbInfo changed, the JSON still well-formed.
std::string bad_signature(std::string body) {
  const std::string key = "\"tcbEvaluationDataNumber\":";
  auto pos = body.find(key);
  if (pos != std::string::npos) {
    char& c = body[pos + key.size()];
    c = c == '1' ? '2' : '1';
  }
  return body;
}

std::set<std::string> read_modes(const std::string& file) {
  std::set<std::string> modes;
  std::ifstream in(file);
  std::ostringstream all;
  all << in.rdbuf();
  const std::string text = all.str();
  std::string item;
  std::istringstream s(text);
  while (std::getline(s, item, ',')) {
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.back()))) item.pop_back();
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.front())))
      item.erase(0, 1);
    if (!item.empty()) modes.insert(item);
  }
  return modes;
}

std::map<std::string, std::string> query_of(const std::string& target) {
  std::map<std::string, std::string> q;
  auto qm = target.find('?');
  if (qm == std::string::npos) return q;
  std::istringstream s(target.substr(qm + 1));
  std::string pair;
  while (std::getline(s, pair, '&')) {
    auto eq = pair.find('=');
    q[pair.substr(0, eq)] = eq == std::string::npos ? "" : pair.substr(eq + 1);
  }
  return q;
}

std::mutex g_log_mutex;
int g_request_id = 0;

void record(const Options& o, const std::string& target, unsigned status) {
  std::lock_guard lock(g_log_mutex);
  std::ofstream out(o.requests_file, std::ios::app);
  out << "GET " << target << " " << status << "\n";
}

using Response = http::response<http::string_body>;

Response answer(const Dataset& d, const std::set<std::string>& modes, const std::string& target) {
  Response res{http::status::ok, 11};
  res.set(http::field::server, "pcs-fixture");
  {
    std::lock_guard lock(g_log_mutex);
    res.set("Request-ID", "fixture-" + std::to_string(++g_request_id));
  }
  const std::string path = target.substr(0, target.find('?'));
  const auto query = query_of(target);
  const bool chains = !modes.count("nochain");
  const std::string prefix = "/" + d.tee + "/certification/v4/";
  if (path == prefix + "tcb") {
    auto it = query.find("fmspc");
    if (it == query.end() || upper(it->second) != d.fmspc) {
      res.result(http::status::not_found);
      return res;
    }
    res.set(http::field::content_type, "application/json");
    const bool foreign = modes.count("otherkey") > 0;
    if (chains) {
      res.set(modes.count("v3") ? "SGX-TCB-Info-Issuer-Chain" : "TCB-Info-Issuer-Chain",
              url_encode(foreign ? d.tcb_foreign_chain : d.tcb_chain));
    }
    res.body() = modes.count("badsig") ? bad_signature(d.tcb_body) : d.tcb_body;
    if (foreign) res.body() = d.tcb_foreign_body;
    if (modes.count("rollback")) {
      if (d.tcb_rollback_body.empty()) {
        res.result(http::status::not_implemented);  // started without --tcb-signing-key
        res.body() = "rollback needs --tcb-signing-key\n";
      } else {
        res.body() = d.tcb_rollback_body;
      }
    }
  } else if (path == prefix + "qe/identity") {
    res.set(http::field::content_type, "application/json");
    if (chains) res.set("SGX-Enclave-Identity-Issuer-Chain", url_encode(d.qe_chain));
    res.body() = d.qe_body;
  } else if (path == "/sgx/certification/v4/pckcrl") {
    auto it = query.find("ca");
    if (it == query.end() || lower(it->second) != d.pck_ca) {
      res.result(http::status::not_found);
      return res;
    }
    if (chains) res.set("SGX-PCK-CRL-Issuer-Chain", url_encode(d.pck_chain));
    auto enc = query.find("encoding");
    if (modes.count("pem")) {
      res.body() = crl_pem(d.pck_crl_der);
    } else if (enc != query.end() && enc->second == "der") {
      res.set(http::field::content_type, "application/pkix-crl");
      res.body() = d.pck_crl_der;
    } else {
      res.body() = bytes_hex(d.pck_crl_der);  // PCCS without encoding=der
    }
  } else if (path == "/sgx/certification/v4/rootcacrl") {
    res.body() = modes.count("pem") ? crl_pem(d.root_crl_der) : bytes_hex(d.root_crl_der);
  } else if (path == "/IntelSGXRootCA.der") {
    res.set(http::field::content_type, "application/pkix-crl");
    res.body() = modes.count("pem") ? crl_pem(d.root_crl_der) : d.root_crl_der;
  } else {
    res.result(http::status::not_found);
  }
  if (modes.count("garbage") && res.result() == http::status::ok) {
    res.body() = "<html><body>maintenance</body></html>";
  }
  if (modes.count("500")) {
    res.result(http::status::internal_server_error);
    for (auto name : {"TCB-Info-Issuer-Chain", "SGX-TCB-Info-Issuer-Chain",
                      "SGX-Enclave-Identity-Issuer-Chain", "SGX-PCK-CRL-Issuer-Chain"}) {
      res.erase(name);
    }
    res.set(http::field::content_type, "text/plain");
    res.body() = "internal error\n";
  }
  return res;
}

void serve(tcp::socket socket, ssl::context& ctx, const Dataset& d, const Options& o) {
  try {
    ssl::stream<tcp::socket> stream(std::move(socket), ctx);
    stream.handshake(ssl::stream_base::server);
    beast::flat_buffer buffer;
    for (;;) {
      http::request<http::empty_body> req;
      boost::system::error_code ec;
      http::read(stream, buffer, req, ec);
      if (ec) return;
      const std::string target(req.target());
      const auto modes = read_modes(o.mode_file);
      if (modes.count("hang")) {
        record(o, target, 0);
        // Never answer; return when the client gives up and closes.
        char sink[512];
        while (!ec) stream.read_some(asio::buffer(sink), ec);
        return;
      }
      if (modes.count("slow")) std::this_thread::sleep_for(std::chrono::milliseconds(700));
      Response res = answer(d, modes, target);
      record(o, target, res.result_int());
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      http::write(stream, res, ec);
      if (ec || !req.keep_alive()) break;
    }
    boost::system::error_code ignored;
    stream.shutdown(ignored);
  } catch (const std::exception&) {
    // A client that went away: nothing to do.
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--port")
      o.port = std::stoi(value);
    else if (flag == "--cert")
      o.cert = value;
    else if (flag == "--key")
      o.key = value;
    else if (flag == "--collateral")
      o.collateral = value;
    else if (flag == "--pcs-dir")
      o.pcs_dir = value;
    else if (flag == "--dir")
      o.dir = value;
    else if (flag == "--mode-file")
      o.mode_file = value;
    else if (flag == "--requests-file")
      o.requests_file = value;
    else if (flag == "--tcb-signing-key")
      o.tcb_signing_key = value;
    else {
      std::cerr << "pcs_server: unknown option " << flag << "\n";
      return 2;
    }
  }
  try {
    const Dataset d = load(o);
    asio::io_context io;
    ssl::context ctx(ssl::context::tls_server);
    ctx.use_certificate_chain_file(o.cert);
    ctx.use_private_key_file(o.key, ssl::context::pem);
    tcp::acceptor acceptor(
        io, {asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(o.port)});
    std::cout << "pcs_server: " << d.tee << " FMSPC " << d.fmspc << " " << d.pck_ca
              << " CA on 127.0.0.1:" << acceptor.local_endpoint().port() << std::endl;
    for (;;) {
      tcp::socket socket(io);
      acceptor.accept(socket);
      std::thread(serve, std::move(socket), std::ref(ctx), std::cref(d), std::cref(o)).detach();
    }
  } catch (const std::exception& e) {
    std::cerr << "pcs_server: " << e.what() << "\n";
    return 1;
  }
}
