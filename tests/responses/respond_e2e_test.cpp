// agent::respond end to end against the local server: rounds of parallel calls chained by
// previous_response_id and by conversation, exactly one output per call across injected faults
// (checked in the server's request log and in the conversation), failed responses, the round
// limit, cancellation, a deadline, and structured outputs.
#include "respond_support.hpp"

#include <coassist/agent/respond.hpp>
#include <coassist/responses/structured_output.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>

using namespace coassist;
using namespace coassist::test::respond_support;
using namespace std::chrono_literals;

TEST_CASE("respond: /call lines become one parallel round; outputs reach the final text",
          "[integration]") {
  for (auto mode : {chain_mode::previous_response_id, chain_mode::conversation}) {
    DYNAMIC_SECTION((mode == chain_mode::conversation ? "conversation" : "previous_response_id")) {
      fixture f;
      agent::respond_options o;
      o.chain = mode;
      agent::respond_result r;
      f.run([&]() -> asio::awaitable<void> {
        r = co_await agent::respond(f.c, make_tools(),
                                    request("/call add {\"a\": 20, \"b\": 1}\n"
                                            "/call add {\"a\": 300, \"b\": 33}\n"
                                            "/call wait {\"ms\": 30}"),
                                    o);
      });
      REQUIRE(r.rounds.size() == 1);
      const auto& round = r.rounds[0];
      REQUIRE(round.calls.size() == 3);
      CHECK(round.outputs[0].output == "21");
      CHECK(round.outputs[1].output == "333");
      CHECK(round.outputs[2].output == "waited 30");
      for (std::size_t i = 0; i < 3; ++i)
        CHECK(round.outputs[i].tool_call_id == round.calls[i].id);
      CHECK(r.response.at("status") == "completed");
      CHECK_FALSE(r.recovered);
      auto text = r.output_text();
      CHECK(text.find("21") != std::string::npos);
      CHECK(text.find("333") != std::string::npos);
      CHECK(f.answers("createResponse") == std::map<int, int>{{200, 2}});
      if (mode == chain_mode::conversation) {
        CHECK(r.conversation_id.starts_with("conv_"));
        auto items = f.conversation_items(r.conversation_id);
        CHECK(outputs_by_call(items) == std::map<std::string, int>{{round.calls[0].id, 1},
                                                                   {round.calls[1].id, 1},
                                                                   {round.calls[2].id, 1}});
      } else {
        CHECK(r.response.at("previous_response_id").as_string() == round.response_id);
      }
    }
  }
}

TEST_CASE("respond: a lost answer does not give any call a second output", "[integration]") {
  // The server applies the outputs' request, then drops the connection before answering.
  for (auto mode : {chain_mode::conversation, chain_mode::previous_response_id}) {
    DYNAMIC_SECTION((mode == chain_mode::conversation ? "conversation" : "previous_response_id")) {
      fixture f;
      std::atomic<bool> queued{false};
      auto tools = make_tools([&] {
        if (!queued.exchange(true))
          test::queue_faults(f.emu, {json::object{{"cut", "before_headers"},
                                                  {"method", "POST"},
                                                  {"path_contains", "/responses"}}});
      });
      agent::respond_options o;
      o.chain = mode;
      agent::respond_result r;
      f.run([&]() -> asio::awaitable<void> {
        r = co_await agent::respond(
            f.c, tools, request("/call add {\"a\": 1, \"b\": 2}\n/call add {\"a\": 3, \"b\": 4}"),
            o);
      });
      REQUIRE(r.rounds.size() == 1);
      const auto& calls = r.rounds[0].calls;
      if (mode == chain_mode::conversation) {
        // found among the conversation's items: never sent again
        CHECK(r.recovered);
        CHECK(f.answers("createResponse") == std::map<int, int>{{200, 2}});
        CHECK(f.answers("listConversationItems").at(200) >= 1);
        CHECK(r.output_text().find("7") != std::string::npos);
        CHECK(outputs_by_call(f.conversation_items(r.conversation_id)) ==
              std::map<std::string, int>{{calls[0].id, 1}, {calls[1].id, 1}});
      } else {
        // sent again with the same key: a sibling of the lost response, chained to the same
        // previous response, which holds each output once
        CHECK_FALSE(r.recovered);
        CHECK(f.answers("createResponse") == std::map<int, int>{{200, 3}});
        CHECK(r.response.at("previous_response_id").as_string() == r.rounds[0].response_id);
        json::value items;
        call_args args;
        args.path.emplace_back("response_id", std::string(r.response.at("id").as_string()));
        f.run([&]() -> asio::awaitable<void> {
          items = co_await f.c.call(responses::operation("listInputItems"), args);
        });
        CHECK(outputs_by_call(items.at("data").as_array()) ==
              std::map<std::string, int>{{calls[0].id, 1}, {calls[1].id, 1}});
      }
    }
  }
}

