// Decoding the model's arguments: values, and the error messages the model gets back.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <limits>

#include "test_types.hpp"

#include <coassist/json/decode.hpp>
#include <coassist/json/encode.hpp>

using namespace tools_test;
namespace reflect = coassist::reflect;

namespace {
template <class T> std::string error_of(std::string_view text, bool strict = true) {
  auto r = reflect::decode<T>(text, {.strict = strict});
  REQUIRE_FALSE(r.ok());
  return r.error();
}
} // namespace

TEST_CASE("decode reads every supported type", "[unit]") {
  auto r = reflect::decode<scalars>(
      R"({"flag":true,"i8":-128,"u8":255,"i16":-32768,"u16":65535,"i32":-5,"u32":4294967295,)"
      R"("i64":-9223372036854775808,"u64":18446744073709551615,"f":1.5,"d":3,"s":"x\u00e9"})");
  REQUIRE(r.ok());
  const scalars& s = r.value();
  CHECK(s.flag);
  CHECK(s.i8 == -128);
  CHECK(s.u8 == 255);
  CHECK(s.i16 == -32768);
  CHECK(s.u16 == 65535);
  CHECK(s.i32 == -5);
  CHECK(s.u32 == 4294967295u);
  CHECK(s.i64 == std::numeric_limits<std::int64_t>::min());
  CHECK(s.u64 == std::numeric_limits<std::uint64_t>::max());
  CHECK(s.f == 1.5f);
  CHECK(s.d == 3.0);
  CHECK(s.s == "x\xc3\xa9");
}

TEST_CASE("decode reads nested structs, enums, optionals, vectors and maps", "[unit]") {
  auto o = reflect::decode<order>(
      R"({"city":"Paris","temperature_unit":null,"items":[{"sku":"a","qty":2}],)"
      R"("gift":{"sku":"g","qty":1},"urgency":"high"})");
  REQUIRE(o.ok());
  CHECK(o.value().city == "Paris");
  CHECK_FALSE(o.value().temperature_unit.has_value());
  REQUIRE(o.value().items.size() == 1);
  CHECK(o.value().items[0].qty == 2);
  REQUIRE(o.value().gift.has_value());
  CHECK(o.value().gift->sku == "g");
  CHECK(o.value().urgency == priority::high);

  // strict: maps are arrays of entries
  auto c = reflect::decode<collections>(
      R"({"grid":[[1,2],[3]],"by_name":[{"key":"x","value":{"sku":"s","qty":4}}],)"
      R"("units":["celsius","fahrenheit"]})");
  REQUIRE(c.ok());
  CHECK(c.value().grid == std::vector<std::vector<std::int32_t>>{{1, 2}, {3}});
  CHECK(c.value().by_name.at("x").qty == 4);
  CHECK(c.value().units == std::vector<unit>{unit::celsius, unit::fahrenheit});

  // non-strict: maps are objects, unknown fields are ignored, missing optionals are nullopt
  auto n = reflect::decode<optionals>(R"({"tally":{"a":1,"b":2},"other":true})", {.strict = false});
  REQUIRE(n.ok());
  CHECK(n.value().tally == std::map<std::string, int>{{"a", 1}, {"b", 2}});
  CHECK_FALSE(n.value().count.has_value());
  CHECK_FALSE(n.value().note.has_value());

  // an integer written as an exact double is accepted
  auto d = reflect::decode<line_item>(R"({"sku":"a","qty":3.0})");
  REQUIRE(d.ok());
  CHECK(d.value().qty == 3);
}

TEST_CASE("decode errors name the JSON path and the expected type", "[unit]") {
  CHECK(error_of<order>(R"({"city":"P","items":[{"sku":"a","qty":1},{"sku":"b","qty":2},)"
                        R"({"sku":"c","qty":"x"}],"urgency":"low"})") ==
        R"(arguments.items[2].qty: expected integer in [0, 4294967295], got "x")");
  CHECK(error_of<order>(R"({"items":[],"urgency":"low"})") ==
        "arguments.city: missing required field (expected string)");
  CHECK(error_of<order>(R"({"city":"P","items":[],"urgency":"urgent"})") ==
        R"(arguments.urgency: expected one of "low", "high", got "urgent")");
  CHECK(error_of<order>(R"({"city":"P","items":[],"urgency":"low","colour":"red"})") ==
        "arguments.colour: unknown field (expected one of: city, temperature_unit, items, gift, "
        "urgency)");
  CHECK(error_of<order>(R"({"city":null,"items":[],"urgency":"low"})") ==
        "arguments.city: expected string, got null");
  CHECK(error_of<order>(R"({"city":"P","items":{},"urgency":"low"})") ==
        "arguments.items: expected array, got {}");
  CHECK(error_of<order>(R"([1,2])") == "arguments: expected object, got an array");
  CHECK(error_of<scalars>(R"({"flag":1})").starts_with("arguments.flag: expected boolean, got 1"));
}

