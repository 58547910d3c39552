#include "proxy/cli/demo_app.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <nlohmann/json.hpp>

#include <mutex>
#include <thread>

#include "proxy/net/asio_types.h"

namespace ratls::proxy {

namespace {

namespace websocket = beast::websocket;
using TlsStream = ssl::stream<beast::tcp_stream>;

constexpr const char* kPage = R"PAGE(<!doctype html>
<html lang=en><head><meta charset=utf-8><title>Simulated enclave app</title>
<style>body{font-family:system-ui,sans-serif;max-width:44rem;margin:2rem auto;color:#1d2330}
.sim{background:#fff0c2;color:#7a5800;padding:.5rem 1rem;border-radius:6px;font-weight:600}
code{word-break:break-all}button{margin:.2rem}</style></head><body>
<p class=sim>SIMULATED enclave: a demo of ratls-gateway, not a real SGX enclave.</p>
<h1 id=title>Hello from the enclave app</h1>
<p>MRENCLAVE <code id=mrenclave>%MRENCLAVE%</code></p>
<p><input id=value placeholder="a value to store"><button id=store onclick="store()">Store</button>
<button onclick="load()">Read back</button> <span id=stored></span></p>
<p><button onclick="echo()">WebSocket echo</button> <span id=ws></span></p>
<p>Cookie: <span id=cookie></span></p>
<script>
async function store(){const v=document.getElementById('value').value;
 const r=await fetch('/api/value',{method:'POST',headers:{'Content-Type':'application/json'},body:JSON.stringify({value:v})});
 document.getElementById('stored').textContent=(await r.json()).stored;}
async function load(){const r=await fetch('/api/value');document.getElementById('stored').textContent=(await r.json()).value;}
function echo(){const s=new WebSocket((location.protocol==='https:'?'wss://':'ws://')+location.host+'/ws');
 s.onopen=()=>s.send('ping from the browser');s.onmessage=e=>{document.getElementById('ws').textContent=e.data;s.close();};
 s.onerror=()=>{document.getElementById('ws').textContent='websocket error';};}
// The first call sets a Secure cookie, the second shows it came back.
fetch('/api/session').then(()=>fetch('/api/session')).then(r=>r.json())
 .then(j=>{document.getElementById('cookie').textContent=j.cookie;}).catch(()=>{});
echo();
</script></body></html>
)PAGE";

std::string query_value(std::string_view target, std::string_view key) {
  const auto q = target.find('?');
  if (q == std::string_view::npos) return {};
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view kv = rest.substr(0, amp);
    if (kv.substr(0, key.size()) == key && kv.size() > key.size() && kv[key.size()] == '=') {
      return std::string(kv.substr(key.size() + 1));
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return {};
}

}  // namespace

struct DemoApp::Impl {
  explicit Impl(DemoAppOptions o) : options(std::move(o)), ctx(ssl::context::tls_server) {}

  DemoAppOptions options;
  asio::io_context io{1};
  ssl::context ctx;
  std::optional<tcp::acceptor> acceptor;
  std::thread thread;
  std::mutex mutex;
  std::string stored = "";
  // What browsers did, for tests that can only take a screenshot (Firefox).
  int websocket_echoes = 0;
  int session_cookie_seen = 0;

  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor->async_accept(nothrow);
      if (ec) co_return;
      asio::co_spawn(io, session(std::move(socket)), asio::detached);
    }
  }

  template <class Body>
  asio::awaitable<bool> send(TlsStream& s, http::response<Body>& res) {
    res.set(http::field::server, "simulated-enclave-app");
    res.prepare_payload();
    auto [ec, n] = co_await http::async_write(s, res, nothrow);
    co_return !ec && res.keep_alive();
  }

  asio::awaitable<bool> json_reply(TlsStream& s, unsigned version, bool keep,
                                   const nlohmann::json& j,
                                   http::status status = http::status::ok) {
    http::response<http::string_body> res{status, version};
    res.set(http::field::content_type, "application/json");
    // A stored value that is not UTF-8 is shown with replacement characters: dump() would throw.
    res.body() = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    res.keep_alive(keep);
    co_return co_await send(s, res);
  }

  asio::awaitable<void> session(tcp::socket socket) {
    TlsStream s(beast::tcp_stream(std::move(socket)), ctx);
    beast::get_lowest_layer(s).expires_after(std::chrono::seconds(30));
    auto [hec] = co_await s.async_handshake(ssl::stream_base::server, nothrow);
    if (hec) co_return;
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::buffer_body> p;
      p.body_limit(boost::none);
      beast::get_lowest_layer(s).expires_after(std::chrono::seconds(60));
      auto [ec, n] = co_await http::async_read_header(s, buffer, p, nothrow);
      if (ec) break;
      if (!co_await serve(s, buffer, p)) break;
    }
    beast::get_lowest_layer(s).expires_after(std::chrono::seconds(2));
    co_await s.async_shutdown(nothrow);
  }

