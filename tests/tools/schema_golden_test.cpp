// Golden tests: the exact JSON Schema text of representative structs, non-strict and strict.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <algorithm>

#include "test_types.hpp"

#include <coassist/json/schema.hpp>

using namespace tools_test;
namespace reflect = coassist::reflect;

namespace {
template <class T> std::string schema_text(bool strict) {
  return boost::json::serialize(reflect::schema_of<T>(strict));
}
} // namespace

TEST_CASE("schema of scalars, non-strict", "[unit]") {
  CHECK(
      schema_text<scalars>(false) ==
      R"json({"type":"object","properties":{"flag":{"type":"boolean"},"i8":{"type":"integer","minimum":-128,"maximum":127},"u8":{"type":"integer","minimum":0,"maximum":255},"i16":{"type":"integer","minimum":-32768,"maximum":32767},"u16":{"type":"integer","minimum":0,"maximum":65535},"i32":{"type":"integer","minimum":-2147483648,"maximum":2147483647},"u32":{"type":"integer","minimum":0,"maximum":4294967295},"i64":{"type":"integer","minimum":-9223372036854775808,"maximum":9223372036854775807},"u64":{"type":"integer","minimum":0,"maximum":18446744073709551615},"f":{"type":"number"},"d":{"type":"number"},"s":{"type":"string"}},"required":["flag","i8","u8","i16","u16","i32","u32","i64","u64","f","d","s"]})json");
}

TEST_CASE("schema of scalars, strict", "[unit]") {
  CHECK(
      schema_text<scalars>(true) ==
      R"json({"type":"object","properties":{"flag":{"type":"boolean"},"i8":{"type":"integer","minimum":-128,"maximum":127},"u8":{"type":"integer","minimum":0,"maximum":255},"i16":{"type":"integer","minimum":-32768,"maximum":32767},"u16":{"type":"integer","minimum":0,"maximum":65535},"i32":{"type":"integer","minimum":-2147483648,"maximum":2147483647},"u32":{"type":"integer","minimum":0,"maximum":4294967295},"i64":{"type":"integer","minimum":-9223372036854775808,"maximum":9223372036854775807},"u64":{"type":"integer","minimum":0,"maximum":18446744073709551615},"f":{"type":"number"},"d":{"type":"number"},"s":{"type":"string"}},"required":["flag","i8","u8","i16","u16","i32","u32","i64","u64","f","d","s"],"additionalProperties":false})json");
}

TEST_CASE("schema of order, non-strict", "[unit]") {
  CHECK(
      schema_text<order>(false) ==
      R"json({"description":"An order to place","type":"object","properties":{"city":{"description":"Delivery city","type":"string"},"temperature_unit":{"type":"string","enum":["celsius","fahrenheit"]},"items":{"description":"What to deliver","type":"array","items":{"type":"object","properties":{"sku":{"type":"string"},"qty":{"type":"integer","minimum":0,"maximum":4294967295}},"required":["sku","qty"]}},"gift":{"description":"An optional free item","type":"object","properties":{"sku":{"type":"string"},"qty":{"type":"integer","minimum":0,"maximum":4294967295}},"required":["sku","qty"]},"urgency":{"type":"string","enum":["low","high"]}},"required":["city","items","urgency"]})json");
}

TEST_CASE("schema of order, strict", "[unit]") {
  CHECK(
      schema_text<order>(true) ==
      R"json({"description":"An order to place","type":"object","properties":{"city":{"description":"Delivery city","type":"string"},"temperature_unit":{"type":["string","null"],"enum":["celsius","fahrenheit",null]},"items":{"description":"What to deliver","type":"array","items":{"type":"object","properties":{"sku":{"type":"string"},"qty":{"type":"integer","minimum":0,"maximum":4294967295}},"required":["sku","qty"],"additionalProperties":false}},"gift":{"description":"An optional free item","anyOf":[{"type":"object","properties":{"sku":{"type":"string"},"qty":{"type":"integer","minimum":0,"maximum":4294967295}},"required":["sku","qty"],"additionalProperties":false},{"type":"null"}]},"urgency":{"type":"string","enum":["low","high"]}},"required":["city","temperature_unit","items","gift","urgency"],"additionalProperties":false})json");
}

TEST_CASE("schema of optionals, non-strict", "[unit]") {
  CHECK(
      schema_text<optionals>(false) ==
      R"json({"type":"object","properties":{"count":{"type":"integer","minimum":-2147483648,"maximum":2147483647},"note":{"type":"string"},"weights":{"type":"array","items":{"type":"number"}},"tally":{"type":"object","additionalProperties":{"type":"integer","minimum":-2147483648,"maximum":2147483647}}},"required":[]})json");
}

TEST_CASE("schema of optionals, strict", "[unit]") {
  CHECK(
      schema_text<optionals>(true) ==
      R"json({"type":"object","properties":{"count":{"type":["integer","null"],"minimum":-2147483648,"maximum":2147483647},"note":{"type":["string","null"]},"weights":{"type":["array","null"],"items":{"type":"number"}},"tally":{"type":["array","null"],"items":{"type":"object","properties":{"key":{"type":"string"},"value":{"type":"integer","minimum":-2147483648,"maximum":2147483647}},"required":["key","value"],"additionalProperties":false}}},"required":["count","note","weights","tally"],"additionalProperties":false})json");
}

