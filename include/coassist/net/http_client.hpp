// coassist::net::http_client: HTTP/1.1 over TCP/TLS with a keep-alive pool per origin,
// deadlines, cancellation, retries and streamed responses.
//
//   asio::io_context io;
//   net::http_client client(io.get_executor(), net::client_options{});
//   net::request req{"GET", net::base_url("https://api.example.com/v1").make_url("/models")};
//   net::response r = co_await client.async_send(req, {}, asio::use_awaitable);   // whole body
//   net::response_stream s = co_await client.async_open(req, {}, asio::use_awaitable);
//   for (;;) { auto chunk = co_await s.async_read_some(asio::use_awaitable); if (chunk.empty())
//   break; }
//
// Every async_* operation completes with `void(std::error_code, T)` and accepts any completion
// token (use_awaitable, callbacks, use_future, experimental::as_tuple(...), deferred). Failure
// details (stage, host:port, status, attempts) go to request_options::diag; the coroutine
// helpers send()/open() throw transport_error carrying them instead.
//
// Semantics:
//  - An HTTP error status is not a transport error: the response is returned (after the retries
//    the policy allows for 408/409/429/5xx), and the caller maps it.
//  - Retries: see retry.hpp. A stale pooled connection (write/read failed with no response byte)
//    is retried once more, immediately, outside the retry budget (after a complete write: only
//    for idempotent methods, as a POST may have been applied). Every attempt sends
//    `x-stainless-retry-count` (0, 1, ...) unless client_options::send_retry_count_header is off.
//  - Pool: per (scheme, host, port, proxy); a connection goes back only after a complete,
//    keep-alive response with no extra bytes; any error, cancellation or early close closes it.
//  - Cancellation: through the completion token's cancellation slot (terminal, partial or total);
//    the operation completes promptly with asio::error::operation_aborted.
//  - Threads: a client and its streams are used from one thread at a time (its executor, or a
//    strand): the pool is not locked.
#pragma once

#include <coassist/config.hpp>
#include <coassist/detail/asio.hpp>
#include <coassist/net/body.hpp>
#include <coassist/net/detail/client_state.hpp>
#include <coassist/net/error.hpp>
#include <coassist/net/message.hpp>
#include <coassist/net/options.hpp>
#include <coassist/net/proxy.hpp>
#include <coassist/net/retry.hpp>
#include <coassist/net/url.hpp>

#include <exception>
#include <memory>
#include <string_view>
#include <tuple>
#include <utility>

namespace coassist::net {

namespace detail {

// Adapts co_spawn's `void(std::exception_ptr, std::tuple<error_code, T>)` to the user's
// `void(error_code, T)` handler, keeping the handler's executor and cancellation slot.
template <class T, class Handler, class DefaultExecutor> struct completion_adaptor {
  Handler handler;
  DefaultExecutor fallback;

  using executor_type = asio::associated_executor_t<Handler, DefaultExecutor>;
  executor_type get_executor() const noexcept {
    return asio::get_associated_executor(handler, fallback);
  }
  using cancellation_slot_type = asio::associated_cancellation_slot_t<Handler>;
  cancellation_slot_type get_cancellation_slot() const noexcept {
    return asio::get_associated_cancellation_slot(handler);
  }

  void operator()(std::exception_ptr ep, std::tuple<std::error_code, T> r) {
    if (ep) { // the engine catches its own failures; this is resource exhaustion and the like
      std::move(handler)(make_error_code(std::errc::not_enough_memory), T{});
      return;
    }
    std::move(handler)(std::get<0>(r), std::move(std::get<1>(r)));
  }
};

template <class T, class Handler, class Executor>
completion_adaptor<T, std::decay_t<Handler>, Executor> adapt(Handler&& h, const Executor& ex) {
  return {std::forward<Handler>(h), ex};
}

struct stream_state {
  std::shared_ptr<client_state> client;
  lease conn;
  response head; // status, reason, headers (body unused)
  bool done = false;
  bool closed = false;
};

} // namespace detail

// A response whose body is pulled chunk by chunk. Reads from the socket only when pulled.
// Move-only. Destroying or close()-ing it before the end closes the connection (no draining:
// the remainder of an SSE stream can be unbounded); after the end it is back in the pool.
class response_stream {
public:
  response_stream() = default;
  response_stream(response_stream&&) noexcept = default;
  response_stream& operator=(response_stream&& o) noexcept {
    if (this != &o) {
      close();
      st_ = std::move(o.st_);
    }
    return *this;
  }
  ~response_stream() { close(); }

