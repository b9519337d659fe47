// Snapshot accumulation for streamed Responses: applies each event (its `type` and JSON data) to
// a snapshot of the Response, as the official Node SDK's accumulateResponse (openai 6.49.0) does,
// with these differences:
//  - an event names its item twice, by `output_index` and by `item_id`; both must agree (the SDK
//    trusts the index alone), so argument deltas of parallel calls that arrive interleaved each
//    land in their own call, and a server that confuses them is an error, not a merged call;
//  - the arguments accumulated from a call's deltas must equal its
//    `response.function_call_arguments.done` arguments, else snapshot_error::arguments_mismatch
//    with problem() naming the call and both texts;
//  - unknown event types are ignored (the SDK throws), as are keepalive and error events;
//  - `response.shell_call_command.*` / `.shell_call_output_content.*` are applied too;
//  - a terminal response whose `output` is empty keeps the accumulated output (a slim terminal
//    event, or the end of a stream resumed from a snapshot, loses nothing);
//  - the snapshot can start from a Response retrieved earlier (for resumption): pass it to the
//    constructor; it must be the state the events that follow continue from.
//
//   responses::accumulator acc;
//   for each event: if (auto ec = acc.apply(type, json::parse(data))) fail(acc.problem());
//   const json::object& r = acc.final_response(); // throws if no terminal event arrived
//   if (acc.final_status() != "completed") ...     // failed / incomplete are not success
#pragma once

#include <coassist/config.hpp>
#include <coassist/responses/detail/snapshot_error.hpp>
#include <coassist/stream/detail/merge.hpp> // array_index_of

#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace coassist::responses {

// The events after which a streamed response is over.
COASSIST_DECL bool is_terminal_event(std::string_view type) noexcept {
  return type == "response.completed" || type == "response.failed" || type == "response.incomplete";
}

// The events that carry a whole Response.
COASSIST_DECL bool is_lifecycle_event(std::string_view type) noexcept {
  return type == "response.created" || type == "response.queued" ||
         type == "response.in_progress" || is_terminal_event(type);
}

class accumulator {
public:
  accumulator() = default;
  // Continues from `response` (e.g. retrieved with responses().retrieve, or a snapshot() saved
  // earlier): the events applied next must be the ones that follow that state.
  explicit accumulator(json::object response) { adopt(std::move(response), false); }

  // Applies one event. `data` is its parsed JSON (an rvalue avoids a copy; any memory resource:
  // what is kept is copied into the default one). On error, problem() says what and where; the
  // event may be partly applied and later events can still be applied.
  std::error_code apply(std::string_view type, json::value data) {
    problem_.clear();
    where_.clear();
    type_ = type;
    json::object* ev = data.if_object();
    if (!ev) return fail(snapshot_error::not_an_object, "the event's data is not an object");
    if (is_lifecycle_event(type)) {
      json::value* r = ev->if_contains("response");
      if (!r || !r->is_object()) return fail(snapshot_error::missing_field, "no `response` object");
      adopt(std::move(r->get_object()), is_terminal_event(type));
      return {};
    }
    if (!type.starts_with("response.")) return {}; // error, keepalive, unknown
    return apply_item_event(type, *ev);
  }

  // The event whose data has its type in `type` (as the service sends it).
  std::error_code apply(json::value event) {
    const json::object* o = event.if_object();
    const json::value* t = o ? o->if_contains("type") : nullptr;
    if (!t || !t->is_string()) {
      type_ = {};
      return fail(snapshot_error::missing_field, "the event has no string `type`");
    }
    std::string type(t->get_string());
    return apply(type, std::move(event));
  }

  // Ends the snapshot with a Response learned another way (a retrieved one, when a stream could
  // not be resumed): as a terminal event carrying it.
  void finish(json::object response) { adopt(std::move(response), true); }

  // What the last failed apply() was about (empty after a successful one).
  const std::string& problem() const noexcept { return problem_; }

  // The Response as accumulated so far (null before the first lifecycle event or start).
  // Pointers stay valid until the next apply().
  const json::object* snapshot() const noexcept { return snapshot_ ? &*snapshot_ : nullptr; }
  // A terminal event (completed, failed, incomplete) was applied.
  bool finished() const noexcept { return finished_; }

