// The protocol rules of a Responses event stream, sans-I/O: what each server-sent event means
// before it is typed. Shared by responses::response_stream, the fuzz target and the benchmarks.
//  - The event's type is its data's `type` (the SSE `event:` name only when the data has none).
//  - `keepalive` events are skipped (SSE comments never get here: the sse::parser drops them).
//  - `error` (flat {code, message, param} as the spec says, or nested {"error": {...}} as some
//    servers send it) is thrown as stream_error with the server's fields.
//  - An event whose sequence_number is not above the last one handed out is skipped: after a
//    reconnection with starting_after, a server that replays too much never repeats an event.
//  - response.completed / .failed / .incomplete end the stream; the end of the body before one
//    of them is errc::stream_truncated.
#pragma once

#include <coassist/api/detail/error_body.hpp>
#include <coassist/api/error.hpp>
#include <coassist/responses/accumulator.hpp> // is_terminal_event

#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace coassist::responses::detail {

// Where the bytes came from, for the errors' status and request id.
struct stream_origin {
  int status = 0;
  std::string_view request_id;
};

// An error of the stream, as the exception of its kind.
[[noreturn]] inline void throw_stream_failure(errc kind, std::string message,
                                              const stream_origin& origin) {
  error_info info;
  info.kind = kind;
  info.status = origin.status;
  info.message = std::move(message);
  info.request_id = std::string(origin.request_id);
  info.where = "read response stream";
  std::rethrow_exception(make_error(std::move(info)));
}

struct raw_event {
  std::string_view type; // points into `data` (its "type" member) or to the SSE name
  json::value data;      // the event's JSON object
  std::optional<std::int64_t> sequence_number;
};

class event_reader {
public:
  // One server-sent event: the event to hand out, or nullopt to skip it. Throws stream_error for
  // an error event and invalid_response_error for data that is not a JSON object. The result's
  // `type` may point into `sse_type`: use it before the next call.
  std::optional<raw_event> read(std::string_view sse_type, std::string_view data,
                                const stream_origin& origin,
                                json::storage_ptr storage = json::storage_ptr()) {
    if (finished_) return std::nullopt;        // the stream was over: the rest is ignored
    if (data == "[DONE]") return std::nullopt; // not in this protocol; tolerated, means nothing
    boost::system::error_code jec;
    json::value v = json::parse(data, jec, std::move(storage));
    json::object* o = jec ? nullptr : v.if_object();
    if (sse_type == "error" || (o && type_of(*o) == "error")) throw_error_event(o, data, origin);
    if (!o)
      throw_stream_failure(errc::invalid_response,
                           "event " + std::string(sse_type) +
                               " is not a JSON object: " + coassist::detail::text_excerpt(data),
                           origin);
    raw_event ev;
    ev.data = std::move(v); // (moving keeps the object's storage: `o` stays valid)
    o = &ev.data.get_object();
    ev.type = type_of(*o);
    if (ev.type.empty()) ev.type = sse_type;
    if (ev.type == "keepalive") return std::nullopt;
    if (const json::value* s = o->if_contains("sequence_number")) {
      if (s->is_int64())
        ev.sequence_number = s->get_int64();
      else if (s->is_uint64() && s->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
        ev.sequence_number = static_cast<std::int64_t>(s->get_uint64());
    }
    if (ev.sequence_number && last_ && *ev.sequence_number <= *last_) return std::nullopt;
    if (ev.sequence_number) last_ = ev.sequence_number;
    if (is_terminal_event(ev.type)) finished_ = true;
    return ev;
  }

  // The body ended (`cut_inside_event`: inside an unfinished event). Throws stream_truncated
  // unless a terminal event was handed out.
  void end_of_body(bool cut_inside_event, const stream_origin& origin) const {
    if (finished_) return;
    throw_stream_failure(errc::stream_truncated,
                         cut_inside_event ? "the response stream was cut inside an event"
                                          : "the response stream ended before response.completed, "
                                            ".failed or .incomplete",
                         origin);
  }

  // A terminal event was handed out.
  bool finished() const noexcept { return finished_; }
  // The sequence number of the last event handed out.
  std::optional<std::int64_t> last_sequence_number() const noexcept { return last_; }
  // A reconnection continues after this number (a resumed stream's first events are skipped
  // up to it).
  void continue_after(std::optional<std::int64_t> n) noexcept { last_ = n; }

private:
  static std::string_view type_of(const json::object& o) noexcept {
    const json::value* t = o.if_contains("type");
    return t && t->is_string() ? std::string_view(t->get_string()) : std::string_view();
  }

  [[noreturn]] static void throw_error_event(const json::object* o, std::string_view data,
                                             const stream_origin& origin) {
    error_info info;
    info.kind = errc::stream_error;
    info.status = origin.status;
    info.request_id = std::string(origin.request_id);
    info.where = "response stream";
    const json::object* e = o;
    if (o)
      if (const json::value* nested = o->if_contains("error"); nested && nested->is_object())
        e = &nested->get_object();
    if (!e || !coassist::detail::read_error_object(*e, info))
      info.message = "error event: " + coassist::detail::text_excerpt(data);
    if (e == o && info.type == "error") info.type.clear(); // the flat form's `type` is the event's
    throw stream_error(std::move(info));
  }

  std::optional<std::int64_t> last_;
  bool finished_ = false;
};

} // namespace coassist::responses::detail
