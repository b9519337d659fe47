// Representative argument and result types shared by the tools tests (namespace scope: the
// reflection of field names does not work on local classes).
#pragma once

#include <boost/describe/enum.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <coassist/json/reflect.hpp>

namespace tools_test {

enum class unit { celsius, fahrenheit };
BOOST_DESCRIBE_ENUM(unit, celsius, fahrenheit)

enum class priority { low = 1, high = 7 }; // named through the trait below

struct scalars {
  bool flag;
  std::int8_t i8;
  std::uint8_t u8;
  std::int16_t i16;
  std::uint16_t u16;
  std::int32_t i32;
  std::uint32_t u32;
  std::int64_t i64;
  std::uint64_t u64;
  float f;
  double d;
  std::string s;
};

struct line_item {
  std::string sku;
  std::uint32_t qty;
};

struct order {
  std::string city;
  std::optional<unit> temperature_unit;
  std::vector<line_item> items;
  std::optional<line_item> gift;
  priority urgency;

  static constexpr std::string_view description = "An order to place";
  static constexpr coassist::reflect::field_description field_descriptions[] = {
      {"city", "Delivery city"},
      {"items", "What to deliver"},
      {"gift", "An optional free item"},
  };
};

struct optionals {
  std::optional<int> count;
  std::optional<std::string> note;
  std::optional<std::vector<double>> weights;
  std::optional<std::map<std::string, int>> tally;
};

struct collections {
  std::vector<std::vector<std::int32_t>> grid;
  std::map<std::string, line_item> by_name;
  std::vector<unit> units;
};

struct empty_args {};

// documented through the trait, as for a type one cannot edit
struct third_party {
  std::string query;
  int limit;
};

} // namespace tools_test

template <> struct coassist::reflect::enum_names<tools_test::priority> {
  static constexpr std::pair<tools_test::priority, std::string_view> values[] = {
      {tools_test::priority::low, "low"}, {tools_test::priority::high, "high"}};
};

template <> struct coassist::reflect::describe<tools_test::third_party> {
  static constexpr std::string_view description = "A search";
  static constexpr coassist::reflect::field_description field_descriptions[] = {
      {"limit", "At most this many results"}};
};
