// The C++ side of the Responses differential test (tests/node/differential/responses_run.mjs):
// reads SSE files, feeds each through sse::parser (in reads of random sizes with --split-seed),
// the stream's protocol rules (responses::detail::event_reader), the typed decoder and the
// snapshot accumulator, exactly as responses::response_stream does, and prints one JSON line per
// file:
//   {"file", "error": null | text, "error_kind": null | "stream_error" | "stream_truncated" | ...,
//    "final_response": RESPONSE | null, "item_checks": [...], "terminal_check": null | text}
// item_checks: before each response.output_item.done, the item as accumulated from the deltas
// must equal the done event's item (its `status` aside); terminal_check: before the terminal
// event, the accumulated output must equal the terminal response's output (statuses aside). They
// show that the deltas alone rebuild what the service sends whole.
#include <coassist/api/error.hpp>
#include <coassist/responses/accumulator.hpp>
#include <coassist/responses/detail/event_reader.hpp>
#include <coassist/responses/events.hpp>
#include <coassist/sse/parser.hpp>

#include <boost/json.hpp>

#include <fstream>
#include <iostream>
#include <iterator>
#include <random>
#include <string>
#include <string_view>

namespace json = coassist::json;
namespace sse = coassist::sse;
namespace responses = coassist::responses;

namespace {

// The first difference of a and b ("" if equal); `status` members of objects at depth
// `skip_status_depth` are not compared.
std::string first_difference(const json::value& a, const json::value& b, const std::string& path,
                             int depth, int skip_status_depth) {
  if (a.is_object() && b.is_object()) {
    const auto& x = a.get_object();
    const auto& y = b.get_object();
    for (const auto& kv : x) {
      if (depth == skip_status_depth && kv.key() == "status") continue;
      const json::value* other = y.if_contains(kv.key());
      if (!other) return path + "." + std::string(kv.key()) + ": missing on the right";
      auto d = first_difference(kv.value(), *other, path + "." + std::string(kv.key()), depth + 1,
                                skip_status_depth);
      if (!d.empty()) return d;
    }
    for (const auto& kv : y)
      if (!x.if_contains(kv.key()) && !(depth == skip_status_depth && kv.key() == "status"))
        return path + "." + std::string(kv.key()) + ": missing on the left";
    return {};
  }
  if (a.is_array() && b.is_array()) {
    const auto& x = a.get_array();
    const auto& y = b.get_array();
    if (x.size() != y.size())
      return path + ": " + std::to_string(x.size()) + " vs " + std::to_string(y.size()) +
             " elements";
    for (std::size_t i = 0; i < x.size(); ++i) {
      auto d = first_difference(x[i], y[i], path + "[" + std::to_string(i) + "]", depth + 1,
                                skip_status_depth);
      if (!d.empty()) return d;
    }
    return {};
  }
  if (a == b) return {};
  return path + ": " + json::serialize(a).substr(0, 120) + " vs " +
         json::serialize(b).substr(0, 120);
}

struct outcome {
  std::string error, error_kind;
  responses::accumulator acc;
  json::array item_checks;
  std::string terminal_check;
};

void handle(const sse::event_view& ev, responses::detail::event_reader& reader, outcome& out) {
  const responses::detail::stream_origin origin{200, ""};
  auto raw = reader.read(ev.type, ev.data, origin);
  if (!raw) return;
  // typed, as the stream hands it out: a known type with a wrong shape is an error
  responses::stream_event typed = responses::decode_event(raw->data);
  (void)typed;
  std::string type(raw->type);
  const json::object& data = raw->data.get_object();
  if (type == "response.output_item.done" && out.acc.snapshot()) {
    const json::value* index = data.if_contains("output_index");
    const json::array& items = out.acc.snapshot()->at("output").get_array();
    if (index && index->is_int64() && index->get_int64() >= 0 &&
        static_cast<std::size_t>(index->get_int64()) < items.size()) {
      auto d = first_difference(items[static_cast<std::size_t>(index->get_int64())],
                                data.at("item"), "$.item", 0, 0);
      if (!d.empty()) out.item_checks.emplace_back(d);
    }
  }
  if (responses::is_terminal_event(type) && out.acc.snapshot()) {
    const json::value* r = data.if_contains("response");
    const json::value* o = r && r->is_object() ? r->get_object().if_contains("output") : nullptr;
    if (o && o->is_array() && !o->get_array().empty())
      out.terminal_check = first_difference(out.acc.snapshot()->at("output"), *o, "$.output", 0, 1);
  }
  if (auto ec = out.acc.apply(type, std::move(raw->data)))
    throw coassist::invalid_response_error(coassist::error_info{coassist::errc::invalid_response,
                                                                200,
                                                                "snapshot: " + out.acc.problem(),
                                                                {},
                                                                {},
                                                                {},
                                                                {},
                                                                {}});
}

std::string kind_name(coassist::errc k) {
  switch (k) {
  case coassist::errc::stream_error:
    return "stream_error";
  case coassist::errc::stream_truncated:
    return "stream_truncated";
  case coassist::errc::invalid_response:
    return "invalid_response";
  default:
    return "other";
  }
}

outcome run_file(const std::string& bytes, std::mt19937_64* rng) {
  outcome out;
  sse::parser parser(sse::limits{.max_line_length = 16 << 20, .max_event_size = 64 << 20});
  responses::detail::event_reader reader;
  try {
    std::size_t pos = 0;
    while (pos < bytes.size()) {
      std::size_t n = bytes.size() - pos;
      if (rng) n = std::min<std::size_t>(n, 1 + (*rng)() % 97);
      std::string chunk = bytes.substr(pos, n); // a buffer that dies after its read
      pos += n;
      parser.feed(chunk);
      std::error_code ec;
      while (auto ev = parser.next(ec))
        handle(*ev, reader, out);
      if (ec) throw std::system_error(ec);
    }
    reader.end_of_body(parser.finish(), {200, ""});
  } catch (const std::exception& e) {
    out.error = e.what();
    out.error_kind = kind_name(coassist::error_info_of(std::current_exception()).kind);
  }
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
    json::object line;
    line["file"] = arg;
    line["error"] = out.error.empty() ? json::value(nullptr) : json::value(out.error);
    line["error_kind"] = out.error.empty() ? json::value(nullptr) : json::value(out.error_kind);
    std::error_code ec;
    const json::object* final = out.acc.final_response(ec);
    line["final_response"] =
        final && out.error.empty() ? json::value(*final) : json::value(nullptr);
    line["item_checks"] = std::move(out.item_checks);
    line["terminal_check"] =
        out.terminal_check.empty() ? json::value(nullptr) : json::value(out.terminal_check);
    std::cout << json::serialize(line) << "\n";
  }
  return status;
}
