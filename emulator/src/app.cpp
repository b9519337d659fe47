// Request dispatch: faults, authentication, routing by the spec's operations, the OpenAI-Beta
// header, body parsing and validation against the spec's request schemas, then the handler.
#include "app.hpp"

#include "state.hpp"

#include <algorithm>
#include <charconv>
#include <sstream>

namespace emu {

const std::string& spec_schemas_json(); // generated/spec_schemas.cpp

// ---------- shared helpers ----------

json::object error_body(const api_error& e) {
  json::object err;
  err["message"] = e.message;
  err["type"] = e.type;
  err["param"] = e.param ? json::value(*e.param) : json::value(nullptr);
  err["code"] = e.code ? json::value(*e.code) : json::value(nullptr);
  return json::object{{"error", std::move(err)}};
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

http_reply json_reply(json::object body, unsigned status) {
  http_reply r;
  r.status = status;
  r.body = json_text(body);
  return r;
}

json::value field_or(const json::object& body, std::string_view key, json::value fallback) {
  auto it = body.find(key);
  if (it == body.end()) return fallback;
  return it->value();
}

std::string text_of_content(const json::value& content) {
  if (content.is_string()) return std::string(content.get_string());
  std::string out;
  if (const auto* parts = content.if_array()) {
    for (const auto& p : *parts) {
      const auto* o = p.if_object();
      if (!o || !o->contains("text")) continue;
      const auto& t = o->at("text");
      if (!out.empty()) out += "\n";
      if (t.is_string())
        out += t.get_string();
      else if (t.is_object() && t.as_object().contains("value"))
        out += t.as_object().at("value").as_string();
    }
  }
  return out;
}

void check_metadata(const json::object& body, const std::string& field) {
  auto it = body.find(field);
  if (it == body.end() || !it->value().is_object()) return;
  const auto& md = it->value().get_object();
  if (md.size() > 16)
    throw api_error(400,
                    "Invalid '" + field +
                        "': too many properties. Expected an object with at most 16 properties, "
                        "but got an object with " +
                        std::to_string(md.size()) + " properties instead.",
                    field, "object_above_max_properties");
  for (const auto& kv : md) {
    if (kv.key().size() > 64)
      throw api_error(400,
                      "Invalid '" + field +
                          "': string too long. Expected a string with maximum length 64, but got a "
                          "string with length " +
                          std::to_string(kv.key().size()) + " instead.",
                      field, "string_above_max_length");
    if (kv.value().is_string() && kv.value().get_string().size() > 512)
      throw api_error(400,
                      "Invalid '" + field + "." + std::string(kv.key()) +
                          "': string too long. Expected a string with maximum length 512, but got "
                          "a string with length " +
                          std::to_string(kv.value().get_string().size()) + " instead.",
                      field + "." + std::string(kv.key()), "string_above_max_length");
  }
}

http_reply list_reply(const request_ctx& ctx, const std::vector<const json::object*>& items,
                      bool allow_before) {
  const auto& q = ctx.req.query;
  long limit = 20;
  if (auto it = q.find("limit"); it != q.end()) {
    const std::string& text = it->second;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), limit);
    if (ec != std::errc() || p != text.data() + text.size())
      throw api_error(400, "Invalid 'limit': expected an integer, but got '" + text + "' instead.",
                      "limit", "invalid_type");
    if (limit < 1)
      throw api_error(
          400,
          "Invalid 'limit': integer below minimum value. Expected a value >= 1, but got " + text +
              " instead.",
          "limit", "integer_below_min_value");
    if (limit > 100)
      throw api_error(
          400,
          "Invalid 'limit': integer above maximum value. Expected a value <= 100, but got " + text +
              " instead.",
          "limit", "integer_above_max_value");
  }
  bool desc = true;
  if (auto it = q.find("order"); it != q.end()) {
    if (it->second != "asc" && it->second != "desc")
      throw api_error(
          400, "Invalid value: '" + it->second + "'. Supported values are: 'asc' and 'desc'.",
          "order", "invalid_value");
    desc = it->second == "desc";
  }
  std::vector<const json::object*> ordered(items);
  if (desc) std::reverse(ordered.begin(), ordered.end());
  auto index_of = [&](const std::string& id) -> std::ptrdiff_t {
    for (std::size_t i = 0; i < ordered.size(); ++i)
      if (ordered[i]->at("id").as_string() == id) return static_cast<std::ptrdiff_t>(i);
    return -1;
  };
  std::size_t begin = 0, end = ordered.size();
  if (auto it = q.find("after"); it != q.end() && !it->second.empty()) {
    auto i = index_of(it->second);
    begin = i < 0 ? ordered.size() : static_cast<std::size_t>(i + 1);
  }
  if (auto it = q.find("before"); allow_before && it != q.end() && !it->second.empty()) {
    auto i = index_of(it->second);
    end = i < 0 ? 0 : static_cast<std::size_t>(i);
  }
  json::array data;
  bool has_more = false;
  if (begin < end) {
    // with only `before`, the page is the one just before the cursor
    bool from_end = allow_before && q.contains("before") && !q.contains("after");
    std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(limit), end - begin);
    std::size_t first = from_end ? end - n : begin;
    for (std::size_t i = first; i < first + n; ++i)
      data.push_back(*ordered[i]);
    has_more = from_end ? first > begin : first + n < end;
  }
  json::object page;
  page["object"] = "list";
  page["first_id"] = data.empty() ? json::value(nullptr) : data.front().at("id");
  page["last_id"] = data.empty() ? json::value(nullptr) : data.back().at("id");
  page["has_more"] = has_more;
  page["data"] = std::move(data);
  // the service's key order: object, data, first_id, last_id, has_more
  json::object ordered_page;
  for (const char* k : {"object", "data", "first_id", "last_id", "has_more"})
    ordered_page[k] = page[k];
  return json_reply(std::move(ordered_page));
}

