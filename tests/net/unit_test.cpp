// Sans-I/O parts of the transport: URLs, proxy selection, retry decisions, pool bookkeeping.
#include <coassist/net/detail/pool_core.hpp>
#include <coassist/net/http_client.hpp>
#include <coassist/net/proxy.hpp>
#include <coassist/net/retry.hpp>
#include <coassist/net/url.hpp>

#include <catch2/catch.hpp>

#include <map>

using namespace coassist;
using namespace std::chrono_literals;

TEST_CASE("base_url parses origins and prefixes", "[unit]") {
  net::base_url b("https://api.openai.com/v1");
  CHECK(b.origin().tls);
  CHECK(b.origin().host == "api.openai.com");
  CHECK(b.origin().port == 443);
  CHECK(b.origin().host_header() == "api.openai.com");
  CHECK(net::origin_form_target(b.make_url("/models")) == "/v1/models");

  net::base_url v6("http://[::1]:8080/gateway/openai/v1/");
  CHECK_FALSE(v6.origin().tls);
  CHECK(v6.origin().host == "::1");
  CHECK(v6.origin().host_is_ip);
  CHECK(v6.origin().port == 8080);
  CHECK(v6.origin().host_header() == "[::1]:8080");
  CHECK(v6.origin().authority() == "[::1]:8080");
  CHECK(net::origin_form_target(v6.make_url("/threads")) == "/gateway/openai/v1/threads");

  net::base_url v4("http://127.0.0.1:1");
  CHECK(v4.origin().host == "127.0.0.1");
  CHECK(net::origin_form_target(v4.make_url("")) == "/");

  std::error_code ec;
  net::base_url bad1("ftp://x/", ec);
  CHECK(ec == net::error::unsupported_scheme);
  net::base_url bad2("https://x/v1?q=1", ec);
  CHECK(ec == net::error::bad_url);
  net::base_url bad3("https://user:pw@x/v1", ec);
  CHECK(ec == net::error::bad_url);
  net::base_url bad4("/relative", ec);
  CHECK(ec == net::error::bad_url);
  CHECK_THROWS_AS(net::base_url("not a url"), std::invalid_argument);
}

TEST_CASE("make_url percent-encodes path parameters and query values", "[unit]") {
  net::base_url b("https://h/v1");
  auto u = b.make_url("/threads/{thread_id}/runs/{run_id}",
                      {{"thread_id", "th/../x y"}, {"run_id", "r?#%"}},
                      {{"limit", "20"}, {"after", "a&b=c d"}});
  CHECK(net::origin_form_target(u) ==
        "/v1/threads/th%2F..%2Fx%20y/runs/r%3F%23%25?limit=20&after=a%26b=c%20d");
  // ('=' may stay literal inside a query value: keys end at the first '=')
  CHECK(u.segments().size() == 5);
  CHECK_THROWS_AS(b.make_url("/threads/{thread_id}", {}), std::invalid_argument);
  CHECK_THROWS_AS(b.make_url("/threads/{thread_id}", {{"thread_id", ""}}), std::invalid_argument);
  CHECK(net::absolute_form_target(u).rfind("https://h/v1/threads/", 0) == 0);
}