TEST_CASE("decode checks integer ranges at every width", "[unit]") {
  CHECK(error_of<line_item>(R"({"sku":"a","qty":-1})") ==
        "arguments.qty: expected integer in [0, 4294967295], got -1");
  CHECK(error_of<line_item>(R"({"sku":"a","qty":4294967296})") ==
        "arguments.qty: expected integer in [0, 4294967295], got 4294967296");
  CHECK(error_of<line_item>(R"({"sku":"a","qty":1.5})") ==
        "arguments.qty: expected integer in [0, 4294967295], got 1.5");
  const std::string all_ok = R"("flag":true,"u8":0,"i16":0,"u16":0,"i32":0,"u32":0,)"
                             R"("i64":0,"u64":0,"f":0,"d":0,"s":"")";
  CHECK(error_of<scalars>(R"({"i8":128,)" + all_ok + "}") ==
        "arguments.i8: expected integer in [-128, 127], got 128");
  CHECK(error_of<scalars>(R"({"i8":0,"u8":0,"i16":0,"u16":0,"i32":0,"u32":0,"flag":true,)"
                          R"("i64":0,"u64":-1,"f":0,"d":0,"s":""})") ==
        "arguments.u64: expected integer in [0, 18446744073709551615], got -1");
  CHECK(error_of<scalars>(R"({"i8":0,"u8":0,"i16":0,"u16":0,"i32":0,"u32":0,"flag":true,)"
                          R"("i64":9223372036854775808,"u64":0,"f":0,"d":0,"s":""})") ==
        "arguments.i64: expected integer in [-9223372036854775808, 9223372036854775807], got "
        "9223372036854775808");
  CHECK(error_of<scalars>(R"({"i8":0,"u8":0,"i16":0,"u16":0,"i32":0,"u32":0,"flag":true,)"
                          R"("i64":0,"u64":0,"f":1e300,"d":0,"s":""})") ==
        "arguments.f: expected number, got 1e+300");
}

TEST_CASE("decode reports bad JSON with its offset", "[unit]") {
  CHECK(error_of<order>(R"({"city": "P",)") ==
        "arguments: invalid JSON at offset 13 (incomplete JSON)");
  CHECK(error_of<order>(R"({"city" "P"})").starts_with("arguments: invalid JSON at offset 8 ("));
  CHECK(error_of<order>("").starts_with("arguments: invalid JSON at offset 0"));
  // a struct without fields takes "" as {}
  CHECK(reflect::decode<empty_args>("").ok());
  CHECK(reflect::decode<empty_args>(" {} ").ok());
}

TEST_CASE("decode reports several problems at once, and strict maps' own errors", "[unit]") {
  CHECK(error_of<order>(R"({"city":1,"items":[{"qty":1}],"urgency":2})") ==
        "arguments.city: expected string, got 1\n"
        "arguments.items[0].sku: missing required field (expected string)\n"
        R"(arguments.urgency: expected one of "low", "high", got 2)");
  CHECK(
      error_of<collections>(R"({"grid":[],"units":[],"by_name":[{"key":"a","value":)"
                            R"({"sku":"s","qty":1}},{"key":"a","value":{"sku":"t","qty":2}}]})") ==
      R"(arguments.by_name[1].key: duplicate key "a")");
  CHECK(error_of<collections>(R"({"grid":[],"units":[],"by_name":[{"k":"a"}]})") ==
        R"(arguments.by_name[0]: expected {"key": string, "value": object}, got an object)");
  CHECK(error_of<optionals>(R"({"tally":{"a b":"x"}})", false) ==
        R"(arguments.tally["a b"]: expected integer in [-2147483648, 2147483647], got "x")");
  // at most 8 lines, then a count
  std::string many =
      R"({"grid":[["a","b","c","d","e","f","g","h","i","j"]],"units":[],"by_name":[]})";
  const std::string e = error_of<collections>(many);
  CHECK(std::count(e.begin(), e.end(), '\n') == 8);
  CHECK(e.ends_with("(2 more errors)"));
}

TEST_CASE("encode writes structs, enums, optionals, maps and strings", "[unit]") {
  order o{"Paris", unit::fahrenheit, {{"a", 2}}, std::nullopt, priority::low};
  CHECK(reflect::to_text(o) == R"({"city":"Paris","temperature_unit":"fahrenheit","items":)"
                               R"([{"sku":"a","qty":2}],"gift":null,"urgency":"low"})");
  collections c{{{1}}, {{"k", {"s", 1}}}, {unit::celsius}};
  CHECK(reflect::to_text(c) ==
        R"({"grid":[[1]],"by_name":{"k":{"sku":"s","qty":1}},"units":["celsius"]})");
  CHECK(reflect::to_text(std::string("plain \"text\"")) == "plain \"text\"");
  CHECK(reflect::to_text(boost::json::value{{"a", 1}}) == R"({"a":1})");
  CHECK(reflect::to_text(static_cast<priority>(3)) == "3");
  CHECK(reflect::to_text(std::numeric_limits<double>::infinity()) == "null");
}
