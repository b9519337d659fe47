// JSON text as people, models and other parsers expect it. Boost.JSON 1.81 writes every double in
// exponent form (21.5 becomes 2.15E1, 1.0 becomes 1E0): valid JSON, but that is what a model reads
// in a tool output and what a person reads from the CLI. Here a double is written in its shortest
// form that reads back to the same value (21.5, 1.0, 1e-07, 1e+300), with ".0" kept on whole
// values so they stay doubles for a reader that tells the two apart, like Python's json module.
// A non-finite double (which JSON cannot hold) is written as null. Strings are escaped as RFC 8259
// requires (quote, backslash, control characters) and are otherwise written byte for byte.
//
//   std::string body = coassist::json_text(value);
//   coassist::append_json_text(out, value);
//   std::string key = coassist::json_quote("a \"name\"");
#pragma once

#include <coassist/config.hpp>

#include <boost/json/value.hpp>

#include <array>
#include <charconv>
#include <cmath>
#include <string>
#include <string_view>
#include <system_error>

namespace coassist {

namespace detail {

// For each byte: 0 when it is written as is, else the letter after the backslash ('u': \u00XX).
inline constexpr auto json_escape_table = [] {
  std::array<char, 256> t{};
  for (int c = 0; c < 0x20; ++c)
    t[static_cast<std::size_t>(c)] = 'u';
  t['"'] = '"';
  t['\\'] = '\\';
  t['\b'] = 'b';
  t['\f'] = 'f';
  t['\n'] = 'n';
  t['\r'] = 'r';
  t['\t'] = 't';
  return t;
}();

inline void append_json_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out.reserve(out.size() + s.size() + 2);
  out += '"';
  const char* run = s.data(); // start of the bytes not yet copied
  const char* const end = s.data() + s.size();
  for (const char* p = run; p != end; ++p) {
    const char e = json_escape_table[static_cast<unsigned char>(*p)];
    if (e == 0) continue;
    out.append(run, static_cast<std::size_t>(p - run));
    run = p + 1;
    if (e == 'u') {
      const auto c = static_cast<unsigned char>(*p);
      const char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
      out.append(esc, 6);
    } else {
      const char esc[2] = {'\\', e};
      out.append(esc, 2);
    }
  }
  out.append(run, static_cast<std::size_t>(end - run));
  out += '"';
}

inline void append_json_double(std::string& out, double d) {
  if (!std::isfinite(d)) {
    out += "null";
    return;
  }
  char buf[32]; // the shortest form of any double fits in 24 characters
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  if (ec != std::errc()) { // cannot happen with this buffer; stay valid JSON regardless
    out += "null";
    return;
  }
  const std::string_view text(buf, static_cast<std::size_t>(end - buf));
  out += text;
  if (text.find_first_of(".e") == std::string_view::npos) out += ".0";
}

template <class Int> void append_json_integer(std::string& out, Int v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec; // 20 digits and a sign always fit
  out.append(buf, end);
}

} // namespace detail

/// Appends the JSON text of `v` to `out` (compact: no whitespace). Recursive: nesting is bounded
/// by the parser's depth limit for parsed values, and by the caller for values it builds.
inline void append_json_text(std::string& out, const json::value& v) {
  switch (v.kind()) {
  case json::kind::null:
    out += "null";
    return;
  case json::kind::bool_:
    out += v.get_bool() ? "true" : "false";
    return;
  case json::kind::int64:
    detail::append_json_integer(out, v.get_int64());
    return;
  case json::kind::uint64:
    detail::append_json_integer(out, v.get_uint64());
    return;
  case json::kind::double_:
    detail::append_json_double(out, v.get_double());
    return;
  case json::kind::string:
    detail::append_json_string(out, v.get_string());
    return;
  case json::kind::array: {
    out += '[';
    bool first = true;
    for (const auto& e : v.get_array()) {
      if (!first) out += ',';
      first = false;
      append_json_text(out, e);
    }
    out += ']';
    return;
  }
  case json::kind::object: {
    out += '{';
    bool first = true;
    for (const auto& kv : v.get_object()) {
      if (!first) out += ',';
      first = false;
      detail::append_json_string(out, kv.key());
      out += ':';
      append_json_text(out, kv.value());
    }
    out += '}';
    return;
  }
  }
}

/// The JSON text of `v` (see above for how numbers and strings are written).
inline std::string json_text(const json::value& v) {
  std::string out;
  out.reserve(256); // most bodies and tool outputs fit; fewer regrowths for the rest
  append_json_text(out, v);
  return out;
}

/// A JSON string literal: `s` quoted and escaped.
inline std::string json_quote(std::string_view s) {
  std::string out;
  detail::append_json_string(out, s);
  return out;
}

} // namespace coassist
