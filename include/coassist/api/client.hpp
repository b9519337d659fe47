// coassist::client: configuration, the connection pool and every Assistants v2, Responses and
// Conversations operation.
//
//   asio::io_context io;
//   coassist::client client(io.get_executor());            // OPENAI_API_KEY, OPENAI_BASE_URL...
//   asio::co_spawn(io, [&]() -> asio::awaitable<void> {
//     auto thread = co_await client.threads().create();
//     ...
//   }, asio::detached);
//
// Every operation is an Asio asynchronous operation completing with
// `void(std::exception_ptr, Result)`: the default token is asio::use_awaitable (the typed
// exception of error.hpp is thrown at the co_await); callbacks, asio::use_future and
// asio::experimental::as_tuple work too. The client is a cheap handle (copies share one pool) and
// runs on the executor it was given: an io_context, a strand or a thread pool.
#pragma once

#include <coassist/api/client_options.hpp>
#include <coassist/api/detail/error_body.hpp>
#include <coassist/api/error.hpp>
#include <coassist/api/operations.hpp>
#include <coassist/config.hpp>
#include <coassist/detail/asio.hpp>
#include <coassist/json/text.hpp>
#include <coassist/net/http_client.hpp>
#include <coassist/net/url.hpp>

#include <boost/json.hpp>

#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace coassist {

// The arguments of one operation call, before encoding.
struct call_args {
  std::vector<std::pair<std::string, std::string>> path{};  // path parameters by name
  std::vector<std::pair<std::string, std::string>> query{}; // query parameters, in order
  std::optional<json::value> body{};                        // an application/json body
  // A streamed body (multipart uploads) and its content type; used instead of `body`.
  std::shared_ptr<net::body_source> body_stream{};
  std::string content_type{};
  bool event_stream = false; // ask for text/event-stream

  using params = std::vector<std::pair<std::string, std::string>>;
  static call_args make(params path = {}, std::optional<json::value> body = {}, params query = {}) {
    call_args a{};
    a.path = std::move(path);
    a.body = std::move(body);
    a.query = std::move(query);
    return a;
  }
};

class assistants_resource;
class threads_resource;
class files_resource;
class uploads_resource;
class vector_stores_resource;
// Responses and Conversations: defined in <coassist/responses/resources.hpp> (which includes
// only the Responses models, as <coassist/api.hpp> includes only the Assistants ones).
class responses_resource;
class conversations_resource;

namespace detail {

struct client_state {
  client_state(asio::any_io_executor ex, client_options o)
      : opts(std::move(o)), base(opts.base_url), http(std::move(ex), opts.transport) {}
  client_options opts;
  net::base_url base;
  net::http_client http;
  std::mt19937_64 rng{std::random_device{}()};
};

inline std::string random_key(std::mt19937_64& rng) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string s = "coassist-";
  for (int i = 0; i < 2; ++i) {
    auto v = rng();
    for (int b = 0; b < 16; ++b, v >>= 4)
      s += hex[v & 15];
  }
  return s;
}

// error_info for a transport failure, from its diagnostics (never holds header values).
inline error_info transport_error_info(std::error_code ec, const net::diagnostics& d) {
  error_info info;
  if (d.stage == net::stage::cancelled || ec == asio::error::operation_aborted)
    info.kind = errc::cancelled;
  else if (ec == net::error::deadline_exceeded || ec == net::error::connect_timeout ||
           ec == net::error::idle_timeout || d.stage == net::stage::timeout)
    info.kind = errc::timeout;
  else if (d.stage == net::stage::request)
    info.kind = errc::invalid_argument;
  else if (http::is_framing_error(ec))
    info.kind = errc::invalid_response; // the server broke HTTP/1.1 framing
  else
    info.kind = errc::connection;
  info.status = 0;
  info.where = net::failure_site(d);
  info.message = ec.message();
  return info;
}

inline void fill_info(request_options& ro, const net::response& r, int attempts) {
  if (!ro.info) return;
  ro.info->status = r.status;
  ro.info->headers = r.headers;
  ro.info->request_id = std::string(r.request_id().value_or(""));
  ro.info->attempts = attempts;
}

