// The CLI's argument parser alone (sans-I/O): mapping onto the operations table, parameters,
// bodies and the usage errors that become exit code 2.
#include <catch2/catch.hpp>

#include "args.hpp"

#include <set>

using coassist::cli::invocation;
using coassist::cli::parse;
using coassist::cli::usage_error;
namespace json = boost::json;

namespace {
invocation p(std::vector<std::string> args) {
  return parse(args);
}
} // namespace

TEST_CASE("every operation is reachable as GROUP VERB and as op OPERATION_ID", "[unit]") {
  std::set<std::string_view> seen;
  for (const auto& op : coassist::cli::all_operations()) {
    std::vector<std::string> args{coassist::cli::kebab(coassist::api::to_string(op.group)),
                                  coassist::cli::kebab(op.method_name)};
    std::vector<std::string> by_id{"op", std::string(op.operation_id)};
    for (auto name : op.path_parameters) {
      for (auto* a : {&args, &by_id}) {
        a->push_back("--" + coassist::cli::kebab(name));
        a->push_back("x_" + std::string(name));
      }
    }
    if (coassist::cli::is_multipart(op)) {
      for (auto* a : {&args, &by_id}) {
        a->push_back(op.operation_id == "addUploadPart" ? "--data" : "--file");
        a->push_back("/tmp/f");
      }
    }
    invocation g = parse(args);
    invocation o = parse(by_id);
    CHECK(g.op == &op);
    CHECK(o.op == &op);
    CHECK(g.path.size() == op.path_parameters.size());
    seen.insert(op.operation_id);
  }
  CHECK(seen.size() == 48 + 15);
  CHECK(p({"vector-stores", "search", "--vector-store-id", "vs"}).op->operation_id ==
        "searchVectorStore");
}

TEST_CASE("the Responses and Conversations operations as groups and verbs", "[unit]") {
  auto name = [](std::vector<std::string> args) {
    return std::string(parse(args).op->operation_id);
  };
  CHECK(name({"responses", "create"}) == "createResponse");
  CHECK(name({"responses", "retrieve", "--response-id", "r"}) == "getResponse");
  CHECK(name({"responses", "delete", "--response-id", "r"}) == "deleteResponse");
  CHECK(name({"responses", "cancel", "--response-id", "r"}) == "cancelResponse");
  CHECK(name({"responses", "compact"}) == "Compactconversation");
  CHECK(name({"input-items", "list", "--response-id", "r"}) == "listInputItems");
  CHECK(name({"input-tokens", "count"}) == "Getinputtokencounts");
  CHECK(name({"conversations", "create"}) == "createConversation");
  CHECK(name({"conversations", "update", "--conversation-id", "c"}) == "updateConversation");
  CHECK(name({"conversation-items", "create", "--conversation-id", "c"}) ==
        "createConversationItems");
  CHECK(name({"conversation-items", "delete", "--conversation-id", "c", "--item-id", "i"}) ==
        "deleteConversationItem");
  CHECK(coassist::cli::is_responses_operation(
      *parse({"op", "getResponse", "--response-id", "r"}).op));
  CHECK_FALSE(
      coassist::cli::is_responses_operation(*parse({"op", "createRun", "--thread-id", "t"}).op));

  // createResponse --stream sets "stream": true in the body, as createRun does
  auto s = p({"responses", "create", "--body", R"({"model":"m","input":"hi"})", "--stream",
              "--accumulate"});
  CHECK(s.stream);
  CHECK(s.accumulate);
  CHECK(s.body->at("stream") == true);
  CHECK(s.body->at("input") == "hi");
  // getResponse --stream replays a background response: ?stream=true&starting_after=N
  auto resume =
      p({"responses", "retrieve", "--response-id", "r", "--stream", "--starting-after", "7"});
  CHECK(resume.stream);
  CHECK_FALSE(resume.body.has_value());
  CHECK(resume.query == std::vector<std::pair<std::string, std::string>>{{"starting_after", "7"},
                                                                         {"stream", "true"}});
  CHECK_THROWS_AS(p({"conversations", "retrieve", "--conversation-id", "c", "--stream"}),
                  usage_error);
  CHECK_THROWS_AS(p({"responses", "delete", "--response-id", "r", "--body", "{}"}), usage_error);
  // include is the spec's plain name (repeated), limit/order/after as for Assistants
  auto items = p({"conversation-items", "list", "--conversation-id", "c", "--include", "a",
                  "--include", "b", "--order", "asc"});
  CHECK(items.query == std::vector<std::pair<std::string, std::string>>{
                           {"include", "a"}, {"include", "b"}, {"order", "asc"}});
  // field options build the body of the Responses operations too
  auto fields = p({"input-tokens", "count", "--model", "gpt-5", "--input", "hello"});
  CHECK(fields.body->at("model") == "gpt-5");
  CHECK(fields.body->at("input") == "hello");
}

