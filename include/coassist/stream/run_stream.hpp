// A streamed Assistants run as an async generator of typed events.
//
//   api::create_run_request req;
//   req.assistant_id = id;
//   auto stream = co_await client.threads().runs().stream(thread_id, req);
//   while (auto ev = co_await stream.next()) {
//     if (auto text = coassist::stream::text_delta(*ev)) std::cout << *text;      // as it comes
//     if (auto* ra = std::get_if<api::thread_run_requires_action_event>(&*ev))
//       co_await stream.submit_tool_outputs(outputs_for(ra->data));  // same loop continues
//   }
//
// - `event: error` is thrown as coassist::stream_error carrying the error's fields; never silence.
// - `event: done` ends the stream: next() gives nullopt. A body that ends without `done` and
//   without a terminal run event throws invalid_response_error (errc::stream_truncated).
// - Unknown event names arrive as api::unknown_event (name + raw JSON): a newer server never
//   breaks a stream.
// - Reads from the socket only when next() is called; stopping early (destroying the stream, or
//   cancelling the awaiting coroutine) closes the connection instead of returning it half-read.
// - Snapshots are opt-in: enable_accumulator() and the accumulator sees every event afterwards.
#pragma once

#include <coassist/api/client.hpp>
#include <coassist/api/events.hpp>
#include <coassist/stream/accumulator.hpp>
#include <coassist/stream/sse_source.hpp>

#include <memory>
#include <optional>
#include <string>

namespace coassist::stream {

// The text of a thread.message.delta event's text parts (the first one), if any.
inline std::optional<std::string_view> text_delta(const api::stream_event& ev) {
  auto* d = std::get_if<api::thread_message_delta_event>(&ev);
  if (!d || !d->data.delta.content) return std::nullopt;
  for (const auto& part : *d->data.delta.content)
    if (auto* t = std::get_if<api::message_delta_content_text_object>(&part))
      if (t->text && t->text->value) return std::string_view(*t->text->value);
  return std::nullopt;
}

class run_stream {
public:
  run_stream() = default;
  run_stream(client c, sse_source source, sse_options options)
      : client_(std::move(c)), source_(std::move(source)), options_(options) {}
  run_stream(run_stream&&) noexcept = default;
  run_stream& operator=(run_stream&&) noexcept = default;

  // The next event; nullopt once the stream is over (after `done`, or after cancel()).
  asio::awaitable<std::optional<api::stream_event>> next() {
    if (saw_done_ && !ended_) { // the call after `done`: finish the body, then the end
      co_await finish_body();
      ended_ = true;
    }
    if (ended_ || !client_) co_return std::nullopt;
    auto raw = co_await source_.next();
    if (!raw) {
      ended_ = true;
      if (!saw_done_ && !saw_terminal_)
        throw invalid_response_error(
            error_info{errc::stream_truncated,
                       source_.response().status(),
                       source_.truncated() ? "the event stream was cut inside an event"
                                           : "the event stream ended before its last event",
                       {},
                       {},
                       {},
                       source_.request_id(),
                       "read event stream"});
      co_return std::nullopt;
    }
    std::string_view name = raw->type, data = raw->data;
    if (name == "done") {
      saw_done_ = true; // the next call reads the body's end, so the connection can be reused
      co_return api::stream_event(api::done_event{});
    }
    if (name == "error") throw_stream_error(data);

    std::string problem;
    std::error_code ec;
    auto ev = api::decode_event(name, data, ec, &problem);
    if (!ev) {
      source_.close();
      ended_ = true;
      throw invalid_response_error(
          error_info{errc::invalid_response,
                     source_.response().status(),
                     "cannot decode event " + std::string(name) + ": " + problem,
                     {},
                     {},
                     {},
                     source_.request_id(),
                     "read event stream"});
    }
    if (acc_) {
      boost::system::error_code jec;
      json::value v = json::parse(data, jec);
      if (!jec) acc_->apply(name, std::move(v));
    }
    track(*ev);
    co_return std::move(*ev);
  }

  // Continues the same stream after thread.run.requires_action: submits the outputs with
  // `stream: true` and the next events come from that response.
  asio::awaitable<void> submit_tool_outputs(api::submit_tool_outputs_run_request req,
                                            request_options ro = {}) {
    if (thread_id_.empty() || run_id_.empty())
      throw usage_error(error_info{errc::invalid_argument,
                                   0,
                                   "submit_tool_outputs before the stream named its run",
                                   {},
                                   {},
                                   {},
                                   {},
                                   "submit_tool_outputs"});
    req.stream = api::nullable<bool>(true);
    if (saw_done_ && !ended_) co_await finish_body(); // the finished leg's connection is reused
    call_args args =
        call_args::make({{"thread_id", thread_id_}, {"run_id", run_id_}}, json::value_from(req));
    args.event_stream = true;
    auto body = co_await client_->open(operation("submitToolOuputsToRun"), std::move(args),
                                       std::move(ro), asio::use_awaitable);
    source_ = sse_source(std::move(body), options_);
    ended_ = saw_done_ = saw_terminal_ = false;
  }

