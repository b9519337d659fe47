// Round trips per second of small requests over one pooled loopback connection, plain and TLS,
// against a minimal keep-alive Asio server started by the benchmark itself (its own thread).
// items_per_second is the round-trip rate. Run:
//   bench_http_roundtrip --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <coassist/net/http_client.hpp>

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

namespace net = coassist::net;
namespace fs = std::filesystem;

namespace {

constexpr std::string_view reply =
    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok";

template <class Stream> asio::awaitable<void> serve(Stream s) {
  std::string buf;
  char tmp[4096];
  for (;;) {
    auto [ec, n] = co_await s.async_read_some(asio::buffer(tmp),
                                              asio::experimental::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    buf.append(tmp, n);
    std::size_t end;
    while ((end = buf.find("\r\n\r\n")) != std::string::npos) {
      buf.erase(0, end + 4);
      auto [wec, wn] = co_await asio::async_write(
          s, asio::buffer(reply), asio::experimental::as_tuple(asio::use_awaitable));
      (void)wn;
      if (wec) co_return;
    }
  }
}

// A self-signed certificate for 127.0.0.1 (the client trusts it as its CA file).
struct certificate {
  fs::path dir;
  certificate() {
    std::string tmpl = (fs::temp_directory_path() / "coassist-bench-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp");
    dir = tmpl;
    std::string cmd =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1"
        " -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout '" +
        (dir / "key.pem").string() + "' -out '" + (dir / "cert.pem").string() + "' >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("openssl failed");
  }
  ~certificate() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

class server {
public:
  explicit server(const certificate* cert)
      : acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}),
        tls_(asio::ssl::context::tls_server) {
    if (cert) {
      tls_.use_certificate_chain_file((cert->dir / "cert.pem").string());
      tls_.use_private_key_file((cert->dir / "key.pem").string(), asio::ssl::context::pem);
    }
    asio::co_spawn(io_, accept_loop(cert != nullptr), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~server() {
    io_.stop();
    thread_.join();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

private:
  asio::awaitable<void> accept_loop(bool tls) {
    for (;;) {
      auto [ec, sock] =
          co_await acceptor_.async_accept(asio::experimental::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      sock.set_option(asio::ip::tcp::no_delay(true));
      if (tls) {
        asio::ssl::stream<asio::ip::tcp::socket> s(std::move(sock), tls_);
        auto [hec] = co_await s.async_handshake(asio::ssl::stream_base::server,
                                                asio::experimental::as_tuple(asio::use_awaitable));
        if (!hec) asio::co_spawn(io_, serve(std::move(s)), asio::detached);
      } else {
        asio::co_spawn(io_, serve(std::move(sock)), asio::detached);
      }
    }
  }
  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_;
  asio::ssl::context tls_;
  std::thread thread_;
};

void roundtrip(benchmark::State& state, bool tls) {
  std::unique_ptr<certificate> cert;
  if (tls) cert = std::make_unique<certificate>();
  server srv(cert.get());
  net::client_options o;
  o.proxy.from_environment = false;
  o.retry.max_retries = 0;
  if (tls) {
    o.tls.use_system_trust_store = false;
    o.tls.ca_file = (cert->dir / "cert.pem").string();
  }
  asio::io_context io;
  net::http_client client(io.get_executor(), o);
  net::request req;
  req.url = boost::urls::url((tls ? "https" : "http") + std::string("://127.0.0.1:") +
                             std::to_string(srv.port()) + "/v1/ping");
  req.headers.add("Accept", "application/json");
  std::size_t failures = 0;
  for (auto _ : state) {
    client.async_send(req, {}, [&](std::error_code ec, net::response r) {
      if (ec || r.body != "ok") ++failures;
    });
    io.restart();
    io.run();
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["connections"] = static_cast<double>(client.stats().connections_opened);
  if (failures) state.SkipWithError("requests failed");
}

void BM_roundtrip_plain(benchmark::State& state) {
  roundtrip(state, false);
}
void BM_roundtrip_tls(benchmark::State& state) {
  roundtrip(state, true);
}

} // namespace

BENCHMARK(BM_roundtrip_plain)->UseRealTime();
BENCHMARK(BM_roundtrip_tls)->UseRealTime();
