// Every one of the 48 operations through the typed API against the local server, each answered
// 2xx and decoded, and every request body the client sent valid against the spec's request
// schema (the server's --log-requests records the verdict). Then bad input by kind.
#include "support/client_fixture.hpp"

#include <coassist/api.hpp>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
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

using test::function_tool;
using test::run_with_client;
using test::user_message;

// The log's lines as JSON objects.
std::vector<json::object> read_log(const fs::path& p) {
  std::vector<json::object> lines;
  std::ifstream in(p);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(json::parse(line).as_object());
  return lines;
}

std::set<std::string> table_operation_ids() {
  std::set<std::string> ids;
  for (const auto& op : api::operations)
    ids.insert(std::string(op.operation_id));
  return ids;
}

} // namespace

TEST_CASE("typed client: all 48 operations against the local server, every body valid",
          "[integration]") {
  temp_file log("coassist-ops-log");
  test::emulator emu({"--log-requests", log.path.string(), "--log-bodies", "--run-step-ms", "5",
                      "--file-processing-ms", "5"});
  run_with_client(emu, [](client c) -> asio::awaitable<void> {
    // ---- assistants
    api::create_assistant_request ar;
    ar.model = "gpt-4o";
    ar.name = api::nullable<std::string>("ops");
    ar.instructions = api::nullable<std::string>("Answer briefly.");
    ar.tools = std::vector<api::assistant_tool>{function_tool("lookup"), function_tool("stop")};
    ar.metadata = api::nullable<api::metadata>(api::metadata{{"suite", "ops"}});
    auto asst = co_await c.assistants().create(ar);
    CHECK(asst.id.rfind("asst_", 0) == 0);
    CHECK(asst.tools.size() == 2);
    auto asst_again = co_await c.assistants().retrieve(asst.id);
    CHECK(asst_again.name == api::nullable<std::string>("ops"));
    api::modify_assistant_request mar;
    mar.description = api::nullable<std::string>("modified");
    auto asst_described = co_await c.assistants().update(asst.id, mar);
    CHECK(asst_described.description == api::nullable<std::string>("modified"));
    auto asst_page = co_await c.assistants().list();
    REQUIRE(asst_page.data.size() == 1);
    CHECK(asst_page.data[0].id == asst.id);

    // ---- threads and messages
    api::create_thread_request tr;
    tr.messages = std::vector<api::create_message_request>{user_message("first")};
    auto thread = co_await c.threads().create(tr);
    CHECK(thread.id.rfind("thread_", 0) == 0);
    auto thread_again = co_await c.threads().retrieve(thread.id);
    CHECK(thread_again.id == thread.id);
    api::modify_thread_request mtr;
    mtr.metadata = api::nullable<api::metadata>(api::metadata{{"k", "v"}});
    auto modified_thread = co_await c.threads().update(thread.id, mtr);
    REQUIRE(modified_thread.metadata.has_value());
    CHECK(modified_thread.metadata->at("k") == "v");

    std::vector<std::string> message_ids;
    for (int i = 0; i < 4; ++i)
      message_ids.push_back(
          (co_await c.threads().messages().create(thread.id, user_message("m" + std::to_string(i))))
              .id);
    auto msg = co_await c.threads().messages().retrieve(thread.id, message_ids[1]);
    CHECK(msg.id == message_ids[1]);
    api::modify_message_request mmr;
    mmr.metadata = api::nullable<api::metadata>(api::metadata{{"seen", "yes"}});
    auto modified_msg = co_await c.threads().messages().update(thread.id, msg.id, mmr);
    REQUIRE(modified_msg.metadata.has_value());
    CHECK(modified_msg.metadata->at("seen") == "yes");
    // pages of 2 over the 5 messages, in both orders
    for (std::string order : {"asc", "desc"}) {
      auto all = c.threads().messages().list_all(thread.id, {.limit = 2, .order = order});
      std::vector<std::string> seen;
      while (auto m = co_await all.next())
        seen.push_back(m->id);
      REQUIRE(seen.size() == 5);
      auto expected = message_ids;
      if (order == "asc") {
        CHECK(std::vector<std::string>(seen.begin() + 1, seen.end()) == expected);
      } else {
        std::reverse(expected.begin(), expected.end());
        CHECK(std::vector<std::string>(seen.begin(), seen.end() - 1) == expected);
      }
      CHECK(all.pages_fetched() == 3);
    }
    auto deleted_msg = co_await c.threads().messages().remove(thread.id, message_ids[0]);
    CHECK(deleted_msg.deleted);
    auto msgs_left = co_await c.threads().messages().list(thread.id);
    CHECK(msgs_left.data.size() == 4);

    // ---- runs, polled to completion; run steps
    api::create_run_request rr;
    rr.assistant_id = asst.id;
    auto run = co_await c.threads().runs().create(thread.id, rr);
    CHECK(run.id.rfind("run_", 0) == 0);
    run = co_await c.threads().runs().poll(thread.id, run.id);
    CHECK(run.status == "completed");
    auto run_again = co_await c.threads().runs().retrieve(thread.id, run.id);
    CHECK(run_again.status == "completed");
    api::modify_run_request mrr;
    mrr.metadata = api::nullable<api::metadata>(api::metadata{{"tag", "1"}});
    auto modified_run = co_await c.threads().runs().update(thread.id, run.id, mrr);
    REQUIRE(modified_run.metadata.has_value());
    CHECK(modified_run.metadata->at("tag") == "1");
    auto runs_page = co_await c.threads().runs().list(thread.id);
    REQUIRE(runs_page.data.size() == 1);
    auto steps = co_await c.threads().runs().steps().list(thread.id, run.id);
    REQUIRE_FALSE(steps.data.empty());
    CHECK(steps.data[0].id.rfind("step_", 0) == 0);
    auto step = co_await c.threads().runs().steps().retrieve(thread.id, run.id, steps.data[0].id);
    CHECK(step.id == steps.data[0].id);

    // ---- requires_action: submit tool outputs; then a run cancelled while it waits
    auto tools_thread = co_await c.threads().create();
    co_await c.threads().messages().create(tools_thread.id,
                                           user_message("/call lookup {\"q\": 1}"));
    auto waiting = co_await c.threads().runs().create_and_poll(tools_thread.id, rr);
    REQUIRE(waiting.status == "requires_action");
    REQUIRE(waiting.required_action.has_value());
    const auto& calls = waiting.required_action->submit_tool_outputs.tool_calls;
    REQUIRE(calls.size() == 1);
    CHECK(calls[0].function.name == "lookup");
    api::submit_tool_outputs_run_request sub;
    sub.tool_outputs.push_back({});
    sub.tool_outputs.back().tool_call_id = calls[0].id;
    sub.tool_outputs.back().output = "forty-two";
    auto finished =
        co_await c.threads().runs().submit_tool_outputs_and_poll(tools_thread.id, waiting.id, sub);
    CHECK(finished.status == "completed");
    auto reply = co_await c.threads().messages().list(tools_thread.id);
    REQUIRE_FALSE(reply.data.empty());
    CHECK(json::serialize(json::value_from(reply.data[0].content)).find("forty-two") !=
          std::string::npos);

    co_await c.threads().messages().create(tools_thread.id, user_message("/call stop {}"));
    auto to_cancel = co_await c.threads().runs().create_and_poll(tools_thread.id, rr);
    REQUIRE(to_cancel.status == "requires_action");
    auto cancelling = co_await c.threads().runs().cancel(tools_thread.id, to_cancel.id);
    CHECK((cancelling.status == "cancelling" || cancelling.status == "cancelled"));
    auto cancelled_run = co_await c.threads().runs().poll(tools_thread.id, to_cancel.id);
    CHECK(cancelled_run.status == "cancelled");

    // ---- thread and run in one call
    api::create_thread_and_run_request tar;
    tar.assistant_id = asst.id;
    tar.thread = api::create_thread_request{};
    tar.thread->messages = std::vector<api::create_message_request>{user_message("hi")};
    auto tar_run = co_await c.threads().create_and_run_poll(tar);
    CHECK(tar_run.status == "completed");
    CHECK(tar_run.thread_id.rfind("thread_", 0) == 0);

    // ---- files
    const std::string text = "Penguins live in the southern hemisphere.\n\nThe emperor penguin "
                             "is the tallest penguin.\n\nArctic terns migrate far.";
    auto file =
        co_await c.files().create(file_upload::from_memory("penguins.txt", text), "assistants");
    CHECK(file.id.rfind("file-", 0) == 0);
    CHECK(file.bytes == static_cast<std::int64_t>(text.size()));
    auto file_again = co_await c.files().retrieve(file.id);
    CHECK(file_again.filename == "penguins.txt");
    auto file_bytes = co_await c.files().content(file.id);
    CHECK(file_bytes == text);
    auto files_page = co_await c.files().list();
    CHECK(files_page.data.size() == 1);

    // ---- uploads: two parts then complete; another cancelled
    api::create_upload_request ur;
    ur.filename = "parts.txt";
    ur.purpose = "assistants";
    ur.bytes = 10;
    ur.mime_type = "text/plain";
    auto upload = co_await c.uploads().create(ur);
    CHECK(upload.id.rfind("upload_", 0) == 0);
    auto p1 = co_await c.uploads().add_part(upload.id, file_upload::from_memory("p1", "hello"));
    auto p2 = co_await c.uploads().add_part(upload.id, file_upload::from_memory("p2", "world"));
    CHECK(p1.id.rfind("part_", 0) == 0);
    api::complete_upload_request cr;
    cr.part_ids = {p1.id, p2.id};
    auto completed = co_await c.uploads().complete(upload.id, cr);
    CHECK(completed.status == "completed");
    REQUIRE(completed.file.has_value());
    REQUIRE(completed.file->has_value());
    auto upload_bytes = co_await c.files().content((*completed.file)->id);
    CHECK(upload_bytes == "helloworld");
    auto upload2 = co_await c.uploads().create(ur);
    auto upload_cancelled = co_await c.uploads().cancel(upload2.id);
    CHECK(upload_cancelled.status == "cancelled");

    // ---- vector stores, their files, batches and search
    api::create_vector_store_request vsr;
    vsr.name = "facts";
    auto vs = co_await c.vector_stores().create(vsr);
    CHECK(vs.id.rfind("vs_", 0) == 0);
    auto vs_again = co_await c.vector_stores().retrieve(vs.id);
    CHECK(vs_again.name == "facts");
    api::update_vector_store_request uvr;
    uvr.name = api::nullable<std::string>("animal facts");
    auto vs_renamed = co_await c.vector_stores().update(vs.id, uvr);
    CHECK(vs_renamed.name == "animal facts");
    auto vs_page = co_await c.vector_stores().list();
    CHECK(vs_page.data.size() == 1);

    api::create_vector_store_file_request vfr;
    vfr.file_id = file.id;
    auto vf = co_await c.vector_stores().files().create(vs.id, vfr);
    CHECK(vf.id == file.id);
    vf = co_await c.vector_stores().files().poll(vs.id, file.id);
    CHECK(vf.status == "completed");
    auto vf_again = co_await c.vector_stores().files().retrieve(vs.id, file.id);
    CHECK(vf_again.status == "completed");
    auto vf_page = co_await c.vector_stores().files().list(vs.id);
    CHECK(vf_page.data.size() == 1);
    api::update_vector_store_file_attributes_request attrs;
    attrs.attributes = api::nullable<api::vector_store_file_attributes>(
        api::vector_store_file_attributes{{"topic", std::string("birds")}});
    auto with_attrs = co_await c.vector_stores().files().update(vs.id, file.id, attrs);
    REQUIRE(with_attrs.attributes.has_value());
    REQUIRE(with_attrs.attributes->has_value());
    CHECK((*with_attrs.attributes)->count("topic") == 1);
    auto parsed = co_await c.vector_stores().files().content(vs.id, file.id);
    CHECK_FALSE(parsed.data.empty());

    api::vector_store_search_request sr;
    sr.query = api::vector_store_search_request_query(std::string("emperor penguin"));
    auto hits = co_await c.vector_stores().search(vs.id, sr);
    REQUIRE_FALSE(hits.data.empty());
    CHECK(hits.data[0].file_id == file.id);

    auto batch_file = co_await c.files().create(
        file_upload::from_memory("terns.txt", "Terns fly from pole to pole."), "assistants");
    api::create_vector_store_file_batch_request br;
    br.file_ids = std::vector<std::string>{batch_file.id};
    auto batch = co_await c.vector_stores().file_batches().create(vs.id, br);
    CHECK(batch.id.rfind("vsfb_", 0) == 0);
    auto batch_again = co_await c.vector_stores().file_batches().retrieve(vs.id, batch.id);
    CHECK(batch_again.id == batch.id);
    auto batch_files = co_await c.vector_stores().file_batches().list_files(vs.id, batch.id);
    REQUIRE(batch_files.data.size() == 1);
    CHECK(batch_files.data[0].id == batch_file.id);
    auto cancelled_batch = co_await c.vector_stores().file_batches().cancel(vs.id, batch.id);
    CHECK(cancelled_batch.id == batch.id);

    // ---- deletes
    auto vf_deleted = co_await c.vector_stores().files().remove(vs.id, file.id);
    CHECK(vf_deleted.deleted);
    auto vs_deleted = co_await c.vector_stores().remove(vs.id);
    CHECK(vs_deleted.deleted);
    auto file_deleted = co_await c.files().remove(file.id);
    CHECK(file_deleted.deleted);
    auto thread_deleted = co_await c.threads().remove(thread.id);
    CHECK(thread_deleted.deleted);
    auto asst_deleted = co_await c.assistants().remove(asst.id);
    CHECK(asst_deleted.deleted);
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
  for (const auto& id : table_operation_ids())
    if (!answered.count(id)) missing.insert(id);
  CHECK(missing.empty());
  CHECK(answered.size() == 48);
  INFO("requests whose body failed the spec's schema: " << invalid.size());
  for (const auto& i : invalid)
    UNSCOPED_INFO(i);
  CHECK(invalid.empty());

  // and every response the server sent validates against the spec's response schemas (Debian's
  // python3 and python3-jsonschema, which scripts/setup.sh installs)
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

TEST_CASE("typed client: bad input comes back as the error kind with the server's fields",
          "[integration]") {
  test::emulator emu;
  run_with_client(emu, [](client c) -> asio::awaitable<void> {
    // unknown ids, one per resource kind
    auto expect_404 = [](auto aw) -> asio::awaitable<void> {
      try {
        co_await std::move(aw);
        FAIL("expected not_found_error");
      } catch (const not_found_error& e) {
        CHECK(e.status() == 404);
        CHECK(e.info().type == "invalid_request_error");
        CHECK_FALSE(e.request_id().empty());
      }
    };
    co_await expect_404(c.assistants().retrieve("asst_nope"));
    co_await expect_404(c.threads().messages().list("thread_nope"));
    co_await expect_404(c.threads().runs().retrieve("thread_nope", "run_nope"));
    co_await expect_404(c.files().retrieve("file-nope"));
    co_await expect_404(c.vector_stores().files().list("vs_nope"));

    // an unknown parameter (through extra_body) names itself
    api::create_assistant_request ar;
    ar.model = "gpt-4o";
    request_options ro;
    ro.extra_body["bogus_parameter"] = 1;
    try {
      co_await c.assistants().create(ar, ro);
      FAIL("expected bad_request_error");
    } catch (const bad_request_error& e) {
      CHECK(e.status() == 400);
      CHECK(e.info().param == "bogus_parameter");
      CHECK(std::string(e.what()).find("bogus_parameter") != std::string::npos);
    }
    // too many metadata keys
    api::metadata md;
    for (int i = 0; i < 17; ++i)
      md["k" + std::to_string(i)] = "v";
    ar.metadata = api::nullable<api::metadata>(md);
    auto [ep, ignored] =
        co_await c.assistants().create(ar, {}, asio::experimental::as_tuple(asio::use_awaitable));
    REQUIRE(ep);
    auto info = error_info_of(ep);
    CHECK(info.kind == errc::bad_request);
    CHECK(info.param == "metadata");
    // an invalid enum in a query
    list_params sideways{.order = "sideways"};
    auto [ep2, page] = co_await c.assistants().list(
        sideways, {}, asio::experimental::as_tuple(asio::use_awaitable));
    REQUIRE(ep2);
    CHECK(error_info_of(ep2).kind == errc::bad_request);
    CHECK(error_info_of(ep2).param == "order");
    // a message on a thread whose run is active
    api::create_assistant_request plain;
    plain.model = "gpt-4o";
    plain.tools = std::vector<api::assistant_tool>{function_tool("f")};
    auto asst = co_await c.assistants().create(plain);
    auto thread = co_await c.threads().create();
    co_await c.threads().messages().create(thread.id, user_message("/call f {}"));
    api::create_run_request rr;
    rr.assistant_id = asst.id;
    auto waiting = co_await c.threads().runs().create_and_poll(thread.id, rr);
    REQUIRE(waiting.status == "requires_action");
    try {
      co_await c.threads().messages().create(thread.id, user_message("more"));
      FAIL("expected bad_request_error");
    } catch (const bad_request_error& e) {
      CHECK(std::string(e.info().message).find("while a run") != std::string::npos);
    }
    // tool outputs for a run that is not waiting for them
    co_await c.threads().runs().cancel(thread.id, waiting.id);
    co_await c.threads().runs().poll(thread.id, waiting.id);
    api::submit_tool_outputs_run_request sub;
    sub.tool_outputs.push_back({});
    sub.tool_outputs.back().tool_call_id = "call_x";
    sub.tool_outputs.back().output = "late";
    try {
      co_await c.threads().runs().submit_tool_outputs(thread.id, waiting.id, sub);
      FAIL("expected bad_request_error");
    } catch (const bad_request_error& e) {
      CHECK(std::string(e.info().message).find("do not accept tool outputs") != std::string::npos);
    }
  });
}
