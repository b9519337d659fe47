// The typed client against the local server: the operations a typical agent uses, pagination
// in both orders, polling, streaming, and errors by kind.
#include "support/client_fixture.hpp"

#include <coassist/api.hpp>

#include <catch2/catch.hpp>

namespace {
using namespace coassist;
using test::assistant_request;
using test::run_with_client;
using test::user_message;
} // namespace

TEST_CASE("client: assistants CRUD and pagination in both orders", "[integration]") {
  test::emulator emu;
  run_with_client(emu, [](client c) -> asio::awaitable<void> {
    std::vector<std::string> ids;
    for (int i = 0; i < 7; ++i)
      ids.push_back(
          (co_await c.assistants().create(assistant_request("a" + std::to_string(i)))).id);
    auto got = co_await c.assistants().retrieve(ids[3]);
    CHECK(got.id == ids[3]);
    CHECK(got.object == "assistant");

    api::modify_assistant_request mod;
    mod.name = api::nullable<std::string>("renamed");
    auto updated = co_await c.assistants().update(ids[3], mod);
    REQUIRE(updated.name.has_value());
    CHECK(*updated.name == "renamed");

    for (std::string order : {"asc", "desc"}) {
      auto all = c.assistants().list_all({.limit = 2, .order = order});
      std::vector<std::string> seen;
      while (auto a = co_await all.next())
        seen.push_back(a->id);
      auto expected = ids;
      if (order == "desc") std::reverse(expected.begin(), expected.end());
      CHECK(seen == expected);
      CHECK(all.pages_fetched() == 4);
    }

    auto del = co_await c.assistants().remove(ids[0]);
    CHECK(del.deleted);
    co_return;
  });
}

TEST_CASE("client: errors by kind with the server's fields", "[integration]") {
  test::emulator emu;
  run_with_client(emu, [](client c) -> asio::awaitable<void> {
    try {
      co_await c.threads().retrieve("thread_doesnotexist");
      FAIL("expected not_found_error");
    } catch (const not_found_error& e) {
      CHECK(e.status() == 404);
      CHECK(e.info().type == "invalid_request_error");
      CHECK_FALSE(e.request_id().empty());
      CHECK(std::string(e.what()).find("thread_doesnotexist") != std::string::npos);
    }
    // the same as a value, without exceptions
    auto [ep, thread] = co_await c.threads().retrieve(
        "thread_nope", {}, asio::experimental::as_tuple(asio::use_awaitable));
    REQUIRE(ep);
    auto info = error_info_of(ep);
    CHECK(info.kind == errc::not_found);
    CHECK(info.status == 404);
  });
}

TEST_CASE("client: a missing API key is an error at the first request", "[integration]") {
  test::emulator emu;
  asio::io_context io;
  client_options o;
  o.base_url = emu.base_url;
  client c(io.get_executor(), o);
  auto fut = c.threads().create({}, {}, asio::use_future);
  io.run();
  try {
    fut.get();
    FAIL("expected usage_error");
  } catch (const usage_error& e) {
    CHECK(e.kind() == errc::missing_api_key);
  }
}

TEST_CASE("client: create_and_poll runs to completion and the reply is listed", "[integration]") {
  test::emulator emu;
  run_with_client(emu, [](client c) -> asio::awaitable<void> {
    auto a = co_await c.assistants().create(assistant_request("poller"));
    auto t = co_await c.threads().create();
    co_await c.threads().messages().create(t.id, user_message("hello there"));
    api::create_run_request rr;
    rr.assistant_id = a.id;
    auto run = co_await c.threads().runs().create_and_poll(t.id, rr);
    CHECK(run.status == "completed");
    // named first: g++ 12 destroys a braced temporary inside a co_await expression twice
    list_params asc{.order = "asc"};
    auto msgs = co_await c.threads().messages().list(t.id, asc);
    REQUIRE(msgs.data.size() == 2);
    CHECK(msgs.data[1].role == "assistant");
  });
}

TEST_CASE("client: a streamed run yields typed events and text deltas", "[integration]") {
  test::emulator emu;
  run_with_client(emu, [](client c) -> asio::awaitable<void> {
    auto a = co_await c.assistants().create(assistant_request("streamer"));
    auto t = co_await c.threads().create();
    co_await c.threads().messages().create(t.id, user_message("stream please"));
    api::create_run_request rr;
    rr.assistant_id = a.id;
    auto s = co_await c.threads().runs().stream(t.id, rr);
    auto& acc = s.enable_accumulator();
    std::string text;
    std::vector<std::string> names;
    while (auto ev = co_await s.next()) {
      names.push_back(std::string(api::event_name(*ev)));
      if (auto d = stream::text_delta(*ev)) text += *d;
    }
    REQUIRE(names.size() > 6);
    CHECK(names.front() == "thread.run.created");
    CHECK(names.back() == "done");
    CHECK(std::find(names.begin(), names.end(), "thread.run.completed") != names.end());
    CHECK_FALSE(text.empty());
    REQUIRE(acc.final_messages().size() == 1);
    auto& content = acc.final_messages()[0].at("content").as_array();
    CHECK(content.at(0).at("text").at("value").as_string() == text);
    CHECK(acc.final_run().at("status").as_string() == "completed");
  });
}
