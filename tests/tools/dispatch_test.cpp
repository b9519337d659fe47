// The tool runtime: declarations, parallel dispatch, deadlines, failures, cancellation, and the
// two ways of driving it (a game loop calling poll(), a thread pool). Every run has a deadline.
#include <catch2/catch.hpp>

#include <boost/json.hpp>
#include <coassist/detail/asio.hpp>

#include <functional>
#include <sstream>

#include "test_types.hpp"

#include <coassist/tools/tool_set.hpp>

#include <atomic>
#include <future>
#include <thread>

using namespace std::chrono_literals;
using namespace tools_test;
namespace tools = coassist::tools;
using tools::tool_call;
using tools::tool_output;
using steady = std::chrono::steady_clock;

namespace tools_test {
struct wait_args {
  int n;
  int ms;
};
struct echo_result {
  int n;
  std::string thread;
};
struct sleep_args {
  int ms;
};
} // namespace tools_test

namespace {

std::string this_thread_name() {
  std::ostringstream s;
  s << std::this_thread::get_id();
  return s.str();
}

// Runs `a` on `ctx` for at most `limit`; fails the test if it did not finish.
template <class T>
T run_with_deadline(asio::io_context& ctx, asio::awaitable<T> a,
                    std::chrono::milliseconds limit = 5s) {
  auto f = asio::co_spawn(ctx, std::move(a), asio::use_future);
  ctx.restart(); // the context may have run out of work before
  ctx.run_for(limit);
  // use_future completes the future from another thread when the coroutine never suspended:
  // wait for it (bounded) rather than expecting it ready the moment run_for returns
  REQUIRE(f.wait_for(2s) == std::future_status::ready);
  return f.get();
}

std::vector<tool_call> make_calls(std::string_view name, int count, int ms) {
  std::vector<tool_call> calls;
  for (int i = 0; i < count; ++i)
    calls.push_back({"call_" + std::to_string(i), std::string(name),
                     R"({"n":)" + std::to_string(i) + R"(,"ms":)" + std::to_string(ms) + "}"});
  return calls;
}

asio::awaitable<echo_result> wait_on_timer(wait_args a) {
  asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(a.ms));
  co_await t.async_wait(asio::use_awaitable);
  co_return echo_result{a.n, this_thread_name()};
}

double ms_since(steady::time_point start) {
  return std::chrono::duration<double, std::milli>(steady::now() - start).count();
}

} // namespace

TEST_CASE("definitions give the tools array for assistant creation", "[unit]") {
  auto set = tools::make_tool_set(tools::tool("wait", "Waits on a timer", wait_on_timer),
                                  tools::tool("search", "Searches", [](const third_party&) {
                                    return std::string("none");
                                  }).with_strict(false));
  CHECK(set.size() == 2);
  CHECK(boost::json::serialize(set.definitions()) ==
        R"([{"type":"function","function":{"name":"wait","description":"Waits on a timer",)"
        R"("parameters":{"type":"object","properties":{"n":{"type":"integer","minimum":)"
        R"(-2147483648,"maximum":2147483647},"ms":{"type":"integer","minimum":-2147483648,)"
        R"("maximum":2147483647}},"required":["n","ms"],"additionalProperties":false},)"
        R"("strict":true}},{"type":"function","function":{"name":"search","description":)"
        R"("Searches","parameters":{"description":"A search","type":"object","properties":)"
        R"({"query":{"type":"string"},"limit":{"description":"At most this many results",)"
        R"("type":"integer","minimum":-2147483648,"maximum":2147483647}},"required":)"
        R"(["query","limit"]},"strict":false}}])");
}

