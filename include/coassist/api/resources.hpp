// The resources of a client, one class per group of the spec, nested as the official SDKs nest
// them: client.threads().runs().steps().list(...). Each method is one operation (see
// operations.hpp); *_and_poll, upload_* and list_all are the helpers built on them.
//
// Conventions of every method: the last two parameters are `request_options` and the completion
// token (default asio::use_awaitable); completion is void(std::exception_ptr, Result). `remove`
// is the DELETE operation (`delete` is a C++ keyword).
#pragma once

#include <coassist/api/client.hpp>
#include <coassist/api/files.hpp>
#include <coassist/api/models/models.hpp>
#include <coassist/api/pagination.hpp>
#include <coassist/api/polling.hpp>
#include <coassist/stream/run_stream.hpp>

#include <functional>
#include <string>
#include <utility>

namespace coassist {

namespace detail {
template <class T> json::value to_body(const T& request) {
  return json::value_from(request);
}
template <class Aw, class Token> auto spawn(const client& c, Aw&& aw, Token&& token) {
  return asio::co_spawn(c.get_executor(), std::forward<Aw>(aw), std::forward<Token>(token));
}
} // namespace detail

#define COASSIST_TOKEN_PARAMS request_options ro = {}, Token &&token = {}
#define COASSIST_FWD std::move(ro), std::forward<Token>(token)

class assistants_resource {
public:
  explicit assistants_resource(client c) : c_(std::move(c)) {}

  template <class Token = asio::use_awaitable_t<>>
  auto create(const api::create_assistant_request& req, COASSIST_TOKEN_PARAMS) const {
    return c_.call_as<api::assistant_object>(
        operation("createAssistant"), call_args::make({}, detail::to_body(req)), COASSIST_FWD);
  }
  template <class Token = asio::use_awaitable_t<>>
  auto retrieve(std::string assistant_id, COASSIST_TOKEN_PARAMS) const {
    return c_.call_as<api::assistant_object>(
        operation("getAssistant"), call_args::make({{"assistant_id", std::move(assistant_id)}}),
        COASSIST_FWD);
  }
  template <class Token = asio::use_awaitable_t<>>
  auto update(std::string assistant_id, const api::modify_assistant_request& req,
              COASSIST_TOKEN_PARAMS) const {
    return c_.call_as<api::assistant_object>(
        operation("modifyAssistant"),
        call_args::make({{"assistant_id", std::move(assistant_id)}}, detail::to_body(req)),
        COASSIST_FWD);
  }
  template <class Token = asio::use_awaitable_t<>>
  auto remove(std::string assistant_id, COASSIST_TOKEN_PARAMS) const {
    return c_.call_as<api::delete_assistant_response>(
        operation("deleteAssistant"), call_args::make({{"assistant_id", std::move(assistant_id)}}),
        COASSIST_FWD);
  }
  template <class Token = asio::use_awaitable_t<>>
  auto list(const list_params& p = {}, COASSIST_TOKEN_PARAMS) const {
    return c_.call_as<api::list_assistants_response>(
        operation("listAssistants"), call_args::make({}, {}, p.to_query()), COASSIST_FWD);
  }
  pager<api::list_assistants_response> list_all(list_params p = {}, request_options ro = {}) const {
    return {c_, operation("listAssistants"), {}, std::move(p), std::move(ro)};
  }

private:
  client c_;
};

class messages_resource {
public:
  explicit messages_resource(client c) : c_(std::move(c)) {}

