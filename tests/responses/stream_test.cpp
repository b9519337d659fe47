// The Responses stream's protocol rules and snapshot accumulator, sans-I/O: SSE bytes through
// sse::parser, responses::detail::event_reader and responses::accumulator.
#include "responses/stream_support.hpp"

#include <coassist/api/error.hpp>

#include <catch2/catch.hpp>

using namespace coassist;
using namespace coassist::test::rs;

namespace {

// created, in_progress, one text message, completed: the terminal response is returned.
json::object text_stream(script& s, const std::vector<std::string>& pieces) {
  s.lifecycle("response.created", script::response("resp_1", "in_progress"));
  s.lifecycle("response.in_progress", script::response("resp_1", "in_progress"));
  json::object item = stream_text(s, 0, "msg_1", pieces);
  json::object final = script::response("resp_1", "completed", json::array{item});
  s.lifecycle("response.completed", final);
  return final;
}

errc kind_of(const std::exception_ptr& ep) {
  return error_info_of(ep).kind;
}

std::string message_of(const std::exception_ptr& ep) {
  try {
    std::rethrow_exception(ep);
  } catch (const std::exception& e) {
    return e.what();
  }
}

} // namespace

TEST_CASE("responses stream: text in any framing and any read size ends at response.completed",
          "[unit]") {
  script s;
  json::object final = text_stream(s, {"Hel", "lo, ", "wor", "ld"});
  for (std::string_view eol : {"\n", "\r\n", "\r"}) {
    for (std::size_t chunk : {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{64}}) {
      INFO("eol " << json::serialize(json::string(eol)) << " chunk " << chunk);
      run_result r = run_sse(s.sse(eol), chunk);
      REQUIRE_FALSE(r.error);
      REQUIRE(r.types.size() == s.events.size());
      CHECK(r.types.front() == "response.created");
      CHECK(r.types.back() == "response.completed");
      for (std::size_t i = 0; i < r.sequence_numbers.size(); ++i)
        CHECK(r.sequence_numbers[i] == static_cast<std::int64_t>(i));
      REQUIRE(r.acc.finished());
      CHECK(r.acc.final_response() == final);
      CHECK(r.acc.final_status() == "completed");
      CHECK(r.acc.completed());
    }
  }
}

TEST_CASE("responses stream: the snapshot is built from the deltas before the item is done",
          "[unit]") {
  script s;
  s.lifecycle("response.created", script::response("resp_1", "in_progress"));
  stream_text(s, 0, "msg_1", {"a", "b", "c"});
  s.events.resize(s.events.size() - 3); // stop after the deltas (no text.done, part.done, done)
  run_result r = run_sse(s.sse());
  REQUIRE(r.error); // and the body ended early
  CHECK(kind_of(r.error) == errc::stream_truncated);
  const json::object* snap = r.acc.snapshot();
  REQUIRE(snap);
  CHECK(snap->at("output").at(0).at("content").at(0).at("text") == "abc");
  CHECK(snap->at("output").at(0).at("status") == "in_progress");
  CHECK_FALSE(r.acc.finished());
  std::error_code ec;
  CHECK_FALSE(r.acc.final_response(ec));
  CHECK(ec == responses::snapshot_error::no_final_response);
}

TEST_CASE("responses stream: a body that ends before a terminal event is stream_truncated",
          "[unit]") {
  script s;
  text_stream(s, {"x"});
  std::string bytes = s.sse();
  SECTION("ends between events") {
    std::string cut = bytes.substr(0, bytes.rfind("event: response.completed"));
    run_result r = run_sse(cut);
    REQUIRE(r.error);
    CHECK(kind_of(r.error) == errc::stream_truncated);
    CHECK_THAT(message_of(r.error), Catch::Contains("ended before response.completed"));
    CHECK(r.types.back() == "response.output_item.done");
  }
  SECTION("ends inside an event") {
    run_result r = run_sse(bytes.substr(0, bytes.size() - 5));
    REQUIRE(r.error);
    CHECK(kind_of(r.error) == errc::stream_truncated);
    CHECK_THAT(message_of(r.error), Catch::Contains("cut inside an event"));
  }
  SECTION("an empty body") {
    run_result r = run_sse("");
    REQUIRE(r.error);
    CHECK(kind_of(r.error) == errc::stream_truncated);
  }
  SECTION("[DONE] is no end of this protocol") {
    std::string cut =
        bytes.substr(0, bytes.rfind("event: response.completed")) + "data: [DONE]\n\n";
    run_result r = run_sse(cut);
    REQUIRE(r.error);
    CHECK(kind_of(r.error) == errc::stream_truncated);
  }
}

