// Errors of the Responses snapshot accumulator: one std::error_category,
// "coassist.responses.snapshot". The accumulator also keeps a sentence naming the event, the item
// and what differed (accumulator::problem()).
#pragma once

#include <coassist/config.hpp>

#include <string>
#include <system_error>
#include <type_traits>

namespace coassist::responses {

enum class snapshot_error {
  not_an_object = 1, // the event (or a member it needs) is not a JSON object
  missing_field,     // a required member (output_index, item, part, delta...) is absent or mistyped
  no_snapshot,       // an item event before response.created/queued/in_progress (or a start)
  bad_index,         // an output/content/summary index that is negative, too large or too far
  unknown_item,      // no item at output_index / with item_id
  item_mismatch,     // output_index and item_id name different items
  wrong_item_type,   // e.g. an output_text delta for a function_call item
  wrong_part_type,   // e.g. an output_text delta for a refusal part
  arguments_mismatch, // accumulated arguments differ from function_call_arguments.done's
  no_final_response,  // the stream held no response.completed/.failed/.incomplete
};

namespace detail {
class snapshot_category_impl final : public std::error_category {
public:
  const char* name() const noexcept override { return "coassist.responses.snapshot"; }
  std::string message(int v) const override {
    switch (static_cast<snapshot_error>(v)) {
    case snapshot_error::not_an_object:
      return "event data is not a JSON object";
    case snapshot_error::missing_field:
      return "event lacks a member the snapshot needs";
    case snapshot_error::no_snapshot:
      return "item event before the response was created";
    case snapshot_error::bad_index:
      return "index out of range";
    case snapshot_error::unknown_item:
      return "event for an output item that was never added";
    case snapshot_error::item_mismatch:
      return "output_index and item_id name different items";
    case snapshot_error::wrong_item_type:
      return "event does not fit the output item's type";
    case snapshot_error::wrong_part_type:
      return "event does not fit the content part's type";
    case snapshot_error::arguments_mismatch:
      return "accumulated arguments differ from the done event's";
    case snapshot_error::no_final_response:
      return "the stream held no terminal response event";
    }
    return "unknown snapshot error";
  }
};
} // namespace detail

COASSIST_DECL const std::error_category& snapshot_category() noexcept {
  static const detail::snapshot_category_impl instance;
  return instance;
}

COASSIST_DECL std::error_code make_error_code(snapshot_error e) noexcept {
  return {static_cast<int>(e), snapshot_category()};
}

} // namespace coassist::responses

template <> struct std::is_error_code_enum<coassist::responses::snapshot_error> : std::true_type {};
