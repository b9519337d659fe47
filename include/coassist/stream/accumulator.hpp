// Snapshot accumulation for Assistants v2 streams: applies each event (name + JSON data) to
// snapshots of the run, its messages and its run steps, with the rules of the official Node SDK
// (openai 6.x `AssistantStream`): strings concatenate, numbers add, objects merge, arrays of
// objects merge on `index`, `index` and `type` are overwritten.
//
// Corrected against the Node SDK (6.49.0):
//  - every array element lands at its `index`, also in an empty array (Node appends the first
//    element pushed into `[]`, so out-of-order parallel tool calls get merged into one);
//  - `thread.message.completed` / `.incomplete` replace the message snapshot's fields with the
//    event's (status, completed_at, incomplete_details, ...) and keep the accumulated `content`
//    (Node leaves the snapshot `in_progress`);
//  - messages are looked up by the event's `id` (Node merges into "the current message");
//  - an index > 65535 or more than 1024 past an array's end is refused (as Node 7.x does).
//
//   stream::accumulator acc;
//   for each event: if (auto ec = acc.apply(name, json::parse(data))) ...;
//   const json::object& run = acc.final_run();        // throws if no terminal run event
//   for (const json::object& m : acc.final_messages()) ...
//
// Nothing here runs unless an accumulator is created; code that only prints text uses
// for_each_text_delta(), which reads the event in place and allocates nothing.
#pragma once

#include <coassist/config.hpp>
#include <coassist/stream/detail/error.hpp>
#include <coassist/stream/detail/merge.hpp>

#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <vector>

namespace coassist::stream {

// Run events after which the run is in an end state of this stream. `requires_action` counts:
// the stream ends there and the application continues with a new one (submit tool outputs).
COASSIST_DECL bool is_final_run_event(std::string_view event) noexcept {
  return event == "thread.run.completed" || event == "thread.run.failed" ||
         event == "thread.run.cancelled" || event == "thread.run.expired" ||
         event == "thread.run.incomplete" || event == "thread.run.requires_action";
}

class accumulator {
public:
  // Applies one event. `data` is the event's parsed JSON (pass an rvalue to avoid a copy). It may
  // live in any memory resource (e.g. a per-event monotonic buffer): what the accumulator keeps is
  // copied into the default resource, so it does not refer to `data` afterwards.
  // Events that carry no snapshot (thread.created, error, done, unknown names) are ignored.
  // On error the event may be partly applied; later events can still be applied.
  std::error_code apply(std::string_view event, json::value data) {
    if (!event.starts_with("thread.") || event == "thread.created") return {};
    json::object* obj = data.if_object();
    if (!obj) return accumulate_error::not_an_object;
    if (event.starts_with("thread.run.step.")) return apply_run_step(event, std::move(*obj));
    if (event.starts_with("thread.message.")) return apply_message(event, std::move(*obj));
    if (event.starts_with("thread.run.")) return apply_run(event, std::move(*obj));
    return {};
  }

  // The latest run object of any run event, or null. Pointers from the accessors stay valid
  // until the next apply().
  const json::object* current_run() const noexcept {
    return current_run_ ? &*current_run_ : nullptr;
  }
  // The message being streamed: set by each message event, null after its completed/incomplete.
  const json::object* current_message() const noexcept {
    return current_message_ == npos ? nullptr : &messages_[current_message_];
  }
  // The run step being streamed: null after its completed/failed/cancelled/expired.
  const json::object* current_run_step() const noexcept {
    return current_step_ == npos ? nullptr : &steps_[current_step_];
  }
  // Every message and run step seen, in order of first appearance, as accumulated so far.
  const std::vector<json::object>& final_messages() const noexcept { return messages_; }
  const std::vector<json::object>& final_run_steps() const noexcept { return steps_; }