  template <class Token = asio::use_awaitable_t<>>
  auto create(std::string thread_id, const api::create_message_request& req,
              COASSIST_TOKEN_PARAMS) const {
    return c_.call_as<api::message_object>(
        operation("createMessage"),
        call_args::make({{"thread_id", std::move(thread_id)}}, detail::to_body(req)), COASSIST_FWD);
  }
  template <class Token = asio::use_awaitable_t<>>
  auto retrieve(std::string thread_id, std::string message_id, COASSIST_TOKEN_PARAMS) const {
    return c_.call_as<api::message_object>(operation("getMessage"),
                                           call_args::make({{"thread_id", std::move(thread_id)},
                                                            {"message_id", std::move(message_id)}}),
                                           COASSIST_FWD);
  }
  template <class Token = asio::use_awaitable_t<>>
  auto update(std::string thread_id, std::string message_id, const api::modify_message_request& req,
              COASSIST_TOKEN_PARAMS) const {
    return c_.call_as<api::message_object>(operation("modifyMessage"),
                                           call_args::make({{"thread_id", std::move(thread_id)},
                                                            {"message_id", std::move(message_id)}},
                                                           detail::to_body(req)),
                                           COASSIST_FWD);
  }
  template <class Token = asio::use_awaitable_t<>>
  auto remove(std::string thread_id, std::string message_id, COASSIST_TOKEN_PARAMS) const {
    return c_.call_as<api::delete_message_response>(
        operation("deleteMessage"),
        call_args::make(
            {{"thread_id", std::move(thread_id)}, {"message_id", std::move(message_id)}}),
        COASSIST_FWD);
  }
  // params.extra may hold {"run_id", id} to list the messages of one run.
  template <class Token = asio::use_awaitable_t<>>
  auto list(std::string thread_id, const list_params& p = {}, COASSIST_TOKEN_PARAMS) const {
    return c_.call_as<api::list_messages_response>(
        operation("listMessages"),
        call_args::make({{"thread_id", std::move(thread_id)}}, {}, p.to_query()), COASSIST_FWD);
  }
  pager<api::list_messages_response> list_all(std::string thread_id, list_params p = {},
                                              request_options ro = {}) const {
    return {c_, operation("listMessages"), call_args::make({{"thread_id", std::move(thread_id)}}),
            std::move(p), std::move(ro)};
  }

private:
  client c_;
};

class run_steps_resource {
public:
  explicit run_steps_resource(client c) : c_(std::move(c)) {}

  // include: e.g. {"step_details.tool_calls[*].file_search.results[*].content"}
  template <class Token = asio::use_awaitable_t<>>
  auto retrieve(std::string thread_id, std::string run_id, std::string step_id,
                std::vector<std::string> include = {}, COASSIST_TOKEN_PARAMS) const {
    call_args a = call_args::make({{"thread_id", std::move(thread_id)},
                                   {"run_id", std::move(run_id)},
                                   {"step_id", std::move(step_id)}});
    for (auto& i : include)
      a.query.emplace_back("include[]", std::move(i));
    return c_.call_as<api::run_step_object>(operation("getRunStep"), std::move(a), COASSIST_FWD);
  }
  template <class Token = asio::use_awaitable_t<>>
  auto list(std::string thread_id, std::string run_id, const list_params& p = {},
            COASSIST_TOKEN_PARAMS) const {
    return c_.call_as<api::list_run_steps_response>(
        operation("listRunSteps"),
        call_args::make({{"thread_id", std::move(thread_id)}, {"run_id", std::move(run_id)}}, {},
                        p.to_query()),
        COASSIST_FWD);
  }
  pager<api::list_run_steps_response> list_all(std::string thread_id, std::string run_id,
                                               list_params p = {}, request_options ro = {}) const {
    return {c_, operation("listRunSteps"),
            call_args::make({{"thread_id", std::move(thread_id)}, {"run_id", std::move(run_id)}}),
            std::move(p), std::move(ro)};
  }

private:
  client c_;
};

class runs_resource {
public:
  explicit runs_resource(client c) : c_(std::move(c)) {}

  run_steps_resource steps() const { return run_steps_resource(c_); }

