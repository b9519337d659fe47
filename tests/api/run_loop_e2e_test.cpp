// The run loops end to end against the local server: several rounds of parallel tool calls
// driven by the `/call` model and by scripts, through the polling loop and the streaming loop;
// and outputs submitted exactly once across an injected fault, checked in the server's log.
#include "support/client_fixture.hpp"

#include <coassist/agent/run_loop.hpp>
#include <coassist/api.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>

namespace {

using namespace coassist;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

struct add_args {
  int a = 0;
  int b = 0;
};
struct echo_args {
  std::string text;
};
struct slow_args {
  int ms = 0;
};

// The `slow` tool's handlers: how many started, and how many saw their wait cancelled.
std::atomic<int> slow_started{0}, slow_cancelled{0};

auto make_tools() {
  return tools::make_tool_set(
      tools::tool("add", "Adds two integers", [](add_args x) { return x.a + x.b; }),
      tools::tool("slow", "Waits ms milliseconds",
                  [](slow_args x) -> asio::awaitable<std::string> {
                    ++slow_started;
                    asio::steady_timer t(co_await asio::this_coro::executor,
                                         std::chrono::milliseconds(x.ms));
                    auto [ec] =
                        co_await t.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
                    if (ec == asio::error::operation_aborted) ++slow_cancelled;
                    co_return "slept";
                  }),
      tools::tool("echo", "Echoes after 20 ms", [](echo_args x) -> asio::awaitable<std::string> {
        asio::steady_timer t(co_await asio::this_coro::executor, 20ms);
        co_await t.async_wait(asio::use_awaitable);
        co_return "echo:" + x.text;
      }));
}

std::filesystem::path log_path() {
  return fs::temp_directory_path() /
         ("coassist-loop-" + std::to_string(::getpid()) + "-" +
          std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
}

// A client on a local server that logs its requests, an assistant with the tools of
// make_tools() and a thread.
struct fixture : test::client_fixture {
  fs::path log;

  explicit fixture(fs::path p = log_path())
      : client_fixture({"--log-requests", p.string(), "--run-step-ms", "5"}), log(std::move(p)) {}
  ~fixture() { fs::remove(log); }

  // Creates the assistant with make_tools(), then the thread.
  std::string setup(std::string text, json::array turns = {}) {
    run([&]() -> asio::awaitable<void> {
      auto ar = test::assistant_request("loop", json::value_to<std::vector<api::assistant_tool>>(
                                                    json::value(make_tools().definitions())));
      assistant_id = (co_await c.assistants().create(ar)).id;
    });
    return thread_with(std::move(text), std::move(turns));
  }
  // The text of the thread's newest message.
  std::string last_reply(const std::string& thread) {
    std::string text;
    run([&]() -> asio::awaitable<void> {
      auto page = co_await c.threads().messages().list(thread);
      text = json::serialize(json::value_from(page.data.at(0).content));
    });
    return text;
  }
  // The server's answers to submitToolOuputsToRun, by status.
  std::map<int, int> submissions() const {
    std::map<int, int> by_status;
    std::ifstream in(log);
    for (std::string line; std::getline(in, line);) {
      auto o = json::parse(line).as_object();
      if (o.at("operationId") == "submitToolOuputsToRun")
        ++by_status[o.at("status").to_number<int>()];
    }
    return by_status;
  }
};

json::object calls_turn(std::initializer_list<std::pair<const char*, const char*>> calls) {
  json::array a;
  for (auto& [name, args] : calls)
    a.push_back(json::object{{"name", name}, {"arguments", args}});
  return {{"tool_calls", a}, {"argument_chunks", 3}};
}

} // namespace

TEST_CASE("run loop (polling): /call lines become one parallel round, outputs in the reply",
          "[integration]") {
  fixture f;
  auto thread = f.setup("/call add {\"a\": 2, \"b\": 3}\n/call echo {\"text\": \"hi\"}\n"
                        "/call add {\"a\": 40, \"b\": 2}");
  f.run([&]() -> asio::awaitable<void> {
    auto run = co_await agent::create_and_run(f.c, make_tools(), thread, f.run_request());
    CHECK(run.status == "completed");
  });
  auto reply = f.last_reply(thread);
  CHECK(reply.find("add -> 5") != std::string::npos);
  CHECK(reply.find("echo -> echo:hi") != std::string::npos);
  CHECK(reply.find("add -> 42") != std::string::npos);
  CHECK(f.submissions() == std::map<int, int>{{200, 1}});
}

TEST_CASE("run loop (polling): scripted rounds run one after another until the text",
          "[integration]") {
  fixture f;
  auto thread =
      f.setup("go", {calls_turn({{"add", R"({"a":1,"b":1})"}, {"echo", R"({"text":"x"})"}}),
                     calls_turn({{"add", R"({"a":2,"b":2})"}}),
                     calls_turn({{"echo", R"({"text":"y"})"},
                                 {"echo", R"({"text":"z"})"},
                                 {"nosuch", "{}"},
                                 {"add", R"({"a":"not a number"})"}}),
                     json::object{{"text", "all done"}}});
  f.run([&]() -> asio::awaitable<void> {
    auto run = co_await agent::create_and_run(f.c, make_tools(), thread, f.run_request());
    CHECK(run.status == "completed");
    // what the model was given in the third round: errors it can act on
    auto steps = co_await f.c.threads().runs().steps().list(thread, run.id);
    std::string all = json::serialize(json::value_from(steps.data));
    CHECK(all.find("echo:y") != std::string::npos);
    CHECK(all.find("echo:z") != std::string::npos);
    CHECK(all.find("unknown tool") != std::string::npos);
    CHECK(all.find("arguments.a: expected integer") != std::string::npos);
  });
  CHECK(f.last_reply(thread).find("all done") != std::string::npos);
  CHECK(f.submissions() == std::map<int, int>{{200, 3}});
}

TEST_CASE("run loop (streaming): every event and every round reach the application",
          "[integration]") {
  fixture f;
  auto thread =
      f.setup("go", {calls_turn({{"add", R"({"a":5,"b":6})"}, {"echo", R"({"text":"q"})"}}),
                     calls_turn({{"echo", R"({"text":"r"})"}}),
                     json::object{{"text", "finished now"}, {"chunks", 3}}});
  f.run([&]() -> asio::awaitable<void> {
    auto loop = co_await agent::stream_run(f.c, make_tools(), thread, f.run_request());
    auto& acc = loop.enable_accumulator();
    std::vector<agent::tool_round> rounds;
    std::vector<std::string> names;
    std::string text;
    while (auto ev = co_await loop.next()) {
      if (auto* r = std::get_if<agent::tool_round>(&*ev)) {
        rounds.push_back(*r);
        continue;
      }
      const auto& e = std::get<api::stream_event>(*ev);
      names.emplace_back(api::event_name(e));
      if (auto d = stream::text_delta(e)) text += *d;
    }
    REQUIRE(rounds.size() == 2);
    REQUIRE(rounds[0].calls.size() == 2);
    CHECK(rounds[0].outputs[0].output == "11");
    CHECK(rounds[0].outputs[0].tool_call_id == rounds[0].calls[0].id);
    CHECK(rounds[0].outputs[1].output == "echo:q");
    REQUIRE(rounds[1].outputs.size() == 1);
    CHECK(rounds[1].outputs[0].output == "echo:r");
    CHECK(text == "finished now");
    CHECK(std::count(names.begin(), names.end(), "thread.run.requires_action") == 2);
    CHECK(names.back() == "done");
    CHECK(acc.final_run().at("status").as_string() == "completed");
  });
  CHECK(f.submissions() == std::map<int, int>{{200, 2}});
}

TEST_CASE("run loop: a submission whose answer was lost is not sent again", "[integration]") {
  // The server applies the submission, then drops the connection before answering. The loop
  // must look at the run, see it moved on, and not submit twice (nor lose the outputs).
  for (bool streaming : {false, true}) {
    DYNAMIC_SECTION((streaming ? "streaming" : "polling")) {
      fixture f;
      auto thread = f.setup("/call add {\"a\": 20, \"b\": 1}");
      test::queue_faults(f.emu, {json::object{{"cut", "before_headers"},
                                              {"path_contains", "/submit_tool_outputs"}}});
      f.run([&]() -> asio::awaitable<void> {
        if (!streaming) {
          auto run = co_await agent::create_and_run(f.c, make_tools(), thread, f.run_request());
          CHECK(run.status == "completed");
          co_return;
        }
        auto loop = co_await agent::stream_run(f.c, make_tools(), thread, f.run_request());
        std::string last;
        int rounds = 0;
        while (auto ev = co_await loop.next()) {
          if (std::holds_alternative<agent::tool_round>(*ev))
            ++rounds;
          else
            last = std::string(api::event_name(std::get<api::stream_event>(*ev)));
        }
        CHECK(rounds == 1);
        CHECK(last == "thread.run.completed"); // the end, learnt by polling
      });
      // one submission reached the server (its answer was cut), none after it
      CHECK(f.submissions() == std::map<int, int>{{200, 1}});
      auto reply = f.last_reply(thread);
      CHECK(reply.find("add -> 21") != std::string::npos);
    }
  }
}

TEST_CASE("run loop: a submission refused before it applied is sent again, once", "[integration]") {
  for (bool streaming : {false, true}) {
    DYNAMIC_SECTION((streaming ? "streaming" : "polling")) {
      fixture f;
      auto thread = f.setup("/call echo {\"text\": \"again\"}");
      test::queue_faults(
          f.emu, {json::object{{"status", 503}, {"path_contains", "/submit_tool_outputs"}}});
      f.run([&]() -> asio::awaitable<void> {
        if (!streaming) {
          auto run = co_await agent::create_and_run(f.c, make_tools(), thread, f.run_request());
          CHECK(run.status == "completed");
          co_return;
        }
        auto loop = co_await agent::stream_run(f.c, make_tools(), thread, f.run_request());
        while (co_await loop.next()) {
        }
        CHECK(loop.stream().current_run()->status == "completed");
      });
      CHECK(f.submissions() == std::map<int, int>{{503, 1}, {200, 1}});
      CHECK(f.last_reply(thread).find("echo -> echo:again") != std::string::npos);
    }
  }
}

TEST_CASE("run loop: a game loop drives a streamed run with poll() once per frame",
          "[integration]") {
  fixture f;
  auto thread = f.setup("/call echo {\"text\": \"frame\"}\n/call add {\"a\": 1, \"b\": 2}");
  bool done = false;
  std::string text;
  auto rr = f.run_request();
  asio::co_spawn(
      f.io,
      [&]() -> asio::awaitable<void> {
        auto loop = co_await agent::stream_run(f.c, make_tools(), thread, rr);
        while (auto ev = co_await loop.next())
          if (auto* e = std::get_if<api::stream_event>(&*ev))
            if (auto d = stream::text_delta(*e)) text += *d;
      },
      [&](std::exception_ptr ep) {
        done = true;
        if (ep) std::rethrow_exception(ep);
      });
  f.io.restart();
  int frames = 0;
  auto until = std::chrono::steady_clock::now() + 20s;
  while (!done && std::chrono::steady_clock::now() < until) {
    f.io.poll(); // the game's frame: never blocks
    ++frames;
    std::this_thread::sleep_for(1ms); // the rest of the frame (rendering), not synchronisation
  }
  REQUIRE(done);
  CHECK(frames > 1);
  CHECK(text.find("echo -> echo:frame") != std::string::npos);
  CHECK(text.find("add -> 3") != std::string::npos);
}

TEST_CASE("run loop: cancelling the loop mid-dispatch reaches every handler, submits nothing",
          "[integration]") {
  fixture f;
  auto thread = f.setup("/call slow {\"ms\": 10000}\n/call slow {\"ms\": 10000}\n"
                        "/call slow {\"ms\": 10000}");
  slow_started = slow_cancelled = 0;
  asio::cancellation_signal cancel;
  std::exception_ptr result;
  bool done = false;
  auto rr = f.run_request();
  asio::co_spawn(f.io, agent::create_and_run(f.c, make_tools(), thread, rr),
                 asio::bind_cancellation_slot(cancel.slot(),
                                              [&](std::exception_ptr ep, const api::run_object&) {
                                                result = ep;
                                                done = true;
                                              }));
  // once the three calls run, cancel the loop from outside (a timer, as an application would)
  asio::steady_timer watch(f.io);
  std::chrono::steady_clock::time_point cancelled_at;
  std::function<void()> check = [&] {
    if (slow_started == 3) {
      cancelled_at = std::chrono::steady_clock::now();
      cancel.emit(asio::cancellation_type::terminal);
      return;
    }
    watch.expires_after(2ms);
    watch.async_wait([&](std::error_code) { check(); });
  };
  check();
  f.io.restart();
  f.io.run_for(15s);
  REQUIRE(done);
  CHECK(std::chrono::steady_clock::now() - cancelled_at < 2s); // not the handlers' 10 s
  CHECK(slow_cancelled == 3);
  REQUIRE(result);
  CHECK(error_info_of(result).kind == errc::cancelled);
  CHECK(f.submissions().empty());
}
