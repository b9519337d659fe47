// Run loops: drive an Assistants run to its end, running the function tools the model calls.
// Whenever the run reaches `requires_action`, its calls are dispatched in parallel by a
// tools::tool_set and the outputs are submitted together, until the run is terminal.
//
//   auto tools = tools::make_tool_set(tools::tool("get_weather", "...", get_weather));
//   // polling:
//   api::run_object run = co_await agent::create_and_run(client, tools, thread_id, request);
//   // streaming, every event still reaches the application:
//   auto loop = co_await agent::stream_run(client, tools, thread_id, request);
//   while (auto ev = co_await loop.next()) {
//     if (auto* e = std::get_if<api::stream_event>(&*ev)) ...          // server events
//     if (auto* t = std::get_if<agent::tool_round>(&*ev)) ...           // calls and outputs
//   }
//
// Outputs are submitted exactly once. A submission is never retried blindly: when it fails in a
// way that leaves open whether the server applied it (connection lost, timeout, 5xx), the loop
// looks at the run first, and submits again only while the run still waits for those same
// calls. If the outputs did land but a streamed continuation was lost with the connection, the
// streaming loop goes on by polling and reports the run's end as a run event.
//
// Loops run on the client's executor: an io_context driven by poll() each frame (a game loop)
// or a thread pool; nothing blocks.
#pragma once

#include <coassist/api.hpp>
#include <coassist/stream/run_stream.hpp>
#include <coassist/tools/tool_set.hpp>

#include <optional>
#include <set>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace coassist::agent {

struct run_loop_options {
  tools::dispatch_options dispatch{};
  poll_options poll{};
  // requires_action rounds before the loop gives up (a model stuck calling tools).
  std::size_t max_rounds = 64;
  // Submissions of one round's outputs, counting the first.
  int max_submit_attempts = 4;
};

// One requires_action round: the calls the model made and what the tools answered.
struct tool_round {
  std::string run_id;
  std::vector<tools::tool_call> calls;
  std::vector<tools::tool_output> outputs;
  std::chrono::steady_clock::duration dispatch_time{}; // running the tools, submission excluded
};

// The function calls a requires_action run waits for, as protocol-neutral tool calls.
inline std::vector<tools::tool_call> tool_calls_of(const api::run_object& run) {
  std::vector<tools::tool_call> calls;
  if (!run.required_action) return calls;
  for (const auto& c : run.required_action->submit_tool_outputs.tool_calls)
    calls.push_back({c.id, c.function.name, c.function.arguments});
  return calls;
}

inline api::submit_tool_outputs_run_request
submission_of(std::span<const tools::tool_output> outputs) {
  api::submit_tool_outputs_run_request req;
  for (const auto& o : outputs) {
    api::submit_tool_outputs_run_request_tool_outputs_item item;
    item.tool_call_id = o.tool_call_id;
    item.output = o.output;
    req.tool_outputs.push_back(std::move(item));
  }
  return req;
}

namespace detail {

inline std::set<std::string> call_ids(const api::run_object& run) {
  std::set<std::string> ids;
  for (const auto& c : tool_calls_of(run))
    ids.insert(c.id);
  return ids;
}

// Could the server have applied a request that failed this way?
inline bool outcome_unknown(const error_info& e) {
  return e.kind == errc::connection || e.kind == errc::timeout || e.kind == errc::internal_server ||
         e.kind == errc::rate_limit || e.kind == errc::invalid_response;
}

// Still waiting for the outputs of the same calls: the submission did not land.
inline bool still_waiting(const api::run_object& now, const std::set<std::string>& ids) {
  return now.status == "requires_action" && call_ids(now) == ids;
}

// Runs `attempt` (a submission) until it lands exactly once. `attempt` returns an
// exception_ptr (null on success). Returns true if the submission was answered, false if it
// landed but its answer was lost (the run moved on).
template <class Attempt>
asio::awaitable<bool> submit_exactly_once(client c, const api::run_object& run, int max_attempts,
                                          Attempt attempt) {
  const auto ids = call_ids(run);
  asio::steady_timer pause(co_await asio::this_coro::executor);
  for (int n = 1;; ++n) {
    std::exception_ptr ep = co_await attempt();
    if (!ep) co_return true;
    error_info e = error_info_of(ep);
    if (!outcome_unknown(e) || n >= max_attempts) std::rethrow_exception(ep);
    // The server may have applied it: look before submitting again (this GET may retry).
    api::run_object now = co_await c.threads().runs().retrieve(run.thread_id, run.id);
    if (!still_waiting(now, ids)) co_return false;
    pause.expires_after(std::chrono::milliseconds(100) * n);
    co_await pause.async_wait(asio::use_awaitable);
  }
}

inline std::string fresh_idempotency_key() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return coassist::detail::random_key(rng);
}

