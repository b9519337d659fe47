// Agent loops on the Responses API: create a response, run every function call it holds in
// parallel with a tools::tool_set, send the outputs back as `function_call_output` items, and
// repeat until a response holds no calls.
//
//   auto tools = tools::make_tool_set(tools::tool("get_weather", "...", get_weather));
//   json::object request = {{"model", "gpt-4.1"}, {"input", "Weather in Paris and Oslo?"}};
//   agent::respond_result r = co_await agent::respond(client, tools, request);
//   std::cout << r.output_text();
//
// The request's `tools` default to the tool set's definitions (Responses shape). Each response
// after the first carries only the outputs as input, and the first request's other settings
// (model, tools, instructions, text format...: `previous_response_id` does not carry
// `instructions` forward, so they are sent again).
//
// Chaining (respond_options::chain):
// - previous_response_id (default): each response names the one whose calls it answers.
// - conversation: every response is appended to a conversation (the request's `conversation`,
//   or a new one the loop creates), which then holds the whole exchange.
//
// Exactly once: every call gets exactly one output, never none (the service's "No tool output
// found for function call") and never two (its "Duplicate item"). An output submission is sent
// with its own Idempotency-Key and no transport retry; when it fails in a way that leaves open
// whether the server applied it (connection lost, timeout, 429, 5xx, an unreadable answer):
// - conversation mode: the loop looks for the round's call_ids among the conversation's items
//   before sending again. If the outputs are there, the submission landed; the items that
//   follow them are the model's reply, and the loop goes on from them (respond_result::recovered:
//   the response object itself was lost, so it is rebuilt from those items, without an id).
//   A resend refused as a duplicate is looked up the same way.
// - previous_response_id mode: no lookup exists (a response cannot be found by what it was
//   sent). The loop sends again with the SAME Idempotency-Key, so a server that deduplicates
//   by key answers with the first response. One that does not creates a second response
//   chained to the same previous response: a sibling, not a duplicate. The chain the loop goes
//   on with still holds each output exactly once; the lost sibling is an orphan (stored if
//   `store` is on). At most max_submit_attempts sends, with a growing pause.
// A request refused outright (400, 404...) is not sent again.
//
// A response that ends failed, cancelled or incomplete is never taken for success: the loop
// throws response_error and runs none of its calls. Cancellation (of the awaiting coroutine)
// reaches the tool handlers in flight and sends nothing more; an overall deadline bounds the
// whole loop. Nothing blocks: an io_context driven by poll() each frame works.
#pragma once

#include <coassist/agent/detail/response_chain.hpp>
#include <coassist/api/client.hpp>
#include <coassist/responses/operations.hpp>
#include <coassist/tools/tool_set.hpp>

#include <chrono>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace coassist::agent {

using detail::chain_mode;

struct respond_options {
  tools::dispatch_options dispatch{};
  chain_mode chain = chain_mode::previous_response_id;
  // Rounds of tool calls before the loop gives up (a model stuck calling tools).
  std::size_t max_rounds = 10;
  // Sends of one round's outputs, counting the first.
  int max_submit_attempts = 4;
  // Bounds the whole loop (every request, the tools and the pauses); none by default.
  std::optional<std::chrono::steady_clock::duration> deadline{};
};

// One round: the calls a response held and what the tools answered.
struct response_round {
  std::string response_id;
  std::vector<tools::tool_call> calls; // tool_call::id is the call_id
  std::vector<tools::tool_output> outputs;
  std::chrono::steady_clock::duration dispatch_time{}; // running the tools, sending excluded
};

struct respond_result {
  json::object response; // the last response: `completed`, with no function call
  std::vector<response_round> rounds;
  std::string conversation_id; // conversation mode: the conversation that holds it all
  // The last response's answer was lost after the server applied it; `response` was rebuilt
  // from the conversation's items (conversation mode only) and has no id.
  bool recovered = false;

  // The text of the last response's output_text parts, in order.
  std::string output_text() const {
    std::string text;
    auto* output = response.if_contains("output");
    if (!output || !output->is_array()) return text;
    for (const auto& item : output->get_array()) {
      if (!item.is_object() || detail::string_field(item.get_object(), "type") != "message")
        continue;
      auto* content = item.get_object().if_contains("content");
      if (!content || !content->is_array()) continue;
      for (const auto& part : content->get_array())
        if (part.is_object() && detail::string_field(part.get_object(), "type") == "output_text")
          text += detail::string_field(part.get_object(), "text");
    }
    return text;
  }
};

