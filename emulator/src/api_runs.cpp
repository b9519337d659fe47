// Runs and run steps, and the deterministic, scriptable model that executes them.
// A run's model invocation produces the same state changes whether it is streamed (at once) or
// polled (after run_step_ms per lifecycle step); streams also get the events, serialised at the
// moment each one happens so that every snapshot is the object as it was then.
#include "state.hpp"

#include <sstream>

namespace emu {

namespace {

bool is_active(std::string_view status) {
  return status == "queued" || status == "in_progress" || status == "requires_action" ||
         status == "cancelling";
}

struct emitter {
  std::vector<sse_event>& events;
  int delay_ms;
  void operator()(std::string name, const json::object& data, int delay = -1) {
    events.push_back({std::move(name), json_text(data), delay < 0 ? 0 : delay});
  }
  void delta(std::string name, const json::object& data) {
    (*this)(std::move(name), data, delay_ms);
  }
};

class executor {
public:
  executor(state& s, thread_rec& t, run_rec& r, std::vector<sse_event>& events)
      : s_(s), t_(t), r_(r), emit_{events, s.options.stream_delay_ms} {}

  std::string run_id() const { return std::string(r_.obj.at("id").as_string()); }
  json::object& run() { return r_.obj; }

  void set_status(std::string_view status, std::string_view event) {
    r_.obj["status"] = status;
    emit_(std::string(event), r_.obj);
  }

  void to_in_progress() {
    r_.obj["status"] = "in_progress";
    if (r_.obj["started_at"].is_null()) r_.obj["started_at"] = unix_now();
    emit_("thread.run.in_progress", r_.obj);
  }

  // One model invocation of an in_progress run: ends in requires_action or a terminal status.
  void invoke() {
    json::object turn = choose_turn();
    emit_.delay_ms = int_field(turn, "delay_ms", s_.options.stream_delay_ms);
    if (auto it = turn.find("fail"); it != turn.end()) return fail(it->value());
    if (auto it = turn.find("stream_error"); it != turn.end()) return stream_error(it->value());
    if (turn.contains("expire")) return expire();
    if (auto it = turn.find("tool_calls"); it != turn.end())
      return function_calls(it->value().as_array(), turn);
    if (auto it = turn.find("code_interpreter"); it != turn.end()) {
      code_interpreter(it->value().as_object());
      return reply(string_field(turn, "text", "The code ran."), json::array(), turn);
    }
    if (auto it = turn.find("file_search"); it != turn.end())
      return file_search(it->value().as_object(), turn);
    reply(string_field(turn, "text", "OK."), json::array(), turn);
  }

  void cancel_finished() {
    r_.obj["status"] = "cancelled";
    r_.obj["cancelled_at"] = unix_now();
    r_.obj["required_action"] = nullptr;
    for (auto& [id, step] : r_.steps.items)
      if (step["status"] == "in_progress") {
        step["status"] = "cancelled";
        step["cancelled_at"] = unix_now();
      }
    emit_("thread.run.cancelled", r_.obj);
  }

  void expire() {
    r_.obj["status"] = "expired";
    r_.obj["required_action"] = nullptr;
    for (auto& [id, step] : r_.steps.items)
      if (step["status"] == "in_progress") {
        step["status"] = "expired";
        step["expired_at"] = unix_now();
      }
    emit_("thread.run.expired", r_.obj);
  }

private:
  json::object choose_turn() {
    if (r_.next_turn) {
      json::object t = std::move(*r_.next_turn);
      r_.next_turn.reset();
      return t;
    }
    if (!t_.script.empty()) {
      json::object t = std::move(t_.script.front());
      t_.script.pop_front();
      return t;
    }
    return default_turn();
  }