// The request for `op`: URL from the base, path template and query; the official SDKs' headers.
inline net::request build_request(client_state& st, const api::operation_info& op,
                                  const call_args& args, request_options& ro) {
  if (st.opts.api_key.empty())
    throw usage_error(error_info{errc::missing_api_key,
                                 0,
                                 "no API key: set OPENAI_API_KEY or client_options::api_key",
                                 {},
                                 {},
                                 {},
                                 {},
                                 std::string(op.operation_id)});
  net::request req;
  req.method = std::string(op.http_method);
  std::vector<net::url_param> path, query;
  for (auto& [k, v] : args.path) {
    if (v.empty())
      throw usage_error(error_info{errc::invalid_argument,
                                   0,
                                   "empty path parameter " + k,
                                   {},
                                   {},
                                   k,
                                   {},
                                   std::string(op.operation_id)});
    path.emplace_back(k, v);
  }
  for (auto& [k, v] : args.query)
    query.emplace_back(k, v);
  for (auto& [k, v] : ro.extra_query)
    query.emplace_back(k, v);
  req.url = st.base.make_url(op.path_template, path, query);

  auto& h = req.headers;
  try {
    h.set("Authorization", "Bearer " + st.opts.api_key);
    h.set("Accept", args.event_stream ? "text/event-stream" : "application/json");
    if (op.sends_assistants_beta) h.set("OpenAI-Beta", "assistants=v2");
    if (!st.opts.organization.empty()) h.set("OpenAI-Organization", st.opts.organization);
    if (!st.opts.project.empty()) h.set("OpenAI-Project", st.opts.project);
    for (const auto& f : st.opts.default_headers)
      h.set(f.name, f.value);
    if (op.http_method != "GET" && op.http_method != "DELETE")
      h.set("Idempotency-Key", ro.idempotency_key ? *ro.idempotency_key : random_key(st.rng));
    for (auto& [name, value] : ro.extra_headers) {
      if (value)
        h.set(name, *value);
      else
        h.erase(name);
    }
  } catch (const std::invalid_argument& e) {
    // the message names the header, never its value (it may be a key)
    throw usage_error(error_info{
        errc::invalid_argument, 0, e.what(), {}, {}, {}, {}, std::string(op.operation_id)});
  }

  if (args.body_stream) {
    req.body_stream = args.body_stream;
    h.set("Content-Type", args.content_type);
  } else if (args.body || !ro.extra_body.empty()) {
    json::value body = args.body ? *args.body : json::object{};
    if (!ro.extra_body.empty()) {
      if (!body.is_object())
        throw usage_error(error_info{errc::invalid_argument,
                                     0,
                                     "extra_body needs a JSON object request body",
                                     {},
                                     {},
                                     {},
                                     {},
                                     std::string(op.operation_id)});
      for (auto& [k, v] : ro.extra_body)
        body.get_object()[k] = v;
    }
    req.body = json_text(body);
    h.set("Content-Type", "application/json");
  }
  return req;
}

inline net::request_options transport_options(const request_options& ro, net::diagnostics* d) {
  net::request_options t;
  t.overall_timeout = ro.timeout;
  t.max_retries = ro.max_retries;
  t.diag = d;
  return t;
}

// Sends and reads the whole response; an error status is thrown as the matching api error.
inline asio::awaitable<net::response> send(std::shared_ptr<client_state> st,
                                           const api::operation_info& op, call_args args,
                                           request_options ro) {
  net::request req = build_request(*st, op, args, ro);
  net::diagnostics diag;
  auto [ec, r] = co_await st->http.async_send(std::move(req), transport_options(ro, &diag),
                                              asio::experimental::as_tuple(asio::use_awaitable));
  if (ec) std::rethrow_exception(make_error(transport_error_info(ec, diag)));
  fill_info(ro, r, diag.attempts);
  if (r.status >= 400 || r.status < 200)
    std::rethrow_exception(make_error(
        error_info_from_response(r.status, r.body, std::string(r.request_id().value_or("")))));
  co_return std::move(r);
}

inline json::value parse_json_body(const net::response& r, const api::operation_info& op) {
  std::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (ec)
    std::rethrow_exception(make_error(error_info{errc::invalid_response,
                                                 r.status,
                                                 "the response to " + std::string(op.operation_id) +
                                                     " is not JSON: " + ec.message(),
                                                 {},
                                                 {},
                                                 {},
                                                 std::string(r.request_id().value_or("")),
                                                 {}}));
  return v;
}

template <class T>
T decode_as(const json::value& v, const api::operation_info& op, const net::response& r) {
  try {
    return json::value_to<T>(v);
  } catch (const std::exception& e) {
    std::rethrow_exception(make_error(error_info{errc::invalid_response,
                                                 r.status,
                                                 "cannot decode the response to " +
                                                     std::string(op.operation_id) + ": " + e.what(),
                                                 {},
                                                 {},
                                                 {},
                                                 std::string(r.request_id().value_or("")),
                                                 {}}));
  }
}