  // The head of the response. Only on a stream returned by async_open (not moved from/closed).
  int status() const { return st_ ? st_->head.status : 0; }
  const std::string& reason() const { return st_->head.reason; }
  const http::fields& headers() const { return st_->head.headers; }
  std::optional<std::string_view> request_id() const {
    return st_ ? st_->head.request_id() : std::nullopt; // (nothing after close())
  }
  // Trailer fields (chunked responses), valid once done().
  const http::fields& trailers() const { return st_->head.trailers; }
  bool done() const { return st_ && st_->done; }

  // Completes with the next body bytes: a view valid until the next call or close(). An empty
  // view means the body is complete (the connection is back in its pool). Bounded by the
  // client's idle_timeout between reads. Signature: void(std::error_code, std::string_view).
  template <class CompletionToken> auto async_read_some(CompletionToken&& token) {
    return asio::async_initiate<CompletionToken, void(std::error_code, std::string_view)>(
        [](auto handler, std::shared_ptr<detail::stream_state> st) {
          auto ex = st ? st->client->ex : asio::get_associated_executor(handler);
          asio::co_spawn(ex, read_some_impl(std::move(st)),
                         detail::adapt<std::string_view>(std::move(handler), ex));
        },
        token, st_);
  }

  // Reads the rest of the body into one string. Signature: void(std::error_code, std::string).
  template <class CompletionToken> auto async_read_all(CompletionToken&& token) {
    return asio::async_initiate<CompletionToken, void(std::error_code, std::string)>(
        [](auto handler, std::shared_ptr<detail::stream_state> st) {
          auto ex = st ? st->client->ex : asio::get_associated_executor(handler);
          asio::co_spawn(ex, read_all_impl(std::move(st)),
                         detail::adapt<std::string>(std::move(handler), ex));
        },
        token, st_);
  }

  // Stops reading: an unfinished body closes the connection.
  void close() {
    if (!st_) return;
    st_->closed = true;
    if (!st_->done) st_->conn.discard();
    st_.reset();
  }

private:
  friend class http_client;
  explicit response_stream(std::shared_ptr<detail::stream_state> st) : st_(std::move(st)) {}

  static asio::awaitable<std::tuple<std::error_code, std::string_view>>
  read_some_impl(std::shared_ptr<detail::stream_state> st) {
    co_await asio::this_coro::throw_if_cancelled(false);
    co_await asio::this_coro::reset_cancellation_state(asio::enable_total_cancellation());
    if (!st || st->closed || (!st->done && !st->conn))
      co_return std::tuple{make_error_code(error::stream_closed), std::string_view{}};
    if (st->done) co_return std::tuple{std::error_code{}, std::string_view{}};
    bool got_head = false, done = false;
    std::string_view chunk;
    // close() may drop the lease while we read: keep the connection alive until we resume
    auto keep = st->conn.shared();
    auto e = co_await detail::next_event(*keep, st->client->opts.idle_timeout,
                                         detail::clock::time_point::max(), got_head, chunk, done);
    auto cs = co_await asio::this_coro::cancellation_state;
    if (cs.cancelled() != asio::cancellation_type::none)
      e = detail::step_error{stage::cancelled, asio::error::operation_aborted};
    if (!e && !st->conn) e = detail::step_error{stage::read, error::stream_closed};
    if (e) {
      st->conn.discard(); // never reused after an error or a cancellation mid-body
      co_return std::tuple{e.ec, std::string_view{}};
    }
    if (done) {
      st->done = true;
      st->head.trailers = st->conn->parser().trailers();
      st->conn.release();
    }
    co_return std::tuple{std::error_code{}, chunk};
  }