namespace detail {

inline std::string loop_idempotency_key() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return coassist::detail::random_key(rng);
}

// Could the server have applied a request that failed this way?
inline bool may_have_applied(const error_info& e) {
  return e.kind == errc::connection || e.kind == errc::timeout || e.kind == errc::internal_server ||
         e.kind == errc::rate_limit || e.kind == errc::invalid_response;
}

class loop_clock {
public:
  explicit loop_clock(std::optional<std::chrono::steady_clock::duration> d)
      : end_(d ? std::optional(std::chrono::steady_clock::now() + *d) : std::nullopt) {}
  // The time left, for a request's overall timeout; throws timeout_error once it is spent.
  std::optional<std::chrono::milliseconds> left(std::string_view doing) const {
    if (!end_) return std::nullopt;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        *end_ - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      fail(errc::timeout, "the agent loop's deadline passed", std::string(doing));
    return left;
  }

private:
  std::optional<std::chrono::steady_clock::time_point> end_;
};

inline request_options timed(const loop_clock& clock, std::string_view doing) {
  request_options ro;
  if (auto left = clock.left(doing)) ro.timeout = *left;
  return ro;
}

inline asio::awaitable<json::object> create_response(const client& c, const json::object& body,
                                                     request_options ro) {
  call_args args;
  args.body = json::value(body);
  json::value v =
      co_await c.call(responses::operation("createResponse"), std::move(args), std::move(ro));
  if (!v.is_object())
    fail(errc::invalid_response, "createResponse answered a JSON value that is not an object");
  co_return std::move(v.get_object());
}

// Looks for a lost round's outputs among the conversation's items (newest first, bounded).
inline asio::awaitable<lost_submission_search>
search_conversation(const client& c, const std::string& conversation_id,
                    std::span<const tools::tool_call> calls, const loop_clock& clock) {
  lost_submission_search search(calls);
  std::string after;
  constexpr int max_pages = 50; // 5,000 items: a round's calls are among the newest
  for (int page = 0; page < max_pages && !search.done(); ++page) {
    call_args args = call_args::make({{"conversation_id", conversation_id}}, {},
                                     {{"order", "desc"}, {"limit", "100"}});
    if (!after.empty()) args.query.emplace_back("after", after);
    json::value list = co_await c.call(responses::operation("listConversationItems"),
                                       std::move(args), timed(clock, "listConversationItems"));
    const auto& o = list.as_object();
    const auto& data = o.at("data").as_array();
    if (search.feed(data) || data.empty()) break;
    auto* more = o.if_contains("has_more");
    if (!more || !more->is_bool() || !more->get_bool()) break;
    after = std::string(string_field(o, "last_id"));
    if (after.empty()) break;
  }
  co_return search;
}

struct submitted {
  json::object response;
  bool recovered = false;
};

// Sends one round's outputs exactly once (see the header comment).
inline asio::awaitable<submitted>
submit_outputs(const client& c, const json::object& body, chain_mode mode,
               const std::string& conversation_id, std::span<const tools::tool_call> calls,
               const respond_options& o, const loop_clock& clock) {
  const std::string key = loop_idempotency_key();
  asio::steady_timer pause(co_await asio::this_coro::executor);
  for (int n = 1;; ++n) {
    request_options ro = timed(clock, "createResponse");
    ro.max_retries = 0; // the loop decides, after looking
    ro.idempotency_key = key;
    call_args args;
    args.body = json::value(body);
    auto [ep, v] =
        co_await c.call(responses::operation("createResponse"), std::move(args), std::move(ro),
                        asio::experimental::as_tuple(asio::use_awaitable));
    if (!ep) {
      if (!v.is_object())
        agent::detail::fail(errc::invalid_response,
                            "createResponse answered a value that is not an object");
      co_return submitted{std::move(v.get_object()), false};
    }
    error_info e = error_info_of(ep);
    const bool duplicate = mode == chain_mode::conversation && is_duplicate_refusal(e);
    if (!duplicate && (!may_have_applied(e) || n >= o.max_submit_attempts))
      std::rethrow_exception(ep);
    if (mode == chain_mode::conversation) {
      auto found = co_await search_conversation(c, conversation_id, calls, clock);
      if (found.applied())
        co_return submitted{recovered_response(found.reply(), conversation_id), true};
      if (found.partially_applied() || duplicate || n >= o.max_submit_attempts)
        std::rethrow_exception(ep); // a state this loop did not make: never guess
    }
    auto wait = std::chrono::milliseconds(100) * n;
    if (auto left = clock.left("createResponse"); left && *left < wait) wait = *left;
    pause.expires_after(wait);
    co_await pause.async_wait(asio::use_awaitable);
  }
}

