// The generated Responses + Conversations models (coassist::responses): every x-oaiMeta example of
// the spec decodes into its typed model and re-encodes without losing a field; the rules the
// Responses spec needs (allOf merged, unions of unions flattened, "message" told apart by role)
// hold; the operations table and the typed events match the reference lists.
#include "support.hpp"

#include <coassist/responses/events.hpp>
#include <coassist/responses/models/operation_types.hpp>
#include <coassist/responses/operations.hpp>

#include <catch2/catch.hpp>

#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace responses = coassist::responses;
namespace json = boost::json;
using models_test::first_difference;

namespace {

struct example {
  std::string operation_id;
  std::string title;
  std::string request_curl;
  std::string response;
};

std::vector<example> spec_examples() {
  std::vector<example> out;
  for (const auto& [path_name, item] : models_test::responses_spec().at("paths").get_object()) {
    (void)path_name;
    for (const auto& [method_name, op_value] : item.get_object()) {
      (void)method_name;
      const json::object& op = op_value.get_object();
      const json::value* meta = op.if_contains("x-oaiMeta");
      if (meta == nullptr || !meta->get_object().contains("examples")) continue;
      const json::value& examples = meta->at("examples");
      std::vector<json::value> list;
      if (examples.is_array())
        list.assign(examples.get_array().begin(), examples.get_array().end());
      else
        list.push_back(examples);
      for (const json::value& e : list) {
        example ex;
        ex.operation_id = json::value_to<std::string>(op.at("operationId"));
        if (const json::value* t = e.get_object().if_contains("title"); t && t->is_string())
          ex.title = json::value_to<std::string>(*t);
        if (const json::value* r = e.get_object().if_contains("response"); r && r->is_string())
          ex.response = json::value_to<std::string>(*r);
        const json::value* req = e.get_object().if_contains("request");
        if (req && req->is_object())
          if (const json::value* c = req->get_object().if_contains("curl"); c && c->is_string())
            ex.request_curl = json::value_to<std::string>(*c);
        out.push_back(std::move(ex));
      }
    }
  }
  return out;
}

bool is_sse(const std::string& text) {
  return text.rfind("event:", 0) == 0;
}

std::string curl_body(const std::string& curl) {
  const std::size_t start = curl.find("-d '");
  if (start == std::string::npos) return "";
  const std::size_t end = curl.rfind('\'');
  if (end <= start + 4) return "";
  return curl.substr(start + 4, end - start - 4);
}

// Decodes `v` as the response (or request) model of an operation and re-encodes it: the first
// difference ("" when lossless). Throws responses::decode_error on a shape mismatch.
template <bool request>
std::string round_trip(const std::string& operation_id, const json::value& v) {
  std::string difference = "no such operation";
  responses::ops::visit_operation(operation_id, [&](auto op) {
    using op_type = decltype(op);
    using model =
        std::conditional_t<request, typename op_type::request, typename op_type::response>;
    if constexpr (std::is_same_v<model, void> || std::is_same_v<model, std::string>) {
      difference = "no JSON model";
    } else {
      const model decoded = responses::from_json<model>(v);
      difference = first_difference(v, responses::to_json(decoded));
    }
  });
  return difference;
}

struct sse_event {
  std::string name;
  std::string data;
};

std::vector<sse_event> parse_sse(const std::string& text) {
  std::vector<sse_event> out;
  sse_event current;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) {
      if (!current.name.empty()) out.push_back(current);
      current = {};
    } else if (line.rfind("event: ", 0) == 0) {
      current.name = line.substr(7);
    } else if (line.rfind("data: ", 0) == 0) {
      current.data = line.substr(6);
    }
  }
  if (!current.name.empty()) out.push_back(current);
  return out;
}

std::vector<std::vector<std::string>> read_tsv(const std::string& name) {
  std::istringstream in(
      models_test::read_file(std::string(COASSIST_REFERENCE_DIR) + "/openai-spec/" + name));
  std::vector<std::vector<std::string>> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cols;
    std::size_t pos = 0;
    for (std::size_t tab; (tab = line.find('\t', pos)) != std::string::npos; pos = tab + 1)
      cols.push_back(line.substr(pos, tab - pos));
    cols.push_back(line.substr(pos));
    rows.push_back(std::move(cols));
  }
  return rows;
}

} // namespace

