// The Responses and Conversations resources of a client, nested as the official SDKs nest them:
//
//   auto r = co_await client.responses().create(req);
//   auto items = client.responses().input_items().list_all(r.id);
//   auto conv = co_await client.conversations().create();
//   co_await client.conversations().items().create(conv.id, body);
//
// Every method is one operation of <coassist/responses/operations.hpp>, with the conventions of the
// Assistants resources: the last two parameters are `request_options` and the completion token
// (default asio::use_awaitable); completion is void(std::exception_ptr, Result), or
// void(std::exception_ptr) for responses().remove (the spec declares no body for it). `remove` is
// the DELETE operation (`delete` is a C++ keyword). This header includes the Responses models
// only, never the Assistants ones (and <coassist/api.hpp> never includes this one).
#pragma once

#include <coassist/api/client.hpp>
#include <coassist/api/pagination.hpp>
#include <coassist/responses/models/models.hpp>
#include <coassist/responses/operations.hpp>
#include <coassist/responses/response_helpers.hpp>

#include <string>
#include <utility>
#include <vector>

namespace coassist {

namespace responses::detail {
template <class T> json::value to_body(const T& request) {
  return json::value_from(request);
}
// `include` query values, repeated under the spec's name ("include=a&include=b").
inline void add_include(call_args& a, std::vector<std::string> include) {
  for (auto& i : include)
    a.query.emplace_back("include", std::move(i));
}
inline asio::awaitable<void> discard_body(client c, const api::operation_info& op, call_args args,
                                          request_options ro) {
  net::response r = co_await c.call_raw(op, std::move(args), std::move(ro), asio::use_awaitable);
  (void)r; // deleteResponse: the spec declares no body; whatever came is not a model
}
} // namespace responses::detail

// client.responses().input_items(): the items a response was given as input.
class input_items_resource {
public:
  explicit input_items_resource(client c) : c_(std::move(c)) {}

  // p.extra may hold {"include", "message.input_image.image_url"} and the like.
  template <class Token = asio::use_awaitable_t<>>
  auto list(std::string response_id, const list_params& p = {}, request_options ro = {},
            Token&& token = {}) const {
    return c_.call_as<responses::response_item_list>(
        responses::operation("listInputItems"),
        call_args::make({{"response_id", std::move(response_id)}}, {}, p.to_query()), std::move(ro),
        std::forward<Token>(token));
  }
  pager<responses::response_item_list> list_all(std::string response_id, list_params p = {},
                                                request_options ro = {}) const {
    return {c_, responses::operation("listInputItems"),
            call_args::make({{"response_id", std::move(response_id)}}), std::move(p),
            std::move(ro)};
  }

private:
  client c_;
};

// client.responses().input_tokens(): how many input tokens a request would use.
class input_tokens_resource {
public:
  explicit input_tokens_resource(client c) : c_(std::move(c)) {}

  template <class Token = asio::use_awaitable_t<>>
  auto count(const responses::token_counts_body& req, request_options ro = {},
             Token&& token = {}) const {
    return c_.call_as<responses::token_counts_resource>(
        responses::operation("Getinputtokencounts"),
        call_args::make({}, responses::detail::to_body(req)), std::move(ro),
        std::forward<Token>(token));
  }

private:
  client c_;
};

class responses_resource {
public:
  explicit responses_resource(client c) : c_(std::move(c)) {}

  input_items_resource input_items() const { return input_items_resource(c_); }
  input_tokens_resource input_tokens() const { return input_tokens_resource(c_); }

  // Creates a response and answers it whole (for the events as they come, see stream()).
  template <class Token = asio::use_awaitable_t<>>
  auto create(const responses::create_response& req, request_options ro = {},
              Token&& token = {}) const {
    return c_.call_as<responses::response>(responses::operation("createResponse"),
                                           call_args::make({}, responses::detail::to_body(req)),
                                           std::move(ro), std::forward<Token>(token));
  }
  // include: e.g. {"message.output_text.logprobs"}.
  template <class Token = asio::use_awaitable_t<>>
  auto retrieve(std::string response_id, std::vector<std::string> include = {},
                request_options ro = {}, Token&& token = {}) const {
    call_args a = call_args::make({{"response_id", std::move(response_id)}});
    responses::detail::add_include(a, std::move(include));
    return c_.call_as<responses::response>(responses::operation("getResponse"), std::move(a),
                                           std::move(ro), std::forward<Token>(token));
  }
  // Completion: void(std::exception_ptr).
  template <class Token = asio::use_awaitable_t<>>
  auto remove(std::string response_id, request_options ro = {}, Token&& token = {}) const {
    return asio::co_spawn(
        c_.get_executor(),
        responses::detail::discard_body(c_, responses::operation("deleteResponse"),
                                        call_args::make({{"response_id", std::move(response_id)}}),
                                        std::move(ro)),
        std::forward<Token>(token));
  }
  // Cancels a background response (the service refuses others).
  template <class Token = asio::use_awaitable_t<>>
  auto cancel(std::string response_id, request_options ro = {}, Token&& token = {}) const {
    return c_.call_as<responses::response>(
        responses::operation("cancelResponse"),
        call_args::make({{"response_id", std::move(response_id)}}), std::move(ro),
        std::forward<Token>(token));
  }
  // Compacts a conversation's context into fewer items.
  template <class Token = asio::use_awaitable_t<>>
  auto compact(const responses::compact_response_method_public_body& req, request_options ro = {},
               Token&& token = {}) const {
    return c_.call_as<responses::compact_resource>(
        responses::operation("Compactconversation"),
        call_args::make({}, responses::detail::to_body(req)), std::move(ro),
        std::forward<Token>(token));
  }

private:
  client c_;
};

// client.conversations().items(): the items of a conversation.
class conversation_items_resource {
public:
  explicit conversation_items_resource(client c) : c_(std::move(c)) {}