// ---------- state ----------

state::state(app_options o)
    : options(std::move(o)),
      schemas(json::parse(spec_schemas_json()).as_object().at("schemas").as_object()),
      rng(std::random_device{}()) {
  auto doc = json::parse(spec_schemas_json()).as_object();
  for (const auto& op : doc.at("operations").as_array()) {
    const auto& o2 = op.as_object();
    operation x;
    x.method = o2.at("method").as_string();
    x.path = o2.at("path").as_string();
    x.operation_id = o2.at("operationId").as_string();
    if (o2.at("request").is_string()) x.request_schema = o2.at("request").as_string();
    std::stringstream ss(x.path);
    for (std::string seg; std::getline(ss, seg, '/');)
      if (!seg.empty()) x.segments.push_back(seg);
    operations.push_back(std::move(x));
  }
  register_assistant_handlers(*this);
  register_run_handlers(*this);
  register_file_handlers(*this);
  register_response_handlers(*this);
  register_conversation_handlers(*this);
}

std::string state::new_id(std::string_view prefix) {
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  // 24 random characters (~143 bits): each 64-bit draw yields 10 characters
  std::string id(prefix);
  ++counter;
  std::uint64_t pool = 0;
  for (int i = 0; i < 24; ++i) {
    if (i % 10 == 0) pool = rng();
    id += alphabet[pool % 62];
    pool /= 62;
  }
  return id;
}

std::string state::request_id() {
  static constexpr char hex[] = "0123456789abcdef";
  std::string id = "req_";
  std::uint64_t a = rng(), b = rng();
  for (int i = 0; i < 32; ++i) {
    std::uint64_t& src = i < 16 ? a : b;
    id += hex[src & 15];
    src >>= 4;
  }
  return id;
}

json::object& state::assistant(const std::string& id) {
  if (auto* a = assistants.find(id)) return *a;
  throw api_error(404, "No assistant found with id '" + id + "'.");
}
thread_rec& state::thread(const std::string& id) {
  auto it = threads.find(id);
  if (it == threads.end()) throw api_error(404, "No thread found with id '" + id + "'.");
  return it->second;
}
json::object& state::message(thread_rec& t, const std::string& id) {
  if (auto* m = t.messages.find(id)) return *m;
  throw api_error(404, "No message found with id '" + id + "'.");
}
run_rec& state::run(thread_rec& t, const std::string& id) {
  if (auto* r = t.runs.find(id)) return *r;
  throw api_error(404, "No run found with id '" + id + "'.");
}
file_rec& state::file(const std::string& id) {
  if (auto* f = files.find(id)) return *f;
  throw api_error(404, "No such File object: " + id, "id");
}
vector_store_rec& state::vector_store(const std::string& id) {
  if (auto* v = vector_stores.find(id)) return *v;
  throw api_error(404, "No vector store found with id '" + id + "'.");
}
response_rec& state::response(const std::string& id) {
  if (auto* r = responses.find(id)) return *r;
  throw api_error(404, "Response with id '" + id + "' not found.");
}
conversation_rec& state::conversation(const std::string& id) {
  auto it = conversations.find(id);
  if (it == conversations.end())
    throw api_error(404, "Conversation with id '" + id + "' not found.");
  return it->second;
}

