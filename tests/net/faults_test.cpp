// The transport against a fault-injecting server: each bad-server behaviour ends in its
// documented outcome within its deadline (no hang, no crash; the ASan build proves no leak).
#include "servers.hpp"

#include <coassist/net/http_client.hpp>

#include <catch2/catch.hpp>

#include <future>

using namespace coassist;
using namespace std::chrono_literals;
using test::fault_server;
using test::peer;

namespace {

using clock_type = std::chrono::steady_clock;

net::client_options fast_options() {
  net::client_options o;
  o.connect_timeout = 2s;
  o.idle_timeout = 1s;
  o.overall_timeout = 10s;
  o.retry.max_retries = 0;
  o.proxy.from_environment = false;
  o.tls.ca_file = test::test_pki::get().ca_cert.string();
  o.tls.use_system_trust_store = false;
  return o;
}

// Runs a coroutine on a fresh io_context, bounded by `limit`: a hang fails the test.
template <class T>
T run(asio::io_context& io, asio::awaitable<T> a, std::chrono::milliseconds limit = 20s) {
  auto fut = asio::co_spawn(io, std::move(a), asio::use_future);
  io.run_for(limit);
  REQUIRE(fut.wait_for(0s) == std::future_status::ready);
  return fut.get();
}

struct outcome {
  std::error_code ec;
  net::response r;
  net::diagnostics d;
  std::chrono::milliseconds took{};
};

outcome get(const std::string& url, net::client_options o = fast_options(),
            std::string method = "GET") {
  asio::io_context io;
  net::http_client client(io.get_executor(), o);
  outcome out;
  auto start = clock_type::now();
  auto task = [&]() -> asio::awaitable<int> {
    net::request req;
    req.method = method;
    req.url = urls::url(url);
    net::request_options ro;
    ro.diag = &out.d;
    auto [ec, r] = co_await client.async_send(std::move(req), ro,
                                              asio::experimental::as_tuple(asio::use_awaitable));
    out.ec = ec;
    out.r = std::move(r);
    co_return 0;
  };
  run(io, task());
  out.took = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - start);
  return out;
}

const std::string ok_response = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";

} // namespace

TEST_CASE("fault: dripped headers and body arrive whole", "[integration]") {
  fault_server srv([](peer& p, int) {
    p.read_request();
    p.drip(ok_response, 2ms);
  });
  auto o = get(srv.url("/drip"));
  REQUIRE_FALSE(o.ec);
  CHECK(o.r.status == 200);
  CHECK(o.r.body == "hello");
}

TEST_CASE("fault: reset in the middle of the headers", "[integration]") {
  fault_server srv([](peer& p, int) {
    p.read_request();
    p.send("HTTP/1.1 200 OK\r\nContent-Le");
    p.reset();
  });
  auto o = get(srv.url());
  CHECK(o.ec);
  CHECK((o.d.stage == net::stage::read || o.d.stage == net::stage::parse));
  CHECK(o.d.host == "127.0.0.1");
  CHECK(o.d.port == srv.port());
  CHECK(o.d.message.find("127.0.0.1:" + std::to_string(srv.port())) != std::string::npos);
  CHECK(srv.accepted() == 1);
}

TEST_CASE("fault: reset in the middle of the body; retried as a connection failure",
          "[integration]") {
  fault_server srv([](peer& p, int) {
    p.read_request();
    p.send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
    p.reset();
  });
  auto o = get(srv.url());
  CHECK(o.ec);
  CHECK(o.d.stage == net::stage::read);
  CHECK(srv.accepted() == 1);

  auto opts = fast_options();
  opts.retry.max_retries = 2;
  opts.retry.initial_delay = 1ms;
  auto o2 = get(srv.url(), opts);
  CHECK(o2.ec);
  CHECK(o2.d.attempts == 3);
  CHECK(srv.accepted() == 1 + 3);
}

TEST_CASE("fault: truncated chunked body", "[integration]") {
  fault_server srv([](peer& p, int) {
    p.read_request();
    p.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
    p.close();
  });
  auto o = get(srv.url());
  CHECK(o.ec == http::error::partial_message);
  CHECK(o.d.stage == net::stage::parse);
}

