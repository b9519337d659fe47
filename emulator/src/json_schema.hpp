// A JSON Schema validator for the subset OpenAI's OpenAPI spec uses in its request schemas
// (type, properties, required, enum, anyOf/oneOf/allOf, min/maxItems, minimum/maximum, maxLength,
// additionalProperties, maxProperties, propertyNames, $ref). Errors read like the real service's:
// the offending parameter as a path (`tools[0].type`) and its message and code.
#pragma once

#include <boost/json.hpp>
#include <coassist/json/text.hpp> // numbers written as the service writes them (1.0, not 1E0)

#include <optional>
#include <string>
#include <string_view>

namespace emu {
namespace json = boost::json;
using coassist::json_text;

struct schema_error {
  std::string param;   // e.g. "tools[0].type"
  std::string message; // e.g. "Invalid value: 'x'. Supported values are: 'a' and 'b'."
  std::string code;    // e.g. "invalid_value"
};

class schema_set {
public:
  // schemas: name -> schema, with `$ref`s of the form "#/components/schemas/NAME"
  explicit schema_set(json::object schemas);

  bool contains(std::string_view name) const { return schemas_.contains(name); }

  // The first error found, or nothing when `value` is valid against schema `name`.
  std::optional<schema_error> validate(std::string_view name, const json::value& value) const;

  // A top-level key that no property of object schema `name` (through allOf) names; nothing when
  // the schema states additionalProperties or is a union.
  std::optional<schema_error> unknown_property(std::string_view name,
                                               const json::value& value) const;

private:
  struct attempt;
  void collect_properties(const json::value& schema, std::vector<std::string>& known, bool& open,
                          int depth) const;
  std::optional<schema_error> check(const json::value& schema, const json::value& v,
                                    const std::string& path, int depth) const;
  std::optional<schema_error> check_union(const json::array& branches, const json::value& v,
                                          const std::string& path, int depth) const;
  const json::value& resolve(const json::value& schema) const;
  json::object schemas_;
};

// "an integer", "a string", ... as the service words a JSON value's type
std::string json_type_phrase(const json::value& v);

} // namespace emu