// ---------- multipart/form-data ----------

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string header_param(const std::string& header, const std::string& name) {
  auto pos = lower(header).find(name + "=");
  if (pos == std::string::npos) return {};
  pos += name.size() + 1;
  if (pos < header.size() && header[pos] == '"') {
    auto end = header.find('"', pos + 1);
    return header.substr(pos + 1, end == std::string::npos ? std::string::npos : end - pos - 1);
  }
  auto end = header.find_first_of("; \t", pos);
  return header.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
}

void parse_multipart(request_ctx& ctx, const std::string& content_type) {
  std::string boundary = header_param(content_type, "boundary");
  if (boundary.empty()) throw api_error(400, "Missing multipart boundary in Content-Type.");
  const std::string& body = ctx.req.body;
  const std::string delim = "--" + boundary;
  std::size_t pos = body.find(delim);
  if (pos == std::string::npos) throw api_error(400, "Could not parse multipart form");
  while (true) {
    pos += delim.size();
    if (body.compare(pos, 2, "--") == 0) break;
    if (body.compare(pos, 2, "\r\n") != 0) throw api_error(400, "Could not parse multipart form");
    pos += 2;
    auto head_end = body.find("\r\n\r\n", pos);
    if (head_end == std::string::npos) throw api_error(400, "Could not parse multipart form");
    std::string headers = body.substr(pos, head_end - pos);
    auto next = body.find("\r\n" + delim, head_end + 4);
    if (next == std::string::npos) throw api_error(400, "Could not parse multipart form");
    std::string value = body.substr(head_end + 4, next - head_end - 4);
    std::string disposition;
    std::stringstream hs(headers);
    for (std::string line; std::getline(hs, line);)
      if (lower(line).rfind("content-disposition:", 0) == 0) disposition = line;
    std::string name = header_param(disposition, "name");
    if (lower(disposition).find("filename=") != std::string::npos) {
      ctx.files[name] = {header_param(disposition, "filename"), value};
      ctx.body[name] = "<binary>";
    } else {
      ctx.body[name] = value;
    }
    pos = next + 2;
  }
}

json::object fault_error_body(unsigned status) {
  api_error e(status, "The server had an error while processing your request. Sorry about that!",
              std::nullopt, std::nullopt, "server_error");
  if (status == 429) {
    e = api_error(429, "Rate limit reached for requests. Please try again in 1s.", std::nullopt,
                  std::string("rate_limit_exceeded"), "requests");
  } else if (status == 503) {
    e = api_error(503, "The engine is currently overloaded, please try again later.", std::nullopt,
                  std::nullopt, "server_error");
  } else if (status < 500) {
    e = api_error(status, "Injected fault.", std::nullopt, std::nullopt, "invalid_request_error");
  }
  return error_body(e);
}

} // namespace

fault_spec parse_fault(const json::value& v) {
  if (!v.is_object()) throw api_error(400, "A fault must be an object.", "faults");
  const auto& o = v.as_object();
  fault_spec f;
  if (auto it = o.find("status"); it != o.end())
    f.status = static_cast<unsigned>(it->value().to_number<int>());
  if (auto it = o.find("headers"); it != o.end() && it->value().is_object())
    for (const auto& kv : it->value().as_object())
      f.headers.emplace_back(std::string(kv.key()), kv.value().is_string()
                                                        ? std::string(kv.value().as_string())
                                                        : json_text(kv.value()));
  if (auto it = o.find("body"); it != o.end())
    f.body =
        it->value().is_string() ? std::string(it->value().as_string()) : json_text(it->value());
  if (auto it = o.find("delay_ms"); it != o.end()) f.delay_ms = it->value().to_number<int>();
  if (auto it = o.find("cut"); it != o.end()) {
    f.cut = it->value().as_string();
    if (f.cut != "before_headers" && f.cut != "mid_body" && f.cut != "mid_stream")
      throw api_error(
          400,
          "Invalid value: '" + f.cut +
              "'. Supported values are: 'before_headers', 'mid_body', and 'mid_stream'.",
          "cut", "invalid_value");
  }
  if (auto it = o.find("after_events"); it != o.end())
    f.after_events = it->value().to_number<int>();
  if (auto it = o.find("malformed_chunk"); it != o.end()) f.malformed_chunk = it->value().as_bool();
  if (auto it = o.find("method"); it != o.end()) f.method = it->value().as_string();
  if (auto it = o.find("path_contains"); it != o.end()) f.path_contains = it->value().as_string();
  if (auto it = o.find("response_id"); it != o.end()) f.response_id = it->value().as_string();
  if (auto it = o.find("conversation_id"); it != o.end())
    f.conversation_id = it->value().as_string();
  if (auto it = o.find("stall_ms"); it != o.end()) f.stall_ms = it->value().to_number<int>();
  if (auto it = o.find("unknown_event"); it != o.end())
    f.unknown_event_after = it->value().to_number<int>();
  if (auto it = o.find("keepalive_event"); it != o.end())
    f.keepalive_event_after = it->value().to_number<int>();
  if (auto it = o.find("interleave_arguments"); it != o.end())
    f.interleave_arguments = it->value().as_bool();
  if (auto it = o.find("count"); it != o.end()) f.count = it->value().to_number<int>();
  return f;
}

