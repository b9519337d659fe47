// The emulator's Responses + Conversations core without sockets: the service's error bodies, the
// streamed event sequence, the model, chaining, background schedules on a manual clock, cancel,
// resume, scripts, faults and pagination.
#include "app.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace {

using emu::json::array;
using emu::json::object;
using emu::json::parse;
using namespace std::chrono_literals;

struct responses_client {
  explicit responses_client(emu::app_options o = {}) : app(with_clock(std::move(o), &now)) {}
  std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now();
  emu::app app;

  static emu::app_options with_clock(emu::app_options o, std::chrono::steady_clock::time_point* t) {
    o.clock = [t] { return *t; };
    return o;
  }

  emu::http_reply call(std::string method, std::string path, std::string body = {},
                       std::map<std::string, std::string> query = {},
                       std::map<std::string, std::string> headers = {}) {
    emu::http_request r;
    r.method = std::move(method);
    r.path = "/v1" + path;
    r.query = std::move(query);
    r.headers = std::move(headers);
    r.headers["content-type"] = "application/json";
    r.body = std::move(body);
    return app.handle(r);
  }
  object ok(std::string method, std::string path, std::string body = {},
            std::map<std::string, std::string> q = {}) {
    auto r = call(std::move(method), std::move(path), std::move(body), std::move(q));
    INFO(r.body);
    REQUIRE(r.status == 200);
    return parse(r.body).as_object();
  }
  // the error object of a reply that must have `status`
  object error(std::string method, std::string path, std::string body, unsigned status,
               std::map<std::string, std::string> q = {}) {
    auto r = call(std::move(method), std::move(path), std::move(body), std::move(q));
    INFO(r.body);
    REQUIRE(r.status == status);
    auto e = parse(r.body).as_object().at("error").as_object();
    REQUIRE(e.size() == 4); // message, type, param, code: always all four
    return e;
  }
  object create(const std::string& body) { return ok("POST", "/responses", body); }
  void script(const std::string& body) {
    REQUIRE(call("POST", "/_emulator/scripts", body).status == 200);
  }
};

std::string str(const emu::json::value& v) {
  return std::string(v.as_string());
}

std::vector<object> datas(const emu::http_reply& r) {
  std::vector<object> out;
  for (const auto& e : r.events) {
    auto o = parse(e.data).as_object();
    CHECK(str(o.at("type")) == e.name); // the `event:` name is the `type`
    out.push_back(std::move(o));
  }
  return out;
}

std::vector<std::string> types(const std::vector<object>& events, bool skip_deltas = true) {
  std::vector<std::string> out;
  for (const auto& e : events) {
    std::string t = str(e.at("type"));
    if (skip_deltas && t.ends_with(".delta")) continue;
    out.push_back(t);
  }
  return out;
}

const std::string weather_tool =
    R"({"type":"function","name":"get_weather","strict":true,"parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false}})";

} // namespace

