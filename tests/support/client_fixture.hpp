// The client's end-to-end tests: a local server, an io_context and a coassist::client on it, and
// small builders for the requests those tests send.
#pragma once

#include "client_base.hpp"
#include "emulator_control.hpp"

#include <coassist/api.hpp>

#include <functional>
#include <future>
#include <string>
#include <vector>

namespace coassist::test {

inline api::create_message_request user_message(std::string text) {
  api::create_message_request m;
  m.role = "user";
  m.content = api::create_message_request_content(std::move(text));
  return m;
}

struct client_fixture : client_on_emulator {
  std::string assistant_id; // the assistant run_request() names (the test creates it)

  using client_on_emulator::client_on_emulator;

  // A thread holding one user message, with scripted turns queued on it.
  std::string thread_with(std::string text, json::array turns = {}) {
    std::string id;
    run([&]() -> asio::awaitable<void> {
      api::create_thread_request tr;
      tr.messages = std::vector<api::create_message_request>{user_message(std::move(text))};
      id = (co_await c.threads().create(tr)).id;
    });
    if (!turns.empty()) queue_turns(emu, id, turns);
    return id;
  }

  api::create_run_request run_request() const {
    api::create_run_request rr;
    rr.assistant_id = assistant_id;
    return rr;
  }
};

// A function tool taking an object with no declared properties.
inline api::assistant_tool function_tool(std::string name) {
  return json::value_to<api::assistant_tool>(
      json::value{{"type", "function"},
                  {"function",
                   {{"name", std::move(name)},
                    {"description", "test tool"},
                    {"parameters", {{"type", "object"}, {"properties", json::object{}}}}}}});
}

inline api::create_assistant_request
assistant_request(std::string name = "test", std::vector<api::assistant_tool> tools = {}) {
  api::create_assistant_request r;
  r.model = "gpt-4o";
  r.name = api::nullable<std::string>(std::move(name));
  if (!tools.empty()) r.tools = std::move(tools);
  return r;
}

} // namespace coassist::test