TEST_CASE("responses: every JSON example response decodes into its model losslessly", "[unit]") {
  int decoded = 0;
  std::set<std::string> ops;
  for (const example& ex : spec_examples()) {
    if (ex.response.empty() || is_sse(ex.response) || ex.operation_id == "deleteResponse") continue;
    INFO(ex.operation_id << " " << ex.title);
    const json::value v = json::parse(ex.response);
    try {
      CHECK(round_trip<false>(ex.operation_id, v) == "");
      ++decoded;
      ops.insert(ex.operation_id);
    } catch (const responses::decode_error& e) {
      FAIL_CHECK(e.what());
    }
  }
  CHECK(decoded == 20);
  CHECK(ops.size() == 14); // all but deleteResponse, whose 200 the spec declares without a body
}

TEST_CASE("responses: the example responses decode into the right alternatives", "[unit]") {
  for (const example& ex : spec_examples()) {
    if (ex.operation_id != "createResponse" || ex.title != "Functions") continue;
    const auto r = responses::from_json<responses::response>(json::parse(ex.response));
    // fields of all three allOf parts: ModelResponseProperties, ResponseProperties, own
    CHECK(r.temperature.has_value());
    CHECK(r.model == "gpt-5.4");
    CHECK(r.id.rfind("resp_", 0) == 0);
    REQUIRE(r.status.has_value());
    CHECK(*r.status == responses::response_status::completed);
    REQUIRE(r.output.size() == 1);
    REQUIRE(std::holds_alternative<responses::function_tool_call>(r.output[0]));
    const auto& call = std::get<responses::function_tool_call>(r.output[0]);
    CHECK(call.name == "get_current_weather");
    CHECK(json::parse(call.arguments).is_object());
    REQUIRE(r.tools.size() == 1);
    CHECK(std::holds_alternative<responses::function_tool>(r.tools[0]));
    return;
  }
  FAIL("no Functions example");
}

TEST_CASE("responses: the streamed example transcript decodes into typed events", "[unit]") {
  int events = 0;
  std::set<std::string> types;
  for (const example& ex : spec_examples()) {
    if (!is_sse(ex.response)) continue;
    for (const sse_event& e : parse_sse(ex.response)) {
      INFO(e.name << ": " << e.data);
      const responses::stream_event ev = responses::decode_event(std::string_view(e.data));
      CHECK_FALSE(std::holds_alternative<responses::unknown_event>(ev));
      CHECK(responses::event_type(ev) == e.name);
      CHECK(first_difference(json::parse(e.data), responses::event_json(ev)) == "");
      // the spec's transcript predates sequence numbers: absent, and said so
      CHECK_FALSE(responses::sequence_number(ev).has_value());
      types.insert(e.name);
      ++events;
    }
  }
  CHECK(events >= 8);
  for (const char* t : {"response.created", "response.output_text.delta", "response.completed"})
    CHECK(types.count(t) == 1);
}

TEST_CASE("responses: every JSON request body of the examples decodes into its request model",
          "[unit]") {
  int bodies = 0;
  for (const example& ex : spec_examples()) {
    const std::string body = curl_body(ex.request_curl);
    if (body.empty()) continue;
    INFO(ex.operation_id << " " << ex.title << ": " << body);
    try {
      CHECK(round_trip<true>(ex.operation_id, json::parse(body)) == "");
      ++bodies;
    } catch (const responses::decode_error& e) {
      FAIL_CHECK(e.what());
    }
  }
  CHECK(bodies == 14);
}

TEST_CASE("responses: allOf parts merge into one struct", "[unit]") {
  responses::create_response req;
  req.model = "gpt-5";                                   // ResponseProperties
  req.temperature = responses::nullable<double>(0.5);    // ModelResponseProperties
  req.input = responses::input_param(std::string("hi")); // CreateResponse's own part
  req.stream = responses::nullable<bool>(true);
  const json::value v = responses::to_json(req);
  CHECK(v == json::parse(R"({"model":"gpt-5","temperature":0.5,"input":"hi","stream":true})"));
  const auto back = responses::from_json<responses::create_response>(v);
  CHECK(first_difference(v, responses::to_json(back)) == "");
  CHECK(json::value_to<responses::create_response>(v).model == "gpt-5");
  CHECK(json::value_from(back) == v);
}

