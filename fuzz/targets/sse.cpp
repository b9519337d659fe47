// Fuzz target: sse::parser + JSON decoding of each event's data + stream::accumulator.
// Input layout: byte 0 = k (low 3 bits: number of read-size bytes that follow) and the limits
// (bits 3-4); then k read sizes (1..256, cycled); then the stream bytes.
// Checked properties: the same events come out whatever the read sizes (compared with one
// read of the whole input); every event respects the limits; the accumulator never crashes
// whatever the JSON.
#include <coassist/sse/parser.hpp>
#include <coassist/stream/accumulator.hpp>

#include <boost/json.hpp>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace json = coassist::json;
namespace sse = coassist::sse;
namespace stream = coassist::stream;

constexpr std::string_view known_events[] = {
    "thread.created",
    "thread.run.created",
    "thread.run.queued",
    "thread.run.in_progress",
    "thread.run.requires_action",
    "thread.run.completed",
    "thread.run.incomplete",
    "thread.run.failed",
    "thread.run.cancelling",
    "thread.run.cancelled",
    "thread.run.expired",
    "thread.run.step.created",
    "thread.run.step.in_progress",
    "thread.run.step.delta",
    "thread.run.step.completed",
    "thread.run.step.failed",
    "thread.run.step.cancelled",
    "thread.run.step.expired",
    "thread.message.created",
    "thread.message.in_progress",
    "thread.message.delta",
    "thread.message.completed",
    "thread.message.incomplete",
    "error",
    "done",
};

struct owned {
  std::string type, data, id;
  bool operator==(const owned&) const = default;
};

sse::limits limits_for(unsigned selector) {
  switch (selector & 3) {
  case 1:
    return {.max_line_length = 64, .max_event_size = 256};
  case 2:
    return {.max_line_length = 8, .max_event_size = 16};
  default:
    return {.max_line_length = 1 << 16, .max_event_size = 1 << 18};
  }
}

// Parses `bytes` in reads of the given sizes; collects events; returns the error.
std::error_code parse(std::string_view bytes, const std::vector<std::size_t>& sizes,
                      const sse::limits& l, std::vector<owned>& events, stream::accumulator* acc) {
  sse::parser p(l);
  std::size_t pos = 0, k = 0;
  std::error_code ec;
  while (pos < bytes.size()) {
    std::size_t n = bytes.size() - pos;
    if (!sizes.empty()) n = std::min(n, sizes[k++ % sizes.size()]);
    std::string chunk(bytes.substr(pos, n)); // dies after its read: ASan catches stale views
    pos += n;
    p.feed(chunk);
    while (auto ev = p.next(ec)) {
      // the limit counts the bytes of the `event` field, not the default name "message"
      std::size_t type_size = ev->type == "message" ? 0 : ev->type.size();
      if (ev->data.size() + type_size > l.max_event_size) std::abort();
      events.push_back({std::string(ev->type), std::string(ev->data), std::string(ev->id)});
      if (!acc) continue;
      std::string_view name = ev->type;
      if (name.size() == 1) name = known_events[static_cast<unsigned char>(name[0]) % 25];
      boost::system::error_code jec;
      json::value data = json::parse(ev->data, jec);
      if (jec) continue;
      stream::for_each_text_delta(name, data, [](std::string_view, std::uint64_t) {});
      (void)acc->apply(name, std::move(data));
    }
    if (ec) return ec;
  }
  p.finish();
  return ec;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  unsigned header = data[0];
  std::size_t k = header & 7;
  if (size < 1 + k) return 0;
  std::vector<std::size_t> sizes;
  for (std::size_t i = 0; i < k; ++i)
    sizes.push_back(1 + data[1 + i]);
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1 + k, size - 1 - k);
  sse::limits l = limits_for(header >> 3);

  std::vector<owned> split_events, whole_events;
  stream::accumulator acc;
  std::error_code split_ec = parse(bytes, sizes, l, split_events, &acc);
  std::error_code whole_ec = parse(bytes, {}, l, whole_events, nullptr);
  if (split_ec != whole_ec || split_events != whole_events) std::abort();

  // The accessors and the summary must work on whatever state the events left.
  std::error_code ec;
  (void)acc.final_run(ec);
  (void)acc.current_message();
  (void)acc.current_run_step();
  (void)json::serialize(acc.to_json());
  return 0;
}