  template <class Token = asio::use_awaitable_t<>>
  auto create(std::string thread_id, const api::create_run_request& req,
              COASSIST_TOKEN_PARAMS) const {
    return c_.call_as<api::run_object>(
        operation("createRun"),
        call_args::make({{"thread_id", std::move(thread_id)}}, detail::to_body(req)), COASSIST_FWD);
  }
  template <class Token = asio::use_awaitable_t<>>
  auto retrieve(std::string thread_id, std::string run_id, COASSIST_TOKEN_PARAMS) const {
    return c_.call_as<api::run_object>(
        operation("getRun"),
        call_args::make({{"thread_id", std::move(thread_id)}, {"run_id", std::move(run_id)}}),
        COASSIST_FWD);
  }
  template <class Token = asio::use_awaitable_t<>>
  auto update(std::string thread_id, std::string run_id, const api::modify_run_request& req,
              COASSIST_TOKEN_PARAMS) const {
    return c_.call_as<api::run_object>(
        operation("modifyRun"),
        call_args::make({{"thread_id", std::move(thread_id)}, {"run_id", std::move(run_id)}},
                        detail::to_body(req)),
        COASSIST_FWD);
  }
  template <class Token = asio::use_awaitable_t<>>
  auto cancel(std::string thread_id, std::string run_id, COASSIST_TOKEN_PARAMS) const {
    return c_.call_as<api::run_object>(
        operation("cancelRun"),
        call_args::make({{"thread_id", std::move(thread_id)}, {"run_id", std::move(run_id)}}),
        COASSIST_FWD);
  }
  template <class Token = asio::use_awaitable_t<>>
  auto list(std::string thread_id, const list_params& p = {}, COASSIST_TOKEN_PARAMS) const {
    return c_.call_as<api::list_runs_response>(
        operation("listRuns"),
        call_args::make({{"thread_id", std::move(thread_id)}}, {}, p.to_query()), COASSIST_FWD);
  }
  pager<api::list_runs_response> list_all(std::string thread_id, list_params p = {},
                                          request_options ro = {}) const {
    return {c_, operation("listRuns"), call_args::make({{"thread_id", std::move(thread_id)}}),
            std::move(p), std::move(ro)};
  }
  template <class Token = asio::use_awaitable_t<>>
  auto submit_tool_outputs(std::string thread_id, std::string run_id,
                           const api::submit_tool_outputs_run_request& req,
                           COASSIST_TOKEN_PARAMS) const {
    return c_.call_as<api::run_object>(
        operation("submitToolOuputsToRun"),
        call_args::make({{"thread_id", std::move(thread_id)}, {"run_id", std::move(run_id)}},
                        detail::to_body(req)),
        COASSIST_FWD);
  }

  // Creates the run with `stream: true`: its events as a stream::run_stream.
  template <class Token = asio::use_awaitable_t<>>
  auto stream(std::string thread_id, const api::create_run_request& req,
              stream::sse_options so = {}, COASSIST_TOKEN_PARAMS) const {
    return detail::spawn(
        c_,
        stream::detail::open_run_stream(
            c_, operation("createRun"),
            call_args::make({{"thread_id", std::move(thread_id)}}, detail::to_body(req)),
            std::move(ro), so),
        std::forward<Token>(token));
  }
  // Submits tool outputs with `stream: true`: the run's next events as a stream::run_stream.
  // (Within one loop, run_stream::submit_tool_outputs continues the same stream object.)
  template <class Token = asio::use_awaitable_t<>>
  auto submit_tool_outputs_stream(std::string thread_id, std::string run_id,
                                  const api::submit_tool_outputs_run_request& req,
                                  stream::sse_options so = {}, COASSIST_TOKEN_PARAMS) const {
    return detail::spawn(
        c_,
        stream::detail::open_run_stream(
            c_, operation("submitToolOuputsToRun"),
            call_args::make({{"thread_id", std::move(thread_id)}, {"run_id", std::move(run_id)}},
                            detail::to_body(req)),
            std::move(ro), so),
        std::forward<Token>(token));
  }

  // Polls the run until it leaves queued / in_progress / cancelling.
  template <class Token = asio::use_awaitable_t<>>
  auto poll(std::string thread_id, std::string run_id, poll_options po = {},
            Token&& token = {}) const {
    return detail::spawn(c_, poll_impl(c_, std::move(thread_id), std::move(run_id), po),
                         std::forward<Token>(token));
  }
  template <class Token = asio::use_awaitable_t<>>
  auto create_and_poll(std::string thread_id, api::create_run_request req, poll_options po = {},
                       COASSIST_TOKEN_PARAMS) const {
    return detail::spawn(
        c_, create_and_poll_impl(c_, std::move(thread_id), std::move(req), po, std::move(ro)),
        std::forward<Token>(token));
  }
  template <class Token = asio::use_awaitable_t<>>
  auto submit_tool_outputs_and_poll(std::string thread_id, std::string run_id,
                                    api::submit_tool_outputs_run_request req, poll_options po = {},
                                    COASSIST_TOKEN_PARAMS) const {
    return detail::spawn(c_,
                         submit_and_poll_impl(c_, std::move(thread_id), std::move(run_id),
                                              std::move(req), po, std::move(ro)),
                         std::forward<Token>(token));
  }

private:
  static asio::awaitable<api::run_object> poll_impl(client c, std::string thread_id,
                                                    std::string run_id, poll_options po) {
    // built outside the co_await: g++ 12 rejects an initializer_list inside one
    call_args args = call_args::make({{"thread_id", thread_id}, {"run_id", run_id}});
    co_return co_await detail::poll_until<api::run_object>(c, operation("getRun"), std::move(args),
                                                           po, detail::run_is_pending);
  }
  static asio::awaitable<api::run_object> create_and_poll_impl(client c, std::string thread_id,
                                                               api::create_run_request req,
                                                               poll_options po,
                                                               request_options ro) {
    auto run = co_await runs_resource(c).create(thread_id, req, std::move(ro));
    co_return co_await poll_impl(c, thread_id, run.id, po);
  }
  static asio::awaitable<api::run_object>
  submit_and_poll_impl(client c, std::string thread_id, std::string run_id,
                       api::submit_tool_outputs_run_request req, poll_options po,
                       request_options ro) {
    auto run = co_await runs_resource(c).submit_tool_outputs(thread_id, run_id, req, std::move(ro));
    co_return co_await poll_impl(c, thread_id, run.id, po);
  }

