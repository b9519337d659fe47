// A streamed response as an async generator of typed events.
//
//   responses::create_response req = ...;
//   auto stream = co_await client.responses().stream(req);
//   stream.enable_accumulator();                                    // optional snapshots
//   while (auto ev = co_await stream.next()) {
//     if (auto* d = std::get_if<responses::response_text_delta_event>(&*ev)) std::cout << d->delta;
//   }
//   const json::object& final = stream.snapshots()->final_response(); // status kept as given
//
// - Events are the 58 typed events of the spec plus responses::unknown_event: a newer server's
//   event types never break a stream (the official Node SDK throws on them).
// - The stream ends after response.completed / .failed / .incomplete (next() then reads the end
//   of the body, so the connection goes back to the pool, and gives nullopt). There is no [DONE].
// - An `error` event (flat, or nested in "error") is thrown as coassist::stream_error with the
//   server's fields. A body that ends before a terminal event is invalid_response_error with
//   errc::stream_truncated. `keepalive` events and SSE comments are skipped.
// - Reads from the socket only when next() is called; destroying the stream (or cancelling the
//   coroutine awaiting next()) closes an unfinished connection.
// - Background responses (`background: true`) survive a dropped connection: the stream reconnects
//   with `GET /responses/{id}?stream=true&starting_after=N`, N the last sequence number handed
//   out, so every sequence number arrives once, in order. Each reconnection waits the retry
//   policy's backoff, is bounded by stream_options::reconnect_timeout, and all of them by
//   max_reconnects and resume_deadline. When the server refuses the resume (400: past its resume
//   window) the stream polls `retrieve` until the response is over and hands out one synthesized
//   terminal event carrying the retrieved response (recovered_by_polling() is then true; its
//   sequence_number is one past the last one handed out). A retrieved `cancelled` response ends
//   the stream without an event; final_status() tells.
#pragma once

#include <coassist/api/client.hpp>
#include <coassist/http/retry_policy.hpp>
#include <coassist/responses/accumulator.hpp>
#include <coassist/responses/detail/event_reader.hpp>
#include <coassist/responses/events.hpp>
#include <coassist/responses/operations.hpp>
#include <coassist/stream/sse_source.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>

