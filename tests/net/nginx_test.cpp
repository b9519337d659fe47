// The transport against real servers started by the test: nginx (plain and TLS with a CA made at
// test time) and tinyproxy (CONNECT tunnels and absolute-form requests).
#include "servers.hpp"

#include <coassist/net/http_client.hpp>

#include <catch2/catch.hpp>

#include <cstdlib>
#include <future>
#include <thread>

using namespace coassist;
using namespace std::chrono_literals;

namespace {

net::client_options nginx_options() {
  net::client_options o;
  o.connect_timeout = 5s;
  o.idle_timeout = 5s;
  o.overall_timeout = 20s;
  o.retry.max_retries = 0;
  o.proxy.from_environment = false;
  o.tls.ca_file = test::test_pki::get().ca_cert.string();
  o.tls.use_system_trust_store = false;
  return o;
}

template <class T>
T run(asio::io_context& io, asio::awaitable<T> a, std::chrono::milliseconds limit = 30s) {
  auto fut = asio::co_spawn(io, std::move(a), asio::use_future);
  io.run_for(limit);
  REQUIRE(fut.wait_for(0s) == std::future_status::ready);
  return fut.get();
}

net::request get_request(const std::string& url, std::string method = "GET") {
  net::request r;
  r.method = std::move(method);
  r.url = urls::url(url);
  return r;
}

test::nginx_server& nginx() {
  static test::nginx_server server; // one nginx for this process (stopped at exit)
  return server;
}

std::string expected_big(const test::nginx_server& n) {
  auto s = test::read_file(n.root() / "chunked/big.txt");
  for (std::size_t p; (p = s.find("MARK")) != std::string::npos;)
    s.replace(p, 4, "mark");
  return s;
}

} // namespace

TEST_CASE("nginx: fixed responses over a reused keep-alive connection (plain and TLS)",
          "[integration]") {
  auto& n = nginx();
  for (bool tls : {false, true}) {
    asio::io_context io;
    net::http_client client(io.get_executor(), nginx_options());
    auto url = tls ? n.tls_url("/fixed") : n.plain_url("/fixed");
    std::vector<std::string> conns;
    auto task = [&]() -> asio::awaitable<int> {
      for (int i = 0; i < 5; ++i) {
        auto r = co_await client.send(get_request(url));
        CHECK(r.status == 200);
        CHECK(r.body == "hello fixed\n");
        conns.emplace_back(r.headers.find("X-Conn").value_or("?"));
      }
      co_return 0;
    };
    run(io, task());
    CAPTURE(tls);
    // nginx saw one connection serving 5 requests
    CHECK(std::count(conns.begin(), conns.end(), conns.front()) == 5);
    CHECK(client.stats().connections_opened == 1);
    CHECK(client.stats().connections_reused == 4);
  }
}

TEST_CASE("nginx: TLS trust: CA file, IP literal, system store only, insecure option",
          "[integration]") {
  auto& n = nginx();
  auto fetch = [&](net::client_options o, std::string url) {
    asio::io_context io;
    net::http_client client(io.get_executor(), o);
    net::diagnostics d;
    net::request_options ro;
    ro.diag = &d;
    auto fut = client.async_send(get_request(url), ro, asio::use_future);
    io.run_for(20s);
    REQUIRE(fut.wait_for(0s) == std::future_status::ready);
    try {
      return std::pair{fut.get().status, d};
    } catch (const std::system_error&) {
      return std::pair{0, d};
    }
  };
  CHECK(fetch(nginx_options(), n.tls_url("/fixed")).first == 200);
  CHECK(fetch(nginx_options(), n.tls_url("/fixed", "127.0.0.1")).first == 200); // IP SAN
  auto system_only = nginx_options();
  system_only.tls.ca_file.clear();
  system_only.tls.use_system_trust_store = true;
  auto [status, d] = fetch(system_only, n.tls_url("/fixed"));
  CHECK(status == 0);
  CHECK(d.stage == net::stage::tls);
  CHECK(d.host == "localhost");
  CHECK(d.message.find("certificate verify failed") != std::string::npos);
  auto insecure = system_only;
  insecure.tls.insecure_disable_verification_for_testing_only = true;
  CHECK(fetch(insecure, n.tls_url("/fixed")).first == 200);
}