TEST_CASE("definitions in the Responses shape are flat function tools", "[unit]") {
  auto set = tools::make_tool_set(tools::tool("wait", "Waits on a timer", wait_on_timer),
                                  tools::tool("search", "Searches", [](const third_party&) {
                                    return std::string("none");
                                  }).with_strict(false));
  auto assistants = set.definitions();
  auto responses = set.definitions(tools::api_shape::responses);
  REQUIRE(responses.size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    // the same name, description, parameters and strict flag, one level up
    const auto& nested = assistants[i].as_object().at("function").as_object();
    const auto& flat = responses[i].as_object();
    CHECK(flat.at("type") == "function");
    CHECK(flat.size() == 5);
    for (auto key : {"name", "description", "parameters", "strict"})
      CHECK(flat.at(key) == nested.at(key));
  }
  CHECK(responses[0].as_object().at("name") == "wait");
  CHECK(responses[1].as_object().at("strict") == false);
}

TEST_CASE("tool names are checked when the set is built", "[unit]") {
  auto handler = [](empty_args) { return std::string("x"); };
  CHECK_THROWS_AS(tools::make_tool_set(tools::tool("a b", "", handler)), std::invalid_argument);
  CHECK_THROWS_AS(tools::make_tool_set(tools::tool("", "", handler)), std::invalid_argument);
  CHECK_THROWS_AS(
      tools::make_tool_set(tools::tool("dup", "", handler), tools::tool("dup", "", handler)),
      std::invalid_argument);
  CHECK_NOTHROW(tools::make_tool_set(tools::tool("ok-name_1", "", handler)));
}

TEST_CASE("64 calls waiting 50 ms each complete in parallel, each output for its call", "[unit]") {
  asio::io_context ctx;
  auto set = tools::make_tool_set(tools::tool("wait", "Waits on a timer", wait_on_timer));
  auto calls = make_calls("wait", 64, 50);
  const auto start = steady::now();
  auto outputs = run_with_deadline(ctx, set.dispatch(calls));
  const double elapsed = ms_since(start);
  WARN("64 calls x 50 ms took " << elapsed << " ms");
  CHECK(elapsed >= 50);
  CHECK(elapsed < 800); // serial would be 3200 ms
  REQUIRE(outputs.size() == 64);
  for (int i = 0; i < 64; ++i) {
    CHECK(outputs[i].tool_call_id == "call_" + std::to_string(i));
    CHECK_FALSE(outputs[i].is_error);
    auto v = boost::json::parse(outputs[i].output);
    CHECK(v.at("n").as_int64() == i);
  }
}

TEST_CASE("max_concurrency bounds how many calls run at once", "[unit]") {
  asio::io_context ctx;
  int running = 0, peak = 0;
  auto counted = [&](wait_args a) -> asio::awaitable<int> {
    peak = std::max(peak, ++running);
    asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(a.ms));
    co_await t.async_wait(asio::use_awaitable);
    --running;
    co_return a.n;
  };
  auto set = tools::make_tool_set(tools::tool("wait", "", counted));
  auto calls = make_calls("wait", 8, 30);
  const auto start = steady::now();
  auto outputs = run_with_deadline(ctx, set.dispatch(calls, {.max_concurrency = 2}));
  CHECK(ms_since(start) >= 4 * 30);
  CHECK(peak == 2);
  for (int i = 0; i < 8; ++i)
    CHECK(outputs[i].output == std::to_string(i));
}

