// Turns an HTTP error response into error_info: the OpenAI error body
// `{"error": {"message", "type", "param", "code"}}`, a flat error object (as `event: error`
// carries it), or anything else (an HTML page from a proxy) reduced to a short readable text.
#pragma once

#include <coassist/api/error.hpp>
#include <coassist/config.hpp>

#include <boost/json.hpp>

#include <string>
#include <string_view>

namespace coassist::detail {

// A JSON scalar as text: strings as they are, numbers printed, null and others empty.
inline std::string json_scalar_text(const json::value* v) {
  if (!v) return {};
  if (v->is_string()) return std::string(v->get_string());
  if (v->is_int64()) return std::to_string(v->get_int64());
  if (v->is_uint64()) return std::to_string(v->get_uint64());
  return {};
}

// Fills message/type/code/param from an error object; false if it does not look like one.
inline bool read_error_object(const json::object& o, error_info& info) {
  const json::value* msg = o.if_contains("message");
  if (!msg || !(msg->is_string() || msg->is_null())) return false;
  info.message = json_scalar_text(msg);
  info.type = json_scalar_text(o.if_contains("type"));
  info.code = json_scalar_text(o.if_contains("code"));
  info.param = json_scalar_text(o.if_contains("param"));
  return true;
}

// A short, single-line excerpt of a body that is not JSON: markup removed, space folded, bounded.
inline std::string text_excerpt(std::string_view body, std::size_t max_chars = 200) {
  std::string out;
  bool in_tag = false, space = false;
  for (char c : body) {
    if (out.size() >= max_chars) {
      out += "...";
      break;
    }
    if (c == '<')
      in_tag = true;
    else if (c == '>')
      in_tag = false, space = true;
    else if (in_tag)
      continue;
    else if (static_cast<unsigned char>(c) < 0x20 || c == ' ')
      space = true;
    else {
      if (space && !out.empty()) out += ' ';
      space = false;
      out += c;
    }
  }
  return out;
}

inline error_info error_info_from_response(int status, std::string_view body,
                                           std::string request_id) {
  error_info info;
  info.kind = errc_for_status(status);
  info.status = status;
  info.request_id = std::move(request_id);
  std::error_code ec;
  json::value v = json::parse(body, ec);
  if (!ec && v.is_object()) {
    const json::object& o = v.get_object();
    if (auto* e = o.if_contains("error");
        e && e->is_object() && read_error_object(e->get_object(), info))
      return info;
    if (read_error_object(o, info)) return info;
  }
  std::string excerpt = text_excerpt(body);
  info.message = "HTTP " + std::to_string(status) +
                 (excerpt.empty() ? std::string(" with an empty body")
                                  : " with a body that is not an OpenAI error: " + excerpt);
  return info;
}

} // namespace coassist::detail