TEST_CASE("nginx: chunked body whole and streamed; HEAD; Connection: close", "[integration]") {
  auto& n = nginx();
  auto expected = expected_big(n);
  for (bool tls : {false, true}) {
    asio::io_context io;
    net::http_client client(io.get_executor(), nginx_options());
    auto base = [&](std::string_view p) { return tls ? n.tls_url(p) : n.plain_url(p); };
    auto task = [&]() -> asio::awaitable<int> {
      auto r = co_await client.send(get_request(base("/chunked/big.txt")));
      CHECK(r.headers.find("Transfer-Encoding") == std::optional<std::string_view>("chunked"));
      CHECK(r.body.size() == expected.size());
      CHECK(r.body == expected);

      auto s = co_await client.open(get_request(base("/chunked/big.txt")));
      CHECK(s.status() == 200);
      std::string streamed;
      int chunks = 0;
      for (;;) {
        auto c = co_await s.async_read_some(asio::use_awaitable);
        if (c.empty()) break;
        ++chunks;
        streamed.append(c);
      }
      CHECK(s.done());
      CHECK(chunks > 1);
      CHECK(streamed == expected);

      auto h = co_await client.send(get_request(base("/fixed"), "HEAD"));
      CHECK(h.status == 200);
      CHECK(h.body.empty());
      CHECK(h.headers.find("Content-Length") == std::optional<std::string_view>("12"));

      auto c1 = co_await client.send(get_request(base("/close")));
      CHECK(c1.body == "bye");
      auto c2 = co_await client.send(get_request(base("/fixed")));
      CHECK(c2.headers.find("X-Conn") != c1.headers.find("X-Conn"));
      co_return 0;
    };
    run(io, task());
    CAPTURE(tls);
    // big (1) reused by stream, HEAD, /close; then a new one after close
    CHECK(client.stats().connections_opened == 2);
  }
}

TEST_CASE("nginx: a stream closed early closes its connection", "[integration]") {
  auto& n = nginx();
  asio::io_context io;
  net::http_client client(io.get_executor(), nginx_options());
  auto task = [&]() -> asio::awaitable<int> {
    auto s = co_await client.open(get_request(n.plain_url("/chunked/big.txt")));
    auto c = co_await s.async_read_some(asio::use_awaitable);
    CHECK_FALSE(c.empty());
    s.close();
    auto r = co_await client.send(get_request(n.plain_url("/fixed")));
    CHECK(r.status == 200);
    co_return 0;
  };
  run(io, task());
  CHECK(client.stats().connections_opened == 2);
  CHECK(client.stats().connections_reused == 0);
}

TEST_CASE("nginx: uploads from a file (Content-Length) and from an unsized source (chunked)",
          "[integration]") {
  auto& n = nginx();
  test::temp_dir tmp;
  std::string data;
  for (int i = 0; data.size() < 1024 * 1024 + 17; ++i)
    data += std::to_string(i * 7919) + ",";
  test::write_file(tmp.path() / "upload.bin", data);

  struct unsized final : net::body_source {
    explicit unsized(std::string d) : inner(std::move(d)) {}
    std::optional<std::uint64_t> size() const override { return std::nullopt; }
    bool replayable() const override { return true; }
    asio::awaitable<std::size_t> read(asio::mutable_buffer b) override {
      co_return co_await inner.read(asio::buffer(b.data(), std::min<std::size_t>(b.size(), 1000)));
    }
    void rewind() override { inner.rewind(); }
    net::string_body_source inner;
  };

  asio::io_context io;
  net::http_client client(io.get_executor(), nginx_options());
  auto task = [&]() -> asio::awaitable<int> {
    auto put = get_request(n.tls_url("/dav/file.bin"), "PUT");
    put.body_stream = std::make_shared<net::file_body_source>((tmp.path() / "upload.bin").string());
    auto r = co_await client.send(put);
    CHECK((r.status == 201 || r.status == 204));
    auto back = co_await client.send(get_request(n.tls_url("/dav/file.bin")));
    CHECK(back.body == data);

    auto put2 = get_request(n.plain_url("/dav/chunked.bin"), "PUT");
    put2.body_stream = std::make_shared<unsized>(data);
    auto r2 = co_await client.send(put2);
    CHECK((r2.status == 201 || r2.status == 204));
    auto back2 = co_await client.send(get_request(n.plain_url("/dav/chunked.bin")));
    CHECK(back2.body == data);

    auto put3 = get_request(n.plain_url("/dav/small.txt"), "PUT");
    put3.body = "small body";
    auto r3 = co_await client.send(put3);
    CHECK((r3.status == 201 || r3.status == 204));
    auto small = co_await client.send(get_request(n.plain_url("/dav/small.txt")));
    CHECK(small.body == "small body");
    co_return 0;
  };
  run(io, task());
}