// ---------- the app ----------

struct app::impl {
  explicit impl(app_options o) : s(std::move(o)) {}
  state s;

  http_reply control(const http_request& req, const std::string& path);
  http_reply dispatch(const http_request& req, const std::string& path, http_reply& meta,
                      const fault_spec* fault);
  const operation* route(const std::string& method, const std::string& path,
                         std::vector<std::string>& segs,
                         std::unordered_map<std::string, std::string>& params) const;
};

app::app(app_options options) : impl_(std::make_unique<impl>(std::move(options))) {}
app::~app() = default;

http_reply app::impl::control(const http_request& req, const std::string& path) {
  json::value body;
  try {
    body = req.body.empty() ? json::value(json::object()) : json::parse(req.body);
  } catch (const std::exception&) {
    throw api_error(400, "We could not parse the JSON body of your request.");
  }
  if (!body.is_object()) throw api_error(400, "The body must be a JSON object.");
  auto& o = body.as_object();
  std::lock_guard lock(s.mutex);
  if (req.method == "POST" && (path == "/_emulator/scripts" || path == "/_emulator/faults")) {
    std::size_t queued_turns = 0, queued_faults = 0;
    // Responses turns: on a response (for the responses chained from it), on a conversation, or
    // (with neither, and no thread) on the next responses created
    std::deque<json::object>* response_turns = nullptr;
    if (auto it = o.find("response_id"); it != o.end())
      response_turns = &s.response(std::string(it->value().as_string())).script;
    else if (auto it2 = o.find("conversation_id"); it2 != o.end())
      response_turns = &s.conversation(std::string(it2->value().as_string())).script;
    else if (!o.contains("thread_id"))
      response_turns = &s.response_script;
    if (auto turns = o.find("turns"); response_turns && turns != o.end())
      for (const auto& turn : turns->value().as_array()) {
        if (!turn.is_object()) throw api_error(400, "Each turn must be an object.", "turns");
        response_turns->push_back(turn.as_object());
        ++queued_turns;
      }
    if (auto it = o.find("thread_id"); it != o.end()) {
      auto& t = s.thread(std::string(it->value().as_string()));
      if (auto turns = o.find("turns"); turns != o.end())
        for (const auto& turn : turns->value().as_array()) {
          if (!turn.is_object()) throw api_error(400, "Each turn must be an object.", "turns");
          t.script.push_back(turn.as_object());
          ++queued_turns;
        }
    }
    if (auto it = o.find("faults"); it != o.end())
      for (const auto& f : it->value().as_array()) {
        s.faults.push_back(parse_fault(f));
        ++queued_faults;
      }
    if (auto it = o.find("fault"); it != o.end()) {
      s.faults.push_back(parse_fault(it->value()));
      ++queued_faults;
    }
    return json_reply({{"object", "emulator.script"},
                       {"queued_turns", queued_turns},
                       {"queued_faults", queued_faults}});
  }
  if (req.method == "DELETE" && path == "/_emulator/faults") {
    s.faults.clear();
    s.response_script.clear();
    return json_reply({{"object", "emulator.faults"}, {"cleared", true}});
  }
  throw api_error(404, "Invalid URL (" + req.method + " /v1" + path + ")");
}

