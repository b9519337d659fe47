// The snapshot accumulator: every merge rule of the Node SDK, its two corrected faults, the
// index limits, and the accessors.
#include <catch2/catch.hpp>

#include <coassist/stream/accumulator.hpp>

#include <string>
#include <vector>

namespace json = coassist::json;
namespace stream = coassist::stream;
using stream::accumulate_error;

namespace {

json::value j(std::string_view text) {
  return json::parse(text);
}

std::error_code merge(json::value& acc, std::string_view delta) {
  json::value d = j(delta);
  return stream::detail::merge_object(acc.as_object(), std::move(d.as_object()));
}

} // namespace

TEST_CASE("merge: missing or null keys take the delta's value", "[unit]") {
  json::value acc = j(R"({"a":null,"b":1})");
  REQUIRE_FALSE(merge(acc, R"({"a":"x","c":{"d":[1]}})"));
  CHECK(acc == j(R"({"a":"x","b":1,"c":{"d":[1]}})"));
}

TEST_CASE("merge: strings concatenate, numbers add, objects merge", "[unit]") {
  json::value acc = j(R"({"s":"ab","n":1,"f":0.5,"o":{"s":"x","n":2}})");
  REQUIRE_FALSE(merge(acc, R"({"s":"cd","n":2,"f":0.25,"o":{"s":"y","m":true}})"));
  CHECK(acc == j(R"({"s":"abcd","n":3,"f":0.75,"o":{"s":"xy","n":2,"m":true}})"));
  CHECK(acc.at("n").is_int64());
}

TEST_CASE("merge: integer sums stay exact, overflow becomes a double", "[unit]") {
  json::value acc = j(R"({"n":9223372036854775807,"u":18446744073709551615,"v":18446744073709551615,
                          "m":-9223372036854775808})");
  REQUIRE_FALSE(merge(acc, R"({"n":1,"u":-1,"v":1,"m":-1})"));
  CHECK(acc.at("n").is_uint64());
  CHECK(acc.at("n").get_uint64() == 9223372036854775808ull);
  CHECK(acc.at("u").is_uint64());
  CHECK(acc.at("u").get_uint64() == 18446744073709551614ull);
  CHECK(acc.at("v").is_double());
  CHECK(acc.at("m").is_double());
}

TEST_CASE("merge: index and type are overwritten, not merged", "[unit]") {
  json::value acc = j(R"({"index":1,"type":"text","value":"a"})");
  REQUIRE_FALSE(merge(acc, R"({"index":2,"type":"image_file","value":"b"})"));
  CHECK(acc == j(R"({"index":2,"type":"image_file","value":"ab"})"));
}

TEST_CASE("merge: arrays of primitives append", "[unit]") {
  json::value acc = j(R"({"ids":["a",1]})");
  REQUIRE_FALSE(merge(acc, R"({"ids":["b",2]})"));
  CHECK(acc == j(R"({"ids":["a",1,"b",2]})"));
  json::value empty = j(R"({"ids":[]})");
  REQUIRE_FALSE(merge(empty, R"({"ids":["x"]})"));
  CHECK(empty == j(R"({"ids":["x"]})"));
}

TEST_CASE("merge: arrays of objects merge on index", "[unit]") {
  json::value acc = j(R"({"calls":[{"index":0,"id":"c0","args":"{"}]})");
  REQUIRE_FALSE(merge(acc, R"({"calls":[{"index":0,"args":"\"a\""},{"index":1,"id":"c1"}]})"));
  REQUIRE_FALSE(merge(acc, R"({"calls":[{"index":1,"args":"x"},{"index":0,"args":"}"}]})"));
  CHECK(acc == j(R"({"calls":[{"index":0,"id":"c0","args":"{\"a\"}"},
                              {"index":1,"id":"c1","args":"x"}]})"));
}

