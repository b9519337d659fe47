// Reflection of plain aggregates with no macro: field count and access through Boost.PFR, field
// NAMES through the technique of PFR 1.84 (the address of a member of an `extern` object is a
// template argument whose spelling __PRETTY_FUNCTION__ reveals). Verified on g++ 12 and clang 14.
//
// Optional documentation, all opt-in:
//
//   struct get_weather_args {
//     std::string city;
//     std::optional<unit> temperature_unit;
//
//     // a description of the struct and of some fields (static members do not count as fields,
//     // so the struct stays a plain aggregate; a name that is not a field is a compile error)
//     static constexpr std::string_view description = "Where and how to report the weather";
//     static constexpr coassist::reflect::field_description field_descriptions[] = {
//         {"city", "City name, e.g. Paris"},
//         {"temperature_unit", "Defaults to celsius"},
//     };
//   };
//
//   // for a type you cannot edit, specialise the trait instead (same two members, both optional):
//   template <> struct coassist::reflect::describe<their_args> {
//     static constexpr std::string_view description = "...";
//     static constexpr coassist::reflect::field_description field_descriptions[] = {{"x", "..."}};
//   };
//
//   // enums are string enums of their value names: name them with Boost.Describe ...
//   enum class unit { celsius, fahrenheit };
//   BOOST_DESCRIBE_ENUM(unit, celsius, fahrenheit)
//   // ... or with the trait (no macro):
//   template <> struct coassist::reflect::enum_names<unit> {
//     static constexpr std::pair<unit, std::string_view> values[] = {
//         {unit::celsius, "celsius"}, {unit::fahrenheit, "fahrenheit"}};
//   };
//
// Limits: types must be aggregates declared at namespace scope (not local classes) with no base
// classes and no reference members; recursive types (a struct holding a vector of itself) are
// not supported.
#pragma once

#include <coassist/config.hpp>

#include <boost/describe/enum.hpp>
#include <boost/describe/enumerators.hpp>
#include <boost/pfr/core.hpp>
#include <boost/pfr/tuple_size.hpp>

#include <array>
#include <cstddef>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace coassist::reflect {

/// One entry of a struct's `field_descriptions`: the field's name and the text shown to the model.
struct field_description {
  std::string_view field;
  std::string_view text;
};

/// Specialise to document a type you cannot edit. The primary template reads the static members
/// `description` and `field_descriptions` of T when they exist.
template <class T> struct describe {};

/// Specialise to name the values of an enum without Boost.Describe:
/// `static constexpr std::pair<E, std::string_view> values[] = {{E::a, "a"}, ...};`
template <class E> struct enum_names {};

