// A downstream program built with COASSIST_SEPARATE_COMPILATION: this unit sees only the
// declarations of the model codecs; separate_src.cpp compiles them, once.
#include <coassist/api.hpp>

#include <cstdio>

int main() {
  auto a = coassist::json::value_to<coassist::api::assistant_object>(coassist::json::parse(
      R"({"id":"asst_1","object":"assistant","created_at":1,"name":null,"description":null,)"
      R"("model":"gpt-4o","instructions":null,"tools":[],"metadata":{}})"));
  std::printf("coassist %s (separate compilation): %s\n", COASSIST_VERSION_STRING, a.id.c_str());
  return a.id == "asst_1" ? 0 : 1;
}