TEST_CASE("responses: the service's 400 and 404 bodies, with param", "[unit]") {
  responses_client c;
  auto e = c.error("POST", "/responses", R"({"model":"m","input":"x","bogus":1})", 400);
  CHECK(e.at("message") == "Unknown parameter: 'bogus'.");
  CHECK(e.at("param") == "bogus");
  CHECK(e.at("code") == "unknown_parameter");
  CHECK(e.at("type") == "invalid_request_error");
  e = c.error("POST", "/responses", R"({"model":"m","input":7})", 400);
  CHECK(e.at("param") == "input");
  CHECK(e.at("code") == "invalid_type");
  e = c.error("POST", "/responses", R"({"model":"m","input":"x","max_output_tokens":3})", 400);
  CHECK(e.at("param") == "max_output_tokens");
  CHECK(e.at("code") == "integer_below_min_value");
  e = c.error("POST", "/responses", R"({"model":"m","input":[{"type":"nope"}]})", 400);
  CHECK(e.at("param") == "input[0].type");
  // strict function tools need strict-compatible schemas
  e = c.error("POST", "/responses",
              R"({"model":"m","input":"x","tools":[{"type":"function","name":"f","strict":true,
                  "parameters":{"type":"object","properties":{"a":{"type":"object","properties":{"b":{"type":"string"}},"required":["b"]}},"required":["a"],"additionalProperties":false}}]})",
              400);
  CHECK(e.at("message") ==
        "Invalid schema for function 'f': In context=('properties', 'a'), 'additionalProperties' "
        "is required to be supplied and to be false.");
  CHECK(e.at("param") == "tools[0].parameters");
  CHECK(e.at("code") == "invalid_function_parameters");
  e = c.error("POST", "/responses",
              R"({"model":"m","input":"x","tools":[{"type":"function","name":"f","strict":true,
                  "parameters":{"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":false}}]})",
              400);
  CHECK(e.at("message") == "Invalid schema for function 'f': In context=(), 'required' is required "
                           "to be supplied and to be an array including every key in properties. "
                           "Missing 'a'.");
  // the same schema without strict is fine
  c.create(R"({"model":"m","input":"x","tools":[{"type":"function","name":"f","strict":false,
              "parameters":{"type":"object","properties":{"a":{"type":"string"}}}}]})");
  // chaining errors
  e = c.error("POST", "/responses", R"({"model":"m","input":"x","previous_response_id":"resp_x"})",
              400);
  CHECK(e.at("message") == "Previous response with id 'resp_x' not found.");
  CHECK(e.at("param") == "previous_response_id");
  CHECK(e.at("code") == "previous_response_not_found");
  auto r = c.create(R"({"model":"m","input":"x"})");
  auto conv = c.ok("POST", "/conversations", "{}");
  e = c.error("POST", "/responses",
              R"({"model":"m","input":"x","previous_response_id":")" + str(r.at("id")) +
                  R"(","conversation":{"id":")" + str(conv.at("id")) + R"("}})",
              400);
  CHECK(e.at("message") == "Mutually exclusive parameters: Ensure you are only providing one of: "
                           "'previous_response_id' or 'conversation'.");
  CHECK(e.at("param").is_null());
  CHECK(e.at("code") == "mutually_exclusive_parameters");
  e = c.error(
      "POST", "/responses",
      R"({"model":"m","input":[{"type":"function_call_output","call_id":"call_1","output":"x"}]})",
      400);
  CHECK(e.at("message") == "No tool call found for function call output with call_id call_1.");
  CHECK(e.at("param") == "input");
  e = c.error("POST", "/responses", R"({"model":"m","input":"x","conversation":"conv_nope"})", 404);
  CHECK(e.at("message") == "Conversation with id 'conv_nope' not found.");
  // unknown ids
  e = c.error("GET", "/responses/resp_nope", "", 404);
  CHECK(e.at("message") == "Response with id 'resp_nope' not found.");
  CHECK(c.error("DELETE", "/responses/resp_nope", "", 404).at("param").is_null());
  CHECK(c.error("POST", "/responses/resp_nope/cancel", "", 404).at("type") ==
        "invalid_request_error");
  e = c.error("GET", "/conversations/" + str(conv.at("id")) + "/items/msg_nope", "", 404);
  CHECK(e.at("message") == "Item with id 'msg_nope' not found.");
  // foreground responses can neither be cancelled nor streamed again
  e = c.error("POST", "/responses/" + str(r.at("id")) + "/cancel", "", 400);
  CHECK(e.at("message") == "Cannot cancel a synchronous response.");
  e = c.error("GET", "/responses/" + str(r.at("id")), "", 400, {{"stream", "true"}});
  CHECK(e.at("param") == "stream");
  // no OpenAI-Beta header is needed on this side
  CHECK(c.call("GET", "/responses/" + str(r.at("id"))).status == 200);
}

