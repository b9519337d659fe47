// Polling until an object leaves its pending states, as the official SDKs' *_and_poll helpers
// do, with two fixes: a status the library does not know ends the poll (the caller sees it; no
// busy loop), and the whole poll has a deadline.
#pragma once

#include <coassist/api/client.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace coassist {

struct poll_options {
  // A fixed interval. Without it: the server's `openai-poll-after-ms`, else
  // client_options::poll_interval.
  std::optional<std::chrono::milliseconds> interval{};
  // The deadline of the whole poll (errc::timeout after it); else client_options::poll_timeout.
  std::optional<std::chrono::milliseconds> timeout{};
};

namespace detail {

// Runs: the official pending states. Everything else (requires_action, completed, failed,
// cancelled, expired, incomplete, and any status unknown to this library) ends the poll.
inline bool run_is_pending(std::string_view status) {
  return status == "queued" || status == "in_progress" || status == "cancelling";
}
// Vector store files and file batches: pending while in_progress.
inline bool processing_is_pending(std::string_view status) {
  return status == "in_progress";
}

// The wait before the next poll: the caller's fixed interval, else the server's hint (bounded to
// 0..60 s), else the default. Never zero, so an odd server cannot make it spin.
inline std::chrono::milliseconds next_poll_interval(const poll_options& po,
                                                    const response_info& info,
                                                    std::chrono::milliseconds fallback) {
  using std::chrono::milliseconds;
  milliseconds d = fallback;
  if (po.interval) {
    d = *po.interval;
  } else if (auto h = info.headers.find("openai-poll-after-ms")) {
    std::string_view s = *h;
    std::uint64_t v = 0;
    bool ok = !s.empty() && s.size() <= 9;
    for (char c : s)
      ok = ok && c >= '0' && c <= '9', v = v * 10 + std::uint64_t(c - '0');
    if (ok) d = milliseconds(std::min<std::uint64_t>(v, 60'000));
  }
  return std::max(d, milliseconds(1));
}

template <class T, class IsPending>
asio::awaitable<T> poll_until(client c, const api::operation_info& op, call_args args,
                              poll_options po, IsPending pending) {
  const auto deadline =
      std::chrono::steady_clock::now() + po.timeout.value_or(c.options().poll_timeout);
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    response_info info;
    request_options ro;
    ro.info = &info;
    ro.extra_headers = {{"X-Stainless-Poll-Helper", "true"}};
    if (po.interval)
      ro.extra_headers.emplace_back("X-Stainless-Custom-Poll-Interval",
                                    std::to_string(po.interval->count()));
    T obj = co_await c.call_as<T>(op, args, std::move(ro), asio::use_awaitable);
    if (!pending(std::string_view(obj.status))) co_return obj;
    auto wait = next_poll_interval(po, info, c.options().poll_interval);
    if (std::chrono::steady_clock::now() + wait > deadline)
      throw timeout_error(error_info{errc::timeout,
                                     0,
                                     "still " + std::string(std::string_view(obj.status)) +
                                         " when the poll deadline passed",
                                     {},
                                     {},
                                     {},
                                     info.request_id,
                                     std::string(op.operation_id)});
    timer.expires_after(wait);
    co_await timer.async_wait(asio::use_awaitable);
  }
}

} // namespace detail
} // namespace coassist
