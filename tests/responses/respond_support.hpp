// The fixture of the agent-loop tests (respond_e2e_test.cpp, stream_respond_e2e_test.cpp): a
// local server logging its requests, the tools the model calls, and readers of the log and of
// conversations.
#pragma once

#include "support/client_base.hpp"

#include <coassist/agent/respond.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>

namespace coassist::test::respond_support {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using agent::chain_mode;

struct add_args {
  int a = 0;
  int b = 0;
};
struct wait_args {
  int ms = 0;
};

inline std::atomic<int> waits_started{0}, waits_cancelled{0};

// `add` runs a hook first (a test queues a fault from it, once the first response exists).
inline auto make_tools(std::function<void()> hook = {}) {
  return tools::make_tool_set(
      tools::tool("add", "Adds two integers",
                  [hook](add_args x) {
                    if (hook) hook();
                    return x.a + x.b;
                  }),
      tools::tool("wait", "Waits ms milliseconds", [](wait_args x) -> asio::awaitable<std::string> {
        ++waits_started;
        asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(x.ms));
        auto [ec] = co_await t.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
        if (ec == asio::error::operation_aborted) ++waits_cancelled;
        co_return "waited " + std::to_string(x.ms);
      }));
}

inline fs::path log_path() {
  return fs::temp_directory_path() /
         ("coassist-respond-" + std::to_string(::getpid()) + "-" +
          std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
}

struct fixture : test::client_on_emulator {
  fs::path log;
  explicit fixture(std::vector<std::string> extra = {}, fs::path p = log_path())
      : client_on_emulator(with_log(std::move(extra), p)), log(std::move(p)) {}
  static std::vector<std::string> with_log(std::vector<std::string> args, const fs::path& p) {
    args.insert(args.end(), {"--log-requests", p.string()});
    return args;
  }
  ~fixture() { fs::remove(log); }

  // The server's answers to an operation, by status.
  std::map<int, int> answers(std::string_view operation_id) const {
    std::map<int, int> by_status;
    std::ifstream in(log);
    for (std::string line; std::getline(in, line);) {
      auto o = json::parse(line).as_object();
      if (auto* id = o.at("operationId").if_string(); id && *id == operation_id)
        ++by_status[o.at("status").to_number<int>()];
    }
    return by_status;
  }
  // Every item of a conversation, oldest first.
  json::array conversation_items(const std::string& id) {
    json::array all;
    run([&]() -> asio::awaitable<void> {
      std::string after;
      for (;;) {
        call_args args =
            call_args::make({{"conversation_id", id}}, {}, {{"order", "asc"}, {"limit", "100"}});
        if (!after.empty()) args.query.emplace_back("after", after);
        auto page = co_await c.call(responses::operation("listConversationItems"), args);
        for (auto& item : page.at("data").as_array())
          all.push_back(item);
        if (!page.at("has_more").as_bool()) break;
        after = std::string(page.at("last_id").as_string());
      }
    });
    return all;
  }
};

inline json::object request(std::string input) {
  return json::object{{"model", "gpt-4.1"}, {"input", std::move(input)}};
}

// How many function_call_output items each call_id has among `items`.
inline std::map<std::string, int> outputs_by_call(const json::array& items) {
  std::map<std::string, int> n;
  for (const auto& v : items) {
    const auto& o = v.as_object();
    if (o.at("type") == "function_call_output") ++n[std::string(o.at("call_id").as_string())];
  }
  return n;
}

} // namespace coassist::test::respond_support
