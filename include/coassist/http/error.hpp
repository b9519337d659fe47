// Error codes of the sans-I/O HTTP/1.1 layer (category "coassist.http").
#pragma once

#include <coassist/config.hpp>

#include <string>
#include <system_error>

namespace coassist::http {

// Every way a response can be refused, a request head can be refused, or a multipart form built.
// A parse error is final: the connection it came from must not be reused.
enum class error {
  header_too_large = 1, // head (status line + fields, 1xx heads included) over max_header_bytes
  too_many_headers,     // more field lines than max_header_count
  bad_status_line,      // not `HTTP/1.x SP 3DIGIT SP reason CRLF`
  bad_version,          // HTTP/0.9, HTTP/2.0, RTSP/1.0, ...
  bad_header,           // field line: bad name, space before colon, no colon, obs-fold
  bad_content_length,   // not digits only, empty, or over 2^64-1
  conflicting_content_length,            // several Content-Length fields with different values
  content_length_with_transfer_encoding, // both framings present (request smuggling vector)
  bad_transfer_encoding,     // chunked not last, chunked twice, chunked with parameters, bad token
  bad_chunk_size,            // chunk size line: no hex digit, junk after the size
  chunk_too_large,           // chunk size over 16 hex digits
  bad_chunk,                 // chunk data not followed by CRLF, control character in an extension
  trailer_too_large,         // trailer section over max_trailer_bytes or too many trailer fields
  body_too_large,            // body over max_body_bytes
  partial_message,           // EOF inside a message
  data_after_message,        // bytes offered after message_complete without reset()
  invalid_header_value,      // control character (other than HTAB) in a field value
  bad_line_ending,           // bare LF or bare CR where CRLF is required
  chunk_extension_too_large, // one chunk size line longer than max_chunk_extension_bytes
  unexpected_upgrade,        // 101 Switching Protocols: never requested by this client
  bad_method,                // request writer: method is not a token
  bad_target,                // request writer: empty target, or space/control/non-ASCII in it
  bad_multipart,             // multipart writer: invalid name, boundary or content type
};

class error_category_impl final : public std::error_category {
public:
  const char* name() const noexcept override { return "coassist.http"; }
  std::string message(int ev) const override {
    switch (static_cast<error>(ev)) {
    case error::header_too_large:
      return "response head too large";
    case error::too_many_headers:
      return "too many header fields";
    case error::bad_status_line:
      return "bad status line";
    case error::bad_version:
      return "bad or unsupported HTTP version";
    case error::bad_header:
      return "bad header field line";
    case error::bad_content_length:
      return "bad Content-Length";
    case error::conflicting_content_length:
      return "conflicting Content-Length values";
    case error::content_length_with_transfer_encoding:
      return "both Content-Length and Transfer-Encoding";
    case error::bad_transfer_encoding:
      return "bad Transfer-Encoding";
    case error::bad_chunk_size:
      return "bad chunk size";
    case error::chunk_too_large:
      return "chunk size too large";
    case error::bad_chunk:
      return "bad chunk framing";
    case error::trailer_too_large:
      return "trailer section too large";
    case error::body_too_large:
      return "body too large";
    case error::partial_message:
      return "connection closed inside a message";
    case error::data_after_message:
      return "data after a complete message";
    case error::invalid_header_value:
      return "invalid character in a header value";
    case error::bad_line_ending:
      return "bare CR or LF line ending";
    case error::chunk_extension_too_large:
      return "chunk extension too large";
    case error::unexpected_upgrade:
      return "unexpected 101 Switching Protocols";
    case error::bad_method:
      return "invalid request method";
    case error::bad_target:
      return "invalid request target";
    case error::bad_multipart:
      return "invalid multipart form";
    }
    return "unknown coassist.http error";
  }
};

// The one category object (a function-local static: one instance per program).
COASSIST_DECL const error_category_impl& error_category() noexcept {
  static const error_category_impl instance;
  return instance;
}

COASSIST_DECL std::error_code make_error_code(error e) noexcept {
  return {static_cast<int>(e), error_category()};
}

// True when the peer's bytes broke HTTP/1.1 framing (a malformed response). An EOF inside a
// message is not one: that is a cut connection, and callers report it as such.
COASSIST_DECL bool is_framing_error(std::error_code ec) noexcept {
  return ec.category() == error_category() && ec != make_error_code(error::partial_message);
}

} // namespace coassist::http

template <> struct std::is_error_code_enum<coassist::http::error> : std::true_type {};