TEST_CASE("a blocking handler stalls neither other handlers nor the event loop", "[unit]") {
  asio::io_context ctx;
  const std::string loop_thread = this_thread_name();
  std::string blocking_thread;
  auto slow = tools::blocking([&](sleep_args a) {
    std::this_thread::sleep_for(std::chrono::milliseconds(a.ms)); // the point of the test
    blocking_thread = this_thread_name();
    return std::string("slept");
  });
  auto set =
      tools::make_tool_set(tools::tool("sleep", "", slow), tools::tool("wait", "", wait_on_timer));
  std::vector<tool_call> calls = make_calls("wait", 8, 20);
  calls.insert(calls.begin(), {"call_sleep", "sleep", R"({"ms":300})"});

  // a 5 ms ticker on the loop measures how late the loop runs while the blocking call sleeps
  double worst_lateness_ms = 0;
  bool stop = false;
  asio::steady_timer ticker(ctx);
  std::function<void()> tick = [&] {
    const auto due = steady::now() + 5ms;
    ticker.expires_at(due);
    ticker.async_wait([&, due](asio::error_code) {
      worst_lateness_ms =
          std::max(worst_lateness_ms,
                   std::chrono::duration<double, std::milli>(steady::now() - due).count());
      if (!stop) tick();
    });
  };
  tick();
  std::vector<double> wait_done_ms;
  const auto start = steady::now();
  auto dispatch_and_stop = [&]() -> asio::awaitable<std::vector<tool_output>> {
    auto out = co_await set.dispatch(calls);
    stop = true;
    co_return out;
  };
  auto outputs = run_with_deadline(ctx, dispatch_and_stop());
  const double elapsed = ms_since(start);
  WARN("worst loop lateness while a blocking tool slept 300 ms: " << worst_lateness_ms << " ms");
  CHECK(outputs[0].output == "slept");
  CHECK(blocking_thread != loop_thread);
  CHECK(elapsed >= 300);
  CHECK(elapsed < 1000);
  CHECK(worst_lateness_ms < 100); // the loop never waited for the 300 ms sleep
  for (std::size_t i = 1; i < outputs.size(); ++i) {
    CHECK_FALSE(outputs[i].is_error);
    // the timer tools ran on the loop thread, while the blocking tool slept elsewhere
    CHECK(boost::json::parse(outputs[i].output).at("thread").as_string() == loop_thread);
  }
}

TEST_CASE("blocking handlers can run on a pool the application supplies", "[unit]") {
  asio::io_context ctx;
  asio::thread_pool pool(2);
  std::atomic<int> ran{0};
  auto set = tools::make_tool_set(
      tools::tool("work", "", tools::blocking([&](sleep_args a) { return ++ran + a.ms * 0; })));
  std::vector<tool_call> calls{{"a", "work", R"({"ms":0})"}, {"b", "work", R"({"ms":0})"}};
  auto outputs =
      run_with_deadline(ctx, set.dispatch(calls, {.blocking_executor = pool.get_executor()}));
  CHECK(ran == 2);
  CHECK(outputs[0].tool_call_id == "a");
  CHECK(outputs[1].tool_call_id == "b");
}

TEST_CASE("a call past its deadline gets an error output and its handler is cancelled", "[unit]") {
  asio::io_context ctx;
  bool saw_cancellation = false;
  auto stuck = [&](wait_args a) -> asio::awaitable<int> {
    asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(a.ms));
    auto [ec] = co_await t.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
    saw_cancellation = ec == asio::error::operation_aborted;
    co_return a.n;
  };
  auto set = tools::make_tool_set(tools::tool("wait", "", stuck));
  std::vector<tool_call> calls{{"slow", "wait", R"({"n":1,"ms":10000})"},
                               {"fast", "wait", R"({"n":2,"ms":1})"}};
  const auto start = steady::now();
  auto outputs = run_with_deadline(ctx, set.dispatch(calls, {.per_call_timeout = 100ms}));
  CHECK(ms_since(start) < 1000);
  CHECK(outputs[0].is_error);
  CHECK(outputs[0].output == R"({"error":"the tool did not finish within 100 ms"})");
  CHECK(saw_cancellation);
  CHECK_FALSE(outputs[1].is_error);
  CHECK(outputs[1].output == "2");
}