TEST_CASE("schema of collections, non-strict", "[unit]") {
  CHECK(
      schema_text<collections>(false) ==
      R"json({"type":"object","properties":{"grid":{"type":"array","items":{"type":"array","items":{"type":"integer","minimum":-2147483648,"maximum":2147483647}}},"by_name":{"type":"object","additionalProperties":{"type":"object","properties":{"sku":{"type":"string"},"qty":{"type":"integer","minimum":0,"maximum":4294967295}},"required":["sku","qty"]}},"units":{"type":"array","items":{"type":"string","enum":["celsius","fahrenheit"]}}},"required":["grid","by_name","units"]})json");
}

TEST_CASE("schema of collections, strict", "[unit]") {
  CHECK(
      schema_text<collections>(true) ==
      R"json({"type":"object","properties":{"grid":{"type":"array","items":{"type":"array","items":{"type":"integer","minimum":-2147483648,"maximum":2147483647}}},"by_name":{"type":"array","items":{"type":"object","properties":{"key":{"type":"string"},"value":{"type":"object","properties":{"sku":{"type":"string"},"qty":{"type":"integer","minimum":0,"maximum":4294967295}},"required":["sku","qty"],"additionalProperties":false}},"required":["key","value"],"additionalProperties":false}},"units":{"type":"array","items":{"type":"string","enum":["celsius","fahrenheit"]}}},"required":["grid","by_name","units"],"additionalProperties":false})json");
}

TEST_CASE("schema of empty_args, non-strict", "[unit]") {
  CHECK(schema_text<empty_args>(false) ==
        R"json({"type":"object","properties":{},"required":[]})json");
}

TEST_CASE("schema of empty_args, strict", "[unit]") {
  CHECK(schema_text<empty_args>(true) ==
        R"json({"type":"object","properties":{},"required":[],"additionalProperties":false})json");
}

TEST_CASE("schema of third_party, non-strict", "[unit]") {
  CHECK(
      schema_text<third_party>(false) ==
      R"json({"description":"A search","type":"object","properties":{"query":{"type":"string"},"limit":{"description":"At most this many results","type":"integer","minimum":-2147483648,"maximum":2147483647}},"required":["query","limit"]})json");
}

TEST_CASE("schema of third_party, strict", "[unit]") {
  CHECK(
      schema_text<third_party>(true) ==
      R"json({"description":"A search","type":"object","properties":{"query":{"type":"string"},"limit":{"description":"At most this many results","type":"integer","minimum":-2147483648,"maximum":2147483647}},"required":["query","limit"],"additionalProperties":false})json");
}

namespace {
// The strict-mode rules, checked on any schema: every object schema closes its properties and
// requires all of them.
void check_strict_rules(const boost::json::value& schema, std::string path) {
  if (const auto* o = schema.if_object()) {
    if (const auto* props = o->if_contains("properties")) {
      INFO(path);
      REQUIRE(o->contains("additionalProperties"));
      CHECK(o->at("additionalProperties") == boost::json::value(false));
      const auto& required = o->at("required").as_array();
      CHECK(required.size() == props->as_object().size());
      for (const auto& kv : props->as_object())
        CHECK(std::find(required.begin(), required.end(), boost::json::value(kv.key())) !=
              required.end());
    }
    CHECK_FALSE((o->contains("additionalProperties") && o->at("additionalProperties").is_object()));
    for (const auto& kv : *o)
      check_strict_rules(kv.value(), path + "." + std::string(kv.key()));
  } else if (const auto* a = schema.if_array()) {
    for (std::size_t i = 0; i < a->size(); ++i)
      check_strict_rules((*a)[i], path + "[" + std::to_string(i) + "]");
  }
}
} // namespace

TEST_CASE("strict schemas close every object and require every property", "[unit]") {
  check_strict_rules(reflect::schema_of<scalars>(true), "scalars");
  check_strict_rules(reflect::schema_of<order>(true), "order");
  check_strict_rules(reflect::schema_of<optionals>(true), "optionals");
  check_strict_rules(reflect::schema_of<collections>(true), "collections");
  check_strict_rules(reflect::schema_of<empty_args>(true), "empty_args");
}

TEST_CASE("non-strict schemas leave optionals out of required", "[unit]") {
  const auto s = reflect::schema_of<order>(false);
  const auto& required = s.at("required").as_array();
  CHECK(required == boost::json::array{"city", "items", "urgency"});
  CHECK_FALSE(s.contains("additionalProperties"));
}

TEST_CASE("field names and descriptions come from the struct itself", "[unit]") {
  STATIC_REQUIRE(reflect::field_count<order> == 5);
  STATIC_REQUIRE(reflect::field_names<order>[0] == "city");
  STATIC_REQUIRE(reflect::field_names<order>[4] == "urgency");
  STATIC_REQUIRE(reflect::field_names<scalars>[11] == "s");
  STATIC_REQUIRE(reflect::description_of<order>() == "An order to place");
  STATIC_REQUIRE(reflect::field_description_of<order, 2>() == "What to deliver");
  STATIC_REQUIRE(reflect::field_description_of<order, 1>().empty());
  STATIC_REQUIRE(reflect::description_of<third_party>() == "A search");
  STATIC_REQUIRE(reflect::enum_to_name(priority::high) == "high");
  STATIC_REQUIRE(reflect::enum_from_name<unit>("fahrenheit") == unit::fahrenheit);
  STATIC_REQUIRE(!reflect::enum_from_name<unit>("kelvin").has_value());
}
