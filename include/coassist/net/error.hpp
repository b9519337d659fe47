// Transport errors: what failed (the stage), where (host:port), why (the underlying error_code),
// and the HTTP status when there is one. Never contains header values (so never an API key).
//
// Two forms, same information:
//  - error_code form: every async operation completes with `void(std::error_code, T)`; pass a
//    `diagnostics*` in request_options to get stage/host/message as well (like Boost.MySQL).
//  - exception form: `transport_error` (a std::system_error) thrown by the coroutine helpers
//    http_client::send / http_client::open, carrying the same diagnostics.
#pragma once

#include <coassist/config.hpp>

#include <cstdint>
#include <string>
#include <system_error>

namespace coassist::net {

// Where an operation failed.
enum class stage {
  none,
  resolve,   // name resolution
  connect,   // TCP connect (to the origin or to the proxy)
  proxy,     // the CONNECT exchange with an HTTP proxy
  tls,       // TLS handshake / certificate verification
  write,     // sending the request
  read,      // receiving the response
  parse,     // the response violated HTTP/1.1 framing (an http::error code)
  timeout,   // a deadline passed (the code says which)
  cancelled, // the caller cancelled (Asio cancellation slot)
  pool,      // waiting for a pooled connection
  request,   // the request itself is invalid (URL, header, body source)
};

COASSIST_DECL const char* to_string(stage s) noexcept {
  switch (s) {
  case stage::none:
    return "none";
  case stage::resolve:
    return "resolve";
  case stage::connect:
    return "connect";
  case stage::proxy:
    return "proxy";
  case stage::tls:
    return "tls";
  case stage::write:
    return "write";
  case stage::read:
    return "read";
  case stage::parse:
    return "parse";
  case stage::timeout:
    return "timeout";
  case stage::cancelled:
    return "cancelled";
  case stage::pool:
    return "pool";
  case stage::request:
    return "request";
  }
  return "unknown";
}

// Error codes of the transport itself (category "coassist.net"). Socket, TLS and HTTP framing
// failures keep their own categories (asio::error, asio::ssl::error, coassist.http).
enum class error {
  connect_timeout = 1, // no connection (TCP, proxy CONNECT or TLS) within connect_timeout
  idle_timeout,        // no byte read or written within idle_timeout
  deadline_exceeded,   // the overall deadline (all attempts together) passed
  no_addresses,        // the name resolved to no address
  proxy_refused,       // the proxy answered CONNECT with a non-2xx status
  proxy_bad_response,  // the proxy's answer to CONNECT could not be parsed, or had extra bytes
  bad_url,             // not an absolute http/https URL with a host
  unsupported_scheme,  // a scheme other than http or https
  body_source_failed,  // the request body source failed or produced a different size
  connection_closed,   // the peer closed before any response byte
  stream_truncated,    // TLS closed without close_notify while the body was close-delimited
  stream_closed,       // response_stream used after close()
};

class error_category_impl final : public std::error_category {
public:
  const char* name() const noexcept override { return "coassist.net"; }
  std::string message(int ev) const override {
    switch (static_cast<error>(ev)) {
    case error::connect_timeout:
      return "connect timed out";
    case error::idle_timeout:
      return "no data within the idle timeout";
    case error::deadline_exceeded:
      return "overall deadline exceeded";
    case error::no_addresses:
      return "host name resolved to no address";
    case error::proxy_refused:
      return "proxy refused CONNECT";
    case error::proxy_bad_response:
      return "bad response from proxy to CONNECT";
    case error::bad_url:
      return "bad URL";
    case error::unsupported_scheme:
      return "unsupported URL scheme (only http and https)";
    case error::body_source_failed:
      return "request body source failed";
    case error::connection_closed:
      return "connection closed before any response byte";
    case error::stream_truncated:
      return "TLS stream truncated (no close_notify)";
    case error::stream_closed:
      return "response stream already closed";
    }
    return "unknown coassist.net error";
  }
};

COASSIST_DECL const std::error_category& error_category() noexcept {
  static const error_category_impl instance;
  return instance;
}

COASSIST_DECL std::error_code make_error_code(error e) noexcept {
  return {static_cast<int>(e), error_category()};
}

// Details of the last failure of one request (filled when request_options::diag is set, and
// carried by transport_error). Safe to log: it never holds header values or bodies.
struct diagnostics {
  net::stage stage = stage::none;
  std::string host; // the origin host (or the proxy host for stage::connect via proxy)
  std::uint16_t port = 0;
  std::error_code code; // the underlying error
  int http_status = 0;  // last HTTP status seen (e.g. the proxy's refusal, a 503 retried)
  int attempts = 0;     // attempts made (1 = no retry)
  std::string where;    // stage and origin: "tls 127.0.0.1:8443", "connect p:3128 (via proxy ...)"
  std::string message;  // where, the error and the status: "tls 127.0.0.1:8443: certificate ..."

  void clear() { *this = diagnostics{}; }
};

// Where a failure happened, for error text: "tls 127.0.0.1:8443", "read h:443 (HTTP 503)".
COASSIST_DECL std::string failure_site(const diagnostics& d) {
  std::string s = d.where.empty() ? std::string(to_string(d.stage)) : d.where;
  if (d.http_status) s += " (HTTP " + std::to_string(d.http_status) + ")";
  return s;
}

// The exception form of a transport failure.
class transport_error : public std::system_error {
public:
  explicit transport_error(diagnostics d)
      // (system_error appends ": " + the code's message to this, so it is not repeated here)
      : std::system_error(d.code, failure_site(d)), diag_(std::move(d)) {}
  net::stage stage() const noexcept { return diag_.stage; }
  const std::string& host() const noexcept { return diag_.host; }
  std::uint16_t port() const noexcept { return diag_.port; }
  int http_status() const noexcept { return diag_.http_status; }
  const diagnostics& details() const noexcept { return diag_; }

private:
  diagnostics diag_;
};

} // namespace coassist::net

template <> struct std::is_error_code_enum<coassist::net::error> : std::true_type {};
