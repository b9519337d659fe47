// Internal: the emulator's in-memory state and the helpers its handlers share. Every handler
// runs with state::mutex held, so nothing here is synchronised on its own.
#pragma once

#include "app.hpp"
#include "json_schema.hpp"

#include <chrono>
#include <deque>
#include <functional>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

namespace emu {

using clock_type = std::chrono::steady_clock;

// An error reply in the service's shape: {"error": {"message", "type", "param", "code"}}.
struct api_error : std::exception {
  api_error(unsigned status_, std::string message_,
            std::optional<std::string> param_ = std::nullopt,
            std::optional<std::string> code_ = std::nullopt,
            std::string type_ = "invalid_request_error")
      : status(status_), message(std::move(message_)), param(std::move(param_)),
        code(std::move(code_)), type(std::move(type_)) {}
  const char* what() const noexcept override { return message.c_str(); }
  unsigned status;
  std::string message;
  std::optional<std::string> param;
  std::optional<std::string> code;
  std::string type;
};

json::object error_body(const api_error& e);

// Items in creation order, found by id.
template <class T> struct collection {
  std::vector<std::string> order;
  std::unordered_map<std::string, T> items;

  T* find(const std::string& id) {
    auto it = items.find(id);
    return it == items.end() ? nullptr : &it->second;
  }
  T& add(const std::string& id, T value) {
    order.push_back(id);
    return items.insert_or_assign(id, std::move(value)).first->second;
  }
  bool erase(const std::string& id) {
    if (items.erase(id) == 0) return false;
    std::erase(order, id);
    return true;
  }
};

struct run_rec {
  json::object obj;
  collection<json::object> steps;
  clock_type::time_point phase_start; // when the current queued/in_progress/cancelling began
  std::string tool_step_id;           // the tool_calls step waiting for outputs
  json::array outputs;                // the outputs submitted so far: {tool_call_id, output, name}
  std::optional<json::object> next_turn; // a turn chosen for the next model invocation
  // file_search result texts by step id, shown only with
  // include[]=step_details.tool_calls[*].file_search.results[*].content
  std::unordered_map<std::string, std::vector<std::string>> search_texts;
};

struct thread_rec {
  json::object obj;
  collection<json::object> messages;
  collection<run_rec> runs;
  std::deque<json::object> script; // turns queued by POST /v1/_emulator/scripts
};

struct file_rec {
  json::object obj;
  std::string content;
};

struct upload_rec {
  json::object obj;
  std::unordered_map<std::string, std::string> parts; // part id -> bytes
};

struct vs_file_rec {
  json::object obj;
  clock_type::time_point ready_at;
};

struct batch_rec {
  json::object obj;
  std::vector<std::string> file_ids;
};

struct vector_store_rec {
  json::object obj;
  collection<vs_file_rec> files;
  collection<batch_rec> batches;
};

// A response of the Responses API. A foreground response is complete when its request returns.
// A background one is computed up front too, as a schedule: its events with the times they fall
// due and the status checkpoints (queued, in_progress, terminal); what a client sees is read off
// the clock, and a cancel cuts the schedule short.
struct response_rec {
  json::object obj;        // the final object (terminal status)
  json::array input_items; // this request's input items, as stored (with ids)
  json::array context;     // what a follow-up inherits: the model's input items, then its output
  std::deque<json::object> script; // turns for responses chained from this one
  bool background = false;
  clock_type::time_point created;
  std::vector<json::object> events;        // background: with sequence numbers
  std::vector<clock_type::time_point> due; // background: when each event happens
  std::vector<std::pair<clock_type::time_point, json::object>> checkpoints; // background
  std::shared_ptr<std::atomic<bool>> cancelled = std::make_shared<std::atomic<bool>>(false);
};

struct conversation_rec {
  json::object obj;
  collection<json::object> items;
  std::deque<json::object> script; // turns for the responses made in this conversation
};

struct operation {
  std::string method;
  std::vector<std::string> segments; // "/threads/{thread_id}" -> {"threads", "{thread_id}"}
  std::string path;
  std::string operation_id;
  std::string request_schema; // empty: no body
};

struct request_ctx {
  const http_request& req;
  std::unordered_map<std::string, std::string> params; // path parameters
  json::object body;                                   // parsed JSON (or multipart fields)
  std::unordered_map<std::string, std::pair<std::string, std::string>>
      files; // multipart: field -> (filename, bytes)
  clock_type::time_point now;
  const fault_spec* fault = nullptr; // the fault applied to this request, if any