  // The Response of the terminal event, with the accumulated output if it sent none;
  // snapshot_error::no_final_response if there was none.
  const json::object* final_response(std::error_code& ec) const noexcept {
    if (!finished_) {
      ec = snapshot_error::no_final_response;
      return nullptr;
    }
    ec.clear();
    return &*snapshot_;
  }
  const json::object& final_response() const {
    std::error_code ec;
    const json::object* r = final_response(ec);
    if (!r) throw std::system_error(ec);
    return *r;
  }
  // The final response's `status` as given ("completed", "failed", "incomplete", "cancelled",
  // or whatever a newer server says); empty before the end. Only "completed" is success.
  std::string_view final_status() const noexcept {
    if (!finished_) return {};
    const json::value* s = snapshot_->if_contains("status");
    return s && s->is_string() ? std::string_view(s->get_string()) : std::string_view();
  }
  bool completed() const noexcept { return final_status() == "completed"; }

  // A typed copy through json::value_to (e.g. the generated Response model). Throws what
  // value_to throws when the snapshot does not fit.
  template <class Response> Response final_response_as() const {
    return json::value_to<Response>(json::value(final_response()));
  }

  // {"final_response": RESPONSE or null}
  json::object to_json() const {
    json::object out;
    out["final_response"] = finished_ ? json::value(*snapshot_) : json::value(nullptr);
    return out;
  }

private:
  // An array of items or parts may not be made arbitrarily long by one index.
  static constexpr std::uint64_t max_index = 65535;
  static constexpr std::uint64_t max_gap = 1024;

  std::error_code fail(snapshot_error e, std::string what) {
    problem_ = std::string(type_);
    if (!where_.empty()) problem_ += " (" + where_ + ")";
    problem_ += ": " + std::move(what);
    return e;
  }

  static std::string excerpt(std::string_view s) {
    constexpr std::size_t max = 120;
    std::string out = json::serialize(json::string(s.substr(0, max)));
    if (s.size() > max) out += "... (" + std::to_string(s.size()) + " bytes)";
    return out;
  }

  // Takes a whole Response. A response that carries no output keeps the accumulated one.
  void adopt(json::object&& response, bool terminal) {
    json::object r(std::move(response), json::storage_ptr());
    const json::value* out = r.if_contains("output");
    const bool empty = !out || !out->is_array() || out->get_array().empty();
    if (empty && snapshot_) {
      json::value* mine = snapshot_->if_contains("output");
      if (mine && mine->is_array() && !mine->get_array().empty()) r["output"] = std::move(*mine);
    }
    if (!r.if_contains("output") || !r.at("output").is_array()) r["output"].emplace_array();
    snapshot_ = std::move(r);
    finished_ = terminal;
    ids_.clear();
    json::array& items = snapshot_->at("output").get_array();
    for (std::size_t i = 0; i < items.size(); ++i)
      if (const json::string* id = id_of(items[i])) ids_[std::string(*id)] = i;
  }

  static const json::string* id_of(const json::value& item) noexcept {
    const json::object* o = item.if_object();
    const json::value* id = o ? o->if_contains("id") : nullptr;
    return id ? id->if_string() : nullptr;
  }
  static const json::string* string_member(const json::object& o, std::string_view key) noexcept {
    const json::value* v = o.if_contains(key);
    return v ? v->if_string() : nullptr;
  }
  static std::string_view type_of(const json::object& o) noexcept {
    const json::string* t = string_member(o, "type");
    return t ? std::string_view(*t) : std::string_view();
  }

  std::error_code index_member(const json::object& ev, std::string_view key, std::uint64_t& out) {
    const json::value* v = ev.if_contains(key);
    if (!v) return fail(snapshot_error::missing_field, "no `" + std::string(key) + "`");
    if (!stream::detail::array_index_of(*v, out) || out > max_index)
      return fail(snapshot_error::bad_index, "`" + std::string(key) + "` " + json::serialize(*v) +
                                                 " is not an index up to " +
                                                 std::to_string(max_index));
    return {};
  }