TEST_CASE("nginx: every completion token: callback, use_future, as_tuple, use_awaitable, deferred",
          "[integration]") {
  auto& n = nginx();
  asio::io_context io;
  net::http_client client(io.get_executor(), nginx_options());
  auto req = get_request(n.plain_url("/fixed"));

  int cb_status = 0;
  client.async_send(req, {}, [&](std::error_code ec, net::response r) {
    CHECK_FALSE(ec);
    cb_status = r.status;
  });
  io.run_for(10s);
  CHECK(cb_status == 200);

  io.restart();
  auto work = asio::make_work_guard(io);
  std::thread runner([&] { io.run_for(10s); });
  auto fut = client.async_send(req, {}, asio::use_future);
  CHECK(fut.get().body == "hello fixed\n");
  // errors arrive as exceptions through use_future
  auto bad = client.async_send(get_request("http://127.0.0.1:1/"), {}, asio::use_future);
  CHECK_THROWS_AS(bad.get(), std::system_error);
  work.reset();
  runner.join();

  io.restart();
  auto task = [&]() -> asio::awaitable<int> {
    auto [ec, r] =
        co_await client.async_send(req, {}, asio::experimental::as_tuple(asio::use_awaitable));
    CHECK_FALSE(ec);
    CHECK(r.status == 200);
    auto r2 = co_await client.async_send(req, {}, asio::use_awaitable);
    CHECK(r2.status == 200);
    auto op = client.async_send(req, {}, asio::experimental::deferred);
    auto r3 = co_await std::move(op)(asio::use_awaitable);
    CHECK(r3.status == 200);
    // use_awaitable with an error throws system_error carrying the code
    try {
      co_await client.async_send(get_request("http://127.0.0.1:1/"), {}, asio::use_awaitable);
      FAIL("no exception");
    } catch (const std::system_error& e) {
      CHECK(e.code() == asio::error::connection_refused);
    }
    // send() throws transport_error with stage and host
    try {
      co_await client.send(get_request("http://127.0.0.1:1/"));
      FAIL("no exception");
    } catch (const net::transport_error& e) {
      CHECK(e.stage() == net::stage::connect);
      CHECK(e.port() == 1);
      CHECK(std::string(e.what()).find("connect 127.0.0.1:1") != std::string::npos);
    }
    co_return 0;
  };
  run(io, task());
}

