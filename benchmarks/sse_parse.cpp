// Streaming throughput without a socket: a long stream of thread.message.delta events (text of
// a few characters each, as the API sends them) read in 4 KiB pieces.
//  - parse only: sse::parser
//  - parse + JSON decode + text deltas: what "print the answer as it comes" costs
//  - parse + JSON decode + accumulate: full snapshots
// Counters: events/s (items_per_second), ns per event, heap allocations per event (global
// operator new is replaced in this file to count them).
#include <coassist/sse/parser.hpp>
#include <coassist/stream/accumulator.hpp>

#include <benchmark/benchmark.h>
#include <boost/json.hpp>

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>
#include <string>

namespace {
std::atomic<std::size_t> allocations{0};
// Called through a pointer the optimiser cannot see through: g++ 12 otherwise pairs the inlined
// replacement operator new with the free() below and reports a mismatch that is not one.
void (*volatile release)(void*) = std::free;
} // namespace

void* operator new(std::size_t n) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  release(p);
}
void operator delete[](void* p) noexcept {
  release(p);
}
void operator delete(void* p, std::size_t) noexcept {
  release(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  release(p);
}

namespace {

namespace json = coassist::json;
namespace sse = coassist::sse;
namespace stream = coassist::stream;

constexpr std::size_t event_count = 20000;
constexpr std::size_t read_size = 4096;

const std::string& delta_stream() {
  static const std::string s = [] {
    std::string out =
        "event: thread.message.created\n"
        "data: {\"id\":\"msg_0123456789abcdef\",\"object\":\"thread.message\",\"status\":"
        "\"in_progress\",\"role\":\"assistant\",\"content\":[]}\n\n";
    const char* words[] = {"The", " weather", " in", " Paris", " is", " sunny", ",", " warm"};
    for (std::size_t i = 0; i < event_count; ++i) {
      out += "event: thread.message.delta\n"
             "data: {\"id\":\"msg_0123456789abcdef\",\"object\":\"thread.message.delta\","
             "\"delta\":{\"content\":[{\"index\":0,\"type\":\"text\",\"text\":{\"value\":\"";
      out += words[i % 8];
      out += i == 0 ? "\",\"annotations\":[]}}]}}\n\n" : "\"}}]}}\n\n";
    }
    return out;
  }();
  return s;
}

template <class OnEvent> std::size_t parse_stream(const std::string& s, OnEvent&& on_event) {
  sse::parser p;
  std::error_code ec;
  std::size_t events = 0;
  for (std::size_t pos = 0; pos < s.size(); pos += read_size) {
    p.feed(std::string_view(s).substr(pos, read_size));
    while (auto ev = p.next(ec)) {
      on_event(*ev);
      ++events;
    }
    if (ec) std::abort();
  }
  p.finish();
  return events;
}

void report(benchmark::State& state, std::size_t events, std::size_t allocs) {
  state.SetItemsProcessed(static_cast<std::int64_t>(events));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * delta_stream().size()));
  state.counters["ns_per_event"] =
      benchmark::Counter(static_cast<double>(events) * 1e-9,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["allocs_per_event"] =
      static_cast<double>(allocs) / static_cast<double>(events ? events : 1);
}

void BM_parse_only(benchmark::State& state) {
  const std::string& s = delta_stream();
  std::size_t events = 0, allocs = 0;
  for (auto _ : state) {
    std::size_t before = allocations.load();
    std::size_t bytes = 0;
    events += parse_stream(s, [&](const sse::event_view& ev) { bytes += ev.data.size(); });
    allocs += allocations.load() - before;
    benchmark::DoNotOptimize(bytes);
  }
  report(state, events, allocs);
}
BENCHMARK(BM_parse_only);

void BM_parse_decode_text(benchmark::State& state) {
  const std::string& s = delta_stream();
  std::size_t events = 0, allocs = 0;
  json::parser jp; // reused: its buffers are kept between events
  for (auto _ : state) {
    std::size_t before = allocations.load();
    std::size_t chars = 0;
    events += parse_stream(s, [&](const sse::event_view& ev) {
      // the event's JSON lives in a stack buffer: nothing is kept, so nothing is allocated
      alignas(std::max_align_t) unsigned char buffer[4096];
      json::monotonic_resource mr(buffer, sizeof buffer);
      jp.reset(&mr);
      jp.write(ev.data);
      json::value v = jp.release();
      stream::for_each_text_delta(ev.type, v,
                                  [&](std::string_view t, std::uint64_t) { chars += t.size(); });
    });
    allocs += allocations.load() - before;
    benchmark::DoNotOptimize(chars);
  }
  report(state, events, allocs);
}
BENCHMARK(BM_parse_decode_text);

void BM_parse_decode_accumulate(benchmark::State& state) {
  const std::string& s = delta_stream();
  std::size_t events = 0, allocs = 0;
  json::parser jp;
  for (auto _ : state) {
    std::size_t before = allocations.load();
    stream::accumulator acc;
    events += parse_stream(s, [&](const sse::event_view& ev) {
      // decoded into a stack buffer; the accumulator copies only what it keeps
      alignas(std::max_align_t) unsigned char buffer[4096];
      json::monotonic_resource mr(buffer, sizeof buffer);
      jp.reset(&mr);
      jp.write(ev.data);
      if (acc.apply(ev.type, jp.release())) std::abort();
    });
    allocs += allocations.load() - before;
    benchmark::DoNotOptimize(acc.final_messages().data());
  }
  report(state, events, allocs);
}
BENCHMARK(BM_parse_decode_accumulate);

} // namespace
