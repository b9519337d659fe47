// Streamed runs end to end against the local server: text as it streams, a requires_action
// continued in the same loop, a failed run, an `error` event, a stream cut in the middle, a
// stalled stream, an early stop by the consumer, cancel, and thread-and-run.
#include "support/client_fixture.hpp"

#include <coassist/api.hpp>

#include <catch2/catch.hpp>

namespace {

using namespace coassist;
using namespace std::chrono_literals;

// A client on a local server, with an assistant that has the function tool `lookup`.
struct fixture : test::client_fixture {
  fixture() {
    run([this]() -> asio::awaitable<void> {
      auto ar = test::assistant_request("s", {test::function_tool("lookup")});
      assistant_id = (co_await c.assistants().create(ar)).id;
    });
  }
};

// Reads `s` until it ends: how many events came, and what the end threw (null for a clean end).
asio::awaitable<std::pair<int, std::exception_ptr>> read_to_end(stream::run_stream& s) {
  int seen = 0;
  try {
    while (co_await s.next())
      ++seen;
  } catch (...) {
    co_return std::pair{seen, std::current_exception()};
  }
  co_return std::pair{seen, std::exception_ptr()};
}

std::vector<std::string> names_of(const std::vector<api::stream_event>& evs) {
  std::vector<std::string> names;
  for (const auto& e : evs)
    names.push_back(std::string(api::event_name(e)));
  return names;
}

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

} // namespace

TEST_CASE("stream: scripted text arrives in its deltas, in order, and snapshots agree",
          "[integration]") {
  fixture f;
  const std::string text = "The quick brown fox jumps over the lazy dog, twice.";
  auto thread = f.thread_with("hi", {json::object{{"text", text}, {"chunks", 7}}});
  f.run([&]() -> asio::awaitable<void> {
    auto rr = f.run_request();
    auto s = co_await f.c.threads().runs().stream(thread, rr);
    auto& acc = s.enable_accumulator();
    std::vector<std::string> deltas;
    std::vector<api::stream_event> evs;
    while (auto ev = co_await s.next()) {
      if (auto d = stream::text_delta(*ev)) deltas.emplace_back(*d);
      evs.push_back(std::move(*ev));
    }
    CHECK(deltas.size() == 7);
    std::string joined;
    for (auto& d : deltas)
      joined += d;
    CHECK(joined == text);
    auto names = names_of(evs);
    CHECK(names == std::vector<std::string>{
                       "thread.run.created", "thread.run.queued", "thread.run.in_progress",
                       "thread.run.step.created", "thread.run.step.in_progress",
                       "thread.message.created", "thread.message.in_progress",
                       "thread.message.delta", "thread.message.delta", "thread.message.delta",
                       "thread.message.delta", "thread.message.delta", "thread.message.delta",
                       "thread.message.delta", "thread.message.completed",
                       "thread.run.step.completed", "thread.run.completed", "done"});
    REQUIRE(acc.final_messages().size() == 1);
    CHECK(acc.final_messages()[0].at("status").as_string() == "completed");
    CHECK(acc.final_messages()[0].at("content").at(0).at("text").at("value").as_string() == text);
    CHECK(acc.final_run().at("status").as_string() == "completed");
    CHECK(acc.final_run_steps().size() == 1);
  });
}

TEST_CASE("stream: requires_action, outputs submitted, the same loop reads on to completion",
          "[integration]") {
  fixture f;
  auto thread = f.thread_with(
      "go",
      {json::object{{"tool_calls",
                     json::array{json::object{{"name", "lookup"}, {"arguments", R"({"q":"a"})"}},
                                 json::object{{"name", "lookup"}, {"arguments", R"({"q":"b"})"}}}},
                    {"argument_chunks", 4}}});
  f.run([&]() -> asio::awaitable<void> {
    auto rr = f.run_request();
    auto s = co_await f.c.threads().runs().stream(thread, rr);
    auto& acc = s.enable_accumulator();
    int rounds = 0;
    std::vector<std::string> names;
    std::string text;
    while (auto ev = co_await s.next()) {
      names.emplace_back(api::event_name(*ev));
      if (auto d = stream::text_delta(*ev)) text += *d;
      if (auto* ra = std::get_if<api::thread_run_requires_action_event>(&*ev)) {
        ++rounds;
        REQUIRE(ra->data.required_action.has_value());
        const auto& calls = ra->data.required_action->submit_tool_outputs.tool_calls;
        REQUIRE(calls.size() == 2);
        CHECK(calls[0].function.arguments == R"({"q":"a"})");
        CHECK(calls[1].function.arguments == R"({"q":"b"})");
        CHECK(s.requires_action());
        api::submit_tool_outputs_run_request sub;
        for (const auto& call : calls) {
          sub.tool_outputs.push_back({});
          sub.tool_outputs.back().tool_call_id = call.id;
          sub.tool_outputs.back().output = "answer-" + call.function.arguments.substr(6, 1);
        }
        co_await s.submit_tool_outputs(sub);
      }
    }
    CHECK(rounds == 1);
    CHECK(names.back() == "done");
    CHECK(contains(names, "thread.run.completed"));
    CHECK(text.find("answer-a") != std::string::npos);
    CHECK(text.find("answer-b") != std::string::npos);
    CHECK(acc.final_run().at("status").as_string() == "completed");
    // the tool step (with both outputs merged in) and the message step
    auto steps = acc.final_run_steps();
    REQUIRE(steps.size() == 2);
    const auto& calls = steps[0].at("step_details").at("tool_calls").as_array();
    REQUIRE(calls.size() == 2);
    CHECK(calls[0].at("function").at("arguments").as_string() == R"({"q":"a"})");
    CHECK(calls[1].at("function").at("output").as_string() == "answer-b");
  });
}