  // Cancels the run on the server and ends this stream (next() then gives nullopt). Reads events
  // until the run's id is known if it is not yet. Answers the run as the cancel left it.
  asio::awaitable<api::run_object> cancel() {
    while (run_id_.empty() && !ended_) {
      auto ev = co_await next();
      if (!ev) break;
    }
    source_.close();
    ended_ = true;
    if (run_id_.empty())
      throw usage_error(error_info{errc::invalid_argument,
                                   0,
                                   "the stream named no run to cancel",
                                   {},
                                   {},
                                   {},
                                   {},
                                   "cancel"});
    call_args args = call_args::make({{"thread_id", thread_id_}, {"run_id", run_id_}});
    co_return co_await client_->call_as<api::run_object>(operation("cancelRun"), std::move(args),
                                                         {}, asio::use_awaitable);
  }

  // Snapshots of the run, messages and run steps from now on (see accumulator.hpp).
  accumulator& enable_accumulator() {
    if (!acc_) acc_ = std::make_unique<accumulator>();
    return *acc_;
  }
  const accumulator* snapshots() const noexcept { return acc_.get(); }

  const std::string& thread_id() const noexcept { return thread_id_; }
  const std::string& run_id() const noexcept { return run_id_; }
  // The last run object a run event carried (nullopt before the first).
  const std::optional<api::run_object>& current_run() const noexcept { return run_; }
  // True after thread.run.requires_action, until submit_tool_outputs().
  bool requires_action() const noexcept {
    return run_ && run_->status == "requires_action" && saw_terminal_;
  }
  // Stops reading; the connection is closed if the body was not finished.
  void close() {
    source_.close();
    ended_ = true;
  }

private:
  // After `done` only the end of the body should follow. Reading it returns the connection to
  // the pool; a server that keeps talking is cut off after a few reads (each bounded by the idle
  // deadline), and an error there changes nothing: the stream was already complete.
  asio::awaitable<void> finish_body() {
    try {
      for (int reads = 0; reads < 4 && !source_.finished(); ++reads)
        if (!co_await source_.next()) break;
    } catch (const std::exception&) {
    }
    source_.close(); // discards the connection only if the body did not end
  }

  void track(const api::stream_event& ev) {
    std::visit(
        [&](const auto& e) {
          using E = std::decay_t<decltype(e)>;
          if constexpr (std::is_same_v<decltype(e.data), api::run_object>) {
            run_ = e.data;
            thread_id_ = e.data.thread_id;
            run_id_ = e.data.id;
            if (is_final_run_event(E::name)) saw_terminal_ = true;
          } else if constexpr (std::is_same_v<E, api::thread_created_event>) {
            thread_id_ = e.data.id;
          }
        },
        ev);
  }

  [[noreturn]] void throw_stream_error(std::string_view data) {
    error_info info;
    info.kind = errc::stream_error;
    info.request_id = source_.request_id();
    info.where = "event stream";
    boost::system::error_code jec;
    json::value v = json::parse(data, jec);
    const json::object* o = jec ? nullptr : v.if_object();
    if (o && o->if_contains("error") && o->at("error").is_object())
      o = &o->at("error").get_object();
    if (!o || !coassist::detail::read_error_object(*o, info))
      info.message = "error event: " + coassist::detail::text_excerpt(data);
    source_.close();
    ended_ = true;
    throw stream_error(std::move(info));
  }

  std::optional<client> client_;
  sse_source source_;
  sse_options options_;
  std::unique_ptr<accumulator> acc_;
  std::optional<api::run_object> run_;
  std::string thread_id_, run_id_;
  bool ended_ = false, saw_done_ = false, saw_terminal_ = false;
};

namespace detail {
// Opens a streamed operation: `stream: true` in the body, text/event-stream accepted.
inline asio::awaitable<run_stream> open_run_stream(client c, const api::operation_info& op,
                                                   call_args args, request_options ro,
                                                   sse_options so) {
  if (args.body && args.body->is_object()) args.body->get_object()["stream"] = true;
  args.event_stream = true;
  auto body = co_await c.open(op, std::move(args), std::move(ro), asio::use_awaitable);
  co_return run_stream(c, sse_source(std::move(body), so), so);
}
} // namespace detail

} // namespace coassist::stream