TEST_CASE("responses: input items are one flat variant; a message is told apart by role",
          "[unit]") {
  using responses::from_json;
  // no "type": the easy message
  auto easy = from_json<responses::input_item>(json::parse(R"({"role":"user","content":"hi"})"));
  REQUIRE(std::holds_alternative<responses::easy_input_message>(easy));
  CHECK(std::get<responses::easy_input_message>(easy).role == "user");
  // an Item alternative is a direct alternative of input_item (no nested variant)
  auto out = from_json<responses::input_item>(
      json::parse(R"({"type":"function_call_output","call_id":"c1","output":"42"})"));
  REQUIRE(std::holds_alternative<responses::function_call_output_item_param>(out));
  CHECK(**std::get<responses::function_call_output_item_param>(out).call_id == "c1");
  responses::input_item built = responses::function_call_output_item_param{};
  CHECK(responses::to_json(built).at("type") == "function_call_output");
  // item_resource: "message" by role
  auto user = from_json<responses::item_resource>(
      json::parse(R"({"type":"message","id":"m1","role":"user","content":[]})"));
  CHECK(std::holds_alternative<responses::input_message_resource>(user));
  auto assistant = from_json<responses::item_resource>(json::parse(
      R"({"type":"message","id":"m2","role":"assistant","status":"completed","content":[]})"));
  CHECK(std::holds_alternative<responses::output_message>(assistant));
  // a role no rule names goes to the first "message" alternative
  auto other = from_json<responses::item_resource>(
      json::parse(R"({"type":"message","id":"m3","role":"critic","content":[]})"));
  CHECK(std::holds_alternative<responses::input_message_resource>(other));
}

TEST_CASE("responses: unknown kinds, values and fields survive a round trip", "[unit]") {
  const json::value v = json::parse(R"({
    "id": "resp_1", "object": "response", "created_at": 1, "status": "thinking_hard",
    "model": "m", "parallel_tool_calls": true, "tool_choice": "auto", "tools": [],
    "error": null, "incomplete_details": null, "instructions": null, "metadata": {},
    "temperature": null, "top_p": null, "new_top_level": {"x": 1},
    "output": [{"type": "hologram", "id": "h1", "depth": 3},
               {"type": "message", "id": "m", "role": "assistant", "status": "completed",
                "content": [{"type": "output_text", "text": "a", "annotations": [],
                             "sparkle": true}]}]})");
  const auto r = responses::from_json<responses::response>(v);
  REQUIRE(r.status.has_value());
  CHECK_FALSE(r.status->is_known());
  CHECK(r.status->str() == "thinking_hard");
  REQUIRE(r.output.size() == 2);
  REQUIRE(std::holds_alternative<responses::unknown_json>(r.output[0]));
  CHECK(std::get<responses::unknown_json>(r.output[0]).raw.at("depth") == 3);
  CHECK(r.extra.contains("new_top_level"));
  CHECK(first_difference(v, responses::to_json(r)) == "");
  // a wrong type is an error that names the path
  json::value bad = v;
  bad.as_object()["output"].as_array()[1].as_object()["content"].as_array()[0].as_object()["text"] =
      5;
  try {
    (void)responses::from_json<responses::response>(bad);
    FAIL("decoded");
  } catch (const responses::decode_error& e) {
    CHECK(e.path() == "$.output[1].content[0].text");
  }
}

TEST_CASE("responses: decode_event keeps unknown events and reports bad ones", "[unit]") {
  const auto delta = responses::decode_event(std::string_view(
      R"({"type":"response.output_text.delta","sequence_number":7,"item_id":"m","output_index":0,)"
      R"("content_index":0,"delta":"Hi","logprobs":[],"obfuscation":"zz"})"));
  REQUIRE(std::holds_alternative<responses::response_text_delta_event>(delta));
  CHECK(std::get<responses::response_text_delta_event>(delta).delta == "Hi");
  CHECK(responses::sequence_number(delta) == 7);
  CHECK(responses::event_json(delta).at("obfuscation") == "zz"); // an unknown field is kept

  const auto future = responses::decode_event(
      std::string_view(R"({"type":"response.hologram.delta","sequence_number":8,"z":1})"));
  REQUIRE(std::holds_alternative<responses::unknown_event>(future));
  CHECK(responses::event_type(future) == "response.hologram.delta");
  CHECK(responses::sequence_number(future) == 8);
  CHECK(responses::event_json(future).at("z") == 1);
  const auto keepalive = responses::decode_event(std::string_view(R"({"type":"keepalive"})"));
  CHECK(std::holds_alternative<responses::unknown_event>(keepalive));
  CHECK_FALSE(responses::sequence_number(keepalive).has_value());

  std::error_code ec;
  std::string error;
  CHECK_FALSE(responses::decode_event(std::string_view("{not json"), ec, &error).has_value());
  CHECK(ec);
  CHECK_FALSE(
      responses::decode_event(
          std::string_view(R"({"type":"response.completed","sequence_number":"x"})"), ec, &error)
          .has_value());
  CHECK(ec == std::errc::bad_message);
  CHECK(error.find("$.sequence_number") != std::string::npos);
  CHECK_FALSE(responses::decode_event(std::string_view("[1]"), ec).has_value());
  CHECK(ec == std::errc::bad_message);
  CHECK_THROWS_AS(responses::decode_event(json::value(3)), responses::decode_error);
}

