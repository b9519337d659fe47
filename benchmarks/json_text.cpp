// coassist::json_text against Boost.JSON's serializer, side by side on the bodies the library
// writes: a create-run request (strings, a few doubles), a tool result full of doubles, and a
// long message text with escapes. json_text exists for its number format (21.5, not 2.15E1); this
// shows what that costs.
#include <coassist/json/text.hpp>

#include <benchmark/benchmark.h>
#include <boost/json.hpp>

#include <string>

namespace json = boost::json;

namespace {

json::value create_run_body() {
  return json::parse(R"({
    "assistant_id": "asst_abc123", "model": "gpt-4o", "temperature": 0.7, "top_p": 1.0,
    "instructions": "You are a weather bot. Use the provided functions to answer questions.",
    "tools": [{"type": "function", "function": {"name": "get_weather",
      "description": "Current weather for a city",
      "parameters": {"type": "object", "properties": {"city": {"type": "string"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
        "required": ["city", "unit"], "additionalProperties": false}, "strict": true}}],
    "metadata": {"user": "u_42", "session": "s_9"}, "stream": true, "max_prompt_tokens": 2000})");
}

json::value numeric_tool_result() {
  json::array readings;
  for (int i = 0; i < 64; ++i)
    readings.push_back(json::object{
        {"t", 1700000000 + i * 60}, {"celsius", 21.5 + i * 0.125}, {"humidity", 0.4 + i * 0.003}});
  return json::object{{"city", "Lisbon"}, {"readings", std::move(readings)}};
}

json::value text_message() {
  std::string text;
  for (int i = 0; i < 200; ++i)
    text += "Line " + std::to_string(i) + ": \"quoted\" and a tab\there, caf\xc3\xa9.\n";
  return json::object{{"role", "user"}, {"content", std::move(text)}};
}

std::string boost_serialize(const json::value& v) {
  return json::serialize(v);
}
std::string coassist_json_text(const json::value& v) {
  return coassist::json_text(v);
}

template <class Write, class Make> void bm_write(benchmark::State& state, Write write, Make make) {
  const json::value v = make();
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string s = write(v);
    bytes += s.size();
    benchmark::DoNotOptimize(s);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}

} // namespace

BENCHMARK_CAPTURE(bm_write, boost_create_run_body, boost_serialize, create_run_body);
BENCHMARK_CAPTURE(bm_write, json_text_create_run_body, coassist_json_text, create_run_body);
BENCHMARK_CAPTURE(bm_write, boost_numeric_tool_result, boost_serialize, numeric_tool_result);
BENCHMARK_CAPTURE(bm_write, json_text_numeric_tool_result, coassist_json_text, numeric_tool_result);
BENCHMARK_CAPTURE(bm_write, boost_text_message, boost_serialize, text_message);
BENCHMARK_CAPTURE(bm_write, json_text_text_message, coassist_json_text, text_message);
