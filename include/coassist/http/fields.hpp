// An ordered list of HTTP fields (header or trailer lines) with case-insensitive lookup.
#pragma once

#include <coassist/config.hpp>
#include <coassist/http/detail/chars.hpp>

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace coassist::http {

class response_parser;
class chunked_decoder;

struct field {
  std::string name;
  std::string value;
};

// RFC 9110 field-name: a token (1*tchar).
constexpr bool is_valid_field_name(std::string_view name) {
  return detail::is_token(name);
}

// Field value as this library accepts it: VCHAR, obs-text, SP and HTAB only; so CR, LF, NUL,
// DEL and every other control character are refused (header injection stays impossible).
constexpr bool is_valid_field_value(std::string_view value) {
  for (char c : value)
    if (!detail::is_value_char(c)) return false;
  return true;
}

// Ordered, duplicates allowed, names compared case-insensitively. Every field in it passed
// is_valid_field_name / is_valid_field_value.
class fields {
public:
  using const_iterator = std::vector<field>::const_iterator;

  // Appends a field. Throws std::invalid_argument when the name or value is invalid.
  void add(std::string name, std::string value) {
    check(name, value);
    list_.push_back(field{std::move(name), std::move(value)});
  }

  // Replaces every field of that name by one (at the position of the first, else at the end).
  // Throws std::invalid_argument when the name or value is invalid.
  void set(std::string name, std::string value) {
    check(name, value);
    auto first = std::find_if(list_.begin(), list_.end(),
                              [&](const field& f) { return detail::iequals(f.name, name); });
    if (first == list_.end()) {
      list_.push_back(field{std::move(name), std::move(value)});
      return;
    }
    first->name = std::move(name);
    first->value = std::move(value);
    auto from = first + 1;
    list_.erase(
        std::remove_if(from, list_.end(),
                       [&](const field& f) { return detail::iequals(f.name, first->name); }),
        list_.end());
  }

  // Removes every field of that name; true when at least one was removed.
  bool erase(std::string_view name) {
    auto n = std::erase_if(list_, [&](const field& f) { return detail::iequals(f.name, name); });
    return n != 0;
  }

  // The value of the first field of that name.
  std::optional<std::string_view> find(std::string_view name) const {
    for (const auto& f : list_)
      if (detail::iequals(f.name, name)) return std::string_view(f.value);
    return std::nullopt;
  }

  // The values of every field of that name, in order.
  std::vector<std::string_view> find_all(std::string_view name) const {
    std::vector<std::string_view> out;
    for (const auto& f : list_)
      if (detail::iequals(f.name, name)) out.emplace_back(f.value);
    return out;
  }

  bool contains(std::string_view name) const { return find(name).has_value(); }

  const_iterator begin() const { return list_.begin(); }
  const_iterator end() const { return list_.end(); }
  std::size_t size() const { return list_.size(); }
  bool empty() const { return list_.empty(); }
  void clear() { list_.clear(); }

private:
  friend class response_parser;
  friend class chunked_decoder;

  static void check(std::string_view name, std::string_view value) {
    if (!is_valid_field_name(name)) throw std::invalid_argument("invalid HTTP field name");
    if (!is_valid_field_value(value)) throw std::invalid_argument("invalid HTTP field value");
  }

  // For the parsers, which validated name and value already.
  void add_unchecked(std::string_view name, std::string_view value) {
    list_.push_back(field{std::string(name), std::string(value)});
  }

  std::vector<field> list_;
};

} // namespace coassist::http