  client c_;
};

class threads_resource {
public:
  explicit threads_resource(client c) : c_(std::move(c)) {}

  messages_resource messages() const { return messages_resource(c_); }
  runs_resource runs() const { return runs_resource(c_); }

  template <class Token = asio::use_awaitable_t<>>
  auto create(const api::create_thread_request& req = {}, COASSIST_TOKEN_PARAMS) const {
    return c_.call_as<api::thread_object>(operation("createThread"),
                                          call_args::make({}, detail::to_body(req)), COASSIST_FWD);
  }
  template <class Token = asio::use_awaitable_t<>>
  auto retrieve(std::string thread_id, COASSIST_TOKEN_PARAMS) const {
    return c_.call_as<api::thread_object>(operation("getThread"),
                                          call_args::make({{"thread_id", std::move(thread_id)}}),
                                          COASSIST_FWD);
  }
  template <class Token = asio::use_awaitable_t<>>
  auto update(std::string thread_id, const api::modify_thread_request& req,
              COASSIST_TOKEN_PARAMS) const {
    return c_.call_as<api::thread_object>(
        operation("modifyThread"),
        call_args::make({{"thread_id", std::move(thread_id)}}, detail::to_body(req)), COASSIST_FWD);
  }
  template <class Token = asio::use_awaitable_t<>>
  auto remove(std::string thread_id, COASSIST_TOKEN_PARAMS) const {
    return c_.call_as<api::delete_thread_response>(
        operation("deleteThread"), call_args::make({{"thread_id", std::move(thread_id)}}),
        COASSIST_FWD);
  }
  template <class Token = asio::use_awaitable_t<>>
  auto create_and_run(const api::create_thread_and_run_request& req, COASSIST_TOKEN_PARAMS) const {
    return c_.call_as<api::run_object>(operation("createThreadAndRun"),
                                       call_args::make({}, detail::to_body(req)), COASSIST_FWD);
  }
  // Creates a thread and a run with `stream: true`: its events as a stream::run_stream.
  template <class Token = asio::use_awaitable_t<>>
  auto create_and_run_stream(const api::create_thread_and_run_request& req,
                             stream::sse_options so = {}, COASSIST_TOKEN_PARAMS) const {
    return detail::spawn(c_,
                         stream::detail::open_run_stream(c_, operation("createThreadAndRun"),
                                                         call_args::make({}, detail::to_body(req)),
                                                         std::move(ro), so),
                         std::forward<Token>(token));
  }
  template <class Token = asio::use_awaitable_t<>>
  auto create_and_run_poll(api::create_thread_and_run_request req, poll_options po = {},
                           COASSIST_TOKEN_PARAMS) const {
    return detail::spawn(c_, create_and_run_poll_impl(c_, std::move(req), po, std::move(ro)),
                         std::forward<Token>(token));
  }

private:
  static asio::awaitable<api::run_object>
  create_and_run_poll_impl(client c, api::create_thread_and_run_request req, poll_options po,
                           request_options ro) {
    auto run = co_await threads_resource(c).create_and_run(req, std::move(ro));
    co_return co_await runs_resource(c).poll(run.thread_id, run.id, po);
  }

  client c_;
};

} // namespace coassist
