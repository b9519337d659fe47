// The sans-I/O rules of the Responses agent loop (agent/detail/response_chain.hpp): calls of a
// response, success, the continuation request, and the search for a lost submission's outputs.
#include <coassist/agent/detail/response_chain.hpp>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

namespace json = boost::json;
using namespace coassist;
using agent::detail::chain_mode;

namespace {

json::object parse_object(std::string_view text) {
  return json::parse(text).as_object();
}

const char* two_calls = R"({"id":"resp_1","object":"response","status":"completed","output":[
  {"type":"reasoning","id":"rs_1","summary":[]},
  {"type":"function_call","id":"fc_1","call_id":"call_a","name":"get_weather",
   "arguments":"{\"city\":\"Paris\"}","status":"completed"},
  {"type":"message","id":"msg_1","role":"assistant","status":"completed","content":[]},
  {"type":"function_call","id":"fc_2","call_id":"call_b","name":"get_time","arguments":"{}",
   "status":"completed"}]})";

error_info info_of_thrown(const json::object& response) {
  try {
    agent::detail::require_completed(response);
  } catch (...) {
    return error_info_of(std::current_exception());
  }
  return {};
}

} // namespace

TEST_CASE("the function calls of a response, in output order, by call_id", "[unit]") {
  auto calls = agent::detail::function_calls_of(parse_object(two_calls));
  REQUIRE(calls.size() == 2);
  CHECK(calls[0].id == "call_a");
  CHECK(calls[0].name == "get_weather");
  CHECK(calls[0].arguments == R"({"city":"Paris"})");
  CHECK(calls[1].id == "call_b");
  CHECK(agent::detail::function_calls_of(parse_object(R"({"output":"x"})")).empty());
  CHECK(agent::detail::function_calls_of(parse_object("{}")).empty());
}

TEST_CASE("only a completed response is success", "[unit]") {
  CHECK_NOTHROW(agent::detail::require_completed(parse_object(two_calls)));

  auto failed = info_of_thrown(parse_object(
      R"({"id":"resp_f","status":"failed","error":{"code":"server_error","message":"boom"}})"));
  CHECK(failed.kind == errc::response_failed);
  CHECK(failed.code == "server_error");
  CHECK(failed.message.find("boom") != std::string::npos);
  CHECK(failed.where == "response resp_f");

  auto incomplete = info_of_thrown(parse_object(
      R"({"id":"resp_i","status":"incomplete","incomplete_details":{"reason":"max_output_tokens"}})"));
  CHECK(incomplete.kind == errc::response_incomplete);
  CHECK(incomplete.code == "max_output_tokens");

  for (auto status : {"cancelled", "in_progress", "queued", "something_new"}) {
    json::object r;
    r["id"] = "resp_x";
    r["status"] = status;
    CHECK(info_of_thrown(r).kind == errc::response_failed);
  }
  try {
    agent::detail::require_completed(parse_object(R"({"id":"r","status":"failed"})"));
    FAIL("no exception");
  } catch (const response_error& e) {
    CHECK(e.kind() == errc::response_failed);
  }
}

TEST_CASE("the continuation carries the outputs in call order and the first request's settings",
          "[unit]") {
  auto first = parse_object(R"({"model":"gpt-4.1","instructions":"Be brief.","input":"hi",
    "tools":[{"type":"function","name":"f"}],"stream":true,"background":true,
    "text":{"format":{"type":"text"}},"metadata":{"k":"v"}})");
  std::vector<tools::tool_output> outputs{{"call_b", "2", false}, {"call_a", "1", false}};

  auto by_id =
      agent::detail::continuation(first, chain_mode::previous_response_id, "resp_1", "", outputs);
  CHECK(by_id.at("previous_response_id") == "resp_1");
  CHECK_FALSE(by_id.contains("conversation"));
  CHECK_FALSE(by_id.contains("stream"));
  CHECK_FALSE(by_id.contains("background"));
  CHECK(by_id.at("instructions") == "Be brief."); // not carried by previous_response_id
  CHECK(by_id.at("model") == "gpt-4.1");
  CHECK(by_id.at("tools") == first.at("tools"));
  CHECK(by_id.at("metadata") == first.at("metadata"));
  CHECK(json::serialize(by_id.at("input")) ==
        R"([{"type":"function_call_output","call_id":"call_b","output":"2"},)"
        R"({"type":"function_call_output","call_id":"call_a","output":"1"}])");

  auto conv = first;
  conv["conversation"] = json::object{{"id", "conv_9"}};
  CHECK(agent::detail::conversation_of(conv) == "conv_9");
  auto in_conv =
      agent::detail::continuation(conv, chain_mode::conversation, "resp_1", "conv_9", outputs);
  CHECK(in_conv.at("conversation") == "conv_9");
  CHECK_FALSE(in_conv.contains("previous_response_id"));
  conv["conversation"] = "conv_7";
  CHECK(agent::detail::conversation_of(conv) == "conv_7");
  CHECK(agent::detail::conversation_of(first).empty());
}

