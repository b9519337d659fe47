// responses::response_stream against coassist-emulator: text, interleaved parallel calls,
// refusal, reasoning, failed / incomplete, error events, unknown and keepalive events; background
// streams cut several times resume to the same events and the same final response as an uncut
// one; past the resume window the stream falls back to polling and ends the same.
#include "support/emulator_control.hpp"

#include <coassist/responses/resources.hpp>
#include <coassist/responses/stream.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace coassist;
using namespace coassist::test;

namespace {

struct e2e {
  emulator emu;
  asio::io_context io;
  client c;

  explicit e2e(std::vector<std::string> args = {})
      : emu(std::move(args)), c(io.get_executor(), options(emu)) {}

  static client_options options(const emulator& emu) {
    client_options o;
    o.api_key = "sk-test";
    o.base_url = emu.base_url;
    o.transport.proxy.from_environment = false;
    o.transport.retry.initial_delay = std::chrono::milliseconds(5);
    o.transport.retry.max_delay = std::chrono::milliseconds(20);
    o.poll_interval = std::chrono::milliseconds(5);
    return o;
  }
  template <class F> void run(F body) {
    io.restart();
    auto fut = asio::co_spawn(io, body(), asio::use_future);
    io.run();
    fut.get();
  }
  void turns(json::array t) {
    emulator_request("POST", emu.base_url, "/_emulator/scripts", json::object{{"turns", t}});
  }
  void faults(json::array f) { queue_faults(emu, std::move(f)); }
};

// What a whole stream gave: every event as JSON, and the snapshot.
struct streamed {
  std::vector<json::value> events;
  std::optional<json::object> final_response;
  std::string status;
  int reconnects = 0;
  bool polled = false;
  std::string response_id;
};

asio::awaitable<streamed> read_all(client& c, json::object req, responses::stream_options so = {}) {
  streamed out;
  auto st = co_await responses::stream_response(c, req, so);
  st.enable_accumulator();
  while (auto ev = co_await st.next())
    out.events.push_back(responses::event_json(*ev));
  std::error_code ec;
  if (const json::object* f = st.snapshots()->final_response(ec)) out.final_response = *f;
  out.status = std::string(st.snapshots()->final_status());
  out.reconnects = st.reconnects();
  out.polled = st.recovered_by_polling();
  out.response_id = st.response_id();
  co_return out;
}

json::object request(std::string input, bool background = false) {
  return {{"model", "gpt-test"}, {"input", std::move(input)}, {"background", background}};
}

// Ids, times and the random obfuscation padding differ between two runs of the same request.
json::value normalised(json::value v) {
  if (auto* o = v.if_object()) {
    json::object out;
    for (auto& kv : *o) {
      static constexpr std::string_view volatile_keys[] = {
          "id", "item_id", "call_id", "created_at", "completed_at", "obfuscation", "response_id"};
      bool skip = false;
      for (auto k : volatile_keys)
        skip = skip || kv.key() == k;
      if (!skip) out[kv.key()] = normalised(kv.value());
    }
    return out;
  }
  if (auto* a = v.if_array()) {
    json::array out;
    for (auto& x : *a)
      out.push_back(normalised(x));
    return out;
  }
  return v;
}

// A Response as the typed model writes it: the events are handed out typed, the snapshot is the
// server's JSON (numbers such as 1.0 differ in form only).
json::value as_model(const json::value& v) {
  return json::value_from(json::value_to<responses::response>(v));
}

std::string text_of(const json::object& response) {
  std::string text;
  for (const auto& item : response.at("output").as_array())
    if (item.at("type") == "message")
      for (const auto& part : item.at("content").as_array())
        if (part.at("type") == "output_text") text += part.at("text").as_string();
  return text;
}

} // namespace

TEST_CASE("responses e2e: a text stream's snapshot equals its terminal event and the retrieved "
          "response",
          "[integration]") {
  e2e t;
  t.run([&]() -> asio::awaitable<void> {
    auto s = co_await read_all(t.c, request("the weather in Paris"));
    REQUIRE(s.final_response);
    CHECK(s.status == "completed");
    CHECK(text_of(*s.final_response) == "You said: the weather in Paris");
    CHECK(as_model(s.events.back().at("response")) == as_model(*s.final_response));
    for (std::size_t i = 0; i < s.events.size(); ++i)
      CHECK(s.events[i].at("sequence_number") == static_cast<std::int64_t>(i));
    call_args args = call_args::make({{"response_id", s.response_id}});
    json::value retrieved = co_await t.c.call(responses::operation("getResponse"), std::move(args));
    CHECK(retrieved == *s.final_response);
  });
}

