// The retry decision of the transport (pure; the policy functions come from http/retry_policy.hpp).
// Order of checks:
//  1. a body that cannot be replayed is never retried;
//  2. at most max_retries retries (the stale-connection retry is separate, see http_client.hpp);
//  3. a response: `x-should-retry: true|false` wins, else 408, 409, 429 and >= 500 are retried;
//     a failure without response: retried unless it cannot change on a retry (see
//     is_retryable_failure);
//  4. delay: retry-after-ms / Retry-After when present and in range, else exponential backoff
//     with jitter; no retry when the delay would pass the overall deadline.
#pragma once

#include <coassist/config.hpp>
#include <coassist/detail/asio.hpp>
#include <coassist/http/error.hpp>
#include <coassist/http/fields.hpp>
#include <coassist/http/retry_policy.hpp>
#include <coassist/net/error.hpp>

#include <chrono>
#include <optional>
#include <string_view>

namespace coassist::net {

// Failures (without an HTTP response) worth another attempt: connection-level trouble
// (resolve, connect, reset, EOF, idle timeout, framing errors). Not retried: cancellation, the
// overall deadline, invalid requests, certificate/host name verification, proxy refusals.
// Methods a client may send again after a failure without knowing whether the server applied
// them (RFC 9110, 9.2.2).
COASSIST_DECL bool is_idempotent_method(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "TRACE" ||
         method == "PUT" || method == "DELETE";
}

COASSIST_DECL bool is_retryable_failure(stage st, const std::error_code& ec) {
  switch (st) {
  case stage::cancelled:
  case stage::request:
  case stage::pool:
    return false;
  case stage::proxy:
    return ec != make_error_code(error::proxy_refused);
  case stage::tls:
    // verification failures do not heal by themselves; handshake resets/timeouts may
    return ec.category() != asio::error::get_ssl_category() &&
           ec != asio::ssl::error::stream_truncated;
  default:
    break;
  }
  if (ec == make_error_code(error::deadline_exceeded) || ec == asio::error::operation_aborted ||
      ec == make_error_code(error::bad_url) || ec == make_error_code(error::unsupported_scheme) ||
      ec == make_error_code(error::body_source_failed))
    return false;
  return true;
}

struct retry_decision {
  bool retry = false;
  std::chrono::milliseconds delay{0};
};

// response_headers: the response's headers (nullptr when the attempt failed without response).
// retries_so_far: retries already made (0 after the first attempt). remaining: time left before
// the overall deadline. random01 in [0, 1) for the jitter.
COASSIST_DECL retry_decision decide_retry(const http::retry_policy& policy, int max_retries,
                                          int retries_so_far, bool body_replayable,
                                          const http::fields* response_headers, int status,
                                          stage failure_stage, const std::error_code& failure,
                                          std::chrono::system_clock::time_point now,
                                          std::chrono::milliseconds remaining, double random01) {
  retry_decision d;
  if (!body_replayable || retries_so_far >= max_retries) return d;
  std::optional<std::chrono::milliseconds> hinted;
  if (response_headers) {
    auto over = http::should_retry_header(*response_headers);
    if (over ? !*over : !http::is_retryable_status(status)) return d;
    hinted = http::retry_after(*response_headers, now, policy.max_retry_after);
  } else if (!is_retryable_failure(failure_stage, failure)) {
    return d;
  }
  d.delay = hinted ? *hinted : http::backoff_delay(policy, retries_so_far, random01);
  if (d.delay >= remaining) return d; // the next attempt could not finish in time
  d.retry = true;
  return d;
}

} // namespace coassist::net