TEST_CASE("a lost submission is found among the conversation's items, with the reply after it",
          "[unit]") {
  std::vector<tools::tool_call> calls{{"call_a", "f", "{}"}, {"call_b", "g", "{}"}};
  // newest first, as listConversationItems gives them by default
  auto page = json::parse(R"([
    {"type":"message","id":"msg_3","role":"assistant","status":"completed",
     "content":[{"type":"output_text","text":"done","annotations":[]}]},
    {"type":"function_call_output","id":"fco_2","call_id":"call_b","output":"2"},
    {"type":"function_call_output","id":"fco_1","call_id":"call_a","output":"1"},
    {"type":"function_call","id":"fc_2","call_id":"call_b","name":"g","arguments":"{}"},
    {"type":"function_call","id":"fc_1","call_id":"call_a","name":"f","arguments":"{}"},
    {"type":"message","id":"msg_1","role":"user","content":[]}])")
                  .as_array();

  SECTION("in one page") {
    agent::detail::lost_submission_search s(calls);
    CHECK(s.feed(page));
    CHECK(s.applied());
    auto reply = s.reply();
    REQUIRE(reply.size() == 1);
    CHECK(reply[0].at("id") == "msg_3");
    auto r = agent::detail::recovered_response(reply, "conv_1");
    CHECK(r.at("status") == "completed");
    CHECK(r.at("id") == "");
    CHECK(agent::detail::function_calls_of(r).empty());
  }
  SECTION("item by item, as pages of one") {
    agent::detail::lost_submission_search s(calls);
    std::size_t fed = 0;
    for (const auto& item : page) {
      ++fed;
      if (s.feed(json::array{item})) break;
    }
    CHECK(fed == 5); // stops at the oldest call of the round, never reads older items
    CHECK(s.applied());
    CHECK(s.reply().size() == 1);
  }
  SECTION("not applied: only the calls are there") {
    agent::detail::lost_submission_search s(calls);
    json::array without{page[3], page[4], page[5]};
    CHECK(s.feed(without));
    CHECK_FALSE(s.applied());
    CHECK_FALSE(s.partially_applied());
  }
  SECTION("half applied is told apart") {
    agent::detail::lost_submission_search s(calls);
    json::array half{page[2], page[3], page[4]};
    CHECK(s.feed(half));
    CHECK(s.partially_applied());
  }
  SECTION("a reply that calls tools again is a new round") {
    agent::detail::lost_submission_search s(calls);
    json::array with_calls{json::parse(R"({"type":"function_call","id":"fc_9","call_id":"call_z",
                                           "name":"f","arguments":"{}"})"),
                           page[1], page[2], page[3], page[4]};
    CHECK(s.feed(with_calls));
    auto r = agent::detail::recovered_response(s.reply(), "conv_1");
    auto next = agent::detail::function_calls_of(r);
    REQUIRE(next.size() == 1);
    CHECK(next[0].id == "call_z");
  }
}