inline void check_round_limit(std::size_t rounds_done, const respond_options& o,
                              const json::object& response,
                              std::span<const tools::tool_call> calls) {
  if (rounds_done < o.max_rounds) return;
  std::string names;
  for (const auto& c : calls)
    names += (names.empty() ? "" : ", ") + c.name;
  fail(errc::invalid_argument,
       "the model still calls tools after " + std::to_string(o.max_rounds) + " rounds (round " +
           std::to_string(rounds_done) + " ended with calls to " + names + ")",
       "response " + std::string(string_field(response, "id")));
}

// Fills in the first request: the tool set's definitions when it names no tools, and in
// conversation mode the conversation (a new one when it names none). Returns its id.
inline asio::awaitable<std::string> prepare_request(const client& c, json::object& request,
                                                    json::array tool_definitions,
                                                    const respond_options& o,
                                                    const loop_clock& clock) {
  if (!request.contains("tools")) request["tools"] = std::move(tool_definitions);
  if (o.chain != chain_mode::conversation) co_return std::string();
  if (request.contains("previous_response_id"))
    fail(errc::invalid_argument,
         "conversation chaining: the request must not name a previous_response_id");
  std::string id = conversation_of(request);
  if (id.empty()) {
    call_args args;
    args.body = json::object{};
    json::value conv = co_await c.call(responses::operation("createConversation"), std::move(args),
                                       timed(clock, "createConversation"));
    id = std::string(string_field(conv.as_object(), "id"));
    request["conversation"] = id;
  }
  co_return id;
}

// The dispatch options, with each call's deadline no later than the loop's.
inline tools::dispatch_options bounded(tools::dispatch_options d, const loop_clock& clock) {
  if (auto left = clock.left("dispatch");
      left && (d.per_call_timeout.count() == 0 || *left < d.per_call_timeout))
    d.per_call_timeout = std::chrono::duration_cast<decltype(d.per_call_timeout)>(*left);
  return d;
}

} // namespace detail

// The loop, on a request given as JSON (a CreateResponse body).
template <class ToolSet>
asio::awaitable<respond_result> respond(client c, ToolSet tools, json::object request,
                                        respond_options o = {}) {
  detail::loop_clock clock(o.deadline);
  respond_result result;
  result.conversation_id = co_await detail::prepare_request(
      c, request, tools.definitions(tools::api_shape::responses), o, clock);
  json::object response =
      co_await detail::create_response(c, request, detail::timed(clock, "createResponse"));
  for (;;) {
    detail::require_completed(response);
    auto calls = detail::function_calls_of(response);
    if (calls.empty()) break;
    detail::check_round_limit(result.rounds.size(), o, response, calls);
    response_round round{
        std::string(detail::string_field(response, "id")), std::move(calls), {}, {}};
    auto started = std::chrono::steady_clock::now();
    round.outputs = co_await tools.dispatch(round.calls, detail::bounded(o.dispatch, clock));
    round.dispatch_time = std::chrono::steady_clock::now() - started;
    json::object next = detail::continuation(request, o.chain, round.response_id,
                                             result.conversation_id, round.outputs);
    auto sent = co_await detail::submit_outputs(c, next, o.chain, result.conversation_id,
                                                round.calls, o, clock);
    result.rounds.push_back(std::move(round));
    response = std::move(sent.response);
    result.recovered = sent.recovered;
  }
  result.response = std::move(response);
  co_return result;
}

// The loop on a typed request (responses::create_response, or any type json::value_from takes).
template <class ToolSet, class Request>
requires(!std::is_same_v<std::decay_t<Request>, json::object>)
    asio::awaitable<respond_result> respond(client c, ToolSet tools, const Request& request,
                                            respond_options o = {}) {
  json::value body = json::value_from(request);
  co_return co_await respond(std::move(c), std::move(tools), std::move(body.as_object()),
                             std::move(o));
}

} // namespace coassist::agent
