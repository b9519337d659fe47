// Internal, sans-I/O: the JSON rules of a Responses agent loop (which calls a response holds,
// whether it succeeded, the request that carries the outputs, and where the outputs of a lost
// submission show up in a conversation). agent/respond.hpp does the I/O around them.
#pragma once

#include <coassist/api/error.hpp>
#include <coassist/tools/tool_set.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace coassist::agent::detail {

// Throws the library's exception for `kind` (see api/error.hpp).
[[noreturn]] inline void fail(errc kind, std::string message, std::string where = {},
                              std::string code = {}) {
  error_info info;
  info.kind = kind;
  info.message = std::move(message);
  info.where = std::move(where);
  info.code = std::move(code);
  std::rethrow_exception(make_error(std::move(info)));
}

inline std::string_view string_field(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

// The function calls of a response's output, in output order; tool_call::id is the `call_id`.
inline std::vector<tools::tool_call> function_calls_of(const json::object& response) {
  std::vector<tools::tool_call> calls;
  auto* output = response.if_contains("output");
  if (!output || !output->is_array()) return calls;
  for (const auto& item : output->get_array()) {
    if (!item.is_object()) continue;
    const auto& o = item.get_object();
    if (string_field(o, "type") != "function_call") continue;
    calls.push_back({std::string(string_field(o, "call_id")), std::string(string_field(o, "name")),
                     std::string(string_field(o, "arguments"))});
  }
  return calls;
}

// Throws response_error unless the response is `completed`: a failed, cancelled or incomplete
// response is never taken for success (its calls are not run, its text is not the answer).
inline void require_completed(const json::object& response) {
  auto status = string_field(response, "status");
  if (status == "completed") return;
  error_info info;
  info.where = "response " + std::string(string_field(response, "id"));
  if (status == "incomplete") {
    info.kind = errc::response_incomplete;
    std::string reason;
    if (auto* d = response.if_contains("incomplete_details"); d && d->is_object())
      reason = std::string(string_field(d->get_object(), "reason"));
    info.code = reason;
    info.message = "the response is incomplete" + (reason.empty() ? "" : " (" + reason + ")");
  } else {
    info.kind = errc::response_failed;
    info.message = "the response ended with status '" + std::string(status) + "'";
    if (auto* e = response.if_contains("error"); e && e->is_object()) {
      info.code = std::string(string_field(e->get_object(), "code"));
      if (auto m = string_field(e->get_object(), "message"); !m.empty())
        info.message += ": " + std::string(m);
    }
  }
  std::rethrow_exception(make_error(std::move(info)));
}

// `function_call_output` input items, in the order of the calls.
inline json::array output_items(std::span<const tools::tool_output> outputs) {
  json::array items;
  for (const auto& o : outputs) {
    json::object item;
    item.emplace("type", "function_call_output");
    item.emplace("call_id", o.tool_call_id);
    item.emplace("output", o.output);
    items.emplace_back(std::move(item));
  }
  return items;
}

// How one response of the loop is tied to the one before it.
enum class chain_mode { previous_response_id, conversation };

// The request that sends `outputs` to the model: the first request's settings (model, tools,
// instructions, text format...: previous_response_id does not carry instructions forward), with
// the outputs as its only input.
inline json::object continuation(const json::object& first_request, chain_mode mode,
                                 std::string_view previous_response_id,
                                 std::string_view conversation_id,
                                 std::span<const tools::tool_output> outputs) {
  json::object next = first_request;
  next.erase("stream");
  next.erase("stream_options");
  next.erase("background");
  next.erase("previous_response_id");
  next.erase("conversation");
  next["input"] = output_items(outputs);
  if (mode == chain_mode::conversation)
    next["conversation"] = conversation_id;
  else
    next["previous_response_id"] = previous_response_id;
  return next;
}

// The conversation id a request names (`"conv_..."` or `{"id": "conv_..."}`), or "".
inline std::string conversation_of(const json::object& request) {
  auto* c = request.if_contains("conversation");
  if (!c) return {};
  if (c->is_string()) return std::string(c->get_string());
  if (c->is_object()) return std::string(string_field(c->get_object(), "id"));
  return {};
}

// Scans a conversation's items, newest first, for the outputs of a round whose answer was lost.
// Feed pages in `desc` order; it stops once it has seen every call of the round (the calls come
// before their outputs, so nothing older can hold them).
class lost_submission_search {
public:
  explicit lost_submission_search(std::span<const tools::tool_call> calls) {
    for (const auto& c : calls)
      pending_calls_.insert(c.id), wanted_outputs_.insert(c.id);
  }

  // Feeds one page (`data` of a ConversationItemList in desc order); returns true when done.
  bool feed(const json::array& items_desc) {
    for (const auto& v : items_desc) {
      if (done()) break;
      if (!v.is_object()) continue;
      const auto& item = v.get_object();
      auto type = string_field(item, "type");
      auto call_id = std::string(string_field(item, "call_id"));
      if (type == "function_call_output" && wanted_outputs_.count(call_id)) {
        found_outputs_.insert(call_id);
        reached_outputs_ = true;
      } else if (type == "function_call" && pending_calls_.count(call_id)) {
        pending_calls_.erase(call_id);
        reached_outputs_ = true; // older than any output of the round
      } else if (!reached_outputs_) {
        newer_.push_back(item); // newer than the round's outputs: the model's answer to them
      }
    }
    return done();
  }
  bool done() const noexcept { return pending_calls_.empty(); }
  // Every output of the round is in the conversation: the submission landed.
  bool applied() const noexcept { return found_outputs_.size() == wanted_outputs_.size(); }
  // Some, not all: the conversation is in a state this loop did not make.
  bool partially_applied() const noexcept { return !found_outputs_.empty() && !applied(); }
  // The items after the outputs, oldest first (the reply to the lost submission).
  json::array reply() const {
    json::array out;
    for (auto it = newer_.rbegin(); it != newer_.rend(); ++it)
      out.emplace_back(*it);
    return out;
  }

private:
  std::set<std::string> pending_calls_, wanted_outputs_, found_outputs_;
  std::vector<json::object> newer_;
  bool reached_outputs_ = false;
};

// A response standing in for one whose answer was lost after it was applied, rebuilt from the
// items the conversation gained: no id, `completed` unless an item says `incomplete`.
inline json::object recovered_response(const json::array& reply_items,
                                       std::string_view conversation_id) {
  json::object r;
  r.emplace("id", "");
  r.emplace("object", "response");
  std::string status = "completed";
  for (const auto& v : reply_items)
    if (v.is_object() && string_field(v.get_object(), "status") == "incomplete")
      status = "incomplete";
  r.emplace("status", status);
  r.emplace("output", reply_items);
  json::object conv;
  conv.emplace("id", conversation_id);
  r.emplace("conversation", std::move(conv));
  return r;
}

// A 400 that says an item is already in the conversation.
inline bool is_duplicate_refusal(const error_info& e) {
  if (e.kind != errc::bad_request) return false;
  auto has = [&](std::string_view w) { return e.message.find(w) != std::string::npos; };
  return has("Duplicate") || has("duplicate") || has("already exists");
}

} // namespace coassist::agent::detail
