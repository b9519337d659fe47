// The emulator's core without sockets: validation messages, pagination, the run lifecycle, the
// streamed event sequence, scripts and faults.
#include "app.hpp"
#include "json_schema.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace {

using emu::json::object;
using emu::json::parse;

struct client {
  explicit client(emu::app_options o = {}) : app(std::move(o)) {}
  emu::app app;

  emu::http_reply call(std::string method, std::string path, std::string body = {},
                       std::map<std::string, std::string> query = {}) {
    emu::http_request r;
    r.method = std::move(method);
    r.path = "/v1" + path;
    r.query = std::move(query);
    r.headers["openai-beta"] = "assistants=v2";
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
  object error(std::string method, std::string path, std::string body, unsigned status) {
    auto r = call(std::move(method), std::move(path), std::move(body));
    INFO(r.body);
    REQUIRE(r.status == status);
    return parse(r.body).as_object().at("error").as_object();
  }
};

std::string id(const object& o) {
  return std::string(o.at("id").as_string());
}

std::vector<std::string> event_names(const emu::http_reply& r) {
  std::vector<std::string> names;
  for (const auto& e : r.events)
    if (e.name != "thread.message.delta" && e.name != "thread.run.step.delta")
      names.push_back(e.name);
  return names;
}

} // namespace

TEST_CASE("request validation names the offending parameter like the service", "[unit]") {
  client c;
  auto e = c.error("POST", "/assistants", R"({"model":"gpt-4o","tools":[{"type":"x"}]})", 400);
  CHECK(e.at("param") == "tools[0].type");
  CHECK(e.at("message") == "Invalid value: 'x'. Supported values are: 'code_interpreter', "
                           "'file_search', and 'function'.");
  CHECK(e.at("type") == "invalid_request_error");
  e = c.error("POST", "/assistants", R"({"model":"gpt-4o","bogus":1})", 400);
  CHECK(e.at("param") == "bogus");
  CHECK(e.at("code") == "unknown_parameter");
  e = c.error("POST", "/threads", R"({"messages":[{"content":"hi"}]})", 400);
  CHECK(e.at("param") == "messages[0].role");
  CHECK(e.at("code") == "missing_required_parameter");
  e = c.error("POST", "/assistants", R"({"model":"gpt-4o","name":7})", 400);
  CHECK(e.at("param") == "name");
  CHECK(e.at("code") == "invalid_type");
  e = c.error("POST", "/assistants", R"({"model":"gpt-4o","temperature":2.5})", 400);
  CHECK(e.at("param") == "temperature");
  CHECK(e.at("code") == "decimal_above_max_value");
  e = c.error("POST", "/assistants",
              R"({"model":"gpt-4o","name":")" + std::string(300, 'n') + R"("})", 400);
  CHECK(e.at("code") == "string_above_max_length");
  e = c.error("POST", "/assistants", "{not json", 400);
  CHECK(std::string(e.at("message").as_string()).find("could not parse the JSON body") !=
        std::string::npos);
  std::string md = "{";
  for (int i = 0; i < 17; ++i)
    md += (i ? "," : "") + std::string("\"k") + std::to_string(i) + "\":\"v\"";
  e = c.error("POST", "/threads", R"({"metadata":)" + md + "}}", 400);
  CHECK(e.at("param") == "metadata");
  // a valid body passes and is logged as valid
  auto r =
      c.call("POST", "/assistants", R"({"model":"gpt-4o","tools":[{"type":"code_interpreter"}]})");
  CHECK(r.status == 200);
  CHECK(r.operation_id == "createAssistant");
  CHECK(r.body_valid == true);
}

TEST_CASE("the OpenAI-Beta header is required except on files and uploads", "[unit]") {
  client c;
  emu::http_request r;
  r.method = "GET";
  r.path = "/v1/assistants";
  auto reply = c.app.handle(r);
  CHECK(reply.status == 400);
  CHECK(reply.body.find("OpenAI-Beta") != std::string::npos);
  r.path = "/v1/files";
  CHECK(c.app.handle(r).status == 200);
}

TEST_CASE("an API key is required when configured", "[unit]") {
  emu::app_options o;
  o.api_key = "sk-1";
  client c(o);
  auto e = c.error("GET", "/assistants", "", 401);
  CHECK(std::string(e.at("message").as_string()).rfind("You didn't provide an API key", 0) == 0);
}

