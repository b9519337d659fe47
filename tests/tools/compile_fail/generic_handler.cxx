// expect: coassist::tools: cannot deduce the handler's parameter
#include <coassist/tools/tool_set.hpp>

int main() {
  auto t = coassist::tools::tool("x", "generic lambdas have no parameter type",
                                 [](auto args) { return std::string("ok"); });
  (void)t;
}
