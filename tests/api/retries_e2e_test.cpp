// Retries observed end to end through the typed client, with faults injected by the local server:
// 429 with Retry-After, 500 twice, a dropped connection, the overall deadline, and the cases the
// SDK policy does not retry.
#include "support/client_fixture.hpp"

#include <coassist/api.hpp>

#include <catch2/catch.hpp>

namespace {

using namespace coassist;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

// Short backoff, so that the retries a test waits for are quick (a server's hint still counts).
// Each test retrieves one assistant while faults are injected.
struct retry_fixture : test::client_fixture {
  retry_fixture()
      : client_fixture({}, [](client_options& o) {
          o.transport.retry.initial_delay = 20ms;
          o.transport.retry.max_delay = 100ms;
        }) {
    run([this]() -> asio::awaitable<void> {
      auto ar = test::assistant_request("retried");
      assistant_id = (co_await c.assistants().create(ar)).id;
    });
  }
};

json::object fault(json::object f) {
  f.emplace("path_contains", "/assistants/");
  return f;
}

} // namespace

TEST_CASE("retries: 429 with Retry-After waits the hinted time, then succeeds", "[integration]") {
  retry_fixture f;
  auto& emu = f.emu;
  auto& c = f.c;
  const auto& id = f.assistant_id;
  f.run([&]() -> asio::awaitable<void> {
    test::queue_faults(emu, {fault({{"status", 429}, {"headers", {{"Retry-After", "1"}}}})});
    response_info info;
    request_options ro;
    ro.info = &info;
    auto start = clock_type::now();
    auto got = co_await c.assistants().retrieve(id, ro);
    auto took = clock_type::now() - start;
    CHECK(got.id == id);
    CHECK(info.attempts == 2);
    CHECK(info.status == 200);
    CHECK(took >= 900ms); // the hint (1 s), not the 20 ms backoff
    CHECK(took < 5s);
  });
}

TEST_CASE("retries: 500 twice, then success on the third attempt", "[integration]") {
  retry_fixture f;
  auto& emu = f.emu;
  auto& c = f.c;
  const auto& id = f.assistant_id;
  f.run([&]() -> asio::awaitable<void> {
    test::queue_faults(emu, {fault({{"status", 500}, {"count", 2}})});
    response_info info;
    request_options ro;
    ro.info = &info;
    auto got = co_await c.assistants().retrieve(id, ro);
    CHECK(got.id == id);
    CHECK(info.attempts == 3);

    // a third 500 is one too many for the default 2 retries: the error carries the server's body
    test::queue_faults(emu, {fault({{"status", 500}, {"count", 3}})});
    try {
      co_await c.assistants().retrieve(id);
      FAIL("expected internal_server_error");
    } catch (const internal_server_error& e) {
      CHECK(e.status() == 500);
      CHECK(e.info().type == "server_error");
    }
  });
}

TEST_CASE("retries: a dropped connection is retried on a fresh one", "[integration]") {
  retry_fixture f;
  auto& emu = f.emu;
  auto& c = f.c;
  const auto& id = f.assistant_id;
  f.run([&]() -> asio::awaitable<void> {
    test::queue_faults(emu, {fault({{"cut", "before_headers"}, {"method", "GET"}})});
    response_info info;
    request_options ro;
    ro.info = &info;
    auto got = co_await c.assistants().retrieve(id, ro);
    CHECK(got.id == id);
    CHECK(info.attempts == 2);
    // the same after half a body arrived
    test::queue_faults(emu, {fault({{"cut", "mid_body"}, {"method", "GET"}})});
    response_info info2;
    ro.info = &info2;
    got = co_await c.assistants().retrieve(id, ro);
    CHECK(got.id == id);
    CHECK(info2.attempts == 2);
  });
}

TEST_CASE("retries: the overall deadline bounds the call, retries and waits included",
          "[integration]") {
  retry_fixture f;
  auto& emu = f.emu;
  auto& c = f.c;
  const auto& id = f.assistant_id;
  f.run([&]() -> asio::awaitable<void> {
    // a server that answers too late, every time
    test::queue_faults(emu, {fault({{"delay_ms", 3000}, {"count", 5}})});
    request_options ro;
    ro.timeout = 400ms;
    ro.max_retries = 5;
    auto start = clock_type::now();
    auto [ep, got] =
        co_await c.assistants().retrieve(id, ro, asio::experimental::as_tuple(asio::use_awaitable));
    auto took = clock_type::now() - start;
    REQUIRE(ep);
    CHECK(error_info_of(ep).kind == errc::timeout);
    CHECK(took >= 350ms);
    CHECK(took < 2s);
    // 503s with a Retry-After longer than what is left: the deadline wins, the last answer
    // is reported
    test::clear_faults(emu);
    test::queue_faults(
        emu, {fault({{"status", 503}, {"headers", {{"Retry-After", "1"}}}, {"count", 10}})});
    ro.timeout = 1500ms;
    start = clock_type::now();
    auto [ep2, got2] =
        co_await c.assistants().retrieve(id, ro, asio::experimental::as_tuple(asio::use_awaitable));
    took = clock_type::now() - start;
    REQUIRE(ep2);
    auto info = error_info_of(ep2);
    CHECK((info.kind == errc::internal_server || info.kind == errc::timeout));
    CHECK(took < 2500ms);
  });
}

TEST_CASE("retries: 400, 404 and x-should-retry false are not retried", "[integration]") {
  retry_fixture f;
  auto& emu = f.emu;
  auto& c = f.c;
  const auto& id = f.assistant_id;
  f.run([&]() -> asio::awaitable<void> {
    for (json::object spec :
         {json::object{{"status", 400}}, json::object{{"status", 404}},
          json::object{{"status", 503}, {"headers", {{"x-should-retry", "false"}}}}}) {
      test::queue_faults(emu, {fault(spec)});
      response_info info;
      request_options ro;
      ro.info = &info;
      auto [ep, got] = co_await c.assistants().retrieve(
          id, ro, asio::experimental::as_tuple(asio::use_awaitable));
      REQUIRE(ep);
      CHECK(error_info_of(ep).status == spec.at("status").to_number<int>());
      // the fault was used up by the one attempt: the next call succeeds at once
      auto ok = co_await c.assistants().retrieve(id, ro);
      CHECK(ok.id == id);
      CHECK(info.attempts == 1);
    }
    // and x-should-retry true makes a 400 retryable
    test::queue_faults(emu, {fault({{"status", 400}, {"headers", {{"x-should-retry", "true"}}}})});
    response_info info;
    request_options ro;
    ro.info = &info;
    co_await c.assistants().retrieve(id, ro);
    CHECK(info.attempts == 2);
  });
}
