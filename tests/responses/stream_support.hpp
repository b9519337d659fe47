// Builders of Responses event streams for the stream tests: events as the service sends them
// (each with its sequence number), SSE framing with any line ending, and a sans-I/O run of bytes
// through sse::parser, the protocol rules (event_reader) and the accumulator.
#pragma once

#include <coassist/responses/accumulator.hpp>
#include <coassist/responses/detail/event_reader.hpp>
#include <coassist/sse/parser.hpp>

#include <boost/json.hpp>

#include <cstdint>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

namespace coassist::test::rs {

namespace json = boost::json;

// A sequence of events with consecutive sequence numbers.
struct script {
  std::vector<json::object> events;
  std::int64_t next_seq = 0;

  json::object& add(std::string type, json::object fields = {}) {
    fields["type"] = type;
    fields["sequence_number"] = next_seq++;
    events.push_back(std::move(fields));
    return events.back();
  }

  // The response object at a moment: status and output given.
  static json::object response(std::string id, std::string status, json::array output = {},
                               bool background = false) {
    return json::object{{"id", id},
                        {"object", "response"},
                        {"created_at", 1760000000},
                        {"status", status},
                        {"background", background},
                        {"error", nullptr},
                        {"incomplete_details", nullptr},
                        {"model", "gpt-test"},
                        {"output", output},
                        {"parallel_tool_calls", true},
                        {"usage", nullptr}};
  }
  void lifecycle(std::string type, json::object r) { add(std::move(type), {{"response", r}}); }

  // SSE text of every event, `eol` between lines.
  std::string sse(std::string_view eol = "\n") const {
    std::string out;
    for (const auto& e : events) {
      out += "event: " + std::string(e.at("type").as_string()) + std::string(eol);
      out += "data: " + json::serialize(e) + std::string(eol) + std::string(eol);
    }
    return out;
  }
};

inline json::object message_item(std::string id, std::string status, json::array content = {}) {
  return {{"id", id},
          {"type", "message"},
          {"role", "assistant"},
          {"status", status},
          {"content", content}};
}
inline json::object text_part(std::string text) {
  return {{"type", "output_text"},
          {"text", text},
          {"annotations", json::array{}},
          {"logprobs", json::array{}}};
}
inline json::object call_item(std::string id, std::string call_id, std::string name,
                              std::string arguments, std::string status) {
  return {{"id", id},     {"type", "function_call"}, {"call_id", call_id},
          {"name", name}, {"arguments", arguments},  {"status", status}};
}

// A text message streamed in `pieces` at output `index`.
inline json::object stream_text(script& s, int index, std::string id,
                                const std::vector<std::string>& pieces) {
  std::string text;
  for (const auto& p : pieces)
    text += p;
  s.add("response.output_item.added",
        {{"output_index", index}, {"item", message_item(id, "in_progress")}});
  s.add("response.content_part.added",
        {{"output_index", index}, {"item_id", id}, {"content_index", 0}, {"part", text_part("")}});
  for (const auto& p : pieces)
    s.add("response.output_text.delta", {{"output_index", index},
                                         {"item_id", id},
                                         {"content_index", 0},
                                         {"delta", p},
                                         {"logprobs", json::array{}}});
  s.add("response.output_text.done", {{"output_index", index},
                                      {"item_id", id},
                                      {"content_index", 0},
                                      {"text", text},
                                      {"logprobs", json::array{}}});
  s.add(
      "response.content_part.done",
      {{"output_index", index}, {"item_id", id}, {"content_index", 0}, {"part", text_part(text)}});
  json::object done = message_item(id, "completed", json::array{text_part(text)});
  s.add("response.output_item.done", {{"output_index", index}, {"item", done}});
  return done;
}

// What a sans-I/O run of SSE bytes gave.
struct run_result {
  std::vector<std::string> types;
  std::vector<std::int64_t> sequence_numbers;
  responses::accumulator acc;
  std::exception_ptr error;
};

// Feeds `bytes` in reads of `chunk` bytes through the parser, the protocol rules and the
// accumulator (errors of which are thrown as the stream throws them).
inline run_result run_sse(std::string_view bytes, std::size_t chunk = 0) {
  run_result r;
  sse::parser parser;
  responses::detail::event_reader reader;
  const responses::detail::stream_origin origin{200, "req_test"};
  try {
    std::size_t pos = 0;
    std::string buf;
    while (pos < bytes.size()) {
      std::size_t n = chunk ? std::min(chunk, bytes.size() - pos) : bytes.size() - pos;
      buf.assign(bytes.substr(pos, n));
      pos += n;
      parser.feed(buf);
      std::error_code ec;
      while (auto ev = parser.next(ec)) {
        auto raw = reader.read(ev->type, ev->data, origin);
        if (!raw) continue;
        r.types.emplace_back(raw->type);
        r.sequence_numbers.push_back(raw->sequence_number.value_or(-1));
        std::string type(raw->type);
        if (auto aec = r.acc.apply(type, std::move(raw->data)))
          throw std::runtime_error("snapshot: " + r.acc.problem());
      }
      if (ec) throw std::system_error(ec);
    }
    reader.end_of_body(parser.finish(), origin);
  } catch (...) {
    r.error = std::current_exception();
  }
  return r;
}

} // namespace coassist::test::rs