namespace coassist::responses {

struct stream_options {
  coassist::stream::sse_options sse{};
  // Reconnect a dropped background stream (see above). Streams of responses that are not
  // background cannot be resumed: a drop is an error as usual.
  bool resume = true;
  int max_reconnects = 8;                              // over the whole stream
  std::chrono::milliseconds reconnect_timeout{30'000}; // one reconnection, until its response head
  std::chrono::milliseconds resume_deadline{120'000};  // from a drop until the stream is back
};

struct resume_options {
  // Ask the server for every event from the start and feed them all to the accumulator (which
  // this enables), but hand out only those after `after_sequence_number`: the snapshot is then
  // complete although the consumer saw the earlier events elsewhere (as the Node SDK does).
  bool rebuild_snapshot = false;
};

class response_stream {
public:
  response_stream() = default;
  response_stream(client c, coassist::stream::sse_source source, stream_options options)
      : client_(std::move(c)), source_(std::move(source)), options_(options) {
    rng_.seed(std::random_device{}());
  }
  response_stream(response_stream&&) noexcept = default;
  response_stream& operator=(response_stream&&) noexcept = default;

  // The next event; nullopt once the stream is over.
  asio::awaitable<std::optional<stream_event>> next() {
    for (;;) {
      if (pending_) { // the terminal event made from a polled response
        stream_event e = std::move(*pending_);
        pending_.reset();
        ended_ = true;
        co_return e;
      }
      if (ended_ || !client_) co_return std::nullopt;
      if (reader_.finished()) { // the call after the terminal event: the body's end, then done
        co_await finish_body();
        ended_ = true;
        co_return std::nullopt;
      }
      std::optional<sse::event_view> raw;
      std::exception_ptr dropped;
      try {
        raw = co_await source_.next();
      } catch (const connection_error&) { // cut, reset, idle timeout (not cancellation)
        dropped = std::current_exception();
      }
      if (!dropped && !raw) {
        if (reader_.finished()) continue;
        try {
          reader_.end_of_body(source_.truncated(), origin());
        } catch (const error&) {
          dropped = std::current_exception();
        }
      }
      if (dropped) {
        if (!resumable()) {
          close();
          std::rethrow_exception(dropped);
        }
        co_await reconnect(dropped);
        continue;
      }
      std::optional<detail::raw_event> ev;
      try {
        ev = reader_.read(raw->type, raw->data, origin());
      } catch (...) {
        close();
        throw;
      }
      if (!ev) continue;
      auto out = take(std::move(*ev));
      if (out) co_return out;
    }
  }

  // Snapshots from now on (see accumulator.hpp). With `start`, the snapshot continues from that
  // Response (e.g. one retrieved before resume()).
  accumulator& enable_accumulator() {
    if (!acc_) acc_ = std::make_unique<accumulator>();
    return *acc_;
  }
  accumulator& enable_accumulator(json::object start) {
    acc_ = std::make_unique<accumulator>(std::move(start));
    return *acc_;
  }
  const accumulator* snapshots() const noexcept { return acc_.get(); }

  // The response's id (known from the first lifecycle event, or given to resume()).
  const std::string& response_id() const noexcept { return response_id_; }
  // The sequence number of the last event handed out.
  std::optional<std::int64_t> last_sequence_number() const noexcept {
    return reader_.last_sequence_number();
  }
  // The status of the last Response seen (lifecycle events or polling): "in_progress",
  // "completed", "failed", "incomplete", "cancelled", ...
  const std::string& status() const noexcept { return status_; }
  bool background() const noexcept { return background_; }
  int reconnects() const noexcept { return reconnects_; }
  bool recovered_by_polling() const noexcept { return polled_; }

  // Stops reading; an unfinished connection is closed.
  void close() {
    source_.close();
    ended_ = true;
  }

  // (used by the resource) what the stream knows before its first event
  void set_known(std::string response_id, bool background, std::optional<std::int64_t> after,
                 std::optional<std::int64_t> hide_through) {
    response_id_ = std::move(response_id);
    background_ = background;
    reader_.continue_after(after);
    hide_through_ = hide_through;
  }

private:
  detail::stream_origin origin() const {
    return {source_.response().status(), source_.request_id()};
  }

  // Decodes a read event, feeds the snapshot; nullopt when it is hidden (rebuild_snapshot).
  std::optional<stream_event> take(detail::raw_event ev) {
    std::optional<stream_event> typed;
    try {
      typed = decode_event(ev.data);
    } catch (const std::exception& e) {
      close();
      detail::throw_stream_failure(errc::invalid_response,
                                   "cannot decode event " + std::string(ev.type) + ": " + e.what(),
                                   origin());
    }
    observe(ev);
    if (acc_) {
      if (auto ec = acc_->apply(ev.type, std::move(ev.data))) {
        close();
        detail::throw_stream_failure(errc::invalid_response,
                                     "snapshot: " + acc_->problem() + " [" + ec.message() + "]",
                                     origin());
      }
    }
    if (hide_through_ && ev.sequence_number && *ev.sequence_number <= *hide_through_)
      return std::nullopt;
    return typed;
  }

  // Lifecycle events tell the response's id, status and whether it runs in the background.
  void observe(const detail::raw_event& ev) {
    if (!is_lifecycle_event(ev.type)) return;
    const json::value* r = ev.data.get_object().if_contains("response");
    const json::object* o = r ? r->if_object() : nullptr;
    if (!o) return;
    if (const json::value* id = o->if_contains("id"); id && id->is_string())
      response_id_ = id->get_string();
    if (const json::value* s = o->if_contains("status"); s && s->is_string())
      status_ = s->get_string();
    if (const json::value* b = o->if_contains("background"); b && b->is_bool())
      background_ = b->get_bool();
  }

  bool resumable() const noexcept {
    return options_.resume && background_ && !response_id_.empty() && !reader_.finished();
  }

  // After `done`-like ends only the end of the body should follow; reading it returns the
  // connection to the pool. A server that keeps talking is cut off after a few reads.
  asio::awaitable<void> finish_body() {
    try {
      for (int reads = 0; reads < 4 && !source_.finished(); ++reads)
        if (!co_await source_.next()) break;
    } catch (const std::exception&) {
    }
    source_.close();
  }

  // Reconnects after `failure` (rethrown when the bounds are spent): the backoff of the client's
  // retry policy before each attempt, each attempt bounded by reconnect_timeout, all of them by
  // max_reconnects and resume_deadline. A 400 answer (past the resume window) switches to polling.
  asio::awaitable<void> reconnect(std::exception_ptr failure) {
    source_.close();
    const auto deadline = std::chrono::steady_clock::now() + options_.resume_deadline;
    const http::retry_policy& policy = client_->options().transport.retry;
    for (int attempt = 0;; ++attempt) {
      if (reconnects_ >= options_.max_reconnects) std::rethrow_exception(failure);
      const auto delay = http::backoff_delay(policy, attempt, unit_(rng_));
      auto now = std::chrono::steady_clock::now();
      if (now + delay >= deadline) std::rethrow_exception(failure);
      asio::steady_timer timer(co_await asio::this_coro::executor, delay);
      co_await timer.async_wait(asio::use_awaitable);
      ++reconnects_;
      now = std::chrono::steady_clock::now();
      request_options ro;
      ro.timeout = std::min(options_.reconnect_timeout,
                            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now));
      call_args args = call_args::make({{"response_id", response_id_}}, {}, resume_query());
      args.event_stream = true;
      auto [ep, body] =
          co_await client_->open(operation("getResponse"), std::move(args), std::move(ro),
                                 asio::experimental::as_tuple(asio::use_awaitable));
      if (!ep) {
        source_ = coassist::stream::sse_source(std::move(body), options_.sse);
        co_return;
      }
      const errc kind = error_info_of(ep).kind;
      if (kind == errc::bad_request) break; // the resume window is over: poll
      if (kind != errc::connection && kind != errc::timeout && kind != errc::internal_server &&
          kind != errc::rate_limit)
        std::rethrow_exception(ep);
      failure = ep;
    }
    co_await poll_to_end();
  }

  call_args::params resume_query() const {
    call_args::params q{{"stream", "true"}};
    if (auto last = reader_.last_sequence_number())
      q.emplace_back("starting_after", std::to_string(*last));
    return q;
  }

  // Retrieves the response until it is over (the client's poll interval, or the server's
  // openai-poll-after-ms; the client's poll_timeout bounds it all). The snapshot takes the
  // retrieved response; a terminal event carrying it is handed out next.
  asio::awaitable<void> poll_to_end() {
    polled_ = true;
    const auto deadline = std::chrono::steady_clock::now() + client_->options().poll_timeout;
    for (;;) {
      response_info info;
      request_options ro;
      ro.info = &info;
      call_args args = call_args::make({{"response_id", response_id_}});
      json::value r = co_await client_->call(operation("getResponse"), std::move(args),
                                             std::move(ro), asio::use_awaitable);
      if (take_polled(r)) co_return;
      const auto wait = poll_wait(info, deadline);
      asio::steady_timer timer(co_await asio::this_coro::executor, wait);
      co_await timer.async_wait(asio::use_awaitable);
    }
  }

  // Notes a retrieved response's status; true (and the stream finished) when it is over.
  bool take_polled(json::value& r) {
    const json::object* o = r.if_object();
    const json::value* s = o ? o->if_contains("status") : nullptr;
    if (!s || !s->is_string())
      detail::throw_stream_failure(errc::invalid_response, "the retrieved response has no status",
                                   origin());
    status_ = s->get_string();
    if (status_ != "completed" && status_ != "failed" && status_ != "incomplete" &&
        status_ != "cancelled")
      return false;
    finish_by_poll(std::move(r));
    return true;
  }

  // How long to wait before the next retrieve (the server's hint, else the client's interval);
  // throws when that passes the polling deadline. (Not in the coroutine: g++ 12.)
  std::chrono::milliseconds poll_wait(const response_info& info,
                                      std::chrono::steady_clock::time_point deadline) const {
    auto wait = client_->options().poll_interval;
    if (auto hint = info.headers.find("openai-poll-after-ms"))
      if (auto ms = http::detail::parse_decimal(*hint))
        wait = std::chrono::milliseconds(static_cast<std::int64_t>(std::min(*ms, 60000.0)));
    if (std::chrono::steady_clock::now() + wait >= deadline)
      detail::throw_stream_failure(
          errc::timeout, "the response was still " + status_ + " when the polling deadline passed",
          origin());
    return wait;
  }

  void finish_by_poll(json::value response) {
    ended_ = true;
    if (status_ == "cancelled") { // no terminal event exists for it: the snapshot alone tells
      if (acc_) acc_->finish(std::move(response.get_object()));
      return;
    }
    json::object ev;
    ev["type"] = "response." + status_;
    ev["response"] = std::move(response);
    ev["sequence_number"] = reader_.last_sequence_number().value_or(-1) + 1;
    json::value v(std::move(ev));
    std::string type = "response." + status_;
    detail::raw_event raw{type, std::move(v), reader_.last_sequence_number().value_or(-1) + 1};
    reader_.continue_after(raw.sequence_number);
    hide_through_.reset();
    pending_ = take(std::move(raw));
  }

  std::optional<client> client_;
  coassist::stream::sse_source source_;
  stream_options options_;
  detail::event_reader reader_;
  std::unique_ptr<accumulator> acc_;
  std::optional<stream_event> pending_;
  std::optional<std::int64_t> hide_through_;
  std::string response_id_, status_;
  bool background_ = false, ended_ = false, polled_ = false;
  int reconnects_ = 0;
  std::minstd_rand rng_;
  std::uniform_real_distribution<double> unit_{0.0, 1.0};
};

namespace detail {

// Opens `POST /responses` with `stream: true` (the request's other fields as given).
inline asio::awaitable<response_stream>
open_response_stream(client c, json::value body, stream_options so, request_options ro) {
  bool background = false;
  if (json::object* o = body.if_object()) {
    (*o)["stream"] = true;
    if (const json::value* b = o->if_contains("background"); b && b->is_bool())
      background = b->get_bool();
  }
  call_args args = call_args::make({}, std::move(body));
  args.event_stream = true;
  auto s = co_await c.open(operation("createResponse"), std::move(args), std::move(ro),
                           asio::use_awaitable);
  response_stream out(c, coassist::stream::sse_source(std::move(s), so.sse), so);
  out.set_known({}, background, std::nullopt, std::nullopt);
  co_return out;
}

// Opens `GET /responses/{id}?stream=true[&starting_after=N]`.
inline asio::awaitable<response_stream> open_resumed_stream(client c, std::string response_id,
                                                            std::optional<std::int64_t> after,
                                                            resume_options rs, stream_options so,
                                                            request_options ro) {
  call_args::params q{{"stream", "true"}};
  if (after && !rs.rebuild_snapshot) q.emplace_back("starting_after", std::to_string(*after));
  call_args args = call_args::make({{"response_id", response_id}}, {}, std::move(q));
  args.event_stream = true;
  auto s = co_await c.open(operation("getResponse"), std::move(args), std::move(ro),
                           asio::use_awaitable);
  response_stream out(c, coassist::stream::sse_source(std::move(s), so.sse), so);
  // only background responses can be streamed again, so this one is resumable too
  out.set_known(std::move(response_id), true, rs.rebuild_snapshot ? std::nullopt : after,
                rs.rebuild_snapshot ? after : std::nullopt);
  if (rs.rebuild_snapshot) out.enable_accumulator();
  co_return out;
}

} // namespace detail

// The same as client.responses().stream(req) / .resume(id, n), as free functions taking any
// completion token. Completion: void(std::exception_ptr, response_stream).
template <class Request, class Token = asio::use_awaitable_t<>>
auto stream_response(const client& c, const Request& req, stream_options so = {},
                     request_options ro = {}, Token&& token = {}) {
  return asio::co_spawn(c.get_executor(),
                        detail::open_response_stream(c, json::value_from(req), so, std::move(ro)),
                        std::forward<Token>(token));
}

template <class Token = asio::use_awaitable_t<>>
auto resume_response(const client& c, std::string response_id,
                     std::optional<std::int64_t> after_sequence_number, resume_options rs = {},
                     stream_options so = {}, request_options ro = {}, Token&& token = {}) {
  return asio::co_spawn(c.get_executor(),
                        detail::open_resumed_stream(c, std::move(response_id),
                                                    after_sequence_number, rs, so, std::move(ro)),
                        std::forward<Token>(token));
}

} // namespace coassist::responses
