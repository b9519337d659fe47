#include "support/process.hpp"

#include <catch2/catch.hpp>

using coassist::test::child_process;

TEST_CASE("child_process reads lines and reports the exit code", "[unit]") {
  child_process p({"/bin/sh", "-c", "echo one; echo two; exit 7"});
  REQUIRE(p.read_line() == "one");
  REQUIRE(p.read_line() == "two");
  REQUIRE(p.wait(std::chrono::seconds(5)) == 7);
}

TEST_CASE("child_process read_line gives up at its deadline", "[unit]") {
  child_process p({"/bin/sh", "-c", "exec sleep 30"});
  auto start = std::chrono::steady_clock::now();
  REQUIRE_THROWS(p.read_line(std::chrono::milliseconds(200)));
  REQUIRE(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  REQUIRE(p.stop() == 128 + SIGTERM);
}

TEST_CASE("child_process passes extra environment variables", "[unit]") {
  child_process p({"/bin/sh", "-c", "echo \"$COASSIST_PROBE\""}, {{"COASSIST_PROBE", "xyz"}});
  REQUIRE(p.read_line() == "xyz");
}
