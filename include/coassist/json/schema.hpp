// JSON Schema of a reflected type, as OpenAI function calling expects for `parameters`.
//
//   json::object s = coassist::reflect::schema_of<get_weather_args>(/*strict=*/true);
//
// Mapping (C++ -> schema):
//   bool -> {"type":"boolean"}
//   integers -> {"type":"integer","minimum":min,"maximum":max} (exact 64-bit bounds)
//   float, double -> {"type":"number"}
//   std::string -> {"type":"string"}
//   named enums -> {"type":"string","enum":[names...]}
//   std::vector<T> -> {"type":"array","items":S(T)}
//   structs -> {"type":"object","properties":{...},"required":[...]}
//   std::optional<T> -> S(T), not listed in `required`
//   std::map<std::string,T> -> {"type":"object","additionalProperties":S(T)}
// A description (struct or field) is the first key of the schema it describes.
//
// Strict mode (what OpenAI's strict function calling accepts):
//   - every object has `"additionalProperties": false` and lists ALL its properties in
//     `required`;
//   - std::optional<T> stays required but admits null: `"type":[t,"null"]` (enums also get null
//     in `enum`), or `{"anyOf":[S(T),{"type":"null"}]}` for structs;
//   - std::map<std::string,T> cannot be an open object there, so it is an ARRAY of entries
//     `{"key": string, "value": S(T)}` (decode accepts that form in strict mode; duplicate keys are
//     an error). Non-strict mode keeps the natural JSON object.
// An unsupported type is a compile-time error ("coassist::reflect: unsupported field type"; the
// compiler's "required from ... [with T = ...]" lines name it).
#pragma once

#include <coassist/json/reflect.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <limits>

namespace coassist::reflect {

template <class T> json::object schema_of(bool strict);

namespace detail {

template <class T> struct unsupported_field_type {
  static_assert(always_false<T>,
                "coassist::reflect: unsupported field type T (the compiler's 'required from ... "
                "[with T = ...]' "
                "lines name it). "
                "Supported: bool, integers, float, double, std::string, named enums, "
                "std::optional, std::vector, std::map<std::string, T>, plain aggregate structs.");
};

// `description` first, then the rest of `schema`.
COASSIST_DECL json::object with_description(std::string_view description, json::object schema) {
  if (description.empty()) return schema;
  json::object out;
  out.reserve(schema.size() + 1);
  out.emplace("description", description);
  for (auto& kv : schema)
    out.emplace(kv.key(), std::move(kv.value()));
  return out;
}

// The strict-mode schema of an optional: the same schema, also admitting null.
COASSIST_DECL json::object nullable(json::object schema) {
  if (json::value* type = schema.if_contains("type"); type && type->is_string()) {
    if (type->as_string() != "object") {
      json::string t = type->as_string();
      *type = json::array{json::value(t), json::value("null")};
      if (json::value* values = schema.if_contains("enum"); values && values->is_array())
        values->as_array().emplace_back(nullptr);
      return schema;
    }
  }
  json::object out;
  out.emplace("anyOf", json::array{json::value(std::move(schema)), json::object{{"type", "null"}}});
  return out;
}

template <class T, std::size_t... I>
json::object struct_schema(bool strict, std::index_sequence<I...>) {
  json::object properties;
  json::array required;
  properties.reserve(sizeof...(I));
  [[maybe_unused]] auto add = [&]<std::size_t N>(std::integral_constant<std::size_t, N>) {
    using field_type = std::remove_cvref_t<decltype(field<N>(std::declval<T&>()))>;
    json::object s = schema_of<field_type>(strict);
    if constexpr (is_optional<field_type>::value) {
      if (strict) {
        s = nullable(std::move(s));
        required.emplace_back(field_names<T>[N]);
      }
    } else {
      required.emplace_back(field_names<T>[N]);
    }
    properties.emplace(field_names<T>[N],
                       with_description(field_description_of<T, N>(), std::move(s)));
  };
  (add(std::integral_constant<std::size_t, I>{}), ...);
  json::object out;
  out.emplace("type", "object");
  out.emplace("properties", std::move(properties));
  out.emplace("required", std::move(required));
  if (strict) out.emplace("additionalProperties", false);
  return with_description(description_of<T>(), std::move(out));
}

} // namespace detail

/// The JSON Schema of T (see the mapping above).
template <class T> json::object schema_of(bool strict) {
  using detail::always_false;
  json::object s;
  if constexpr (std::is_same_v<T, bool>) {
    s.emplace("type", "boolean");
  } else if constexpr (integer<T>) {
    s.emplace("type", "integer");
    if constexpr (std::is_signed_v<T>) {
      s.emplace("minimum", static_cast<std::int64_t>(std::numeric_limits<T>::min()));
      s.emplace("maximum", static_cast<std::int64_t>(std::numeric_limits<T>::max()));
    } else {
      s.emplace("minimum", 0);
      s.emplace("maximum", static_cast<std::uint64_t>(std::numeric_limits<T>::max()));
    }
  } else if constexpr (std::is_floating_point_v<T>) {
    static_assert(!std::is_same_v<T, long double>,
                  "coassist::reflect: long double is not supported");
    s.emplace("type", "number");
  } else if constexpr (std::is_same_v<T, std::string>) {
    s.emplace("type", "string");
  } else if constexpr (named_enum<T>) {
    s.emplace("type", "string");
    json::array values;
    for (const auto& entry : enum_entries<T>)
      values.emplace_back(entry.second);
    s.emplace("enum", std::move(values));
  } else if constexpr (is_optional<T>::value) {
    using inner = typename T::value_type;
    static_assert(!is_optional<inner>::value,
                  "coassist::reflect: std::optional<std::optional<T>> has no JSON meaning");
    return schema_of<inner>(strict); // the enclosing struct decides `required` and null
  } else if constexpr (is_vector<T>::value) {
    s.emplace("type", "array");
    s.emplace("items", schema_of<typename T::value_type>(strict));
  } else if constexpr (is_string_map<T>::value) {
    using mapped = typename T::mapped_type;
    if (strict) {
      json::object entry;
      entry.emplace("type", "object");
      entry.emplace("properties", json::object{{"key", json::object{{"type", "string"}}},
                                               {"value", schema_of<mapped>(strict)}});
      entry.emplace("required", json::array{"key", "value"});
      entry.emplace("additionalProperties", false);
      s.emplace("type", "array");
      s.emplace("items", std::move(entry));
    } else {
      s.emplace("type", "object");
      s.emplace("additionalProperties", schema_of<mapped>(strict));
    }
  } else if constexpr (reflectable_struct<T>) {
    return detail::struct_schema<T>(strict, std::make_index_sequence<field_count<T>>{});
  } else {
    (void)detail::unsupported_field_type<T>{};
  }
  return s;
}

} // namespace coassist::reflect