  // Puts `v` at `index` of `arr` (holes become null), within the limits.
  std::error_code place(json::array& arr, std::uint64_t index, json::value&& v,
                        std::string_view what) {
    if (index > arr.size() + max_gap)
      return fail(snapshot_error::bad_index, std::string(what) + " index " + std::to_string(index) +
                                                 " is more than " + std::to_string(max_gap) +
                                                 " past the end");
    if (index >= arr.size()) arr.resize(static_cast<std::size_t>(index) + 1);
    arr[static_cast<std::size_t>(index)] = json::value(std::move(v), arr.storage());
    return {};
  }

  // The item an event names by output_index and item_id (when it has one); both must agree.
  json::object* find_item(const json::object& ev, std::error_code& ec) {
    std::uint64_t index = 0;
    if ((ec = index_member(ev, "output_index", index))) return nullptr;
    where_ = "output " + std::to_string(index);
    const json::string* item_id = string_member(ev, "item_id");
    if (item_id) {
      where_ += ", item " + std::string(*item_id);
      auto it = ids_.find(std::string_view(*item_id));
      if (it != ids_.end() && it->second != index) {
        ec = fail(snapshot_error::item_mismatch,
                  "item_id is output " + std::to_string(it->second) + ", not this output_index");
        return nullptr;
      }
    }
    json::array& items = snapshot_->at("output").get_array();
    if (index >= items.size() || !items[static_cast<std::size_t>(index)].is_object()) {
      ec = fail(snapshot_error::unknown_item, "no output item was added at this index");
      return nullptr;
    }
    json::object& item = items[static_cast<std::size_t>(index)].get_object();
    if (item_id) {
      const json::string* id = string_member(item, "id");
      if (id && *id != *item_id) {
        ec = fail(snapshot_error::item_mismatch,
                  "output " + std::to_string(index) + " is item " + std::string(*id));
        return nullptr;
      }
    }
    return &item;
  }

  // The part at ev[index_key] of item[member] (content / summary), of `part_type` if not empty.
  json::object* find_part(json::object& item, const json::object& ev, std::string_view member,
                          std::string_view index_key, std::string_view part_type,
                          std::error_code& ec) {
    std::uint64_t index = 0;
    if ((ec = index_member(ev, index_key, index))) return nullptr;
    json::value* parts = item.if_contains(member);
    if (!parts || !parts->is_array() || index >= parts->get_array().size() ||
        !parts->get_array()[static_cast<std::size_t>(index)].is_object()) {
      ec =
          fail(snapshot_error::bad_index, "no " + std::string(member) + " part at " +
                                              std::string(index_key) + " " + std::to_string(index));
      return nullptr;
    }
    json::object& part = parts->get_array()[static_cast<std::size_t>(index)].get_object();
    if (!part_type.empty() && type_of(part) != part_type) {
      ec = fail(snapshot_error::wrong_part_type, "expected a " + std::string(part_type) +
                                                     " part, found " + std::string(type_of(part)));
      return nullptr;
    }
    return &part;
  }

  // target[key] += ev[delta_key] (a string); a missing or null target takes it.
  std::error_code append(json::object& target, std::string_view key, const json::object& ev,
                         std::string_view delta_key) {
    const json::string* d = string_member(ev, delta_key);
    if (!d)
      return fail(snapshot_error::missing_field, "no string `" + std::string(delta_key) + "`");
    json::value& t = target[key];
    if (t.is_null())
      t = json::string(*d, target.storage());
    else if (t.is_string())
      t.get_string().append(*d);
    else
      return fail(snapshot_error::wrong_item_type, "`" + std::string(key) + "` is not a string");
    return {};
  }

  // target[key] = ev[value_key] (a string).
  std::error_code assign(json::object& target, std::string_view key, const json::object& ev,
                         std::string_view value_key) {
    const json::string* v = string_member(ev, value_key);
    if (!v)
      return fail(snapshot_error::missing_field, "no string `" + std::string(value_key) + "`");
    target[key] = json::string(*v, target.storage());
    return {};
  }

