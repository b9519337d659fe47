// The Responses API: createResponse (plain, streamed, background), getResponse (and the resumed
// stream of a background response), deleteResponse, cancelResponse, listInputItems, input token
// counts and compaction, with the deterministic, scriptable model behind them (see
// emulator/README.md, "Responses").
#include "state.hpp"

#include <algorithm>
#include <charconv>
#include <set>
#include <sstream>

namespace emu {

namespace {

using ms = std::chrono::milliseconds;

// An event of a streamed response: `type` and `sequence_number` first, as the service writes them.
json::object event(std::string_view type) {
  return json::object{{"type", type}, {"sequence_number", 0}};
}

bool truthy(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_bool() && it->value().get_bool();
}

std::string conversation_id_of(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (const auto* o = v.if_object(); o && o->contains("id") && o->at("id").is_string())
    return std::string(o->at("id").get_string());
  return {};
}

// the item's keys in the service's order, then whatever else it holds
json::object ordered(const json::object& item, std::initializer_list<std::string_view> keys) {
  json::object out;
  for (auto k : keys)
    if (auto it = item.find(k); it != item.end()) out[k] = it->value();
  for (const auto& kv : item)
    if (!out.contains(kv.key())) out[kv.key()] = kv.value();
  return out;
}

bool has_string(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_string();
}

// Python's tuple notation, as the service's strict-schema messages print the context
std::string tuple_text(const std::vector<std::string>& parts) {
  if (parts.empty()) return "()";
  std::string out = "(";
  for (std::size_t i = 0; i < parts.size(); ++i)
    out += (i ? ", '" : "'") + parts[i] + "'";
  return out + (parts.size() == 1 ? ",)" : ")");
}

// Strict function schemas: every object says additionalProperties: false and requires every
// property.
void check_strict_schema(const json::value& schema, const std::string& function,
                         const std::string& param, std::vector<std::string>& where) {
  const auto* s = schema.if_object();
  if (!s) return;
  auto fail = [&](const std::string& what) {
    throw api_error(400,
                    "Invalid schema for function '" + function +
                        "': In context=" + tuple_text(where) + ", " + what,
                    param, std::string("invalid_function_parameters"));
  };
  const bool is_object =
      (s->contains("type") && s->at("type") == "object") || s->contains("properties");
  if (is_object) {
    auto ap = s->find("additionalProperties");
    if (ap == s->end() || !ap->value().is_bool() || ap->value().get_bool())
      fail("'additionalProperties' is required to be supplied and to be false.");
    const json::array* required = nullptr;
    if (auto r = s->find("required"); r != s->end()) required = r->value().if_array();
    if (auto p = s->find("properties"); p != s->end() && p->value().is_object()) {
      for (const auto& kv : p->value().get_object()) {
        bool listed = required && std::find(required->begin(), required->end(),
                                            json::value(kv.key())) != required->end();
        if (!listed)
          fail("'required' is required to be supplied and to be an array including every key in "
               "properties. Missing '" +
               std::string(kv.key()) + "'.");
      }
      for (const auto& kv : p->value().get_object()) {
        where.insert(where.end(), {"properties", std::string(kv.key())});
        check_strict_schema(kv.value(), function, param, where);
        where.resize(where.size() - 2);
      }
    }
  }
  if (auto it = s->find("items"); it != s->end()) {
    where.push_back("items");
    check_strict_schema(it->value(), function, param, where);
    where.pop_back();
  }
  for (const char* key : {"anyOf", "oneOf", "allOf"})
    if (auto it = s->find(key); it != s->end() && it->value().is_array()) {
      const auto& branches = it->value().get_array();
      for (std::size_t i = 0; i < branches.size(); ++i) {
        where.insert(where.end(), {key, std::to_string(i)});
        check_strict_schema(branches[i], function, param, where);
        where.resize(where.size() - 2);
      }
    }
  for (const char* key : {"$defs", "definitions"})
    if (auto it = s->find(key); it != s->end() && it->value().is_object())
      for (const auto& kv : it->value().get_object()) {
        where.insert(where.end(), {key, std::string(kv.key())});
        check_strict_schema(kv.value(), function, param, where);
        where.resize(where.size() - 2);
      }
}

void check_tools(const json::object& body) {
  auto it = body.find("tools");
  if (it == body.end() || !it->value().is_array()) return;
  const auto& tools = it->value().get_array();
  for (std::size_t i = 0; i < tools.size(); ++i) {
    const auto* t = tools[i].if_object();
    if (!t || t->at("type") != "function" || !truthy(*t, "strict")) continue;
    std::vector<std::string> where;
    const auto& params = t->at("parameters");
    if (params.is_null()) continue;
    check_strict_schema(params, std::string(t->at("name").as_string()),
                        "tools[" + std::to_string(i) + "].parameters", where);
  }
}

// Every function_call has its function_call_output, and every output answers a call.
void check_tool_outputs(const json::array& context) {
  std::vector<std::string> calls;
  std::set<std::string> called, answered;
  for (const auto& v : context) {
    const auto& item = v.as_object();
    auto type = item.find("type");
    if (type == item.end()) continue;
    if (type->value() == "function_call" && has_string(item, "call_id")) {
      std::string id(item.at("call_id").get_string());
      calls.push_back(id);
      called.insert(id);
    } else if (type->value() == "function_call_output" && has_string(item, "call_id")) {
      std::string id(item.at("call_id").get_string());
      if (!called.contains(id))
        throw api_error(400, "No tool call found for function call output with call_id " + id + ".",
                        std::string("input"));
      answered.insert(id);
    }
  }
  for (const auto& id : calls)
    if (!answered.contains(id))
      throw api_error(400, "No tool output found for function call " + id + ".",
                      std::string("input"));
}

// the words of every text an item holds, for usage and token counts
std::size_t item_words(const json::object& item) {
  std::size_t n = 0;
  if (auto it = item.find("content"); it != item.end())
    n += word_count(text_of_content(it->value()));
  if (auto it = item.find("arguments"); it != item.end() && it->value().is_string())
    n += word_count(it->value().get_string());
  if (auto it = item.find("output"); it != item.end())
    n += word_count(it->value().is_string() ? std::string(it->value().get_string())
                                            : text_of_content(it->value()));
  return n;
}

std::size_t context_words(const json::array& context, const json::value& instructions) {
  std::size_t n = 8;
  for (const auto& v : context)
    n += item_words(v.as_object());
  if (instructions.is_string()) n += word_count(instructions.get_string());
  return n;
}

// The model: one invocation of a response, as events (without sequence numbers yet) with the
// delay before each, and the response object's final state.
class responder {
public:
  struct timed {
    json::object ev;
    int delay_ms;
  };