TEST_CASE("path parameters in either spelling, in path order", "[unit]") {
  auto inv = p({"op", "getRunStep", "--step_id", "s", "--thread-id", "t", "--run-id=r"});
  REQUIRE(inv.path.size() == 3);
  CHECK(inv.path[0] == std::pair<std::string, std::string>{"thread_id", "t"});
  CHECK(inv.path[1] == std::pair<std::string, std::string>{"run_id", "r"});
  CHECK(inv.path[2] == std::pair<std::string, std::string>{"step_id", "s"});
  CHECK_THROWS_AS(p({"op", "getRunStep", "--thread-id", "t", "--run-id", "r"}), usage_error);
  CHECK_THROWS_AS(p({"runs", "retrieve", "--thread-id", "t", "--run-id", ""}), usage_error);
  CHECK_THROWS_AS(p({"threads", "retrieve", "--thread-id", "a", "--thread_id", "b"}), usage_error);
}

TEST_CASE("query parameters by name, include[] and --query", "[unit]") {
  auto inv = p({"run-steps", "list", "--thread-id", "t", "--run-id", "r", "--limit", "3",
                "--include", "x", "--query", "extra=1"});
  REQUIRE(inv.query.size() == 3);
  CHECK(inv.query[0] == std::pair<std::string, std::string>{"limit", "3"});
  CHECK(inv.query[1] == std::pair<std::string, std::string>{"include[]", "x"});
  CHECK(inv.query[2] == std::pair<std::string, std::string>{"extra", "1"});
  CHECK_FALSE(inv.body);
  CHECK_THROWS_AS(p({"assistants", "list", "--query", "novalue"}), usage_error);
  CHECK_THROWS_AS(p({"assistants", "list", "--name", "x"}), usage_error); // no body to put it in
}

TEST_CASE("body: --body, field options, --field, --stream", "[unit]") {
  auto inv =
      p({"runs", "create", "--thread-id", "t", "--body", R"({"model": "m"})", "--assistant-id", "a",
         "--temperature", "0.5", "--metadata", R"({"k":"v"})", "--field", "timeout=3", "--stream"});
  REQUIRE(inv.body);
  CHECK(*inv.body == json::parse(R"({"model": "m", "assistant_id": "a", "temperature": 0.5,
                                     "metadata": {"k": "v"}, "timeout": 3, "stream": true})"));
  CHECK(inv.stream);
  CHECK_FALSE(inv.timeout); // --field timeout=... is a body field, not the tool's option

  CHECK(*p({"threads", "create"}).body == json::object{});
  CHECK_FALSE(p({"runs", "cancel", "--thread-id", "t", "--run-id", "r"}).body);
  CHECK(
      *p({"vector-stores", "search", "--vector-store-id", "v", "--query", "refund policy"}).body ==
      json::parse(R"({"query": "refund policy"})"));
  CHECK_THROWS_AS(p({"assistants", "create", "--body", "{nope"}), usage_error);
  CHECK_THROWS_AS(p({"assistants", "create", "--body", "[1]", "--name", "x"}), usage_error);
  CHECK_THROWS_AS(p({"runs", "cancel", "--thread-id", "t", "--run-id", "r", "--body", "{}"}),
                  usage_error);
  CHECK_THROWS_AS(p({"assistants", "list", "--stream"}), usage_error);
  CHECK_THROWS_AS(p({"runs", "create", "--thread-id", "t", "--accumulate"}), usage_error);
}

