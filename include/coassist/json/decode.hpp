// Decoding the model's `arguments` (a JSON text) into a reflected type, with validation. Never
// throws for bad input: the result carries a message written for the model, one line per problem
// (up to 8), each naming the JSON path and what was expected, so the model can retry:
//
//   arguments.items[2].qty: expected integer in [0, 4294967295], got "x"
//   arguments.city: missing required field (expected string)
//   arguments.colour: unknown field (expected one of: city, items)          [strict mode]
//   arguments.unit: expected one of "celsius", "fahrenheit", got "kelvin"
//   arguments: invalid JSON at offset 12 (syntax error)
//
//   auto r = coassist::reflect::decode<get_weather_args>(call.arguments, {.strict = true});
//   if (!r) return r.error();            // a message for the model
//   use(r.value());
//
// Rules: a missing std::optional field is nullopt in both modes (strict schemas list it as
// required, but accepting its absence costs nothing); null is accepted only for optionals;
// unknown object keys are errors in strict mode and ignored otherwise; integers must fit the
// field's type (a JSON number like 3.0 is accepted as 3); in strict mode a
// std::map<std::string,T> is read from the array-of-entries form its strict schema describes.
#pragma once

#include <coassist/json/reflect.hpp>
#include <coassist/json/text.hpp>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/stream_parser.hpp>
#include <boost/json/value.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <utility>

namespace coassist::reflect {

/// How to decode.
struct decode_options {
  /// Reject unknown fields; read maps in their strict (array of entries) form.
  bool strict = true;
  /// The name of the root in error paths.
  std::string_view root = "arguments";
};

/// A decoded value or a message for the model.
template <class T> class decode_result {
public:
  decode_result(T value) : value_(std::move(value)) {}
  static decode_result failure(std::string message) {
    decode_result r;
    r.error_ = std::move(message);
    return r;
  }
  bool ok() const noexcept { return value_.has_value(); }
  explicit operator bool() const noexcept { return ok(); }
  T& value() & { return *value_; }
  T&& value() && { return std::move(*value_); }
  /// Why decoding failed ("" when it did not).
  const std::string& error() const noexcept { return error_; }

private:
  decode_result() = default;
  std::optional<T> value_;
  std::string error_;
};

namespace detail {

// A JSON path kept on the stack and rendered only when an error is reported.
struct path_node {
  const path_node* parent = nullptr;
  std::string_view key;
  std::size_t index = 0;
  bool is_index = false;
};

COASSIST_DECL bool is_plain_identifier(std::string_view key) noexcept {
  if (key.empty() || (key[0] >= '0' && key[0] <= '9')) return false;
  for (char c : key)
    if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
      return false;
  return true;
}

COASSIST_DECL void render_path(const path_node& node, std::string& out) {
  if (node.parent == nullptr) {
    out += node.key;
    return;
  }
  render_path(*node.parent, out);
  if (node.is_index) {
    out += '[';
    out += std::to_string(node.index);
    out += ']';
  } else if (is_plain_identifier(node.key)) {
    out += '.';
    out += node.key;
  } else {
    out += '[';
    out += json_quote(node.key);
    out += ']';
  }
}

// A short rendering of what the model sent.
COASSIST_DECL std::string describe_value(const json::value& v) {
  constexpr std::size_t limit = 40;
  std::string text;
  if (v.is_object())
    text = v.as_object().empty() ? "{}" : "an object";
  else if (v.is_array())
    text = v.as_array().empty() ? "[]" : "an array";
  else
    text = json_text(v);
  if (text.size() > limit) {
    std::size_t cut = limit;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
      --cut; // never split a UTF-8 sequence: the text goes back to the model as JSON
    text.resize(cut);
    text += "...";
  }
  return text;
}

struct decode_context {
  bool strict = true;
  std::string errors;
  std::size_t error_count = 0;
  static constexpr std::size_t max_errors = 8;

