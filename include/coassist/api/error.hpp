// Errors of the API layer: one error category, an exception hierarchy users catch by kind, and
// the same facts as a plain value (`error_info`) for code that prefers no exceptions.
//
//   try { co_await client.threads().retrieve(id); }
//   catch (const coassist::not_found_error& e) { ... e.info().request_id ... }
//
//   auto [ep, thread] = co_await client.threads().retrieve(id, {}, as_tuple(use_awaitable));
//   if (ep) { coassist::error_info info = coassist::error_info_of(ep); ... }
//
// Every asynchronous operation completes with `void(std::exception_ptr, T)`, as asio::co_spawn
// does: with use_awaitable or use_future the typed exception is thrown where the result is taken.
#pragma once

#include <coassist/config.hpp>
#include <coassist/detail/asio.hpp>

#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>

namespace coassist {

enum class errc {
  bad_request = 1,      // 400
  authentication,       // 401
  permission_denied,    // 403
  not_found,            // 404
  conflict,             // 409
  unprocessable_entity, // 422
  rate_limit,           // 429
  internal_server,      // >= 500
  api_status,           // another HTTP error status
  connection,           // resolve, connect, TLS, read or write failed
  timeout,              // a deadline passed
  cancelled,            // the operation was cancelled by the application
  missing_api_key,      // no key configured for a request that needs one
  invalid_response,     // the server answered something this library cannot decode
  stream_error,         // the server sent `event: error` in a stream
  stream_truncated,     // the stream ended without a terminal event or `done`
  invalid_argument,     // a request the library refuses to send (bad header, bad id...)
  // Responses API outcomes that are not success, though every request succeeded:
  response_failed,     // a response ended `failed` (or `cancelled`)
  response_incomplete, // a response ended `incomplete` (max_output_tokens, content_filter...)
  refusal,             // the model refused to produce the structured output asked for
  invalid_output,      // the model's output does not decode as the type asked for
};

namespace detail {
class api_category_impl final : public std::error_category {
public:
  const char* name() const noexcept override { return "coassist.api"; }
  std::string message(int v) const override {
    switch (static_cast<errc>(v)) {
    case errc::bad_request:
      return "bad request (400)";
    case errc::authentication:
      return "authentication failed (401)";
    case errc::permission_denied:
      return "permission denied (403)";
    case errc::not_found:
      return "not found (404)";
    case errc::conflict:
      return "conflict (409)";
    case errc::unprocessable_entity:
      return "unprocessable entity (422)";
    case errc::rate_limit:
      return "rate limited (429)";
    case errc::internal_server:
      return "server error (5xx)";
    case errc::api_status:
      return "HTTP error status";
    case errc::connection:
      return "connection error";
    case errc::timeout:
      return "timed out";
    case errc::cancelled:
      return "cancelled";
    case errc::missing_api_key:
      return "no API key: set OPENAI_API_KEY or client_options::api_key";
    case errc::invalid_response:
      return "invalid response from the server";
    case errc::stream_error:
      return "the server reported an error in the stream";
    case errc::stream_truncated:
      return "the stream ended before its last event";
    case errc::invalid_argument:
      return "invalid argument";
    case errc::response_failed:
      return "the response failed";
    case errc::response_incomplete:
      return "the response is incomplete";
    case errc::refusal:
      return "the model refused";
    case errc::invalid_output:
      return "the model's output does not match the type asked for";
    }
    return "unknown coassist.api error";
  }
};
} // namespace detail

inline const std::error_category& api_category() noexcept {
  static const detail::api_category_impl instance;
  return instance;
}
inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), api_category()};
}

// What went wrong, as a value. `status` is 0 when no HTTP response was involved.
struct error_info {
  errc kind = errc::connection;
  int status = 0;
  std::string message;    // the server's `error.message`, or a description of the failure
  std::string type;       // `error.type`
  std::string code;       // `error.code`
  std::string param;      // `error.param`
  std::string request_id; // the `x-request-id` response header
  std::string where; // for transport failures: stage and host, e.g. "connect api.openai.com:443"
};

// The errc for an HTTP error status.
inline errc errc_for_status(int status) noexcept {
  switch (status) {
  case 400:
    return errc::bad_request;
  case 401:
    return errc::authentication;
  case 403:
    return errc::permission_denied;
  case 404:
    return errc::not_found;
  case 409:
    return errc::conflict;
  case 422:
    return errc::unprocessable_entity;
  case 429:
    return errc::rate_limit;
  default:
    return status >= 500 ? errc::internal_server : errc::api_status;
  }
}

// The base of every exception the library throws for a failed operation.
class error : public std::system_error {
public:
  explicit error(error_info info)
      : std::system_error(make_error_code(info.kind), describe(info)), info_(std::move(info)) {}
  const error_info& info() const noexcept { return info_; }
  errc kind() const noexcept { return info_.kind; }

private:
  static std::string describe(const error_info& i) {
    std::string s;
    if (i.status) s += std::to_string(i.status) + " ";
    if (!i.where.empty()) s += i.where + ": ";
    s += i.message.empty() ? make_error_code(i.kind).message() : i.message;
    if (!i.code.empty()) s += " [code " + i.code + "]";
    if (!i.param.empty()) s += " [param " + i.param + "]";
    if (!i.request_id.empty()) s += " (request " + i.request_id + ")";
    return s;
  }
  error_info info_;
};

