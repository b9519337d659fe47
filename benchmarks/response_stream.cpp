// The Responses stream next to the Assistants stream, in one run, on the same text: 20000 deltas
// of a few characters (response.output_text.delta with the service's `obfuscation` field, and
// thread.message.delta), measured side by side:
//  - parse only: sse::parser over the stream in memory, read in 4 KiB pieces;
//  - parse + decode: the typed event of each (responses::decode_event / api::decode_event) after
//    the protocol rules (Responses: responses::detail::event_reader);
//  - parse + decode + accumulate: the same plus the snapshot accumulator;
//  - loopback: the stream served over loopback TCP (chunked, 4 KiB chunks) by a minimal server on
//    its own thread and read end to end with the client (client.responses().stream() /
//    client.threads().runs().stream(), next() until the end): transport, SSE, rules, typed events.
//    Timed in CPU time of the client thread: cpu_ns_per_event is the CPU one delta costs.
// Counters: events/s (items_per_second), ns per event, heap allocations per event (global
// operator new is replaced in this file to count them; for loopback they include the server
// thread's, which allocates nothing per event).
//   bench_response_stream --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <coassist/api.hpp>
#include <coassist/responses/accumulator.hpp>
#include <coassist/responses/detail/event_reader.hpp>
#include <coassist/responses/events.hpp>
#include <coassist/responses/stream.hpp>
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
// Called through a pointer the optimiser cannot see through (see benchmarks/sse_parse.cpp).
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
namespace responses = coassist::responses;
namespace api = coassist::api;

constexpr std::size_t delta_count = 20000;
constexpr std::size_t read_size = 4096;
const char* const words[] = {"The", " weather", " in", " Paris", " is", " sunny", ",", " warm"};

// ---- the two streams

std::string response_json(const char* status, const std::string& output) {
  return "{\"id\":\"resp_0123456789abcdef\",\"object\":\"response\",\"created_at\":1760000000,"
         "\"status\":\"" +
         std::string(status) +
         "\",\"background\":false,\"error\":null,\"incomplete_details\":null,\"model\":"
         "\"gpt-test\",\"output\":[" +
         output + "],\"parallel_tool_calls\":true,\"tools\":[],\"usage\":null}";
}

const std::string& responses_body() {
  static const std::string s = [] {
    std::size_t seq = 0;
    auto event = [&](const std::string& type, const std::string& fields) {
      return "event: " + type + "\ndata: {\"type\":\"" + type + "\"," + fields +
             ",\"sequence_number\":" + std::to_string(seq++) + "}\n\n";
    };
    std::string text;
    std::string out = event("response.created", "\"response\":" + response_json("in_progress", ""));
    out += event("response.output_item.added",
                 "\"output_index\":0,\"item\":{\"id\":\"msg_0123456789abcdef\",\"type\":"
                 "\"message\",\"status\":\"in_progress\",\"role\":\"assistant\",\"content\":[]}");
    out += event("response.content_part.added",
                 "\"item_id\":\"msg_0123456789abcdef\",\"output_index\":0,\"content_index\":0,"
                 "\"part\":{\"type\":\"output_text\",\"text\":\"\",\"annotations\":[],"
                 "\"logprobs\":[]}");
    for (std::size_t i = 0; i < delta_count; ++i) {
      text += words[i % 8];
      out += event("response.output_text.delta",
                   "\"item_id\":\"msg_0123456789abcdef\",\"output_index\":0,\"content_index\":0,"
                   "\"delta\":\"" +
                       std::string(words[i % 8]) + "\",\"logprobs\":[],\"obfuscation\":\"Xy3k\"");
    }
    std::string part =
        "{\"type\":\"output_text\",\"text\":\"" + text + "\",\"annotations\":[],\"logprobs\":[]}";
    std::string item = "{\"id\":\"msg_0123456789abcdef\",\"type\":\"message\",\"status\":"
                       "\"completed\",\"role\":\"assistant\",\"content\":[" +
                       part + "]}";
    out += event("response.output_text.done",
                 "\"item_id\":\"msg_0123456789abcdef\",\"output_index\":0,\"content_index\":0,"
                 "\"text\":\"" +
                     text + "\",\"logprobs\":[]");
    out += event("response.content_part.done", "\"item_id\":\"msg_0123456789abcdef\","
                                               "\"output_index\":0,\"content_index\":0,\"part\":" +
                                                   part);
    out += event("response.output_item.done", "\"output_index\":0,\"item\":" + item);
    out += event("response.completed", "\"response\":" + response_json("completed", item));
    return out;
  }();
  return s;
}

