// Requests and whole responses of the transport.
#pragma once

#include <coassist/config.hpp>
#include <coassist/http/fields.hpp>
#include <coassist/net/body.hpp>

#include <boost/url.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace coassist::net {

struct request {
  std::string method = "GET";
  // Absolute http/https URL, e.g. base_url::make_url(...). Its path and query are sent as they
  // are encoded in the URL.
  urls::url url;
  // Sent as given (validated: CR, LF, NUL refused). Host and Content-Length are the transport's;
  // User-Agent is added from client_options when absent.
  http::fields headers;
  // The body: `body_source` when set (streamed; chunked when its size is unknown), else `body`
  // (with Content-Length when non-empty or for POST/PUT/PATCH).
  std::string body;
  std::shared_ptr<body_source> body_stream;

  bool replayable() const { return !body_stream || body_stream->replayable(); }
};

struct response {
  int status = 0;
  std::string reason;
  http::fields headers;
  std::string body;
  http::fields trailers;

  // The server's request id (`x-request-id`), for error reports and support.
  std::optional<std::string_view> request_id() const { return headers.find("x-request-id"); }
  bool ok() const { return status >= 200 && status <= 299; }
};

} // namespace coassist::net