  responder(state& s, json::object& obj, const json::array& context, const json::array& input,
            const json::object& body, const fault_spec* fault)
      : s_(s), obj_(obj), context_(context), input_(input), body_(body), fault_(fault) {}

  std::vector<timed> events;

  void start(bool background, int step_ms) {
    auto created = event("response.created");
    created["response"] = obj_;
    emit(std::move(created));
    if (background) {
      auto queued = event("response.queued");
      queued["response"] = obj_;
      emit(std::move(queued));
    }
    obj_["status"] = "in_progress";
    auto progress = event("response.in_progress");
    progress["response"] = obj_;
    emit(std::move(progress), background ? step_ms : 0);
  }

  void invoke(json::object turn, int step_ms) {
    delay_ms_ = int_field(turn, "delay_ms", s_.options.stream_delay_ms);
    terminal_delay_ = step_ms;
    if (auto it = turn.find("reasoning"); it != turn.end()) {
      reasoning(it->value().is_string() ? std::string(it->value().get_string()) : std::string());
    } else if (const auto* r = obj_.at("reasoning").if_object()) {
      // a reasoning model (an effort other than "none") reasons first; its summary when asked
      auto effort = r->find("effort");
      if (effort != r->end() && effort->value().is_string() && effort->value() != "none") {
        auto summary = r->find("summary");
        reasoning(summary != r->end() && summary->value().is_string()
                      ? "I considered the request before answering."
                      : "");
      }
    }
    if (auto it = turn.find("fail"); it != turn.end()) return fail(it->value());
    if (auto it = turn.find("stream_error"); it != turn.end()) return stream_error(it->value());
    if (auto it = turn.find("tool_calls"); it != turn.end() && it->value().is_array())
      return function_calls(it->value().get_array(), turn);
    if (auto it = turn.find("refusal"); it != turn.end()) {
      message(it->value().is_string() ? std::string(it->value().get_string())
                                      : "I'm sorry, but I can't help with that.",
              turn, true);
      return finish({});
    }
    message(string_field(turn, "text", "OK."), turn, false);
    finish(incomplete_);
  }

  json::object default_turn() const;

private:
  void emit(json::object ev, int delay = 0) { events.push_back({std::move(ev), delay}); }

  json::object usage() const {
    std::size_t in = context_words(context_, obj_.at("instructions"));
    return {{"input_tokens", in},
            {"input_tokens_details", json::object{{"cached_tokens", 0}, {"cache_write_tokens", 0}}},
            {"output_tokens", output_words_},
            {"output_tokens_details", json::object{{"reasoning_tokens", reasoning_words_}}},
            {"total_tokens", in + output_words_}};
  }

  std::size_t index() const { return output_.size(); }

  void reasoning(const std::string& summary) {
    std::string id = s_.new_id("rs_");
    std::size_t out = index();
    json::object item{{"id", id}, {"type", "reasoning"}, {"summary", json::array()}};
    auto added = event("response.output_item.added");
    added["output_index"] = out;
    added["item"] = item;
    emit(std::move(added));
    if (!summary.empty()) {
      auto part_added = event("response.reasoning_summary_part.added");
      part_added["item_id"] = id;
      part_added["output_index"] = out;
      part_added["summary_index"] = 0;
      part_added["part"] = json::object{{"type", "summary_text"}, {"text", ""}};
      emit(std::move(part_added));
      for (const auto& piece : split_words(summary)) {
        auto d = event("response.reasoning_summary_text.delta");
        d["item_id"] = id;
        d["output_index"] = out;
        d["summary_index"] = 0;
        d["delta"] = piece;
        emit(std::move(d), delay_ms_);
      }
      auto done = event("response.reasoning_summary_text.done");
      done["item_id"] = id;
      done["output_index"] = out;
      done["summary_index"] = 0;
      done["text"] = summary;
      emit(std::move(done));
      json::object part{{"type", "summary_text"}, {"text", summary}};
      auto part_done = event("response.reasoning_summary_part.done");
      part_done["item_id"] = id;
      part_done["output_index"] = out;
      part_done["summary_index"] = 0;
      part_done["part"] = part;
      emit(std::move(part_done));
      item["summary"] = json::array{part};
    }
    reasoning_words_ = word_count(summary);
    output_words_ += reasoning_words_;
    auto done = event("response.output_item.done");
    done["output_index"] = out;
    done["item"] = item;
    emit(std::move(done));
    output_.push_back(std::move(item));
  }