const std::string& assistants_body() {
  static const std::string s = [] {
    std::string out =
        "event: thread.message.created\n"
        "data: {\"id\":\"msg_0123456789abcdef\",\"object\":\"thread.message\",\"created_at\":1,"
        "\"thread_id\":\"thread_1\",\"status\":\"in_progress\",\"role\":\"assistant\","
        "\"content\":[],\"attachments\":[],\"metadata\":{},\"assistant_id\":null,\"run_id\":null,"
        "\"incomplete_details\":null,\"completed_at\":null,\"incomplete_at\":null}\n\n";
    for (std::size_t i = 0; i < delta_count; ++i) {
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

void report(benchmark::State& state, std::size_t events, std::size_t allocs, std::size_t bytes) {
  state.SetItemsProcessed(static_cast<std::int64_t>(events));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
  state.counters["ns_per_event"] =
      benchmark::Counter(static_cast<double>(events) * 1e-9,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["allocs_per_event"] =
      static_cast<double>(allocs) / static_cast<double>(events ? events : 1);
}

// ---- in memory

void parse_only(benchmark::State& state, const std::string& s) {
  std::size_t events = 0, allocs = 0;
  for (auto _ : state) {
    std::size_t before = allocations.load();
    std::size_t bytes = 0;
    events += parse_stream(s, [&](const sse::event_view& ev) { bytes += ev.data.size(); });
    allocs += allocations.load() - before;
    benchmark::DoNotOptimize(bytes);
  }
  report(state, events, allocs, s.size());
}
void BM_responses_parse_only(benchmark::State& state) {
  parse_only(state, responses_body());
}
BENCHMARK(BM_responses_parse_only);
void BM_assistants_parse_only(benchmark::State& state) {
  parse_only(state, assistants_body());
}
BENCHMARK(BM_assistants_parse_only);

// The Responses path of response_stream::next(): rules, typed event, optionally the snapshot.
void responses_decode(benchmark::State& state, bool accumulate) {
  const std::string& s = responses_body();
  std::size_t events = 0, allocs = 0;
  const responses::detail::stream_origin origin{200, "req_bench"};
  for (auto _ : state) {
    std::size_t before = allocations.load();
    responses::detail::event_reader reader;
    responses::accumulator acc;
    std::size_t chars = 0;
    events += parse_stream(s, [&](const sse::event_view& ev) {
      auto raw = reader.read(ev.type, ev.data, origin);
      if (!raw) std::abort();
      responses::stream_event typed = responses::decode_event(raw->data);
      if (auto* d = std::get_if<responses::response_text_delta_event>(&typed))
        chars += d->delta.size();
      if (accumulate && acc.apply(raw->type, std::move(raw->data))) std::abort();
    });
    allocs += allocations.load() - before;
    if (accumulate && !acc.completed()) std::abort();
    benchmark::DoNotOptimize(chars);
  }
  report(state, events, allocs, s.size());
}
void BM_responses_parse_decode(benchmark::State& state) {
  responses_decode(state, false);
}
BENCHMARK(BM_responses_parse_decode);
void BM_responses_parse_decode_accumulate(benchmark::State& state) {
  responses_decode(state, true);
}
BENCHMARK(BM_responses_parse_decode_accumulate);

// The Assistants path of run_stream::next(): typed event, optionally the snapshot.
void assistants_decode(benchmark::State& state, bool accumulate) {
  const std::string& s = assistants_body();
  std::size_t events = 0, allocs = 0;
  for (auto _ : state) {
    std::size_t before = allocations.load();
    coassist::stream::accumulator acc;
    std::size_t chars = 0;
    events += parse_stream(s, [&](const sse::event_view& ev) {
      api::stream_event typed = api::decode_event(ev.type, ev.data);
      if (auto t = coassist::stream::text_delta(typed)) chars += t->size();
      if (accumulate && acc.apply(ev.type, json::parse(ev.data))) std::abort();
    });
    allocs += allocations.load() - before;
    benchmark::DoNotOptimize(chars);
  }
  report(state, events, allocs, s.size());
}
void BM_assistants_parse_decode(benchmark::State& state) {
  assistants_decode(state, false);
}
BENCHMARK(BM_assistants_parse_decode);
void BM_assistants_parse_decode_accumulate(benchmark::State& state) {
  assistants_decode(state, true);
}
BENCHMARK(BM_assistants_parse_decode_accumulate);

// ---- end to end over loopback

std::string chunked(const std::string& body) {
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
}

// Answers every request on a keep-alive connection with the pre-rendered response for its path:
// POST /v1/responses gets the Responses stream, anything else the Assistants one.
class stream_server {
public:
  stream_server()
      : responses_(chunked(responses_body())),
        assistants_(chunked(assistants_body() + "event: done\ndata: [DONE]\n\n")),
        acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
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
  asio::awaitable<void> serve(asio::ip::tcp::socket s) {
    std::string buf;
    char tmp[8192];
    for (;;) {
      auto [ec, n] = co_await s.async_read_some(asio::buffer(tmp),
                                                asio::experimental::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      buf.append(tmp, n);
      for (;;) {
        auto head_end = buf.find("\r\n\r\n");
        if (head_end == std::string::npos) break;
        std::size_t length = 0;
        if (auto cl = buf.find("Content-Length: "); cl != std::string::npos && cl < head_end)
          length = std::strtoul(buf.c_str() + cl + 16, nullptr, 10);
        if (buf.size() < head_end + 4 + length) break;
        const bool is_responses = buf.starts_with("POST /v1/responses ");
        buf.erase(0, head_end + 4 + length);
        const std::string& answer = is_responses ? responses_ : assistants_;
        auto [wec, wn] = co_await asio::async_write(
            s, asio::buffer(answer), asio::experimental::as_tuple(asio::use_awaitable));
        (void)wn;
        if (wec) co_return;
      }
    }
  }
  std::string responses_, assistants_;
  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
};

coassist::client_options options_for(const stream_server& srv) {
  coassist::client_options o;
  o.api_key = "sk-bench";
  o.base_url = srv.base_url();
  o.transport.proxy.from_environment = false;
  return o;
}

void finish_loopback(benchmark::State& state, std::size_t events, std::size_t allocs,
                     std::size_t deltas, std::size_t failures, const coassist::client& c,
                     std::size_t bytes) {
  report(state, events, allocs, bytes);
  // CPU of the client thread per text delta, everything else of the stream included
  state.counters["cpu_ns_per_delta"] =
      benchmark::Counter(static_cast<double>(deltas) * 1e-9,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["connections"] = static_cast<double>(c.transport_stats().connections_opened);
  if (failures) state.SkipWithError("streams failed");
}

void responses_loopback(benchmark::State& state, bool accumulate) {
  stream_server srv;
  asio::io_context io;
  coassist::client c(io.get_executor(), options_for(srv));
  json::object req{{"model", "gpt-test"}, {"input", "Weather?"}};
  std::size_t events = 0, allocs = 0, deltas = 0, failures = 0;
  for (auto _ : state) {
    std::size_t before = allocations.load();
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          auto s = co_await responses::stream_response(c, req);
          if (accumulate) s.enable_accumulator();
          while (auto ev = co_await s.next()) {
            ++events;
            if (std::holds_alternative<responses::response_text_delta_event>(*ev)) ++deltas;
          }
          if (accumulate && !s.snapshots()->completed()) ++failures;
        },
        [&](std::exception_ptr ep) { failures += ep != nullptr; });
    io.restart();
    io.run();
    allocs += allocations.load() - before;
  }
  finish_loopback(state, events, allocs, deltas, failures, c, responses_body().size());
}
void BM_responses_loopback(benchmark::State& state) {
  responses_loopback(state, false);
}
BENCHMARK(BM_responses_loopback);
void BM_responses_loopback_accumulate(benchmark::State& state) {
  responses_loopback(state, true);
}
BENCHMARK(BM_responses_loopback_accumulate);

void assistants_loopback(benchmark::State& state, bool accumulate) {
  stream_server srv;
  asio::io_context io;
  coassist::client c(io.get_executor(), options_for(srv));
  api::create_run_request req;
  req.assistant_id = "asst_bench";
  std::size_t events = 0, allocs = 0, deltas = 0, failures = 0;
  for (auto _ : state) {
    std::size_t before = allocations.load();
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          auto s = co_await c.threads().runs().stream("thread_bench", req);
          if (accumulate) s.enable_accumulator();
          while (auto ev = co_await s.next()) {
            ++events;
            if (std::holds_alternative<api::thread_message_delta_event>(*ev)) ++deltas;
          }
          if (accumulate && s.snapshots()->final_messages().empty()) ++failures;
        },
        [&](std::exception_ptr ep) { failures += ep != nullptr; });
    io.restart();
    io.run();
    allocs += allocations.load() - before;
  }
  finish_loopback(state, events, allocs, deltas, failures, c, assistants_body().size());
}
void BM_assistants_loopback(benchmark::State& state) {
  assistants_loopback(state, false);
}
BENCHMARK(BM_assistants_loopback);
void BM_assistants_loopback_accumulate(benchmark::State& state) {
  assistants_loopback(state, true);
}
BENCHMARK(BM_assistants_loopback_accumulate);

} // namespace