  static asio::awaitable<std::tuple<std::error_code, std::string>>
  read_all_impl(std::shared_ptr<detail::stream_state> st) {
    std::string all;
    for (;;) {
      auto [ec, chunk] = co_await read_some_impl(st);
      if (ec) co_return std::tuple{ec, std::move(all)};
      if (chunk.empty()) co_return std::tuple{std::error_code{}, std::move(all)};
      all.append(chunk);
    }
  }

  std::shared_ptr<detail::stream_state> st_;
};

class http_client {
public:
  using executor_type = asio::any_io_executor;

  // Throws std::system_error when a configured CA file/dir cannot be loaded.
  explicit http_client(asio::any_io_executor ex, client_options options = {})
      : st_(std::make_shared<detail::client_state>(std::move(ex), std::move(options))) {}
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;
  http_client(http_client&&) noexcept = default;
  http_client& operator=(http_client&&) noexcept = default;
  // Closes idle pooled connections; operations and streams still running keep what they use.
  ~http_client() {
    if (!st_) return;
    for (auto& [key, pool] : st_->pools)
      for (auto& c : pool.take_idle())
        c->close();
  }

  executor_type get_executor() const noexcept { return st_->ex; }
  const client_options& options() const noexcept { return st_->opts; }
  const client_stats& stats() const noexcept { return st_->stats; }

  // Sends the request and reads the whole response. Signature: void(std::error_code, response).
  template <class CompletionToken>
  auto async_send(request req, request_options ro, CompletionToken&& token) {
    return asio::async_initiate<CompletionToken, void(std::error_code, response)>(
        [](auto handler, std::shared_ptr<detail::client_state> st, request req,
           request_options ro) {
          auto ex = st->ex;
          asio::co_spawn(ex, send_impl(std::move(st), std::move(req), ro),
                         detail::adapt<response>(std::move(handler), ex));
        },
        token, st_, std::move(req), ro);
  }

  // Sends the request and completes once the response head is in; the body is then pulled from
  // the stream. Signature: void(std::error_code, response_stream).
  template <class CompletionToken>
  auto async_open(request req, request_options ro, CompletionToken&& token) {
    return asio::async_initiate<CompletionToken, void(std::error_code, response_stream)>(
        [](auto handler, std::shared_ptr<detail::client_state> st, request req,
           request_options ro) {
          auto ex = st->ex;
          asio::co_spawn(ex, open_impl(std::move(st), std::move(req), ro),
                         detail::adapt<response_stream>(std::move(handler), ex));
        },
        token, st_, std::move(req), ro);
  }

  // Coroutine helpers that throw transport_error (with stage, host:port, status) on failure.
  asio::awaitable<response> send(request req, request_options ro = {}) {
    diagnostics d;
    auto* user = ro.diag;
    ro.diag = &d;
    auto [ec, r] =
        co_await async_send(std::move(req), ro, asio::experimental::as_tuple(asio::use_awaitable));
    if (user) *user = d;
    if (ec) throw transport_error(std::move(d));
    co_return std::move(r);
  }
  asio::awaitable<response_stream> open(request req, request_options ro = {}) {
    diagnostics d;
    auto* user = ro.diag;
    ro.diag = &d;
    auto [ec, s] =
        co_await async_open(std::move(req), ro, asio::experimental::as_tuple(asio::use_awaitable));
    if (user) *user = d;
    if (ec) throw transport_error(std::move(d));
    co_return std::move(s);
  }

private:
  static asio::awaitable<std::tuple<std::error_code, response>>
  send_impl(std::shared_ptr<detail::client_state> st, request req, request_options ro) {
    response r;
    detail::lease unused;
    auto ec = co_await detail::run_request(st, req, ro, false, r, unused);
    co_return std::tuple{ec, std::move(r)};
  }

  static asio::awaitable<std::tuple<std::error_code, response_stream>>
  open_impl(std::shared_ptr<detail::client_state> st, request req, request_options ro) {
    auto s = std::make_shared<detail::stream_state>();
    s->client = st;
    auto ec = co_await detail::run_request(st, req, ro, true, s->head, s->conn);
    if (ec) co_return std::tuple{ec, response_stream{}};
    co_return std::tuple{ec, response_stream(std::move(s))};
  }

  std::shared_ptr<detail::client_state> st_;
};

} // namespace coassist::net