TEST_CASE("pagination: limit, order, after, before, has_more", "[unit]") {
  client c;
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i)
    ids.push_back(id(c.ok("POST", "/assistants", R"({"model":"m"})")));
  auto page = c.ok("GET", "/assistants", {}, {{"limit", "2"}});
  CHECK(page.at("object") == "list");
  CHECK(page.at("data").as_array().size() == 2);
  CHECK(page.at("first_id") == ids[4].c_str());
  CHECK(page.at("last_id") == ids[3].c_str());
  CHECK(page.at("has_more") == true);
  page = c.ok("GET", "/assistants", {}, {{"order", "asc"}, {"after", ids[2]}});
  CHECK(page.at("first_id") == ids[3].c_str());
  CHECK(page.at("has_more") == false);
  page = c.ok("GET", "/assistants", {}, {{"order", "asc"}, {"before", ids[4]}, {"limit", "2"}});
  CHECK(page.at("first_id") == ids[2].c_str());
  CHECK(page.at("last_id") == ids[3].c_str());
  CHECK(page.at("has_more") == true);
  CHECK(c.call("GET", "/assistants", {}, {{"limit", "0"}}).status == 400);
  CHECK(c.call("GET", "/assistants", {}, {{"order", "up"}}).status == 400);
}

TEST_CASE("a polled run stays queued until its step time passes", "[unit]") {
  emu::app_options slow;
  slow.run_step_ms = 3600 * 1000;
  client c(slow);
  auto a = id(c.ok("POST", "/assistants", R"({"model":"m"})"));
  auto t = id(c.ok("POST", "/threads", R"({"messages":[{"role":"user","content":"hi"}]})"));
  auto run = c.call("POST", "/threads/" + t + "/runs", R"({"assistant_id":")" + a + R"("})");
  REQUIRE(run.status == 200);
  auto run_id = id(parse(run.body).as_object());
  auto again = c.call("GET", "/threads/" + t + "/runs/" + run_id);
  CHECK(parse(again.body).at("status") == "queued");
  bool has_poll_header = false;
  for (const auto& [k, v] : again.headers)
    has_poll_header = has_poll_header || k == "openai-poll-after-ms";
  CHECK(has_poll_header);
  auto e = c.error("POST", "/threads/" + t + "/messages", R"({"role":"user","content":"x"})", 400);
  CHECK(e.at("message") ==
        ("Can't add messages to " + t + " while a run " + run_id + " is active.").c_str());
}

TEST_CASE("with a zero step time a polled run completes on the next look", "[unit]") {
  emu::app_options fast;
  fast.run_step_ms = 0;
  client c(fast);
  auto a = id(c.ok("POST", "/assistants", R"({"model":"m"})"));
  auto t = id(c.ok("POST", "/threads", R"({"messages":[{"role":"user","content":"hello"}]})"));
  auto run_id = id(c.ok("POST", "/threads/" + t + "/runs", R"({"assistant_id":")" + a + R"("})"));
  auto run = c.ok("GET", "/threads/" + t + "/runs/" + run_id);
  CHECK(run.at("status") == "completed");
  CHECK(run.at("usage").at("completion_tokens").to_number<int>() == 3);
  auto msgs = c.ok("GET", "/threads/" + t + "/messages", {}, {{"limit", "1"}});
  CHECK(msgs.at("data").at(0).at("content").at(0).at("text").at("value") == "You said: hello");
}

TEST_CASE("a streamed run sends the service's event sequence", "[unit]") {
  client c;
  auto a = id(c.ok("POST", "/assistants", R"({"model":"m"})"));
  auto t =
      id(c.ok("POST", "/threads", R"({"messages":[{"role":"user","content":"one two three"}]})"));
  auto r =
      c.call("POST", "/threads/" + t + "/runs", R"({"assistant_id":")" + a + R"(","stream":true})");
  REQUIRE(r.stream);
  CHECK(r.content_type.rfind("text/event-stream", 0) == 0);
  CHECK(event_names(r) ==
        std::vector<std::string>{"thread.run.created", "thread.run.queued",
                                 "thread.run.in_progress", "thread.run.step.created",
                                 "thread.run.step.in_progress", "thread.message.created",
                                 "thread.message.in_progress", "thread.message.completed",
                                 "thread.run.step.completed", "thread.run.completed", "done"});
  CHECK(r.events.back().data == "[DONE]");
  std::string text;
  for (const auto& e : r.events)
    if (e.name == "thread.message.delta")
      text += parse(e.data).at("delta").at("content").at(0).at("text").at("value").as_string();
  CHECK(text == "You said: one two three");
}