  // The run of the last terminal run event (completed, failed, cancelled, expired, incomplete or
  // requires_action); accumulate_error::no_final_run if the stream held none.
  const json::object* final_run(std::error_code& ec) const noexcept {
    if (!final_run_) {
      ec = accumulate_error::no_final_run;
      return nullptr;
    }
    ec.clear();
    return &*final_run_;
  }
  const json::object& final_run() const {
    std::error_code ec;
    const json::object* r = final_run(ec);
    if (!r) throw std::system_error(ec);
    return *r;
  }

  // Typed copies through json::value_to, for any type with a Boost.JSON conversion, e.g. with
  // <coassist/api/models/models.hpp>: final_run_as<api::run_object>(),
  // final_messages_as<api::message_object>(), final_run_steps_as<api::run_step_object>().
  // They throw what value_to throws when a snapshot does not fit the type.
  template <class Run> Run final_run_as() const {
    return json::value_to<Run>(json::value(final_run()));
  }
  template <class Message> std::vector<Message> final_messages_as() const {
    return convert_all<Message>(messages_);
  }
  template <class Step> std::vector<Step> final_run_steps_as() const {
    return convert_all<Step>(steps_);
  }

  // {"final_run": run or null, "final_messages": [...], "final_run_steps": [...]}
  json::object to_json() const {
    json::object out;
    out["final_run"] = final_run_ ? json::value(*final_run_) : json::value(nullptr);
    json::array& messages = out["final_messages"].emplace_array();
    for (const auto& m : messages_)
      messages.emplace_back(m);
    json::array& steps = out["final_run_steps"].emplace_array();
    for (const auto& s : steps_)
      steps.emplace_back(s);
    return out;
  }

private:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
  template <class T> static std::vector<T> convert_all(const std::vector<json::object>& list) {
    std::vector<T> out;
    out.reserve(list.size());
    for (const json::object& o : list)
      out.push_back(json::value_to<T>(json::value(o)));
    return out;
  }

  // Snapshots always use the default memory resource, whatever the event data used (a move
  // keeps its source's resource, which may be a short-lived buffer): moved when it is the
  // default one already, copied otherwise. Assignments into a snapshot keep its resource.
  static json::object own(json::object&& o) {
    return json::object(std::move(o), json::storage_ptr());
  }

  // id -> position, looked up with a string_view (no allocation per delta)
  struct id_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  using id_map = std::unordered_map<std::string, std::size_t, id_hash, std::equal_to<>>;

  static const json::string* id_of(const json::object& o) noexcept {
    const json::value* id = o.if_contains("id");
    return id ? id->if_string() : nullptr;
  }

  // Inserts or replaces the snapshot with this id; returns its position.
  static std::size_t store(std::vector<json::object>& list, id_map& index, const json::string& id,
                           json::object&& obj) {
    auto [it, inserted] = index.try_emplace(std::string(id), list.size());
    if (inserted)
      list.push_back(own(std::move(obj)));
    else
      list[it->second] = std::move(obj);
    return it->second;
  }

  static std::size_t find(const id_map& index, const json::string& id) {
    auto it = index.find(std::string_view(id));
    return it == index.end() ? npos : it->second;
  }

  std::error_code apply_run(std::string_view event, json::object&& run) {
    if (is_final_run_event(event)) final_run_ = json::object(run, json::storage_ptr());
    current_run_ = own(std::move(run));
    return {};
  }

  std::error_code apply_run_step(std::string_view event, json::object&& step) {
    const json::string* id = id_of(step);
    if (!id) return accumulate_error::missing_id;
    if (event == "thread.run.step.delta") {
      std::size_t pos = find(step_index_, *id);
      if (pos == npos) return accumulate_error::delta_before_created;
      current_step_ = pos;
      json::value* delta = step.if_contains("delta");
      if (!delta || delta->is_null()) return {};
      if (!delta->is_object()) return accumulate_error::not_an_object;
      return detail::merge_object(steps_[pos], std::move(delta->get_object()));
    }
    if (event == "thread.run.step.created" || event == "thread.run.step.in_progress") {
      current_step_ = store(steps_, step_index_, *id, std::move(step));
    } else if (event == "thread.run.step.completed" || event == "thread.run.step.failed" ||
               event == "thread.run.step.cancelled" || event == "thread.run.step.expired") {
      store(steps_, step_index_, *id, std::move(step));
      current_step_ = npos;
    }
    return {};
  }