  // The default model: see emulator/README.md.
  json::object default_turn() {
    if (!r_.outputs.empty()) {
      std::string text = "Tool outputs:";
      for (const auto& o : r_.outputs) {
        const auto& x = o.as_object();
        text += " " + std::string(x.at("name").as_string()) + " -> " +
                std::string(x.at("output").as_string()) + ";";
      }
      text.pop_back();
      text += ".";
      return {{"text", text}};
    }
    std::string last_user;
    for (auto it = t_.messages.order.rbegin(); it != t_.messages.order.rend(); ++it) {
      const auto& m = t_.messages.items.at(*it);
      if (m.at("role") == "user") {
        last_user = text_of_content(m.at("content"));
        break;
      }
    }
    if (last_user.empty()) return {{"text", "Hello! How can I help you today?"}};
    json::array calls;
    std::istringstream lines(last_user);
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.rfind("/call ", 0) == 0) {
        std::string rest = line.substr(6);
        auto sp = rest.find(' ');
        std::string name = rest.substr(0, sp);
        std::string args = sp == std::string::npos ? "{}" : rest.substr(sp + 1);
        bool known = false;
        std::string available;
        for (const auto& tool : r_.obj.at("tools").as_array()) {
          const auto& to = tool.as_object();
          if (to.at("type") != "function") continue;
          std::string_view n = to.at("function").as_object().at("name").as_string();
          known = known || n == name;
          available += (available.empty() ? "" : ", ") + std::string(n);
        }
        if (!known)
          return {{"fail", json::object{{"code", "invalid_prompt"},
                                        {"message",
                                         "The model called function '" + name +
                                             "', which is not among this run's tools (" +
                                             (available.empty() ? std::string("none") : available) +
                                             ")."}}}};
        calls.push_back(json::object{{"name", name}, {"arguments", args}});
      } else if (line.rfind("/search ", 0) == 0) {
        return {{"file_search", json::object{{"query", line.substr(8)}}}};
      } else if (line.rfind("/code ", 0) == 0) {
        std::string src = line.substr(6);
        return {{"code_interpreter", json::object{{"input", src}, {"logs", "ran: " + src}}},
                {"text", "I ran the code."}};
      }
    }
    if (!calls.empty()) return {{"tool_calls", std::move(calls)}, {"argument_chunks", 3}};
    return {{"text", "You said: " + last_user}};
  }

  json::object& new_step(std::string_view type, json::object details) {
    json::object step;
    std::string id = s_.new_id("step_");
    step["id"] = id;
    step["object"] = "thread.run.step";
    step["created_at"] = unix_now();
    step["run_id"] = r_.obj.at("id");
    step["assistant_id"] = r_.obj.at("assistant_id");
    step["thread_id"] = r_.obj.at("thread_id");
    step["type"] = type;
    step["status"] = "in_progress";
    step["cancelled_at"] = nullptr;
    step["completed_at"] = nullptr;
    step["expires_at"] = r_.obj.at("expires_at");
    step["expired_at"] = nullptr;
    step["failed_at"] = nullptr;
    step["last_error"] = nullptr;
    step["step_details"] = std::move(details);
    step["metadata"] = json::object();
    step["usage"] = nullptr;
    auto& stored = r_.steps.add(id, std::move(step));
    emit_("thread.run.step.created", stored);
    emit_("thread.run.step.in_progress", stored);
    return stored;
  }

  void step_delta(const json::object& step, json::object tool_call) {
    emit_.delta(
        "thread.run.step.delta",
        {{"id", step.at("id")},
         {"object", "thread.run.step.delta"},
         {"delta",
          json::object{
              {"step_details", json::object{{"type", "tool_calls"},
                                            {"tool_calls", json::array{std::move(tool_call)}}}}}}});
  }

  json::object usage(std::size_t completion) {
    std::size_t prompt = 0;
    for (const auto& [id, m] : t_.messages.items)
      prompt += word_count(text_of_content(m.at("content")));
    prompt += word_count(r_.obj.at("instructions").as_string()) + 8;
    return {{"prompt_tokens", prompt},
            {"completion_tokens", completion},
            {"total_tokens", prompt + completion}};
  }

  void complete_step(json::object& step, std::size_t completion_tokens) {
    step["status"] = "completed";
    step["completed_at"] = unix_now();
    step["usage"] = usage(completion_tokens);
    emit_("thread.run.step.completed", step);
  }

  void add_usage(std::size_t completion) {
    json::object u = usage(completion);
    if (auto* old = r_.obj["usage"].if_object())
      u["completion_tokens"] = u["completion_tokens"].to_number<std::int64_t>() +
                               old->at("completion_tokens").to_number<std::int64_t>();
    u["total_tokens"] = u["prompt_tokens"].to_number<std::int64_t>() +
                        u["completion_tokens"].to_number<std::int64_t>();
    r_.obj["usage"] = std::move(u);
  }