  // Reads the whole request body into memory (small JSON bodies only) or counts it (uploads).
  asio::awaitable<std::optional<std::string>> read_body(TlsStream& s, beast::flat_buffer& buffer,
                                                        http::request_parser<http::buffer_body>& p,
                                                        std::size_t keep_at_most,
                                                        std::uint64_t& total) {
    std::string body;
    std::vector<char> buf(64 * 1024);
    while (!p.is_done()) {
      p.get().body().data = buf.data();
      p.get().body().size = buf.size();
      auto [ec, n] = co_await http::async_read(s, buffer, p, nothrow);
      if (ec == http::error::need_buffer) ec = {};
      if (ec) co_return std::nullopt;
      const std::size_t got = buf.size() - p.get().body().size;
      total += got;
      if (body.size() < keep_at_most)
        body.append(buf.data(), std::min(got, keep_at_most - body.size()));
    }
    co_return body;
  }

  asio::awaitable<bool> serve(TlsStream& s, beast::flat_buffer& buffer,
                              http::request_parser<http::buffer_body>& p) {
    auto& req = p.get();
    const unsigned version = req.version();
    const bool keep = req.keep_alive();
    const std::string target(req.target());
    const std::string path = target.substr(0, target.find('?'));
    std::uint64_t total = 0;

    if (path == "/ws" && websocket::is_upgrade(req)) {
      http::request<http::empty_body> upgrade{req.method(), req.target(), version};
      for (const auto& f : req) upgrade.insert(f.name_string(), f.value());
      websocket::stream<TlsStream&> ws(s);
      beast::get_lowest_layer(s).expires_never();
      ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
      auto [aec] = co_await ws.async_accept(upgrade, nothrow);
      if (aec) co_return false;
      for (;;) {
        beast::flat_buffer msg;
        auto [rec, rn] = co_await ws.async_read(msg, nothrow);
        if (rec) co_return false;
        ws.text(ws.got_text());
        auto [wec, wn] = co_await ws.async_write(msg.data(), nothrow);
        if (wec) co_return false;
        std::lock_guard lock(mutex);
        ++websocket_echoes;
      }
    }
    if (path == "/api/upload" && req.method() == http::verb::post) {
      auto body = co_await read_body(s, buffer, p, 0, total);
      if (!body) co_return false;
      const nlohmann::json reply = {{"bytes", total}};
      co_return co_await json_reply(s, version, keep, reply);
    }
    auto body = co_await read_body(s, buffer, p, 1 << 20, total);
    if (!body) co_return false;

    if (path == "/") {
      http::response<http::string_body> res{http::status::ok, version};
      res.set(http::field::content_type, "text/html; charset=utf-8");
      std::string page = kPage;
      page.replace(page.find("%MRENCLAVE%"), 11, options.mrenclave_hex);
      res.body() = page;
      res.keep_alive(keep);
      co_return co_await send(s, res);
    }
    if (path == "/api/info") {
      const nlohmann::json reply = {
          {"app", "demo"}, {"simulated", true}, {"mrenclave", options.mrenclave_hex}};
      co_return co_await json_reply(s, version, keep, reply);
    }
    if (path == "/api/value" && req.method() == http::verb::post) {
      std::string value = *body;
      try {
        const auto j = nlohmann::json::parse(*body);
        if (j.is_object() && j.contains("value") && j["value"].is_string())
          value = j["value"].get<std::string>();
      } catch (const nlohmann::json::exception&) {
        // plain text bodies are stored as they are
      }
      {
        std::lock_guard lock(mutex);
        stored = value;
      }
      const nlohmann::json reply = {{"stored", value}};
      co_return co_await json_reply(s, version, keep, reply);
    }
    if (path == "/api/value") {
      nlohmann::json reply;
      {
        std::lock_guard lock(mutex);
        reply = {{"value", stored}};
      }
      co_return co_await json_reply(s, version, keep, reply);
    }
    if (path == "/api/session") {
      // A Secure, host-only cookie: browsers keep it on http://*.localhost (a secure context).
      auto it = req.find(http::field::cookie);
      const std::string cookie = it == req.end() ? std::string() : std::string(it->value());
      http::response<http::string_body> res{http::status::ok, version};
      res.set(http::field::content_type, "application/json");
      if (cookie.find("demo_session=simulated") != std::string::npos) {
        std::lock_guard lock(mutex);
        ++session_cookie_seen;
      }
      if (cookie.find("demo_session=") == std::string::npos) {
        res.set(http::field::set_cookie,
                "demo_session=simulated; Path=/; Secure; HttpOnly; SameSite=Lax; Domain=" +
                    options.host);
      }
      res.body() = nlohmann::json{{"cookie", cookie.empty() ? "(none yet: reload)" : cookie}}.dump(
          -1, ' ', false, nlohmann::json::error_handler_t::replace);
      res.keep_alive(keep);
      co_return co_await send(s, res);
    }
    if (path == "/api/stats") {
      nlohmann::json reply;
      {
        std::lock_guard lock(mutex);
        reply = {{"websocket_echoes", websocket_echoes},
                 {"session_cookie_seen", session_cookie_seen}};
      }
      co_return co_await json_reply(s, version, keep, reply);
    }
    if (path == "/redirect") {
      http::response<http::empty_body> res{http::status::found, version};
      res.set(http::field::location, "https://" + options.host + ":" +
                                         std::to_string(acceptor->local_endpoint().port()) +
                                         "/api/info");
      res.keep_alive(keep);
      co_return co_await send(s, res);
    }
    if (path == "/api/events") {
      // Server-sent events, a few seconds apart, so a relay that buffers would be caught.
      http::response<http::empty_body> res{http::status::ok, version};
      res.set(http::field::content_type, "text/event-stream");
      res.set(http::field::cache_control, "no-store");
      res.chunked(true);
      http::response_serializer<http::empty_body> sr{res};
      auto [ec, n] = co_await http::async_write_header(s, sr, nothrow);
      if (ec) co_return false;
      const int count = std::max(1, std::atoi(query_value(target, "count").c_str()));
      const int interval = std::max(0, std::atoi(query_value(target, "interval_ms").c_str()));
      for (int i = 0; i < count; ++i) {
        if (i > 0) {
          asio::steady_timer t(io, std::chrono::milliseconds(interval));
          co_await t.async_wait(nothrow);
        }
        const std::string event = "data: event " + std::to_string(i) + "\n\n";
        auto [wec, wn] =
            co_await asio::async_write(s, http::make_chunk(asio::buffer(event)), nothrow);
        if (wec) co_return false;
      }
      auto [lec, ln] = co_await asio::async_write(s, http::make_chunk_last(), nothrow);
      co_return !lec && keep;
    }
    if (path == "/api/download") {
      const std::uint64_t bytes = std::strtoull(query_value(target, "bytes").c_str(), nullptr, 10);
      http::response<http::buffer_body> res{http::status::ok, version};
      res.set(http::field::content_type, "application/octet-stream");
      res.content_length(bytes);
      res.keep_alive(keep);
      http::response_serializer<http::buffer_body> sr{res};
      auto [ec, n] = co_await http::async_write_header(s, sr, nothrow);
      if (ec) co_return false;
      if (req.method() == http::verb::head) co_return keep;
      std::vector<char> chunk(64 * 1024, 'x');
      std::uint64_t left = bytes;
      while (left > 0) {
        const std::size_t now =
            static_cast<std::size_t>(std::min<std::uint64_t>(left, chunk.size()));
        auto [wec, wn] = co_await asio::async_write(s, asio::buffer(chunk.data(), now), nothrow);
        if (wec) co_return false;
        left -= now;
      }
      co_return keep;
    }
    const nlohmann::json reply = {{"error", "not found"}, {"path", path}};
    co_return co_await json_reply(s, version, keep, reply, http::status::not_found);
  }
};

