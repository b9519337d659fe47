// Errors of the server-sent-events parser: one std::error_category, "coassist.sse".
#pragma once

#include <coassist/config.hpp>

#include <string>
#include <system_error>
#include <type_traits>

namespace coassist::sse {

enum class error {
  line_too_long = 1, // a line exceeded limits::max_line_length
  event_too_large,   // an event's data plus type exceeded limits::max_event_size
};

namespace detail {
class sse_category_impl final : public std::error_category {
public:
  const char* name() const noexcept override { return "coassist.sse"; }
  std::string message(int v) const override {
    switch (static_cast<error>(v)) {
    case error::line_too_long:
      return "server-sent event line longer than the limit";
    case error::event_too_large:
      return "server-sent event larger than the limit";
    }
    return "unknown server-sent events error";
  }
};
} // namespace detail

COASSIST_DECL const std::error_category& sse_category() noexcept {
  static const detail::sse_category_impl instance;
  return instance;
}

COASSIST_DECL std::error_code make_error_code(error e) noexcept {
  return {static_cast<int>(e), sse_category()};
}

} // namespace coassist::sse

template <> struct std::is_error_code_enum<coassist::sse::error> : std::true_type {};