  void fail(const json::value& spec) {
    const auto* o = spec.if_object();
    std::string code = o ? string_field(*o, "code", "server_error") : "server_error";
    if (code != "server_error" && code != "rate_limit_exceeded" && code != "invalid_prompt")
      code = "server_error";
    std::string message = o ? string_field(*o, "message", "Sorry, something went wrong.")
                            : "Sorry, something went wrong.";
    r_.obj["status"] = "failed";
    r_.obj["failed_at"] = unix_now();
    r_.obj["last_error"] = json::object{{"code", code}, {"message", message}};
    r_.obj["expires_at"] = nullptr;
    add_usage(0);
    emit_("thread.run.failed", r_.obj);
  }

  // The service's mid-stream failure: streams get `event: error` (data: an Error object) where
  // they would get thread.run.failed; the run itself fails with server_error.
  void stream_error(const json::value& spec) {
    const auto* o = spec.if_object();
    std::string message =
        o ? string_field(*o, "message", "The server had an error.") : "The server had an error.";
    std::string type = o ? string_field(*o, "type", "server_error") : "server_error";
    json::value code = o && o->contains("code") ? o->at("code") : json::value(nullptr);
    r_.obj["status"] = "failed";
    r_.obj["failed_at"] = unix_now();
    r_.obj["last_error"] = json::object{{"code", "server_error"}, {"message", message}};
    r_.obj["expires_at"] = nullptr;
    add_usage(0);
    emit_("error", {{"message", message}, {"type", type}, {"param", nullptr}, {"code", code}});
  }

  void function_calls(const json::array& calls, const json::object& turn) {
    int chunks = int_field(turn, "argument_chunks", 1);
    auto& step = new_step("tool_calls", {{"type", "tool_calls"}, {"tool_calls", json::array()}});
    json::array full, required;
    for (std::size_t i = 0; i < calls.size(); ++i) {
      const auto& c = calls[i].as_object();
      std::string name = string_field(c, "name", "function");
      std::string args;
      if (auto a = c.find("arguments"); a != c.end())
        args =
            a->value().is_string() ? std::string(a->value().get_string()) : json_text(a->value());
      std::string call_id = s_.new_id("call_");
      step_delta(step, {{"index", i},
                        {"id", call_id},
                        {"type", "function"},
                        {"function",
                         json::object{{"name", name}, {"arguments", ""}, {"output", nullptr}}}});
      for (const auto& piece : split_chunks(args, chunks))
        if (!piece.empty())
          step_delta(step, {{"index", i},
                            {"type", "function"},
                            {"function", json::object{{"arguments", piece}}}});
      full.push_back(json::object{
          {"id", call_id},
          {"type", "function"},
          {"function", json::object{{"name", name}, {"arguments", args}, {"output", nullptr}}}});
      required.push_back(
          json::object{{"id", call_id},
                       {"type", "function"},
                       {"function", json::object{{"name", name}, {"arguments", args}}}});
    }
    step["step_details"].as_object()["tool_calls"] = std::move(full);
    r_.tool_step_id = std::string(step.at("id").as_string());
    r_.obj["status"] = "requires_action";
    r_.obj["required_action"] =
        json::object{{"type", "submit_tool_outputs"},
                     {"submit_tool_outputs", json::object{{"tool_calls", std::move(required)}}}};
    emit_("thread.run.requires_action", r_.obj);
  }

  void code_interpreter(const json::object& spec) {
    std::string input = string_field(spec, "input", "print(42)");
    std::string logs = string_field(spec, "logs", "42");
    auto& step = new_step("tool_calls", {{"type", "tool_calls"}, {"tool_calls", json::array()}});
    std::string call_id = s_.new_id("call_");
    step_delta(step,
               {{"index", 0},
                {"id", call_id},
                {"type", "code_interpreter"},
                {"code_interpreter", json::object{{"input", ""}, {"outputs", json::array()}}}});
    for (const auto& piece : split_chunks(input, int_field(spec, "input_chunks", 2)))
      step_delta(step, {{"index", 0},
                        {"type", "code_interpreter"},
                        {"code_interpreter", json::object{{"input", piece}}}});
    step_delta(step,
               {{"index", 0},
                {"type", "code_interpreter"},
                {"code_interpreter",
                 json::object{{"outputs", json::array{json::object{
                                              {"index", 0}, {"type", "logs"}, {"logs", logs}}}}}}});
    step["step_details"].as_object()["tool_calls"] = json::array{json::object{
        {"id", call_id},
        {"type", "code_interpreter"},
        {"code_interpreter",
         json::object{{"input", input},
                      {"outputs", json::array{json::object{{"type", "logs"}, {"logs", logs}}}}}}}};
    complete_step(step, word_count(input));
  }