TEST_CASE("a duplicate refusal is recognised", "[unit]") {
  error_info dup{errc::bad_request, 400, "Duplicate item found with id fco_1.", {}, {}, {}, {}, {}};
  CHECK(agent::detail::is_duplicate_refusal(dup));
  error_info other{
      errc::bad_request, 400, "Missing required parameter: 'input'.", {}, {}, {}, {}, {}};
  CHECK_FALSE(agent::detail::is_duplicate_refusal(other));
  error_info server{errc::internal_server, 500, "Duplicate", {}, {}, {}, {}, {}};
  CHECK_FALSE(agent::detail::is_duplicate_refusal(server));
}

// ---- structured outputs (responses/structured_output.hpp), sans I/O ----
#include <coassist/responses/structured_output.hpp>

namespace {
struct verdict {
  bool approve = false;
  std::string reason;
  std::optional<int> score;
};

json::object message_response(std::string_view content_json,
                              std::string_view status = "completed") {
  return parse_object(std::string(R"({"id":"resp_s","status":")") + std::string(status) +
                      R"(","output":[{"type":"message","id":"msg_1","role":"assistant",)"
                      R"("status":"completed","content":)" +
                      std::string(content_json) + "}]}");
}

template <class T> error_info parse_error(const json::object& response) {
  try {
    responses::parse_output<T>(response);
  } catch (...) {
    return error_info_of(std::current_exception());
  }
  return {};
}
} // namespace

TEST_CASE("structured outputs: the format is a strict json_schema of the type", "[unit]") {
  auto f = responses::json_schema_format<verdict>("verdict");
  CHECK(f.at("type") == "json_schema");
  CHECK(f.at("name") == "verdict");
  CHECK(f.at("strict") == true);
  CHECK(f.at("schema") == json::value(reflect::schema_of<verdict>(true)));
  const auto& schema = f.at("schema").as_object();
  CHECK(schema.at("additionalProperties") == false);
  CHECK(schema.at("required").as_array().size() == 3); // strict: optional fields too

  auto req = responses::with_json_schema_format<verdict>(
      parse_object(R"({"model":"m","input":"x","text":{"verbosity":"low"}})"), "verdict");
  CHECK(req.at("text").at("verbosity") == "low");
  CHECK(req.at("text").at("format") == json::value(f));
}

TEST_CASE("structured outputs: the output text decodes into the type, across parts", "[unit]") {
  auto v = responses::parse_output<verdict>(message_response(
      R"([{"type":"output_text","text":"{\"approve\":true,","annotations":[]},)"
      R"({"type":"output_text","text":"\"reason\":\"ok\",\"score\":null}","annotations":[]}])"));
  CHECK(v.approve);
  CHECK(v.reason == "ok");
  CHECK_FALSE(v.score);
}

TEST_CASE("structured outputs: refusal, bad documents and unfinished responses are errors",
          "[unit]") {
  auto refused = parse_error<verdict>(
      message_response(R"([{"type":"refusal","refusal":"I can't help with that."}])"));
  CHECK(refused.kind == errc::refusal);
  CHECK(refused.message == "I can't help with that.");

  auto wrong_type = parse_error<verdict>(message_response(
      R"([{"type":"output_text","text":"{\"approve\":\"yes\",\"reason\":\"r\",\"score\":1}"}])"));
  CHECK(wrong_type.kind == errc::invalid_output);
  CHECK(wrong_type.message.find("output.approve") != std::string::npos);

  auto not_json = parse_error<verdict>(
      message_response(R"([{"type":"output_text","text":"{\"approve\": tr"}])"));
  CHECK(not_json.kind == errc::invalid_output);

  auto empty = parse_error<verdict>(message_response("[]"));
  CHECK(empty.kind == errc::invalid_output);

  auto incomplete = parse_error<verdict>(message_response(
      R"([{"type":"output_text","text":"{\"approve\":true,\"reason\":\"r\",\"score\":1}"}])",
      "incomplete"));
  CHECK(incomplete.kind == errc::response_incomplete);
  try {
    responses::parse_output<verdict>(message_response(R"([{"type":"refusal","refusal":"no"}])"));
    FAIL("no exception");
  } catch (const refusal_error& e) {
    CHECK(e.info().where == "response resp_s");
  }
}
