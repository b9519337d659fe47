// Fuzz target: a Responses event stream through sse::parser, the stream's protocol rules
// (responses::detail::event_reader), the typed decoder (responses::decode_event) and the snapshot
// accumulator, as responses::response_stream runs them.
// Input layout: byte 0 = k (low 3 bits: number of read-size bytes that follow); then k read sizes
// (1..256, cycled); then the stream bytes.
// Checked properties: the outcome (events handed out, their sequence numbers, the error kind, the
// final snapshot) is the same whatever the read sizes (compared with one read of the whole
// input); handed-out sequence numbers strictly increase; nothing after a terminal event is handed
// out; a finished snapshot is an object with an `output` array and the terminal's status; no
// input crashes, hangs or leaks.
#include <coassist/api/error.hpp>
#include <coassist/responses/accumulator.hpp>
#include <coassist/responses/detail/event_reader.hpp>
#include <coassist/responses/events.hpp>
#include <coassist/sse/parser.hpp>

#include <boost/json.hpp>

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace json = coassist::json;
namespace sse = coassist::sse;
namespace responses = coassist::responses;

struct outcome {
  std::vector<std::string> types;
  std::vector<std::int64_t> sequence_numbers;
  std::vector<std::string> snapshot_errors;
  int error_kind = 0; // coassist::errc of the stream's error, 0 if none
  std::optional<json::object> final_response;
  bool operator==(const outcome&) const = default;
};

void check(bool ok) {
  if (!ok) std::abort();
}

outcome run(std::string_view bytes, const std::vector<std::size_t>& reads) {
  outcome out;
  sse::parser parser(sse::limits{.max_line_length = 4096, .max_event_size = 16384});
  responses::detail::event_reader reader;
  responses::accumulator acc;
  const responses::detail::stream_origin origin{200, "req_fuzz"};
  bool terminal = false;
  try {
    std::size_t pos = 0, r = 0;
    std::string chunk;
    while (pos < bytes.size()) {
      std::size_t n = reads.empty() ? bytes.size() - pos
                                    : std::min(reads[r++ % reads.size()], bytes.size() - pos);
      chunk.assign(bytes.substr(pos, n)); // a buffer that dies after its read
      pos += n;
      parser.feed(chunk);
      std::error_code ec;
      while (auto ev = parser.next(ec)) {
        auto raw = reader.read(ev->type, ev->data, origin);
        if (!raw) continue;
        check(!terminal); // nothing after the end
        if (raw->sequence_number) {
          check(out.sequence_numbers.empty() ||
                *raw->sequence_number > out.sequence_numbers.back());
          out.sequence_numbers.push_back(*raw->sequence_number);
        }
        std::string type(raw->type);
        out.types.push_back(type);
        try {
          responses::stream_event typed = responses::decode_event(raw->data);
          // unknown types stay unknown; known ones keep their type
          if (!std::holds_alternative<responses::unknown_event>(typed))
            check(responses::event_type(typed) == type);
        } catch (const std::exception&) { // a known type with the wrong shape
          out.snapshot_errors.emplace_back("decode " + type);
        }
        if (auto aec = acc.apply(type, std::move(raw->data))) {
          check(!acc.problem().empty());
          out.snapshot_errors.push_back(acc.problem());
        }
        terminal = reader.finished();
      }
      if (ec)
        throw coassist::invalid_response_error(coassist::error_info{
            coassist::errc::invalid_response, 200, ec.message(), {}, {}, {}, {}, {}});
    }
    reader.end_of_body(parser.finish(), origin);
  } catch (const coassist::error& e) {
    out.error_kind = static_cast<int>(e.kind());
  }
  if (acc.finished()) {
    const json::object& f = acc.final_response();
    check(f.if_contains("output") && f.at("output").is_array());
    out.final_response = f;
  }
  return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t k = data[0] & 7u;
  if (size < 1 + k) return 0;
  std::vector<std::size_t> reads;
  for (std::size_t i = 0; i < k; ++i)
    reads.push_back(std::size_t{data[1 + i]} + 1);
  std::string_view bytes(reinterpret_cast<const char*>(data + 1 + k), size - 1 - k);
  outcome whole = run(bytes, {});
  if (!reads.empty()) check(run(bytes, reads) == whole);
  return 0;
}