TEST_CASE("a throwing handler, an unknown tool and malformed arguments fail one call each",
          "[unit]") {
  asio::io_context ctx;
  auto set = tools::make_tool_set(
      tools::tool("throws", "",
                  [](empty_args) -> std::string { throw std::runtime_error("boom"); }),
      tools::tool("throws_async", "",
                  [](empty_args) -> asio::awaitable<int> {
                    throw std::logic_error("async boom");
                    co_return 0;
                  }),
      tools::tool("order", "", [](order o) { return o.city; }));
  std::vector<tool_call> calls{
      {"1", "throws", "{}"},
      {"2", "throws_async", "{}"},
      {"3", "nope", "{}"},
      {"4", "order", R"({"city":"P","items":[{"sku":"a","qty":"x"}],"urgency":"low"})"},
      {"5", "order", R"({"city":)"},
      {"6", "order", R"({"city":"Oslo","items":[],"urgency":"low"})"},
  };
  auto outputs = run_with_deadline(ctx, set.dispatch(calls));
  REQUIRE(outputs.size() == 6);
  CHECK(outputs[0].output == R"({"error":"the tool failed: boom"})");
  CHECK(outputs[1].output == R"({"error":"the tool failed: async boom"})");
  CHECK(outputs[2].output ==
        R"j({"error":"unknown tool \"nope\" (available: throws throws_async order)"})j");
  CHECK(
      outputs[3].output ==
      R"({"error":"invalid arguments for order:\narguments.items[0].qty: expected integer in [0, 4294967295], got \"x\""})");
  CHECK(
      outputs[4].output ==
      R"j({"error":"invalid arguments for order:\narguments: invalid JSON at offset 8 (incomplete JSON)"})j");
  for (int i = 0; i < 5; ++i)
    CHECK(outputs[i].is_error);
  CHECK_FALSE(outputs[5].is_error);
  CHECK(outputs[5].output == "Oslo");
  for (int i = 0; i < 6; ++i)
    CHECK(outputs[i].tool_call_id == std::to_string(i + 1));
}

TEST_CASE("results may be strings, JSON values, reflected values or nothing", "[unit]") {
  asio::io_context ctx;
  int side_effect = 0;
  auto set = tools::make_tool_set(
      tools::tool("json", "",
                  [](empty_args) {
                    return boost::json::value{{"ok", true}};
                  }),
      tools::tool("none", "", [&] { ++side_effect; }),
      tools::tool("list", "", [](empty_args) { return std::vector<unit>{unit::celsius}; }));
  std::vector<tool_call> calls{{"1", "json", "{}"}, {"2", "none", ""}, {"3", "list", "{}"}};
  auto outputs = run_with_deadline(ctx, set.dispatch(calls));
  CHECK(outputs[0].output == R"({"ok":true})");
  CHECK(outputs[1].output == "ok");
  CHECK(side_effect == 1);
  CHECK(outputs[2].output == R"(["celsius"])");
  CHECK(run_with_deadline(ctx, set.dispatch({})).empty());
}

TEST_CASE("cancelling the awaiting coroutine reaches every handler and ends dispatch promptly",
          "[unit]") {
  asio::io_context ctx;
  int cancelled_handlers = 0;
  auto waits = [&](wait_args a) -> asio::awaitable<int> {
    asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(a.ms));
    auto [ec] = co_await t.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
    if (ec == asio::error::operation_aborted) ++cancelled_handlers;
    co_return a.n;
  };
  std::atomic<bool> blocking_finished{false};
  auto set = tools::make_tool_set(tools::tool("wait", "", waits),
                                  tools::tool("sleep", "", tools::blocking([&](sleep_args a) {
                                                std::this_thread::sleep_for(
                                                    std::chrono::milliseconds(a.ms));
                                                blocking_finished = true;
                                                return 0;
                                              })));
  auto calls = make_calls("wait", 10, 10000);
  calls.push_back({"call_sleep", "sleep", R"({"ms":400})"});
  asio::cancellation_signal cancel;
  auto f = asio::co_spawn(ctx, set.dispatch(calls),
                          asio::bind_cancellation_slot(cancel.slot(), asio::use_future));
  asio::steady_timer later(ctx, 50ms);
  steady::time_point cancelled_at;
  later.async_wait([&](asio::error_code) {
    cancelled_at = steady::now();
    cancel.emit(asio::cancellation_type::terminal);
  });
  ctx.run_for(5s);
  REQUIRE(f.wait_for(2s) == std::future_status::ready);
  const double after_cancel = ms_since(cancelled_at);
  WARN("the loop had nothing left to do " << after_cancel << " ms after the cancellation");
  CHECK(after_cancel < 200);
  CHECK(cancelled_handlers == 10);
  CHECK_FALSE(blocking_finished.load()); // dispatch did not wait for the 400 ms blocking call
  try {
    f.get();
    FAIL("dispatch should end with operation_aborted");
  } catch (const std::system_error& e) {
    CHECK(e.code() == asio::error::operation_aborted);
  }
}

