// expect: coassist::reflect: unsupported field type
#include <coassist/json/schema.hpp>

struct args {
  std::string name;
  const char* raw; // not a supported field type
};

int main() { return coassist::reflect::schema_of<args>(true).size() > 0 ? 0 : 1; }