  void file_search(const json::object& spec, const json::object& turn) {
    std::string query = string_field(spec, "query", "");
    auto& step = new_step("tool_calls", {{"type", "tool_calls"}, {"tool_calls", json::array()}});
    std::string call_id = s_.new_id("call_");
    json::array results;
    std::vector<search_hit> hits;
    if (auto it = spec.find("results"); it != spec.end() && it->value().is_array()) {
      for (const auto& x : it->value().as_array()) {
        const auto& o = x.as_object();
        hits.push_back({string_field(o, "file_id"), string_field(o, "file_name", "file"),
                        string_field(o, "text"),
                        o.contains("score") ? o.at("score").to_number<double>() : 1.0});
      }
    } else {
      std::vector<std::string> stores;
      auto collect = [&](const json::value& resources) {
        const auto* r = resources.if_object();
        if (!r || !r->contains("file_search")) return;
        const auto* fs = r->at("file_search").if_object();
        if (!fs || !fs->contains("vector_store_ids")) return;
        for (const auto& id : fs->at("vector_store_ids").as_array())
          stores.emplace_back(id.as_string());
      };
      collect(t_.obj.at("tool_resources"));
      if (auto* a = s_.assistants.find(std::string(r_.obj.at("assistant_id").as_string())))
        collect(a->at("tool_resources"));
      hits = search_vector_stores(s_, stores, query,
                                  static_cast<std::size_t>(int_field(spec, "max_num_results", 3)));
    }
    for (const auto& h : hits)
      results.push_back(json::object{
          {"file_id", h.file_id}, {"file_name", h.filename}, {"score", std::min(1.0, h.score)}});
    step_delta(
        step,
        {{"index", 0}, {"id", call_id}, {"type", "file_search"}, {"file_search", json::object()}});
    step["step_details"].as_object()["tool_calls"] = json::array{json::object{
        {"id", call_id},
        {"type", "file_search"},
        {"file_search",
         json::object{{"ranking_options",
                       json::object{{"ranker", "default_2024_08_21"}, {"score_threshold", 0.0}}},
                      {"results", results}}}}};
    auto& texts = r_.search_texts[std::string(step.at("id").as_string())];
    for (const auto& h : hits)
      texts.push_back(h.text);
    complete_step(step, 0);
    // the reply cites every hit with a 【n:i†file】 marker and a file_citation annotation
    std::string text = string_field(
        turn, "text", hits.empty() ? "I found nothing about that." : "Here is what I found:");
    json::array annotations;
    for (std::size_t i = 0; i < hits.size(); ++i) {
      std::string snippet = hits[i].text.substr(0, 120);
      if (!snippet.empty()) text += " " + snippet;
      std::string marker = "\xe3\x80\x90"
                           "4:" +
                           std::to_string(i) + "\xe2\x80\xa0" + hits[i].filename + "\xe3\x80\x91";
      std::size_t start = utf8_length(text);
      text += marker;
      annotations.push_back(
          json::object{{"type", "file_citation"},
                       {"text", marker},
                       {"start_index", start},
                       {"end_index", start + utf8_length(marker)},
                       {"file_citation", json::object{{"file_id", hits[i].file_id}}}});
    }
    reply(text, std::move(annotations), turn);
  }