  // target[key] = ev[value_key] (any JSON value, copied into the snapshot's storage).
  std::error_code assign_value(json::object& target, std::string_view key, json::object& ev,
                               std::string_view value_key) {
    json::value* v = ev.if_contains(value_key);
    if (!v) return fail(snapshot_error::missing_field, "no `" + std::string(value_key) + "`");
    target[key] = json::value(std::move(*v), target.storage());
    return {};
  }

  // Item events whose target member is a string: (delta, done) pairs per item type.
  struct text_rule {
    std::string_view delta_event, done_event, item_type, member, done_key;
  };
  static constexpr text_rule item_text_rules[] = {
      {"response.function_call_arguments.delta", "response.function_call_arguments.done",
       "function_call", "arguments", "arguments"},
      {"response.custom_tool_call_input.delta", "response.custom_tool_call_input.done",
       "custom_tool_call", "input", "input"},
      {"response.mcp_call_arguments.delta", "response.mcp_call_arguments.done", "mcp_call",
       "arguments", "arguments"},
      {"response.code_interpreter_call_code.delta", "response.code_interpreter_call_code.done",
       "code_interpreter_call", "code", "code"},
  };
  // Status events: the item of `item_type` takes `status`.
  struct status_rule {
    std::string_view event, item_type, status;
  };
  static constexpr status_rule status_rules[] = {
      {"response.code_interpreter_call.in_progress", "code_interpreter_call", "in_progress"},
      {"response.code_interpreter_call.interpreting", "code_interpreter_call", "interpreting"},
      {"response.code_interpreter_call.completed", "code_interpreter_call", "completed"},
      {"response.file_search_call.in_progress", "file_search_call", "in_progress"},
      {"response.file_search_call.searching", "file_search_call", "searching"},
      {"response.file_search_call.completed", "file_search_call", "completed"},
      {"response.web_search_call.in_progress", "web_search_call", "in_progress"},
      {"response.web_search_call.searching", "web_search_call", "searching"},
      {"response.web_search_call.completed", "web_search_call", "completed"},
      {"response.image_generation_call.in_progress", "image_generation_call", "in_progress"},
      {"response.image_generation_call.generating", "image_generation_call", "generating"},
      {"response.image_generation_call.completed", "image_generation_call", "completed"},
      {"response.mcp_call.in_progress", "mcp_call", "in_progress"},
      {"response.mcp_call.completed", "mcp_call", "completed"},
      {"response.mcp_call.failed", "mcp_call", "failed"},
  };

  std::error_code apply_item_event(std::string_view type, json::object& ev) {
    where_.clear();
    if (type == "response.output_item.added" || type == "response.output_item.done") {
      if (auto ec = need_snapshot()) return ec;
      return apply_output_item(ev);
    }

    const text_rule* text = nullptr;
    for (const auto& r : item_text_rules)
      if (type == r.delta_event || type == r.done_event) text = &r;
    const status_rule* status = nullptr;
    for (const auto& r : status_rules)
      if (type == r.event) status = &r;
    const bool part_event =
        type.starts_with("response.content_part.") || type.starts_with("response.output_text.") ||
        type.starts_with("response.refusal.") || type.starts_with("response.reasoning_") ||
        type.starts_with("response.shell_call_");
    if (!text && !status && !part_event) return {}; // audio, partial images, mcp_list_tools...
    if (auto ec = need_snapshot()) return ec;

    std::error_code ec;
    json::object* item = find_item(ev, ec);
    if (!item) return ec;
    const std::string_view item_type = type_of(*item);
    if (status) {
      if (item_type == status->item_type) (*item)["status"] = status->status;
      return {};
    }
    if (text) {
      if (item_type != text->item_type) // as the SDK: only an item of that type takes them
        return {};
      if (type == text->delta_event) return append(*item, text->member, ev, "delta");
      if (text->item_type == "function_call") return finish_arguments(*item, ev);
      return assign(*item, text->member, ev, text->done_key);
    }
    return apply_part_event(type, *item, ev);
  }

  std::error_code need_snapshot() {
    if (snapshot_) return {};
    return fail(snapshot_error::no_snapshot, "no response.created (or start snapshot) before it");
  }