TEST_CASE("responses stream: failed and incomplete end the stream and stay distinct", "[unit]") {
  for (std::string status : {"failed", "incomplete"}) {
    script s;
    s.lifecycle("response.created", script::response("resp_1", "in_progress"));
    json::object item = stream_text(s, 0, "msg_1", {"part"});
    json::object final = script::response("resp_1", status, json::array{item});
    if (status == "failed")
      final["error"] = json::object{{"code", "server_error"}, {"message", "boom"}};
    else
      final["incomplete_details"] = json::object{{"reason", "max_output_tokens"}};
    s.lifecycle("response." + status, final);
    s.add("response.output_text.delta", {{"output_index", 0}}); // after the end: ignored
    run_result r = run_sse(s.sse());
    REQUIRE_FALSE(r.error);
    CHECK(r.types.back() == "response." + status);
    REQUIRE(r.acc.finished());
    CHECK(r.acc.final_status() == status);
    CHECK_FALSE(r.acc.completed());
    CHECK(r.acc.final_response() == final);
  }
}

TEST_CASE("responses stream: error events are stream_error, flat or nested", "[unit]") {
  script s;
  s.lifecycle("response.created", script::response("resp_1", "in_progress"));
  std::string head = s.sse();
  SECTION("flat, as the spec writes it") {
    std::string bytes = head + "event: error\ndata: {\"type\":\"error\",\"code\":\"server_error\","
                               "\"message\":\"The model broke.\",\"param\":null,"
                               "\"sequence_number\":1}\n\n";
    run_result r = run_sse(bytes);
    REQUIRE(r.error);
    CHECK(kind_of(r.error) == errc::stream_error);
    error_info info = error_info_of(r.error);
    CHECK(info.message == "The model broke.");
    CHECK(info.code == "server_error");
    CHECK(info.type.empty());
    CHECK(info.request_id == "req_test");
    CHECK_THROWS_AS(std::rethrow_exception(r.error), stream_error);
  }
  SECTION("nested, as some servers send it") {
    std::string bytes = head + "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":"
                               "\"invalid_request_error\",\"code\":\"bad\",\"message\":\"No.\","
                               "\"param\":\"input\"},\"sequence_number\":1}\n\n";
    run_result r = run_sse(bytes);
    REQUIRE(r.error);
    error_info info = error_info_of(r.error);
    CHECK(info.kind == errc::stream_error);
    CHECK(info.message == "No.");
    CHECK(info.type == "invalid_request_error");
    CHECK(info.param == "input");
  }
  SECTION("data without an event name, type error") {
    run_result r = run_sse(head + "data: {\"type\":\"error\",\"message\":\"m\",\"code\":null}\n\n");
    REQUIRE(r.error);
    CHECK(kind_of(r.error) == errc::stream_error);
    CHECK(error_info_of(r.error).message == "m");
  }
  SECTION("an error event that is not JSON") {
    run_result r = run_sse(head + "event: error\ndata: upstream <b>gone</b>\n\n");
    REQUIRE(r.error);
    CHECK(kind_of(r.error) == errc::stream_error);
    CHECK_THAT(error_info_of(r.error).message, Catch::Contains("upstream"));
  }
}

TEST_CASE("responses stream: unknown events pass, keepalive and comments are skipped", "[unit]") {
  script s;
  s.lifecycle("response.created", script::response("resp_1", "in_progress"));
  s.add("response.hologram.delta", {{"output_index", 0}, {"delta", "zz"}});
  std::string bytes =
      s.sse() + ": a comment\n\nevent: keepalive\ndata: {\"type\":\"keepalive\"}\n\n";
  script tail;
  tail.next_seq = s.next_seq;
  json::object item = stream_text(tail, 0, "msg_1", {"ok"});
  tail.lifecycle("response.completed", script::response("resp_1", "completed", {item}));
  bytes += tail.sse();
  run_result r = run_sse(bytes, 3);
  REQUIRE_FALSE(r.error);
  REQUIRE(r.types.size() == 2 + tail.events.size());
  CHECK(r.types[1] == "response.hologram.delta");
  CHECK(std::find(r.types.begin(), r.types.end(), "keepalive") == r.types.end());
  CHECK(r.acc.completed());
}

