// The small runtime every generated model builds on (hand-written, not generated).
//
// Mapping rules of the generated models (see scripts/gen_models.py):
// - field present always (required by the spec)           -> T
// - field the spec marks nullable and required            -> nullable<T>   (null is a value)
// - field not required                                    -> std::optional<T>
// - field not required and nullable                       -> std::optional<nullable<T>>
//   (nullopt = absent, engaged-but-null = an explicit JSON null)
// - string enums with one value ("object", union "type") -> std::string preset to that value
// - string enums with several values                      -> a class derived from basic_enum: it
//   keeps any string, has the known values as constants and is_known(); never fails to decode.
// - unions (oneOf/anyOf)                                  -> a struct derived from
// std::variant<...,
//   unknown_json>; objects are told apart by their "type" field, other alternatives by JSON kind;
//   anything else decodes to unknown_json holding the raw value (never a failure).
// - integers -> std::int64_t, numbers -> double, free-form objects -> json::object.
// Every generated struct has `json::object extra`: the fields the spec does not know (and nulls
// the spec does not allow). Encoding writes the typed fields then `extra`, so decode -> encode
// loses nothing. Decoding is lenient where real servers deviate from the spec: a required field
// that is absent (or null though not nullable) keeps its default and sets its bit in the struct's
// `missing` mask (bit = field position), and encoding skips it, as the official SDKs do with
// "fields set". A value of the wrong JSON type is an error. Numbers: a double with an integral
// value is encoded as an integer (JSON does not tell 1 from 1.0; this keeps the wire form short).
//
// Small helpers here are plain `inline`; the generated codecs (models/impl/models.ipp) use
// COASSIST_MODELS_DECL so that COASSIST_SEPARATE_COMPILATION compiles them once
// (<coassist/src.hpp>).
//
// Decoding throws decode_error naming the JSON path ("$.data[2].status") and the expected type;
// try_from_json() reports the same as a value instead.
#pragma once

#include <coassist/config.hpp>

#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>
#include <boost/json/value_to.hpp>

#include <array>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace coassist::api {

// A value that may be an explicit JSON null (an empty nullable<T> is encoded as null).
template <class T> class nullable : public std::optional<T> {
public:
  using std::optional<T>::optional;
  nullable() = default;
  bool is_null() const noexcept { return !this->has_value(); }
  // (std::optional's comparison templates are ambiguous between two nullables: this one is exact)
  friend bool operator==(const nullable& a,
                         const nullable& b) requires std::equality_comparable<T> {
    return static_cast<const std::optional<T>&>(a) == static_cast<const std::optional<T>&>(b);
  }
};

// The raw JSON of a union alternative the spec does not know (kept for a lossless round trip).
struct unknown_json {
  json::value raw;
  static constexpr bool coassist_model = true;
};

// Base of the generated enum classes: an open set of strings. Derived classes add the known
// values as `static constexpr std::string_view` constants and `known_values`.
template <class Derived> class basic_enum {
public:
  static constexpr bool coassist_model = true;
  basic_enum() = default;
  basic_enum(std::string_view value) : value_(value) {}
  basic_enum(const char* value) : value_(value) {}
  basic_enum(std::string value) : value_(std::move(value)) {}

  const std::string& str() const noexcept { return value_; }
  operator std::string_view() const noexcept { return value_; }
  // True when the value is one the spec lists (a newer server may send others).
  bool is_known() const noexcept {
    for (std::string_view known : Derived::known_values)
      if (known == value_) return true;
    return false;
  }
  bool operator==(const basic_enum&) const = default;
  bool operator==(std::string_view other) const noexcept { return value_ == other; }
  bool operator==(const char* other) const noexcept { return value_ == other; }

private:
  std::string value_;
};

// A decoding failure: where (a JSON path from "$") and what was expected there.
class decode_error : public std::runtime_error {
public:
  decode_error(std::string path, std::string expected, std::string found)
      : std::runtime_error("coassist::api: expected " + expected + " at " + path + ", found " +
                           found),
        path_(std::move(path)), expected_(std::move(expected)), found_(std::move(found)) {}
  const std::string& path() const noexcept { return path_; }
  const std::string& expected() const noexcept { return expected_; }
  const std::string& found() const noexcept { return found_; }

private:
  std::string path_, expected_, found_;
};