TEST_CASE("parallel /call lines pause in requires_action, outputs continue the run", "[unit]") {
  client c;
  auto a = id(c.ok("POST", "/assistants",
                   R"({"model":"m","tools":[{"type":"function","function":{"name":"f"}}]})"));
  auto t = id(
      c.ok("POST", "/threads",
           R"({"messages":[{"role":"user","content":"/call f {\"a\":1}\n/call f {\"a\":2}"}]})"));
  auto r =
      c.call("POST", "/threads/" + t + "/runs", R"({"assistant_id":")" + a + R"(","stream":true})");
  CHECK(event_names(r).back() == "done");
  CHECK(event_names(r)[event_names(r).size() - 2] == "thread.run.requires_action");
  auto run = parse(r.events[r.events.size() - 2].data).as_object();
  const auto& calls =
      run.at("required_action").at("submit_tool_outputs").at("tool_calls").as_array();
  REQUIRE(calls.size() == 2);
  CHECK(calls[1].at("function").at("arguments") == "{\"a\":2}");
  std::string outputs = R"({"stream":true,"tool_outputs":[{"tool_call_id":")" +
                        std::string(calls[0].at("id").as_string()) +
                        R"(","output":"X"},{"tool_call_id":")" +
                        std::string(calls[1].at("id").as_string()) + R"(","output":"Y"}]})";
  auto cont =
      c.call("POST", "/threads/" + t + "/runs/" + id(run) + "/submit_tool_outputs", outputs);
  REQUIRE(cont.status == 200);
  CHECK(event_names(cont).front() == "thread.run.step.completed");
  auto done = parse(cont.events[cont.events.size() - 2].data);
  CHECK(done.at("status") == "completed");
  auto msgs = c.ok("GET", "/threads/" + t + "/messages", {}, {{"limit", "1"}});
  CHECK(msgs.at("data").at(0).at("content").at(0).at("text").at("value") ==
        "Tool outputs: f -> X; f -> Y.");
  auto e =
      c.error("POST", "/threads/" + t + "/runs/" + id(run) + "/submit_tool_outputs", outputs, 400);
  CHECK(e.at("message") == "Runs in status \"completed\" do not accept tool outputs.");
}

TEST_CASE("scripted turns: chunks, argument chunks and failures", "[unit]") {
  client c;
  auto a = id(c.ok("POST", "/assistants", R"({"model":"m"})"));
  auto t = id(c.ok("POST", "/threads", "{}"));
  c.ok(
      "POST", "/_emulator/scripts",
      R"({"thread_id":")" + t +
          R"(","turns":[{"text":"abcdef","chunks":3},{"tool_calls":[{"name":"g","arguments":"{\"k\":\"vvvv\"}"}],"argument_chunks":5},{"fail":{"code":"server_error","message":"boom"}}]})");
  auto r1 =
      c.call("POST", "/threads/" + t + "/runs", R"({"assistant_id":")" + a + R"(","stream":true})");
  int deltas = 0;
  for (const auto& e : r1.events)
    deltas += e.name == "thread.message.delta";
  CHECK(deltas == 3);
  auto r2 =
      c.call("POST", "/threads/" + t + "/runs", R"({"assistant_id":")" + a + R"(","stream":true})");
  int arg_deltas = 0;
  for (const auto& e : r2.events)
    arg_deltas += e.name == "thread.run.step.delta";
  CHECK(arg_deltas == 1 + 5); // the opening delta, then the arguments in 5 pieces
  auto run2 = parse(r2.events[r2.events.size() - 2].data).as_object();
  c.ok("POST", "/threads/" + t + "/runs/" + id(run2) + "/cancel");
}

TEST_CASE("faults from the header and from the queue", "[unit]") {
  client c;
  emu::http_request r;
  r.method = "GET";
  r.path = "/v1/files";
  r.headers["x-emulator-fault"] = R"({"status":429,"headers":{"Retry-After":"2"}})";
  auto reply = c.app.handle(r);
  CHECK(reply.status == 429);
  CHECK(parse(reply.body).at("error").at("code") == "rate_limit_exceeded");
  bool retry_after = false;
  for (const auto& [k, v] : reply.headers)
    retry_after = retry_after || (k == "Retry-After" && v == "2");
  CHECK(retry_after);
  r.headers.clear();
  c.ok("POST", "/_emulator/faults",
       R"({"faults":[{"cut":"mid_stream","after_events":3,"path_contains":"/runs","count":2}]})");
  CHECK(!c.app.handle(r).fault); // /files does not match
  auto a = id(c.ok("POST", "/assistants", R"({"model":"m"})"));
  auto t = id(c.ok("POST", "/threads", "{}"));
  for (int i = 0; i < 2; ++i) {
    auto s = c.call("POST", "/threads/" + t + "/runs",
                    R"({"assistant_id":")" + a + R"(","stream":true})");
    REQUIRE(s.fault);
    CHECK(s.fault->cut == "mid_stream");
    CHECK(s.fault->after_events == 3);
  }
  CHECK(!c.call("GET", "/threads/" + t + "/runs").fault);
}

