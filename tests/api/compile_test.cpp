#include <coassist/api.hpp>

#include <catch2/catch.hpp>

TEST_CASE("operation() finds every operation of the table at compile time", "[unit]") {
  constexpr auto& op = coassist::operation("submitToolOuputsToRun");
  STATIC_REQUIRE(op.path_template == "/threads/{thread_id}/runs/{run_id}/submit_tool_outputs");
  REQUIRE(coassist::api::find_operation("noSuchOperation") == nullptr);
}

TEST_CASE("error_info_of: coassist errors, cancellation and foreign exceptions", "[unit]") {
  using namespace coassist;
  auto nf = make_error(
      error_info{errc::not_found, 404, "gone", "invalid_request_error", {}, {}, "req_1", {}});
  CHECK(error_info_of(nf).kind == errc::not_found);
  CHECK(error_info_of(nf).request_id == "req_1");
  // what co_await on a cancelled Asio operation throws
  auto aborted = std::make_exception_ptr(std::system_error(asio::error::operation_aborted));
  CHECK(error_info_of(aborted).kind == errc::cancelled);
  auto other = std::make_exception_ptr(std::runtime_error("tool broke"));
  CHECK(error_info_of(other).kind == errc::invalid_argument);
  CHECK(error_info_of(other).message == "tool broke");
  CHECK(error_info_of(nullptr).message.empty());
}

TEST_CASE("transport failures map to the kind a caller acts on", "[unit]") {
  using namespace coassist;
  net::diagnostics parse_stage;
  parse_stage.stage = net::stage::parse;
  // the server broke framing: a malformed response
  CHECK(detail::transport_error_info(http::error::bad_chunk, parse_stage).kind ==
        errc::invalid_response);
  CHECK(detail::transport_error_info(http::error::bad_status_line, parse_stage).kind ==
        errc::invalid_response);
  // EOF inside the body: the connection was cut, the response was not malformed
  CHECK(detail::transport_error_info(http::error::partial_message, parse_stage).kind ==
        errc::connection);
  net::diagnostics read_stage;
  read_stage.stage = net::stage::read;
  CHECK(detail::transport_error_info(net::error::idle_timeout, read_stage).kind == errc::timeout);
  CHECK(detail::transport_error_info(asio::error::connection_reset, read_stage).kind ==
        errc::connection);
  // where it failed, then the error, once
  net::diagnostics refused;
  refused.stage = net::stage::connect;
  refused.where = "connect 127.0.0.1:1";
  refused.message = "connect 127.0.0.1:1: Connection refused";
  std::error_code ec = asio::error::connection_refused;
  auto info = detail::transport_error_info(ec, refused);
  CHECK(info.where == "connect 127.0.0.1:1");
  auto what = std::string(error(info).what());
  CHECK(what.rfind("connect 127.0.0.1:1: " + ec.message(), 0) == 0);
  CHECK(what.find(ec.message()) == what.rfind(ec.message())); // once
}