  void fail(const path_node& at, std::string_view message) {
    ++error_count;
    if (error_count > max_errors) return;
    if (!errors.empty()) errors += '\n';
    render_path(at, errors);
    errors += ": ";
    errors += message;
  }
  void expected(const path_node& at, std::string_view what, const json::value& got) {
    std::string message = "expected ";
    message += what;
    message += ", got ";
    message += describe_value(got);
    fail(at, message);
  }
  std::string finish() {
    if (error_count > max_errors)
      errors += "\n(" + std::to_string(error_count - max_errors) + " more errors)";
    return std::move(errors);
  }
};

/// What a JSON value for T must look like, in words.
template <class T> std::string expected_of(bool strict) {
  if constexpr (std::is_same_v<T, bool>) {
    return "boolean";
  } else if constexpr (integer<T>) {
    return "integer in [" + std::to_string(std::numeric_limits<T>::min()) + ", " +
           std::to_string(std::numeric_limits<T>::max()) + "]";
  } else if constexpr (std::is_floating_point_v<T>) {
    return "number";
  } else if constexpr (std::is_same_v<T, std::string>) {
    return "string";
  } else if constexpr (named_enum<T>) {
    std::string out = "one of ";
    bool first = true;
    for (const auto& entry : enum_entries<T>) {
      if (!first) out += ", ";
      first = false;
      out += '"';
      out += entry.second;
      out += '"';
    }
    return out;
  } else if constexpr (is_optional<T>::value) {
    return expected_of<typename T::value_type>(strict) + " or null";
  } else if constexpr (is_vector<T>::value) {
    return "array";
  } else if constexpr (is_string_map<T>::value) {
    return strict ? "array of {\"key\", \"value\"} objects" : "object";
  } else if constexpr (reflectable_struct<T>) {
    return "object";
  } else {
    static_assert(always_false<T>, "coassist::reflect: unsupported field type (see T below)");
  }
}

template <class T>
bool decode_into(const json::value& v, T& out, decode_context& ctx, const path_node& at);

template <integer T> bool decode_integer(const json::value& v, T& out) {
  if (const std::int64_t* i = v.if_int64()) {
    if (!std::in_range<T>(*i)) return false;
    out = static_cast<T>(*i);
    return true;
  }
  if (const std::uint64_t* u = v.if_uint64()) {
    if (!std::in_range<T>(*u)) return false;
    out = static_cast<T>(*u);
    return true;
  }
  if (const double* d = v.if_double()) {
    // only exactly representable integers (|d| < 2^53) written as a double, like 3.0
    if (!std::isfinite(*d) || std::trunc(*d) != *d || std::fabs(*d) >= 9007199254740992.0)
      return false;
    const auto i = static_cast<std::int64_t>(*d);
    if (!std::in_range<T>(i)) return false;
    out = static_cast<T>(i);
    return true;
  }
  return false;
}

template <class T, std::size_t... I>
bool decode_struct(const json::object& object, T& out, decode_context& ctx, const path_node& at,
                   std::index_sequence<I...>) {
  bool ok = true;
  [[maybe_unused]] auto one = [&]<std::size_t N>(std::integral_constant<std::size_t, N>) {
    using field_type = std::remove_cvref_t<decltype(field<N>(out))>;
    constexpr std::string_view name = field_names<T>[N];
    const path_node here{&at, name};
    const json::value* v = object.if_contains(json::string_view(name.data(), name.size()));
    if (v == nullptr) {
      if constexpr (is_optional<field_type>::value) {
        field<N>(out).reset();
      } else {
        ctx.fail(here,
                 "missing required field (expected " + expected_of<field_type>(ctx.strict) + ")");
        ok = false;
      }
      return;
    }
    ok = decode_into(*v, field<N>(out), ctx, here) && ok;
  };
  (one(std::integral_constant<std::size_t, I>{}), ...);
  if (ctx.strict) {
    for (const auto& kv : object) {
      bool known = false;
      for (std::string_view name : field_names<T>)
        known = known || name == std::string_view(kv.key());
      if (!known) {
        std::string message = "unknown field (expected one of: ";
        bool first = true;
        for (std::string_view name : field_names<T>) {
          if (!first) message += ", ";
          first = false;
          message += name;
        }
        message += ')';
        ctx.fail(path_node{&at, std::string_view(kv.key())}, message);
        ok = false;
      }
    }
  }
  return ok;
}

template <class T>
bool decode_into(const json::value& v, T& out, decode_context& ctx, const path_node& at) {
  auto wrong = [&] {
    ctx.expected(at, expected_of<T>(ctx.strict), v);
    return false;
  };
  if constexpr (std::is_same_v<T, bool>) {
    if (!v.is_bool()) return wrong();
    out = v.get_bool();
    return true;
  } else if constexpr (integer<T>) {
    return decode_integer(v, out) || wrong();
  } else if constexpr (std::is_floating_point_v<T>) {
    double d = 0;
    if (const double* p = v.if_double())
      d = *p;
    else if (const std::int64_t* i = v.if_int64())
      d = static_cast<double>(*i);
    else if (const std::uint64_t* u = v.if_uint64())
      d = static_cast<double>(*u);
    else
      return wrong();
    if (std::fabs(d) > static_cast<double>(std::numeric_limits<T>::max())) return wrong();
    out = static_cast<T>(d);
    return true;
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!v.is_string()) return wrong();
    out.assign(v.get_string().data(), v.get_string().size());
    return true;
  } else if constexpr (named_enum<T>) {
    if (!v.is_string()) return wrong();
    const json::string& s = v.get_string();
    std::optional<T> e = enum_from_name<T>(std::string_view(s.data(), s.size()));
    if (!e) return wrong();
    out = *e;
    return true;
  } else if constexpr (is_optional<T>::value) {
    if (v.is_null()) {
      out.reset();
      return true;
    }
    return decode_into(v, out.emplace(), ctx, at);
  } else if constexpr (is_vector<T>::value) {
    const json::array* a = v.if_array();
    if (a == nullptr) return wrong();
    out.clear();
    out.resize(a->size());
    bool ok = true;
    for (std::size_t i = 0; i < a->size(); ++i)
      ok = decode_into((*a)[i], out[i], ctx, path_node{&at, {}, i, true}) && ok;
    return ok;
  } else if constexpr (is_string_map<T>::value) {
    using mapped = typename T::mapped_type;
    out.clear();
    bool ok = true;
    if (!ctx.strict) {
      const json::object* o = v.if_object();
      if (o == nullptr) return wrong();
      for (const auto& kv : *o) {
        mapped m{};
        const std::string_view key(kv.key());
        if (decode_into(kv.value(), m, ctx, path_node{&at, key}))
          out.emplace(std::string(key), std::move(m));
        else
          ok = false;
      }
      return ok;
    }
    const json::array* a = v.if_array();
    if (a == nullptr) return wrong();
    for (std::size_t i = 0; i < a->size(); ++i) {
      const path_node entry_at{&at, {}, i, true};
      const json::object* entry = (*a)[i].if_object();
      const json::value* key = entry ? entry->if_contains("key") : nullptr;
      const json::value* value = entry ? entry->if_contains("value") : nullptr;
      if (entry == nullptr || entry->size() != 2 || key == nullptr || value == nullptr ||
          !key->is_string()) {
        ctx.expected(entry_at,
                     "{\"key\": string, \"value\": " + expected_of<mapped>(ctx.strict) + "}",
                     (*a)[i]);
        ok = false;
        continue;
      }
      mapped m{};
      if (!decode_into(*value, m, ctx, path_node{&entry_at, "value"})) {
        ok = false;
        continue;
      }
      const std::string_view k(key->get_string());
      if (!out.emplace(std::string(k), std::move(m)).second) {
        ctx.fail(path_node{&entry_at, "key"}, "duplicate key " + describe_value(*key));
        ok = false;
      }
    }
    return ok;
  } else if constexpr (reflectable_struct<T>) {
    const json::object* o = v.if_object();
    if (o == nullptr) return wrong();
    return decode_struct(*o, out, ctx, at, std::make_index_sequence<field_count<T>>{});
  } else {
    static_assert(always_false<T>, "coassist::reflect: unsupported field type (see T below)");
  }
}

} // namespace detail