TEST_CASE("stream: a failed run ends with thread.run.failed and its last_error", "[integration]") {
  fixture f;
  auto thread = f.thread_with(
      "x", {json::object{{"fail", {{"code", "rate_limit_exceeded"}, {"message", "slow down"}}}}});
  f.run([&]() -> asio::awaitable<void> {
    auto rr = f.run_request();
    auto s = co_await f.c.threads().runs().stream(thread, rr);
    auto& acc = s.enable_accumulator();
    std::optional<api::run_object> failed;
    while (auto ev = co_await s.next())
      if (auto* e = std::get_if<api::thread_run_failed_event>(&*ev)) failed = e->data;
    REQUIRE(failed.has_value());
    REQUIRE(failed->last_error.has_value());
    CHECK(failed->last_error->message == "slow down");
    CHECK(acc.final_run().at("status").as_string() == "failed");
  });
}

TEST_CASE("stream: an error event is thrown as stream_error with the server's fields",
          "[integration]") {
  fixture f;
  auto thread = f.thread_with(
      "x", {json::object{{"stream_error", {{"message", "boom"}, {"code", "internal"}}}}});
  f.run([&]() -> asio::awaitable<void> {
    auto rr = f.run_request();
    auto s = co_await f.c.threads().runs().stream(thread, rr);
    auto [seen, ep] = co_await read_to_end(s);
    REQUIRE(ep);
    auto info = error_info_of(ep);
    CHECK(info.kind == errc::stream_error);
    CHECK(info.message == "boom");
    CHECK(info.code == "internal");
    CHECK(info.type == "server_error");
    CHECK_THROWS_AS(std::rethrow_exception(ep), stream_error);
    CHECK(seen == 3); // created, queued, in_progress, then the error
    auto after_error = co_await s.next();
    CHECK_FALSE(after_error); // over, quietly
    // the run itself failed on the server
    auto run = co_await f.c.threads().runs().retrieve(thread, s.run_id());
    CHECK(run.status == "failed");
  });
}

TEST_CASE("stream: a connection cut mid-stream is a clear error and the pool stays healthy",
          "[integration]") {
  fixture f;
  auto thread = f.thread_with("a b c d e f g h i j k l m n o p");
  test::queue_faults(
      f.emu,
      {json::object{{"cut", "mid_stream"}, {"after_events", 6}, {"path_contains", "/runs"}}});
  f.run([&]() -> asio::awaitable<void> {
    auto rr = f.run_request();
    auto s = co_await f.c.threads().runs().stream(thread, rr);
    auto [seen, ep] = co_await read_to_end(s);
    REQUIRE(ep);
    auto kind = error_info_of(ep).kind;
    CHECK((kind == errc::connection || kind == errc::stream_truncated));
    CHECK(seen == 6);
    // the next calls work, on a fresh connection
    auto opened = f.c.transport_stats().connections_opened;
    auto got = co_await f.c.threads().retrieve(thread);
    CHECK(got.id == thread);
    CHECK(f.c.transport_stats().connections_opened == opened + 1);
  });
}

TEST_CASE("stream: a malformed chunk is an error, not a hang", "[integration]") {
  fixture f;
  auto thread = f.thread_with("a b c d e f g h");
  test::queue_faults(
      f.emu,
      {json::object{{"malformed_chunk", true}, {"after_events", 4}, {"path_contains", "/runs"}}});
  f.run([&]() -> asio::awaitable<void> {
    auto rr = f.run_request();
    auto s = co_await f.c.threads().runs().stream(thread, rr);
    auto [seen, ep] = co_await read_to_end(s);
    REQUIRE(ep);
    CHECK(error_info_of(ep).kind == errc::invalid_response);
    CHECK(seen == 4);
  });
}

