// Encoding reflected values as JSON (tool results): structs become objects with their field
// names, enums their value names (an unnamed value its integer), std::nullopt null, maps objects,
// non-finite floating point null; a json::value is copied as is.
//
//   json::value v = coassist::reflect::to_json(weather{21.5, unit::celsius});
//   std::string text = coassist::reflect::to_text(result);  // std::string is returned unchanged
#pragma once

#include <coassist/json/reflect.hpp>
#include <coassist/json/text.hpp>

#include <boost/json/value.hpp>

#include <cmath>
#include <string>

namespace coassist::reflect {

template <class T> json::value to_json(const T& value, json::storage_ptr storage = {});

namespace detail {
template <class T, std::size_t... I>
json::value struct_to_json(const T& value, const json::storage_ptr& storage,
                           std::index_sequence<I...>) {
  json::object out(storage);
  out.reserve(sizeof...(I));
  (out.emplace(field_names<T>[I], to_json(field<I>(value), storage)), ...);
  return out;
}
} // namespace detail

/// The JSON value of `value` (see the mapping above).
template <class T> json::value to_json(const T& value, json::storage_ptr storage) {
  if constexpr (std::is_same_v<T, json::value>) {
    return json::value(value, std::move(storage));
  } else if constexpr (std::is_same_v<T, bool>) {
    return json::value(value, std::move(storage));
  } else if constexpr (integer<T>) {
    if constexpr (std::is_signed_v<T>)
      return json::value(static_cast<std::int64_t>(value), std::move(storage));
    else
      return json::value(static_cast<std::uint64_t>(value), std::move(storage));
  } else if constexpr (std::is_floating_point_v<T>) {
    if (!std::isfinite(value)) return json::value(nullptr, std::move(storage));
    return json::value(static_cast<double>(value), std::move(storage));
  } else if constexpr (std::is_same_v<T, std::string>) {
    return json::value(json::string_view(value.data(), value.size()), std::move(storage));
  } else if constexpr (named_enum<T>) {
    const std::string_view name = enum_to_name(value);
    if (name.empty()) return json::value(static_cast<std::int64_t>(value), std::move(storage));
    return json::value(json::string_view(name.data(), name.size()), std::move(storage));
  } else if constexpr (is_optional<T>::value) {
    if (!value) return json::value(nullptr, std::move(storage));
    return to_json(*value, std::move(storage));
  } else if constexpr (is_vector<T>::value) {
    json::array out(storage);
    out.reserve(value.size());
    for (const auto& element : value)
      out.push_back(to_json(element, storage));
    return out;
  } else if constexpr (is_string_map<T>::value) {
    json::object out(storage);
    out.reserve(value.size());
    for (const auto& [k, v] : value)
      out.emplace(k, to_json(v, storage));
    return out;
  } else if constexpr (reflectable_struct<T>) {
    return detail::struct_to_json(value, storage, std::make_index_sequence<field_count<T>>{});
  } else {
    static_assert(detail::always_false<T>, "coassist::reflect: cannot encode this type as JSON");
  }
}

/// The text of a tool result: a std::string unchanged, anything else serialized JSON.
template <class T> std::string to_text(const T& value) {
  if constexpr (std::is_same_v<T, std::string>)
    return value;
  else if constexpr (std::is_same_v<T, json::value>)
    return json_text(value);
  else
    return json_text(to_json(value));
}

} // namespace coassist::reflect