// The spec operation for a method and path (below /v1), with its path parameters; nullptr for
// an unknown URL.
const operation* app::impl::route(const std::string& method, const std::string& path,
                                  std::vector<std::string>& segs,
                                  std::unordered_map<std::string, std::string>& params) const {
  segs.clear();
  params.clear();
  {
    std::stringstream ss(path);
    for (std::string seg; std::getline(ss, seg, '/');)
      if (!seg.empty()) segs.push_back(seg);
  }
  const operation* op = nullptr;
  for (const auto& candidate : s.operations) {
    if (candidate.segments.size() != segs.size()) continue;
    std::unordered_map<std::string, std::string> p;
    bool match = true;
    for (std::size_t i = 0; i < segs.size() && match; ++i) {
      const auto& pat = candidate.segments[i];
      if (pat.front() == '{')
        p[pat.substr(1, pat.size() - 2)] = segs[i];
      else
        match = pat == segs[i];
    }
    if (!match) continue;
    if (candidate.method != method) continue;
    // prefer literal segments over parameters (e.g. /threads/runs vs /threads/{thread_id})
    if (!op || p.size() < params.size()) {
      op = &candidate;
      params = std::move(p);
    }
  }
  return op;
}

http_reply app::impl::dispatch(const http_request& req, const std::string& path, http_reply& meta,
                               const fault_spec* fault) {
  // authentication first, as the service does
  if (!s.options.api_key.empty()) {
    std::string auth = req.header("authorization");
    if (auth.empty())
      throw api_error(
          401,
          "You didn't provide an API key. You need to provide your API key in an Authorization "
          "header "
          "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with "
          "blank "
          "username) if you're accessing the API from your browser and are prompted for a username "
          "and "
          "password. You can obtain an API key from https://platform.openai.com/account/api-keys.");
    if (auth != "Bearer " + s.options.api_key) {
      std::string given = auth.rfind("Bearer ", 0) == 0 ? auth.substr(7) : auth;
      std::string shown = given.size() > 8 ? given.substr(0, 3) + std::string("*", 1) + "*****" +
                                                 given.substr(given.size() - 4)
                                           : given;
      throw api_error(
          401,
          "Incorrect API key provided: " + shown +
              ". You can find your API key at https://platform.openai.com/account/api-keys.",
          std::nullopt, std::string("invalid_api_key"));
    }
  }
  std::vector<std::string> segs;
  std::unordered_map<std::string, std::string> params;
  const operation* op = route(req.method, path, segs, params);
  if (!op) throw api_error(404, "Invalid URL (" + req.method + " /v1" + path + ")");
  meta.operation_id = op->operation_id;
  const bool needs_beta = !(segs[0] == "files" || segs[0] == "uploads" || segs[0] == "responses" ||
                            segs[0] == "conversations");
  if (needs_beta) {
    std::string beta = req.header("openai-beta");
    if (beta.find("assistants=v2") == std::string::npos) {
      if (beta.find("assistants=v1") != std::string::npos)
        throw api_error(
            400,
            "The v1 Assistants API has been deprecated. Please try again by setting the header "
            "'OpenAI-Beta: assistants=v2'.",
            std::nullopt, std::string("invalid_beta"));
      throw api_error(400,
                      "You must provide the 'OpenAI-Beta' header to access the Assistants API. "
                      "Please try again by "
                      "setting the header 'OpenAI-Beta: assistants=v2'.",
                      std::nullopt, std::string("invalid_beta"));
    }
  }
  request_ctx ctx{req, std::move(params), {}, {}, s.now(), fault};
  if (!op->request_schema.empty()) {
    meta.body_valid = false;
    std::string ct = lower(req.header("content-type"));
    if (ct.rfind("multipart/form-data", 0) == 0) {
      parse_multipart(ctx, req.header("content-type"));
    } else if (!req.body.empty()) {
      json::value body;
      try {
        body = json::parse(req.body);
      } catch (const std::exception&) {
        throw api_error(400, "We could not parse the JSON body of your request. (HINT: This likely "
                             "means you aren't using "
                             "your HTTP library correctly. The OpenAI API expects a JSON payload, "
                             "but what was sent was not "
                             "valid JSON. If you have trouble figuring out how to fix this, please "
                             "contact us through our "
                             "help center at help.openai.com.)");
      }
      if (!body.is_object())
        throw api_error(400,
                        "Invalid type for 'body': expected an object, but got " +
                            json_type_phrase(body) + " instead.",
                        std::nullopt, std::string("invalid_type"));
      ctx.body = std::move(body.as_object());
    }
    auto err = s.schemas.validate(op->request_schema, ctx.body);
    // the Responses request schemas are allOf compositions that cannot say
    // additionalProperties: false, yet the service refuses unknown parameters
    if (!err && (segs[0] == "responses" || segs[0] == "conversations"))
      err = s.schemas.unknown_property(op->request_schema, ctx.body);
    if (err)
      throw api_error(400, err->message,
                      err->param.empty() ? std::nullopt : std::optional<std::string>(err->param),
                      err->code);
    meta.body_valid = true;
  }
  auto handler = s.handlers.find(op->operation_id);
  if (handler == s.handlers.end())
    throw api_error(404, "Invalid URL (" + req.method + " /v1" + path + ")");
  std::lock_guard lock(s.mutex);
  return handler->second(s, ctx);
}