TEST_CASE("stream: a stalled stream fails at the idle deadline", "[integration]") {
  fixture f;
  auto thread = f.thread_with("x", {json::object{{"text", "slow words here"}, {"delay_ms", 5000}}});
  f.run([&]() -> asio::awaitable<void> {
    auto rr = f.run_request();
    stream::sse_options so;
    so.idle_timeout = 300ms;
    auto s = co_await f.c.threads().runs().stream(thread, rr, so);
    auto start = std::chrono::steady_clock::now();
    auto [seen, ep] = co_await read_to_end(s);
    REQUIRE(ep);
    CHECK_THROWS_AS(std::rethrow_exception(ep), timeout_error);
    CHECK(seen == 7); // the run, its step and its message opened, then silence
    auto took = std::chrono::steady_clock::now() - start;
    CHECK(took >= 250ms);
    CHECK(took < 3s);
    // the pool is fine afterwards
    auto thread_again = co_await f.c.threads().retrieve(thread);
    CHECK(thread_again.id == thread);
  });
}

TEST_CASE("stream: an early stop closes the half-read connection, a finished one is reused",
          "[integration]") {
  fixture f;
  auto long_thread = f.thread_with(
      "x", {json::object{{"text", std::string(400, 'w')}, {"chunks", 100}, {"delay_ms", 2}}});
  auto short_thread = f.thread_with("hello");
  f.run([&]() -> asio::awaitable<void> {
    auto rr = f.run_request();
    {
      auto s = co_await f.c.threads().runs().stream(long_thread, rr);
      for (int i = 0; i < 8; ++i) {
        auto ev = co_await s.next();
        REQUIRE(ev);
      }
    } // dropped mid-stream
    auto opened = f.c.transport_stats().connections_opened;
    co_await f.c.threads().retrieve(short_thread);
    CHECK(f.c.transport_stats().connections_opened == opened + 1); // not the half-read one

    {
      auto s = co_await f.c.threads().runs().stream(short_thread, rr);
      while (co_await s.next()) {
      }
    } // read to `done`
    auto reused = f.c.transport_stats().connections_reused;
    opened = f.c.transport_stats().connections_opened;
    co_await f.c.threads().retrieve(short_thread);
    CHECK(f.c.transport_stats().connections_opened == opened);
    CHECK(f.c.transport_stats().connections_reused == reused + 1);
  });
}

TEST_CASE("stream: cancel() cancels the run on the server and ends the stream", "[integration]") {
  fixture f;
  // (the local server does a streamed run's work when the request arrives: a run that waits in
  // requires_action is the one still cancellable while its stream is read)
  auto thread = f.thread_with(
      "x", {json::object{{"tool_calls", json::array{json::object{{"name", "lookup"}}}},
                         {"argument_chunks", 20},
                         {"delay_ms", 20}}});
  f.run([&]() -> asio::awaitable<void> {
    auto rr = f.run_request();
    auto s = co_await f.c.threads().runs().stream(thread, rr);
    auto first = co_await s.next();
    REQUIRE(first); // thread.run.created names the run
    auto run = co_await s.cancel();
    CHECK(run.id == s.run_id());
    CHECK((run.status == "cancelling" || run.status == "cancelled"));
    auto after_cancel = co_await s.next();
    CHECK_FALSE(after_cancel);
  });
}

TEST_CASE("stream: thread and run in one call starts with thread.created", "[integration]") {
  fixture f;
  f.run([&]() -> asio::awaitable<void> {
    api::create_thread_and_run_request req;
    req.assistant_id = f.assistant_id;
    req.thread = api::create_thread_request{};
    api::create_message_request m;
    m.role = "user";
    m.content = api::create_message_request_content(std::string("one two"));
    req.thread->messages = std::vector<api::create_message_request>{m};
    auto s = co_await f.c.threads().create_and_run_stream(req);
    std::vector<std::string> names;
    std::string text;
    while (auto ev = co_await s.next()) {
      names.emplace_back(api::event_name(*ev));
      if (auto d = stream::text_delta(*ev)) text += *d;
    }
    REQUIRE_FALSE(names.empty());
    CHECK(names.front() == "thread.created");
    CHECK(text == "You said: one two");
    CHECK(s.thread_id().rfind("thread_", 0) == 0);
  });
}