  // Adds up to 20 items; answers the added items.
  template <class Token = asio::use_awaitable_t<>>
  auto create(std::string conversation_id, const responses::create_conversation_items_body& req,
              std::vector<std::string> include = {}, request_options ro = {},
              Token&& token = {}) const {
    call_args a = call_args::make({{"conversation_id", std::move(conversation_id)}},
                                  responses::detail::to_body(req));
    responses::detail::add_include(a, std::move(include));
    return c_.call_as<responses::conversation_item_list>(
        responses::operation("createConversationItems"), std::move(a), std::move(ro),
        std::forward<Token>(token));
  }
  template <class Token = asio::use_awaitable_t<>>
  auto retrieve(std::string conversation_id, std::string item_id,
                std::vector<std::string> include = {}, request_options ro = {},
                Token&& token = {}) const {
    call_args a = call_args::make(
        {{"conversation_id", std::move(conversation_id)}, {"item_id", std::move(item_id)}});
    responses::detail::add_include(a, std::move(include));
    return c_.call_as<responses::conversation_item>(responses::operation("getConversationItem"),
                                                    std::move(a), std::move(ro),
                                                    std::forward<Token>(token));
  }
  // Answers the conversation the item was removed from.
  template <class Token = asio::use_awaitable_t<>>
  auto remove(std::string conversation_id, std::string item_id, request_options ro = {},
              Token&& token = {}) const {
    return c_.call_as<responses::conversation_resource>(
        responses::operation("deleteConversationItem"),
        call_args::make(
            {{"conversation_id", std::move(conversation_id)}, {"item_id", std::move(item_id)}}),
        std::move(ro), std::forward<Token>(token));
  }
  // Newest first unless p.order = "asc" (the service's default is desc; it has no `before`).
  template <class Token = asio::use_awaitable_t<>>
  auto list(std::string conversation_id, const list_params& p = {}, request_options ro = {},
            Token&& token = {}) const {
    return c_.call_as<responses::conversation_item_list>(
        responses::operation("listConversationItems"),
        call_args::make({{"conversation_id", std::move(conversation_id)}}, {}, p.to_query()),
        std::move(ro), std::forward<Token>(token));
  }
  pager<responses::conversation_item_list> list_all(std::string conversation_id, list_params p = {},
                                                    request_options ro = {}) const {
    return {c_, responses::operation("listConversationItems"),
            call_args::make({{"conversation_id", std::move(conversation_id)}}), std::move(p),
            std::move(ro)};
  }

private:
  client c_;
};

class conversations_resource {
public:
  explicit conversations_resource(client c) : c_(std::move(c)) {}

  conversation_items_resource items() const { return conversation_items_resource(c_); }

  template <class Token = asio::use_awaitable_t<>>
  auto create(const responses::create_conversation_body& req = {}, request_options ro = {},
              Token&& token = {}) const {
    return c_.call_as<responses::conversation_resource>(
        responses::operation("createConversation"),
        call_args::make({}, responses::detail::to_body(req)), std::move(ro),
        std::forward<Token>(token));
  }
  template <class Token = asio::use_awaitable_t<>>
  auto retrieve(std::string conversation_id, request_options ro = {}, Token&& token = {}) const {
    return c_.call_as<responses::conversation_resource>(
        responses::operation("getConversation"),
        call_args::make({{"conversation_id", std::move(conversation_id)}}), std::move(ro),
        std::forward<Token>(token));
  }
  template <class Token = asio::use_awaitable_t<>>
  auto update(std::string conversation_id, const responses::update_conversation_body& req,
              request_options ro = {}, Token&& token = {}) const {
    return c_.call_as<responses::conversation_resource>(
        responses::operation("updateConversation"),
        call_args::make({{"conversation_id", std::move(conversation_id)}},
                        responses::detail::to_body(req)),
        std::move(ro), std::forward<Token>(token));
  }
  template <class Token = asio::use_awaitable_t<>>
  auto remove(std::string conversation_id, request_options ro = {}, Token&& token = {}) const {
    return c_.call_as<responses::deleted_conversation_resource>(
        responses::operation("deleteConversation"),
        call_args::make({{"conversation_id", std::move(conversation_id)}}), std::move(ro),
        std::forward<Token>(token));
  }

private:
  client c_;
};

inline responses_resource client::responses() const {
  return responses_resource(*this);
}
inline conversations_resource client::conversations() const {
  return conversations_resource(*this);
}

} // namespace coassist
