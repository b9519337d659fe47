#include <coassist/config.hpp>

#include <catch2/catch.hpp>

TEST_CASE("the version string matches the version numbers", "[unit]") {
  REQUIRE(std::string(COASSIST_VERSION_STRING) == std::to_string(COASSIST_VERSION_MAJOR) + "." +
                                                      std::to_string(COASSIST_VERSION_MINOR) + "." +
                                                      std::to_string(COASSIST_VERSION_PATCH));
}
