// Streaming throughput of a long stream of thread.message.delta events (text of a few
// characters each, as the API sends them), side by side:
//  - parse only: sse::parser over the stream in memory, read in 4 KiB pieces
//  - parse + JSON decode + text deltas: what "print the answer as it comes" costs
//  - parse + JSON decode + accumulate: full snapshots
//  - loopback: the same stream served over a loopback TCP connection (chunked, 4 KiB chunks) by
//    a minimal server on its own thread, read end to end by the client: a streamed run opened
//    with client.threads().runs().stream(), events pulled with next() (transport, SSE, typed
//    decoding), without and with the accumulator
// Counters: events/s (items_per_second), ns per event, heap allocations per event (global
// operator new is replaced in this file to count them; for loopback they include the server
// thread's, which allocates nothing per event).
//   bench_sse_parse --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <coassist/api.hpp>
#include <coassist/sse/parser.hpp>
#include <coassist/stream/accumulator.hpp>
#include <coassist/stream/run_stream.hpp>

#include <benchmark/benchmark.h>
#include <boost/json.hpp>

#include <atomic>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>
#include <thread>

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

// ---- end to end over loopback

// The delta stream as one chunked HTTP response, pre-rendered: the server only writes it.
const std::string& chunked_response() {
  static const std::string r = [] {
    std::string body = delta_stream() + "event: done\ndata: [DONE]\n\n";
    std::string out = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                      "x-request-id: req_bench\r\nTransfer-Encoding: chunked\r\n\r\n";
    char size[32];
    for (std::size_t pos = 0; pos < body.size(); pos += read_size) {
      auto piece = std::string_view(body).substr(pos, read_size);
      std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
      out += size;
      out += piece;
      out += "\r\n";
    }
    return out + "0\r\n\r\n";
  }();
  return r;
}

// Answers every request on a keep-alive connection with the stream.
class stream_server {
public:
  stream_server() : acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
    asio::co_spawn(io_, accept_loop(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~stream_server() {
    io_.stop();
    thread_.join();
  }
  std::string base_url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/v1";
  }

private:
  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, sock] =
          co_await acceptor_.async_accept(asio::experimental::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      sock.set_option(asio::ip::tcp::no_delay(true));
      asio::co_spawn(io_, serve(std::move(sock)), asio::detached);
    }
  }
  static asio::awaitable<void> serve(asio::ip::tcp::socket s) {
    std::string buf;
    char tmp[8192];
    for (;;) {
      auto [ec, n] = co_await s.async_read_some(asio::buffer(tmp),
                                                asio::experimental::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      buf.append(tmp, n);
      // requests have a small JSON body: the end of the head, then Content-Length bytes
      for (;;) {
        auto head_end = buf.find("\r\n\r\n");
        if (head_end == std::string::npos) break;
        std::size_t length = 0;
        if (auto cl = buf.find("Content-Length: "); cl != std::string::npos && cl < head_end)
          length = std::strtoul(buf.c_str() + cl + 16, nullptr, 10);
        if (buf.size() < head_end + 4 + length) break;
        buf.erase(0, head_end + 4 + length);
        auto [wec, wn] = co_await asio::async_write(
            s, asio::buffer(chunked_response()), asio::experimental::as_tuple(asio::use_awaitable));
        (void)wn;
        if (wec) co_return;
      }
    }
  }
  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
};

void loopback(benchmark::State& state, bool accumulate) {
  stream_server srv;
  asio::io_context io;
  coassist::client_options o;
  o.api_key = "sk-bench";
  o.base_url = srv.base_url();
  o.transport.proxy.from_environment = false;
  coassist::client c(io.get_executor(), o);
  coassist::api::create_run_request req;
  req.assistant_id = "asst_bench";
  std::size_t events = 0, allocs = 0, chars = 0, failures = 0;
  for (auto _ : state) {
    std::size_t before = allocations.load();
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          auto s = co_await c.threads().runs().stream("thread_bench", req);
          if (accumulate) s.enable_accumulator();
          while (auto ev = co_await s.next()) {
            ++events;
            if (auto t = stream::text_delta(*ev)) chars += t->size();
          }
          if (accumulate && s.snapshots()->final_messages().empty()) ++failures;
        },
        [&](std::exception_ptr ep) { failures += ep != nullptr; });
    io.restart();
    io.run();
    allocs += allocations.load() - before;
  }
  benchmark::DoNotOptimize(chars);
  report(state, events, allocs);
  state.counters["connections"] = static_cast<double>(c.transport_stats().connections_opened);
  if (failures) state.SkipWithError("streams failed");
}

void BM_loopback_stream_text(benchmark::State& state) {
  loopback(state, false);
}
BENCHMARK(BM_loopback_stream_text)->UseRealTime();
void BM_loopback_stream_accumulate(benchmark::State& state) {
  loopback(state, true);
}
BENCHMARK(BM_loopback_stream_accumulate)->UseRealTime();

} // namespace
