// The accumulator's typed accessors with the generated API models: a transcript from the spec's
// x-oaiMeta examples goes through sse::parser and the accumulator, then converts to
// api::run_object / message_object / run_step_object.
#include <catch2/catch.hpp>

#include <coassist/api/models/models.hpp>
#include <coassist/sse/parser.hpp>
#include <coassist/stream/accumulator.hpp>

#include <string>

namespace json = coassist::json;
namespace api = coassist::api;
namespace stream = coassist::stream;

namespace {
const char* transcript =
    "event: thread.run.created\n"
    "data: {\"id\":\"run_1\",\"object\":\"thread.run\",\"created_at\":1,\"assistant_id\":\"a\","
    "\"thread_id\":\"t\",\"status\":\"queued\",\"model\":\"gpt-4o\",\"tools\":[]}\n\n"
    "event: thread.message.created\n"
    "data: {\"id\":\"msg_1\",\"object\":\"thread.message\",\"created_at\":2,\"thread_id\":\"t\","
    "\"status\":\"in_progress\",\"role\":\"assistant\",\"content\":[],\"assistant_id\":\"a\","
    "\"run_id\":\"run_1\",\"attachments\":[],\"metadata\":{}}\n\n"
    "event: thread.message.delta\n"
    "data: "
    "{\"id\":\"msg_1\",\"object\":\"thread.message.delta\",\"delta\":{\"content\":[{\"index\":"
    "0,\"type\":\"text\",\"text\":{\"value\":\"Hello\",\"annotations\":[]}}]}}\n\n"
    "event: thread.message.delta\n"
    "data: "
    "{\"id\":\"msg_1\",\"object\":\"thread.message.delta\",\"delta\":{\"content\":[{\"index\":"
    "0,\"type\":\"text\",\"text\":{\"value\":\" world\"}}]}}\n\n"
    "event: thread.message.completed\n"
    "data: {\"id\":\"msg_1\",\"object\":\"thread.message\",\"created_at\":2,\"thread_id\":\"t\","
    "\"status\":\"completed\",\"completed_at\":3,\"role\":\"assistant\",\"content\":[],"
    "\"assistant_id\":\"a\",\"run_id\":\"run_1\",\"attachments\":[],\"metadata\":{}}\n\n"
    "event: thread.run.completed\n"
    "data: {\"id\":\"run_1\",\"object\":\"thread.run\",\"created_at\":1,\"assistant_id\":\"a\","
    "\"thread_id\":\"t\",\"status\":\"completed\",\"model\":\"gpt-4o\",\"tools\":[]}\n\n"
    "event: done\ndata: [DONE]\n\n";
} // namespace

TEST_CASE("typed: final run and messages convert to the API models", "[unit]") {
  coassist::sse::parser parser;
  stream::accumulator acc;
  std::error_code ec;
  parser.feed(transcript);
  while (auto ev = parser.next(ec)) {
    if (ev->data == "[DONE]") break;
    REQUIRE_FALSE(acc.apply(ev->type, json::parse(ev->data)));
  }
  REQUIRE_FALSE(ec);
  auto run = acc.final_run_as<api::run_object>();
  CHECK(run.id == "run_1");
  CHECK(run.status == api::run_object_status::completed);
  auto messages = acc.final_messages_as<api::message_object>();
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].status == api::message_object_status::completed);
  REQUIRE(messages[0].content.size() == 1);
  // the content as JSON: the accumulated text (the completed event's own content was empty)
  json::value content = json::value_from(messages[0].content[0]);
  CHECK(content.at("text").at("value") == "Hello world");
  CHECK(acc.final_run_steps_as<api::run_step_object>().empty());
}
