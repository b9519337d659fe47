// Every one of the 15 Responses and Conversations operations through the typed API against the
// local server, each answered 2xx and decoded; every request body the client sent valid against
// the spec's request schema (the server's --log-requests verdict), and every response it answered
// valid against the spec's response schema (scripts/validate_responses.py). Then completion
// tokens other than use_awaitable, errors by kind, and the lazy pagers.
#include "support/client_base.hpp"

#include <coassist/responses/resources.hpp>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <future>
#include <set>

namespace {

using namespace coassist;
namespace fs = std::filesystem;

struct temp_file {
  fs::path path;
  explicit temp_file(std::string name)
      : path(fs::temp_directory_path() /
             (name + "-" + std::to_string(::getpid()) + "-" +
              std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()))) {}
  ~temp_file() { fs::remove(path); }
};

std::vector<json::object> read_log(const fs::path& p) {
  std::vector<json::object> lines;
  std::ifstream in(p);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(json::parse(line).as_object());
  return lines;
}

responses::function_tool lookup_tool() {
  responses::function_tool t;
  t.name = "lookup";
  t.description = responses::nullable<std::string>("Looks a word up");
  t.parameters = responses::nullable<json::object>(
      json::object{{"type", "object"},
                   {"properties", json::object{{"word", json::object{{"type", "string"}}}}},
                   {"required", json::array{"word"}},
                   {"additionalProperties", false}});
  t.strict = responses::nullable<bool>(true);
  return t;
}

responses::input_item user_text(std::string text) {
  responses::easy_input_message m;
  m.role = responses::easy_input_message_role::user;
  m.content = responses::easy_input_message_content(std::move(text));
  m.type = "message";
  return m;
}

} // namespace

