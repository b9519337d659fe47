// agent::respond end to end against the local server: rounds of parallel calls chained by
// previous_response_id and by conversation, exactly one output per call across injected faults
// (checked in the server's request log and in the conversation), failed responses, the round
// limit, cancellation, a deadline, and structured outputs.
#include "support/client_fixture.hpp"

#include <coassist/agent/respond.hpp>
#include <coassist/responses/structured_output.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>

namespace {

using namespace coassist;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using agent::chain_mode;

struct add_args {
  int a = 0;
  int b = 0;
};
struct wait_args {
  int ms = 0;
};

std::atomic<int> waits_started{0}, waits_cancelled{0};

// `add` runs a hook first (a test queues a fault from it, once the first response exists).
auto make_tools(std::function<void()> hook = {}) {
  return tools::make_tool_set(
      tools::tool("add", "Adds two integers",
                  [hook](add_args x) {
                    if (hook) hook();
                    return x.a + x.b;
                  }),
      tools::tool("wait", "Waits ms milliseconds", [](wait_args x) -> asio::awaitable<std::string> {
        ++waits_started;
        asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(x.ms));
        auto [ec] = co_await t.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
        if (ec == asio::error::operation_aborted) ++waits_cancelled;
        co_return "waited " + std::to_string(x.ms);
      }));
}

fs::path log_path() {
  return fs::temp_directory_path() /
         ("coassist-respond-" + std::to_string(::getpid()) + "-" +
          std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
}

struct fixture : test::client_fixture {
  fs::path log;
  explicit fixture(std::vector<std::string> extra = {}, fs::path p = log_path())
      : client_fixture(with_log(std::move(extra), p)), log(std::move(p)) {}
  static std::vector<std::string> with_log(std::vector<std::string> args, const fs::path& p) {
    args.insert(args.end(), {"--log-requests", p.string()});
    return args;
  }
  ~fixture() { fs::remove(log); }

  // The server's answers to an operation, by status.
  std::map<int, int> answers(std::string_view operation_id) const {
    std::map<int, int> by_status;
    std::ifstream in(log);
    for (std::string line; std::getline(in, line);) {
      auto o = json::parse(line).as_object();
      if (o.at("operationId") == operation_id) ++by_status[o.at("status").to_number<int>()];
    }
    return by_status;
  }
  // Every item of a conversation, oldest first.
  json::array conversation_items(const std::string& id) {
    json::array all;
    run([&]() -> asio::awaitable<void> {
      std::string after;
      for (;;) {
        call_args args =
            call_args::make({{"conversation_id", id}}, {}, {{"order", "asc"}, {"limit", "100"}});
        if (!after.empty()) args.query.emplace_back("after", after);
        auto page = co_await c.call(responses::operation("listConversationItems"), args);
        for (auto& item : page.at("data").as_array())
          all.push_back(item);
        if (!page.at("has_more").as_bool()) break;
        after = std::string(page.at("last_id").as_string());
      }
    });
    return all;
  }
};

json::object request(std::string input) {
  return json::object{{"model", "gpt-4.1"}, {"input", std::move(input)}};
}

// How many function_call_output items each call_id has among `items`.
std::map<std::string, int> outputs_by_call(const json::array& items) {
  std::map<std::string, int> n;
  for (const auto& v : items) {
    const auto& o = v.as_object();
    if (o.at("type") == "function_call_output") ++n[std::string(o.at("call_id").as_string())];
  }
  return n;
}

} // namespace

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
        CHECK(r.response.at("previous_response_id") == round.response_id);
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
        CHECK(r.response.at("previous_response_id") == r.rounds[0].response_id);
        json::value items;
        f.run([&]() -> asio::awaitable<void> {
          items = co_await f.c.call(
              responses::operation("listInputItems"),
              call_args::make({{"response_id", std::string(r.response.at("id").as_string())}}));
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

// ---- the streaming loop ----

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
      agent::respond_options o;
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
  fixture f({"--stream-delay-ms", "5"}); // events apart, so the loop reads them one by one
  agent::respond_options o;
  o.early_dispatch = true;
  std::atomic<int> started{0};
  int started_before_completed = -1;
  auto tools = make_tools([&] { ++started; });
  f.run([&]() -> asio::awaitable<void> {
    auto loop = co_await agent::stream_respond(
        f.c, tools, request("/call add {\"a\": 1, \"b\": 1}\n/call add {\"a\": 2, \"b\": 2}"), o);
    int rounds = 0;
    while (auto ev = co_await loop.next()) {
      if (std::holds_alternative<agent::response_round>(*ev)) {
        ++rounds;
        continue;
      }
      const auto& e = std::get<responses::stream_event>(*ev);
      // the handlers run on this thread between the loop's reads: by the time the terminal
      // event of the first response is handed out they have started
      if (rounds == 0 && std::holds_alternative<responses::response_completed_event>(e))
        started_before_completed = started.load();
    }
    CHECK(rounds == 1);
    CHECK(loop.final_response().at("status") == "completed");
  });
  CHECK(started_before_completed == 2);
}

TEST_CASE("stream_respond: a failed response drops the early outputs and sends nothing",
          "[integration]") {
  fixture f;
  agent::respond_options o;
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
  agent::respond_options o;
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