// A run event for a run object fetched by polling (when a streamed continuation was lost).
inline api::stream_event run_status_event(api::run_object run) {
  std::string_view s = run.status;
  if (s == "completed") return api::thread_run_completed_event{std::move(run)};
  if (s == "failed") return api::thread_run_failed_event{std::move(run)};
  if (s == "cancelled") return api::thread_run_cancelled_event{std::move(run)};
  if (s == "expired") return api::thread_run_expired_event{std::move(run)};
  if (s == "incomplete") return api::thread_run_incomplete_event{std::move(run)};
  if (s == "requires_action") return api::thread_run_requires_action_event{std::move(run)};
  if (s == "cancelling") return api::thread_run_cancelling_event{std::move(run)};
  if (s == "queued") return api::thread_run_queued_event{std::move(run)};
  return api::thread_run_in_progress_event{std::move(run)};
}

inline void check_rounds(std::size_t round, const run_loop_options& o, const api::run_object& run) {
  if (round >= o.max_rounds)
    throw usage_error(error_info{errc::invalid_argument,
                                 0,
                                 "the run still requires action after " +
                                     std::to_string(o.max_rounds) + " tool rounds",
                                 {},
                                 {},
                                 {},
                                 {},
                                 run.id});
}

} // namespace detail

// Drives an existing run (as returned by create) to a terminal state, polling.
template <class ToolSet>
asio::awaitable<api::run_object> run_to_completion(client c, ToolSet tools, api::run_object run,
                                                   run_loop_options o = {}) {
  for (std::size_t round = 0;; ++round) {
    run = co_await c.threads().runs().poll(run.thread_id, run.id, o.poll);
    if (run.status != "requires_action") co_return run;
    detail::check_rounds(round, o, run);
    auto calls = tool_calls_of(run);
    auto outputs = co_await tools.dispatch(calls, o.dispatch);
    auto req = submission_of(outputs);
    request_options ro;
    ro.max_retries = 0; // the loop decides about retries, after looking at the run
    ro.idempotency_key = detail::fresh_idempotency_key();
    co_await detail::submit_exactly_once(
        c, run, o.max_submit_attempts, [&]() -> asio::awaitable<std::exception_ptr> {
          auto [ep, r] = co_await c.threads().runs().submit_tool_outputs(
              run.thread_id, run.id, req, ro, asio::experimental::as_tuple(asio::use_awaitable));
          co_return ep;
        });
  }
}

// Creates a run on the thread and drives it to a terminal state, polling.
template <class ToolSet>
asio::awaitable<api::run_object> create_and_run(client c, ToolSet tools, std::string thread_id,
                                                api::create_run_request req,
                                                run_loop_options o = {}) {
  auto run = co_await c.threads().runs().create(thread_id, req);
  co_return co_await run_to_completion(c, std::move(tools), std::move(run), std::move(o));
}

// What a streaming loop yields: every server event, and each tool round it ran.
using loop_event = std::variant<api::stream_event, tool_round>;