TEST_CASE("multipart operations take --file/--data and text fields", "[unit]") {
  auto inv = p({"files", "create", "--file", "/tmp/a.txt", "--purpose", "assistants"});
  CHECK(inv.upload_path == "/tmp/a.txt");
  CHECK(inv.upload_field == "file");
  REQUIRE(inv.form_fields.size() == 1);
  CHECK(inv.form_fields[0] == std::pair<std::string, std::string>{"purpose", "assistants"});
  CHECK(p({"uploads", "add-part", "--upload-id", "u", "--data", "/tmp/p"}).upload_field == "data");
  CHECK_THROWS_AS(p({"files", "create", "--purpose", "assistants"}), usage_error);
}

TEST_CASE("connection options and bad usage", "[unit]") {
  auto inv = p({"assistants", "list", "--timeout", "1.5", "--max-retries", "0", "--header",
                "X-A:  b ", "--header", "OpenAI-Beta:", "--base-url", "http://h/v1", "--api-key",
                "k", "--ca-file", "/ca.pem", "--output", "/tmp/o"});
  CHECK(inv.timeout == std::chrono::milliseconds(1500));
  CHECK(inv.max_retries == 0);
  REQUIRE(inv.headers.size() == 2);
  CHECK(inv.headers[0].first == "X-A");
  CHECK(inv.headers[0].second == "b");
  CHECK_FALSE(inv.headers[1].second); // removed
  CHECK(inv.base_url == "http://h/v1");
  CHECK(inv.api_key == "k");
  CHECK(inv.ca_file == "/ca.pem");
  CHECK(inv.output_path == "/tmp/o");

  for (std::vector<std::string> bad : std::vector<std::vector<std::string>>{
           {},
           {"nogroup", "list"},
           {"assistants"},
           {"assistants", "nosuchverb"},
           {"op"},
           {"op", "noSuchOp"},
           {"assistants", "list", "extra"},
           {"assistants", "list", "--timeout", "0"},
           {"assistants", "list", "--timeout", "-1"},
           {"assistants", "list", "--timeout", "inf"},
           {"assistants", "list", "--max-retries", "x"},
           {"assistants", "list", "--header", ": v"},
           {"assistants", "list", "--limit"},
           {"assistants", "list", "--stream=1"},
           {"assistants", "list", "--"},
       }) {
    INFO(bad.size());
    CHECK_THROWS_AS(parse(bad), usage_error);
  }
}

TEST_CASE("help is generated from the table", "[unit]") {
  auto top = p({"--help"});
  CHECK(top.help);
  CHECK(top.help_text.find("  vector-store-file-batches: create retrieve cancel list-files") !=
        std::string::npos);
  auto group = p({"runs", "--help"});
  CHECK(group.help_text.find("submit-tool-outputs --thread-id ID --run-id ID") !=
        std::string::npos);
  CHECK(top.help_text.find("  conversation-items: create list retrieve delete") !=
        std::string::npos);
  CHECK(top.help_text.find("  input-tokens: count") != std::string::npos);
  CHECK(p({"responses", "--help"})
            .help_text.find("retrieve --response-id ID [query: --include "
                            "--starting_after --include_obfuscation] "
                            "[--stream [--accumulate]]") != std::string::npos);
  auto all = p({"op", "-h"});
  for (const auto& op : coassist::cli::all_operations())
    CHECK(all.help_text.find("  " + std::string(op.operation_id) + " ") != std::string::npos);
  CHECK(p({"files", "create", "--help"}).help_text.find("--file PATH --purpose P") !=
        std::string::npos);
}
