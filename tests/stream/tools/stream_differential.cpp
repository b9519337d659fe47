// The C++ side of the differential test against the official Node SDK: reads SSE files, feeds
// them through sse::parser (in reads of random sizes chosen by --split-seed) and the accumulator,
// and prints one JSON line per file:
//   {"file": ..., "error": null | "why", "final_messages": [...], "final_run_steps": [...],
//    "final_run": ...}
// Event handling mirrors what openai-node does with a run stream: `data: [DONE]` ends it;
// events whose name does not start with "thread." are JSON-decoded and fail the stream only if
// they carry an `error` member; a stream without a terminal run event is an error.
#include <coassist/sse/parser.hpp>
#include <coassist/stream/accumulator.hpp>

#include <boost/json.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>
#include <string>
#include <string_view>

namespace json = coassist::json;
namespace sse = coassist::sse;
namespace stream = coassist::stream;

namespace {

struct outcome {
  std::string error;
  stream::accumulator acc;
};

bool handle_event(const sse::event_view& ev, outcome& out, bool& done) {
  if (done) return true;
  if (ev.data.starts_with("[DONE]")) {
    done = true;
    return true;
  }
  boost::system::error_code jec;
  json::value data = json::parse(ev.data, jec);
  if (jec) {
    out.error = "invalid JSON in event " + std::string(ev.type) + ": " + jec.message();
    return false;
  }
  if (!ev.type.starts_with("thread.")) {
    const json::object* o = data.if_object();
    const json::value* e = o ? o->if_contains("error") : nullptr;
    if (e && !e->is_null() && !(e->is_bool() && !e->get_bool())) {
      out.error = "error event";
      return false;
    }
    return true;
  }
  if (auto ec = out.acc.apply(ev.type, std::move(data))) {
    out.error = "accumulate " + std::string(ev.type) + ": " + ec.message();
    return false;
  }
  return true;
}

outcome run_file(const std::string& bytes, std::mt19937_64* rng) {
  outcome out;
  sse::parser parser(sse::limits{.max_line_length = 16 << 20, .max_event_size = 64 << 20});
  bool done = false;
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    std::size_t n = bytes.size() - pos;
    if (rng) n = std::min<std::size_t>(n, 1 + (*rng)() % 97);
    std::string chunk = bytes.substr(pos, n); // a buffer that dies after its read
    pos += n;
    parser.feed(chunk);
    std::error_code ec;
    while (auto ev = parser.next(ec))
      if (!handle_event(*ev, out, done)) return out;
    if (ec) {
      out.error = "sse: " + ec.message();
      return out;
    }
  }
  parser.finish();
  std::error_code ec;
  if (!out.acc.final_run(ec)) out.error = "Final run has not been received";
  return out;
}

} // namespace

int main(int argc, char** argv) {
  std::mt19937_64 rng;
  bool split = false;
  int status = 0;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--split-seed" && i + 1 < argc) {
      rng.seed(std::stoull(argv[++i]));
      split = true;
      continue;
    }
    std::ifstream in(argv[i], std::ios::binary);
    if (!in) {
      std::cerr << "cannot read " << arg << "\n";
      status = 2;
      continue;
    }
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    outcome out = run_file(bytes, split ? &rng : nullptr);
    json::object line = out.acc.to_json();
    line["file"] = arg;
    line["error"] = out.error.empty() ? json::value(nullptr) : json::value(out.error);
    std::cout << json::serialize(line) << "\n";
  }
  return status;
}
