// The Response helpers: output_text (the SDKs' computed field), function_calls, the status as
// given (failed / incomplete / cancelled are not success), item_id over every item union.
#include <coassist/responses/response_helpers.hpp>

#include <catch2/catch.hpp>

namespace responses = coassist::responses;
namespace json = boost::json;

namespace {

responses::response response_with(const char* status, const char* output) {
  json::value v = json::parse(output);
  json::object o{{"id", "resp_1"},
                 {"object", "response"},
                 {"created_at", 1},
                 {"model", "m"},
                 {"tools", json::array{}},
                 {"tool_choice", "auto"},
                 {"parallel_tool_calls", true},
                 {"error", nullptr},
                 {"output", v}};
  if (status != nullptr) o["status"] = status;
  return responses::from_json<responses::response>(o);
}

constexpr const char* mixed_output = R"([
  {"type": "reasoning", "id": "rs_1", "summary": []},
  {"type": "message", "id": "msg_1", "role": "assistant", "status": "completed", "content": [
    {"type": "output_text", "text": "Hello, ", "annotations": []},
    {"type": "refusal", "refusal": "not that"},
    {"type": "output_text", "text": "world", "annotations": []}]},
  {"type": "function_call", "id": "fc_1", "call_id": "call_a", "name": "weather",
   "arguments": "{\"city\":\"Oslo\"}", "status": "completed"},
  {"type": "message", "id": "msg_2", "role": "assistant", "status": "completed", "content": [
    {"type": "output_text", "text": "!", "annotations": []}]},
  {"type": "function_call", "id": "fc_2", "call_id": "call_b", "name": "time",
   "arguments": "{}", "status": "completed"},
  {"type": "teleport_call", "id": "tp_1"}])";

} // namespace

TEST_CASE("output_text concatenates the output_text parts of the messages in order", "[unit]") {
  const auto r = response_with("completed", mixed_output);
  CHECK(responses::output_text(r) == "Hello, world!");
  CHECK(responses::refusal_text(r) == "not that");
  CHECK(responses::output_text(response_with("completed", "[]")).empty());
  // the server's own output_text field (if one sends it) is not what the helper reads
  json::value v = responses::to_json(r);
  v.as_object()["output_text"] = "stale";
  CHECK(responses::output_text(responses::from_json<responses::response>(v)) == "Hello, world!");
}

TEST_CASE("function_calls lists the function_call items in output order", "[unit]") {
  const auto calls = responses::function_calls(response_with("completed", mixed_output));
  REQUIRE(calls.size() == 2);
  CHECK(calls[0].call_id == "call_a");
  CHECK(calls[0].name == "weather");
  CHECK(json::parse(calls[0].arguments).at("city") == "Oslo");
  CHECK(calls[1].call_id == "call_b");
  CHECK(responses::function_calls(response_with("completed", "[]")).empty());
}

TEST_CASE("the status is kept as given: only completed is success", "[unit]") {
  const auto completed = response_with("completed", "[]");
  CHECK(responses::is_completed(completed));
  CHECK_FALSE(responses::is_failed(completed));
  for (const char* s : {"failed", "incomplete", "cancelled", "queued", "in_progress", "paused"}) {
    INFO(s);
    const auto r = response_with(s, "[]");
    CHECK_FALSE(responses::is_completed(r));
    CHECK(responses::status(r) == s);
  }
  CHECK(responses::is_failed(response_with("failed", "[]")));
  CHECK(responses::is_incomplete(response_with("incomplete", "[]")));
  CHECK(responses::is_cancelled(response_with("cancelled", "[]")));
  CHECK(responses::is_pending(response_with("queued", "[]")));
  CHECK(responses::is_pending(response_with("in_progress", "[]")));
  CHECK_FALSE(responses::is_pending(response_with("incomplete", "[]")));
  // no status at all is not success either
  const auto none = response_with(nullptr, "[]");
  CHECK(responses::status(none).empty());
  CHECK_FALSE(responses::is_completed(none));
}

TEST_CASE("item_id answers the id of any item, known kind or not", "[unit]") {
  const auto r = response_with("completed", mixed_output);
  REQUIRE(r.output.size() == 6);
  CHECK(responses::item_id(r.output[0]) == "rs_1");
  CHECK(responses::item_id(r.output[1]) == "msg_1");
  CHECK(responses::item_id(r.output[2]) == "fc_1"); // an optional id
  REQUIRE(std::holds_alternative<responses::unknown_json>(r.output[5]));
  CHECK(responses::item_id(r.output[5]) == "tp_1");
  const auto conv_item = responses::from_json<responses::conversation_item>(json::parse(
      R"({"type":"message","id":"msg_9","role":"user","status":"completed","content":[]})"));
  CHECK(responses::item_id(conv_item) == "msg_9");
  const auto no_id = responses::from_json<responses::item_resource>(
      json::parse(R"({"type":"function_call_output","call_id":"c","output":"x"})"));
  CHECK(responses::item_id(no_id).empty());
}
