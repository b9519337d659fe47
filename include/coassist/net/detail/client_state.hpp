// The shared state of an http_client (pools, TLS context, options) and the request engine:
// acquire a connection, write the request, read the head (and the body), retry.
#pragma once

#include <coassist/config.hpp>
#include <coassist/detail/asio.hpp>
#include <coassist/http/request.hpp>
#include <coassist/net/detail/connection.hpp>
#include <coassist/net/detail/pool_core.hpp>
#include <coassist/net/message.hpp>
#include <coassist/net/options.hpp>
#include <coassist/net/proxy.hpp>
#include <coassist/net/retry.hpp>
#include <coassist/net/url.hpp>

#include <map>
#include <memory>
#include <random>
#include <string>

namespace coassist::net {

// Counters of one client (for tests, benchmarks and monitoring).
struct client_stats {
  std::uint64_t connections_opened = 0; // TCP connections established
  std::uint64_t connections_reused = 0; // requests sent on a pooled connection
  std::uint64_t requests_sent = 0;      // attempts that started writing a request
  std::uint64_t retries = 0;            // attempts beyond the first, stale retries included
};

namespace detail {

struct pool_waiter {
  explicit pool_waiter(const asio::any_io_executor& ex) : timer(ex) {}
  asio::steady_timer timer;
  bool notified = false;
};

using conn_ptr = std::shared_ptr<connection>;
using origin_pool = pool_core<conn_ptr, pool_waiter>;

struct client_state {
  client_state(asio::any_io_executor e, client_options o)
      : ex(std::move(e)), opts(std::move(o)), tls(make_tls_context(opts.tls)),
        rng(std::random_device{}()) {}

  asio::any_io_executor ex;
  client_options opts;
  std::shared_ptr<asio::ssl::context> tls;
  std::map<std::string, origin_pool> pools;
  std::minstd_rand rng;
  std::uint64_t next_connection_id = 1;
  client_stats stats;

  origin_pool& pool(const std::string& key) {
    auto it = pools.find(key);
    if (it == pools.end())
      it = pools.emplace(key, origin_pool(opts.max_connections_per_origin)).first;
    return it->second;
  }
  static void wake(pool_waiter* w) {
    if (!w) return;
    w->notified = true;
    w->timer.cancel();
  }
};

// A connection checked out of its pool. Goes back with release() (only when the response was
// complete, keep-alive, with no extra bytes); otherwise (or when destroyed) it is closed.
class lease {
public:
  lease() = default;
  lease(std::shared_ptr<client_state> st, std::string key, conn_ptr c)
      : st_(std::move(st)), key_(std::move(key)), conn_(std::move(c)) {}
  lease(lease&& o) noexcept = default;
  lease& operator=(lease&& o) noexcept {
    if (this != &o) {
      discard();
      st_ = std::move(o.st_);
      key_ = std::move(o.key_);
      conn_ = std::move(o.conn_);
    }
    return *this;
  }
  ~lease() { discard(); }

  connection* operator->() const { return conn_.get(); }
  const conn_ptr& shared() const { return conn_; }
  connection& operator*() const { return *conn_; }
  explicit operator bool() const { return conn_ != nullptr; }