  // an assistant message streaming `text` (or a refusal)
  void message(std::string text, const json::object& turn, bool refusal) {
    incomplete_ = string_field(turn, "incomplete");
    if (!incomplete_.empty()) text = split_chunks(text, 2).front();
    if (const auto& max = obj_.at("max_output_tokens"); max.is_number() && incomplete_.empty()) {
      auto limit =
          static_cast<std::size_t>(std::max<std::int64_t>(1, max.to_number<std::int64_t>()));
      if (word_count(text) > limit) {
        auto words = split_words(text);
        words.resize(limit);
        std::string cut;
        for (const auto& w : words)
          cut += w;
        text = cut;
        incomplete_ = "max_output_tokens";
      }
    }
    std::string id = s_.new_id("msg_");
    std::size_t out = index();
    json::object item{{"id", id},
                      {"type", "message"},
                      {"status", "in_progress"},
                      {"content", json::array()},
                      {"role", "assistant"}};
    auto added = event("response.output_item.added");
    added["output_index"] = out;
    added["item"] = item;
    emit(std::move(added));
    json::object empty_part = refusal ? json::object{{"type", "refusal"}, {"refusal", ""}}
                                      : json::object{{"type", "output_text"},
                                                     {"annotations", json::array()},
                                                     {"logprobs", json::array()},
                                                     {"text", ""}};
    auto part_added = event("response.content_part.added");
    part_added["item_id"] = id;
    part_added["output_index"] = out;
    part_added["content_index"] = 0;
    part_added["part"] = empty_part;
    emit(std::move(part_added));
    std::vector<std::string> pieces = turn.contains("chunks")
                                          ? split_chunks(text, int_field(turn, "chunks", 1))
                                          : split_words(text);
    for (const auto& piece : pieces) {
      auto d = event(refusal ? "response.refusal.delta" : "response.output_text.delta");
      d["item_id"] = id;
      d["output_index"] = out;
      d["content_index"] = 0;
      d["delta"] = piece;
      if (!refusal) d["logprobs"] = json::array();
      emit(std::move(d), delay_ms_);
    }
    auto done = event(refusal ? "response.refusal.done" : "response.output_text.done");
    done["item_id"] = id;
    done["output_index"] = out;
    done["content_index"] = 0;
    if (refusal) {
      done["refusal"] = text;
    } else {
      done["text"] = text;
      done["logprobs"] = json::array();
    }
    emit(std::move(done));
    json::object part = empty_part;
    part[refusal ? "refusal" : "text"] = text;
    auto part_done = event("response.content_part.done");
    part_done["item_id"] = id;
    part_done["output_index"] = out;
    part_done["content_index"] = 0;
    part_done["part"] = part;
    emit(std::move(part_done));
    item["status"] = incomplete_.empty() ? "completed" : "incomplete";
    item["content"] = json::array{std::move(part)};
    auto item_done = event("response.output_item.done");
    item_done["output_index"] = out;
    item_done["item"] = item;
    emit(std::move(item_done));
    output_.push_back(std::move(item));
    output_words_ += word_count(text);
  }