namespace detail {

// The path being decoded, as a linked list on the stack: costs nothing unless an error occurs.
struct path_node {
  const path_node* parent = nullptr;
  std::string_view key{};
  std::size_t index = 0;
  bool is_index = false;
};

inline std::string path_string(const path_node& at) {
  std::vector<const path_node*> nodes;
  for (const path_node* n = &at; n != nullptr; n = n->parent)
    nodes.push_back(n);
  std::string out = "$";
  for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) {
    const path_node& n = **it;
    if (n.parent == nullptr && !n.is_index && n.key.empty()) continue; // the root
    if (n.is_index) {
      out += '[';
      out += std::to_string(n.index);
      out += ']';
    } else {
      out += '.';
      out += n.key;
    }
  }
  return out;
}

inline std::string kind_name(const json::value& v) {
  switch (v.kind()) {
  case json::kind::null:
    return "null";
  case json::kind::bool_:
    return "boolean";
  case json::kind::int64:
  case json::kind::uint64:
    return "integer";
  case json::kind::double_:
    return "number";
  case json::kind::string:
    return "string";
  case json::kind::array:
    return "array";
  case json::kind::object:
    return "object";
  }
  return "value";
}

[[noreturn]] inline void fail(const path_node& at, std::string expected, const json::value& found) {
  throw decode_error(path_string(at), std::move(expected), kind_name(found));
}

template <class T> struct is_nullable : std::false_type {};
template <class T> struct is_nullable<nullable<T>> : std::true_type {};

// ---- decode: primitives first, then the templates (all declared before any is defined) ----
inline void decode(const json::value& v, std::string& out, const path_node& at) {
  if (!v.is_string()) fail(at, "string", v);
  out.assign(v.get_string().data(), v.get_string().size());
}
inline void decode(const json::value& v, std::int64_t& out, const path_node& at) {
  if (v.is_int64())
    out = v.get_int64();
  else if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
    out = static_cast<std::int64_t>(v.get_uint64());
  else if (v.is_double() && std::trunc(v.get_double()) == v.get_double() &&
           std::fabs(v.get_double()) < 9.2e18)
    out = static_cast<std::int64_t>(v.get_double());
  else
    fail(at, "integer", v);
}
inline void decode(const json::value& v, double& out, const path_node& at) {
  if (!v.is_number()) fail(at, "number", v);
  out = v.to_number<double>();
}
inline void decode(const json::value& v, bool& out, const path_node& at) {
  if (!v.is_bool()) fail(at, "boolean", v);
  out = v.get_bool();
}
inline void decode(const json::value& v, json::value& out, const path_node&) {
  out = v;
}
inline void decode(const json::value& v, json::object& out, const path_node& at) {
  if (!v.is_object()) fail(at, "object", v);
  out = v.get_object();
}
inline void decode(const json::value& v, unknown_json& out, const path_node&) {
  out.raw = v;
}

template <class T> void decode(const json::value& v, std::vector<T>& out, const path_node& at);
template <class T>
void decode(const json::value& v, std::map<std::string, T>& out, const path_node& at);
template <class T> void decode(const json::value& v, nullable<T>& out, const path_node& at);
template <class D> void decode(const json::value& v, basic_enum<D>& out, const path_node& at);

template <class T> void decode(const json::value& v, std::vector<T>& out, const path_node& at) {
  if (!v.is_array()) fail(at, "array", v);
  const json::array& a = v.get_array();
  out.clear();
  out.resize(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    path_node item{&at, {}, i, true};
    decode(a[i], out[i], item);
  }
}
template <class T>
void decode(const json::value& v, std::map<std::string, T>& out, const path_node& at) {
  if (!v.is_object()) fail(at, "object", v);
  out.clear();
  for (const auto& [key, item_value] : v.get_object()) {
    path_node item{&at, key, 0, false};
    decode(item_value, out[std::string(key)], item);
  }
}
template <class T> void decode(const json::value& v, nullable<T>& out, const path_node& at) {
  if (v.is_null()) {
    out.reset();
    return;
  }
  T inner{};
  decode(v, inner, at);
  out = std::move(inner);
}
template <class D> void decode(const json::value& v, basic_enum<D>& out, const path_node& at) {
  if (!v.is_string()) fail(at, "string", v);
  out = basic_enum<D>(std::string_view(v.get_string()));
}

// ---- encode ----
inline json::value encode(const std::string& x) {
  return json::value(x);
}
inline json::value encode(std::int64_t x) {
  return json::value(x);
}
inline json::value encode(double x) {
  // integral values as integers: the form servers and the spec examples use
  if (std::trunc(x) == x && std::fabs(x) < 9.0e15) return json::value(static_cast<std::int64_t>(x));
  return json::value(x);
}
inline json::value encode(bool x) {
  return json::value(x);
}
inline json::value encode(const json::value& x) {
  return x;
}
inline json::value encode(const json::object& x) {
  return json::value(x);
}
inline json::value encode(const unknown_json& x) {
  return x.raw;
}

