// The mapping rules of the generated models: unknown enum values, unknown union alternatives and
// unknown fields survive a round trip; null and absent stay distinct; errors name the path.
#include "support.hpp"

#include <coassist/api/events.hpp>
#include <coassist/api/models/operation_types.hpp>
#include <coassist/api/operations.hpp>

#include <catch2/catch.hpp>

#include <set>

namespace api = coassist::api;
namespace json = boost::json;
using models_test::first_difference;

namespace {

json::value run_json() {
  return json::parse(R"({
    "id": "run_1", "object": "thread.run", "created_at": 1, "thread_id": "t", "assistant_id": "a",
    "status": "in_progress", "required_action": null, "last_error": null, "expires_at": 2,
    "started_at": null, "cancelled_at": null, "failed_at": null, "completed_at": null,
    "incomplete_details": null, "model": "gpt-4o", "instructions": "be brief",
    "tools": [{"type": "code_interpreter"},
              {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}],
    "metadata": {"k": "v"}, "usage": null, "temperature": 0.5, "max_prompt_tokens": null,
    "max_completion_tokens": 100, "truncation_strategy": {"type": "auto", "last_messages": null},
    "tool_choice": "auto", "parallel_tool_calls": true, "response_format": "auto"})");
}

} // namespace

TEST_CASE("a run decodes into typed fields", "[unit]") {
  const auto run = api::from_json<api::run_object>(run_json());
  CHECK(run.id == "run_1");
  CHECK(run.status == api::run_object_status::in_progress);
  CHECK(run.status.is_known());
  CHECK(run.expires_at.has_value());
  CHECK(*run.expires_at == 2);
  CHECK(run.started_at.is_null());
  REQUIRE(run.tools.size() == 2);
  CHECK(std::holds_alternative<api::assistant_tools_code>(run.tools[0]));
  REQUIRE(std::holds_alternative<api::assistant_tools_function>(run.tools[1]));
  CHECK(std::get<api::assistant_tools_function>(run.tools[1]).function.name == "f");
  REQUIRE(run.metadata.has_value());
  CHECK(run.metadata->at("k") == "v");
  REQUIRE(run.temperature.has_value());
  CHECK(**run.temperature == 0.5);
  CHECK_FALSE(run.top_p.has_value()); // absent
  REQUIRE(std::holds_alternative<std::string>(run.response_format));
  CHECK(std::get<std::string>(run.response_format) == "auto");
  REQUIRE(run.tool_choice.has_value());
  CHECK(std::get<api::assistants_api_tool_choice_option_string>(*run.tool_choice) ==
        api::assistants_api_tool_choice_option_string::auto_);
  CHECK(run.parallel_tool_calls);
  CHECK(run.missing == 0);
  CHECK(first_difference(run_json(), api::to_json(run)) == "");
  // Boost.JSON's own entry points work too
  CHECK(json::value_to<api::run_object>(run_json()).id == "run_1");
  CHECK(json::value_from(run) == api::to_json(run));
}

TEST_CASE("unknown enum values, union alternatives and fields survive a round trip", "[unit]") {
  json::value v = run_json();
  v.as_object()["status"] = "paused_for_lunch";
  v.as_object()["tools"].as_array().push_back(json::parse(R"({"type": "web_search", "x": [1]})"));
  v.as_object()["tool_choice"] = json::parse(R"({"type": "telepathy"})");
  v.as_object()["brand_new_field"] = json::parse(R"({"nested": [true, null]})");
  v.as_object()["truncation_strategy"].as_object()["also_new"] = 7;

  const auto run = api::from_json<api::run_object>(v);
  CHECK(run.status == "paused_for_lunch");
  CHECK_FALSE(run.status.is_known());
  REQUIRE(run.tools.size() == 3);
  REQUIRE(std::holds_alternative<api::unknown_json>(run.tools[2]));
  CHECK(std::get<api::unknown_json>(run.tools[2]).raw.at("type") == "web_search");
  REQUIRE(run.tool_choice.has_value());
  CHECK(std::holds_alternative<api::unknown_json>(*run.tool_choice));
  CHECK(run.extra.at("brand_new_field").at("nested").as_array().size() == 2);
  CHECK(run.truncation_strategy->extra.at("also_new") == 7);
  CHECK(first_difference(v, api::to_json(run)) == "");
}