TEST_CASE("merge: corrected fault 1, the first element of an empty array lands at its index",
          "[unit]") {
  // Node 6.49.0 pushes {"index":1} to position 0 of [], then merges index 0 into it: one call
  // with both names. Here each call keeps its own slot.
  json::value acc = j(R"({"step_details":{"type":"tool_calls","tool_calls":[]}})");
  REQUIRE_FALSE(merge(
      acc, R"({"step_details":{"tool_calls":[{"index":1,"id":"b","function":{"name":"g"}}]}})"));
  REQUIRE_FALSE(merge(
      acc, R"({"step_details":{"tool_calls":[{"index":0,"id":"a","function":{"name":"f"}}]}})"));
  CHECK(acc == j(R"({"step_details":{"type":"tool_calls","tool_calls":[
      {"index":0,"id":"a","function":{"name":"f"}},
      {"index":1,"id":"b","function":{"name":"g"}}]}})"));
  // a gap is filled with null until its element arrives, as a JavaScript array hole serialises
  json::value gap = j(R"({"a":[]})");
  REQUIRE_FALSE(merge(gap, R"({"a":[{"index":2,"v":1}]})"));
  CHECK(gap == j(R"({"a":[null,null,{"index":2,"v":1}]})"));
}

TEST_CASE("merge: index limits and malformed entries are errors", "[unit]") {
  json::value acc = j(R"({"a":[]})");
  CHECK(merge(acc, R"({"a":[{"index":65536}]})") == accumulate_error::index_out_of_range);
  CHECK(merge(acc, R"({"a":[{"index":1025}]})") == accumulate_error::index_out_of_range);
  CHECK_FALSE(merge(acc, R"({"a":[{"index":1024}]})"));
  CHECK(acc.at("a").as_array().size() == 1025);
  CHECK(merge(acc, R"({"a":[{"index":2050}]})") == accumulate_error::index_out_of_range);
  CHECK_FALSE(merge(acc, R"({"a":[{"index":2049}]})"));
  json::value objs = j(R"({"a":[{"index":0}]})");
  CHECK(merge(objs, R"({"a":["x"]})") == accumulate_error::array_entry_not_object);
  CHECK(merge(objs, R"({"a":[{"v":1}]})") == accumulate_error::array_entry_without_index);
  CHECK(merge(objs, R"({"a":[{"index":-1}]})") == accumulate_error::bad_index);
  CHECK(merge(objs, R"({"a":[{"index":"0"}]})") == accumulate_error::bad_index);
  CHECK(merge(objs, R"({"a":[{"index":0.5}]})") == accumulate_error::bad_index);
  CHECK_FALSE(merge(objs, R"({"a":[{"index":1.0,"v":2}]})"));
}

TEST_CASE("merge: mismatched types are errors, as the Node SDK throws", "[unit]") {
  json::value acc = j(R"({"s":"x","b":true,"o":{},"n":1})");
  CHECK(merge(acc, R"({"s":1})") == accumulate_error::type_mismatch);
  CHECK(merge(acc, R"({"b":false})") == accumulate_error::type_mismatch);
  CHECK(merge(acc, R"({"o":[]})") == accumulate_error::type_mismatch);
  CHECK(merge(acc, R"({"n":null})") == accumulate_error::type_mismatch);
  CHECK(std::error_code(accumulate_error::type_mismatch).message().find("type") !=
        std::string::npos);
}

namespace {

const char* run_json(const char* status) {
  static std::string s;
  s = std::string(R"({"id":"run_1","object":"thread.run","status":")") + status + "\"}";
  return s.c_str();
}

void apply_ok(stream::accumulator& acc, std::string_view event, std::string_view data) {
  INFO(event << " " << data);
  auto ec = acc.apply(event, j(data));
  REQUIRE_FALSE(ec);
}

} // namespace