TEST_CASE("responses stream: data that is not a JSON object is invalid_response", "[unit]") {
  run_result r = run_sse("event: response.created\ndata: {not json\n\n");
  REQUIRE(r.error);
  CHECK(kind_of(r.error) == errc::invalid_response);
  CHECK_THAT(message_of(r.error), Catch::Contains("not a JSON object"));
}

TEST_CASE("responses stream: a replayed sequence number is handed out once", "[unit]") {
  script s;
  text_stream(s, {"a", "b"});
  // the server repeats events 2..4 (as a resume that replays too much would)
  script bytes;
  for (std::size_t i = 0; i <= 4; ++i)
    bytes.events.push_back(s.events[i]);
  for (std::size_t i = 2; i < s.events.size(); ++i)
    bytes.events.push_back(s.events[i]);
  run_result r = run_sse(bytes.sse());
  REQUIRE_FALSE(r.error);
  REQUIRE(r.sequence_numbers.size() == s.events.size());
  for (std::size_t i = 0; i < r.sequence_numbers.size(); ++i)
    CHECK(r.sequence_numbers[i] == static_cast<std::int64_t>(i));
  CHECK(r.acc.final_response().at("output").at(0).at("content").at(0).at("text") == "ab");
}

// ---- the accumulator's rules ----

namespace {
// 8 parallel calls; their argument deltas either one call after the other or interleaved.
script parallel_calls(bool interleaved, std::vector<std::string>* args_out = nullptr) {
  script s;
  s.lifecycle("response.created", script::response("resp_p", "in_progress"));
  const int n = 8;
  std::vector<std::string> args;
  for (int i = 0; i < n; ++i)
    args.push_back("{\"city\":\"C" + std::to_string(i) + "\",\"n\":" + std::to_string(i * 11) +
                   "}");
  auto id = [](int i) { return "fc_" + std::to_string(i); };
  auto pieces = [&](int i) {
    const std::string& a = args[static_cast<std::size_t>(i)];
    return std::vector<std::string>{a.substr(0, 3), a.substr(3, 7), a.substr(10)};
  };
  for (int i = 0; i < n; ++i) {
    s.add("response.output_item.added", {{"output_index", i},
                                         {"item", call_item(id(i), "call_" + std::to_string(i),
                                                            "get_weather", "", "in_progress")}});
    if (!interleaved)
      for (const auto& p : pieces(i))
        s.add("response.function_call_arguments.delta",
              {{"output_index", i}, {"item_id", id(i)}, {"delta", p}});
  }
  if (interleaved)
    for (int k = 0; k < 3; ++k)
      for (int i = n - 1; i >= 0; --i) // reverse order, round-robin
        s.add("response.function_call_arguments.delta",
              {{"output_index", i},
               {"item_id", id(i)},
               {"delta", pieces(i)[static_cast<std::size_t>(k)]}});
  json::array output;
  for (int i = 0; i < n; ++i) {
    s.add("response.function_call_arguments.done",
          {{"output_index", i},
           {"item_id", id(i)},
           {"name", "get_weather"},
           {"arguments", args[static_cast<std::size_t>(i)]}});
    json::object done = call_item(id(i), "call_" + std::to_string(i), "get_weather",
                                  args[static_cast<std::size_t>(i)], "completed");
    s.add("response.output_item.done", {{"output_index", i}, {"item", done}});
    output.push_back(done);
  }
  s.lifecycle("response.completed", script::response("resp_p", "completed", output));
  if (args_out) *args_out = args;
  return s;
}
} // namespace

TEST_CASE("accumulator: 8 parallel calls, sequential or interleaved, each gets its arguments",
          "[unit]") {
  for (bool interleaved : {false, true}) {
    INFO("interleaved " << interleaved);
    std::vector<std::string> args;
    script s = parallel_calls(interleaved, &args);
    responses::accumulator acc;
    for (std::size_t i = 0; i < s.events.size(); ++i) {
      auto& e = s.events[i];
      std::string type(e.at("type").as_string());
      if (type == "response.function_call_arguments.done") {
        // before the done events: the deltas alone built the arguments
        int idx = static_cast<int>(e.at("output_index").as_int64());
        CHECK(acc.snapshot()->at("output").at(static_cast<std::size_t>(idx)).at("arguments") ==
              json::string(args[static_cast<std::size_t>(idx)]));
      }
      REQUIRE_FALSE(acc.apply(type, json::value(e)));
    }
    REQUIRE(acc.completed());
    CHECK(acc.final_response() == s.events.back().at("response").as_object());
  }
}