TEST_CASE("fault: oversize header", "[integration]") {
  fault_server srv([](peer& p, int) {
    p.read_request();
    p.send("HTTP/1.1 200 OK\r\nX-Big: " + std::string(200 * 1024, 'a') + "\r\n\r\n");
    p.wait_for_close();
  });
  auto o = get(srv.url());
  CHECK(o.ec == http::error::header_too_large);
  CHECK(o.d.stage == net::stage::parse);
}

TEST_CASE("fault: invalid status lines", "[integration]") {
  for (std::string bad : {"HTTP/1.1 2000 OK\r\n\r\n", "HTTP/0.9 200 OK\r\n\r\n",
                          "HTTP/1.1 200 OK\nContent-Length: 0\n\n", "hello world\r\n\r\n"}) {
    fault_server srv([bad](peer& p, int) {
      p.read_request();
      p.send(bad);
      p.wait_for_close();
    });
    auto o = get(srv.url());
    CAPTURE(bad);
    CHECK(o.ec.category() == http::error_category());
    CHECK(o.d.stage == net::stage::parse);
  }
}

TEST_CASE("fault: Content-Length with Transfer-Encoding, conflicting and overflowing lengths",
          "[integration]") {
  std::vector<std::pair<std::string, http::error>> cases{
      {"Content-Length: 5\r\nTransfer-Encoding: chunked",
       http::error::content_length_with_transfer_encoding},
      {"Content-Length: 5\r\nContent-Length: 6", http::error::conflicting_content_length},
      {"Content-Length: 99999999999999999999999", http::error::bad_content_length}};
  for (auto& [hdr, expected] : cases) {
    fault_server srv([h = hdr](peer& p, int) {
      p.read_request();
      p.send("HTTP/1.1 200 OK\r\n" + h + "\r\n\r\nhello");
      p.wait_for_close();
    });
    auto o = get(srv.url());
    CAPTURE(hdr);
    CHECK(o.ec == expected);
  }
}

TEST_CASE("fault: 100 and 103 before the final response are skipped", "[integration]") {
  fault_server srv([](peer& p, int) {
    p.read_request();
    p.send("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" +
           ok_response);
  });
  auto o = get(srv.url());
  REQUIRE_FALSE(o.ec);
  CHECK(o.r.status == 200);
  CHECK(o.r.body == "hello");
}

TEST_CASE("fault: a server that never answers hits the idle timeout", "[integration]") {
  fault_server srv([](peer& p, int) {
    p.read_request();
    p.wait_for_close();
  });
  auto o = get(srv.url());
  CHECK(o.ec == net::error::idle_timeout);
  CHECK(o.d.stage == net::stage::timeout);
  CHECK(o.took >= 900ms);
  CHECK(o.took < 3s);
}

TEST_CASE("fault: TLS handshake that never completes hits the connect timeout", "[integration]") {
  const auto& pki = test::test_pki::get();
  fault_server srv([](peer& p, int) { p.wait_for_close(); },
                   fault_server::tls_config{pki.server_cert.string(), pki.server_key.string()});
  srv.handshake = false;
  auto opts = fast_options();
  opts.connect_timeout = 500ms;
  auto o = get(srv.url(), opts);
  CHECK(o.ec == net::error::connect_timeout);
  CHECK(o.d.stage == net::stage::timeout);
  CHECK(o.took < 2s);
}

