#include <coassist/api.hpp>

#include <catch2/catch.hpp>

TEST_CASE("operation() finds every operation of the table at compile time", "[unit]") {
  constexpr auto& op = coassist::operation("submitToolOuputsToRun");
  STATIC_REQUIRE(op.path_template == "/threads/{thread_id}/runs/{run_id}/submit_tool_outputs");
  REQUIRE(coassist::api::find_operation("noSuchOperation") == nullptr);
}