TEST_CASE("null and absent stay distinct where the spec makes them distinct", "[unit]") {
  // CreateRunRequest.instructions is optional and nullable: absent, null and a value differ.
  auto absent = api::from_json<api::create_run_request>(json::parse(R"({"assistant_id": "a"})"));
  auto null = api::from_json<api::create_run_request>(
      json::parse(R"({"assistant_id": "a", "instructions": null})"));
  auto set = api::from_json<api::create_run_request>(
      json::parse(R"({"assistant_id": "a", "instructions": "hi"})"));
  CHECK_FALSE(absent.instructions.has_value());
  REQUIRE(null.instructions.has_value());
  CHECK(null.instructions->is_null());
  REQUIRE(set.instructions.has_value());
  CHECK(**set.instructions == "hi");
  CHECK(api::to_json(absent) == json::parse(R"({"assistant_id": "a"})"));
  CHECK(api::to_json(null) == json::parse(R"({"assistant_id": "a", "instructions": null})"));

  // Built in code: an engaged-but-null nullable is written as null, nullopt is left out.
  api::create_run_request req;
  req.assistant_id = "asst_1";
  req.metadata = api::nullable<api::metadata>{}; // clear the metadata: send null
  req.temperature = 0.25;
  req.tools = std::vector<api::assistant_tool>{api::assistant_tools_code{}};
  CHECK(api::to_json(req) ==
        json::parse(R"({"assistant_id": "asst_1", "metadata": null, "temperature": 0.25,
                        "tools": [{"type": "code_interpreter"}]})"));
}

TEST_CASE("single-valued enums are preset strings so request types are ready to send", "[unit]") {
  api::assistant_tools_function tool;
  tool.function.name = "lookup";
  CHECK(api::to_json(api::assistant_tool{tool}) ==
        json::parse(R"({"type": "function", "function": {"name": "lookup"}})"));
  api::message_content_text_object text;
  CHECK(text.type == "text");
}

TEST_CASE("a required field the server left out is not invented on re-encoding", "[unit]") {
  // Step objects of the spec's own streamed examples lack expired_at, which the schema requires.
  const json::value v = json::parse(R"({"id": "x", "object": "thread.run.step", "created_at": 1,
    "assistant_id": "a", "thread_id": "t", "run_id": "r", "type": "tool_calls",
    "status": "completed", "step_details": {"type": "tool_calls", "tool_calls": []},
    "last_error": null, "cancelled_at": null, "failed_at": null, "completed_at": 2,
    "metadata": {}, "usage": null})");
  const auto step = api::from_json<api::run_step_object>(v);
  CHECK(step.missing != 0);
  CHECK(step.expired_at.is_null());
  CHECK(first_difference(v, api::to_json(step)) == "");
  REQUIRE(std::holds_alternative<api::run_step_details_tool_calls_object>(step.step_details));
}

TEST_CASE("decode errors name the JSON path and the expected type", "[unit]") {
  json::value v = run_json();
  v.as_object()["tools"].as_array()[1].as_object()["function"].as_object()["name"] = 42;
  try {
    (void)api::from_json<api::run_object>(v);
    FAIL("no error");
  } catch (const api::decode_error& e) {
    CHECK(e.path() == "$.tools[1].function.name");
    CHECK(e.expected() == "string");
    CHECK(e.found() == "integer");
    CHECK(std::string(e.what()).find("$.tools[1].function.name") != std::string::npos);
  }

  json::value list = json::parse(R"({"object": "list", "data": [{"id": "m", "status": 5}],
                                     "first_id": "m", "last_id": "m", "has_more": false})");
  std::string error;
  CHECK_FALSE(api::try_from_json<api::list_messages_response>(list, error).has_value());
  CHECK(error.find("expected string at $.data[0].status, found integer") != std::string::npos);
  json::value bad_metadata = run_json();
  bad_metadata.as_object()["metadata"] = json::parse(R"({"k": 1})");
  CHECK_FALSE(api::try_from_json<api::run_object>(bad_metadata, error).has_value());
  CHECK(error.find("$.metadata.k") != std::string::npos);
  CHECK_THROWS_AS(api::from_json<api::run_object>(json::value("not an object")), api::decode_error);
}

