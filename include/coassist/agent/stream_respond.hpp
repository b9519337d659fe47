// The streaming twin of agent::respond (agent/respond.hpp): every event of every response is
// handed to the application as it arrives, and each round of tool calls between them.
//
//   agent::stream_respond_options o;
//   o.early_dispatch = true; // a call starts at its function_call_arguments.done event
//   auto loop = co_await agent::stream_respond(client, tools, request, o);
//   while (auto ev = co_await loop.next()) {
//     if (auto* e = std::get_if<responses::stream_event>(&*ev)) ...   // server events
//     if (auto* r = std::get_if<agent::response_round>(&*ev)) ...     // calls and outputs
//   }
//   const json::object& last = loop.final_response();
//
// The rules are respond()'s: outputs sent exactly once in call order, failed or incomplete
// responses thrown as response_error, max_rounds, the deadline, cancellation. Each response
// after the first is streamed too. With early dispatch, a call runs while the rest of its
// response still streams; should that response then fail, the calls still running are
// cancelled, every output is dropped and nothing is sent. When the stream of a response that
// carries outputs is lost after its head arrived (the outputs landed), the loop retrieves that
// response until it is over and goes on from it (background responses resume their stream
// instead, see responses::response_stream).
#pragma once

#include <coassist/agent/respond.hpp>
#include <coassist/responses/stream.hpp>

#include <memory>
#include <variant>

namespace coassist::agent {

struct stream_respond_options : respond_options {
  // Start each call at its `function_call_arguments.done` event instead of at the end of the
  // response.
  bool early_dispatch = false;
  // The streams' options (idle deadline, resumption of background ones).
  responses::stream_options stream{};
};

// What a streaming loop yields: every event of every response, and each round of tool calls
// (after its outputs were sent, before the events of the response that answers them).
using response_loop_event = std::variant<responses::stream_event, response_round>;

namespace detail {

// Calls started early, each on its own as its arguments are complete.
struct early_calls {
  std::vector<tools::tool_call> calls;
  std::vector<std::optional<tools::tool_output>> outputs;
  std::vector<std::unique_ptr<asio::cancellation_signal>> signals;
  std::size_t running = 0;
  std::optional<asio::steady_timer> all_done; // cancelled when `running` drops to 0