  std::error_code apply_output_item(json::object& ev) {
    std::uint64_t index = 0;
    if (auto ec = index_member(ev, "output_index", index)) return ec;
    where_ = "output " + std::to_string(index);
    json::value* item = ev.if_contains("item");
    if (!item || !item->is_object()) return fail(snapshot_error::missing_field, "no `item` object");
    json::array& items = snapshot_->at("output").get_array();
    const json::string* id = id_of(*item);
    if (id) {
      where_ += ", item " + std::string(*id);
      auto it = ids_.find(std::string_view(*id));
      if (it != ids_.end() && it->second != index)
        return fail(snapshot_error::item_mismatch,
                    "the item is output " + std::to_string(it->second) + " already");
    }
    if (index < items.size()) {
      const json::string* there = id_of(items[static_cast<std::size_t>(index)]);
      if (there && id && *there != *id)
        return fail(snapshot_error::item_mismatch,
                    "output " + std::to_string(index) + " is item " + std::string(*there));
    }
    std::string key = id ? std::string(*id) : std::string();
    if (auto ec = place(items, index, std::move(*item), "output")) return ec;
    if (!key.empty()) ids_[std::move(key)] = static_cast<std::size_t>(index);
    return {};
  }

  std::error_code finish_arguments(json::object& item, const json::object& ev) {
    const json::string* done = string_member(ev, "arguments");
    if (!done) return fail(snapshot_error::missing_field, "no string `arguments`");
    const json::value* have = item.if_contains("arguments");
    std::string_view mine = have && have->is_string() ? std::string_view(have->get_string()) : "";
    const bool same = mine == std::string_view(*done);
    std::string message;
    if (!same)
      message = "the deltas add up to " + excerpt(mine) + " but the event says " + excerpt(*done);
    item["arguments"] = json::string(*done, item.storage());
    if (const json::string* name = string_member(ev, "name"))
      item["name"] = json::string(*name, item.storage());
    if (!same) return fail(snapshot_error::arguments_mismatch, std::move(message));
    return {};
  }