  void function_calls(const json::array& calls_in, const json::object& turn) {
    struct call {
      json::object item;
      std::size_t out;
      std::vector<std::string> pieces;
    };
    int chunks = int_field(turn, "argument_chunks", 1);
    bool interleave = truthy(turn, "interleave") || (fault_ && fault_->interleave_arguments);
    const bool parallel =
        !obj_.at("parallel_tool_calls").is_bool() || obj_.at("parallel_tool_calls").get_bool();
    std::vector<call> calls;
    for (const auto& v : calls_in) {
      if (!parallel && !calls.empty()) break; // parallel_tool_calls: false -> the first call only
      const auto* c = v.if_object();
      if (!c) continue;
      std::string name = string_field(*c, "name", "function");
      std::string args;
      if (auto a = c->find("arguments"); a != c->end())
        args =
            a->value().is_string() ? std::string(a->value().get_string()) : json_text(a->value());
      json::object item{{"id", s_.new_id("fc_")},        {"type", "function_call"},
                        {"status", "in_progress"},       {"arguments", args},
                        {"call_id", s_.new_id("call_")}, {"name", name}};
      std::vector<std::string> pieces;
      for (auto& p : split_chunks(args, chunks))
        if (!p.empty()) pieces.push_back(std::move(p));
      calls.push_back({std::move(item), index() + calls.size(), std::move(pieces)});
      output_words_ += word_count(args);
    }
    auto added = [&](call& c) {
      auto e = event("response.output_item.added");
      e["output_index"] = c.out;
      json::object item = c.item;
      item["arguments"] = "";
      e["item"] = std::move(item);
      emit(std::move(e));
    };
    auto delta = [&](call& c, const std::string& piece) {
      auto e = event("response.function_call_arguments.delta");
      e["item_id"] = c.item.at("id");
      e["output_index"] = c.out;
      e["delta"] = piece;
      emit(std::move(e), delay_ms_);
    };
    auto done = [&](call& c) {
      auto e = event("response.function_call_arguments.done");
      e["item_id"] = c.item.at("id");
      e["output_index"] = c.out;
      e["name"] = c.item.at("name");
      e["arguments"] = c.item.at("arguments");
      emit(std::move(e));
      c.item["status"] = "completed";
      auto d = event("response.output_item.done");
      d["output_index"] = c.out;
      d["item"] = c.item;
      emit(std::move(d));
    };
    if (interleave) {
      // all items open, then their argument deltas round-robin across the items
      for (auto& c : calls)
        added(c);
      for (std::size_t round = 0;; ++round) {
        bool any = false;
        for (auto& c : calls)
          if (round < c.pieces.size()) {
            delta(c, c.pieces[round]);
            any = true;
          }
        if (!any) break;
      }
      for (auto& c : calls)
        done(c);
    } else {
      for (auto& c : calls) {
        added(c);
        for (const auto& p : c.pieces)
          delta(c, p);
        done(c);
      }
    }
    for (auto& c : calls)
      output_.push_back(std::move(c.item));
    finish({});
  }

  void finish(const std::string& incomplete) {
    obj_["output"] = output_;
    obj_["usage"] = usage();
    if (!incomplete.empty()) {
      obj_["status"] = "incomplete";
      obj_["incomplete_details"] = json::object{{"reason", incomplete}};
    } else {
      obj_["status"] = "completed";
    }
    obj_["completed_at"] = unix_now();
    auto e = event(incomplete.empty() ? "response.completed" : "response.incomplete");
    e["response"] = obj_;
    emit(std::move(e), terminal_delay_);
  }

  void fail(const json::value& spec) {
    const auto* o = spec.if_object();
    std::string code = o ? string_field(*o, "code", "server_error") : "server_error";
    if (code != "server_error" && code != "rate_limit_exceeded" && code != "invalid_prompt")
      code = "server_error";
    std::string message = o ? string_field(*o, "message", "Sorry, something went wrong.")
                            : "Sorry, something went wrong.";
    obj_["status"] = "failed";
    obj_["error"] = json::object{{"code", code}, {"message", message}};
    obj_["output"] = output_;
    obj_["usage"] = usage();
    auto e = event("response.failed");
    e["response"] = obj_;
    emit(std::move(e), terminal_delay_);
  }

  // the service's mid-stream failure: a flat `error` event ends the stream
  void stream_error(const json::value& spec) {
    const auto* o = spec.if_object();
    std::string message =
        o ? string_field(*o, "message", "The server had an error.") : "The server had an error.";
    json::value code = o && o->contains("code") ? o->at("code") : json::value("server_error");
    obj_["status"] = "failed";
    obj_["error"] = json::object{{"code", "server_error"}, {"message", message}};
    obj_["output"] = output_;
    obj_["usage"] = usage();
    auto e = event("error");
    e["code"] = code;
    e["message"] = message;
    e["param"] = nullptr;
    emit(std::move(e), terminal_delay_);
  }