DemoApp::DemoApp(DemoAppOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

DemoApp::~DemoApp() {
  stop();
}

void DemoApp::start() {
  Impl& i = *impl_;
  i.ctx.use_certificate_chain(asio::buffer(i.options.cert_pem));
  i.ctx.use_private_key(asio::buffer(i.options.key_pem), ssl::context::pem);
  SSL_CTX_set_min_proto_version(i.ctx.native_handle(), TLS1_2_VERSION);
  tcp::endpoint ep(asio::ip::make_address(i.options.host), i.options.port);
  i.acceptor.emplace(i.io);
  boost::system::error_code ec;
  i.acceptor->open(ep.protocol(), ec);
  if (!ec) i.acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) i.acceptor->bind(ep, ec);
  if (!ec) i.acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    throw std::runtime_error("demo app: cannot listen on " + i.options.host + ": " + ec.message());
  asio::co_spawn(i.io, i.accept_loop(), asio::detached);
  i.thread = std::thread([&i] { i.io.run(); });
}

std::uint16_t DemoApp::port() const {
  return impl_->acceptor ? impl_->acceptor->local_endpoint().port() : 0;
}

void DemoApp::stop() {
  if (impl_->thread.joinable()) {
    impl_->io.stop();
    impl_->thread.join();
  }
}

}  // namespace ratls::proxy