  const std::string& param(const std::string& name) const { return params.at(name); }
};

struct state;
using handler_fn = std::function<http_reply(state&, request_ctx&)>;

struct state {
  explicit state(app_options o);

  app_options options;
  std::mutex mutex;
  schema_set schemas;
  std::vector<operation> operations;
  std::unordered_map<std::string, handler_fn> handlers; // operationId -> handler

  collection<json::object> assistants;
  std::unordered_map<std::string, thread_rec> threads;
  collection<file_rec> files;
  std::unordered_map<std::string, upload_rec> uploads;
  collection<vector_store_rec> vector_stores;
  std::deque<fault_spec> faults;
  collection<response_rec> responses;
  std::unordered_map<std::string, conversation_rec> conversations;
  std::unordered_map<std::string, json::object>
      items; // every Responses item by id (item_reference)
  std::deque<json::object>
      response_script; // turns for the next responses (no chain, no conversation)

  std::uint64_t counter = 0;
  std::mt19937_64 rng;

  std::string new_id(std::string_view prefix); // prefix + 24 alphanumerics
  std::string request_id();

  // lookups that answer 404 the way the service does
  json::object& assistant(const std::string& id);
  thread_rec& thread(const std::string& id);
  json::object& message(thread_rec& t, const std::string& id);
  run_rec& run(thread_rec& t, const std::string& id);
  file_rec& file(const std::string& id);
  vector_store_rec& vector_store(const std::string& id);
  response_rec& response(const std::string& id);
  conversation_rec& conversation(const std::string& id);

  clock_type::time_point now() const { return options.clock ? options.clock() : clock_type::now(); }

  // lazy progress of everything time-driven
  void advance_thread(thread_rec& t, clock_type::time_point now);
  void advance_vector_store(vector_store_rec& vs, clock_type::time_point now);
};

// helpers shared by the handlers
std::int64_t unix_now();
http_reply json_reply(json::object body, unsigned status = 200);
// list endpoint pagination: limit/order/after/before over items in creation order (the
// Responses lists have no `before`)
http_reply list_reply(const request_ctx& ctx,
                      const std::vector<const json::object*>& items_in_creation_order,
                      bool allow_before = true);
void check_metadata(const json::object& body, const std::string& field = "metadata");
json::value field_or(const json::object& body, std::string_view key, json::value fallback);
std::string text_of_content(const json::value& content); // a message's text parts joined

// registration of each resource group's handlers
void register_assistant_handlers(state& s);
void register_run_handlers(state& s);
void register_file_handlers(state& s);
void register_response_handlers(state& s);
void register_conversation_handlers(state& s);

// the model's text helpers, shared by runs and responses (model_text.cpp)
std::size_t word_count(std::string_view text);
std::size_t utf8_length(std::string_view s);
std::vector<std::string> split_chunks(const std::string& text, int n); // n near-equal pieces
std::vector<std::string> split_words(const std::string& text);         // one piece per word
int int_field(const json::object& o, std::string_view key, int fallback);
std::string string_field(const json::object& o, std::string_view key, std::string fallback = {});

// Responses items (api_responses.cpp): an input item as stored (ids, statuses, content parts),
// and the checks a set of items must pass before it joins a context or a conversation
json::object store_input_item(state& s, const json::value& in, const std::string& param);
json::array store_input(state& s, const json::value& input, const std::string& param);
void check_no_duplicates(const json::array& existing, const json::array& added,
                         const std::string& param);

// runs (api_runs.cpp): start a run, and run it until it pauses; returns the events it produced
json::object make_message(state& s, thread_rec& t, const json::object& req,
                          const std::string& thread_id);
std::vector<sse_event> run_until_pause(state& s, thread_rec& t, run_rec& r,
                                       clock_type::time_point now);
// file search (api_files.cpp): ranked chunks over a vector store
struct search_hit {
  std::string file_id, filename, text;
  double score;
};
std::vector<search_hit> search_vector_stores(state& s, const std::vector<std::string>& store_ids,
                                             const std::string& query, std::size_t max_results);

} // namespace emu
