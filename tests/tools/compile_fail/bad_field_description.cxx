// expect: an entry of field_descriptions names no field
#include <coassist/json/schema.hpp>

struct args {
  std::string city;
  static constexpr coassist::reflect::field_description field_descriptions[] = {{"cty", "typo"}};
};

int main() { return coassist::reflect::schema_of<args>(true).size() > 0 ? 0 : 1; }
