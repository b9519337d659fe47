// Structured outputs on the Responses API: the model answers with a JSON document of a C++ type.
//
//   struct verdict { bool approve; std::string reason; };
//   json::object request = {{"model", "gpt-4.1"}, {"input", "Review this change: ..."}};
//   verdict v = co_await responses::parse<verdict>(client, request);
//
// `text.format` is set to a strict json_schema derived from the reflected type (the same
// reflection as the tool runtime's parameters, reflect::schema_of<T>(true)), and the response's
// output text is decoded into T with the same strict rules (unknown fields and missing ones are
// errors). What can go wrong is an exception of its own kind:
// - the response failed or is incomplete: response_error (errc::response_failed / _incomplete);
// - the model refused: refusal_error, whose message is the model's refusal;
// - the text is not a valid T: output_error, whose message names the JSON path and the
//   expected type ("at output.approve: expected a boolean...").
#pragma once

#include <coassist/agent/detail/response_chain.hpp>
#include <coassist/api/client.hpp>
#include <coassist/json/decode.hpp>
#include <coassist/json/schema.hpp>
#include <coassist/responses/operations.hpp>

#include <string>

namespace coassist::responses {

/// The `text.format` of a request whose answer is a T: `{"type":"json_schema","name",
/// "schema","strict":true}`. `name`: a-z, A-Z, 0-9, `_` and `-`, at most 64 characters.
template <class T>
json::object json_schema_format(std::string name = "output", std::string description = {}) {
  json::object f;
  f.emplace("type", "json_schema");
  f.emplace("name", std::move(name));
  if (!description.empty()) f.emplace("description", std::move(description));
  f.emplace("schema", reflect::schema_of<T>(true));
  f.emplace("strict", true);
  return f;
}

/// The request with its `text.format` set for T (other `text` settings are kept).
template <class T>
json::object with_json_schema_format(json::object request, std::string name = "output") {
  json::value& text = request["text"];
  if (!text.is_object()) text = json::object{};
  text.get_object()["format"] = json_schema_format<T>(std::move(name));
  return request;
}

/// The T in a completed response's output (see the header comment for the errors).
template <class T> T parse_output(const json::object& response) {
  agent::detail::require_completed(response);
  using agent::detail::string_field;
  std::string text;
  auto* output = response.if_contains("output");
  if (output && output->is_array()) {
    for (const auto& item : output->get_array()) {
      if (!item.is_object() || string_field(item.get_object(), "type") != "message") continue;
      auto* content = item.get_object().if_contains("content");
      if (!content || !content->is_array()) continue;
      for (const auto& part : content->get_array()) {
        if (!part.is_object()) continue;
        const auto& p = part.get_object();
        auto type = string_field(p, "type");
        if (type == "refusal")
          agent::detail::fail(errc::refusal, std::string(string_field(p, "refusal")),
                              "response " + std::string(string_field(response, "id")));
        if (type == "output_text") text += string_field(p, "text");
      }
    }
  }
  auto fail = [&](std::string message) {
    agent::detail::fail(errc::invalid_output, std::move(message),
                        "response " + std::string(string_field(response, "id")));
  };
  if (text.empty()) fail("the response holds no output text");
  reflect::decode_result<T> decoded = reflect::decode<T>(text, {.strict = true, .root = "output"});
  if (!decoded) fail(decoded.error());
  return std::move(decoded).value();
}

/// Creates the response with T's format and decodes its answer.
/// Completion: void(std::exception_ptr, T).
template <class T, class Token = asio::use_awaitable_t<>>
auto parse(const client& c, json::object request, request_options ro = {}, Token&& token = {}) {
  auto run = [](client c, json::object request, request_options ro) -> asio::awaitable<T> {
    call_args args;
    args.body = json::value(with_json_schema_format<T>(std::move(request)));
    json::value v =
        co_await c.call(responses::operation("createResponse"), std::move(args), std::move(ro));
    if (!v.is_object())
      agent::detail::fail(errc::invalid_response,
                          "createResponse answered a value that is not an object");
    co_return parse_output<T>(v.get_object());
  };
  return asio::co_spawn(c.get_executor(), run(c, std::move(request), std::move(ro)),
                        std::forward<Token>(token));
}

} // namespace coassist::responses