  state& s_;
  json::object& obj_;
  const json::array& context_;
  const json::array& input_;
  const json::object& body_;
  const fault_spec* fault_;
  json::array output_;
  int delay_ms_ = 0;
  int terminal_delay_ = 0;
  std::string incomplete_;
  std::size_t output_words_ = 0, reasoning_words_ = 0;
};

// The default model: see emulator/README.md.
json::object responder::default_turn() const {
  // outputs of tool calls in this request's input: the reply quotes them
  std::string outputs;
  for (const auto& v : input_) {
    const auto& item = v.as_object();
    if (item.at("type") != "function_call_output") continue;
    std::string call_id = string_field(item, "call_id"), name = "function";
    for (const auto& c : context_)
      if (c.as_object().at("type") == "function_call" &&
          string_field(c.as_object(), "call_id") == call_id)
        name = string_field(c.as_object(), "name", name);
    const auto& out = item.at("output");
    outputs += " " + name + " -> " +
               (out.is_string() ? std::string(out.get_string()) : text_of_content(out)) + ";";
  }
  if (!outputs.empty()) {
    outputs.pop_back();
    return {{"text", "Tool outputs:" + outputs + "."}};
  }
  auto last_user = [](const json::array& items) -> std::string {
    for (auto it = items.rbegin(); it != items.rend(); ++it) {
      const auto& item = it->as_object();
      if (item.at("type") == "message" && item.contains("role") && item.at("role") == "user")
        return text_of_content(item.at("content"));
    }
    return {};
  };
  std::string text = last_user(input_);
  if (text.empty()) text = last_user(context_);
  if (text.empty()) return {{"text", "Hello! How can I help you today?"}};
  const json::value& choice = obj_.at("tool_choice");
  const bool calls_allowed = !(choice.is_string() && choice.get_string() == "none");
  json::array calls;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("/refuse", 0) == 0) {
      std::string why = line.size() > 8 ? line.substr(8) : "I'm sorry, but I can't help with that.";
      return {{"refusal", why}};
    }
    if (line.rfind("/call ", 0) != 0 || !calls_allowed) continue;
    std::string rest = line.substr(6);
    auto sp = rest.find(' ');
    std::string name = rest.substr(0, sp);
    std::string args = sp == std::string::npos ? "{}" : rest.substr(sp + 1);
    bool known = false;
    std::string available;
    for (const auto& tool : obj_.at("tools").as_array()) {
      const auto& to = tool.as_object();
      if (to.at("type") != "function") continue;
      std::string_view n = to.at("name").as_string();
      known = known || n == name;
      available += (available.empty() ? "" : ", ") + std::string(n);
    }
    if (!known)
      return {{"fail",
               json::object{{"code", "invalid_prompt"},
                            {"message", "The model called function '" + name +
                                            "', which is not among this response's tools (" +
                                            (available.empty() ? std::string("none") : available) +
                                            ")."}}}};
    calls.push_back(json::object{{"name", name}, {"arguments", args}});
  }
  if (!calls.empty()) return {{"tool_calls", std::move(calls)}, {"argument_chunks", 3}};
  return {{"text", "You said: " + text}};
}

// A new Response object in the service's shape, from the request.
json::object new_response(state& s, const json::object& b, bool background,
                          const std::string& conversation) {
  auto field = [&](std::string_view key, json::value fallback) {
    auto it = b.find(key);
    return it == b.end() || it->value().is_null() ? fallback : it->value();
  };
  json::object r;
  r["id"] = s.new_id("resp_");
  r["object"] = "response";
  r["created_at"] = unix_now();
  r["status"] = background ? "queued" : "in_progress";
  r["background"] = background;
  r["completed_at"] = nullptr;
  r["conversation"] =
      conversation.empty() ? json::value(nullptr) : json::value(json::object{{"id", conversation}});
  r["error"] = nullptr;
  r["incomplete_details"] = nullptr;
  r["instructions"] = field("instructions", nullptr);
  r["max_output_tokens"] = field("max_output_tokens", nullptr);
  r["max_tool_calls"] = field("max_tool_calls", nullptr);
  r["metadata"] = field("metadata", json::object());
  r["model"] = field("model", "gpt-4o");
  r["output"] = json::array();
  r["parallel_tool_calls"] = field("parallel_tool_calls", true);
  r["previous_response_id"] = field("previous_response_id", nullptr);
  r["prompt_cache_key"] = field("prompt_cache_key", nullptr);
  r["reasoning"] = field("reasoning", nullptr);
  r["safety_identifier"] = field("safety_identifier", nullptr);
  r["service_tier"] = field("service_tier", "default");
  r["store"] = field("store", true);
  r["temperature"] = field("temperature", 1.0);
  r["text"] = field(
      "text", json::object{{"format", json::object{{"type", "text"}}}, {"verbosity", "medium"}});
  r["tool_choice"] = field("tool_choice", "auto");
  r["tools"] = field("tools", json::array());
  r["top_logprobs"] = field("top_logprobs", 0);
  r["top_p"] = field("top_p", 1.0);
  r["truncation"] = field("truncation", "disabled");
  if (auto it = b.find("user"); it != b.end() && it->value().is_string()) r["user"] = it->value();
  return r;
}

// random padding on delta events, as the service adds it (stream_options.include_obfuscation)
std::string obfuscation(state& s, std::size_t delta_size) {
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::size_t n = 16 - delta_size % 16;
  std::string out;
  std::uint64_t pool = s.rng();
  for (std::size_t i = 0; i < n; ++i) {
    if (i % 10 == 0 && i) pool = s.rng();
    out += alphabet[pool % 62];
    pool /= 62;
  }
  return out;
}

sse_event to_sse(state& s, json::object ev, int delay_ms, bool obfuscate) {
  if (obfuscate)
    if (auto it = ev.find("delta"); it != ev.end() && it->value().is_string())
      ev["obfuscation"] = obfuscation(s, it->value().get_string().size());
  std::string name(ev.at("type").as_string());
  return {std::move(name), json_text(ev), delay_ms};
}

http_reply stream_reply(std::vector<sse_event> events) {
  http_reply r;
  r.stream = true;
  r.content_type = "text/event-stream; charset=utf-8";
  r.events = std::move(events);
  return r;
}

bool include_obfuscation(const json::object& body) {
  auto it = body.find("stream_options");
  if (it == body.end() || !it->value().is_object()) return true;
  const auto& o = it->value().get_object();
  auto f = o.find("include_obfuscation");
  return f == o.end() || !f->value().is_bool() || f->value().get_bool();
}