TEST_CASE("a game loop drives dispatch with poll() once per frame", "[unit]") {
  asio::io_context ctx;
  auto set = tools::make_tool_set(tools::tool("wait", "", wait_on_timer),
                                  tools::tool("sleep", "", tools::blocking([](sleep_args a) {
                                                std::this_thread::sleep_for(
                                                    std::chrono::milliseconds(a.ms));
                                                return a.ms;
                                              })));
  auto calls = make_calls("wait", 16, 30);
  calls.push_back({"call_sleep", "sleep", R"({"ms":60})"});
  std::optional<std::vector<tool_output>> result;
  auto run = [&]() -> asio::awaitable<void> { result = co_await set.dispatch(calls); };
  asio::co_spawn(ctx, run(), asio::detached);
  int frames = 0;
  const auto deadline = steady::now() + 5s;
  while (!result && steady::now() < deadline) {
    ctx.poll(); // one frame's worth of I/O, never blocks
    ++frames;
    std::this_thread::sleep_for(4ms); // the rest of the frame: rendering, not synchronisation
  }
  REQUIRE(result.has_value());
  CHECK(frames > 5);
  REQUIRE(result->size() == 17);
  for (int i = 0; i < 16; ++i)
    CHECK((*result)[i].tool_call_id == "call_" + std::to_string(i));
  CHECK((*result)[16].output == "60");
}

TEST_CASE("dispatch from a multi-threaded pool is thread-safe", "[unit]") {
  asio::thread_pool pool(4);
  std::atomic<int> calls_made{0};
  auto set = tools::make_tool_set(tools::tool("wait", "", wait_on_timer),
                                  tools::tool("plain", "", [&](wait_args a) {
                                    ++calls_made;
                                    return a.n;
                                  }));
  // several batches at once, each on its own coroutine of the pool
  std::vector<std::vector<tool_call>> batches;
  for (int b = 0; b < 4; ++b) {
    auto calls = make_calls(b % 2 ? "wait" : "plain", 64, 5);
    batches.push_back(std::move(calls));
  }
  std::vector<std::future<std::vector<tool_output>>> futures;
  for (auto& calls : batches)
    futures.push_back(asio::co_spawn(pool, set.dispatch(calls), asio::use_future));
  for (std::size_t b = 0; b < futures.size(); ++b) {
    REQUIRE(futures[b].wait_for(5s) == std::future_status::ready);
    auto outputs = futures[b].get();
    REQUIRE(outputs.size() == 64);
    for (int i = 0; i < 64; ++i) {
      CHECK(outputs[i].tool_call_id == "call_" + std::to_string(i));
      const auto v = boost::json::parse(outputs[i].output);
      CHECK((v.is_object() ? v.at("n").as_int64() : v.as_int64()) == i);
    }
  }
  CHECK(calls_made == 128);
}

TEST_CASE("the completion-token form copies the calls and completes like dispatch", "[unit]") {
  asio::io_context ctx;
  auto set = tools::make_tool_set(tools::tool("wait", "", wait_on_timer));
  auto f = set.async_dispatch(ctx.get_executor(), make_calls("wait", 4, 10), {}, asio::use_future);
  ctx.run_for(5s);
  REQUIRE(f.wait_for(2s) == std::future_status::ready);
  auto outputs = f.get();
  REQUIRE(outputs.size() == 4);
  CHECK(outputs[3].tool_call_id == "call_3");
}
