// Serialises an HTTP/1.1 request head (bytes only).
#pragma once

#include <coassist/config.hpp>
#include <coassist/http/error.hpp>
#include <coassist/http/fields.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace coassist::http {

struct request_head {
  std::string method; // a token: "GET", "POST", "DELETE"
  std::string target; // origin-form ("/v1/threads?limit=2"), or authority-form for CONNECT
  fields headers;     // must not hold Host or Content-Length: the writer writes those
};

// Appends "METHOD target HTTP/1.1\r\nHost: host\r\n" + headers (+ "Content-Length: N" when
// content_length has a value) + "\r\n" to `out`. Refuses, leaving `out` unchanged:
// bad_method (not a token), bad_target (empty, or a space, control or non-ASCII byte),
// bad_header (invalid name, or Host/Content-Length among the headers),
// invalid_header_value (a value or the host with CR, LF, NUL or another control character).
COASSIST_DECL std::error_code write_request_head(const request_head& head,
                                                 std::string_view host_header,
                                                 std::optional<std::uint64_t> content_length,
                                                 std::string& out) {
  if (!detail::is_token(head.method)) return error::bad_method;
  if (head.target.empty()) return error::bad_target;
  for (char c : head.target) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return error::bad_target;
  }
  if (host_header.empty() || !is_valid_field_value(host_header) ||
      detail::trim_ows(host_header).size() != host_header.size())
    return error::invalid_header_value;
  std::size_t size = head.method.size() + head.target.size() + host_header.size() + 64;
  for (const auto& f : head.headers) {
    if (!is_valid_field_name(f.name) || detail::iequals(f.name, "host") ||
        detail::iequals(f.name, "content-length"))
      return error::bad_header;
    if (!is_valid_field_value(f.value)) return error::invalid_header_value;
    size += f.name.size() + f.value.size() + 4;
  }
  out.reserve(out.size() + size);
  out.append(head.method).append(" ").append(head.target).append(" HTTP/1.1\r\nHost: ");
  out.append(host_header).append("\r\n");
  for (const auto& f : head.headers) {
    // leading/trailing whitespace is not part of a field value (RFC 9110 5.5): drop it
    out.append(f.name).append(": ").append(detail::trim_ows(f.value)).append("\r\n");
  }
  if (content_length)
    out.append("Content-Length: ").append(std::to_string(*content_length)).append("\r\n");
  out.append("\r\n");
  return {};
}

} // namespace coassist::http