TEST_CASE("vector store search ranks by terms and honours attribute filters", "[unit]") {
  emu::app_options o;
  o.file_processing_ms = 0;
  client c(o);
  auto upload = [&](const std::string& name, const std::string& text) {
    emu::http_request r;
    r.method = "POST";
    r.path = "/v1/files";
    r.headers["content-type"] = "multipart/form-data; boundary=XyZ";
    r.body =
        "--XyZ\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nassistants\r\n--XyZ\r\n"
        "Content-Disposition: form-data; name=\"file\"; filename=\"" +
        name +
        "\"\r\n"
        "Content-Type: text/plain\r\n\r\n" +
        text + "\r\n--XyZ--\r\n";
    auto reply = c.app.handle(r);
    INFO(reply.body);
    REQUIRE(reply.status == 200);
    auto f = parse(reply.body).as_object();
    CHECK(f.at("bytes").to_number<std::size_t>() == text.size());
    return id(f);
  };
  auto f1 = upload("a.txt", "apples and pears grow on trees");
  auto f2 = upload("b.txt", "submarines dive under the sea");
  auto vs = id(c.ok("POST", "/vector_stores", R"({"name":"s"})"));
  c.ok("POST", "/vector_stores/" + vs + "/files",
       R"({"file_id":")" + f1 + R"(","attributes":{"kind":"fruit"}})");
  c.ok("POST", "/vector_stores/" + vs + "/files",
       R"({"file_id":")" + f2 + R"(","attributes":{"kind":"boat"}})");
  auto res =
      c.ok("POST", "/vector_stores/" + vs + "/search", R"({"query":"submarines under the sea"})");
  REQUIRE(res.at("data").as_array().size() >= 1);
  CHECK(res.at("data").at(0).at("file_id") == f2.c_str());
  res = c.ok("POST", "/vector_stores/" + vs + "/search",
             R"({"query":"the","filters":{"type":"eq","key":"kind","value":"fruit"}})");
  for (const auto& d : res.at("data").as_array())
    CHECK(d.at("file_id") == f1.c_str());
  auto store = c.ok("GET", "/vector_stores/" + vs);
  CHECK(store.at("file_counts").at("completed") == 2);
  CHECK(store.at("status") == "completed");
}

TEST_CASE("malformed scripts and faults are 400, not server errors", "[unit]") {
  client c;
  auto t = id(c.ok("POST", "/threads", "{}"));
  c.error("POST", "/_emulator/scripts", R"({"thread_id":")" + t + R"(","turns":"no"})", 400);
  c.error("POST", "/_emulator/scripts", R"({"fault":{"status":"x"}})", 400);
  c.error("POST", "/_emulator/scripts", R"({"fault":{"cut":"sideways"}})", 400);
  c.error("POST", "/_emulator/scripts", R"({"thread_id":"thread_none","turns":[]})", 404);
  emu::http_request r;
  r.method = "GET";
  r.path = "/v1/files";
  r.headers["x-emulator-fault"] = "not json";
  CHECK(c.app.handle(r).status == 400);
}

TEST_CASE("max_completion_tokens cuts the reply and the run ends incomplete", "[unit]") {
  client c;
  auto a = id(c.ok("POST", "/assistants", R"({"model":"m"})"));
  std::string words;
  for (int i = 0; i < 300; ++i)
    words += " w";
  auto t = id(
      c.ok("POST", "/threads", R"({"messages":[{"role":"user","content":")" + words + R"("}]})"));
  // the spec's minimum is 256
  c.error("POST", "/threads/" + t + "/runs",
          R"({"assistant_id":")" + a + R"(","max_completion_tokens":3})", 400);
  auto r = c.call("POST", "/threads/" + t + "/runs",
                  R"({"assistant_id":")" + a + R"(","stream":true,"max_completion_tokens":256})");
  REQUIRE(r.events.size() > 2);
  auto names = event_names(r);
  CHECK(std::find(names.begin(), names.end(), "thread.message.incomplete") != names.end());
  auto run = parse(r.events[r.events.size() - 2].data);
  CHECK(run.at("status") == "incomplete");
  CHECK(run.at("incomplete_details").at("reason") == "max_completion_tokens");
  CHECK(run.at("usage").at("completion_tokens") == 256);
}