TEST_CASE("tinyproxy: HTTPS through CONNECT and plain HTTP in absolute form", "[integration]") {
  auto& n = nginx();
  test::tinyproxy_server proxy;
  SECTION("explicit proxy") {
    auto o = nginx_options();
    o.proxy.url = proxy.url();
    asio::io_context io;
    net::http_client client(io.get_executor(), o);
    auto task = [&]() -> asio::awaitable<int> {
      for (int i = 0; i < 3; ++i) {
        auto r = co_await client.send(get_request(n.tls_url("/fixed")));
        CHECK(r.body == "hello fixed\n");
      }
      auto p = co_await client.send(get_request(n.plain_url("/fixed")));
      CHECK(p.body == "hello fixed\n");
      co_return 0;
    };
    run(io, task());
    CHECK(client.stats().connections_opened == 2); // one tunnel reused, one plain
    CHECK(proxy.log().find("CONNECT") != std::string::npos);
  }
  SECTION("from HTTPS_PROXY, and NO_PROXY bypassing it") {
    ::setenv("HTTPS_PROXY", proxy.url().c_str(), 1);
    auto o = nginx_options();
    o.proxy.from_environment = true;
    asio::io_context io;
    net::http_client client(io.get_executor(), o);
    auto task = [&]() -> asio::awaitable<int> {
      auto r = co_await client.send(get_request(n.tls_url("/fixed")));
      CHECK(r.status == 200);
      co_return 0;
    };
    run(io, task());
    auto log1 = proxy.log();
    CHECK(log1.find("CONNECT") != std::string::npos);
    ::setenv("NO_PROXY", "localhost", 1);
    asio::io_context io2;
    net::http_client client2(io2.get_executor(), o);
    auto task2 = [&]() -> asio::awaitable<int> {
      auto r = co_await client2.send(get_request(n.tls_url("/fixed")));
      CHECK(r.status == 200);
      co_return 0;
    };
    run(io2, task2());
    CHECK(proxy.log() == log1); // not through the proxy
    ::unsetenv("HTTPS_PROXY");
    ::unsetenv("NO_PROXY");
  }
  SECTION("a refused CONNECT names the proxy stage and status") {
    auto o = nginx_options();
    o.proxy.url = "http://127.0.0.1:" + std::to_string(n.plain_port); // nginx is no proxy
    asio::io_context io;
    net::http_client client(io.get_executor(), o);
    net::diagnostics d;
    auto task = [&]() -> asio::awaitable<int> {
      net::request_options ro;
      ro.diag = &d;
      auto [ec, r] = co_await client.async_send(get_request(n.tls_url("/fixed")), ro,
                                                asio::experimental::as_tuple(asio::use_awaitable));
      CHECK(ec == net::error::proxy_refused);
      co_return 0;
    };
    run(io, task());
    CHECK(d.stage == net::stage::proxy);
    CHECK(d.http_status >= 400);
    CHECK(d.port == n.plain_port);
  }
}

TEST_CASE("example: http_get prints status, headers and the body; exit codes", "[integration]") {
  auto& n = nginx();
  std::string exe = COASSIST_BINARY_DIR "/examples/http_get";
  auto ca = test::test_pki::get().ca_cert.string();
  {
    test::child_process p({exe, n.tls_url("/fixed"), "--ca-file", ca, "--header", "X-Test: 1"});
    CHECK(p.read_line() == "HTTP/1.1 200 OK");
    std::vector<std::string> lines;
    for (std::string l; !(l = p.read_line()).empty();)
      lines.push_back(l);
    CHECK(std::find(lines.begin(), lines.end(), "Content-Length: 12") != lines.end());
    CHECK(p.read_line() == "hello fixed");
    CHECK(p.wait(10s) == 0);
  }
  {
    test::child_process p({exe, n.plain_url("/missing")});
    CHECK(p.read_line() == "HTTP/1.1 404 Not Found");
    CHECK(p.wait(10s) == 1);
  }
  {
    test::child_process p({exe, "http://127.0.0.1:1/"}, {}, false);
    CHECK(p.wait(10s) == 3);
  }
  {
    test::child_process p({exe, n.tls_url("/fixed")}, {{"SSL_CERT_FILE", "/nonexistent"}}, false);
    CHECK(p.wait(10s) == 3); // the test CA is not trusted
  }
  {
    test::child_process p({exe, n.tls_url("/fixed")}, {{"SSL_CERT_FILE", ca}}, false);
    CHECK(p.wait(10s) == 0); // SSL_CERT_FILE is honoured
  }
  {
    test::child_process p({exe, "--bogus"}, {}, false);
    CHECK(p.wait(10s) == 2);
  }
}