TEST_CASE("accumulator: message created, deltas, and corrected fault 2 on completed", "[unit]") {
  stream::accumulator acc;
  apply_ok(acc, "thread.message.created",
           R"({"id":"msg_1","object":"thread.message","status":"in_progress","role":"assistant",
               "content":[],"completed_at":null})");
  REQUIRE(acc.current_message());
  apply_ok(acc, "thread.message.delta",
           R"({"id":"msg_1","object":"thread.message.delta","delta":{"content":[
               {"index":0,"type":"text","text":{"value":"Hel","annotations":[]}}]}})");
  apply_ok(acc, "thread.message.delta",
           R"({"id":"msg_1","delta":{"role":"ignored","content":[
               {"index":0,"type":"text","text":{"value":"lo"}}]}})");
  apply_ok(acc, "thread.message.delta",
           R"({"id":"msg_1","delta":{"content":[{"index":0,"type":"text","text":{"value":" [1]",
               "annotations":[{"index":0,"type":"file_citation","text":"[1]","start_index":5}]}}]}})");
  CHECK(acc.current_message()->at("content").at(0).at("text").at("value") == "Hello [1]");
  CHECK(acc.current_message()->at("role") == "assistant");
  apply_ok(acc, "thread.message.completed",
           R"({"id":"msg_1","object":"thread.message","status":"completed","role":"assistant",
               "content":[{"type":"text","text":{"value":"server copy","annotations":[]}}],
               "completed_at":1234})");
  CHECK_FALSE(acc.current_message());
  REQUIRE(acc.final_messages().size() == 1);
  const json::object& m = acc.final_messages()[0];
  CHECK(m.at("status") == "completed"); // Node 6.49.0 leaves "in_progress"
  CHECK(m.at("completed_at") == 1234);
  // the accumulated content is kept
  CHECK(json::value(m.at("content")) ==
        j(R"([{"index":0,"type":"text","text":{"value":"Hello [1]","annotations":[
              {"index":0,"type":"file_citation","text":"[1]","start_index":5}]}}])"));
}

TEST_CASE("accumulator: incomplete message takes the event's fields too", "[unit]") {
  stream::accumulator acc;
  apply_ok(acc, "thread.message.created", R"({"id":"m","status":"in_progress","content":[]})");
  apply_ok(acc, "thread.message.delta",
           R"({"id":"m","delta":{"content":[{"index":1,"type":"text","text":{"value":"b"}}]}})");
  apply_ok(acc, "thread.message.delta",
           R"({"id":"m","delta":{"content":[{"index":0,"type":"text","text":{"value":"a"}}]}})");
  apply_ok(acc, "thread.message.incomplete",
           R"({"id":"m","status":"incomplete","incomplete_details":{"reason":"max_tokens"}})");
  const json::object& m = acc.final_messages().at(0);
  CHECK(m.at("status") == "incomplete");
  CHECK(m.at("incomplete_details").at("reason") == "max_tokens");
  CHECK(m.at("content").at(0).at("text").at("value") == "a");
  CHECK(m.at("content").at(1).at("text").at("value") == "b");
}

TEST_CASE("accumulator: run steps with parallel tool calls opened out of order", "[unit]") {
  stream::accumulator acc;
  apply_ok(acc, "thread.run.step.created",
           R"({"id":"step_1","type":"tool_calls","status":"in_progress",
               "step_details":{"type":"tool_calls","tool_calls":[]}})");
  apply_ok(acc, "thread.run.step.delta",
           R"({"id":"step_1","delta":{"step_details":{"type":"tool_calls","tool_calls":[
               {"index":1,"id":"call_b","type":"function","function":{"name":"g","arguments":""}}]}}})");
  apply_ok(acc, "thread.run.step.delta",
           R"({"id":"step_1","delta":{"step_details":{"type":"tool_calls","tool_calls":[
               {"index":0,"id":"call_a","type":"function","function":{"name":"f","arguments":"{\"x\""}}]}}})");
  apply_ok(acc, "thread.run.step.delta",
           R"({"id":"step_1","delta":{"step_details":{"type":"tool_calls","tool_calls":[
               {"index":1,"type":"function","function":{"arguments":"{}"}},
               {"index":0,"type":"function","function":{"arguments":":1}"}}]}}})");
  REQUIRE(acc.current_run_step());
  const auto& calls = acc.current_run_step()->at("step_details").at("tool_calls").as_array();
  REQUIRE(calls.size() == 2);
  CHECK(calls[0].at("id") == "call_a");
  CHECK(calls[0].at("function").at("arguments") == "{\"x\":1}");
  CHECK(calls[1].at("id") == "call_b");
  CHECK(calls[1].at("function").at("arguments") == "{}");
  // completed replaces the step snapshot with the event's object, as Node does
  apply_ok(
      acc, "thread.run.step.completed",
      R"({"id":"step_1","status":"completed","step_details":{"type":"tool_calls","tool_calls":[]}})");
  CHECK_FALSE(acc.current_run_step());
  CHECK(acc.final_run_steps().at(0).at("status") == "completed");
}