TEST_CASE("responses typed client: all 15 operations against the local server, every body valid",
          "[integration]") {
  temp_file log("coassist-responses-ops-log");
  test::emulator emu(
      {"--log-requests", log.path.string(), "--log-bodies", "--response-step-ms", "60000"});
  test::run_with_client(emu, [](client c) -> asio::awaitable<void> {
    // ---- conversations
    responses::create_conversation_body cb;
    cb.metadata = responses::nullable<responses::metadata>(responses::metadata{{"suite", "ops"}});
    cb.items = responses::nullable<std::vector<responses::input_item>>(
        std::vector<responses::input_item>{user_text("remember the word lantern")});
    auto conv = co_await c.conversations().create(cb);
    CHECK(conv.id.rfind("conv_", 0) == 0);
    auto conv_again = co_await c.conversations().retrieve(conv.id);
    CHECK(conv_again.id == conv.id);
    CHECK(conv_again.metadata.at("suite") == "ops");
    responses::update_conversation_body ub;
    ub.metadata = responses::nullable<responses::metadata>(responses::metadata{{"suite", "ops2"}});
    auto conv_updated = co_await c.conversations().update(conv.id, ub);
    CHECK(conv_updated.metadata.at("suite") == "ops2");

    // ---- conversation items
    responses::create_conversation_items_body ib;
    ib.items = {user_text("first"), user_text("second")};
    auto added = co_await c.conversations().items().create(conv.id, ib);
    REQUIRE(added.data.size() == 2);
    const std::string first_id = responses::item_id(added.data[0]);
    CHECK(first_id.rfind("msg_", 0) == 0);
    auto item = co_await c.conversations().items().retrieve(conv.id, first_id);
    CHECK(responses::item_id(item) == first_id);
    // a user message is told apart from an assistant one by its role
    REQUIRE(std::holds_alternative<responses::message>(item));
    CHECK(std::get<responses::message>(item).role == "user");
    list_params asc;
    asc.order = "asc";
    auto page = co_await c.conversations().items().list(conv.id, asc);
    REQUIRE(page.data.size() == 3);
    CHECK(responses::item_id(page.data[1]) == first_id);
    auto conv_after_delete = co_await c.conversations().items().remove(conv.id, first_id);
    CHECK(conv_after_delete.id == conv.id);

    // ---- responses: a function call, then its output chained by previous_response_id
    responses::create_response req;
    req.model = "gpt-4o";
    req.input = responses::input_param(std::string("/call lookup {\"word\":\"lantern\"}"));
    req.tools = responses::tools_array{lookup_tool()};
    auto called = co_await c.responses().create(req);
    CHECK(called.id.rfind("resp_", 0) == 0);
    CHECK(responses::is_completed(called));
    auto calls = responses::function_calls(called);
    REQUIRE(calls.size() == 1);
    CHECK(calls[0].name == "lookup");
    CHECK(json::parse(calls[0].arguments).at("word") == "lantern");

    responses::function_call_output_item_param out;
    out.call_id = responses::nullable<std::string>(calls[0].call_id);
    out.output = responses::function_call_output_item_param_output(std::string("a lamp"));
    responses::create_response follow;
    follow.model = "gpt-4o";
    follow.previous_response_id = responses::nullable<std::string>(called.id);
    follow.input = responses::input_param(std::vector<responses::input_item>{out});
    follow.tools = responses::tools_array{lookup_tool()};
    auto answered = co_await c.responses().create(follow);
    CHECK(responses::is_completed(answered));
    CHECK(responses::output_text(answered) == "Tool outputs: lookup -> a lamp.");
    CHECK(responses::function_calls(answered).empty());

    auto retrieved = co_await c.responses().retrieve(answered.id);
    CHECK(retrieved.id == answered.id);
    CHECK(responses::output_text(retrieved) == responses::output_text(answered));
    auto inputs = co_await c.responses().input_items().list(answered.id);
    REQUIRE(inputs.data.size() == 1);
    CHECK(std::holds_alternative<responses::function_tool_call_output_resource>(inputs.data[0]));

    // ---- input token counts and compaction
    responses::token_counts_body tb;
    tb.model = responses::nullable<std::string>("gpt-4o");
    tb.input = responses::nullable<responses::input_param>(
        responses::input_param(std::string("one two three")));
    auto tokens = co_await c.responses().input_tokens().count(tb);
    CHECK(tokens.input_tokens > 0);
    responses::compact_response_method_public_body kb;
    kb.model = responses::nullable<responses::model_ids_compaction>("gpt-4o");
    kb.previous_response_id = responses::nullable<std::string>(answered.id);
    auto compacted = co_await c.responses().compact(kb);
    CHECK(compacted.object == "response.compaction");
    CHECK_FALSE(compacted.output.empty());

    // ---- a background response, cancelled while queued; then deletes
    responses::create_response bg;
    bg.model = "gpt-4o";
    bg.input = responses::input_param(std::string("take your time"));
    bg.background = responses::nullable<bool>(true);
    auto queued = co_await c.responses().create(bg);
    CHECK(responses::status(queued) == "queued");
    CHECK(responses::is_pending(queued));
    auto cancelled = co_await c.responses().cancel(queued.id);
    CHECK(responses::is_cancelled(cancelled));
    CHECK_FALSE(responses::is_completed(cancelled));

    co_await c.responses().remove(called.id);
    auto conv_deleted = co_await c.conversations().remove(conv.id);
    CHECK(conv_deleted.deleted);
    CHECK(conv_deleted.id == conv.id);
  });

  auto lines = read_log(log.path);
  std::set<std::string> answered;
  std::vector<std::string> invalid;
  for (const auto& l : lines) {
    auto status = l.at("status").to_number<int>();
    if (status >= 200 && status < 300)
      answered.insert(std::string(l.at("operationId").as_string()));
    if (l.at("body_valid").is_bool() && !l.at("body_valid").as_bool())
      invalid.push_back(json::serialize(l));
  }
  std::set<std::string> missing;
  for (const auto& op : responses::operations)
    if (!answered.count(std::string(op.operation_id))) missing.insert(std::string(op.operation_id));
  INFO("operations not answered 2xx: " << missing.size());
  for (const auto& m : missing)
    UNSCOPED_INFO(m);
  CHECK(missing.empty());
  INFO("requests whose body failed the spec's schema: " << invalid.size());
  for (const auto& i : invalid)
    UNSCOPED_INFO(i);
  CHECK(invalid.empty());

  test::child_process validate(
      {"/usr/bin/python3", std::string(COASSIST_SOURCE_DIR) + "/scripts/validate_responses.py",
       "--spec", std::string(COASSIST_REFERENCE_DIR) + "/openai-spec", log.path.string()});
  std::string summary;
  for (;;) {
    auto line = validate.read_line(std::chrono::seconds(60));
    UNSCOPED_INFO(line);
    if (line.rfind("validated ", 0) == 0) {
      summary = line;
      break;
    }
  }
  CHECK(summary.find(", 0 invalid") != std::string::npos);
  CHECK(validate.wait(std::chrono::seconds(30)) == 0);
}

