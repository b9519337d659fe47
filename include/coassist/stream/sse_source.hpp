// Server-sent events pulled from an HTTP response stream: the protocol-neutral half of every
// streamed API (Assistants runs today, the Responses API later). It reads from the socket only
// when the consumer asks for the next event, so a slow consumer never makes it buffer more than
// one read plus one event (bounded by sse::limits).
//
//   stream::sse_source src(std::move(response_stream), {.idle_timeout = 30s});
//   while (auto ev = co_await src.next()) use(ev->type, ev->data);  // views: valid until next()
//   if (src.truncated()) ...  // the body ended inside an event
//
// Failures are thrown as coassist errors: connection_error (the read failed, the connection was
// cut), timeout_error (no event within idle_timeout), invalid_response_error (a line or event over
// the limits). Destroying the source before the end closes the connection (no draining), so an
// early stop never leaves a half-read response in the pool.
#pragma once

#include <coassist/api/error.hpp>
#include <coassist/config.hpp>
#include <coassist/detail/asio.hpp>
#include <coassist/net/http_client.hpp>
#include <coassist/sse/parser.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace coassist::stream {

struct sse_options {
  sse::limits limits{};
  // Longest wait for the next event (comments and keep-alive bytes do not count). nullopt: only
  // the transport's idle timeout between reads applies.
  std::optional<std::chrono::milliseconds> idle_timeout{};
};

class sse_source {
public:
  sse_source() = default;
  explicit sse_source(net::response_stream body, sse_options options = {})
      : body_(std::move(body)), options_(options), parser_(options.limits), status_(body_.status()),
        request_id_(body_.request_id().value_or("")) {}
  sse_source(sse_source&&) noexcept = default;
  sse_source& operator=(sse_source&&) noexcept = default;

  // The next event, or nullopt at the end of the body. The views stay valid until the next call.
  asio::awaitable<std::optional<sse::event_view>> next() {
    if (!open_) co_return std::nullopt;
    const auto deadline = options_.idle_timeout
                              ? std::chrono::steady_clock::now() + *options_.idle_timeout
                              : std::chrono::steady_clock::time_point::max();
    for (;;) {
      std::error_code ec;
      if (auto ev = parser_.next(ec)) co_return ev;
      if (ec) {
        close();
        throw invalid_response_error(error_info{errc::invalid_response,
                                                body_status(),
                                                "event stream: " + ec.message(),
                                                {},
                                                {},
                                                {},
                                                request_id(),
                                                "read event stream"});
      }
      if (eof_) {
        truncated_ = parser_.finish();
        open_ = false;
        co_return std::nullopt;
      }
      std::string_view chunk = co_await read_some(deadline);
      if (chunk.empty())
        eof_ = true;
      else
        parser_.feed(chunk);
    }
  }

  // The body ended inside an unfinished event (a cut stream), known once next() gave nullopt.
  bool truncated() const noexcept { return truncated_; }
  // The body was read to its end, so the connection went back to its pool.
  bool finished() const noexcept { return eof_; }
  const net::response_stream& response() const noexcept { return body_; }
  // (kept from the response head: errors raised after close() still name the request)
  const std::string& request_id() const noexcept { return request_id_; }

  // Stops: an unfinished body closes the connection.
  void close() {
    open_ = false;
    body_.close();
  }

private:
  int body_status() const { return status_; }

  asio::awaitable<std::string_view> read_some(std::chrono::steady_clock::time_point deadline) {
    using namespace asio::experimental::awaitable_operators;
    std::error_code ec;
    std::string_view chunk;
    if (deadline == std::chrono::steady_clock::time_point::max()) {
      std::tie(ec, chunk) =
          co_await body_.async_read_some(asio::experimental::as_tuple(asio::use_awaitable));
    } else {
      asio::steady_timer timer(co_await asio::this_coro::executor, deadline);
      auto winner =
          co_await (body_.async_read_some(asio::experimental::as_tuple(asio::use_awaitable)) ||
                    timer.async_wait(asio::experimental::as_tuple(asio::use_awaitable)));
      if (winner.index() == 1) {
        close();
        throw timeout_error(error_info{errc::timeout,
                                       body_status(),
                                       "no server-sent event within the idle timeout",
                                       {},
                                       {},
                                       {},
                                       request_id(),
                                       "read event stream"});
      }
      std::tie(ec, chunk) = std::get<0>(winner);
    }
    if (ec) {
      close();
      errc kind = ec == asio::error::operation_aborted ? errc::cancelled
                  : ec == net::error::idle_timeout     ? errc::timeout
                  : http::is_framing_error(ec)         ? errc::invalid_response
                                                       : errc::connection;
      error_info info{kind, body_status(), ec.message(),       {}, {},
                      {},   request_id(),  "read event stream"};
      std::rethrow_exception(make_error(std::move(info)));
    }
    co_return chunk;
  }

  net::response_stream body_;
  sse_options options_;
  sse::parser parser_;
  bool open_ = true;
  bool eof_ = false;
  bool truncated_ = false;
  int status_ = 0;
  std::string request_id_;
};

} // namespace coassist::stream
