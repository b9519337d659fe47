// Dispatch overhead of the tool runtime with handler time excluded: trivial handlers, batches of
// 1, 8 and 64 calls, each call decoding small arguments and encoding a small struct result.
// Per batch: the benchmark's time; per call: the `per_call` counter (seconds per call).
//
//   build/<dir>/benchmarks/bench_tool_dispatch --benchmark_repetitions=5
//       --benchmark_report_aggregates_only=true   (one command line)
#include <coassist/tools/tool_set.hpp>

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

namespace bench_tools {
struct add_args {
  std::int64_t a;
  std::int64_t b;
  std::string label;
};
struct add_result {
  std::int64_t sum;
  std::string label;
};
} // namespace bench_tools

namespace {
namespace tools = coassist::tools;
using bench_tools::add_args;
using bench_tools::add_result;

std::vector<tools::tool_call> make_calls(std::string_view name, std::int64_t n) {
  std::vector<tools::tool_call> calls;
  for (std::int64_t i = 0; i < n; ++i)
    calls.push_back({"call_" + std::to_string(i), std::string(name),
                     R"({"a":)" + std::to_string(i) + R"(,"b":2,"label":"x"})"});
  return calls;
}

add_result add(const add_args& a) {
  return {a.a + a.b, a.label};
}
asio::awaitable<add_result> add_async(add_args a) {
  co_return add_result{a.a + a.b, a.label};
}

auto make_set() {
  return tools::make_tool_set(
      tools::tool("add", "Adds", add), tools::tool("add_async", "Adds", add_async),
      tools::tool("add_blocking", "Adds", tools::blocking([](add_args a) { return add(a); })));
}

// One batch per iteration on a single-threaded io_context.
void run_batches(benchmark::State& state, std::string_view tool, tools::dispatch_options options) {
  const auto set = make_set();
  const auto calls = make_calls(tool, state.range(0));
  asio::io_context ctx;
  std::vector<tools::tool_output> outputs;
  auto batch = [&]() -> asio::awaitable<void> { outputs = co_await set.dispatch(calls, options); };
  for (auto _ : state) {
    ctx.restart();
    asio::co_spawn(ctx, batch(), asio::detached);
    ctx.run();
    benchmark::DoNotOptimize(outputs.data());
  }
  if (outputs.size() != calls.size() || outputs.back().is_error)
    state.SkipWithError("dispatch produced wrong outputs");
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.counters["per_call"] = benchmark::Counter(static_cast<double>(state.range(0)),
                                                  benchmark::Counter::kIsIterationInvariantRate |
                                                      benchmark::Counter::kInvert);
}

void BM_dispatch_plain(benchmark::State& state) {
  run_batches(state, "add", {});
}
void BM_dispatch_coroutine(benchmark::State& state) {
  run_batches(state, "add_async", {});
}
void BM_dispatch_plain_with_deadline(benchmark::State& state) {
  run_batches(state, "add", {.per_call_timeout = std::chrono::seconds(30)});
}
void BM_dispatch_blocking(benchmark::State& state) {
  run_batches(state, "add_blocking", {});
}

// The share of decode + encode alone, without the runtime.
void BM_decode_encode_only(benchmark::State& state) {
  const auto calls = make_calls("add", 1);
  for (auto _ : state) {
    auto args = coassist::reflect::decode<add_args>(calls[0].arguments);
    std::string text = coassist::reflect::to_text(add(args.value()));
    benchmark::DoNotOptimize(text.data());
  }
}

BENCHMARK(BM_dispatch_plain)->Arg(1)->Arg(8)->Arg(64);
BENCHMARK(BM_dispatch_coroutine)->Arg(1)->Arg(8)->Arg(64);
BENCHMARK(BM_dispatch_plain_with_deadline)->Arg(1)->Arg(8)->Arg(64);
BENCHMARK(BM_dispatch_blocking)->Arg(1)->Arg(8)->Arg(64);
BENCHMARK(BM_decode_encode_only);
} // namespace