TEST_CASE("responses e2e: 8 parallel calls with interleaved argument deltas each get their own",
          "[integration]") {
  e2e t;
  json::array calls;
  for (int i = 0; i < 8; ++i)
    calls.push_back(json::object{{"name", "f" + std::to_string(i)},
                                 {"arguments", "{\"n\":" + std::to_string(i) + ",\"s\":\"" +
                                                   std::string(10 + i, 'x') + "\"}"}});
  t.turns(json::array{
      json::object{{"tool_calls", calls}, {"argument_chunks", 4}, {"interleave", true}}});
  t.run([&]() -> asio::awaitable<void> {
    auto s = co_await read_all(t.c, request("call them"));
    REQUIRE(s.final_response);
    const auto& output = s.final_response->at("output").as_array();
    REQUIRE(output.size() == 8);
    for (std::size_t i = 0; i < 8; ++i) {
      CHECK(output[i].at("name") == json::string("f" + std::to_string(i)));
      CHECK(output[i].at("arguments") == calls[i].at("arguments"));
    }
    // the deltas really were interleaved
    std::vector<std::int64_t> order;
    for (const auto& e : s.events)
      if (e.at("type") == "response.function_call_arguments.delta")
        order.push_back(e.at("output_index").as_int64());
    CHECK_FALSE(std::is_sorted(order.begin(), order.end()));
    CHECK(as_model(s.events.back().at("response")) == as_model(*s.final_response));
  });
}

TEST_CASE("responses e2e: refusal, reasoning, failed and incomplete", "[integration]") {
  e2e t;
  t.turns(json::array{
      json::object{{"refusal", "No, sorry."}},
      json::object{{"reasoning", "Weighing it up."}, {"text", "Done thinking."}},
      json::object{{"fail", {{"code", "server_error"}, {"message", "down"}}}},
      json::object{{"incomplete", "max_output_tokens"}, {"text", "one two three four five six"}}});
  t.run([&]() -> asio::awaitable<void> {
    auto refusal = co_await read_all(t.c, request("a"));
    REQUIRE(refusal.final_response);
    CHECK(refusal.final_response->at("output").at(0).at("content").at(0).at("refusal") ==
          "No, sorry.");
    auto reasoning = co_await read_all(t.c, request("b"));
    REQUIRE(reasoning.final_response);
    CHECK(reasoning.final_response->at("output").at(0).at("type") == "reasoning");
    CHECK(text_of(*reasoning.final_response) == "Done thinking.");
    auto failed = co_await read_all(t.c, request("c"));
    CHECK(failed.status == "failed");
    CHECK(failed.events.back().at("type") == "response.failed");
    CHECK(failed.final_response->at("error").at("message") == "down");
    auto incomplete = co_await read_all(t.c, request("d"));
    CHECK(incomplete.status == "incomplete");
    CHECK(incomplete.final_response->at("incomplete_details").at("reason") == "max_output_tokens");
    for (auto* s : {&refusal, &reasoning, &failed, &incomplete})
      CHECK(as_model(s->events.back().at("response")) == as_model(*s->final_response));
  });
}

TEST_CASE("responses e2e: an error event is stream_error; unknown events pass, keepalives do not",
          "[integration]") {
  e2e t;
  t.turns(json::array{json::object{{"stream_error", {{"message", "melted"}, {"code", "oops"}}}}});
  t.run([&]() -> asio::awaitable<void> {
    auto req = request("x");
    auto st = co_await responses::stream_response(t.c, req);
    bool thrown = false;
    try {
      while (co_await st.next()) {
      }
    } catch (const stream_error& e) {
      thrown = true;
      CHECK(e.info().message == "melted");
      CHECK(e.info().code == "oops");
    }
    CHECK(thrown);
  });
  t.faults(json::array{json::object{{"unknown_event", 2}, {"keepalive_event", 4}}});
  t.run([&]() -> asio::awaitable<void> {
    auto req = request("one two three");
    auto st = co_await responses::stream_response(t.c, req);
    st.enable_accumulator();
    int unknown = 0;
    std::int64_t last = -1;
    while (auto ev = co_await st.next()) {
      if (auto* u = std::get_if<responses::unknown_event>(&*ev)) {
        ++unknown;
        CHECK(u->type == "response.emulator_unknown_event");
      }
      CHECK(responses::event_type(*ev) != "keepalive");
      auto n = responses::sequence_number(*ev);
      REQUIRE(n);
      CHECK(*n > last);
      last = *n;
    }
    CHECK(unknown == 1);
    CHECK(st.snapshots()->completed());
  });
}