TEST_CASE("stream events decode by name, an unknown name is kept and is not an error", "[unit]") {
  const auto delta =
      api::decode_event("thread.message.delta",
                        R"({"id": "m", "object": "thread.message.delta", "delta": {"content": [
           {"index": 0, "type": "text", "text": {"value": "Hel", "annotations": []}}]}})");
  REQUIRE(std::holds_alternative<api::thread_message_delta_event>(delta));
  const auto& d = std::get<api::thread_message_delta_event>(delta).data;
  REQUIRE(d.delta.content.has_value());
  REQUIRE(std::holds_alternative<api::message_delta_content_text_object>(d.delta.content->at(0)));

  const auto done = api::decode_event("done", "[DONE]");
  CHECK(std::holds_alternative<api::done_event>(done));
  CHECK(api::event_name(done) == "done");

  const auto error = api::decode_event(
      "error", R"({"type": "server_error", "message": "boom", "param": null, "code": null})");
  REQUIRE(std::holds_alternative<api::error_event>(error));
  CHECK(std::get<api::error_event>(error).data.message == "boom");

  const auto future = api::decode_event("thread.run.teleported", R"({"id": "r"})");
  REQUIRE(std::holds_alternative<api::unknown_event>(future));
  CHECK(std::get<api::unknown_event>(future).name == "thread.run.teleported");
  CHECK(std::get<api::unknown_event>(future).data.at("id") == "r");

  std::error_code ec;
  std::string message;
  CHECK_FALSE(api::decode_event("thread.run.created", R"({"id": 5})", ec, &message).has_value());
  CHECK(ec == std::errc::bad_message);
  CHECK(message.find("$.id") != std::string::npos);
  CHECK_FALSE(api::decode_event("thread.run.created", "{not json", ec).has_value());
  CHECK(ec);
  CHECK(api::decode_event("done", "[DONE]", ec).has_value());
  CHECK_FALSE(ec);
}

TEST_CASE("the operations table has the 48 operations of operations.tsv", "[unit]") {
  static_assert(api::operations.size() == 48);
  // (found by index: g++ 12 with -fsanitize=address cannot compare a pointer into the table with
  // nullptr in a constant expression)
  constexpr auto known = [](std::string_view id) {
    for (const auto& op : api::operations)
      if (op.operation_id == id) return true;
    return false;
  };
  static_assert(known("createRun"));
  static_assert(!known("noSuchThing"));

  // compare with operations.tsv: method, path, operationId, stream, content type, schemas
  std::istringstream tsv(
      models_test::read_file(std::string(COASSIST_REFERENCE_DIR) + "/openai-spec/operations.tsv"));
  std::string line;
  std::getline(tsv, line); // header
  std::set<std::string> seen;
  while (std::getline(tsv, line)) {
    std::vector<std::string> cols;
    std::size_t pos = 0;
    for (std::size_t tab; (tab = line.find('\t', pos)) != std::string::npos; pos = tab + 1)
      cols.push_back(line.substr(pos, tab - pos));
    cols.push_back(line.substr(pos));
    REQUIRE(cols.size() >= 11);
    INFO(cols[2]);
    const api::operation_info* op = api::find_operation(cols[2]);
    REQUIRE(op != nullptr);
    seen.insert(cols[2]);
    CHECK(op->http_method == cols[0]);
    CHECK(op->path_template == cols[1]);
    CHECK(op->takes_stream == (cols[6] == "yes"));
    CHECK(op->request_content_type == (cols[7] == "-" ? "" : cols[7]));
    CHECK(op->request_schema == (cols[8] == "-" ? "" : cols[8]));
    CHECK(op->deprecated == (cols[10] == "yes"));
    const std::string response = cols[9].substr(cols[9].find(':') + 1);
    CHECK(op->response_schema == (response == "inline" ? "" : response));
    // path parameters are exactly the {names} of the template, in order
    std::vector<std::string> names;
    for (std::size_t open = 0; (open = cols[1].find('{', open)) != std::string::npos; ++open)
      names.push_back(cols[1].substr(open + 1, cols[1].find('}', open) - open - 1));
    REQUIRE(op->path_parameters.size() == names.size());
    for (std::size_t i = 0; i < names.size(); ++i)
      CHECK(op->path_parameters[i] == names[i]);
    const bool files_or_uploads =
        cols[1].rfind("/files", 0) == 0 || cols[1].rfind("/uploads", 0) == 0;
    CHECK(op->sends_assistants_beta == !files_or_uploads);
    CHECK(api::find_operation(op->group, op->method_name) == op); // (group, method) is unique
    CHECK(api::ops::visit_operation(cols[2], [](auto) {}));
  }
  CHECK(seen.size() == 48);

  const auto* list_messages = api::find_operation("listMessages");
  REQUIRE(list_messages->query_parameters.size() == 5);
  CHECK(list_messages->query_parameters[4].name == "run_id");
  CHECK(api::find_operation("createRun")->query_parameters[0].name == "include[]");
  CHECK(api::find_operation("createThreadAndRun")->group == api::operation_group::threads);
  CHECK(api::find_operation(api::operation_group::runs, "submit_tool_outputs")->operation_id ==
        "submitToolOuputsToRun");
  static_assert(std::is_same_v<api::ops::create_run::request, api::create_run_request>);
  static_assert(std::is_same_v<api::ops::create_run::response, api::run_object>);
  static_assert(std::is_same_v<api::ops::download_file::response, std::string>);
  static_assert(std::is_same_v<api::ops::list_runs::request, void>);
}