  // a message_creation step streaming `text`, then the run's terminal status
  void reply(std::string text, json::array annotations, const json::object& turn) {
    std::string incomplete = string_field(turn, "incomplete");
    if (!incomplete.empty()) text = split_chunks(text, 2).front();
    // the run's max_completion_tokens cuts the reply (a token is a word here)
    if (const auto& max = r_.obj.at("max_completion_tokens");
        max.is_number() && incomplete.empty()) {
      auto limit =
          static_cast<std::size_t>(std::max<std::int64_t>(1, max.to_number<std::int64_t>()));
      if (word_count(text) > limit) {
        auto words = split_words(text);
        words.resize(limit);
        std::string cut;
        for (const auto& w : words)
          cut += w;
        text = cut;
        incomplete = "max_completion_tokens";
      }
    }
    std::string msg_id = s_.new_id("msg_");
    auto& step =
        new_step("message_creation", {{"type", "message_creation"},
                                      {"message_creation", json::object{{"message_id", msg_id}}}});
    json::object m;
    m["id"] = msg_id;
    m["object"] = "thread.message";
    m["created_at"] = unix_now();
    m["assistant_id"] = r_.obj.at("assistant_id");
    m["thread_id"] = r_.obj.at("thread_id");
    m["run_id"] = r_.obj.at("id");
    m["status"] = "in_progress";
    m["incomplete_details"] = nullptr;
    m["incomplete_at"] = nullptr;
    m["completed_at"] = nullptr;
    m["role"] = "assistant";
    m["content"] = json::array();
    m["attachments"] = json::array();
    m["metadata"] = json::object();
    auto& msg = t_.messages.add(msg_id, std::move(m));
    emit_("thread.message.created", msg);
    emit_("thread.message.in_progress", msg);
    std::vector<std::string> pieces = turn.contains("chunks")
                                          ? split_chunks(text, int_field(turn, "chunks", 1))
                                          : split_words(text);
    for (std::size_t i = 0; i < pieces.size(); ++i) {
      json::object t{{"value", pieces[i]}};
      if (i == 0) t["annotations"] = json::array();
      emit_.delta("thread.message.delta",
                  {{"id", msg_id},
                   {"object", "thread.message.delta"},
                   {"delta",
                    json::object{{"content", json::array{json::object{
                                                 {"index", 0}, {"type", "text"}, {"text", t}}}}}}});
    }
    for (std::size_t i = 0; i < annotations.size(); ++i) {
      json::object a = annotations[i].as_object();
      a["index"] = i;
      emit_.delta(
          "thread.message.delta",
          {{"id", msg_id},
           {"object", "thread.message.delta"},
           {"delta",
            json::object{
                {"content", json::array{json::object{
                                {"index", 0},
                                {"type", "text"},
                                {"text", json::object{{"annotations", json::array{a}}}}}}}}}});
    }
    msg["content"] = json::array{json::object{
        {"type", "text"},
        {"text", json::object{{"value", text}, {"annotations", std::move(annotations)}}}}};
    std::size_t tokens = word_count(text);
    if (!incomplete.empty()) {
      msg["status"] = "incomplete";
      msg["incomplete_at"] = unix_now();
      msg["incomplete_details"] = json::object{{"reason", incomplete}};
      emit_("thread.message.incomplete", msg);
    } else {
      msg["status"] = "completed";
      msg["completed_at"] = unix_now();
      emit_("thread.message.completed", msg);
    }
    complete_step(step, tokens);
    add_usage(tokens);
    r_.obj["expires_at"] = nullptr;
    r_.outputs.clear();
    if (!incomplete.empty()) {
      r_.obj["status"] = "incomplete";
      r_.obj["incomplete_details"] = json::object{{"reason", incomplete}};
      r_.obj["completed_at"] = unix_now();
      emit_("thread.run.incomplete", r_.obj);
    } else {
      r_.obj["status"] = "completed";
      r_.obj["completed_at"] = unix_now();
      emit_("thread.run.completed", r_.obj);
    }
  }

  state& s_;
  thread_rec& t_;
  run_rec& r_;
  emitter emit_;
};

json::object make_run(state& s, const std::string& thread_id, const json::object& body) {
  const auto& asst = s.assistant(std::string(body.at("assistant_id").as_string()));
  auto pick = [&](std::string_view key, json::value fallback) {
    auto it = body.find(key);
    if (it != body.end() && !it->value().is_null()) return it->value();
    auto a = asst.find(key);
    if (a != asst.end() && !a->value().is_null()) return a->value();
    return fallback;
  };
  json::object r;
  std::int64_t now = unix_now();
  r["id"] = s.new_id("run_");
  r["object"] = "thread.run";
  r["created_at"] = now;
  r["assistant_id"] = asst.at("id");
  r["thread_id"] = thread_id;
  r["status"] = "queued";
  r["started_at"] = nullptr;
  r["expires_at"] = now + 600;
  r["cancelled_at"] = nullptr;
  r["failed_at"] = nullptr;
  r["completed_at"] = nullptr;
  r["required_action"] = nullptr;
  r["last_error"] = nullptr;
  r["model"] = pick("model", "gpt-4o");
  std::string instructions =
      pick("instructions", "").is_string() ? std::string(pick("instructions", "").as_string()) : "";
  if (auto it = body.find("additional_instructions"); it != body.end() && it->value().is_string())
    instructions += (instructions.empty() ? "" : "\n") + std::string(it->value().as_string());
  r["instructions"] = instructions;
  r["tools"] = pick("tools", json::array());
  auto md = body.find("metadata");
  r["metadata"] =
      md == body.end() || md->value().is_null() ? json::value(json::object()) : md->value();
  r["temperature"] = pick("temperature", 1.0);
  r["top_p"] = pick("top_p", 1.0);
  r["max_completion_tokens"] = field_or(body, "max_completion_tokens", nullptr);
  r["max_prompt_tokens"] = field_or(body, "max_prompt_tokens", nullptr);
  json::value trunc = field_or(body, "truncation_strategy", nullptr);
  r["truncation_strategy"] =
      trunc.is_null() ? json::value(json::object{{"type", "auto"}, {"last_messages", nullptr}})
                      : trunc;
  r["incomplete_details"] = nullptr;
  r["usage"] = nullptr;
  r["response_format"] = pick("response_format", "auto");
  json::value choice = field_or(body, "tool_choice", nullptr);
  r["tool_choice"] = choice.is_null() ? json::value("auto") : choice;
  json::value parallel = field_or(body, "parallel_tool_calls", nullptr);
  r["parallel_tool_calls"] = parallel.is_null() ? json::value(true) : parallel;
  return r;
}