  void cancel_all() {
    for (auto& s : signals)
      s->emit(asio::cancellation_type::terminal);
  }
};

} // namespace detail

template <class ToolSet> class streaming_response_loop {
public:
  streaming_response_loop(client c, ToolSet tools, json::object request, stream_respond_options o,
                          std::string conversation_id, responses::response_stream first,
                          detail::loop_clock clock)
      : client_(std::move(c)), tools_(std::move(tools)), request_(std::move(request)),
        options_(std::move(o)), conversation_id_(std::move(conversation_id)),
        stream_(std::move(first)), clock_(std::move(clock)) {
    stream_.enable_accumulator();
  }
  streaming_response_loop(streaming_response_loop&&) noexcept = default;
  ~streaming_response_loop() {
    if (early_) early_->cancel_all(); // nothing outlives the loop but handlers winding down
  }

  // The next event or round; nullopt once a response holds no calls (final_response() then
  // holds it). Throws response_error for a failed or incomplete response (its calls are not
  // run; early-started ones are cancelled and their outputs dropped).
  asio::awaitable<std::optional<response_loop_event>> next() {
    if (ended_) co_return std::nullopt;
    if (recovered_next_) { // a reply read back from the conversation that calls tools again
      json::object r = std::move(*recovered_next_);
      recovered_next_.reset();
      co_return co_await end_of_leg(std::move(r));
    }
    if (!leg_over_) {
      std::optional<responses::stream_event> ev;
      try {
        ev = co_await stream_.next();
      } catch (const connection_error&) {
        // the outputs landed (the head arrived) but this leg's stream was lost: go on by
        // polling the response, when it is known (a background stream resumes by itself)
        if (stream_.response_id().empty()) throw;
        lost_leg_ = true;
      }
      if (ev) {
        if (options_.early_dispatch) maybe_start_early(*ev);
        co_return response_loop_event(std::move(*ev));
      }
      leg_over_ = true;
    }
    json::object response;
    if (lost_leg_)
      response = co_await poll_to_end(stream_.response_id());
    else if (const auto* acc = stream_.snapshots(); acc && acc->finished())
      response = acc->final_response();
    else { // over without a terminal event (a background response found cancelled)
      response["id"] = stream_.response_id();
      response["status"] = stream_.status().empty() ? "cancelled" : stream_.status();
    }
    lost_leg_ = false;
    co_return co_await end_of_leg(std::move(response));
  }

  // The last response (after next() gave nullopt).
  const json::object& final_response() const noexcept { return final_; }
  const std::string& conversation_id() const noexcept { return conversation_id_; }
  std::size_t rounds() const noexcept { return rounds_; }
  const responses::response_stream& stream() const noexcept { return stream_; }

private:
  asio::awaitable<std::optional<response_loop_event>> end_of_leg(json::object response) {
    std::vector<tools::tool_call> calls;
    std::exception_ptr not_success;
    try {
      detail::require_completed(response);
      calls = detail::function_calls_of(response);
      if (!calls.empty()) detail::check_round_limit(rounds_, options_, response, calls);
    } catch (...) {
      not_success = std::current_exception();
    }
    if (not_success) {
      ended_ = true;
      co_await drop_early(); // started early for a response that did not succeed: never sent
      std::rethrow_exception(not_success);
    }
    if (calls.empty()) {
      ended_ = true;
      final_ = std::move(response);
      co_await drop_early();
      co_return std::nullopt;
    }
    ++rounds_;
    response_round round{
        std::string(detail::string_field(response, "id")), std::move(calls), {}, {}};
    auto started = first_start_.value_or(std::chrono::steady_clock::now());
    round.outputs = co_await outputs_for(round.calls);
    round.dispatch_time = std::chrono::steady_clock::now() - started;
    first_start_.reset();
    json::object body = detail::continuation(request_, options_.chain, round.response_id,
                                             conversation_id_, round.outputs);
    body["stream"] = true;
    auto opened = co_await open_exactly_once(body, round.calls);
    if (opened) { // the answer is a new stream: its events come next
      stream_ = std::move(*opened);
      stream_.enable_accumulator();
      leg_over_ = false;
      co_return response_loop_event(std::move(round));
    }
    // It landed but its answer was lost (conversation mode): the reply was read back from the
    // conversation. The round is reported first; a reply that calls tools again is the next.
    recovered_flag_ = true;
    leg_over_ = true;
    if (detail::function_calls_of(recovered_).empty()) {
      ended_ = true;
      final_ = std::move(recovered_);
    } else {
      recovered_next_ = std::move(recovered_);
    }
    recovered_ = {};
    co_return response_loop_event(std::move(round));
  }

  // The outputs of `calls` in their order: those started early are awaited, the rest run now.
  asio::awaitable<std::vector<tools::tool_output>>
  outputs_for(const std::vector<tools::tool_call>& calls) {
    std::vector<tools::tool_output> out(calls.size());
    std::vector<tools::tool_call> rest;
    std::vector<std::size_t> rest_at;
    for (std::size_t i = 0; i < calls.size(); ++i) {
      std::size_t k = early_ ? early_index(calls[i].id) : npos;
      if (k == npos) rest.push_back(calls[i]), rest_at.push_back(i);
    }
    auto late = co_await tools_.dispatch(rest, detail::bounded(options_.dispatch, clock_));
    for (std::size_t j = 0; j < rest.size(); ++j)
      out[rest_at[j]] = std::move(late[j]);
    if (early_) {
      co_await wait_early();
      for (std::size_t i = 0; i < calls.size(); ++i)
        if (std::size_t k = early_index(calls[i].id); k != npos) {
          if (!early_->outputs[k])
            throw std::system_error(asio::error::operation_aborted, "coassist::agent early call");
          out[i] = std::move(*early_->outputs[k]);
        }
      early_.reset();
    }
    co_return out;
  }

  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
  std::size_t early_index(const std::string& call_id) const {
    for (std::size_t k = 0; k < early_->calls.size(); ++k)
      if (early_->calls[k].id == call_id) return k;
    return npos;
  }

  // At `function_call_arguments.done`, the call (its call_id is on the accumulated item).
  void maybe_start_early(const responses::stream_event& ev) {
    const auto* done = std::get_if<responses::response_function_call_arguments_done_event>(&ev);
    if (!done) return;
    const json::object* snap = stream_.snapshots()->snapshot();
    const json::value* output = snap ? snap->if_contains("output") : nullptr;
    if (!output || !output->is_array() || done->output_index < 0 ||
        static_cast<std::size_t>(done->output_index) >= output->get_array().size())
      return;
    const json::value& item = output->get_array()[static_cast<std::size_t>(done->output_index)];
    if (!item.is_object() || detail::string_field(item.get_object(), "type") != "function_call")
      return;
    tools::tool_call call{std::string(detail::string_field(item.get_object(), "call_id")),
                          done->name.empty()
                              ? std::string(detail::string_field(item.get_object(), "name"))
                              : done->name,
                          done->arguments};
    if (call.id.empty()) return; // no call_id yet: it runs with the rest at the end
    if (!early_) {
      early_ = std::make_shared<detail::early_calls>();
      early_->all_done.emplace(client_.get_executor(), asio::steady_timer::time_point::max());
    }
    if (early_index(call.id) != npos) return;
    if (!first_start_) first_start_ = std::chrono::steady_clock::now();
    std::size_t k = early_->calls.size();
    early_->calls.push_back(call);
    early_->outputs.emplace_back();
    early_->signals.push_back(std::make_unique<asio::cancellation_signal>());
    ++early_->running;
    auto st = early_;
    tools_.async_dispatch(client_.get_executor(), std::vector<tools::tool_call>{std::move(call)},
                          detail::bounded(options_.dispatch, clock_),
                          asio::bind_cancellation_slot(
                              early_->signals[k]->slot(),
                              [st, k](std::exception_ptr ep, std::vector<tools::tool_output> out) {
                                if (!ep && out.size() == 1) st->outputs[k] = std::move(out[0]);
                                if (--st->running == 0) st->all_done->cancel();
                              }));
  }

  asio::awaitable<void> wait_early() {
    auto st = early_;
    while (st->running > 0) {
      auto [ec] =
          co_await st->all_done->async_wait(asio::experimental::as_tuple(asio::use_awaitable));
      (void)ec;
    }
  }

  // The response failed or the loop ends: cancel what still runs, wait, keep nothing.
  asio::awaitable<void> drop_early() {
    if (!early_) co_return;
    early_->cancel_all();
    co_await wait_early();
    early_.reset();
  }

  // Opens the stream of the response that carries the outputs, exactly once (see
  // detail::submit_outputs). nullopt: it landed but its answer was lost; recovered_ holds the
  // reply read back from the conversation.
  asio::awaitable<std::optional<responses::response_stream>>
  open_exactly_once(const json::object& body, const std::vector<tools::tool_call>& calls) {
    const std::string key = detail::loop_idempotency_key();
    asio::steady_timer pause(co_await asio::this_coro::executor);
    for (int n = 1;; ++n) {
      request_options ro = detail::timed(clock_, "createResponse");
      ro.max_retries = 0;
      ro.idempotency_key = key;
      std::exception_ptr ep;
      try {
        co_return co_await responses::detail::open_response_stream(client_, json::value(body),
                                                                   options_.stream, ro);
      } catch (...) {
        ep = std::current_exception();
      }
      error_info e = error_info_of(ep);
      const bool duplicate =
          options_.chain == chain_mode::conversation && detail::is_duplicate_refusal(e);
      if (!duplicate && (!detail::may_have_applied(e) || n >= options_.max_submit_attempts))
        std::rethrow_exception(ep);
      if (options_.chain == chain_mode::conversation) {
        auto found = co_await detail::search_conversation(client_, conversation_id_, calls, clock_);
        if (found.applied()) {
          recovered_ = detail::recovered_response(found.reply(), conversation_id_);
          co_return std::nullopt;
        }
        if (found.partially_applied() || duplicate || n >= options_.max_submit_attempts)
          std::rethrow_exception(ep);
      }
      auto wait = std::chrono::milliseconds(100) * n;
      if (auto left = clock_.left("createResponse"); left && *left < wait) wait = *left;
      pause.expires_after(wait);
      co_await pause.async_wait(asio::use_awaitable);
    }
  }

  // Retrieves the response until it is over (its stream was lost after the head).
  asio::awaitable<json::object> poll_to_end(std::string id) {
    asio::steady_timer pause(co_await asio::this_coro::executor);
    for (;;) {
      call_args args;
      args.path.emplace_back("response_id", id);
      json::value v = co_await client_.call(responses::operation("getResponse"), std::move(args),
                                            detail::timed(clock_, "getResponse"));
      auto status = detail::string_field(v.as_object(), "status");
      if (status != "queued" && status != "in_progress") co_return std::move(v.as_object());
      pause.expires_after(client_.options().poll_interval);
      co_await pause.async_wait(asio::use_awaitable);
    }
  }

public:
  // The last response's answer was lost after it was applied and it was rebuilt from the
  // conversation (see respond_result::recovered).
  bool recovered() const noexcept { return recovered_flag_; }

private:
  client client_;
  ToolSet tools_;
  json::object request_;
  stream_respond_options options_;
  std::string conversation_id_;
  responses::response_stream stream_;
  detail::loop_clock clock_;
  std::shared_ptr<detail::early_calls> early_;
  std::optional<std::chrono::steady_clock::time_point> first_start_;
  json::object recovered_, final_;
  std::optional<json::object> recovered_next_;
  std::size_t rounds_ = 0;
  bool ended_ = false, leg_over_ = false, lost_leg_ = false, recovered_flag_ = false;
};

// Creates a streamed response and returns the loop that drives it (see respond()).
template <class ToolSet>
asio::awaitable<streaming_response_loop<ToolSet>>
stream_respond(client c, ToolSet tools, json::object request, stream_respond_options o = {}) {
  detail::loop_clock clock(o.deadline);
  std::string conversation = co_await detail::prepare_request(
      c, request, tools.definitions(tools::api_shape::responses), o, clock);
  auto first = co_await responses::detail::open_response_stream(
      c, json::value(request), o.stream, detail::timed(clock, "createResponse"));
  co_return streaming_response_loop<ToolSet>(std::move(c), std::move(tools), std::move(request),
                                             std::move(o), std::move(conversation),
                                             std::move(first), std::move(clock));
}

} // namespace coassist::agent