  std::error_code apply_message(std::string_view event, json::object&& message) {
    const json::string* id = id_of(message);
    if (!id) return accumulate_error::missing_id;
    std::size_t pos = find(message_index_, *id);
    if (event == "thread.message.created") {
      current_message_ = store(messages_, message_index_, *id, std::move(message));
    } else if (event == "thread.message.delta") {
      if (pos == npos) return accumulate_error::delta_before_created;
      current_message_ = pos;
      return merge_message_delta(messages_[pos], message);
    } else if (event == "thread.message.in_progress") {
      // The snapshot already holds everything an in_progress message says.
      if (pos == npos) pos = store(messages_, message_index_, *id, std::move(message));
      current_message_ = pos;
    } else if (event == "thread.message.completed" || event == "thread.message.incomplete") {
      if (pos != npos) {
        // Take the event's fields, keep the accumulated content (which holds every delta).
        json::object& snapshot = messages_[pos];
        if (json::value* content = snapshot.if_contains("content"))
          message["content"] = std::move(*content);
        snapshot = std::move(message);
      } else {
        store(messages_, message_index_, *id, std::move(message));
      }
      current_message_ = npos;
    }
    return {};
  }

  // Node merges only `delta.content` of a message delta, element by element on `index`.
  static std::error_code merge_message_delta(json::object& snapshot, json::object& event_data) {
    json::value* delta = event_data.if_contains("delta");
    if (!delta || !delta->is_object()) return {};
    json::value* content = delta->get_object().if_contains("content");
    if (!content || content->is_null()) return {};
    if (!content->is_array()) return accumulate_error::not_an_object;
    json::value& target = snapshot["content"];
    if (!target.is_array()) target.emplace_array();
    for (json::value& element : content->get_array())
      if (auto ec = detail::merge_indexed(target.get_array(), std::move(element))) return ec;
    return {};
  }

  std::optional<json::object> current_run_;
  std::optional<json::object> final_run_;
  std::vector<json::object> messages_;
  std::vector<json::object> steps_;
  id_map message_index_;
  id_map step_index_;
  std::size_t current_message_ = npos;
  std::size_t current_step_ = npos;
};

// Calls f(std::string_view text, std::uint64_t content_index) for each text piece of a
// `thread.message.delta` event's data, in order; other events are skipped. Reads `data` in place:
// no snapshot, no allocation. The views are valid while `data` is.
template <class F>
void for_each_text_delta(std::string_view event, const json::value& data, F&& f) {
  if (event != "thread.message.delta") return;
  const json::object* obj = data.if_object();
  const json::value* delta = obj ? obj->if_contains("delta") : nullptr;
  const json::object* delta_obj = delta ? delta->if_object() : nullptr;
  const json::value* content = delta_obj ? delta_obj->if_contains("content") : nullptr;
  if (!content || !content->is_array()) return;
  for (const json::value& part : content->get_array()) {
    const json::object* p = part.if_object();
    if (!p) continue;
    const json::value* type = p->if_contains("type");
    if (!type || !type->is_string() || type->get_string() != "text") continue;
    const json::value* text = p->if_contains("text");
    const json::object* text_obj = text ? text->if_object() : nullptr;
    const json::value* value = text_obj ? text_obj->if_contains("value") : nullptr;
    if (!value || !value->is_string()) continue;
    std::uint64_t index = 0;
    if (const json::value* i = p->if_contains("index")) detail::array_index_of(*i, index);
    f(std::string_view(value->get_string()), index);
  }
}

} // namespace coassist::stream