bool wants_stream(const json::object& body) {
  auto it = body.find("stream");
  return it != body.end() && it->value().is_bool() && it->value().get_bool();
}

http_reply stream_reply(std::vector<sse_event> events) {
  http_reply r;
  r.stream = true;
  r.content_type = "text/event-stream; charset=utf-8";
  r.events = std::move(events);
  r.events.push_back({"done", "[DONE]", 0});
  return r;
}

http_reply poll_reply(const state& s, const json::object& run) {
  http_reply r = json_reply(run);
  if (is_active(run.at("status").as_string()))
    r.headers.emplace_back("openai-poll-after-ms",
                           std::to_string(std::max(1, s.options.run_step_ms)));
  return r;
}

// create a run on `t` (checks, additional messages); streams run at once
http_reply start_run(state& s, request_ctx& ctx, thread_rec& t, const std::string& tid,
                     std::vector<sse_event> events) {
  check_metadata(ctx.body);
  s.advance_thread(t, ctx.now);
  for (const auto& rid : t.runs.order)
    if (is_active(t.runs.items.at(rid).obj.at("status").as_string()))
      throw api_error(400, "Thread " + tid + " already has an active run " + rid + ".");
  json::object run = make_run(s, tid, ctx.body);
  if (auto it = ctx.body.find("additional_messages");
      it != ctx.body.end() && it->value().is_array())
    for (const auto& m : it->value().get_array())
      make_message(s, t, m.as_object(), tid);
  std::string rid(run.at("id").as_string());
  run_rec fresh;
  fresh.obj = std::move(run);
  fresh.phase_start = ctx.now;
  auto& r = t.runs.add(rid, std::move(fresh));
  if (!wants_stream(ctx.body)) return poll_reply(s, r.obj);
  executor ex(s, t, r, events);
  events.push_back({"thread.run.created", json_text(r.obj), 0});
  events.push_back({"thread.run.queued", json_text(r.obj), 0});
  ex.to_in_progress();
  ex.invoke();
  return stream_reply(std::move(events));
}

} // namespace

void state::advance_thread(thread_rec& t, clock_type::time_point now) {
  const auto step = std::chrono::milliseconds(std::max(0, options.run_step_ms));
  for (const auto& rid : t.runs.order) {
    auto& r = t.runs.items.at(rid);
    std::vector<sse_event> discarded;
    executor ex(*this, t, r, discarded);
    for (int guard = 0; guard < 8; ++guard) {
      std::string status(r.obj.at("status").as_string());
      if (status == "queued" && now >= r.phase_start + step) {
        ex.to_in_progress();
        r.phase_start += step;
      } else if (status == "in_progress" && now >= r.phase_start + step) {
        ex.invoke();
        r.phase_start += step;
      } else if (status == "cancelling" && now >= r.phase_start + step) {
        ex.cancel_finished();
      } else if (status == "requires_action" && r.obj.at("expires_at").is_int64() &&
                 unix_now() > r.obj.at("expires_at").as_int64()) {
        ex.expire();
      } else {
        break;
      }
      discarded.clear();
    }
  }
}

std::vector<sse_event> run_until_pause(state& s, thread_rec& t, run_rec& r,
                                       clock_type::time_point) {
  std::vector<sse_event> events;
  executor ex(s, t, r, events);
  ex.to_in_progress();
  ex.invoke();
  return events;
}