TEST_CASE("respond: outputs refused before they applied are sent again, once", "[integration]") {
  for (auto mode : {chain_mode::conversation, chain_mode::previous_response_id}) {
    for (auto fault : {"503", "cut_mid_body"}) {
      DYNAMIC_SECTION((mode == chain_mode::conversation ? "conversation " : "previous ") << fault) {
        fixture f;
        std::atomic<bool> queued{false};
        const bool is_503 = std::string_view(fault) == "503";
        auto tools = make_tools([&] {
          if (queued.exchange(true)) return;
          json::object spec{{"method", "POST"}, {"path_contains", "/responses"}};
          if (is_503)
            spec["status"] = 503;
          else
            spec["cut"] = "mid_body";
          test::queue_faults(f.emu, {spec});
        });
        agent::respond_options o;
        o.chain = mode;
        agent::respond_result r;
        f.run([&]() -> asio::awaitable<void> {
          r = co_await agent::respond(f.c, tools, request("/call add {\"a\": 5, \"b\": 6}"), o);
        });
        REQUIRE(r.rounds.size() == 1);
        CHECK(r.output_text().find("11") != std::string::npos);
        auto answers = f.answers("createResponse");
        if (is_503) {
          CHECK(answers == std::map<int, int>{{200, 2}, {503, 1}});
        } else if (mode == chain_mode::conversation) {
          CHECK(answers == std::map<int, int>{{200, 2}}); // applied: found, not sent again
          CHECK(r.recovered);
        } else {
          CHECK(answers == std::map<int, int>{{200, 3}}); // a sibling, see the test above
        }
        if (mode == chain_mode::conversation)
          CHECK(outputs_by_call(f.conversation_items(r.conversation_id)) ==
                std::map<std::string, int>{{r.rounds[0].calls[0].id, 1}});
      }
    }
  }
}

TEST_CASE("respond: a failed response is an error and its calls never run", "[integration]") {
  fixture f;
  // a /call of a function that is not among the request's tools fails the response
  bool threw = false;
  f.run([&]() -> asio::awaitable<void> {
    try {
      co_await agent::respond(f.c, make_tools(), request("/call nosuchtool {}"));
    } catch (const response_error& e) {
      threw = true;
      CHECK(e.kind() == errc::response_failed);
    }
  });
  CHECK(threw);
}

TEST_CASE("respond: the round limit names the last round", "[integration]") {
  fixture f;
  agent::respond_options o;
  o.max_rounds = 0; // the first round is already one too many
  f.run([&]() -> asio::awaitable<void> {
    try {
      co_await agent::respond(f.c, make_tools(), request("/call add {\"a\": 1, \"b\": 1}"), o);
      FAIL("no error");
    } catch (const usage_error& e) {
      CHECK(std::string(e.what()).find("after 0 rounds") != std::string::npos);
      CHECK(std::string(e.what()).find("add") != std::string::npos);
    }
  });
}

TEST_CASE("respond: 64 calls of a 50 ms handler run side by side", "[integration]") {
  fixture f;
  std::string input;
  for (int i = 0; i < 64; ++i)
    input += "/call wait {\"ms\": 50}\n";
  agent::respond_result r;
  f.run([&]() -> asio::awaitable<void> {
    r = co_await agent::respond(f.c, make_tools(), request(input));
  });
  REQUIRE(r.rounds.size() == 1);
  CHECK(r.rounds[0].outputs.size() == 64);
  // in parallel, not serial (64 x 50 ms = 3.2 s): a wide margin for a loaded machine
  CHECK(r.rounds[0].dispatch_time < 1s);
}

TEST_CASE("respond: cancelling the loop mid-dispatch reaches every handler, sends nothing",
          "[integration]") {
  fixture f;
  waits_started = 0;
  waits_cancelled = 0;
  asio::cancellation_signal stop;
  std::exception_ptr ended;
  auto started = std::chrono::steady_clock::now();
  f.io.restart();
  asio::co_spawn(
      f.io,
      agent::respond(f.c, make_tools(),
                     request("/call wait {\"ms\": 5000}\n/call wait {\"ms\": 5000}\n"
                             "/call wait {\"ms\": 5000}")),
      asio::bind_cancellation_slot(
          stop.slot(), [&](std::exception_ptr ep, agent::respond_result) { ended = ep; }));
  asio::steady_timer check(f.io);
  std::function<void()> when_started = [&] {
    if (waits_started == 3) return stop.emit(asio::cancellation_type::terminal);
    check.expires_after(1ms);
    check.async_wait([&](auto) { when_started(); });
  };
  when_started();
  f.io.run();
  CHECK(std::chrono::steady_clock::now() - started < 2s);
  REQUIRE(ended);
  CHECK(error_info_of(ended).kind == errc::cancelled);
  CHECK(waits_cancelled == 3);
  CHECK(f.answers("createResponse") == std::map<int, int>{{200, 1}}); // nothing sent after
}

TEST_CASE("respond: the deadline bounds the whole loop", "[integration]") {
  fixture f;
  agent::respond_options o;
  o.deadline = 300ms;
  auto started = std::chrono::steady_clock::now();
  f.run([&]() -> asio::awaitable<void> {
    try {
      co_await agent::respond(f.c, make_tools(), request("/call wait {\"ms\": 5000}"), o);
      FAIL("no error");
    } catch (const timeout_error&) {
    }
  });
  CHECK(std::chrono::steady_clock::now() - started < 2s);
  CHECK(f.answers("createResponse") == std::map<int, int>{{200, 1}});
}