/// Decodes an already parsed JSON value.
template <class T>
decode_result<T> decode_value(const json::value& v, const decode_options& options = {}) {
  detail::decode_context ctx{options.strict, {}, 0};
  T out{};
  if (detail::decode_into(v, out, ctx, detail::path_node{nullptr, options.root}))
    return decode_result<T>(std::move(out));
  return decode_result<T>::failure(ctx.finish());
}

/// Parses and decodes a JSON text (e.g. a tool call's `arguments`). For a struct with no fields,
/// an empty text counts as `{}` (some models send "" for functions without parameters).
template <class T>
decode_result<T> decode(std::string_view text, const decode_options& options = {}) {
  if constexpr (reflectable_struct<T>) {
    if constexpr (field_count<T> == 0) {
      if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return decode_result<T>(T{});
    }
  }
  // small arguments parse into a stack buffer: no heap allocation for the DOM
  unsigned char buffer[4096];
  json::monotonic_resource resource(buffer, sizeof buffer);
  json::stream_parser parser{json::storage_ptr(&resource)};
  json::error_code ec;
  std::size_t offset = parser.write(text.data(), text.size(), ec);
  if (!ec) {
    parser.finish(ec);
    offset = text.size();
  }
  if (ec) {
    std::string message(options.root);
    message += ": invalid JSON at offset " + std::to_string(offset) + " (" + ec.message() + ")";
    return decode_result<T>::failure(std::move(message));
  }
  const json::value v = parser.release();
  return decode_value<T>(v, options);
}

} // namespace coassist::reflect
