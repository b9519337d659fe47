// Options of the transport: TLS, proxy, timeouts, pool limits, retries.
#pragma once

#include <coassist/config.hpp>
#include <coassist/http/response_parser.hpp>
#include <coassist/http/retry_policy.hpp>
#include <coassist/net/error.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

namespace coassist::net {

struct tls_options {
  // Trust the system store (OpenSSL's default paths; SSL_CERT_FILE / SSL_CERT_DIR are honoured
  // as OpenSSL does).
  bool use_system_trust_store = true;
  // Additional trust anchors (PEM): a CA bundle file and/or a hashed CA directory.
  std::string ca_file;
  std::string ca_dir;
  // Turns certificate AND host name verification off. Only for tests against throwaway servers;
  // the name is meant to be seen in code review. Never set it in production code.
  bool insecure_disable_verification_for_testing_only = false;
};

// Proxy selection. By default the environment decides, like curl: HTTPS_PROXY / https_proxy for
// https URLs, HTTP_PROXY / http_proxy for http URLs, minus hosts matched by NO_PROXY / no_proxy.
struct proxy_options {
  bool from_environment = true;
  // An explicit proxy "http://[user:pass@]host:port" used for every URL (wins over the
  // environment). Only http:// proxies.
  std::string url;
  // A NO_PROXY-style list applied to the explicit proxy (the environment's list applies to
  // environment proxies).
  std::string no_proxy;
};

struct client_options {
  // Connect: resolve + TCP connect (per address) + proxy CONNECT + TLS handshake.
  std::chrono::milliseconds connect_timeout{10'000};
  // Longest silence while writing the request or reading the response (also between the events
  // of a streamed response): a stalled server fails with error::idle_timeout.
  std::chrono::milliseconds idle_timeout{300'000};
  // Bounds one request end to end, all retries and backoff sleeps together (for async_open: until
  // the response head; the body of a stream is then bounded by idle_timeout only).
  std::chrono::milliseconds overall_timeout{600'000};
  // Pool: connections per origin (in use + idle); further requests wait in FIFO order.
  std::size_t max_connections_per_origin = 16;
  // Idle connections older than this are closed instead of reused.
  std::chrono::milliseconds pool_idle_timeout{30'000};
  tls_options tls;
  proxy_options proxy;
  http::retry_policy retry;
  // Send `x-stainless-retry-count: N` (0 on the first attempt) like the official SDKs, so servers
  // and logs can tell retries apart.
  bool send_retry_count_header = true;
  std::string user_agent = "coassist/" COASSIST_VERSION_STRING;
  http::parser_limits limits;
};

// Per-request overrides.
struct request_options {
  std::optional<std::chrono::milliseconds> overall_timeout; // replaces client_options' value
  std::optional<int> max_retries;                           // replaces retry.max_retries
  // When set, receives what failed (stage, host:port, code, status, attempts) on error, and
  // attempts/status on success. Must outlive the operation.
  net::diagnostics* diag = nullptr;
};

} // namespace coassist::net
