// Assistants, threads and messages.
#include "state.hpp"

namespace emu {

namespace {

json::value or_null(const json::object& body, std::string_view key) {
  auto it = body.find(key);
  return it == body.end() ? json::value(nullptr) : it->value();
}

json::value metadata_of(const json::object& body) {
  auto it = body.find("metadata");
  if (it == body.end() || it->value().is_null()) return json::object();
  return it->value();
}

// apply a modify request: given keys replace, null metadata clears
void apply_updates(json::object& obj, const json::object& body,
                   std::initializer_list<std::string_view> keys) {
  for (auto key : keys) {
    auto it = body.find(key);
    if (it == body.end()) continue;
    if (key == "metadata")
      obj["metadata"] = it->value().is_null() ? json::value(json::object()) : it->value();
    else
      obj[key] = it->value();
  }
}

json::object deleted(const std::string& id, std::string_view object) {
  return {{"id", id}, {"object", object}, {"deleted", true}};
}

json::object make_assistant(state& s, const json::object& body) {
  json::object a;
  a["id"] = s.new_id("asst_");
  a["object"] = "assistant";
  a["created_at"] = unix_now();
  a["name"] = or_null(body, "name");
  a["description"] = or_null(body, "description");
  a["model"] = body.at("model");
  a["instructions"] = or_null(body, "instructions");
  a["tools"] = field_or(body, "tools", json::array());
  a["top_p"] = field_or(body, "top_p", 1.0);
  a["temperature"] = field_or(body, "temperature", 1.0);
  if (a["top_p"].is_null()) a["top_p"] = 1.0;
  if (a["temperature"].is_null()) a["temperature"] = 1.0;
  a["tool_resources"] = field_or(body, "tool_resources", json::object());
  if (a["tool_resources"].is_null()) a["tool_resources"] = json::object();
  a["metadata"] = metadata_of(body);
  a["response_format"] = field_or(body, "response_format", "auto");
  if (a["response_format"].is_null()) a["response_format"] = "auto";
  return a;
}

void check_tools(const json::object& body) {
  auto it = body.find("tools");
  if (it == body.end() || !it->value().is_array()) return;
  std::vector<std::string> names;
  const auto& tools = it->value().get_array();
  for (std::size_t i = 0; i < tools.size(); ++i) {
    const auto& t = tools[i].as_object();
    if (t.at("type").as_string() != "function") continue;
    std::string name(t.at("function").as_object().at("name").as_string());
    if (std::find(names.begin(), names.end(), name) != names.end())
      throw api_error(400, "Duplicate tool name: '" + name + "'.",
                      "tools[" + std::to_string(i) + "].function.name");
    names.push_back(name);
  }
}

} // namespace

json::object make_message(state& s, thread_rec& t, const json::object& req,
                          const std::string& thread_id) {
  check_metadata(req);
  json::array content;
  const auto& c = req.at("content");
  if (c.is_string()) {
    content.push_back(json::object{
        {"type", "text"}, {"text", json::object{{"value", c}, {"annotations", json::array()}}}});
  } else {
    for (const auto& part : c.as_array()) {
      json::object p = part.as_object();
      if (p.at("type").as_string() == "text")
        p["text"] = json::object{{"value", p.at("text")}, {"annotations", json::array()}};
      content.push_back(std::move(p));
    }
  }
  json::object m;
  m["id"] = s.new_id("msg_");
  m["object"] = "thread.message";
  m["created_at"] = unix_now();
  m["assistant_id"] = nullptr;
  m["thread_id"] = thread_id;
  m["run_id"] = nullptr;
  m["role"] = req.at("role");
  m["content"] = std::move(content);
  m["attachments"] = field_or(req, "attachments", json::array());
  if (m["attachments"].is_null()) m["attachments"] = json::array();
  m["metadata"] = metadata_of(req);
  m["status"] = "completed";
  m["incomplete_details"] = nullptr;
  m["completed_at"] = nullptr;
  m["incomplete_at"] = nullptr;
  std::string id(m["id"].as_string());
  return t.messages.add(id, std::move(m));
}

void register_assistant_handlers(state& s) {
  auto& h = s.handlers;

  // ----- assistants -----
  h["createAssistant"] = [](state& s, request_ctx& ctx) {
    check_metadata(ctx.body);
    check_tools(ctx.body);
    auto a = make_assistant(s, ctx.body);
    std::string id(a["id"].as_string());
    return json_reply(s.assistants.add(id, std::move(a)));
  };
  h["getAssistant"] = [](state& s, request_ctx& ctx) {
    return json_reply(s.assistant(ctx.param("assistant_id")));
  };
  h["modifyAssistant"] = [](state& s, request_ctx& ctx) {
    check_metadata(ctx.body);
    check_tools(ctx.body);
    auto& a = s.assistant(ctx.param("assistant_id"));
    apply_updates(a, ctx.body,
                  {"model", "name", "description", "instructions", "tools", "tool_resources",
                   "metadata", "temperature", "top_p", "response_format"});
    return json_reply(a);
  };
  h["deleteAssistant"] = [](state& s, request_ctx& ctx) {
    const auto& id = ctx.param("assistant_id");
    if (!s.assistants.erase(id)) throw api_error(404, "No assistant found with id '" + id + "'.");
    return json_reply(deleted(id, "assistant.deleted"));
  };
  h["listAssistants"] = [](state& s, request_ctx& ctx) {
    std::vector<const json::object*> items;
    for (const auto& id : s.assistants.order)
      items.push_back(&s.assistants.items.at(id));
    return list_reply(ctx, items);
  };

  // ----- threads -----
  h["createThread"] = [](state& s, request_ctx& ctx) {
    check_metadata(ctx.body);
    thread_rec t;
    std::string id = s.new_id("thread_");
    t.obj["id"] = id;
    t.obj["object"] = "thread";
    t.obj["created_at"] = unix_now();
    t.obj["metadata"] = metadata_of(ctx.body);
    t.obj["tool_resources"] = field_or(ctx.body, "tool_resources", json::object());
    if (t.obj["tool_resources"].is_null()) t.obj["tool_resources"] = json::object();
    if (auto it = ctx.body.find("messages"); it != ctx.body.end() && it->value().is_array())
      for (const auto& m : it->value().get_array())
        make_message(s, t, m.as_object(), id);
    auto& stored = s.threads.insert_or_assign(id, std::move(t)).first->second;
    return json_reply(stored.obj);
  };
  h["getThread"] = [](state& s, request_ctx& ctx) {
    return json_reply(s.thread(ctx.param("thread_id")).obj);
  };
  h["modifyThread"] = [](state& s, request_ctx& ctx) {
    check_metadata(ctx.body);
    auto& t = s.thread(ctx.param("thread_id"));
    apply_updates(t.obj, ctx.body, {"tool_resources", "metadata"});
    return json_reply(t.obj);
  };
  h["deleteThread"] = [](state& s, request_ctx& ctx) {
    const auto& id = ctx.param("thread_id");
    if (s.threads.erase(id) == 0) throw api_error(404, "No thread found with id '" + id + "'.");
    return json_reply(deleted(id, "thread.deleted"));
  };

  // ----- messages -----
  h["createMessage"] = [](state& s, request_ctx& ctx) {
    const auto& tid = ctx.param("thread_id");
    auto& t = s.thread(tid);
    s.advance_thread(t, ctx.now);
    for (const auto& rid : t.runs.order) {
      std::string_view st = t.runs.items.at(rid).obj.at("status").as_string();
      if (st == "queued" || st == "in_progress" || st == "requires_action" || st == "cancelling")
        throw api_error(400,
                        "Can't add messages to " + tid + " while a run " + rid + " is active.");
    }
    return json_reply(make_message(s, t, ctx.body, tid));
  };
  h["getMessage"] = [](state& s, request_ctx& ctx) {
    auto& t = s.thread(ctx.param("thread_id"));
    s.advance_thread(t, ctx.now);
    return json_reply(s.message(t, ctx.param("message_id")));
  };
  h["modifyMessage"] = [](state& s, request_ctx& ctx) {
    check_metadata(ctx.body);
    auto& t = s.thread(ctx.param("thread_id"));
    auto& m = s.message(t, ctx.param("message_id"));
    apply_updates(m, ctx.body, {"metadata"});
    return json_reply(m);
  };
  h["deleteMessage"] = [](state& s, request_ctx& ctx) {
    auto& t = s.thread(ctx.param("thread_id"));
    const auto& id = ctx.param("message_id");
    if (!t.messages.erase(id)) throw api_error(404, "No message found with id '" + id + "'.");
    return json_reply(deleted(id, "thread.message.deleted"));
  };
  h["listMessages"] = [](state& s, request_ctx& ctx) {
    auto& t = s.thread(ctx.param("thread_id"));
    s.advance_thread(t, ctx.now);
    std::string run_filter;
    if (auto it = ctx.req.query.find("run_id"); it != ctx.req.query.end()) run_filter = it->second;
    std::vector<const json::object*> items;
    for (const auto& id : t.messages.order) {
      const auto& m = t.messages.items.at(id);
      if (!run_filter.empty() &&
          !(m.at("run_id").is_string() && m.at("run_id").as_string() == run_filter))
        continue;
      items.push_back(&m);
    }
    return list_reply(ctx, items);
  };
}

} // namespace emu