TEST_CASE("accumulator: arguments that differ from the done event's are a clear error", "[unit]") {
  script s = parallel_calls(true);
  // corrupt one delta of call 5
  for (auto& e : s.events)
    if (e.at("type") == "response.function_call_arguments.delta" && e.at("item_id") == "fc_5") {
      e["delta"] = "{\"ci";
      break;
    }
  responses::accumulator acc;
  std::error_code failure;
  for (auto& e : s.events) {
    std::string type(e.at("type").as_string());
    if (auto ec = acc.apply(type, json::value(e))) {
      failure = ec;
      break;
    }
  }
  CHECK(failure == responses::snapshot_error::arguments_mismatch);
  CHECK_THAT(acc.problem(), Catch::Contains("response.function_call_arguments.done"));
  CHECK_THAT(acc.problem(), Catch::Contains("item fc_5"));
  CHECK_THAT(acc.problem(), Catch::Contains("output 5"));
  CHECK_THAT(acc.problem(), Catch::Contains("C5"));
  // and through the stream's rules it is thrown
  run_result r = run_sse(s.sse());
  REQUIRE(r.error);
  CHECK_THAT(message_of(r.error), Catch::Contains("differ") || Catch::Contains("add up to"));
}

TEST_CASE("accumulator: output_index and item_id must name the same item", "[unit]") {
  script s = parallel_calls(false);
  responses::accumulator acc;
  for (std::size_t i = 0; i < 9; ++i) { // created + 8 added (sequential: added, deltas...)
    std::string type(s.events[i].at("type").as_string());
    REQUIRE_FALSE(acc.apply(type, json::value(s.events[i])));
  }
  json::object wrong{{"type", "response.function_call_arguments.delta"},
                     {"output_index", 0},
                     {"item_id", "fc_1"},
                     {"delta", "x"},
                     {"sequence_number", 99}};
  auto ec = acc.apply("response.function_call_arguments.delta", wrong);
  CHECK(ec == responses::snapshot_error::item_mismatch);
  CHECK_THAT(acc.problem(), Catch::Contains("item fc_1"));
  json::object missing{{"type", "response.function_call_arguments.delta"},
                       {"output_index", 40},
                       {"item_id", "fc_40"},
                       {"delta", "x"}};
  CHECK(acc.apply("response.function_call_arguments.delta", missing) ==
        responses::snapshot_error::unknown_item);
  json::object huge{{"type", "response.output_item.added"},
                    {"output_index", 100000},
                    {"item", message_item("m", "in_progress")}};
  CHECK(acc.apply("response.output_item.added", huge) == responses::snapshot_error::bad_index);
  json::object before{{"type", "response.output_text.delta"}, {"output_index", 0}};
  responses::accumulator fresh;
  CHECK(fresh.apply("response.output_text.delta", before) ==
        responses::snapshot_error::no_snapshot);
}

