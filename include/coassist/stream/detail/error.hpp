// Errors of the snapshot accumulator: one std::error_category, "coassist.stream.accumulate".
#pragma once

#include <coassist/config.hpp>

#include <string>
#include <system_error>
#include <type_traits>

namespace coassist::stream {

enum class accumulate_error {
  type_mismatch = 1,      // a delta value cannot merge with the snapshot's (e.g. string + object)
  array_entry_not_object, // an array of objects received a non-object entry
  array_entry_without_index, // an array entry has no `index`
  bad_index,                 // `index` is not a non-negative integer
  index_out_of_range,        // `index` > 65535 or more than 1024 past the array's end
  not_an_object,             // the event's data (or a required member) is not a JSON object
  missing_id,                // a message or run step event without a string `id`
  delta_before_created,      // a delta for a message or run step never created
  no_final_run,              // the stream held no terminal run event
};

namespace detail {
class accumulate_category_impl final : public std::error_category {
public:
  const char* name() const noexcept override { return "coassist.stream.accumulate"; }
  std::string message(int v) const override {
    switch (static_cast<accumulate_error>(v)) {
    case accumulate_error::type_mismatch:
      return "delta value does not match the snapshot's type";
    case accumulate_error::array_entry_not_object:
      return "array delta entry is not an object";
    case accumulate_error::array_entry_without_index:
      return "array delta entry has no index";
    case accumulate_error::bad_index:
      return "array delta index is not a non-negative integer";
    case accumulate_error::index_out_of_range:
      return "array delta index out of range";
    case accumulate_error::not_an_object:
      return "event data is not a JSON object";
    case accumulate_error::missing_id:
      return "event data has no id";
    case accumulate_error::delta_before_created:
      return "delta before the snapshot was created";
    case accumulate_error::no_final_run:
      return "the stream held no terminal run event";
    }
    return "unknown accumulator error";
  }
};
} // namespace detail

COASSIST_DECL const std::error_category& accumulate_category() noexcept {
  static const detail::accumulate_category_impl instance;
  return instance;
}

COASSIST_DECL std::error_code make_error_code(accumulate_error e) noexcept {
  return {static_cast<int>(e), accumulate_category()};
}

} // namespace coassist::stream

template <> struct std::is_error_code_enum<coassist::stream::accumulate_error> : std::true_type {};
