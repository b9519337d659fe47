// Character classes of RFC 9110/9112 as constexpr tables (no locale, no allocation).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace coassist::http::detail {

// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" /
//         "~" / DIGIT / ALPHA
constexpr std::array<bool, 256> make_tchar_table() {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c)
    t[static_cast<std::size_t>(c)] = true;
  for (int c = 'a'; c <= 'z'; ++c)
    t[static_cast<std::size_t>(c)] = true;
  for (int c = 'A'; c <= 'Z'; ++c)
    t[static_cast<std::size_t>(c)] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~"))
    t[static_cast<unsigned char>(c)] = true;
  return t;
}
inline constexpr std::array<bool, 256> tchar_table = make_tchar_table();

// field-vchar / SP / HTAB: VCHAR (0x21-0x7E), obs-text (0x80-0xFF), SP, HTAB.
constexpr std::array<bool, 256> make_value_table() {
  std::array<bool, 256> t{};
  for (int c = 0x20; c <= 0x7e; ++c)
    t[static_cast<std::size_t>(c)] = true;
  for (int c = 0x80; c <= 0xff; ++c)
    t[static_cast<std::size_t>(c)] = true;
  t['\t'] = true;
  return t;
}
inline constexpr std::array<bool, 256> value_table = make_value_table();

constexpr bool is_tchar(char c) {
  return tchar_table[static_cast<unsigned char>(c)];
}
constexpr bool is_value_char(char c) {
  return value_table[static_cast<unsigned char>(c)];
}
constexpr bool is_ows(char c) {
  return c == ' ' || c == '\t';
}
constexpr bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

constexpr int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr char to_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

constexpr bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (to_lower(a[i]) != to_lower(b[i])) return false;
  return true;
}

constexpr bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_tchar(c)) return false;
  return true;
}

constexpr std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && is_ows(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back()))
    s.remove_suffix(1);
  return s;
}

// Calls f(element) for every element of a comma-separated list (RFC 9110 5.6.1), OWS trimmed,
// empty elements skipped as the RFC requires of recipients. Stops early when f returns false.
template <class F> constexpr bool for_each_list_element(std::string_view list, F&& f) {
  for (;;) {
    auto comma = list.find(',');
    auto element = trim_ows(list.substr(0, comma));
    if (!element.empty() && !f(element)) return false;
    if (comma == std::string_view::npos) return true;
    list.remove_prefix(comma + 1);
  }
}

} // namespace coassist::http::detail
