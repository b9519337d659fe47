// One HTTP/1.1 connection: TCP (+ TLS), its read buffer, its response parser, and the I/O
// primitives of the transport, each raced against a deadline timer.
#pragma once

#include <coassist/config.hpp>
#include <coassist/detail/asio.hpp>
#include <coassist/http/request.hpp>
#include <coassist/http/response_parser.hpp>
#include <coassist/net/error.hpp>
#include <coassist/net/options.hpp>
#include <coassist/net/proxy.hpp>
#include <coassist/net/url.hpp>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <array>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>

namespace coassist::net::detail {

using clock = std::chrono::steady_clock;
using asio::experimental::deferred;

// The result of one step: what failed and why (ec == {} on success).
struct step_error {
  net::stage stage = net::stage::none;
  std::error_code ec;
  explicit operator bool() const { return static_cast<bool>(ec); }
};

// The deadline of one I/O: the idle/connect limit or the overall deadline, whichever is first;
// `which` is the error reported when it passes.
struct io_deadline {
  clock::time_point at;
  net::error which;
};

COASSIST_DECL io_deadline earliest(clock::time_point local, net::error local_error,
                                   clock::time_point overall) {
  if (overall <= local) return {overall, net::error::deadline_exceeded};
  return {local, local_error};
}

// Builds the TLS context of a client from its options.
COASSIST_DECL std::shared_ptr<asio::ssl::context> make_tls_context(const tls_options& o) {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  // TLS 1.2 minimum; 1.3 stays allowed (tlsv12_client would cap the maximum at 1.2)
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_compression);
  if (o.use_system_trust_store) ctx->set_default_verify_paths(); // honours SSL_CERT_FILE/_DIR
  if (!o.ca_file.empty()) ctx->load_verify_file(o.ca_file);
  if (!o.ca_dir.empty()) ctx->add_verify_path(o.ca_dir);
  ctx->set_verify_mode(o.insecure_disable_verification_for_testing_only ? asio::ssl::verify_none
                                                                        : asio::ssl::verify_peer);
  return ctx;
}

class connection {
public:
  using tls_stream = asio::ssl::stream<asio::ip::tcp::socket>;

  connection(const asio::any_io_executor& ex, asio::ssl::context& tls_ctx, bool tls,
             http::parser_limits limits, std::uint64_t id)
      : stream_(ex, tls_ctx), timer_(ex), tls_(tls), parser_(limits), id_(id) {
    buffer_.resize(16 * 1024);
  }

  std::uint64_t id() const { return id_; }
  bool tls() const { return tls_; }
  bool reused = false; // served a previous response (stale-retry decision)
  http::response_parser& parser() { return parser_; }
  asio::ip::tcp::socket& socket() { return stream_.next_layer(); }

  // Unparsed bytes read from the socket.
  std::string_view buffered() const { return {buffer_.data() + begin_, end_ - begin_}; }
  void consume(std::size_t n) { begin_ += n; }

  void close() {
    std::error_code ignored;
    timer_.cancel();
    socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket().close(ignored);
  }
  bool is_open() const { return stream_.next_layer().is_open(); }

  // A pooled connection the server has closed (EOF or unexpected bytes readable): not reusable.
  bool looks_dead() {
    if (!is_open()) return true;
    std::error_code ec;
    socket().non_blocking(true, ec);
    char probe;
    auto n = ::recv(socket().native_handle(), &probe, 1, MSG_PEEK | MSG_DONTWAIT);
    socket().non_blocking(false, ec);
    if (n == 0) return true; // orderly close
    if (n > 0) return true;  // bytes nobody asked for (or a TLS alert): unusable
    return !(errno == EAGAIN || errno == EWOULDBLOCK);
  }

  // ---- connecting ----

