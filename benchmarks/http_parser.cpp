// Response parser throughput (bytes/s of wire data, SetBytesProcessed):
// - chunked_16MiB: one response with a 16 MiB body in 8 KiB chunks, fed in 16 KiB reads (the
//   parser never touches body bytes: the figure is per event, not per byte);
// - chunked_16MiB_copy: the same, and the body bytes copied out (what a consumer costs at least);
// - chunked_16MiB_128B_chunks: a streaming body of 128-byte chunks (items = chunks);
// - pipelined_small: a buffer of ~200-byte keep-alive responses, parsed one after another
//   (reset() between them), fed in 16 KiB reads;
// - content_length_16MiB: one Content-Length response, 16 KiB reads (the zero-copy fast path).
// Run: bench_http_parser --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <coassist/http/response_parser.hpp>

#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>
#include <string_view>

using namespace coassist::http;

namespace {

constexpr std::size_t read_size = 16 * 1024;

std::string make_chunked(std::size_t body_size, std::size_t chunk_size) {
  std::string s = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n";
  s.reserve(body_size + body_size / chunk_size * 16 + 128);
  std::string chunk(chunk_size, 'd');
  char size_line[32];
  std::snprintf(size_line, sizeof size_line, "%zx\r\n", chunk_size);
  for (std::size_t done = 0; done < body_size; done += chunk_size) {
    s += size_line;
    s += chunk;
    s += "\r\n";
  }
  s += "0\r\n\r\n";
  return s;
}

std::string make_pipelined(std::size_t total, std::size_t& count) {
  // ~200 bytes: a typical small JSON API response
  const std::string body = "{\"id\":\"thread_abc123\",\"object\":\"thread\",\"created_at\":17}";
  const std::string one = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                          "x-request-id: req_0123456789abcdef\r\nopenai-processing-ms: 12\r\n"
                          "Content-Length: " +
                          std::to_string(body.size()) + "\r\n\r\n" + body;
  std::string s;
  count = 0;
  while (s.size() + one.size() <= total) {
    s += one;
    ++count;
  }
  return s;
}

// Parses `wire` as successive responses, offering at most read_size new bytes at a time (as a
// socket read would), returning body bytes seen. With `sink`, body bytes are also copied there
// (what a consumer does at least once); without, the parser alone is measured: it never touches
// body bytes, so its cost is per event, not per byte.
std::size_t parse_all(response_parser& p, std::string_view wire, std::string* sink = nullptr) {
  std::size_t body = 0, offset = 0, available = 0;
  std::error_code ec;
  p.reset();
  for (;;) {
    if (available == offset) {
      if (available == wire.size()) break;
      available = std::min(wire.size(), available + read_size);
    }
    auto r = p.parse(wire.substr(offset, available - offset), ec);
    if (ec) std::abort();
    offset += r.consumed;
    if (r.event == parse_event::body) {
      body += r.body.size();
      if (sink) {
        if (sink->size() + r.body.size() > sink->capacity()) sink->clear();
        sink->append(r.body);
      }
    } else if (r.event == parse_event::message_complete)
      p.reset();
    else if (r.event == parse_event::need_more) {
      // everything offered was consumed (a partial line is buffered inside the parser)
    }
  }
  return body;
}

void chunked_16MiB(benchmark::State& state) {
  auto wire = make_chunked(16u << 20, 8u << 10);
  response_parser p;
  for (auto _ : state)
    benchmark::DoNotOptimize(parse_all(p, wire));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * wire.size()));
}
BENCHMARK(chunked_16MiB)->Unit(benchmark::kMillisecond);

void chunked_16MiB_copy(benchmark::State& state) {
  auto wire = make_chunked(16u << 20, 8u << 10);
  response_parser p;
  std::string sink;
  sink.reserve(1u << 20);
  for (auto _ : state)
    benchmark::DoNotOptimize(parse_all(p, wire, &sink));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * wire.size()));
}
BENCHMARK(chunked_16MiB_copy)->Unit(benchmark::kMillisecond);

// A streaming run: server-sent events arrive as many small chunks (~128 bytes each).
void chunked_16MiB_128B_chunks(benchmark::State& state) {
  auto wire = make_chunked(16u << 20, 128);
  response_parser p;
  for (auto _ : state)
    benchmark::DoNotOptimize(parse_all(p, wire));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * wire.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * ((16u << 20) / 128)));
}
BENCHMARK(chunked_16MiB_128B_chunks)->Unit(benchmark::kMillisecond);

void content_length_16MiB(benchmark::State& state) {
  std::string wire = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(16u << 20) + "\r\n\r\n";
  wire.append(16u << 20, 'b');
  response_parser p;
  for (auto _ : state)
    benchmark::DoNotOptimize(parse_all(p, wire));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * wire.size()));
}
BENCHMARK(content_length_16MiB)->Unit(benchmark::kMillisecond);

void pipelined_small(benchmark::State& state) {
  std::size_t count = 0;
  auto wire = make_pipelined(4u << 20, count);
  response_parser p;
  for (auto _ : state)
    benchmark::DoNotOptimize(parse_all(p, wire));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * wire.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * count));
  state.counters["response_bytes"] = static_cast<double>(wire.size() / count);
}
BENCHMARK(pipelined_small)->Unit(benchmark::kMillisecond);

} // namespace