// a background response's state now: the last checkpoint that has happened
const json::object& current(const response_rec& r, clock_type::time_point now) {
  if (!r.background || r.checkpoints.empty()) return r.obj;
  const json::object* best = &r.checkpoints.front().second;
  for (const auto& [t, obj] : r.checkpoints)
    if (t <= now) best = &obj;
  return *best;
}

bool active(std::string_view status) {
  return status == "queued" || status == "in_progress";
}

// the events of a background response after sequence number `after`, each delayed until it falls
// due (those already due at once): a replay that continues live
std::vector<sse_event> replay(state& s, const response_rec& r, std::int64_t after,
                              clock_type::time_point now, bool obfuscate) {
  std::vector<sse_event> out;
  clock_type::time_point cursor = now;
  for (std::size_t i = 0; i < r.events.size(); ++i) {
    if (static_cast<std::int64_t>(i) <= after) continue;
    int delay = 0;
    if (r.due[i] > cursor) {
      delay = static_cast<int>(std::chrono::duration_cast<ms>(r.due[i] - cursor).count());
      cursor = r.due[i];
    }
    out.push_back(to_sse(s, r.events[i], delay, obfuscate));
  }
  return out;
}

json::array context_of(state& s, const json::object& body, response_rec** prev,
                       conversation_rec** conv, std::string& conv_id) {
  json::array context;
  const json::value prev_id = field_or(body, "previous_response_id", nullptr);
  const json::value conv_v = field_or(body, "conversation", nullptr);
  if (!prev_id.is_null() && !conv_v.is_null())
    throw api_error(400,
                    "Mutually exclusive parameters: Ensure you are only providing one of: "
                    "'previous_response_id' or 'conversation'.",
                    std::nullopt, std::string("mutually_exclusive_parameters"));
  if (prev_id.is_string()) {
    std::string id(prev_id.get_string());
    *prev = s.responses.find(id);
    if (!*prev)
      throw api_error(400, "Previous response with id '" + id + "' not found.",
                      std::string("previous_response_id"),
                      std::string("previous_response_not_found"));
    context = (*prev)->context;
  }
  if (!conv_v.is_null()) {
    conv_id = conversation_id_of(conv_v);
    *conv = &s.conversation(conv_id);
    for (const auto& id : (*conv)->items.order)
      context.push_back((*conv)->items.items.at(id));
  }
  return context;
}

http_reply create_response(state& s, request_ctx& ctx) {
  const auto& b = ctx.body;
  const bool stream = truthy(b, "stream");
  const bool background = truthy(b, "background");
  check_tools(b);
  response_rec* prev = nullptr;
  conversation_rec* conv = nullptr;
  std::string conv_id;
  json::array context = context_of(s, b, &prev, &conv, conv_id);
  json::array input = b.contains("input") ? store_input(s, b.at("input"), "input") : json::array();
  check_no_duplicates(context, input, "input");
  for (const auto& item : input)
    context.push_back(item);
  check_tool_outputs(context);
  check_metadata(b);

  response_rec rec;
  rec.obj = new_response(s, b, background, conv_id);
  rec.background = background;
  rec.created = ctx.now;
  rec.input_items = input;
  // the turn: one queued on the chain, then on the conversation, then for the next response
  std::optional<json::object> turn;
  if (prev) {
    rec.script = std::move(prev->script);
    prev->script.clear();
  }
  auto take = [&](std::deque<json::object>& q) {
    if (!turn && !q.empty()) {
      turn = std::move(q.front());
      q.pop_front();
    }
  };
  take(rec.script);
  if (conv) take(conv->script);
  take(s.response_script);

  const int step = background ? s.options.response_step_ms : 0;
  responder model(s, rec.obj, context, input, b, ctx.fault);
  model.start(background, step);
  model.invoke(turn ? std::move(*turn) : model.default_turn(), step);

  // what a follow-up sees: everything the model saw, then what it produced
  for (const auto& item : rec.obj.at("output").as_array()) {
    context.push_back(item);
    s.items[std::string(item.at("id").as_string())] = item.as_object();
  }
  rec.context = std::move(context);
  if (conv) {
    for (const auto& item : input)
      conv->items.add(std::string(item.at("id").as_string()), item.as_object());
    for (const auto& item : rec.obj.at("output").as_array())
      conv->items.add(std::string(item.at("id").as_string()), item.as_object());
  }

  // number the events; a foreground stream may get injected extra events first
  std::vector<responder::timed> events = std::move(model.events);
  if (ctx.fault && !background) {
    auto insert = [&](int after, json::object ev) {
      if (after < 0) return;
      auto pos = std::min<std::size_t>(static_cast<std::size_t>(after), events.size());
      events.insert(events.begin() + static_cast<std::ptrdiff_t>(pos), {std::move(ev), 0});
    };
    json::object unknown = event("response.emulator_unknown_event");
    unknown["note"] = "an event type this client does not know";
    insert(ctx.fault->unknown_event_after, std::move(unknown));
    insert(ctx.fault->keepalive_event_after, event("keepalive"));
  }
  for (std::size_t i = 0; i < events.size(); ++i)
    events[i].ev["sequence_number"] = i;

  const std::string id(rec.obj.at("id").as_string());
  const bool store = !rec.obj.at("store").is_bool() || rec.obj.at("store").get_bool();
  http_reply reply;
  if (background) {
    clock_type::time_point t = ctx.now;
    for (auto& e : events) {
      t += ms(e.delay_ms);
      rec.due.push_back(t);
      std::string_view type = e.ev.at("type").as_string();
      if (type == "response.created" || type == "response.in_progress" ||
          type == "response.completed" || type == "response.incomplete" ||
          type == "response.failed")
        rec.checkpoints.emplace_back(t, e.ev.at("response").as_object());
      else if (type == "error")
        rec.checkpoints.emplace_back(t, rec.obj);
      rec.events.push_back(std::move(e.ev));
    }
    response_rec& stored = s.responses.add(id, std::move(rec));
    if (stream) {
      reply = stream_reply(replay(s, stored, -1, ctx.now, include_obfuscation(b)));
      reply.stop = stored.cancelled;
      return reply;
    }
    return json_reply(current(stored, ctx.now));
  }
  if (stream) {
    std::vector<sse_event> out;
    out.reserve(events.size());
    const bool obfuscate = include_obfuscation(b);
    for (auto& e : events)
      out.push_back(to_sse(s, std::move(e.ev), e.delay_ms, obfuscate));
    reply = stream_reply(std::move(out));
  } else {
    reply = json_reply(rec.obj);
  }
  if (store) s.responses.add(id, std::move(rec));
  return reply;
}