  // Resolves `host`, tries every address in turn (each bounded by connect_timeout) and sets
  // TCP_NODELAY. The lookup itself is abandoned (not awaited) when the deadline passes, since
  // the system resolver cannot be interrupted.
  asio::awaitable<step_error> connect_tcp(const origin& to,
                                          std::chrono::milliseconds connect_timeout,
                                          clock::time_point overall) {
    auto ex = co_await asio::this_coro::executor;
    auto dl = earliest(clock::now() + connect_timeout, net::error::connect_timeout, overall);
    asio::ip::tcp::resolver::results_type endpoints;
    {
      struct lookup {
        explicit lookup(const asio::any_io_executor& e) : resolver(e), done(e) {}
        asio::ip::tcp::resolver resolver;
        asio::steady_timer done;
        asio::ip::tcp::resolver::results_type results;
        std::error_code ec;
        bool finished = false;
      };
      auto st = std::make_shared<lookup>(ex);
      auto flags =
          to.host_is_ip ? asio::ip::resolver_base::numeric_host : asio::ip::resolver_base::flags();
      st->resolver.async_resolve(to.host, std::to_string(to.port), flags,
                                 [st](std::error_code ec, asio::ip::tcp::resolver::results_type r) {
                                   st->ec = ec;
                                   st->results = std::move(r);
                                   st->finished = true;
                                   st->done.cancel();
                                 });
      if (!st->finished) {
        st->done.expires_at(dl.at);
        auto [ec] = co_await st->done.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
        if (!st->finished) {
          st->resolver.cancel();
          if (!ec) co_return step_error{net::stage::resolve, dl.which};
          co_return step_error{net::stage::cancelled, asio::error::operation_aborted};
        }
      }
      if (st->ec) co_return step_error{net::stage::resolve, st->ec};
      endpoints = std::move(st->results);
    }
    if (endpoints.empty()) co_return step_error{net::stage::resolve, net::error::no_addresses};
    std::error_code last = net::error::no_addresses;
    for (const auto& entry : endpoints) {
      std::error_code ignored;
      socket().close(ignored);
      auto per_address =
          earliest(clock::now() + connect_timeout, net::error::connect_timeout, overall);
      auto ec = co_await race(socket().async_connect(entry.endpoint(), deferred), per_address);
      if (!ec) {
        socket().set_option(asio::ip::tcp::no_delay(true), ignored);
        co_return step_error{};
      }
      last = ec;
      if (ec == asio::error::operation_aborted || ec == net::error::deadline_exceeded) break;
    }
    socket().close();
    co_return classify(net::stage::connect, last);
  }

  // Opens a CONNECT tunnel to `target` through the proxy this socket is connected to.
  asio::awaitable<step_error> proxy_connect(const origin& target, const std::string& authorization,
                                            std::chrono::milliseconds connect_timeout,
                                            clock::time_point overall, int& proxy_status) {
    auto dl = earliest(clock::now() + connect_timeout, net::error::connect_timeout, overall);
    std::string req =
        "CONNECT " + target.authority() + " HTTP/1.1\r\nHost: " + target.authority() + "\r\n";
    if (!authorization.empty()) req += "Proxy-Authorization: " + authorization + "\r\n";
    req += "\r\n";
    auto [wec, wn] = co_await race_n(asio::async_write(socket(), asio::buffer(req), deferred), dl);
    (void)wn;
    if (wec) co_return classify(net::stage::proxy, wec);
    // a 2xx answer to CONNECT has no body: parse it as the answer to a HEAD request
    http::response_parser p;
    p.reset(true);
    for (;;) {
      std::error_code pec;
      auto r = p.parse(buffered(), pec);
      consume(r.consumed);
      if (pec) co_return step_error{net::stage::proxy, net::error::proxy_bad_response};
      if (r.event == http::parse_event::head) {
        proxy_status = p.head().status;
        if (p.head().status < 200 || p.head().status > 299)
          co_return step_error{net::stage::proxy, net::error::proxy_refused};
        continue;
      }
      if (r.event == http::parse_event::message_complete) break;
      if (r.event == http::parse_event::body) continue;
      auto ec = co_await fill_plain(dl);
      if (ec == asio::error::eof)
        co_return step_error{net::stage::proxy, net::error::proxy_bad_response};
      if (ec) co_return classify(net::stage::proxy, ec);
    }
    // the origin speaks only after our ClientHello: anything buffered now is garbage
    if (!buffered().empty())
      co_return step_error{net::stage::proxy, net::error::proxy_bad_response};
    co_return step_error{};
  }