template <class T> json::value encode(const std::vector<T>& x);
template <class T> json::value encode(const std::map<std::string, T>& x);
template <class T> json::value encode(const nullable<T>& x);
template <class D> json::value encode(const basic_enum<D>& x);

template <class T> json::value encode(const std::vector<T>& x) {
  json::array a;
  a.reserve(x.size());
  for (const T& item : x)
    a.push_back(encode(item));
  return a;
}
template <class T> json::value encode(const std::map<std::string, T>& x) {
  json::object o;
  for (const auto& [key, item] : x)
    o.emplace(key, encode(item));
  return o;
}
template <class T> json::value encode(const nullable<T>& x) {
  if (!x.has_value()) return nullptr;
  return encode(*x);
}
template <class D> json::value encode(const basic_enum<D>& x) {
  return json::value(x.str());
}

// ---- helpers the generated object codecs call ----
inline const json::object& expect_object(const json::value& v, const path_node& at) {
  if (!v.is_object()) fail(at, "object", v);
  return v.get_object();
}

// A required field. Servers (and the spec's own examples) sometimes omit one or send null where
// the spec allows none: the field keeps its default, its bit in `missing` is set so encoding does
// not invent it, and a null is kept in `extra` (lossless). A value of the wrong type still throws.
template <class T>
void read_required(const json::object& o, std::string_view key, T& out, std::uint64_t& missing,
                   unsigned bit, json::object& extra, const path_node& at) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || (v->is_null() && !is_nullable<T>::value)) {
    missing |= std::uint64_t{1} << bit;
    if (v != nullptr) extra.emplace(key, nullptr);
    return;
  }
  path_node field{&at, key, 0, false};
  decode(*v, out, field);
}

// An optional field. A null where the spec does not allow one is kept in `extra` (lossless).
template <class T>
void read_optional(const json::object& o, std::string_view key, std::optional<T>& out,
                   json::object& extra, const path_node& at) {
  out.reset();
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return;
  if (v->is_null() && !is_nullable<T>::value) {
    extra.emplace(key, nullptr);
    return;
  }
  path_node field{&at, key, 0, false};
  T inner{};
  decode(*v, inner, field);
  out = std::move(inner);
}

template <std::size_t N>
void collect_extra(const json::object& o, const std::array<std::string_view, N>& known,
                   json::object& extra) {
  for (const auto& [key, value] : o) {
    bool is_known = false;
    for (std::string_view k : known)
      if (k == key) {
        is_known = true;
        break;
      }
    if (!is_known) extra.emplace(key, value);
  }
}

template <class T>
void write_field(json::object& o, std::string_view key, const T& x, std::uint64_t missing,
                 unsigned bit) {
  if ((missing & (std::uint64_t{1} << bit)) == 0) o.insert_or_assign(key, encode(x));
}
template <class T>
void write_field(json::object& o, std::string_view key, const std::optional<T>& x) {
  if (x.has_value()) o.insert_or_assign(key, encode(*x));
}
// Unknown fields after the typed ones; a typed field wins over an `extra` entry of the same name.
inline void write_extra(json::object& o, const json::object& extra) {
  for (const auto& [key, value] : extra)
    o.emplace(key, value);
}

// The "type" of an object union alternative ("" when absent or not a string).
inline std::string_view discriminator(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) return {};
  return v->get_string();
}

} // namespace detail

// ---- public entry points ----

// Any generated model type (struct, enum class, union) or unknown_json.
template <class T>
concept model = requires {
  T::coassist_model;
};

// Decodes a model from JSON; throws decode_error naming the path on a shape mismatch.
template <class T> T from_json(const json::value& v) {
  T out{};
  detail::path_node root{};
  using detail::decode;
  decode(v, out, root);
  return out;
}

// The same without exceptions: the error (path and expectation) is written to `error`.
template <class T> std::optional<T> try_from_json(const json::value& v, std::string& error) {
  try {
    return from_json<T>(v);
  } catch (const decode_error& e) {
    error = e.what();
    return std::nullopt;
  }
}

// Encodes any model (or a vector/map/nullable of models) to JSON.
template <class T> json::value to_json(const T& x) {
  using detail::encode;
  return encode(x);
}

// Boost.JSON integration: json::value_from(m) and json::value_to<T>(v) work for every model.
template <model T> void tag_invoke(const json::value_from_tag&, json::value& jv, const T& x) {
  jv = to_json(x);
}
template <model T> T tag_invoke(const json::value_to_tag<T>&, const json::value& jv) {
  return from_json<T>(jv);
}

} // namespace coassist::api
