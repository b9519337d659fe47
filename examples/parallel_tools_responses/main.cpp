// examples/parallel_tools on the Responses API: the same C++ tools, the same 64 parallel calls,
// with a streamed response in place of a streamed run (docs/migrating-from-assistants.md walks
// through the differences).
//
// There is no assistant object: its configuration (model, instructions, tools) is kept in code
// and sent with each request. The conversation is a Conversations API object; each turn is a
// response appended to it. A response that holds function_call items gets their outputs in the
// next response, which agent::stream_respond sends for you, exactly once.
//
//   OPENAI_BASE_URL=http://127.0.0.1:PORT/v1 OPENAI_API_KEY=... parallel_tools_responses
//
// The local server's deterministic model calls a tool for each line `/call NAME {JSON}` of the
// input, all in one response, and answers with the outputs once they arrive.
#include <coassist/agent/stream_respond.hpp>
#include <coassist/coassist.hpp>

#include <boost/describe/enum.hpp>

#include <chrono>
#include <iostream>
#include <string>

namespace {

using namespace coassist;

enum class temperature_unit { celsius, fahrenheit };
BOOST_DESCRIBE_ENUM(temperature_unit, celsius, fahrenheit)

struct get_weather_args {
  std::string city;
  temperature_unit unit = temperature_unit::celsius;
  static constexpr reflect::field_description field_descriptions[] = {
      {"city", "The city, e.g. Paris"}, {"unit", "Temperature unit"}};
};
struct weather {
  std::string city;
  double temperature;
  std::string sky;
};
struct wait_args {
  int id = 0;
  int delay_ms = 50;
};

weather get_weather(get_weather_args a) {
  double c = a.city == "Tokyo" ? 17.5 : 21.0;
  return {a.city, a.unit == temperature_unit::celsius ? c : c * 9 / 5 + 32, "clear"};
}

asio::awaitable<std::string> wait_and_echo(wait_args a) {
  asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(a.delay_ms));
  co_await t.async_wait(asio::use_awaitable);
  co_return "done " + std::to_string(a.id);
}

// What was an assistant object: configuration kept in code, sent with every request.
struct agent_config {
  std::string model = "gpt-4.1";
  std::string instructions = "Use the tools to answer.";
};

json::object request_for(const agent_config& cfg, const std::string& conversation_id,
                         std::string input) {
  return json::object{{"model", cfg.model},
                      {"instructions", cfg.instructions},
                      {"conversation", conversation_id},
                      {"input", std::move(input)}};
}

std::string shorten(std::string s, std::size_t n = 60) {
  return s.size() <= n ? s : s.substr(0, n) + "...";
}

// One streamed turn: text as it streams, tool rounds as they happen. Returns the last round.
template <class Tools>
asio::awaitable<agent::response_round>
converse(client& c, const Tools& tools, const agent_config& cfg, const std::string& conversation_id,
         std::string input) {
  std::cout << "\nuser> " << shorten(input, 200) << "\n" << std::flush;
  agent::stream_respond_options o;
  o.chain = agent::chain_mode::conversation; // every response is appended to the conversation
  o.early_dispatch = true;                   // a call starts as soon as its arguments are complete
  auto loop = co_await agent::stream_respond(c, tools, request_for(cfg, conversation_id, input), o);
  agent::response_round last;
  bool at_line_start = true;
  while (auto ev = co_await loop.next()) {
    if (auto* round = std::get_if<agent::response_round>(&*ev)) {
      std::cout << (at_line_start ? "" : "\n") << "tools> " << round->calls.size()
                << " call(s) dispatched in parallel\n";
      for (std::size_t i = 0; i < round->calls.size(); ++i) {
        if (i == 3 && round->calls.size() > 4) {
          std::cout << "  ... " << round->calls.size() - 4 << " more\n";
          i = round->calls.size() - 1;
        }
        std::cout << "  " << round->calls[i].name << "(" << shorten(round->calls[i].arguments)
                  << ") -> " << shorten(round->outputs[i].output) << "\n";
      }
      at_line_start = true;
      last = *round;
      continue;
    }
    const auto& e = std::get<responses::stream_event>(*ev);
    if (auto* delta = std::get_if<responses::response_text_delta_event>(&e)) {
      if (at_line_start) std::cout << "assistant> ";
      std::cout << delta->delta << std::flush;
      at_line_start = false;
    } else if (auto* done = std::get_if<responses::response_completed_event>(&e)) {
      std::cout << (at_line_start ? "" : "\n") << "response> " << done->response.id
                << " completed\n";
      at_line_start = true;
    }
  }
  co_return last;
}

asio::awaitable<void> demo(client c) {
  auto tools = tools::make_tool_set(
      tools::tool("get_weather", "Current weather of a city", get_weather),
      tools::tool("wait_and_echo", "Waits delay_ms milliseconds on a timer, then answers",
                  wait_and_echo));
  agent_config cfg;
  call_args create;
  create.body = json::object{};
  json::value conversation = co_await c.call(responses::operation("createConversation"), create);
  std::string conversation_id(conversation.at("id").as_string());
  std::cout << "conversation " << conversation_id << " with "
            << tools.definitions(tools::api_shape::responses).size() << " tools\n";

  co_await converse(c, tools, cfg, conversation_id,
                    "/call get_weather {\"city\": \"Paris\", \"unit\": \"celsius\"}\n"
                    "/call get_weather {\"city\": \"Tokyo\", \"unit\": \"fahrenheit\"}");

  std::string many;
  for (int i = 0; i < 64; ++i)
    many += "/call wait_and_echo {\"id\": " + std::to_string(i) + ", \"delay_ms\": 50}\n";
  auto round = co_await converse(c, tools, cfg, conversation_id, many);

  call_args remove;
  remove.path.emplace_back("conversation_id", conversation_id);
  co_await c.call(responses::operation("deleteConversation"), remove);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(round.dispatch_time).count();
  std::cout << round.calls.size() << " tool calls in " << ms << " ms\n";
}

} // namespace

int main() {
  try {
    asio::io_context io;
    client c(io.get_executor()); // OPENAI_BASE_URL, OPENAI_API_KEY from the environment
    auto done = asio::co_spawn(io, demo(c), asio::use_future);
    io.run();
    done.get();
    return 0;
  } catch (const coassist::error& e) {
    std::cerr << "parallel_tools_responses: " << e.what() << "\n";
    return e.kind() == errc::connection || e.kind() == errc::timeout ? 3 : 1;
  } catch (const std::exception& e) {
    std::cerr << "parallel_tools_responses: " << e.what() << "\n";
    return 1;
  }
}