  void discard() {
    if (!conn_) return;
    conn_->close();
    conn_.reset();
    client_state::wake(st_->pool(key_).discard());
  }
  void release() {
    if (!conn_) return;
    auto& p = conn_->parser();
    if (!p.is_done() || !p.keep_alive() || !conn_->buffered().empty() || !conn_->is_open())
      return discard();
    conn_->reused = true;
    client_state::wake(st_->pool(key_).release(std::move(conn_), clock::now()));
    conn_.reset();
  }

private:
  std::shared_ptr<client_state> st_;
  std::string key_;
  conn_ptr conn_;
};

// Where and how one request goes.
struct route {
  origin target;
  std::optional<proxy_route> proxy;
  std::string key; // pool key: scheme, host, port, proxy
};

COASSIST_DECL route make_route(const client_options& o, const request& r, std::error_code& ec) {
  route rt;
  auto t = origin_of(r.url, ec);
  if (!t) return rt;
  rt.target = *t;
  rt.proxy = select_proxy(o.proxy, rt.target);
  rt.key = (rt.target.tls ? "https://" : "http://") + rt.target.authority();
  if (rt.proxy) rt.key += " via " + rt.proxy->proxy.authority() + " " + rt.proxy->authorization;
  return rt;
}

// The end of one attempt.
struct attempt_outcome {
  step_error err;
  bool reused = false;
  bool any_response_byte = false;
  bool body_touched = false; // bytes were taken from a body_source
  int proxy_status = 0;
};

// Checks out a pooled connection or opens a new one (connect, proxy CONNECT, TLS).
COASSIST_DECL asio::awaitable<step_error> acquire(std::shared_ptr<client_state> st, const route& rt,
                                                  clock::time_point overall, lease& out,
                                                  int& proxy_status) {
  auto ex = co_await asio::this_coro::executor;
  bool woken = false;
  for (;;) {
    auto& pool = st->pool(rt.key);
    conn_ptr c;
    std::vector<conn_ptr> expired;
    auto act = pool.acquire(clock::now(), st->opts.pool_idle_timeout, c, expired, woken);
    for (auto& e : expired)
      e->close();
    woken = false;
    if (act == origin_pool::action::reuse) {
      lease l(st, rt.key, std::move(c));
      if (l->looks_dead()) {
        l.discard(); // frees the slot; try again ahead of the queue
        woken = true;
        continue;
      }
      out = std::move(l);
      co_return step_error{};
    }
    if (act == origin_pool::action::connect) {
      auto conn = std::make_shared<connection>(ex, *st->tls, rt.target.tls, st->opts.limits,
                                               st->next_connection_id++);
      lease l(st, rt.key, conn);
      const origin& first_hop = rt.proxy ? rt.proxy->proxy : rt.target;
      auto e = co_await conn->connect_tcp(first_hop, st->opts.connect_timeout, overall);
      if (e) co_return e;
      ++st->stats.connections_opened;
      if (rt.proxy && rt.target.tls) {
        e = co_await conn->proxy_connect(rt.target, rt.proxy->authorization,
                                         st->opts.connect_timeout, overall, proxy_status);
        if (e) co_return e;
      }
      if (rt.target.tls) {
        bool verify = !st->opts.tls.insecure_disable_verification_for_testing_only;
        e = co_await conn->handshake(rt.target, verify, st->opts.connect_timeout, overall);
        if (e) co_return e;
      }
      out = std::move(l);
      co_return step_error{};
    }
    // full: wait for a release/discard, bounded by the overall deadline
    pool_waiter w(ex);
    pool.enqueue(&w);
    w.timer.expires_at(overall);
    auto [ec] = co_await w.timer.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
    if (w.notified) {
      auto cs = co_await asio::this_coro::cancellation_state;
      if (cs.cancelled() != asio::cancellation_type::none) {
        client_state::wake(st->pool(rt.key).next_waiter()); // pass our turn on
        co_return step_error{stage::cancelled, asio::error::operation_aborted};
      }
      woken = true;
      continue;
    }
    st->pool(rt.key).remove(&w);
    if (!ec) co_return step_error{stage::timeout, error::deadline_exceeded};
    co_return step_error{stage::cancelled, asio::error::operation_aborted};
  }
}

// Writes the request (head, then the body from the string or the source).
COASSIST_DECL asio::awaitable<step_error> write_request(client_state& st, connection& c,
                                                        const route& rt, const request& req,
                                                        int retry_count, clock::time_point overall,
                                                        bool& body_touched) {
  http::request_head head;
  head.method = req.method;
  head.target =
      rt.proxy && !rt.target.tls ? absolute_form_target(req.url) : origin_form_target(req.url);
  head.headers = req.headers;
  try {
    if (!head.headers.contains("user-agent") && !st.opts.user_agent.empty())
      head.headers.add("User-Agent", st.opts.user_agent);
    if (st.opts.send_retry_count_header)
      head.headers.set("x-stainless-retry-count", std::to_string(retry_count));
    if (rt.proxy && !rt.target.tls && !rt.proxy->authorization.empty())
      head.headers.set("Proxy-Authorization", rt.proxy->authorization);
  } catch (const std::invalid_argument&) {
    co_return step_error{stage::request, http::error::invalid_header_value};
  }
  std::optional<std::uint64_t> content_length;
  bool chunked = false;
  if (req.body_stream) {
    content_length = req.body_stream->size();
    if (!content_length) {
      chunked = true;
      head.headers.set("Transfer-Encoding", "chunked");
    }
  } else if (!req.body.empty() || req.method == "POST" || req.method == "PUT" ||
             req.method == "PATCH") {
    content_length = req.body.size();
  }
  std::string bytes;
  if (auto ec = http::write_request_head(head, rt.target.host_header(), content_length, bytes))
    co_return step_error{stage::request, ec};
  auto dl = [&] {
    return earliest(clock::now() + st.opts.idle_timeout, error::idle_timeout, overall);
  };
  ++st.stats.requests_sent;
  if (!req.body_stream) {
    std::array<asio::const_buffer, 2> bufs{asio::buffer(bytes), asio::buffer(req.body)};
    auto ec = co_await c.write(bufs, dl());
    if (ec) co_return connection::classify(stage::write, ec);
    co_return step_error{};
  }
  if (auto ec = co_await c.write(asio::buffer(bytes), dl()))
    co_return connection::classify(stage::write, ec);
  std::vector<char> chunk(64 * 1024);
  std::uint64_t sent = 0;
  body_touched = true;
  for (;;) {
    std::size_t n = 0;
    try {
      n = co_await req.body_stream->read(asio::buffer(chunk));
    } catch (const std::exception&) {
      co_return step_error{stage::request, error::body_source_failed};
    }
    if (content_length && sent + n > *content_length)
      co_return step_error{stage::request, error::body_source_failed};
    if (n == 0) break;
    sent += n;
    std::error_code ec;
    if (chunked) {
      char size_line[24];
      int len = std::snprintf(size_line, sizeof size_line, "%zx\r\n", n);
      std::array<asio::const_buffer, 3> bufs{asio::buffer(size_line, static_cast<std::size_t>(len)),
                                             asio::buffer(chunk.data(), n),
                                             asio::buffer("\r\n", 2)};
      ec = co_await c.write(bufs, dl());
    } else {
      ec = co_await c.write(asio::buffer(chunk.data(), n), dl());
    }
    if (ec) co_return connection::classify(stage::write, ec);
  }
  if (content_length && sent != *content_length)
    co_return step_error{stage::request, error::body_source_failed};
  if (chunked) {
    if (auto ec = co_await c.write(asio::buffer("0\r\n\r\n", 5), dl()))
      co_return connection::classify(stage::write, ec);
  }
  co_return step_error{};
}

// Reads until the next parser event of interest: a non-empty body view (`chunk`), or the end of
// the message (`done`). The view stays valid until the next call.
COASSIST_DECL asio::awaitable<step_error> next_event(connection& c, std::chrono::milliseconds idle,
                                                     clock::time_point overall, bool& got_head,
                                                     std::string_view& chunk, bool& done) {
  chunk = {};
  done = false;
  for (;;) {
    std::error_code pec;
    auto r = c.parser().parse(c.buffered(), pec);
    c.consume(r.consumed);
    if (pec) co_return step_error{stage::parse, pec};
    switch (r.event) {
    case http::parse_event::head:
      got_head = true;
      co_return step_error{};
    case http::parse_event::body:
      if (r.body.empty()) continue;
      chunk = r.body;
      co_return step_error{};
    case http::parse_event::message_complete:
      done = true;
      co_return step_error{};
    case http::parse_event::need_more:
      break;
    }
    auto ec = co_await c.fill(earliest(clock::now() + idle, error::idle_timeout, overall));
    bool truncated = ec == asio::ssl::error::stream_truncated;
    if (ec == asio::error::eof || truncated) {
      std::error_code fec;
      auto f = c.parser().finish(fec);
      if (fec) co_return step_error{stage::parse, fec};
      if (f.event == http::parse_event::message_complete) {
        // a close-delimited body cut without close_notify may have been truncated by an attacker
        if (truncated) co_return step_error{stage::read, error::stream_truncated};
        done = true;
        co_return step_error{};
      }
      co_return step_error{stage::read, error::connection_closed};
    }
    if (ec) co_return connection::classify(stage::read, ec);
  }
}

// Reads the response head.
COASSIST_DECL asio::awaitable<step_error> read_head(connection& c, std::chrono::milliseconds idle,
                                                    clock::time_point overall) {
  bool got_head = false;
  std::string_view chunk;
  bool done = false;
  auto e = co_await next_event(c, idle, overall, got_head, chunk, done);
  if (!e && !got_head) co_return step_error{stage::parse, http::error::partial_message};
  co_return e;
}

// "connect proxy:3128", "read api.example.com:443 (via proxy proxy:3128)"
COASSIST_DECL std::string describe_where(const step_error& e, const route& rt) {
  const origin& where = rt.proxy && (e.stage == stage::resolve || e.stage == stage::connect ||
                                     e.stage == stage::proxy)
                            ? rt.proxy->proxy
                            : rt.target;
  std::string m = std::string(to_string(e.stage)) + " " + where.authority();
  if (rt.proxy && &where != &rt.proxy->proxy)
    m += " (via proxy " + rt.proxy->proxy.authority() + ")";
  return m;
}

COASSIST_DECL void fill_diagnostics(diagnostics* d, const step_error& e, const route& rt,
                                    int status, int attempts) {
  if (!d) return;
  d->stage = e.stage;
  d->code = e.ec;
  d->http_status = status;
  d->attempts = attempts;
  const origin& where = rt.proxy && (e.stage == stage::resolve || e.stage == stage::connect ||
                                     e.stage == stage::proxy)
                            ? rt.proxy->proxy
                            : rt.target;
  d->host = where.host;
  d->port = where.port;
  d->where = e.ec ? describe_where(e, rt) : std::string();
  d->message = e.ec ? d->where + ": " + e.ec.message() : std::string();
  if (e.ec && status) d->message += " (HTTP " + std::to_string(status) + ")";
}

// The engine: attempts with retries. On success `out` holds the head (and the whole body unless
// `streaming`, in which case `stream_lease` holds the connection positioned at the body).
COASSIST_DECL asio::awaitable<std::error_code>
run_request(std::shared_ptr<client_state> st, const request& req, const request_options& ro,
            bool streaming, response& out, lease& stream_lease) {
  co_await asio::this_coro::throw_if_cancelled(false);
  co_await asio::this_coro::reset_cancellation_state(asio::enable_total_cancellation());
  auto overall = clock::now() + ro.overall_timeout.value_or(st->opts.overall_timeout);
  int max_retries = ro.max_retries.value_or(st->opts.retry.max_retries);
  if (ro.diag) ro.diag->clear();

  std::error_code ec;
  route rt;
  try {
    rt = make_route(st->opts, req, ec);
  } catch (const std::invalid_argument&) {
    ec = error::bad_url; // unusable proxy URL
  }
  if (ec) {
    fill_diagnostics(ro.diag, step_error{stage::request, ec}, rt, 0, 0);
    co_return ec;
  }
  const bool replayable = req.replayable();
  int retries = 0;
  int attempts = 0;
  bool stale_retry_used = false;
  int last_status = 0;
  for (;;) {
    ++attempts;
    attempt_outcome o;
    lease conn;
    out = response{};
    o.err = co_await acquire(st, rt, overall, conn, o.proxy_status);
    if (o.proxy_status >= 300) last_status = o.proxy_status;
    if (!o.err) {
      o.reused = conn->reused;
      if (o.reused) ++st->stats.connections_reused;
      if (attempts > 1 && req.body_stream) req.body_stream->rewind();
      o.err = co_await write_request(*st, *conn, rt, req, retries + (stale_retry_used ? 1 : 0),
                                     overall, o.body_touched);
    }
    if (!o.err) {
      conn->parser().reset(req.method == "HEAD");
      o.err = co_await read_head(*conn, st->opts.idle_timeout, overall);
    }
    if (conn) o.any_response_byte = conn->parser().got_any_bytes();
    if (!o.err) {
      const auto& h = conn->parser().head();
      out.status = last_status = h.status;
      out.reason = h.reason;
      out.headers = h.headers;
      if (!streaming) {
        bool got_head = false, done = false;
        std::string_view chunk;
        while (!o.err && !done) {
          o.err = co_await next_event(*conn, st->opts.idle_timeout, overall, got_head, chunk, done);
          if (!o.err && !chunk.empty()) out.body.append(chunk);
        }
        if (!o.err) {
          out.trailers = conn->parser().trailers();
          conn.release();
        }
      }
    }
    // cancellation wins over whatever the aborted operation reported
    auto cs = co_await asio::this_coro::cancellation_state;
    if (cs.cancelled() != asio::cancellation_type::none)
      o.err = step_error{stage::cancelled, asio::error::operation_aborted};
    if (o.err) conn.discard();

    // a pooled connection the server closed just as we reused it: once, only if no response byte
    // arrived and the body can be sent again. A failed write never delivered the request whole;
    // a read that failed after a complete write may follow a request the server did apply, so
    // only an idempotent method is sent again then (RFC 9110, 9.2.2): a POST goes to the retry
    // policy, which counts it (and a caller with max_retries = 0 decides for itself).
    if (o.err && o.reused && !o.any_response_byte && !stale_retry_used &&
        (o.err.stage == stage::write ||
         (o.err.stage == stage::read && is_idempotent_method(req.method))) &&
        (replayable || !o.body_touched)) {
      stale_retry_used = true;
      ++st->stats.retries;
      continue;
    }

    auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(overall - clock::now());
    std::uniform_real_distribution<double> uni(0.0, 1.0);
    auto d = decide_retry(st->opts.retry, max_retries, retries, replayable,
                          o.err ? nullptr : &out.headers, out.status, o.err.stage, o.err.ec,
                          std::chrono::system_clock::now(), remaining, uni(st->rng));
    if (!d.retry) {
      fill_diagnostics(ro.diag, o.err, rt, o.err ? last_status : out.status, attempts);
      if (o.err) co_return o.err.ec;
      if (streaming) stream_lease = std::move(conn);
      co_return std::error_code{};
    }
    conn.discard();
    ++retries;
    ++st->stats.retries;
    asio::steady_timer sleep(st->ex);
    sleep.expires_after(d.delay);
    auto [sec] = co_await sleep.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
    if (sec) {
      fill_diagnostics(ro.diag, step_error{stage::cancelled, asio::error::operation_aborted}, rt,
                       last_status, attempts);
      co_return make_error_code(asio::error::operation_aborted);
    }
  }
}

} // namespace detail
} // namespace coassist::net
