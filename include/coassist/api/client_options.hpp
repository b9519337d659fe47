// Configuration of a coassist::client, and the options one request may override.
#pragma once

#include <coassist/config.hpp>
#include <coassist/http/fields.hpp>
#include <coassist/net/options.hpp>

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace coassist {

struct client_options {
  // Bearer token. Empty: requests fail with errc::missing_api_key (at the first request, not here).
  std::string api_key;
  // Where the API lives: scheme, host, port and a path prefix ("/v1", or a gateway's prefix).
  std::string base_url = "https://api.openai.com/v1";
  // Sent as OpenAI-Organization / OpenAI-Project only when not empty.
  std::string organization;
  std::string project;
  // Sent with every request (validated: CR, LF and NUL are refused).
  http::fields default_headers;
  // Timeouts (connect, idle between reads, overall deadline of a call with its retries), TLS
  // trust (ca_file / ca_dir), proxy, retry policy (2 retries by default), pool limits.
  net::client_options transport;
  // Polling helpers: the interval used when the server sends no `openai-poll-after-ms`, and the
  // deadline of a whole poll.
  std::chrono::milliseconds poll_interval{1000};
  std::chrono::milliseconds poll_timeout{std::chrono::minutes(10)};

  // The official SDKs' environment: OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_ORG_ID,
  // OPENAI_PROJECT_ID. Unset variables keep the defaults above.
  static client_options from_environment() {
    client_options o;
    auto env = [](const char* name) -> std::optional<std::string> {
      const char* v = std::getenv(name);
      if (!v || !*v) return std::nullopt;
      return std::string(v);
    };
    if (auto v = env("OPENAI_API_KEY")) o.api_key = *v;
    if (auto v = env("OPENAI_BASE_URL")) o.base_url = *v;
    if (auto v = env("OPENAI_ORG_ID")) o.organization = *v;
    if (auto v = env("OPENAI_PROJECT_ID")) o.project = *v;
    return o;
  }
};

// What came back with a result, for callers who ask (request_options::info).
struct response_info {
  int status = 0;
  http::fields headers;
  std::string request_id; // x-request-id
  int attempts = 0;       // 1 when no retry was needed
};

// Per-request overrides.
struct request_options {
  // The overall deadline of this call (all retries together); replaces the client's.
  std::optional<std::chrono::milliseconds> timeout{};
  std::optional<int> max_retries{};
  // Added or replaced headers; a header with std::nullopt is removed (even one the library adds,
  // except Host and Content-Length).
  std::vector<std::pair<std::string, std::optional<std::string>>> extra_headers{};
  // Added to the query string.
  std::vector<std::pair<std::string, std::string>> extra_query{};
  // Merged into the JSON body (top level; these win over the typed request's fields).
  json::object extra_body{};
  // Sent as Idempotency-Key on this request. Without one, every non-GET request gets a fresh
  // random key, kept the same across its retries, so a server that honours it never applies a
  // retried POST twice.
  std::optional<std::string> idempotency_key{};
  // When set, receives status, headers and request id of the final response. Must outlive the call.
  response_info* info = nullptr;
};

} // namespace coassist