http_reply app::handle(const http_request& req) {
  const auto started = clock_type::now();
  http_reply meta;
  std::optional<fault_spec> fault;
  std::string path = req.path;
  http_reply reply;
  try {
    if (path.rfind("/v1/", 0) != 0 && path != "/v1")
      throw api_error(404, "Invalid URL (" + req.method + " " + path + ")");
    path = path.substr(3);
    if (path.rfind("/_emulator/", 0) == 0) {
      try {
        reply = impl_->control(req, path);
      } catch (const api_error&) {
        throw;
      } catch (const std::exception& e) {
        // a script or fault of the wrong shape is the caller's mistake
        throw api_error(400, std::string("Invalid emulator request: ") + e.what());
      }
    } else {
      if (std::string h = req.header("x-emulator-fault"); !h.empty()) {
        try {
          fault = parse_fault(json::parse(h));
        } catch (const api_error&) {
          throw;
        } catch (const std::exception&) {
          throw api_error(400, "x-emulator-fault must hold a JSON object.", "x-emulator-fault");
        }
      } else {
        std::lock_guard lock(impl_->s.mutex);
        auto& faults = impl_->s.faults;
        std::optional<json::object> body; // parsed only when a fault names a response/conversation
        auto mentions = [&](const std::string& id, std::string_view field) {
          if (path.find(id) != std::string::npos) return true;
          if (!body) {
            json::error_code ec;
            auto v = json::parse(req.body, ec);
            body = !ec && v.is_object() ? std::move(v.as_object()) : json::object();
          }
          auto it = body->find(field);
          if (it == body->end()) return false;
          const json::value& x = it->value();
          if (x.is_string()) return x.get_string() == id;
          if (const auto* o = x.if_object(); o && o->contains("id") && o->at("id").is_string())
            return o->at("id").get_string() == id;
          return false;
        };
        for (auto it = faults.begin(); it != faults.end(); ++it) {
          if (!it->method.empty() && it->method != req.method) continue;
          if (!it->path_contains.empty() && path.find(it->path_contains) == std::string::npos)
            continue;
          if (!it->response_id.empty() && !mentions(it->response_id, "previous_response_id"))
            continue;
          if (!it->conversation_id.empty() && !mentions(it->conversation_id, "conversation"))
            continue;
          fault = *it;
          if (--it->count <= 0) faults.erase(it);
          break;
        }
      }
      if (fault && fault->status != 0) {
        // the operation is not done, but the log still names it
        std::vector<std::string> segs;
        std::unordered_map<std::string, std::string> params;
        if (const auto* op = impl_->route(req.method, path, segs, params))
          meta.operation_id = op->operation_id;
        reply = json_reply(fault_error_body(fault->status), fault->status);
        if (fault->body) reply.body = *fault->body;
      } else {
        reply = impl_->dispatch(req, path, meta, fault ? &*fault : nullptr);
      }
    }
  } catch (const api_error& e) {
    reply = json_reply(error_body(e), e.status);
  } catch (const std::exception& e) {
    reply =
        json_reply(error_body(api_error(500, std::string("Internal emulator error: ") + e.what(),
                                        std::nullopt, std::nullopt, "server_error")),
                   500);
  }
  reply.operation_id = meta.operation_id;
  reply.body_valid = meta.body_valid;
  reply.fault = fault;
  if (fault)
    for (const auto& h : fault->headers)
      reply.headers.push_back(h);
  {
    std::lock_guard lock(impl_->s.mutex);
    reply.headers.emplace_back("x-request-id", impl_->s.request_id());
  }
  reply.headers.emplace_back("openai-version", "2020-10-01");
  reply.headers.emplace_back("openai-processing-ms",
                             std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                clock_type::now() - started)
                                                .count()));
  return reply;
}

} // namespace emu