// The server answered with an error status.
class api_error : public error {
public:
  using error::error;
  int status() const noexcept { return info().status; }
  const std::string& request_id() const noexcept { return info().request_id; }
};
class bad_request_error : public api_error {
  using api_error::api_error;
};
class authentication_error : public api_error {
  using api_error::api_error;
};
class permission_denied_error : public api_error {
  using api_error::api_error;
};
class not_found_error : public api_error {
  using api_error::api_error;
};
class conflict_error : public api_error {
  using api_error::api_error;
};
class unprocessable_entity_error : public api_error {
  using api_error::api_error;
};
class rate_limit_error : public api_error {
  using api_error::api_error;
};
class internal_server_error : public api_error {
  using api_error::api_error;
};
// The server reported an error inside an event stream (`event: error`).
class stream_error : public api_error {
  using api_error::api_error;
};

// No usable response: resolve, connect, TLS, read or write failed.
class connection_error : public error {
  using error::error;
};
class timeout_error : public connection_error {
  using connection_error::connection_error;
};
class cancelled_error : public error {
  using error::error;
};
// The server's answer could not be decoded, or a stream ended early.
class invalid_response_error : public error {
  using error::error;
};
// The library refused to send the request (missing API key, invalid header...).
class usage_error : public error {
  using error::error;
};
// A response ended `failed`, `cancelled` or `incomplete`: every request succeeded, but the
// model's work did not. `info().where` names the response, `code` its error code or reason.
class response_error : public error {
  using error::error;
};
// Structured outputs: the model refused (`message` is its refusal), or its output is not a
// valid document of the type asked for (`message` names the path and the expected type).
class refusal_error : public error {
  using error::error;
};
class output_error : public error {
  using error::error;
};

// An exception_ptr holding the exception of the right class for `info`.
inline std::exception_ptr make_error(error_info info) {
  switch (info.kind) {
  case errc::bad_request:
    return std::make_exception_ptr(bad_request_error(std::move(info)));
  case errc::authentication:
    return std::make_exception_ptr(authentication_error(std::move(info)));
  case errc::permission_denied:
    return std::make_exception_ptr(permission_denied_error(std::move(info)));
  case errc::not_found:
    return std::make_exception_ptr(not_found_error(std::move(info)));
  case errc::conflict:
    return std::make_exception_ptr(conflict_error(std::move(info)));
  case errc::unprocessable_entity:
    return std::make_exception_ptr(unprocessable_entity_error(std::move(info)));
  case errc::rate_limit:
    return std::make_exception_ptr(rate_limit_error(std::move(info)));
  case errc::internal_server:
    return std::make_exception_ptr(internal_server_error(std::move(info)));
  case errc::api_status:
    return std::make_exception_ptr(api_error(std::move(info)));
  case errc::stream_error:
    return std::make_exception_ptr(stream_error(std::move(info)));
  case errc::connection:
    return std::make_exception_ptr(connection_error(std::move(info)));
  case errc::timeout:
    return std::make_exception_ptr(timeout_error(std::move(info)));
  case errc::cancelled:
    return std::make_exception_ptr(cancelled_error(std::move(info)));
  case errc::invalid_response:
  case errc::stream_truncated:
    return std::make_exception_ptr(invalid_response_error(std::move(info)));
  case errc::missing_api_key:
  case errc::invalid_argument:
    return std::make_exception_ptr(usage_error(std::move(info)));
  case errc::response_failed:
  case errc::response_incomplete:
    return std::make_exception_ptr(response_error(std::move(info)));
  case errc::refusal:
    return std::make_exception_ptr(refusal_error(std::move(info)));
  case errc::invalid_output:
    return std::make_exception_ptr(output_error(std::move(info)));
  }
  return std::make_exception_ptr(error(std::move(info)));
}

// The facts behind an exception_ptr, without letting anything escape. An Asio operation
// cancelled under a coroutine (std::system_error with operation_aborted, what use_awaitable
// throws) is errc::cancelled. Other exceptions that are not coassist's (std::bad_alloc, a
// handler's own exception) become errc::invalid_argument with what().
inline error_info error_info_of(std::exception_ptr ep) {
  if (!ep) return {};
  try {
    std::rethrow_exception(ep);
  } catch (const error& e) {
    return e.info();
  } catch (const std::system_error& e) {
    error_info i;
    const bool aborted =
        e.code() == asio::error::operation_aborted || e.code() == std::errc::operation_canceled;
    i.kind = aborted ? errc::cancelled : errc::invalid_argument;
    i.message = e.what();
    return i;
  } catch (const std::exception& e) {
    error_info i;
    i.kind = errc::invalid_argument;
    i.message = e.what();
    return i;
  } catch (...) {
    error_info i;
    i.kind = errc::invalid_argument;
    i.message = "unknown exception";
    return i;
  }
}

} // namespace coassist

template <> struct std::is_error_code_enum<coassist::errc> : std::true_type {};