TEST_CASE("responses: a streamed text reply in the service's event order", "[unit]") {
  responses_client c;
  auto reply =
      c.call("POST", "/responses", R"({"model":"m","input":"hello big world","stream":true})");
  REQUIRE(reply.status == 200);
  REQUIRE(reply.stream);
  CHECK(reply.content_type.rfind("text/event-stream", 0) == 0);
  auto ev = datas(reply);
  CHECK(types(ev) ==
        std::vector<std::string>{"response.created", "response.in_progress",
                                 "response.output_item.added", "response.content_part.added",
                                 "response.output_text.done", "response.content_part.done",
                                 "response.output_item.done", "response.completed"});
  for (std::size_t i = 0; i < ev.size(); ++i)
    CHECK(ev[i].at("sequence_number") == i);
  CHECK(ev[0].at("response").at("status") == "in_progress");
  CHECK(ev[0].at("response").at("output").as_array().empty());
  std::string text;
  std::size_t deltas = 0;
  for (const auto& e : ev)
    if (e.at("type") == "response.output_text.delta") {
      ++deltas;
      text += str(e.at("delta"));
      CHECK(e.at("logprobs").as_array().empty());
      CHECK(e.at("content_index") == 0);
      CHECK(e.at("output_index") == 0);
      // padding makes every delta's length + padding a multiple of 16
      CHECK((e.at("delta").as_string().size() + e.at("obfuscation").as_string().size()) % 16 == 0);
    }
  CHECK(deltas == 5);
  CHECK(text == "You said: hello big world");
  const auto& done = ev.back().at("response").as_object();
  CHECK(done.at("status") == "completed");
  CHECK(done.at("output").at(0).at("content").at(0).at("text") == text.c_str());
  CHECK(done.at("usage").at("output_tokens") == 5);
  for (const auto& e : reply.events)
    CHECK(e.data.find("[DONE]") == std::string::npos);
  // the stored response is the final one
  auto stored = c.ok("GET", "/responses/" + str(done.at("id")));
  CHECK(stored.at("output") == done.at("output"));
  // without obfuscation
  reply = c.call(
      "POST", "/responses",
      R"({"model":"m","input":"hi","stream":true,"stream_options":{"include_obfuscation":false}})");
  for (const auto& e : datas(reply))
    CHECK_FALSE(e.contains("obfuscation"));
  // store: false keeps nothing
  auto unstored = c.create(R"({"model":"m","input":"x","store":false})");
  CHECK(c.call("GET", "/responses/" + str(unstored.at("id"))).status == 404);
}

TEST_CASE("responses: /call lines become function calls, parallel or the first only", "[unit]") {
  responses_client c;
  const std::string input =
      R"("/call get_weather {\"city\":\"A\"}\n/call get_weather {\"city\":\"B\"}")";
  auto reply = c.call("POST", "/responses",
                      R"({"model":"m","stream":true,"tools":[)" + weather_tool + R"(],"input":)" +
                          input + "}");
  auto ev = datas(reply);
  CHECK(types(ev) == std::vector<std::string>{
                         "response.created", "response.in_progress", "response.output_item.added",
                         "response.function_call_arguments.done", "response.output_item.done",
                         "response.output_item.added", "response.function_call_arguments.done",
                         "response.output_item.done", "response.completed"});
  const auto& out = ev.back().at("response").at("output").as_array();
  REQUIRE(out.size() == 2);
  CHECK(str(out[0].at("id")).rfind("fc_", 0) == 0);
  CHECK(str(out[0].at("call_id")).rfind("call_", 0) == 0);
  CHECK(out[1].at("arguments") == R"({"city":"B"})");
  CHECK(out[1].at("status") == "completed");
  // the added item opens with empty arguments; the deltas (3 per call) rebuild them
  CHECK(ev[2].at("item").at("arguments") == "");
  std::string args;
  for (const auto& e : ev)
    if (e.at("type") == "response.function_call_arguments.delta" && e.at("output_index") == 0)
      args += str(e.at("delta"));
  CHECK(args == R"({"city":"A"})");
  auto one = c.create(R"({"model":"m","parallel_tool_calls":false,"tools":[)" + weather_tool +
                      R"(],"input":)" + input + "}");
  CHECK(one.at("output").as_array().size() == 1);
  CHECK(one.at("output").at(0).at("arguments") == R"({"city":"A"})");
  // a function the request does not offer fails the response
  auto failed = c.create(R"({"model":"m","input":"/call nope {}"})");
  CHECK(failed.at("status") == "failed");
  CHECK(failed.at("error").at("code") == "invalid_prompt");
}