TEST_CASE("responses: the typed events are the spec's 58", "[unit]") {
  const auto rows = read_tsv("response_stream_events.txt");
  REQUIRE(rows.size() == 58);
  CHECK(responses::event_types.size() == 58);
  CHECK(std::variant_size_v<responses::stream_event> == 59);
  std::set<std::string_view> types(responses::event_types.begin(), responses::event_types.end());
  for (const auto& row : rows) {
    INFO(row[0]);
    CHECK(types.count(row[0]) == 1);
    // a minimal event of each type decodes to its own alternative, never unknown_event
    json::object o;
    o["type"] = row[0];
    o["sequence_number"] = 1;
    const auto ev = responses::decode_event(json::value(o));
    CHECK_FALSE(std::holds_alternative<responses::unknown_event>(ev));
    CHECK(responses::event_type(ev) == row[0]);
    CHECK(responses::event_types[ev.index()] == row[0]);
  }
  CHECK(responses::event_type_of<responses::response_completed_event> == "response.completed");
  CHECK(responses::event_type_of<responses::response_error_event> == "error");
}

TEST_CASE("responses: the operations table matches operations-responses.tsv", "[unit]") {
  const auto rows = read_tsv("operations-responses.tsv");
  REQUIRE(rows.size() == 16); // header + 15
  std::set<std::string> seen;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const auto& cols = rows[i];
    REQUIRE(cols.size() >= 6);
    INFO(cols[2]);
    const auto* op = responses::find_operation(cols[2]);
    REQUIRE(op != nullptr);
    seen.insert(cols[2]);
    CHECK(op->http_method == cols[0]);
    CHECK(op->path_template == cols[1]);
    CHECK(op->takes_stream == (cols[5] == "yes"));
    CHECK_FALSE(op->sends_assistants_beta);
    const std::string req = cols[3];
    if (req == "-") {
      CHECK(op->request_schema.empty());
      CHECK(op->request_type.empty());
    } else if (req.find("(inline)") != std::string::npos) {
      CHECK(op->request_schema.empty());
      CHECK(op->request_type == "create_conversation_items_body");
    } else {
      CHECK(op->request_schema == req.substr(req.find(':') + 1));
      CHECK(op->request_content_type == "application/json");
    }
    const std::string resp = cols.size() > 4 ? cols[4] : "";
    if (resp.empty()) {
      CHECK(op->response_type == "void");
    } else {
      const std::string first = resp.substr(0, resp.find(';'));
      CHECK(op->response_schema == first.substr(first.find(':') + 1));
    }
    std::vector<std::string> names;
    for (std::size_t open = 0; (open = cols[1].find('{', open)) != std::string::npos; ++open)
      names.push_back(cols[1].substr(open + 1, cols[1].find('}', open) - open - 1));
    REQUIRE(op->path_parameters.size() == names.size());
    for (std::size_t k = 0; k < names.size(); ++k)
      CHECK(op->path_parameters[k] == names[k]);
    CHECK(responses::find_operation(op->group, op->method_name) == op);
    CHECK(responses::ops::visit_operation(cols[2], [](auto) {}));
  }
  CHECK(seen.size() == 15);
  static_assert(responses::operation("createResponse").http_method == "POST");
  static_assert(
      std::is_same_v<responses::ops::create_response::request, responses::create_response>);
  static_assert(std::is_same_v<responses::ops::create_response::response, responses::response>);
  static_assert(std::is_same_v<responses::ops::delete_response::response, void>);
  static_assert(
      std::is_same_v<responses::ops::list_input_items::response, responses::response_item_list>);
  CHECK(responses::find_operation("Getinputtokencounts")->group ==
        coassist::api::operation_group::input_tokens);
  CHECK(coassist::api::to_string(responses::find_operation("listConversationItems")->group) ==
        "conversation_items");
}