template <class ToolSet> class streaming_run_loop {
public:
  streaming_run_loop(client c, ToolSet tools, stream::run_stream s, run_loop_options o)
      : client_(std::move(c)), tools_(std::move(tools)), stream_(std::move(s)),
        options_(std::move(o)) {}
  streaming_run_loop(streaming_run_loop&&) noexcept = default;

  // The next event; nullopt when the run has ended (after its terminal event and `done`).
  asio::awaitable<std::optional<loop_event>> next() {
    if (ended_) co_return std::nullopt;
    if (polling_) co_return co_await next_by_polling();
    auto ev = co_await stream_.next();
    bool round_due =
        stream_.requires_action() && (!ev || std::holds_alternative<api::done_event>(*ev));
    if (!round_due) {
      if (!ev) ended_ = true;
      co_return ev ? std::optional<loop_event>(std::move(*ev)) : std::nullopt;
    }
    // requires_action: the `done` of this leg is not the end of the run
    co_return loop_event(co_await run_round(*stream_.current_run()));
  }

  // Snapshots across every leg of the run (see stream::accumulator).
  stream::accumulator& enable_accumulator() { return stream_.enable_accumulator(); }
  const stream::run_stream& stream() const noexcept { return stream_; }
  // Cancels the run on the server and ends the loop.
  asio::awaitable<api::run_object> cancel() {
    ended_ = true;
    co_return co_await stream_.cancel();
  }

private:
  asio::awaitable<tool_round> run_round(api::run_object run) {
    detail::check_rounds(rounds_++, options_, run);
    tool_round round{run.id, tool_calls_of(run), {}, {}};
    auto started = std::chrono::steady_clock::now();
    round.outputs = co_await tools_.dispatch(round.calls, options_.dispatch);
    round.dispatch_time = std::chrono::steady_clock::now() - started;
    auto req = submission_of(round.outputs);
    request_options ro;
    ro.max_retries = 0;
    ro.idempotency_key = detail::fresh_idempotency_key();
    bool answered = co_await detail::submit_exactly_once(
        client_, run, options_.max_submit_attempts, [&]() -> asio::awaitable<std::exception_ptr> {
          try {
            co_await stream_.submit_tool_outputs(req, ro);
          } catch (...) {
            co_return std::current_exception();
          }
          co_return nullptr;
        });
    if (!answered) { // the outputs landed but their stream was lost: go on by polling
      polling_ = true;
      poll_run_ = std::move(run);
    }
    co_return round;
  }

  asio::awaitable<std::optional<loop_event>> next_by_polling() {
    auto run =
        co_await client_.threads().runs().poll(poll_run_.thread_id, poll_run_.id, options_.poll);
    if (run.status == "requires_action") {
      // a new round: submit with a stream again, and read events from it
      auto round = co_await run_round_polled(std::move(run));
      co_return loop_event(std::move(round));
    }
    ended_ = true;
    co_return loop_event(detail::run_status_event(std::move(run)));
  }

  asio::awaitable<tool_round> run_round_polled(api::run_object run) {
    // the submission of this round opens a fresh stream, which the loop then reads
    polling_ = false;
    detail::check_rounds(rounds_++, options_, run);
    tool_round round{run.id, tool_calls_of(run), {}, {}};
    auto started = std::chrono::steady_clock::now();
    round.outputs = co_await tools_.dispatch(round.calls, options_.dispatch);
    round.dispatch_time = std::chrono::steady_clock::now() - started;
    auto req = submission_of(round.outputs);
    req.stream = api::nullable<bool>(true);
    request_options ro;
    ro.max_retries = 0;
    ro.idempotency_key = detail::fresh_idempotency_key();
    std::optional<stream::run_stream> opened;
    bool answered = co_await detail::submit_exactly_once(
        client_, run, options_.max_submit_attempts, [&]() -> asio::awaitable<std::exception_ptr> {
          auto [ep, s] = co_await client_.threads().runs().submit_tool_outputs_stream(
              run.thread_id, run.id, req, {}, ro,
              asio::experimental::as_tuple(asio::use_awaitable));
          if (!ep) opened.emplace(std::move(s));
          co_return ep;
        });
    if (answered && opened)
      stream_ = std::move(*opened);
    else {
      polling_ = true;
      poll_run_ = std::move(run);
    }
    co_return round;
  }

  client client_;
  ToolSet tools_;
  stream::run_stream stream_;
  run_loop_options options_;
  std::size_t rounds_ = 0;
  bool ended_ = false;
  bool polling_ = false;
  api::run_object poll_run_{};
};

// Creates a streamed run on the thread and returns the loop that drives it.
template <class ToolSet>
asio::awaitable<streaming_run_loop<ToolSet>>
stream_run(client c, ToolSet tools, std::string thread_id, api::create_run_request req,
           run_loop_options o = {}) {
  auto s = co_await c.threads().runs().stream(std::move(thread_id), req);
  co_return streaming_run_loop<ToolSet>(c, std::move(tools), std::move(s), std::move(o));
}

// Creates a thread and a streamed run on it and returns the loop that drives it.
template <class ToolSet>
asio::awaitable<streaming_run_loop<ToolSet>>
stream_thread_and_run(client c, ToolSet tools, api::create_thread_and_run_request req,
                      run_loop_options o = {}) {
  auto s = co_await c.threads().create_and_run_stream(req);
  co_return streaming_run_loop<ToolSet>(c, std::move(tools), std::move(s), std::move(o));
}

} // namespace coassist::agent