namespace detail {

template <class T> inline constexpr bool always_false = false;

// ---- field names ----
template <class T> struct fake_object_wrapper { const T value; };

#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wundefined-var-template"
#endif
// Never defined: only the ADDRESS of its members is used, in constant evaluation.
template <class T> extern const fake_object_wrapper<T> fake_object;

// clang prints a pointer template argument as `&object` unless it is wrapped in a class type.
template <class P> struct pointer_wrapper { P pointer; };
template <class P> consteval pointer_wrapper<P> wrap_pointer(P p) noexcept {
  return {p};
}

template <auto Wrapped> consteval std::string_view pretty_name_of_pointer() noexcept {
  return __PRETTY_FUNCTION__;
}

// g++: `... {(& fake_object<S>.fake_object_wrapper<S>::value.S::field)}; ...]`
// clang: `... [Wrapped = {&fake_object.value.field}]`
consteval std::string_view field_name_from_pretty(std::string_view pretty) noexcept {
  std::size_t end = pretty.rfind('}');
  while (end > 0 && pretty[end - 1] == ')')
    --end;
  std::size_t begin = end;
  auto is_identifier = [](char c) {
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  while (begin > 0 && is_identifier(pretty[begin - 1]))
    --begin;
  return pretty.substr(begin, end - begin);
}

template <class T, std::size_t I> consteval std::string_view field_name_impl() noexcept {
  return field_name_from_pretty(
      pretty_name_of_pointer<wrap_pointer(&boost::pfr::get<I>(fake_object<T>.value))>());
}
#if defined(__clang__)
#pragma clang diagnostic pop
#endif

template <class T, std::size_t... I>
consteval std::array<std::string_view, sizeof...(I)> field_names_impl(std::index_sequence<I...>) {
  return {field_name_impl<T, I>()...};
}

} // namespace detail

// ---- type categories ----
template <class T> struct is_optional : std::false_type {};
template <class T> struct is_optional<std::optional<T>> : std::true_type {};
template <class T> struct is_vector : std::false_type {};
template <class T, class A> struct is_vector<std::vector<T, A>> : std::true_type {};
template <class T> struct is_string_map : std::false_type {};
template <class T, class C, class A>
struct is_string_map<std::map<std::string, T, C, A>> : std::true_type {};

template <class T>
concept character = std::is_same_v<T, char> || std::is_same_v<T, wchar_t> ||
    std::is_same_v<T, char8_t> || std::is_same_v<T, char16_t> || std::is_same_v<T, char32_t>;

/// Integers that map to JSON integers (not bool, not character types: `char` is ambiguous).
template <class T>
concept integer = std::is_integral_v<T> && !std::is_same_v<T, bool> && !character<T>;

template <class E>
concept trait_named_enum = std::is_enum_v<E> && requires {
  enum_names<E>::values;
};
template <class E>
concept described_enum = std::is_enum_v<E> && boost::describe::has_describe_enumerators<E>::value;
/// An enum whose values have names (the trait wins over Boost.Describe).
template <class E>
concept named_enum = trait_named_enum<E> || described_enum<E>;

/// A plain aggregate struct reflected field by field.
template <class T>
concept reflectable_struct =
    std::is_class_v<T> && std::is_aggregate_v<T> && !std::is_union_v<T> && !is_optional<T>::value &&
    !is_vector<T>::value && !is_string_map<T>::value && !std::is_same_v<T, std::string> &&
    std::is_default_constructible_v<T>;

/// Number of fields of a reflectable struct.
template <reflectable_struct T>
inline constexpr std::size_t field_count = boost::pfr::tuple_size_v<T>;

/// The names of T's fields, in declaration order, computed at compile time.
template <reflectable_struct T>
inline constexpr std::array<std::string_view, field_count<T>>
    field_names = detail::field_names_impl<T>(std::make_index_sequence<field_count<T>>{});

/// The I-th field of `value` (a reference).
template <std::size_t I, class T> constexpr decltype(auto) field(T& value) noexcept {
  return boost::pfr::get<I>(value);
}

// ---- descriptions ----
namespace detail {
template <class T>
concept has_member_description = requires {
  { T::description } -> std::convertible_to<std::string_view>;
};
template <class T>
concept has_member_field_descriptions = requires {
  std::size(T::field_descriptions);
};
template <class T>
concept has_trait_description = requires {
  { describe<T>::description } -> std::convertible_to<std::string_view>;
};
template <class T>
concept has_trait_field_descriptions = requires {
  std::size(describe<T>::field_descriptions);
};
} // namespace detail

/// The description of a struct ("" if none).
template <class T> constexpr std::string_view description_of() noexcept {
  if constexpr (detail::has_trait_description<T>)
    return describe<T>::description;
  else if constexpr (detail::has_member_description<T>)
    return T::description;
  else
    return {};
}

namespace detail {
template <class T> constexpr auto field_descriptions_of() noexcept {
  if constexpr (has_trait_field_descriptions<T>)
    return std::span<const field_description>(describe<T>::field_descriptions);
  else if constexpr (has_member_field_descriptions<T>)
    return std::span<const field_description>(T::field_descriptions);
  else
    return std::span<const field_description>{};
}

template <class T> consteval bool field_descriptions_name_fields() {
  for (const field_description& d : field_descriptions_of<T>()) {
    bool found = false;
    for (std::string_view name : field_names<T>)
      found = found || name == d.field;
    if (!found) return false;
  }
  return true;
}
} // namespace detail

/// The description of field I of T ("" if none).
template <class T, std::size_t I> constexpr std::string_view field_description_of() noexcept {
  static_assert(detail::field_descriptions_name_fields<T>(),
                "coassist::reflect: an entry of field_descriptions names no field of this struct");
  for (const field_description& d : detail::field_descriptions_of<T>())
    if (d.field == field_names<T>[I]) return d.text;
  return {};
}

// ---- enum names ----
namespace detail {
template <class E, template <class...> class L, class... D>
constexpr auto described_entries(L<D...>*) noexcept {
  return std::array<std::pair<E, std::string_view>, sizeof...(D)>{
      std::pair<E, std::string_view>{D::value, std::string_view(D::name)}...};
}
template <class E> constexpr auto enum_entries_impl() noexcept {
  if constexpr (trait_named_enum<E>) {
    constexpr std::size_t n = std::size(enum_names<E>::values);
    std::array<std::pair<E, std::string_view>, n> out{};
    for (std::size_t i = 0; i < n; ++i)
      out[i] = {enum_names<E>::values[i].first, enum_names<E>::values[i].second};
    return out;
  } else {
    return described_entries<E>(static_cast<boost::describe::describe_enumerators<E>*>(nullptr));
  }
}
} // namespace detail

/// The (value, name) pairs of a named enum, in declaration order.
template <named_enum E> inline constexpr auto enum_entries = detail::enum_entries_impl<E>();

/// The name of an enum value, or "" for a value that has none.
template <named_enum E> constexpr std::string_view enum_to_name(E value) noexcept {
  for (const auto& [v, name] : enum_entries<E>)
    if (v == value) return name;
  return {};
}

/// The enum value of a name, if there is one.
template <named_enum E> constexpr std::optional<E> enum_from_name(std::string_view name) noexcept {
  for (const auto& [v, n] : enum_entries<E>)
    if (n == name) return v;
  return std::nullopt;
}

} // namespace coassist::reflect