  // TLS handshake with SNI (names only) and host name / IP verification.
  asio::awaitable<step_error> handshake(const origin& to, bool verify,
                                        std::chrono::milliseconds connect_timeout,
                                        clock::time_point overall) {
    SSL* ssl = stream_.native_handle();
    if (!to.host_is_ip) {
      if (!SSL_set_tlsext_host_name(ssl, to.host.c_str()))
        co_return step_error{net::stage::tls, asio::error::invalid_argument};
    }
    if (verify) {
      int ok = to.host_is_ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), to.host.c_str())
                             : SSL_set1_host(ssl, to.host.c_str());
      if (ok != 1) co_return step_error{net::stage::tls, asio::error::invalid_argument};
    }
    auto dl = earliest(clock::now() + connect_timeout, net::error::connect_timeout, overall);
    auto ec = co_await race(stream_.async_handshake(asio::ssl::stream_base::client, deferred), dl);
    if (ec) co_return classify(net::stage::tls, ec);
    co_return step_error{};
  }

  // ---- request / response I/O ----

  asio::awaitable<std::error_code> write(asio::const_buffer b, io_deadline dl) {
    std::array<asio::const_buffer, 1> one{b};
    co_return co_await write(one, dl);
  }
  template <class Buffers>
  asio::awaitable<std::error_code> write(const Buffers& b, io_deadline dl) {
    if (tls_) {
      auto [ec, n] = co_await race_n(asio::async_write(stream_, b, deferred), dl);
      (void)n;
      co_return ec;
    }
    auto [ec, n] = co_await race_n(asio::async_write(socket(), b, deferred), dl);
    (void)n;
    co_return ec;
  }

  // Reads more bytes into the buffer (compacting it first). asio::error::eof at the end.
  asio::awaitable<std::error_code> fill(io_deadline dl) {
    prepare_space();
    auto space = asio::buffer(buffer_.data() + end_, buffer_.size() - end_);
    std::error_code ec;
    std::size_t n = 0;
    if (tls_)
      std::tie(ec, n) = co_await race_n(stream_.async_read_some(space, deferred), dl);
    else
      std::tie(ec, n) = co_await race_n(socket().async_read_some(space, deferred), dl);
    end_ += n;
    if (n > 0 && ec == asio::error::eof) ec = {};
    co_return ec;
  }

  asio::awaitable<std::error_code> fill_plain(io_deadline dl) {
    prepare_space();
    auto space = asio::buffer(buffer_.data() + end_, buffer_.size() - end_);
    auto [ec, n] = co_await race_n(socket().async_read_some(space, deferred), dl);
    end_ += n;
    if (n > 0 && ec == asio::error::eof) ec = {};
    co_return ec;
  }

  // Maps an I/O failure to the stage to report: the caller's stage, or timeout/cancelled.
  static step_error classify(net::stage st, std::error_code ec) {
    if (ec.category() == net::error_category() &&
        (ec == net::error::connect_timeout || ec == net::error::idle_timeout ||
         ec == net::error::deadline_exceeded))
      return {net::stage::timeout, ec};
    if (ec == asio::error::operation_aborted) return {net::stage::cancelled, ec};
    return {st, ec};
  }

private:
  void prepare_space() {
    if (begin_ == end_) {
      begin_ = end_ = 0;
    } else if (begin_ > 0) {
      std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    if (end_ == buffer_.size()) buffer_.resize(buffer_.size() * 2);
  }

  // Races a deferred operation completing with (error_code) against the deadline.
  template <class Op> asio::awaitable<std::error_code> race(Op op, io_deadline dl) {
    timer_.expires_at(dl.at);
    auto [order, ec, tec] =
        co_await asio::experimental::make_parallel_group(std::move(op), timer_.async_wait(deferred))
            .async_wait(asio::experimental::wait_for_one(), asio::use_awaitable);
    if (order[0] == 1 && !tec) co_return make_error_code(dl.which);
    co_return ec;
  }
  // Same for operations completing with (error_code, std::size_t).
  template <class Op>
  asio::awaitable<std::tuple<std::error_code, std::size_t>> race_n(Op op, io_deadline dl) {
    timer_.expires_at(dl.at);
    auto [order, ec, n, tec] =
        co_await asio::experimental::make_parallel_group(std::move(op), timer_.async_wait(deferred))
            .async_wait(asio::experimental::wait_for_one(), asio::use_awaitable);
    if (order[0] == 1 && !tec) co_return std::tuple{make_error_code(dl.which), n};
    co_return std::tuple{ec, n};
  }

  tls_stream stream_;
  asio::steady_timer timer_;
  bool tls_;
  http::response_parser parser_;
  std::uint64_t id_;
  std::string buffer_;
  std::size_t begin_ = 0, end_ = 0;
};

} // namespace coassist::net::detail
