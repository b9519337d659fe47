// The main job: a streamed conversation whose assistant calls local C++ tools in parallel.
//
// Tools are plain structs and functions; coassist derives their JSON Schemas, runs every call of
// a `requires_action` at once, submits the outputs and keeps streaming. Run it against the local
// server (scripts/demo.sh starts one) or any Assistants v2 endpoint:
//
//   OPENAI_BASE_URL=http://127.0.0.1:PORT/v1 OPENAI_API_KEY=... parallel_tools
//
// The local server's deterministic model calls a tool for each line `/call NAME {JSON}` of the
// user's message, all in one `requires_action`, and answers with the outputs once they arrive.
#include <coassist/agent/run_loop.hpp>
#include <coassist/coassist.hpp>

#include <boost/describe/enum.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>

namespace {

using namespace coassist;
using namespace std::chrono_literals;

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

// Waits on a timer, never blocking the thread: 64 of them run side by side.
asio::awaitable<std::string> wait_and_echo(wait_args a) {
  asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(a.delay_ms));
  co_await t.async_wait(asio::use_awaitable);
  co_return "done " + std::to_string(a.id);
}

api::create_message_request user_says(std::string text) {
  api::create_message_request m;
  m.role = "user";
  m.content = api::create_message_request_content(std::move(text));
  return m;
}

std::string shorten(std::string s, std::size_t n = 60) {
  return s.size() <= n ? s : s.substr(0, n) + "...";
}

// One streamed turn: text as it streams, tool rounds as they happen. Returns the last round.
template <class Tools>
asio::awaitable<agent::tool_round> converse(client& c, const Tools& tools,
                                            const std::string& assistant_id,
                                            const std::string& thread_id, std::string message) {
  std::cout << "\nuser> " << shorten(message, 200) << "\n" << std::flush;
  co_await c.threads().messages().create(thread_id, user_says(std::move(message)));
  api::create_run_request req;
  req.assistant_id = assistant_id;
  auto loop = co_await agent::stream_run(c, tools, thread_id, req);
  agent::tool_round last;
  bool at_line_start = true;
  while (auto ev = co_await loop.next()) {
    if (auto* round = std::get_if<agent::tool_round>(&*ev)) {
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
    const auto& e = std::get<api::stream_event>(*ev);
    if (auto text = stream::text_delta(e)) {
      if (at_line_start) std::cout << "assistant> ";
      std::cout << *text << std::flush;
      at_line_start = false;
    } else if (auto* done = std::get_if<api::thread_run_completed_event>(&e)) {
      std::cout << (at_line_start ? "" : "\n") << "run> " << done->data.id << " completed\n";
      at_line_start = true;
    } else if (auto* failed = std::get_if<api::thread_run_failed_event>(&e)) {
      throw std::runtime_error("the run failed: " + (failed->data.last_error
                                                         ? failed->data.last_error->message
                                                         : std::string("no reason given")));
    }
  }
  co_return last;
}

asio::awaitable<void> demo(client c) {
  auto tools = tools::make_tool_set(
      tools::tool("get_weather", "Current weather of a city", get_weather),
      tools::tool("wait_and_echo", "Waits delay_ms milliseconds on a timer, then answers",
                  wait_and_echo));

  api::create_assistant_request ar;
  ar.model = "gpt-4o";
  ar.name = api::nullable<std::string>("coassist demo");
  ar.instructions = api::nullable<std::string>("Use the tools to answer.");
  ar.tools = json::value_to<std::vector<api::assistant_tool>>(json::value(tools.definitions()));
  auto assistant = co_await c.assistants().create(ar);
  auto thread = co_await c.threads().create();
  std::cout << "assistant " << assistant.id << " with " << ar.tools->size() << " tools, thread "
            << thread.id << "\n";

  co_await converse(c, tools, assistant.id, thread.id,
                    "/call get_weather {\"city\": \"Paris\", \"unit\": \"celsius\"}\n"
                    "/call get_weather {\"city\": \"Tokyo\", \"unit\": \"fahrenheit\"}");

  std::string many;
  for (int i = 0; i < 64; ++i)
    many += "/call wait_and_echo {\"id\": " + std::to_string(i) + ", \"delay_ms\": 50}\n";
  auto round = co_await converse(c, tools, assistant.id, thread.id, many);

  co_await c.assistants().remove(assistant.id);
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
    std::cerr << "parallel_tools: " << e.what() << "\n";
    return e.kind() == errc::connection || e.kind() == errc::timeout ? 3 : 1;
  } catch (const std::exception& e) {
    std::cerr << "parallel_tools: " << e.what() << "\n";
    return 1;
  }
}