TEST_CASE("proxy selection from the environment honours NO_PROXY", "[unit]") {
  std::map<std::string, std::string> env;
  net::env_reader get = [&](const char* n) -> const char* {
    auto it = env.find(n);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  net::proxy_options po;
  net::origin api{true, "api.openai.com", 443, false};
  net::origin plain{false, "example.com", 80, false};
  CHECK_FALSE(net::select_proxy(po, api, get));

  env["HTTPS_PROXY"] = "http://user:p%40ss@proxy.local:3128";
  auto r = net::select_proxy(po, api, get);
  REQUIRE(r);
  CHECK(r->proxy.host == "proxy.local");
  CHECK(r->proxy.port == 3128);
  CHECK(r->authorization == "Basic dXNlcjpwQHNz"); // user:p@ss
  CHECK_FALSE(net::select_proxy(po, plain, get));  // https proxy does not serve http URLs

  env["http_proxy"] = "proxy2:8080";
  auto r2 = net::select_proxy(po, plain, get);
  REQUIRE(r2);
  CHECK(r2->proxy.host == "proxy2");
  CHECK(r2->proxy.port == 8080);
  CHECK(r2->authorization.empty());

  env["NO_PROXY"] = "localhost, .openai.com";
  CHECK_FALSE(net::select_proxy(po, api, get));
  CHECK(net::select_proxy(po, net::origin{true, "notopenai.com", 443, false}, get));
  env["no_proxy"] = "*";
  CHECK_FALSE(net::select_proxy(po, plain, get));

  po.from_environment = false;
  env.erase("no_proxy");
  CHECK_FALSE(net::select_proxy(po, api, get));
  po.url = "http://explicit:1";
  REQUIRE(net::select_proxy(po, api, get));
  CHECK(net::select_proxy(po, api, get)->proxy.host == "explicit");
  po.url = "https://tls-proxy:1";
  CHECK_THROWS_AS(net::select_proxy(po, api, get), std::invalid_argument);
}

TEST_CASE("NO_PROXY entry forms", "[unit]") {
  net::origin v6{true, "::1", 8443, true};
  net::origin v4{false, "127.0.0.1", 8080, true};
  net::origin name{true, "a.b.example.com", 443, false};
  CHECK(net::no_proxy_matches("[::1]", v6));
  CHECK(net::no_proxy_matches("::1", v6));
  CHECK(net::no_proxy_matches("[::1]:8443", v6));
  CHECK_FALSE(net::no_proxy_matches("[::1]:1", v6));
  CHECK(net::no_proxy_matches("127.0.0.1:8080", v4));
  CHECK_FALSE(net::no_proxy_matches("127.0.0.1:8081", v4));
  CHECK_FALSE(net::no_proxy_matches("0.0.1", v4)); // no suffix matching for IPs
  CHECK(net::no_proxy_matches("example.com", name));
  CHECK(net::no_proxy_matches(".EXAMPLE.com", name));
  CHECK_FALSE(net::no_proxy_matches("ample.com", name));
  CHECK_FALSE(net::no_proxy_matches("", name));
  CHECK(net::no_proxy_matches(" ,\t*", name));
}

TEST_CASE("retry decisions follow the SDK policy", "[unit]") {
  http::retry_policy p;
  auto now = std::chrono::system_clock::now();
  http::fields none;
  auto decide = [&](int retries, bool replayable, const http::fields* h, int status,
                    net::stage st = net::stage::none, std::error_code ec = {},
                    std::chrono::milliseconds remaining = 600s, double r = 0.0) {
    return net::decide_retry(p, 2, retries, replayable, h, status, st, ec, now, remaining, r);
  };
  for (int s : {408, 409, 429, 500, 502, 503, 599})
    CHECK(decide(0, true, &none, s).retry);
  for (int s : {200, 400, 401, 403, 404, 422})
    CHECK_FALSE(decide(0, true, &none, s).retry);
  CHECK_FALSE(decide(2, true, &none, 503).retry);    // budget spent
  CHECK_FALSE(decide(0, false, &none, 503).retry);   // body cannot be replayed
  CHECK(decide(0, true, &none, 503).delay == 500ms); // 0.5 s * 2^0, no jitter
  CHECK(decide(1, true, &none, 503).delay == 1000ms);
  CHECK(decide(1, true, &none, 503, {}, {}, 600s, 1.0).delay == 750ms); // jitter at most -25%

  http::fields h;
  h.add("x-should-retry", "false");
  CHECK_FALSE(decide(0, true, &h, 503).retry);
  h.set("x-should-retry", "true");
  CHECK(decide(0, true, &h, 400).retry);
  http::fields ra;
  ra.add("Retry-After", "3");
  CHECK(decide(0, true, &ra, 429).delay == 3000ms);
  ra.add("retry-after-ms", "1234.5");
  CHECK(decide(0, true, &ra, 429).delay == 1235ms);
  CHECK_FALSE(decide(0, true, &ra, 429, {}, {}, 1000ms).retry); // would pass the deadline
  http::fields huge;
  huge.add("Retry-After", "3600"); // out of range: backoff instead
  CHECK(decide(0, true, &huge, 503).delay == 500ms);

  using net::stage;
  CHECK(decide(0, true, nullptr, 0, stage::connect, asio::error::connection_refused).retry);
  CHECK(decide(0, true, nullptr, 0, stage::read, asio::error::connection_reset).retry);
  CHECK(decide(0, true, nullptr, 0, stage::timeout, net::error::idle_timeout).retry);
  CHECK(decide(0, true, nullptr, 0, stage::parse, http::error::bad_status_line).retry);
  CHECK_FALSE(decide(0, true, nullptr, 0, stage::timeout, net::error::deadline_exceeded).retry);
  CHECK_FALSE(decide(0, true, nullptr, 0, stage::cancelled, asio::error::operation_aborted).retry);
  CHECK_FALSE(decide(0, true, nullptr, 0, stage::request, net::error::bad_url).retry);
  CHECK_FALSE(decide(0, true, nullptr, 0, stage::proxy, net::error::proxy_refused).retry);
  CHECK_FALSE(decide(0, true, nullptr, 0, stage::tls,
                     std::error_code(0x1416F086, asio::error::get_ssl_category()))
                  .retry);
}

namespace {
struct fake_waiter {};
using fake_clock = std::chrono::steady_clock;
using pool = net::detail::pool_core<int, fake_waiter>;
} // namespace

TEST_CASE("pool bounds connections, reuses LIFO, expires idle ones, queues waiters", "[unit]") {
  pool p(2);
  fake_clock::time_point t0{};
  int c = 0;
  std::vector<int> expired;
  CHECK(p.acquire(t0, 1000ms, c, expired) == pool::action::connect);
  CHECK(p.acquire(t0, 1000ms, c, expired) == pool::action::connect);
  CHECK(p.acquire(t0, 1000ms, c, expired) == pool::action::wait);
  fake_waiter w1, w2;
  p.enqueue(&w1);
  p.enqueue(&w2);
  CHECK(p.release(11, t0) == &w1); // FIFO
  // a newcomer does not overtake the queue; the woken waiter does
  CHECK(p.acquire(t0, 1000ms, c, expired) == pool::action::wait);
  CHECK(p.acquire(t0, 1000ms, c, expired, true) == pool::action::reuse);
  CHECK(c == 11);
  CHECK(p.discard() == &w2);
  CHECK(p.acquire(t0, 1000ms, c, expired, true) == pool::action::connect);
  CHECK(p.busy_count() == 2);
  CHECK(p.release(21, t0 + 100ms) == nullptr);
  CHECK(p.release(22, t0 + 900ms) == nullptr);
  CHECK(p.idle_count() == 2);
  // at t0+1050ms, 21 has been idle 950 ms (kept), 22 150 ms: LIFO reuse gives 22
  CHECK(p.acquire(t0 + 1050ms, 1000ms, c, expired) == pool::action::reuse);
  CHECK(c == 22);
  CHECK(expired.empty());
  // at t0+2000ms, 21 is idle 1900 ms: expired, handed back for closing; a new connection instead
  CHECK(p.acquire(t0 + 2000ms, 1000ms, c, expired) == pool::action::connect);
  CHECK(expired == std::vector<int>{21});
  CHECK(p.idle_count() == 0);
  CHECK(p.busy_count() == 2);
  p.enqueue(&w1);
  p.remove(&w1); // a waiter that timed out leaves the queue
  CHECK(p.discard() == nullptr);
  CHECK(p.waiting_count() == 0);
}

TEST_CASE("transport errors name stage and host, never header values", "[unit]") {
  net::diagnostics d;
  d.stage = net::stage::tls;
  d.host = "example.com";
  d.port = 443;
  d.code = net::error::connect_timeout;
  d.where = "tls example.com:443";
  d.message = "tls example.com:443: connect timed out";
  net::transport_error e(d);
  CHECK(e.stage() == net::stage::tls);
  CHECK(e.code() == net::error::connect_timeout);
  // the error's own message once, after where it happened
  CHECK(std::string(e.what()) == "tls example.com:443: " + e.code().message());
  // the last status seen (a 503 retried, then the connection failed) is part of where
  d.http_status = 503;
  CHECK(net::failure_site(d) == "tls example.com:443 (HTTP 503)");
  CHECK(std::string(net::transport_error(d).what()) ==
        "tls example.com:443 (HTTP 503): " + e.code().message());
  CHECK(std::string(net::error_category().name()) == "coassist.net");
  CHECK(std::string(net::to_string(net::stage::proxy)) == "proxy");
}
