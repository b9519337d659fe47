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

TEST_CASE("child_process reports a program that cannot be started", "[unit]") {
  REQUIRE_THROWS_WITH(child_process({"/nonexistent/program"}),
                      Catch::Contains("cannot start /nonexistent/program"));
}

// A test that aborts runs no destructor: its servers must still go, or they keep ctest's output
// pipe open and ctest waits for them forever (this once stalled CI).
TEST_CASE("a child dies with the test process that started it", "[unit]") {
  int out[2];
  REQUIRE(::pipe(out) == 0);
  ::pid_t test_process = ::fork();
  REQUIRE(test_process >= 0);
  if (test_process == 0) { // plays an aborting test: the child shares our stdout, the pipe
    ::dup2(out[1], STDOUT_FILENO);
    ::close(out[0]);
    ::close(out[1]);
    new child_process({"/bin/sh", "-c", "exec sleep 30"}, {}, false); // never destroyed
    ::_exit(0);
  }
  ::close(out[1]);
  REQUIRE(::waitpid(test_process, nullptr, 0) == test_process);
  // EOF once every writer, the orphaned child included, has gone
  pollfd p{out[0], POLLIN, 0};
  REQUIRE(::poll(&p, 1, 10'000) == 1);
  char c;
  CHECK(::read(out[0], &c, 1) == 0);
  ::close(out[0]);
}