TEST_CASE("fault: TLS close without close_notify", "[integration]") {
  const auto& pki = test::test_pki::get();
  fault_server::tls_config tls{pki.server_cert.string(), pki.server_key.string()};
  SECTION("after a Content-Length framed body: complete, fine") {
    fault_server srv(
        [](peer& p, int) {
          p.read_request();
          p.send("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
          p.close();
        },
        tls);
    auto o = get(srv.url());
    REQUIRE_FALSE(o.ec);
    CHECK(o.r.body == "hello");
  }
  SECTION("ending a close-delimited body: may be truncated, an error") {
    fault_server srv(
        [](peer& p, int) {
          p.read_request();
          p.send("HTTP/1.1 200 OK\r\n\r\nhello");
          p.close();
        },
        tls);
    auto o = get(srv.url());
    CHECK(o.ec == net::error::stream_truncated);
  }
}

TEST_CASE("fault: certificate for another host name", "[integration]") {
  const auto& pki = test::test_pki::get();
  fault_server srv(
      [](peer& p, int) {
        p.read_request();
        p.send(ok_response);
      },
      fault_server::tls_config{pki.wrong_cert.string(), pki.wrong_key.string()});
  auto o = get(srv.url());
  CHECK(o.ec);
  CHECK(o.d.stage == net::stage::tls);
  CHECK(o.d.message.find("certificate verify failed") != std::string::npos);
  CHECK(srv.accepted() == 1); // not retried
}

TEST_CASE("fault: 429 and 503 with Retry-After are retried after the hinted delay",
          "[integration]") {
  fault_server srv([](peer& p, int i) {
    p.read_request();
    if (i == 0)
      p.send("HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\nContent-Length: 0\r\nConnection: "
             "close\r\n\r\n");
    else if (i == 1)
      p.send("HTTP/1.1 503 Unavailable\r\nretry-after-ms: 50\r\nContent-Length: 0\r\nConnection: "
             "close\r\n\r\n");
    else
      p.send(ok_response);
  });
  auto opts = fast_options();
  opts.retry.max_retries = 2;
  auto o = get(srv.url(), opts);
  REQUIRE_FALSE(o.ec);
  CHECK(o.r.status == 200);
  CHECK(o.d.attempts == 3);
  CHECK(o.took >= 1000ms);
  CHECK(o.took < 3s);
  CHECK(srv.accepted() == 3);
}

TEST_CASE("fault: the overall deadline bounds all retries together", "[integration]") {
  fault_server srv([](peer& p, int) {
    while (!p.read_request().empty())
      p.send("HTTP/1.1 503 Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n");
  });
  auto opts = fast_options();
  opts.retry.max_retries = 10;
  opts.overall_timeout = 2500ms;
  auto o = get(srv.url(), opts);
  REQUIRE_FALSE(o.ec); // the last response is returned as it is
  CHECK(o.r.status == 503);
  CHECK(o.d.attempts == 3); // t=0, t=1s, t=2s; a 4th would end after the deadline
  CHECK(o.took < 2500ms);
}

TEST_CASE("fault: keep-alive reuse, and no reuse after Connection: close or a framing error",
          "[integration]") {
  // connection 0 answers keep-alive twice, then sends a body with extra bytes after it
  fault_server srv([](peer& p, int) {
    for (int n = 0;; ++n) {
      if (p.read_request().empty()) return;
      if (n < 2)
        p.send(ok_response);
      else if (n == 2)
        p.send("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
    }
  });
  asio::io_context io;
  net::http_client client(io.get_executor(), fast_options());
  auto task = [&]() -> asio::awaitable<int> {
    for (int i = 0; i < 4; ++i) {
      net::request req;
      req.url = urls::url(srv.url("/k"));
      auto r = co_await client.send(std::move(req));
      CHECK(r.body == "hello");
    }
    co_return 0;
  };
  run(io, task());
  // requests 1-3 on connection 0 (the third says close), request 4 on connection 1
  CHECK(srv.accepted() == 2);
  CHECK(client.stats().connections_opened == 2);
  CHECK(client.stats().connections_reused == 2);
}

TEST_CASE("fault: bytes after the body, body on 204: the connection is not reused",
          "[integration]") {
  for (std::string resp :
       {ok_response + "EXTRA",
        std::string("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello")}) {
    fault_server srv([resp](peer& p, int) {
      while (!p.read_request().empty())
        p.send(resp);
    });
    asio::io_context io;
    net::http_client client(io.get_executor(), fast_options());
    auto task = [&]() -> asio::awaitable<int> {
      for (int i = 0; i < 2; ++i) {
        net::request req;
        req.url = urls::url(srv.url("/x"));
        auto r = co_await client.send(std::move(req));
        CHECK((r.status == 200 || r.status == 204));
      }
      co_return 0;
    };
    run(io, task());
    CAPTURE(resp);
    CHECK(srv.accepted() == 2);
  }
}

TEST_CASE(
    "fault: a pooled connection closed as it is reused is retried once, with no response byte",
    "[integration]") {
  fault_server srv([](peer& p, int i) {
    p.read_request();
    if (i == 0) {
      p.send(ok_response);
      p.read_request(); // the second request arrives: close without answering
      p.close();
      return;
    }
    p.send(ok_response);
  });
  asio::io_context io;
  net::http_client client(io.get_executor(), fast_options()); // max_retries = 0
  auto task = [&]() -> asio::awaitable<int> {
    for (int i = 0; i < 2; ++i) {
      net::request req;
      req.url = urls::url(srv.url("/stale"));
      auto r = co_await client.send(std::move(req));
      CHECK(r.body == "hello");
    }
    co_return 0;
  };
  run(io, task());
  CHECK(srv.accepted() == 2);
  CHECK(client.stats().retries == 1);

  // but not when a response byte had arrived
  fault_server srv2([](peer& p, int i) {
    p.read_request();
    p.send(ok_response);
    if (i == 0) {
      p.read_request();
      p.send("HTTP/1.1 2");
      p.close();
    }
  });
  asio::io_context io2;
  net::http_client client2(io2.get_executor(), fast_options());
  std::error_code second;
  auto task2 = [&]() -> asio::awaitable<int> {
    net::request req;
    req.url = urls::url(srv2.url("/stale"));
    co_await client2.send(req);
    auto [ec, r] =
        co_await client2.async_send(req, {}, asio::experimental::as_tuple(asio::use_awaitable));
    second = ec;
    co_return 0;
  };
  run(io2, task2());
  CHECK(second == http::error::partial_message);
  CHECK(srv2.accepted() == 1);

  // nor for a POST the server read whole before closing: it may have been applied
  fault_server srv3([](peer& p, int i) {
    p.read_request();
    p.send(ok_response);
    if (i == 0) {
      p.read_request();
      p.close();
    }
  });
  asio::io_context io3;
  net::http_client client3(io3.get_executor(), fast_options()); // max_retries = 0
  std::error_code posted;
  auto task3 = [&]() -> asio::awaitable<int> {
    net::request req;
    req.url = urls::url(srv3.url("/stale"));
    co_await client3.send(req);
    req.method = "POST";
    req.body = "{}";
    auto [ec, r] =
        co_await client3.async_send(req, {}, asio::experimental::as_tuple(asio::use_awaitable));
    posted = ec;
    co_return 0;
  };
  run(io3, task3());
  CHECK(posted);
  CHECK(srv3.accepted() == 1);
  CHECK(client3.stats().retries == 0);
}

TEST_CASE("fault: a body that cannot be replayed is never retried", "[integration]") {
  struct once_source final : net::body_source {
    std::optional<std::uint64_t> size() const override { return 4; }
    bool replayable() const override { return false; }
    asio::awaitable<std::size_t> read(asio::mutable_buffer b) override {
      if (sent) co_return 0;
      sent = true;
      std::memcpy(b.data(), "data", 4);
      co_return 4;
    }
    bool sent = false;
  };
  fault_server srv([](peer& p, int) {
    p.read_request();
    p.send("HTTP/1.1 503 Unavailable\r\nContent-Length: 0\r\n\r\n");
    p.wait_for_close();
  });
  auto opts = fast_options();
  opts.retry.max_retries = 2;
  opts.retry.initial_delay = 1ms;
  asio::io_context io;
  net::http_client client(io.get_executor(), opts);
  auto task = [&]() -> asio::awaitable<int> {
    net::request req;
    req.method = "POST";
    req.url = urls::url(srv.url("/upload"));
    req.body_stream = std::make_shared<once_source>();
    auto r = co_await client.send(std::move(req));
    CHECK(r.status == 503);
    co_return 0;
  };
  run(io, task());
  CHECK(srv.accepted() == 1);
}

TEST_CASE("fault: pool limit queues requests and reuses the connection", "[integration]") {
  fault_server srv([](peer& p, int) {
    while (!p.read_request().empty())
      p.drip(ok_response, 1ms);
  });
  auto opts = fast_options();
  opts.max_connections_per_origin = 1;
  asio::io_context io;
  net::http_client client(io.get_executor(), opts);
  int done = 0;
  auto one = [&]() -> asio::awaitable<void> {
    net::request req;
    req.url = urls::url(srv.url("/p"));
    auto r = co_await client.send(std::move(req));
    if (r.body == "hello") ++done;
  };
  for (int i = 0; i < 4; ++i)
    asio::co_spawn(io, one(), asio::detached);
  io.run_for(20s);
  CHECK(done == 4);
  CHECK(srv.accepted() == 1);
}

TEST_CASE("fault: cancellation aborts promptly and leaves nothing half-used in the pool",
          "[integration]") {
  fault_server srv([](peer& p, int i) {
    p.read_request();
    if (i == 0) {
      p.wait_for_close(); // hang
      return;
    }
    while (true) {
      p.send(ok_response);
      if (p.read_request().empty()) return;
    }
  });
  auto opts = fast_options();
  opts.idle_timeout = 30s;
  opts.max_connections_per_origin = 1;
  asio::io_context io;
  net::http_client client(io.get_executor(), opts);
  std::error_code first;
  auto took = 0ms;
  auto task = [&]() -> asio::awaitable<int> {
    using namespace asio::experimental::awaitable_operators;
    net::request req;
    req.url = urls::url(srv.url("/c"));
    asio::steady_timer t(io, 100ms);
    auto start = clock_type::now();
    auto which = co_await (client.async_send(req, {}, asio::use_awaitable) ||
                           t.async_wait(asio::use_awaitable));
    took = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - start);
    CHECK(which.index() == 1); // the timer won; the request was cancelled
    // the only pool slot was freed: a new request goes through on a new connection
    auto r = co_await client.send(req);
    CHECK(r.body == "hello");
    co_return 0;
  };
  run(io, task());
  CHECK(took < 1s);
  CHECK(srv.accepted() == 2);
}

TEST_CASE("fault: cancellation_signal on a callback, streaming idle timeout", "[integration]") {
  fault_server srv([](peer& p, int) {
    p.read_request();
    p.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n");
    p.wait_for_close();
  });
  asio::io_context io;
  auto opts = fast_options();
  opts.idle_timeout = 500ms;
  net::http_client client(io.get_executor(), opts);
  std::error_code second;
  std::string first;
  auto task = [&]() -> asio::awaitable<int> {
    net::request req;
    req.url = urls::url(srv.url("/sse"));
    auto s = co_await client.open(req);
    CHECK(s.status() == 200);
    auto c = co_await s.async_read_some(asio::use_awaitable);
    first = std::string(c);
    auto [ec, c2] = co_await s.async_read_some(asio::experimental::as_tuple(asio::use_awaitable));
    second = ec;
    co_return 0;
  };
  run(io, task());
  CHECK(first == "first");
  CHECK(second == net::error::idle_timeout);

  // cancel a callback-based stream read with a signal
  asio::io_context io2;
  net::http_client client2(io2.get_executor(), fast_options());
  asio::cancellation_signal sig;
  std::error_code cancelled;
  bool called = false;
  net::response_stream stream;
  net::request req;
  req.url = urls::url(srv.url("/sse"));
  client2.async_open(req, {}, [&](std::error_code ec, net::response_stream s) {
    REQUIRE_FALSE(ec);
    stream = std::move(s);
    stream.async_read_some([&](std::error_code, std::string_view) {
      stream.async_read_some(
          asio::bind_cancellation_slot(sig.slot(), [&](std::error_code ec2, std::string_view) {
            cancelled = ec2;
            called = true;
          }));
      asio::post(io2, [&] { sig.emit(asio::cancellation_type::terminal); });
    });
  });
  io2.run_for(5s);
  CHECK(called);
  CHECK(cancelled == asio::error::operation_aborted);
}

TEST_CASE("fault: a streamed body is read from the socket only as the consumer pulls",
          "[integration]") {
  std::atomic<std::size_t> sent{0};
  fault_server srv([&](peer& p, int) {
    p.read_request();
    std::size_t total = 256u << 20; // far more than socket buffers hold
    if (!p.send("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(total) + "\r\n\r\n")) return;
    std::string block(64 * 1024, 'x');
    while (sent < total && p.send(block))
      sent += block.size();
  });
  asio::io_context io;
  net::http_client client(io.get_executor(), fast_options());
  std::size_t before = 0, after = 0;
  auto task = [&]() -> asio::awaitable<int> {
    net::request req;
    req.url = urls::url(srv.url("/big"));
    auto s = co_await client.open(req);
    auto c = co_await s.async_read_some(asio::use_awaitable);
    CHECK_FALSE(c.empty());
    // the consumer pauses: the server can only fill the socket buffers
    asio::steady_timer pause(io, 300ms);
    co_await pause.async_wait(asio::use_awaitable);
    before = sent;
    co_await pause.async_wait(asio::use_awaitable); // (already expired: completes at once)
    pause.expires_after(200ms);
    co_await pause.async_wait(asio::use_awaitable);
    after = sent;
    s.close(); // early close: the connection is closed, the server's send fails
    co_return 0;
  };
  run(io, task());
  CHECK(before < (32u << 20));
  CHECK(after == before); // nothing moved while nobody pulled
  srv.stop();
  CHECK(client.stats().connections_reused == 0);
}

TEST_CASE("fault: error messages never carry the API key", "[integration]") {
  fault_server srv([](peer& p, int) {
    p.read_request();
    p.send("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
    p.reset();
  });
  asio::io_context io;
  net::http_client client(io.get_executor(), fast_options());
  std::string what;
  auto task = [&]() -> asio::awaitable<int> {
    net::request req;
    req.url = urls::url(srv.url("/v1/threads"));
    req.headers.add("Authorization", "Bearer sk-test-SECRET123");
    try {
      co_await client.send(req);
    } catch (const net::transport_error& e) {
      what = e.what();
      what += e.details().message + e.details().host;
    }
    co_return 0;
  };
  run(io, task());
  CHECK_FALSE(what.empty());
  CHECK(what.find("SECRET123") == std::string::npos);
  CHECK(what.find("127.0.0.1:" + std::to_string(srv.port())) != std::string::npos);
}

TEST_CASE("fault: async_open retries a 503 before handing out the stream", "[integration]") {
  fault_server srv([](peer& p, int i) {
    p.read_request();
    if (i == 0)
      p.send("HTTP/1.1 503 Unavailable\r\nretry-after-ms: 10\r\nContent-Length: 3\r\nConnection: "
             "close\r\n\r\nbad");
    else
      p.send(
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n");
    p.wait_for_close();
  });
  auto opts = fast_options();
  opts.retry.max_retries = 1;
  asio::io_context io;
  net::http_client client(io.get_executor(), opts);
  std::string body;
  auto task = [&]() -> asio::awaitable<int> {
    net::request req;
    req.url = urls::url(srv.url("/events"));
    auto s = co_await client.open(req);
    CHECK(s.status() == 200);
    body = co_await s.async_read_all(asio::use_awaitable);
    CHECK(s.done());
    co_return 0;
  };
  run(io, task());
  CHECK(body == "abcdef");
  CHECK(srv.accepted() == 2);
}

TEST_CASE("fault: waiting for a pool slot is bounded by the overall deadline", "[integration]") {
  fault_server srv([](peer& p, int) {
    p.read_request();
    p.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n");
    p.wait_for_close();
  });
  auto opts = fast_options();
  opts.max_connections_per_origin = 1;
  asio::io_context io;
  net::http_client client(io.get_executor(), opts);
  net::diagnostics d;
  std::error_code ec2;
  auto task = [&]() -> asio::awaitable<int> {
    net::request req;
    req.url = urls::url(srv.url("/held"));
    auto held = co_await client.open(req); // holds the only connection
    net::request_options ro;
    ro.overall_timeout = 300ms;
    ro.diag = &d;
    auto [ec, r] =
        co_await client.async_send(req, ro, asio::experimental::as_tuple(asio::use_awaitable));
    ec2 = ec;
    co_return 0;
  };
  run(io, task());
  CHECK(ec2 == net::error::deadline_exceeded);
  CHECK(d.stage == net::stage::timeout);
  CHECK(srv.accepted() == 1);
}

TEST_CASE("fault: a stream may outlive its client", "[integration]") {
  fault_server srv([](peer& p, int) {
    p.read_request();
    p.send("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nabc");
    p.send("def");
    p.wait_for_close();
  });
  asio::io_context io;
  std::string body;
  auto task = [&]() -> asio::awaitable<int> {
    net::response_stream s;
    {
      net::http_client client(io.get_executor(), fast_options());
      net::request req;
      req.url = urls::url(srv.url("/x"));
      s = co_await client.open(req);
    }
    body = co_await s.async_read_all(asio::use_awaitable);
    co_return 0;
  };
  run(io, task());
  CHECK(body == "abcdef");
}