namespace {

// a step as shown, with file_search result contents when the request asks for them
json::object with_includes(const request_ctx& ctx, const run_rec& r, const json::object& step) {
  bool wanted = false;
  for (const auto& [key, value] : ctx.req.query)
    wanted = wanted || (key.rfind("include", 0) == 0 &&
                        value.find("file_search.results") != std::string::npos);
  auto texts = r.search_texts.find(std::string(step.at("id").as_string()));
  if (!wanted || texts == r.search_texts.end()) return step;
  json::object out = step;
  auto& calls = out["step_details"].as_object()["tool_calls"].as_array();
  for (auto& call : calls) {
    auto& c = call.as_object();
    if (c.at("type") != "file_search") continue;
    auto& results = c["file_search"].as_object()["results"].as_array();
    for (std::size_t i = 0; i < results.size() && i < texts->second.size(); ++i)
      results[i].as_object()["content"] =
          json::array{json::object{{"type", "text"}, {"text", texts->second[i]}}};
  }
  return out;
}

} // namespace

void register_run_handlers(state& s) {
  auto& h = s.handlers;
  h["createRun"] = [](state& s, request_ctx& ctx) {
    const auto& tid = ctx.param("thread_id");
    return start_run(s, ctx, s.thread(tid), tid, {});
  };
  h["createThreadAndRun"] = [](state& s, request_ctx& ctx) {
    s.assistant(
        std::string(ctx.body.at("assistant_id").as_string())); // 404 before creating anything
    json::object thread_req;
    if (auto it = ctx.body.find("thread"); it != ctx.body.end() && it->value().is_object())
      thread_req = it->value().get_object();
    check_metadata(thread_req);
    thread_rec t;
    std::string tid = s.new_id("thread_");
    t.obj = {{"id", tid}, {"object", "thread"}, {"created_at", unix_now()}};
    auto md = thread_req.find("metadata");
    t.obj["metadata"] =
        md == thread_req.end() || md->value().is_null() ? json::value(json::object()) : md->value();
    json::value res = field_or(thread_req, "tool_resources", nullptr);
    if (res.is_null()) res = field_or(ctx.body, "tool_resources", nullptr);
    t.obj["tool_resources"] = res.is_null() ? json::value(json::object()) : res;
    if (auto it = thread_req.find("messages"); it != thread_req.end() && it->value().is_array())
      for (const auto& m : it->value().get_array())
        make_message(s, t, m.as_object(), tid);
    auto& stored = s.threads.insert_or_assign(tid, std::move(t)).first->second;
    std::vector<sse_event> events;
    if (wants_stream(ctx.body)) events.push_back({"thread.created", json_text(stored.obj), 0});
    return start_run(s, ctx, stored, tid, std::move(events));
  };
  h["getRun"] = [](state& s, request_ctx& ctx) {
    auto& t = s.thread(ctx.param("thread_id"));
    s.advance_thread(t, ctx.now);
    return poll_reply(s, s.run(t, ctx.param("run_id")).obj);
  };
  h["listRuns"] = [](state& s, request_ctx& ctx) {
    auto& t = s.thread(ctx.param("thread_id"));
    s.advance_thread(t, ctx.now);
    std::vector<const json::object*> items;
    for (const auto& id : t.runs.order)
      items.push_back(&t.runs.items.at(id).obj);
    return list_reply(ctx, items);
  };
  h["modifyRun"] = [](state& s, request_ctx& ctx) {
    check_metadata(ctx.body);
    auto& t = s.thread(ctx.param("thread_id"));
    s.advance_thread(t, ctx.now);
    auto& r = s.run(t, ctx.param("run_id"));
    if (auto it = ctx.body.find("metadata"); it != ctx.body.end())
      r.obj["metadata"] = it->value().is_null() ? json::value(json::object()) : it->value();
    return poll_reply(s, r.obj);
  };
  h["cancelRun"] = [](state& s, request_ctx& ctx) {
    auto& t = s.thread(ctx.param("thread_id"));
    s.advance_thread(t, ctx.now);
    auto& r = s.run(t, ctx.param("run_id"));
    std::string status(r.obj.at("status").as_string());
    if (status != "queued" && status != "in_progress" && status != "requires_action")
      throw api_error(400, "Cannot cancel run with status '" + status + "'.");
    r.obj["status"] = "cancelling";
    r.obj["required_action"] = nullptr;
    r.phase_start = ctx.now;
    return poll_reply(s, r.obj);
  };
  h["submitToolOuputsToRun"] = [](state& s, request_ctx& ctx) {
    auto& t = s.thread(ctx.param("thread_id"));
    s.advance_thread(t, ctx.now);
    auto& r = s.run(t, ctx.param("run_id"));
    std::string status(r.obj.at("status").as_string());
    if (status != "requires_action")
      throw api_error(400, "Runs in status \"" + status + "\" do not accept tool outputs.");
    const auto& calls = r.obj.at("required_action")
                            .as_object()
                            .at("submit_tool_outputs")
                            .as_object()
                            .at("tool_calls")
                            .as_array();
    const auto& outputs = ctx.body.at("tool_outputs").as_array();
    std::vector<std::string> expected, got;
    for (const auto& c : calls)
      expected.emplace_back(c.as_object().at("id").as_string());
    for (std::size_t i = 0; i < outputs.size(); ++i) {
      const auto& o = outputs[i].as_object();
      if (!o.contains("tool_call_id"))
        throw api_error(
            400,
            "Missing required parameter: 'tool_outputs[" + std::to_string(i) + "].tool_call_id'.",
            "tool_outputs[" + std::to_string(i) + "].tool_call_id", "missing_required_parameter");
      std::string id(o.at("tool_call_id").as_string());
      if (std::find(expected.begin(), expected.end(), id) == expected.end())
        throw api_error(400,
                        "Invalid 'tool_outputs[" + std::to_string(i) +
                            "].tool_call_id': no tool call with id '" + id +
                            "' is waiting for output.",
                        "tool_outputs[" + std::to_string(i) + "].tool_call_id", "invalid_value");
      got.push_back(id);
    }
    auto list = [](const std::vector<std::string>& v) {
      std::string out = "[";
      for (std::size_t i = 0; i < v.size(); ++i)
        out += (i ? ", '" : "'") + v[i] + "'";
      return out + "]";
    };
    for (const auto& id : expected)
      if (std::find(got.begin(), got.end(), id) == got.end())
        throw api_error(
            400, "Expected tool outputs for call_ids " + list(expected) + ", got " + list(got),
            "tool_outputs");
    // record the outputs on the tool_calls step, which completes
    auto& step = *r.steps.find(r.tool_step_id);
    for (auto& call : step["step_details"].as_object()["tool_calls"].as_array()) {
      auto& c = call.as_object();
      for (const auto& o : outputs) {
        const auto& oo = o.as_object();
        if (oo.at("tool_call_id") != c.at("id")) continue;
        json::value out = field_or(oo, "output", "");
        c["function"].as_object()["output"] = out;
        r.outputs.push_back(json::object{{"tool_call_id", c.at("id")},
                                         {"name", c["function"].as_object().at("name")},
                                         {"output", out}});
      }
    }
    step["status"] = "completed";
    step["completed_at"] = unix_now();
    r.obj["status"] = "queued";
    r.obj["required_action"] = nullptr;
    r.phase_start = ctx.now;
    if (!wants_stream(ctx.body)) return poll_reply(s, r.obj);
    std::vector<sse_event> events;
    events.push_back({"thread.run.step.completed", json_text(step), 0});
    events.push_back({"thread.run.queued", json_text(r.obj), 0});
    auto more = run_until_pause(s, t, r, ctx.now);
    events.insert(events.end(), more.begin(), more.end());
    return stream_reply(std::move(events));
  };
  h["listRunSteps"] = [](state& s, request_ctx& ctx) {
    auto& t = s.thread(ctx.param("thread_id"));
    s.advance_thread(t, ctx.now);
    auto& r = s.run(t, ctx.param("run_id"));
    std::vector<json::object> shown;
    for (const auto& id : r.steps.order)
      shown.push_back(with_includes(ctx, r, r.steps.items.at(id)));
    std::vector<const json::object*> items;
    for (const auto& st : shown)
      items.push_back(&st);
    return list_reply(ctx, items);
  };
  h["getRunStep"] = [](state& s, request_ctx& ctx) {
    auto& t = s.thread(ctx.param("thread_id"));
    s.advance_thread(t, ctx.now);
    auto& r = s.run(t, ctx.param("run_id"));
    const auto& id = ctx.param("step_id");
    if (auto* st = r.steps.find(id)) return json_reply(with_includes(ctx, r, *st));
    throw api_error(404, "No run step found with id '" + id + "'.");
  };
}

} // namespace emu
