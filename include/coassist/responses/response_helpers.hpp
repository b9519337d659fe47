// What a program wants from a Response without walking its output by hand:
//
//   responses::output_text(r)     the text the model wrote (the SDKs' computed `output_text`)
//   responses::function_calls(r)  the function_call items, in output order
//   responses::is_completed(r)    the status as the server gave it: `failed`, `incomplete` and
//                                 `cancelled` are never success, and neither is a missing status
//   responses::item_id(item)      the id of any item union (pagination, lookups by id)
#pragma once

#include <coassist/responses/models/models.hpp>

#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

namespace coassist::responses {

// Every output_text part of the message items, concatenated in order, as the official SDKs
// compute `response.output_text` (the server does not send it). Refusals are not part of it.
inline std::string output_text(const response& r) {
  std::string text;
  for (const output_item& item : r.output)
    if (const auto* message = std::get_if<output_message>(&item))
      for (const output_message_content& part : message->content)
        if (const auto* t = std::get_if<output_text_content>(&part)) text += t->text;
  return text;
}

// The refusal parts of the message items, concatenated in order ("" when the model refused
// nothing).
inline std::string refusal_text(const response& r) {
  std::string text;
  for (const output_item& item : r.output)
    if (const auto* message = std::get_if<output_message>(&item))
      for (const output_message_content& part : message->content)
        if (const auto* t = std::get_if<refusal_content>(&part)) text += t->refusal;
  return text;
}

// The function_call items of the output, in output order (each answered by one
// function_call_output input item with the same call_id).
inline std::vector<function_tool_call> function_calls(const response& r) {
  std::vector<function_tool_call> calls;
  for (const output_item& item : r.output)
    if (const auto* call = std::get_if<function_tool_call>(&item)) calls.push_back(*call);
  return calls;
}

// The status as given ("" when the server sent none).
inline std::string_view status(const response& r) noexcept {
  return r.status ? std::string_view(r.status->str()) : std::string_view();
}
// Success is `completed` and nothing else.
inline bool is_completed(const response& r) noexcept {
  return status(r) == response_status::completed;
}
inline bool is_failed(const response& r) noexcept {
  return status(r) == response_status::failed;
}
inline bool is_incomplete(const response& r) noexcept {
  return status(r) == response_status::incomplete;
}
inline bool is_cancelled(const response& r) noexcept {
  return status(r) == response_status::cancelled;
}
// Still running: `queued` or `in_progress` (a background response being polled).
inline bool is_pending(const response& r) noexcept {
  return status(r) == response_status::queued || status(r) == response_status::in_progress;
}

namespace detail::helpers {
template <class T> std::string id_string(const T& v) {
  if constexpr (std::is_same_v<T, std::string>)
    return v;
  else if constexpr (requires {
                       v.has_value();
                       *v;
                     })
    return v.has_value() ? id_string(*v) : std::string();
  else
    return {};
}
template <class V> std::string item_id(const V& item) {
  return std::visit(
      [](const auto& x) -> std::string {
        using X = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<X, unknown_json>) {
          const json::object* o = x.raw.if_object();
          const json::value* id = o != nullptr ? o->if_contains("id") : nullptr;
          return id != nullptr && id->is_string() ? std::string(id->get_string()) : std::string();
        } else if constexpr (requires { x.id; }) {
          return id_string(x.id);
        } else {
          return {};
        }
      },
      static_cast<const typename V::variant&>(item));
}
} // namespace detail::helpers

// The "id" of an item, whichever kind it is ("" when it has none). An unknown kind answers the
// "id" of its raw JSON.
inline std::string item_id(const item_resource& item) {
  return detail::helpers::item_id(item);
}
inline std::string item_id(const conversation_item& item) {
  return detail::helpers::item_id(item);
}
inline std::string item_id(const output_item& item) {
  return detail::helpers::item_id(item);
}
inline std::string item_id(const item_field& item) {
  return detail::helpers::item_id(item);
}

} // namespace coassist::responses