// Opens a streamed response; an error status is read whole (bounded) and thrown.
inline asio::awaitable<net::response_stream> open(std::shared_ptr<client_state> st,
                                                  const api::operation_info& op, call_args args,
                                                  request_options ro) {
  net::request req = build_request(*st, op, args, ro);
  net::diagnostics diag;
  auto [ec, s] = co_await st->http.async_open(std::move(req), transport_options(ro, &diag),
                                              asio::experimental::as_tuple(asio::use_awaitable));
  if (ec) std::rethrow_exception(make_error(transport_error_info(ec, diag)));
  if (ro.info) {
    ro.info->status = s.status();
    ro.info->headers = s.headers();
    ro.info->request_id = std::string(s.request_id().value_or(""));
    ro.info->attempts = diag.attempts;
  }
  if (s.status() >= 400 || s.status() < 200) {
    std::string body;
    constexpr std::size_t max_error_body = 64 * 1024;
    for (;;) {
      auto [rec, chunk] =
          co_await s.async_read_some(asio::experimental::as_tuple(asio::use_awaitable));
      if (rec || chunk.empty()) break;
      body.append(chunk.substr(0, max_error_body - std::min(max_error_body, body.size())));
      if (body.size() >= max_error_body) break;
    }
    std::rethrow_exception(make_error(
        error_info_from_response(s.status(), body, std::string(s.request_id().value_or("")))));
  }
  co_return std::move(s);
}

} // namespace detail

class client {
public:
  using executor_type = asio::any_io_executor;

  // Throws std::invalid_argument for a bad base URL, std::system_error for an unreadable CA file.
  explicit client(executor_type ex, client_options options = client_options::from_environment())
      : st_(std::make_shared<detail::client_state>(std::move(ex), std::move(options))) {}

  executor_type get_executor() const noexcept { return st_->http.get_executor(); }
  const client_options& options() const noexcept { return st_->opts; }
  // Transport counters (connections opened, reused, retries...).
  const net::client_stats& transport_stats() const noexcept { return st_->http.stats(); }

  // Any operation of the table, answering the raw JSON (the CLI uses this).
  // Completion: void(std::exception_ptr, json::value).
  template <class Token = asio::use_awaitable_t<>>
  auto call(const api::operation_info& op, call_args args, request_options ro = {},
            Token&& token = {}) const {
    return asio::co_spawn(get_executor(), call_json(st_, op, std::move(args), std::move(ro)),
                          std::forward<Token>(token));
  }

  // Any operation, decoded as T. Completion: void(std::exception_ptr, T).
  template <class T, class Token = asio::use_awaitable_t<>>
  auto call_as(const api::operation_info& op, call_args args, request_options ro = {},
               Token&& token = {}) const {
    return asio::co_spawn(get_executor(), call_typed<T>(st_, op, std::move(args), std::move(ro)),
                          std::forward<Token>(token));
  }

  // Any operation, answering the whole HTTP response (raw bodies such as file content).
  // Completion: void(std::exception_ptr, net::response).
  template <class Token = asio::use_awaitable_t<>>
  auto call_raw(const api::operation_info& op, call_args args, request_options ro = {},
                Token&& token = {}) const {
    return asio::co_spawn(get_executor(), detail::send(st_, op, std::move(args), std::move(ro)),
                          std::forward<Token>(token));
  }

  // Any operation, answering a response stream once a 2xx head is in (server-sent events, file
  // downloads). Completion: void(std::exception_ptr, net::response_stream).
  template <class Token = asio::use_awaitable_t<>>
  auto open(const api::operation_info& op, call_args args, request_options ro = {},
            Token&& token = {}) const {
    return asio::co_spawn(get_executor(), detail::open(st_, op, std::move(args), std::move(ro)),
                          std::forward<Token>(token));
  }

  // The resources, grouped as in the official SDKs.
  assistants_resource assistants() const;
  threads_resource threads() const;
  files_resource files() const;
  uploads_resource uploads() const;
  vector_stores_resource vector_stores() const;
  responses_resource responses() const;
  conversations_resource conversations() const;

private:
  static asio::awaitable<json::value> call_json(std::shared_ptr<detail::client_state> st,
                                                const api::operation_info& op, call_args args,
                                                request_options ro) {
    net::response r = co_await detail::send(st, op, std::move(args), std::move(ro));
    co_return detail::parse_json_body(r, op);
  }
  template <class T>
  static asio::awaitable<T> call_typed(std::shared_ptr<detail::client_state> st,
                                       const api::operation_info& op, call_args args,
                                       request_options ro) {
    net::response r = co_await detail::send(st, op, std::move(args), std::move(ro));
    json::value v = detail::parse_json_body(r, op);
    co_return detail::decode_as<T>(v, op, r);
  }

  std::shared_ptr<detail::client_state> st_;
};

// The table entry of an operation, checked at compile time.
// It searches by index: g++ 12 with -fsanitize=address does not fold a comparison of a pointer
// into the table against nullptr in a constant expression.
consteval const api::operation_info& operation(std::string_view operation_id) {
  for (std::size_t i = 0; i < api::operations.size(); ++i)
    if (api::operations[i].operation_id == operation_id) return api::operations[i];
  throw "coassist: no such operationId in the Assistants v2 table";
}

} // namespace coassist