  std::error_code apply_part_event(std::string_view type, json::object& item, json::object& ev) {
    std::error_code ec;
    if (type == "response.content_part.added" || type == "response.content_part.done") {
      std::uint64_t index = 0;
      if ((ec = index_member(ev, "content_index", index))) return ec;
      json::value* part = ev.if_contains("part");
      if (!part || !part->is_object()) return fail(snapshot_error::missing_field, "no `part`");
      json::value& content = item["content"];
      if (!content.is_array()) content.emplace_array();
      return place(content.get_array(), index, std::move(*part), "content");
    }
    if (type == "response.reasoning_summary_part.added" ||
        type == "response.reasoning_summary_part.done") {
      std::uint64_t index = 0;
      if ((ec = index_member(ev, "summary_index", index))) return ec;
      json::value* part = ev.if_contains("part");
      if (!part || !part->is_object()) return fail(snapshot_error::missing_field, "no `part`");
      json::value& summary = item["summary"];
      if (!summary.is_array()) summary.emplace_array();
      return place(summary.get_array(), index, std::move(*part), "summary");
    }
    if (type == "response.output_text.delta" || type == "response.output_text.done" ||
        type == "response.output_text.annotation.added") {
      json::object* part = find_part(item, ev, "content", "content_index", "output_text", ec);
      if (!part) return ec;
      if (type == "response.output_text.delta") {
        if ((ec = append(*part, "text", ev, "delta"))) return ec;
        // logprobs requested: each delta carries those of its tokens
        const json::value* lp = ev.if_contains("logprobs");
        if (lp && lp->is_array() && !lp->get_array().empty()) {
          json::value& mine = (*part)["logprobs"];
          if (!mine.is_array()) mine.emplace_array();
          for (const json::value& v : lp->get_array())
            mine.get_array().push_back(v);
        }
        return {};
      }
      if (type == "response.output_text.done") return assign(*part, "text", ev, "text");
      std::uint64_t index = 0;
      if ((ec = index_member(ev, "annotation_index", index))) return ec;
      json::value* annotation = ev.if_contains("annotation");
      if (!annotation) return fail(snapshot_error::missing_field, "no `annotation`");
      json::value& list = (*part)["annotations"];
      if (!list.is_array()) list.emplace_array();
      return place(list.get_array(), index, std::move(*annotation), "annotation");
    }
    if (type == "response.refusal.delta" || type == "response.refusal.done") {
      json::object* part = find_part(item, ev, "content", "content_index", "refusal", ec);
      if (!part) return ec;
      return type == "response.refusal.delta" ? append(*part, "refusal", ev, "delta")
                                              : assign(*part, "refusal", ev, "refusal");
    }
    if (type == "response.reasoning_text.delta" || type == "response.reasoning_text.done") {
      json::object* part = find_part(item, ev, "content", "content_index", "reasoning_text", ec);
      if (!part) return ec;
      return type == "response.reasoning_text.delta" ? append(*part, "text", ev, "delta")
                                                     : assign(*part, "text", ev, "text");
    }
    if (type == "response.reasoning_summary_text.delta" ||
        type == "response.reasoning_summary_text.done") {
      json::object* part = find_part(item, ev, "summary", "summary_index", "", ec);
      if (!part) return ec;
      return type == "response.reasoning_summary_text.delta" ? append(*part, "text", ev, "delta")
                                                             : assign(*part, "text", ev, "text");
    }
    if (type.starts_with("response.shell_call_command.")) {
      std::uint64_t index = 0;
      if ((ec = index_member(ev, "command_index", index))) return ec;
      json::value& action = item["action"];
      if (!action.is_object()) action.emplace_object();
      json::value& commands = action.get_object()["commands"];
      if (!commands.is_array()) commands.emplace_array();
      json::array& list = commands.get_array();
      if (type == "response.shell_call_command.added" ||
          type == "response.shell_call_command.done") {
        json::value* command = ev.if_contains("command");
        if (!command || !command->is_string())
          return fail(snapshot_error::missing_field, "no string `command`");
        return place(list, index, std::move(*command), "command");
      }
      if (type == "response.shell_call_command.delta") {
        if (index >= list.size() || !(list[index].is_string() || list[index].is_null()))
          return fail(snapshot_error::bad_index, "no command at " + std::to_string(index));
        const json::string* d = string_member(ev, "delta");
        if (!d) return fail(snapshot_error::missing_field, "no string `delta`");
        if (list[index].is_null()) list[index] = json::string(list.storage());
        list[index].get_string().append(*d);
      }
      return {};
    }
    if (type.starts_with("response.shell_call_output_content.")) {
      std::uint64_t index = 0;
      if ((ec = index_member(ev, "command_index", index))) return ec;
      if (type == "response.shell_call_output_content.done")
        return assign_value(item, "output", ev, "output");
      if (type != "response.shell_call_output_content.delta") return {};
      json::value* delta = ev.if_contains("delta");
      if (!delta || !delta->is_object()) return fail(snapshot_error::missing_field, "no `delta`");
      json::value& output = item["output"];
      if (!output.is_array()) output.emplace_array();
      json::array& list = output.get_array();
      if (index >= list.size() || list[index].is_null()) {
        json::object fresh(list.storage());
        fresh["stdout"] = "";
        fresh["stderr"] = "";
        if (auto e = place(list, index, std::move(fresh), "command")) return e;
      }
      if (!list[index].is_object()) return fail(snapshot_error::wrong_item_type, "bad output");
      for (std::string_view stream_name : {"stdout", "stderr"})
        if (string_member(delta->get_object(), stream_name))
          if ((ec =
                   append(list[index].get_object(), stream_name, delta->get_object(), stream_name)))
            return ec;
      return {};
    }
    return {};
  }

  struct id_less {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const noexcept { return a < b; }
  };

  std::optional<json::object> snapshot_;
  std::map<std::string, std::size_t, id_less> ids_; // item id -> output index
  bool finished_ = false;
  std::string problem_;
  std::string_view type_; // of the event being applied (for problem_)
  std::string where_;
};

} // namespace coassist::responses