TEST_CASE("responses: previous_response_id chains input and output, tool outputs required",
          "[unit]") {
  responses_client c;
  auto first = c.create(R"({"model":"m","instructions":"be brief","tools":[)" + weather_tool +
                        R"(],"input":"/call get_weather {\"city\":\"A\"}"})");
  std::string call_id = str(first.at("output").at(0).at("call_id"));
  std::string fc_id = str(first.at("output").at(0).at("id"));
  auto e = c.error("POST", "/responses",
                   R"({"model":"m","input":"go on","previous_response_id":")" +
                       str(first.at("id")) + R"("})",
                   400);
  CHECK(str(e.at("message")) == "No tool output found for function call " + call_id + ".");
  CHECK(e.at("param") == "input");
  // sending the call item again is a duplicate
  e = c.error("POST", "/responses",
              R"({"model":"m","previous_response_id":")" + str(first.at("id")) + R"(","input":[)" +
                  emu::json::serialize(first.at("output").at(0)) + "]}",
              400);
  CHECK(str(e.at("message")) == "Duplicate item found with id " + fc_id +
                                    ". Remove duplicate items from your input and try again.");
  auto second = c.create(R"({"model":"m","previous_response_id":")" + str(first.at("id")) +
                         R"(","input":[{"type":"function_call_output","call_id":")" + call_id +
                         R"(","output":"sunny"}]})");
  CHECK(second.at("output").at(0).at("content").at(0).at("text") ==
        "Tool outputs: get_weather -> sunny.");
  CHECK(second.at("instructions").is_null()); // instructions are not carried forward
  CHECK(second.at("previous_response_id") == first.at("id"));
  // input items: only this request's, with ids and statuses
  auto items = c.ok("GET", "/responses/" + str(second.at("id")) + "/input_items");
  REQUIRE(items.at("data").as_array().size() == 1);
  CHECK(str(items.at("data").at(0).at("id")).rfind("fco_", 0) == 0);
  CHECK(items.at("data").at(0).at("status") == "completed");
  // an item reference (typed or bare) resolves to the stored item; an unknown one is 404
  auto ref = c.create(R"({"model":"m","input":[{"type":"item_reference","id":")" +
                      str(first.at("output").at(0).at("id")) + R"("},{"id":")" +
                      str(items.at("data").at(0).at("id")) + R"("}]})");
  CHECK(ref.at("output").at(0).at("content").at(0).at("text") ==
        "Tool outputs: get_weather -> sunny.");
  e = c.error("POST", "/responses", R"({"model":"m","input":[{"id":"msg_nope"}]})", 404);
  CHECK(e.at("message") == "Item with id 'msg_nope' not found.");
  CHECK(e.at("param") == "input");
  // the chain's earlier turns count as input
  auto third = c.create(R"({"model":"m","input":"ok","previous_response_id":")" +
                        str(second.at("id")) + R"("})");
  auto alone = c.create(R"({"model":"m","input":"ok"})");
  CHECK(third.at("usage").at("input_tokens").as_int64() >
        alone.at("usage").at("input_tokens").as_int64() + 5);
}