TEST_CASE("accumulator: code interpreter outputs and file search merge", "[unit]") {
  stream::accumulator acc;
  apply_ok(acc, "thread.run.step.created",
           R"({"id":"s","step_details":{"type":"tool_calls","tool_calls":[]}})");
  apply_ok(acc, "thread.run.step.delta",
           R"({"id":"s","delta":{"step_details":{"type":"tool_calls","tool_calls":[{"index":0,
               "id":"ci","type":"code_interpreter","code_interpreter":{"input":"print(","outputs":[]}}]}}})");
  apply_ok(acc, "thread.run.step.delta",
           R"j({"id":"s","delta":{"step_details":{"type":"tool_calls","tool_calls":[{"index":0,
               "type":"code_interpreter","code_interpreter":{"input":"1)","outputs":[
               {"index":0,"type":"logs","logs":"1\n"}]}}]}}})j");
  apply_ok(acc, "thread.run.step.delta",
           R"({"id":"s","delta":{"step_details":{"type":"tool_calls","tool_calls":[{"index":1,
               "id":"fs","type":"file_search","file_search":{}}]}}})");
  const auto& calls = acc.final_run_steps().at(0).at("step_details").at("tool_calls");
  CHECK(calls.at(0).at("code_interpreter").at("input") == "print(1)");
  CHECK(calls.at(0).at("code_interpreter").at("outputs").at(0).at("logs") == "1\n");
  CHECK(calls.at(1).at("type") == "file_search");
}

TEST_CASE("accumulator: runs, final run and its absence", "[unit]") {
  stream::accumulator acc;
  std::error_code ec;
  CHECK_FALSE(acc.final_run(ec));
  CHECK(ec == accumulate_error::no_final_run);
  CHECK_THROWS_AS(acc.final_run(), std::system_error);
  apply_ok(acc, "thread.created", R"({"id":"thread_1"})");
  apply_ok(acc, "thread.run.created", run_json("queued"));
  apply_ok(acc, "thread.run.in_progress", run_json("in_progress"));
  CHECK(acc.current_run()->at("status") == "in_progress");
  CHECK_FALSE(acc.final_run(ec));
  apply_ok(acc, "thread.run.requires_action", run_json("requires_action"));
  CHECK(acc.final_run().at("status") == "requires_action");
  // a new stream (submit tool outputs) continues in the same accumulator
  apply_ok(acc, "thread.run.queued", run_json("queued"));
  CHECK(acc.current_run()->at("status") == "queued");
  CHECK(acc.final_run().at("status") == "requires_action");
  for (const char* status : {"completed", "failed", "cancelled", "expired", "incomplete"}) {
    apply_ok(acc, std::string("thread.run.") + status, run_json(status));
    CHECK(acc.final_run().at("status") == status);
  }
  apply_ok(acc, "thread.run.cancelling", run_json("cancelling"));
  CHECK(acc.final_run().at("status") == "incomplete");
  json::object all = acc.to_json();
  CHECK(all.at("final_run").at("status") == "incomplete");
  CHECK(all.at("final_messages").as_array().empty());
}

