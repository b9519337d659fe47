// agent::stream_respond end to end against the local server: events and rounds, early dispatch,
// a failed response with calls started early, and a lost answer in conversation mode.
#include "respond_support.hpp"

#include <coassist/agent/stream_respond.hpp>

#include <catch2/catch.hpp>

using namespace coassist;
using namespace coassist::test::respond_support;

namespace {

// Drives a streaming loop to its end; counts rounds and the events by type.
template <class Loop> struct drained {
  std::vector<agent::response_round> rounds;
  std::vector<std::string> events;
  std::string text;
};

template <class Loop> asio::awaitable<drained<Loop>> drain(Loop& loop) {
  drained<Loop> d;
  while (auto ev = co_await loop.next()) {
    if (auto* round = std::get_if<agent::response_round>(&*ev)) {
      d.rounds.push_back(*round);
      continue;
    }
    const auto& e = std::get<responses::stream_event>(*ev);
    d.events.emplace_back(responses::event_type(e));
    if (auto* delta = std::get_if<responses::response_text_delta_event>(&e)) d.text += delta->delta;
  }
  co_return d;
}

} // namespace

TEST_CASE("stream_respond: every event and every round reach the application, in both modes",
          "[integration]") {
  for (auto mode : {chain_mode::previous_response_id, chain_mode::conversation}) {
    DYNAMIC_SECTION((mode == chain_mode::conversation ? "conversation" : "previous_response_id")) {
      fixture f;
      agent::stream_respond_options o;
      o.chain = mode;
      f.run([&]() -> asio::awaitable<void> {
        auto loop = co_await agent::stream_respond(
            f.c, make_tools(), request("/call add {\"a\": 2, \"b\": 40}\n/call wait {\"ms\": 10}"),
            o);
        auto d = co_await drain(loop);
        REQUIRE(d.rounds.size() == 1);
        CHECK(d.rounds[0].outputs[0].output == "42");
        CHECK(d.rounds[0].outputs[1].output == "waited 10");
        // two responses, each from created to completed
        CHECK(std::count(d.events.begin(), d.events.end(), "response.created") == 2);
        CHECK(std::count(d.events.begin(), d.events.end(), "response.completed") == 2);
        CHECK(std::count(d.events.begin(), d.events.end(),
                         "response.function_call_arguments.done") == 2);
        CHECK(d.text.find("42") != std::string::npos);
        CHECK(loop.final_response().at("status") == "completed");
        CHECK(loop.rounds() == 1);
      });
      CHECK(f.answers("createResponse") == std::map<int, int>{{200, 2}});
    }
  }
}

TEST_CASE("stream_respond: early dispatch starts the calls before response.completed",
          "[integration]") {
  fixture f;
  // two calls whose argument deltas arrive 10 ms apart: the first call's arguments are complete
  // while the second's still stream
  json::array calls{json::object{{"name", "add"}, {"arguments", R"({"a": 1, "b": 1})"}},
                    json::object{{"name", "add"}, {"arguments", R"({"a": 2, "b": 2})"}}};
  test::emulator_request("POST", f.emu.base_url, "/_emulator/scripts",
                         json::object{{"turns", json::array{json::object{{"tool_calls", calls},
                                                                         {"argument_chunks", 3},
                                                                         {"delay_ms", 10}}}}});
  agent::stream_respond_options o;
  o.early_dispatch = true;
  std::atomic<int> started{0};
  int started_before_completed = -1;
  auto tools = make_tools([&] { ++started; });
  f.run([&]() -> asio::awaitable<void> {
    auto loop = co_await agent::stream_respond(f.c, tools, request("add twice"), o);
    int rounds = 0;
    while (auto ev = co_await loop.next()) {
      if (auto* round = std::get_if<agent::response_round>(&*ev)) {
        ++rounds;
        CHECK(round->outputs.at(0).output == "2");
        CHECK(round->outputs.at(1).output == "4");
        continue;
      }
      const auto& e = std::get<responses::stream_event>(*ev);
      if (rounds == 0 && std::holds_alternative<responses::response_completed_event>(e))
        started_before_completed = started.load();
    }
    CHECK(rounds == 1);
    CHECK(loop.final_response().at("status") == "completed");
  });
  // the first handler ran while the second call's arguments were still streaming
  CHECK(started_before_completed >= 1);
  CHECK(started == 2);
  CHECK(f.answers("createResponse") == std::map<int, int>{{200, 2}});
}

TEST_CASE("stream_respond: a failed response drops the early outputs and sends nothing",
          "[integration]") {
  fixture f;
  agent::stream_respond_options o;
  o.early_dispatch = true;
  // the first call is known, the second fails the response (not among the tools)
  bool threw = false;
  f.run([&]() -> asio::awaitable<void> {
    auto loop = co_await agent::stream_respond(
        f.c, make_tools(), request("/call wait {\"ms\": 2000}\n/call nosuchtool {}"), o);
    try {
      while (co_await loop.next()) {
      }
    } catch (const response_error& e) {
      threw = e.kind() == errc::response_failed;
    }
  });
  CHECK(threw);
  CHECK(f.answers("createResponse") == std::map<int, int>{{200, 1}});
}

TEST_CASE("stream_respond: a lost answer in conversation mode is found, not sent again",
          "[integration]") {
  fixture f;
  std::atomic<bool> queued{false};
  auto tools = make_tools([&] {
    if (!queued.exchange(true))
      test::queue_faults(f.emu, {json::object{{"cut", "before_headers"},
                                              {"method", "POST"},
                                              {"path_contains", "/responses"}}});
  });
  agent::stream_respond_options o;
  o.chain = chain_mode::conversation;
  std::string conversation;
  f.run([&]() -> asio::awaitable<void> {
    auto loop =
        co_await agent::stream_respond(f.c, tools, request("/call add {\"a\": 3, \"b\": 3}"), o);
    auto d = co_await drain(loop);
    CHECK(d.rounds.size() == 1);
    CHECK(loop.recovered());
    CHECK(loop.final_response().at("status") == "completed");
    conversation = loop.conversation_id();
  });
  CHECK(f.answers("createResponse") == std::map<int, int>{{200, 2}});
  CHECK(outputs_by_call(f.conversation_items(conversation)).size() == 1);
}