TEST_CASE("conversations: items, duplicates, pagination desc by default without before", "[unit]") {
  responses_client c;
  auto conv = c.ok("POST", "/conversations",
                   R"({"metadata":{"a":"b"},"items":[{"role":"user","content":"first"}]})");
  const std::string base = "/conversations/" + str(conv.at("id"));
  CHECK(str(conv.at("id")).rfind("conv_", 0) == 0);
  std::vector<std::string> ids;
  ids.push_back(str(c.ok("GET", base + "/items").at("first_id")));
  for (int batch = 0; batch < 3; ++batch) {
    std::string items = "[";
    for (int i = 0; i < 20; ++i)
      items += std::string(i ? "," : "") + R"({"role":"user","content":"m)" +
               std::to_string(batch * 20 + i) + R"("})";
    auto page = c.ok("POST", base + "/items", R"({"items":)" + items + "]}");
    for (const auto& x : page.at("data").as_array())
      ids.push_back(str(x.at("id")));
  }
  std::string too_many = "[";
  for (int i = 0; i < 21; ++i)
    too_many += std::string(i ? "," : "") + R"({"role":"user","content":"x"})";
  auto e = c.error("POST", base + "/items", R"({"items":)" + too_many + "]}", 400);
  CHECK(e.at("param") == "items");
  CHECK(e.at("code") == "array_above_max_length");
  // desc by default, `after` pages on, `before` is not a parameter here
  auto page = c.ok("GET", base + "/items", {}, {{"limit", "5"}});
  CHECK(page.at("first_id") == ids.back().c_str());
  CHECK(page.at("has_more") == true);
  page = c.ok("GET", base + "/items", {},
              {{"limit", "100"}, {"order", "asc"}, {"after", ids[58]}, {"before", ids[60]}});
  CHECK(page.at("data").as_array().size() == 2);
  CHECK(page.at("has_more") == false);
  CHECK(c.error("GET", base + "/items", "", 400, {{"limit", "101"}}).at("param") == "limit");
  // a duplicate is refused, in one request or across requests
  e = c.error("POST", base + "/items",
              R"({"items":[{"id":")" + ids[3] +
                  R"(","type":"message","role":"user","content":"x"}]})",
              400);
  CHECK(str(e.at("message")) == "Duplicate item found with id " + ids[3] +
                                    ". Remove duplicate items from your input and try again.");
  CHECK(e.at("param") == "items");
  // delete answers the conversation
  auto after = c.ok("DELETE", base + "/items/" + ids[3]);
  CHECK(after.at("object") == "conversation");
  CHECK(c.call("GET", base + "/items/" + ids[3]).status == 404);
  // responses in the conversation append input and output
  auto r =
      c.create(R"({"model":"m","input":"hello","conversation":")" + str(conv.at("id")) + R"("})");
  CHECK(r.at("conversation").at("id") == conv.at("id"));
  page = c.ok("GET", base + "/items", {}, {{"limit", "2"}});
  CHECK(page.at("data").at(0).at("role") == "assistant");
  CHECK(page.at("data").at(1).at("content").at(0).at("text") == "hello");
  auto deleted = c.ok("DELETE", base);
  CHECK(deleted.at("object") == "conversation.deleted");
  CHECK(c.call("GET", base).status == 404);
}

TEST_CASE("responses: background schedule on the clock, resume, window, cancel", "[unit]") {
  emu::app_options o;
  o.response_step_ms = 100;
  o.stream_delay_ms = 10;
  o.resume_window_ms = 60000;
  responses_client c(o);
  auto created = c.create(R"({"model":"m","input":"one two three","background":true})");
  const std::string path = "/responses/" + str(created.at("id"));
  CHECK(created.at("status") == "queued");
  CHECK(created.at("background") == true);
  CHECK(c.ok("GET", path).at("status") == "queued");
  c.now += 100ms;
  CHECK(c.ok("GET", path).at("status") == "in_progress");
  // a resume now: what is due at once, the rest at its time
  auto resumed = c.call("GET", path, {}, {{"stream", "true"}, {"starting_after", "1"}});
  REQUIRE(resumed.stream);
  auto ev = datas(resumed);
  CHECK(ev.front().at("sequence_number") == 2);
  CHECK(ev.front().at("type") == "response.in_progress");
  CHECK(resumed.events.front().delay_ms == 0);
  int total = 0;
  for (const auto& e : resumed.events)
    total += e.delay_ms;
  CHECK(total == 5 * 10 + 100); // five deltas 10 ms apart, then a step to completion
  CHECK(ev.back().at("type") == "response.completed");
  c.now += 1s;
  auto done = c.ok("GET", path);
  CHECK(done.at("status") == "completed");
  CHECK(done.at("output").at(0).at("content").at(0).at("text") == "You said: one two three");
  // everything is due now: a full replay comes at once
  auto replay = c.call("GET", path, {}, {{"stream", "true"}});
  CHECK(datas(replay).front().at("type") == "response.created");
  for (const auto& e : replay.events)
    CHECK(e.delay_ms == 0);
  CHECK(c.error("GET", path, "", 400, {{"stream", "true"}, {"starting_after", "x"}}).at("param") ==
        "starting_after");
  // after the window, the service's 400
  c.now += 60s;
  auto e = c.error("GET", path, "", 400, {{"stream", "true"}, {"starting_after", "3"}});
  CHECK(e.at("param") == "stream");
  CHECK(str(e.at("message")).find("can no longer be streamed") != std::string::npos);
}