TEST_CASE("accumulator: refusal, annotations, reasoning summaries and reasoning text", "[unit]") {
  script s;
  s.lifecycle("response.created", script::response("resp_r", "in_progress"));
  // reasoning item with a summary part and reasoning text
  json::object reasoning{{"id", "rs_1"},
                         {"type", "reasoning"},
                         {"summary", json::array{}},
                         {"content", json::array{}},
                         {"status", "in_progress"}};
  s.add("response.output_item.added", {{"output_index", 0}, {"item", reasoning}});
  s.add("response.reasoning_summary_part.added",
        {{"output_index", 0},
         {"item_id", "rs_1"},
         {"summary_index", 0},
         {"part", {{"type", "summary_text"}, {"text", ""}}}});
  for (std::string d : {"Think", "ing."})
    s.add("response.reasoning_summary_text.delta",
          {{"output_index", 0}, {"item_id", "rs_1"}, {"summary_index", 0}, {"delta", d}});
  s.add("response.content_part.added", {{"output_index", 0},
                                        {"item_id", "rs_1"},
                                        {"content_index", 0},
                                        {"part", {{"type", "reasoning_text"}, {"text", ""}}}});
  for (std::string d : {"step 1; ", "step 2"})
    s.add("response.reasoning_text.delta",
          {{"output_index", 0}, {"item_id", "rs_1"}, {"content_index", 0}, {"delta", d}});
  // message with a refusal part and an annotated text part
  s.add("response.output_item.added",
        {{"output_index", 1}, {"item", message_item("msg_2", "in_progress")}});
  s.add("response.content_part.added", {{"output_index", 1},
                                        {"item_id", "msg_2"},
                                        {"content_index", 0},
                                        {"part", {{"type", "refusal"}, {"refusal", ""}}}});
  for (std::string d : {"I can't ", "help."})
    s.add("response.refusal.delta",
          {{"output_index", 1}, {"item_id", "msg_2"}, {"content_index", 0}, {"delta", d}});
  s.add("response.content_part.added",
        {{"output_index", 1}, {"item_id", "msg_2"}, {"content_index", 1}, {"part", text_part("")}});
  s.add("response.output_text.delta", {{"output_index", 1},
                                       {"item_id", "msg_2"},
                                       {"content_index", 1},
                                       {"delta", "See doc."},
                                       {"logprobs", json::array{}}});
  json::object citation{{"type", "url_citation"},
                        {"url", "https://example.com"},
                        {"title", "Doc"},
                        {"start_index", 4},
                        {"end_index", 7}};
  s.add("response.output_text.annotation.added", {{"output_index", 1},
                                                  {"item_id", "msg_2"},
                                                  {"content_index", 1},
                                                  {"annotation_index", 0},
                                                  {"annotation", citation}});
  responses::accumulator acc;
  for (auto& e : s.events) {
    std::string type(e.at("type").as_string());
    INFO(type);
    REQUIRE_FALSE(acc.apply(type, json::value(e)));
  }
  const json::array& out = acc.snapshot()->at("output").as_array();
  CHECK(out.at(0).at("summary").at(0).at("text") == "Thinking.");
  CHECK(out.at(0).at("content").at(0).at("text") == "step 1; step 2");
  CHECK(out.at(1).at("content").at(0).at("refusal") == "I can't help.");
  CHECK(out.at(1).at("content").at(1).at("text") == "See doc.");
  CHECK(out.at(1).at("content").at(1).at("annotations").at(0) == citation);
  // a refusal delta aimed at the text part is an error naming the part types
  json::object wrong{
      {"output_index", 1}, {"item_id", "msg_2"}, {"content_index", 1}, {"delta", "x"}};
  CHECK(acc.apply("response.refusal.delta", wrong) == responses::snapshot_error::wrong_part_type);
  CHECK_THAT(acc.problem(), Catch::Contains("expected a refusal part, found output_text"));
}

TEST_CASE("accumulator: starts from a retrieved response and continues it", "[unit]") {
  // the response as retrieved in the middle: one message with "Hel" so far
  json::object item = message_item("msg_1", "in_progress", json::array{text_part("Hel")});
  json::object retrieved = script::response("resp_1", "in_progress", json::array{item}, true);
  responses::accumulator acc(retrieved);
  for (std::string d : {"lo", "!"})
    REQUIRE_FALSE(acc.apply("response.output_text.delta", json::object{{"output_index", 0},
                                                                       {"item_id", "msg_1"},
                                                                       {"content_index", 0},
                                                                       {"delta", d}}));
  CHECK(acc.snapshot()->at("output").at(0).at("content").at(0).at("text") == "Hello!");
  // a slim terminal event (no output) keeps what was accumulated
  json::object slim = script::response("resp_1", "completed", {}, true);
  REQUIRE_FALSE(acc.apply("response.completed", json::object{{"response", slim}}));
  CHECK(acc.completed());
  CHECK(acc.final_response().at("output").at(0).at("content").at(0).at("text") == "Hello!");
  CHECK(acc.final_response().at("status") == "completed");
}

TEST_CASE("accumulator: events that carry no snapshot are ignored", "[unit]") {
  responses::accumulator acc;
  CHECK_FALSE(acc.apply("keepalive", json::object{}));
  CHECK_FALSE(acc.apply("error", json::object{{"message", "x"}}));
  CHECK_FALSE(acc.apply("response.audio.delta", json::object{{"delta", "AAAA"}}));
  CHECK_FALSE(acc.apply("response.brand_new.thing", json::object{{"output_index", 3}}));
  CHECK(acc.apply("response.created", json::value(3)) == responses::snapshot_error::not_an_object);
  CHECK(acc.apply("response.created", json::object{}) == responses::snapshot_error::missing_field);
  CHECK(acc.snapshot() == nullptr);
}