http_reply get_response(state& s, request_ctx& ctx) {
  auto& r = s.response(ctx.param("response_id"));
  const auto& q = ctx.req.query;
  auto stream = q.find("stream");
  if (stream == q.end() || stream->second != "true") return json_reply(current(r, ctx.now));
  if (!r.background)
    throw api_error(400,
                    "This response cannot be streamed because it was not created with "
                    "background=true.",
                    std::string("stream"));
  if (ctx.now - r.created > ms(s.options.resume_window_ms))
    throw api_error(400,
                    "This response can no longer be streamed because it was created more than " +
                        std::to_string(s.options.resume_window_ms / 60000) + " minutes ago.",
                    std::string("stream"));
  std::int64_t after = -1;
  if (auto it = q.find("starting_after"); it != q.end()) {
    const std::string& text = it->second;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), after);
    if (ec != std::errc() || p != text.data() + text.size())
      throw api_error(
          400, "Invalid 'starting_after': expected an integer, but got '" + text + "' instead.",
          std::string("starting_after"), std::string("invalid_type"));
  }
  bool obfuscate = true;
  if (auto it = q.find("include_obfuscation"); it != q.end()) obfuscate = it->second != "false";
  http_reply reply = stream_reply(replay(s, r, after, ctx.now, obfuscate));
  reply.stop = r.cancelled;
  return reply;
}

http_reply cancel_response(state& s, request_ctx& ctx) {
  auto& r = s.response(ctx.param("response_id"));
  if (!r.background) throw api_error(400, "Cannot cancel a synchronous response.");
  const json::object now_obj = current(r, ctx.now);
  if (!active(now_obj.at("status").as_string())) return json_reply(now_obj);
  // the schedule ends here: nothing after now happens
  json::object cancelled = now_obj;
  cancelled["status"] = "cancelled";
  std::size_t keep = 0;
  while (keep < r.due.size() && r.due[keep] <= ctx.now)
    ++keep;
  r.events.resize(keep);
  r.due.resize(keep);
  std::erase_if(r.checkpoints, [&](const auto& c) { return c.first > ctx.now; });
  r.checkpoints.emplace_back(ctx.now, cancelled);
  r.obj = cancelled;
  r.cancelled->store(true); // open streams of it end before their next event
  return json_reply(cancelled);
}

http_reply delete_response(state& s, request_ctx& ctx) {
  const std::string& id = ctx.param("response_id");
  s.response(id);
  s.responses.erase(id);
  return json_reply({{"id", id}, {"object", "response.deleted"}, {"deleted", true}});
}

http_reply list_input_items(state& s, request_ctx& ctx) {
  auto& r = s.response(ctx.param("response_id"));
  std::vector<const json::object*> items;
  for (const auto& v : r.input_items)
    items.push_back(&v.as_object());
  return list_reply(ctx, items, false);
}

http_reply input_tokens(state& s, request_ctx& ctx) {
  const auto& b = ctx.body;
  response_rec* prev = nullptr;
  conversation_rec* conv = nullptr;
  std::string conv_id;
  json::array context = context_of(s, b, &prev, &conv, conv_id);
  if (auto it = b.find("input"); it != b.end() && !it->value().is_null()) {
    // counted, not stored: nothing joins the item index
    if (it->value().is_string())
      context.push_back(
          json::object{{"type", "message"}, {"role", "user"}, {"content", it->value()}});
    else
      for (const auto& v : it->value().as_array())
        context.push_back(v);
  }
  return json_reply(
      {{"object", "response.input_tokens"},
       {"input_tokens", context_words(context, field_or(b, "instructions", nullptr))}});
}