TEST_CASE("responses e2e: a background stream cut after N events, several times, gives the same "
          "events and final response as an uncut one",
          "[integration]") {
  e2e t;
  const std::string input = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu";
  streamed uncut, cut;
  t.run([&]() -> asio::awaitable<void> { uncut = co_await read_all(t.c, request(input, true)); });
  // every request on /responses (the POST, then each resume) is cut after 5 events, 3 times
  t.faults(json::array{json::object{
      {"cut", "mid_stream"}, {"after_events", 5}, {"path_contains", "/responses"}, {"count", 3}}});
  t.run([&]() -> asio::awaitable<void> { cut = co_await read_all(t.c, request(input, true)); });
  REQUIRE(uncut.final_response);
  REQUIRE(cut.final_response);
  CHECK(uncut.reconnects == 0);
  CHECK(cut.reconnects == 3);
  CHECK_FALSE(cut.polled);
  REQUIRE(cut.events.size() == uncut.events.size());
  for (std::size_t i = 0; i < cut.events.size(); ++i) {
    INFO("event " << i);
    CHECK(cut.events[i].at("sequence_number") == static_cast<std::int64_t>(i));
    CHECK(normalised(cut.events[i]) == normalised(uncut.events[i]));
  }
  CHECK(normalised(*cut.final_response) == normalised(*uncut.final_response));
  CHECK(cut.status == "completed");
  CHECK(text_of(*cut.final_response) == "You said: " + input);
}

TEST_CASE("responses e2e: a resume past the window falls back to polling and ends the same",
          "[integration]") {
  e2e t({"--resume-window-ms", "1"});
  const std::string input = "one two three four five six seven eight";
  streamed uncut, cut;
  t.run([&]() -> asio::awaitable<void> { uncut = co_await read_all(t.c, request(input, true)); });
  t.faults(json::array{json::object{
      {"cut", "mid_stream"}, {"after_events", 4}, {"path_contains", "/responses"}, {"count", 1}}});
  t.run([&]() -> asio::awaitable<void> { cut = co_await read_all(t.c, request(input, true)); });
  REQUIRE(cut.final_response);
  CHECK(cut.polled);
  CHECK(cut.events.size() == 5); // 4 streamed, then the terminal event made from the poll
  CHECK(cut.events.back().at("type") == "response.completed");
  CHECK(cut.events.back().at("sequence_number") == 4);
  CHECK(normalised(*cut.final_response) == normalised(*uncut.final_response));
  CHECK(text_of(*cut.final_response) == "You said: " + input);
}

TEST_CASE("responses e2e: client.responses().stream(typed request) and .resume(id, n)",
          "[integration]") {
  e2e t;
  t.run([&]() -> asio::awaitable<void> {
    responses::create_response req;
    req.model = "gpt-test";
    req.input = responses::input_param(std::string("red green blue"));
    req.background = api::nullable<bool>(true);
    auto st = co_await t.c.responses().stream(req);
    std::vector<json::value> events;
    while (auto ev = co_await st.next())
      events.push_back(responses::event_json(*ev));
    REQUIRE(events.size() > 6);
    CHECK(st.background());
    CHECK(st.status() == "completed");
    // the same response streamed again after event 3: events 4.. as before
    auto again = co_await t.c.responses().resume(st.response_id(), 3);
    std::vector<json::value> rest;
    while (auto ev = co_await again.next())
      rest.push_back(responses::event_json(*ev));
    REQUIRE(rest.size() == events.size() - 4);
    for (std::size_t i = 0; i < rest.size(); ++i)
      CHECK(normalised(rest[i]) == normalised(events[i + 4]));
    CHECK(rest.front().at("sequence_number") == 4);
  });
}