TEST_CASE("responses: cancel cuts a background schedule and stops its open streams", "[unit]") {
  emu::app_options o;
  o.response_step_ms = 100;
  o.stream_delay_ms = 100;
  responses_client c(o);
  auto stream = c.call("POST", "/responses",
                       R"({"model":"m","input":"x y","background":true,"stream":true})");
  REQUIRE(stream.stream);
  REQUIRE(stream.stop);
  auto ev = datas(stream);
  CHECK(types(ev) ==
        std::vector<std::string>{"response.created", "response.queued", "response.in_progress",
                                 "response.output_item.added", "response.content_part.added",
                                 "response.output_text.done", "response.content_part.done",
                                 "response.output_item.done", "response.completed"});
  CHECK(ev[0].at("response").at("status") == "queued");
  const std::string id = str(ev[0].at("response").at("id"));
  c.now += 150ms;
  CHECK_FALSE(stream.stop->load());
  auto cancelled = c.ok("POST", "/responses/" + id + "/cancel");
  CHECK(cancelled.at("status") == "cancelled");
  CHECK(stream.stop->load());
  CHECK(c.ok("GET", "/responses/" + id).at("status") == "cancelled");
  c.now += 1s;
  CHECK(c.ok("GET", "/responses/" + id).at("status") == "cancelled");
  // the replay holds what happened before the cancel only
  auto replay = datas(c.call("GET", "/responses/" + id, {}, {{"stream", "true"}}));
  CHECK(types(replay) ==
        std::vector<std::string>{"response.created", "response.queued", "response.in_progress",
                                 "response.output_item.added", "response.content_part.added"});
  // cancelling a finished one answers it unchanged
  CHECK(c.ok("POST", "/responses/" + id + "/cancel").at("status") == "cancelled");
}

TEST_CASE("responses: scripts on a chain, a conversation and the next request", "[unit]") {
  responses_client c;
  c.script(R"({"turns":[{"text":"next one","chunks":2}]})");
  auto r = c.create(R"({"model":"m","input":"x"})");
  CHECK(r.at("output").at(0).at("content").at(0).at("text") == "next one");
  c.script(R"({"response_id":")" + str(r.at("id")) +
           R"(","turns":[{"refusal":"no"},{"incomplete":"max_output_tokens","text":"a b c d"}]})");
  // an unrelated response takes the default model
  CHECK(
      c.create(R"({"model":"m","input":"x"})").at("output").at(0).at("content").at(0).at("text") ==
      "You said: x");
  auto chained =
      c.create(R"({"model":"m","input":"y","previous_response_id":")" + str(r.at("id")) + R"("})");
  CHECK(chained.at("output").at(0).at("content").at(0).at("type") == "refusal");
  auto incomplete = c.create(R"({"model":"m","input":"z","previous_response_id":")" +
                             str(chained.at("id")) + R"("})");
  CHECK(incomplete.at("status") == "incomplete");
  CHECK(incomplete.at("incomplete_details").at("reason") == "max_output_tokens");
  CHECK(incomplete.at("output").at(0).at("status") == "incomplete");
  auto conv = c.ok("POST", "/conversations", "{}");
  c.script(
      R"({"conversation_id":")" + str(conv.at("id")) +
      R"(","turns":[{"reasoning":"think first","text":"done"},{"stream_error":{"message":"boom"}}]})");
  auto reasoned =
      c.create(R"({"model":"m","input":"q","conversation":")" + str(conv.at("id")) + R"("})");
  CHECK(reasoned.at("output").at(0).at("type") == "reasoning");
  CHECK(str(reasoned.at("output").at(0).at("id")).rfind("rs_", 0) == 0);
  CHECK(reasoned.at("output").at(0).at("summary").at(0).at("text") == "think first");
  CHECK(reasoned.at("output").at(1).at("content").at(0).at("text") == "done");
  auto err = datas(c.call("POST", "/responses",
                          R"({"model":"m","input":"q2","stream":true,"conversation":")" +
                              str(conv.at("id")) + R"("})"));
  CHECK(err.back().at("type") == "error");
  CHECK(err.back().at("message") == "boom");
  CHECK(err.back().at("param").is_null());
  // a reasoning effort makes the model reason first (a summary only when asked)
  auto thought = c.create(R"({"model":"o4-mini","input":"q","reasoning":{"effort":"low"}})");
  CHECK(thought.at("output").at(0).at("type") == "reasoning");
  CHECK(thought.at("output").at(0).at("summary").as_array().empty());
  CHECK(thought.at("output").at(1).at("content").at(0).at("text") == "You said: q");
  thought =
      c.create(R"({"model":"o4-mini","input":"q","reasoning":{"effort":"high","summary":"auto"}})");
  CHECK(thought.at("output").at(0).at("summary").at(0).at("type") == "summary_text");
  CHECK(c.create(R"({"model":"m","input":"q","reasoning":{"effort":"none"}})")
            .at("output")
            .at(0)
            .at("type") == "message");
  // max_output_tokens cuts the default reply
  auto cut = c.create(R"({"model":"m","max_output_tokens":16,"input":")" + std::string(20, 'w') +
                      std::string(" w w w w w w w w w w w w w w w w w w") + R"("})");
  CHECK(cut.at("status") == "incomplete");
  CHECK(cut.at("usage").at("output_tokens") == 16);
}