TEST_CASE("accumulator: unknown, error and done events are ignored; bad data is an error",
          "[unit]") {
  stream::accumulator acc;
  CHECK_FALSE(acc.apply("thread.something.new", j("{}")));
  CHECK_FALSE(acc.apply("error", j(R"({"message":"x"})")));
  CHECK_FALSE(acc.apply("done", json::value("[DONE]")));
  CHECK(acc.apply("thread.run.created", j("[1]")) == accumulate_error::not_an_object);
  CHECK(acc.apply("thread.message.created", j("{}")) == accumulate_error::missing_id);
  CHECK(acc.apply("thread.message.delta", j(R"({"id":"m","delta":{}})")) ==
        accumulate_error::delta_before_created);
  CHECK(acc.apply("thread.run.step.delta", j(R"({"id":"s","delta":{}})")) ==
        accumulate_error::delta_before_created);
  CHECK(acc.final_messages().empty());
}

TEST_CASE("accumulator: messages are found by id, in order of creation", "[unit]") {
  stream::accumulator acc;
  apply_ok(acc, "thread.message.created", R"({"id":"a","content":[]})");
  apply_ok(acc, "thread.message.created", R"({"id":"b","content":[]})");
  apply_ok(
      acc, "thread.message.delta",
      R"({"id":"a","delta":{"content":[{"index":0,"type":"text","text":{"value":"for a"}}]}})");
  REQUIRE(acc.final_messages().size() == 2);
  CHECK(acc.final_messages()[0].at("content").as_array().size() == 1);
  CHECK(acc.final_messages()[1].at("content").as_array().empty());
}

TEST_CASE("text deltas: read in place without an accumulator", "[unit]") {
  json::value delta = j(R"({"id":"m","delta":{"content":[
      {"index":0,"type":"text","text":{"value":"Hi"}},
      {"index":1,"type":"image_file","image_file":{"file_id":"f"}},
      {"index":2,"type":"text","text":{"value":" there"}}]}})");
  std::string text;
  std::vector<std::uint64_t> indexes;
  stream::for_each_text_delta("thread.message.delta", delta, [&](std::string_view t, auto i) {
    text += t;
    indexes.push_back(i);
  });
  CHECK(text == "Hi there");
  CHECK(indexes == std::vector<std::uint64_t>{0, 2});
  int calls = 0;
  stream::for_each_text_delta("thread.run.created", delta, [&](auto, auto) { ++calls; });
  stream::for_each_text_delta("thread.message.delta", j("[]"), [&](auto, auto) { ++calls; });
  CHECK(calls == 0);
}

TEST_CASE("accumulator: keeps nothing that points into the event's memory resource", "[unit]") {
  stream::accumulator acc;
  std::vector<unsigned char> buffer(1 << 16);
  auto apply_from_buffer = [&](std::string_view event, std::string_view text) {
    {
      coassist::json::monotonic_resource mr(buffer.data(), buffer.size());
      coassist::json::value v = coassist::json::parse(text, &mr);
      REQUIRE_FALSE(acc.apply(event, std::move(v)));
    }
    std::fill(buffer.begin(), buffer.end(), 0xAB); // what a dangling snapshot would now read
  };
  apply_from_buffer("thread.run.created",
                    R"({"id":"run_with_a_long_identifier","status":"queued"})");
  apply_from_buffer("thread.message.created",
                    R"({"id":"msg_with_a_long_identifier_0001","content":[]})");
  apply_from_buffer("thread.message.delta",
                    R"({"id":"msg_with_a_long_identifier_0001","delta":{"content":[
                        {"index":0,"type":"text","text":{"value":"a long first piece of text"}}]}})");
  apply_from_buffer("thread.message.completed",
                    R"({"id":"msg_with_a_long_identifier_0001","status":"completed_long_status"})");
  apply_from_buffer("thread.run.completed",
                    R"({"id":"run_with_a_long_identifier","status":"completed"})");
  CHECK(acc.current_run()->at("id") == "run_with_a_long_identifier");
  CHECK(acc.final_run().at("status") == "completed");
  const auto& m = acc.final_messages().at(0);
  CHECK(m.at("status") == "completed_long_status");
  CHECK(m.at("content").at(0).at("text").at("value") == "a long first piece of text");
  CHECK(m.storage().is_deallocate_trivial() == false);
}