TEST_CASE("responses typed client: list_all pages lazily through conversation and input items",
          "[integration]") {
  test::emulator emu;
  test::run_with_client(emu, [](client c) -> asio::awaitable<void> {
    std::vector<responses::input_item> items;
    for (int i = 0; i < 7; ++i)
      items.push_back(user_text("item " + std::to_string(i)));
    responses::create_conversation_body cb;
    cb.items = responses::nullable<std::vector<responses::input_item>>(items);
    auto conv = co_await c.conversations().create(cb);

    list_params p;
    p.limit = 3;
    p.order = "asc";
    auto all = c.conversations().items().list_all(conv.id, p);
    std::vector<std::string> texts;
    while (auto item = co_await all.next()) {
      REQUIRE(std::holds_alternative<responses::message>(*item));
      const auto& content = std::get<responses::message>(*item).content;
      REQUIRE(content.size() == 1);
      REQUIRE(std::holds_alternative<responses::input_text_content>(content[0]));
      texts.push_back(std::get<responses::input_text_content>(content[0]).text);
    }
    REQUIRE(texts.size() == 7);
    for (int i = 0; i < 7; ++i)
      CHECK(texts[i] == "item " + std::to_string(i));
    CHECK(all.pages_fetched() == 3);

    // input items of a response: newest first by default
    responses::create_response req;
    req.model = "gpt-4o";
    req.input = responses::input_param(items);
    auto r = co_await c.responses().create(req);
    list_params two;
    two.limit = 2;
    auto inputs = c.responses().input_items().list_all(r.id, two);
    std::vector<std::string> ids;
    while (auto item = co_await inputs.next())
      ids.push_back(responses::item_id(*item));
    CHECK(ids.size() == 7);
    CHECK(std::set<std::string>(ids.begin(), ids.end()).size() == 7);
    CHECK(inputs.pages_fetched() == 4);
  });
}

TEST_CASE("responses typed client: any completion token, errors by kind", "[integration]") {
  test::emulator emu;
  asio::io_context io;
  client c(io.get_executor(), test::client_options_for(emu));

  // a callback
  std::exception_ptr callback_error;
  bool called = false;
  c.responses().retrieve("resp_missing", {}, {}, [&](std::exception_ptr ep, responses::response) {
    called = true;
    callback_error = ep;
  });
  // use_future
  responses::create_conversation_body empty;
  std::future<responses::conversation_resource> conv_future =
      c.conversations().create(empty, {}, asio::use_future);
  // as_tuple: the error as a value; remove completes with the error alone
  std::exception_ptr remove_error;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto [ep] = co_await c.responses().remove(
            "resp_missing", {}, asio::experimental::as_tuple(asio::use_awaitable));
        remove_error = ep;
      },
      asio::detached);
  io.run();

  CHECK(called);
  REQUIRE(callback_error);
  CHECK(error_info_of(callback_error).kind == errc::not_found);
  CHECK(error_info_of(callback_error).status == 404);
  CHECK(error_info_of(callback_error).message == "Response with id 'resp_missing' not found.");
  REQUIRE(remove_error);
  CHECK(error_info_of(remove_error).kind == errc::not_found);
  auto conv = conv_future.get();
  CHECK(conv.id.rfind("conv_", 0) == 0);

  // a 400 with its param, thrown at the co_await as the typed exception
  test::run_with_client(emu, [](client cl) -> asio::awaitable<void> {
    responses::create_response both;
    both.model = "gpt-4o";
    both.input = responses::input_param(std::string("hi"));
    both.previous_response_id = responses::nullable<std::string>("resp_nope");
    try {
      (void)co_await cl.responses().create(both);
      FAIL("no error");
    } catch (const bad_request_error& e) {
      CHECK(e.info().param == "previous_response_id");
      CHECK(e.info().code == "previous_response_not_found");
    }
  });
}