TEST_CASE("responses: faults reshape a stream, queued faults find a response or conversation",
          "[unit]") {
  responses_client c;
  const std::string calls =
      R"("/call get_weather {\"city\":\"AAAA\"}\n/call get_weather {\"city\":\"BBBB\"}")";
  auto reply = c.call("POST", "/responses",
                      R"({"model":"m","stream":true,"tools":[)" + weather_tool + R"(],"input":)" +
                          calls + "}",
                      {}, {{"x-emulator-fault", R"({"interleave_arguments":true})"}});
  std::vector<std::int64_t> order;
  for (const auto& e : datas(reply))
    if (e.at("type") == "response.function_call_arguments.delta")
      order.push_back(e.at("output_index").as_int64());
  CHECK(order == std::vector<std::int64_t>{0, 1, 0, 1, 0, 1});
  reply = c.call("POST", "/responses", R"({"model":"m","stream":true,"input":"a"})", {},
                 {{"x-emulator-fault", R"({"unknown_event":1,"keepalive_event":3})"}});
  auto ev = datas(reply);
  CHECK(ev[1].at("type") == "response.emulator_unknown_event");
  CHECK(ev[3].at("type") == "keepalive");
  for (std::size_t i = 0; i < ev.size(); ++i)
    CHECK(ev[i].at("sequence_number") == i);
  REQUIRE(reply.fault);
  // cut and stall faults travel to the HTTP layer
  reply = c.call("POST", "/responses", R"({"model":"m","stream":true,"input":"a"})", {},
                 {{"x-emulator-fault", R"({"stall_ms":500,"after_events":2})"}});
  REQUIRE(reply.fault);
  CHECK(reply.fault->stall_ms == 500);
  CHECK(reply.fault->after_events == 2);
  // a queued fault for one response's chain leaves other requests alone
  auto r = c.create(R"({"model":"m","input":"x"})");
  REQUIRE(c.call("POST", "/_emulator/faults",
                 R"({"fault":{"status":503,"headers":{"Retry-After":"1"},"response_id":")" +
                     str(r.at("id")) + R"("}})")
              .status == 200);
  CHECK(c.call("POST", "/responses", R"({"model":"m","input":"y"})").status == 200);
  auto hit =
      c.call("POST", "/responses",
             R"({"model":"m","input":"y","previous_response_id":")" + str(r.at("id")) + R"("})");
  CHECK(hit.status == 503);
  bool retry_after = false;
  for (const auto& [k, v] : hit.headers)
    retry_after = retry_after || (k == "Retry-After" && v == "1");
  CHECK(retry_after);
  CHECK(hit.operation_id == "createResponse");
  CHECK(c.call("POST", "/responses",
               R"({"model":"m","input":"y","previous_response_id":")" + str(r.at("id")) + R"("})")
            .status == 200);
}