http_reply compact(state& s, request_ctx& ctx) {
  const auto& b = ctx.body;
  response_rec* prev = nullptr;
  conversation_rec* conv = nullptr;
  std::string conv_id;
  json::array context = context_of(s, b, &prev, &conv, conv_id);
  if (auto it = b.find("input"); it != b.end() && !it->value().is_null())
    for (const auto& item : store_input(s, it->value(), "input"))
      context.push_back(item);
  // the user's messages stay; everything else becomes one opaque compaction item
  json::array output;
  std::string summary;
  for (const auto& v : context) {
    const auto& item = v.as_object();
    if (item.at("type") == "message" && item.contains("role") && item.at("role") == "user")
      output.push_back(item);
    else
      summary += json_text(item);
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string encrypted = "emu:";
  for (unsigned char c : summary.substr(0, 512)) {
    encrypted += hex[c >> 4];
    encrypted += hex[c & 15];
  }
  output.push_back(json::object{
      {"id", s.new_id("cmp_")}, {"type", "compaction"}, {"encrypted_content", encrypted}});
  std::size_t in = context_words(context, field_or(b, "instructions", nullptr));
  return json_reply(
      {{"id", s.new_id("resp_")},
       {"object", "response.compaction"},
       {"created_at", unix_now()},
       {"output", std::move(output)},
       {"usage", json::object{{"input_tokens", in},
                              {"input_tokens_details",
                               json::object{{"cached_tokens", 0}, {"cache_write_tokens", 0}}},
                              {"output_tokens", 0},
                              {"output_tokens_details", json::object{{"reasoning_tokens", 0}}},
                              {"total_tokens", in}}}});
}

} // namespace

json::object store_input_item(state& s, const json::value& in, const std::string& param) {
  json::object item = in.as_object();
  // an item without a type is a message, or (only an id) a reference to an earlier item
  std::string type = has_string(item, "type") ? std::string(item.at("type").get_string())
                     : item.contains("role") || item.contains("content") ? "message"
                                                                         : "item_reference";
  if (type == "item_reference") {
    std::string id = string_field(item, "id");
    auto it = s.items.find(id);
    if (it == s.items.end()) throw api_error(404, "Item with id '" + id + "' not found.", param);
    return it->second;
  }
  auto ensure_id = [&](std::string_view prefix) {
    if (!has_string(item, "id")) item["id"] = s.new_id(prefix);
  };
  if (type == "message") {
    item["type"] = "message";
    std::string role = string_field(item, "role", "user");
    json::value& content = item["content"];
    if (content.is_string()) {
      std::string text(content.get_string());
      if (role == "assistant")
        content = json::array{json::object{{"type", "output_text"},
                                           {"annotations", json::array()},
                                           {"logprobs", json::array()},
                                           {"text", text}}};
      else
        content = json::array{json::object{{"type", "input_text"}, {"text", text}}};
    }
    ensure_id("msg_");
    if (!has_string(item, "status")) item["status"] = "completed";
    item.erase("phase");
    item = ordered(item, {"id", "type", "status", "content", "role"});
  } else if (type == "function_call") {
    ensure_id("fc_");
    if (!has_string(item, "status")) item["status"] = "completed";
    item = ordered(item, {"id", "type", "status", "arguments", "call_id", "name"});
  } else if (type == "function_call_output") {
    ensure_id("fco_");
    if (!has_string(item, "status")) item["status"] = "completed";
    for (const char* k : {"name", "namespace", "caller"})
      if (item.contains(k) && item.at(k).is_null()) item.erase(k);
    item = ordered(item, {"id", "type", "status", "call_id", "output"});
  } else if (type == "reasoning") {
    ensure_id("rs_");
  } else {
    ensure_id("item_");
  }
  s.items[std::string(item.at("id").as_string())] = item;
  return item;
}

json::array store_input(state& s, const json::value& input, const std::string& param) {
  json::array out;
  if (input.is_string()) {
    out.push_back(store_input_item(
        s, json::object{{"type", "message"}, {"role", "user"}, {"content", input}}, param));
  } else if (const auto* arr = input.if_array()) {
    for (std::size_t i = 0; i < arr->size(); ++i)
      out.push_back(store_input_item(s, (*arr)[i], param));
  }
  return out;
}

void check_no_duplicates(const json::array& existing, const json::array& added,
                         const std::string& param) {
  std::set<std::string> ids;
  for (const auto& v : existing)
    if (has_string(v.as_object(), "id"))
      ids.insert(std::string(v.as_object().at("id").as_string()));
  for (const auto& v : added) {
    std::string id(v.as_object().at("id").as_string());
    if (!ids.insert(id).second)
      throw api_error(400,
                      "Duplicate item found with id " + id +
                          ". Remove duplicate items from your input and try again.",
                      param);
  }
}

void register_response_handlers(state& s) {
  s.handlers["createResponse"] = create_response;
  s.handlers["getResponse"] = get_response;
  s.handlers["cancelResponse"] = cancel_response;
  s.handlers["deleteResponse"] = delete_response;
  s.handlers["listInputItems"] = list_input_items;
  s.handlers["Getinputtokencounts"] = input_tokens;
  s.handlers["Compactconversation"] = compact;
}

} // namespace emu
