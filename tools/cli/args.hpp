// The command line of `coassist`, parsed without any I/O into an `invocation`: which operation,
// its path/query parameters, its body, and the connection options. Everything is derived from the
// operations tables (Assistants v2, then Responses + Conversations), so every operation is
// reachable and `--help` lists exactly what exists.
#pragma once

#include <coassist/api/operations.hpp>
#include <coassist/config.hpp>
#include <coassist/responses/operations.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace coassist::cli {

// Bad usage: exit code 2.
struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct invocation {
  bool help = false;
  std::string help_text;

  const api::operation_info* op = nullptr;
  std::vector<std::pair<std::string, std::string>> path;        // by the spec's names
  std::vector<std::pair<std::string, std::string>> query;       // as sent ("include[]")
  std::optional<json::value> body;                              // a JSON request body
  std::vector<std::pair<std::string, std::string>> form_fields; // multipart text fields
  std::string upload_path;                                      // multipart file part
  std::string upload_field;                                     // "file" or "data"
  bool stream = false;
  bool accumulate = false;
  std::string output_path; // raw downloads (or any output) go here instead of stdout

  std::optional<std::string> base_url;
  std::optional<std::string> api_key;
  std::optional<std::string> ca_file;
  std::optional<std::chrono::milliseconds> timeout;
  std::optional<int> max_retries;
  // extra headers; std::nullopt removes the header ("--header 'Name:'")
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
};

// "run_steps" <-> "run-steps"
inline std::string kebab(std::string_view s) {
  std::string out(s);
  std::replace(out.begin(), out.end(), '_', '-');
  return out;
}
inline std::string snake(std::string_view s) {
  std::string out(s);
  std::replace(out.begin(), out.end(), '-', '_');
  return out;
}

// Both tables as one: the 48 Assistants operations, then the 15 Responses + Conversations ones.
inline constexpr auto operations_table = [] {
  std::array<api::operation_info, api::operations.size() + responses::operations.size()> all{};
  std::size_t n = 0;
  for (const auto& op : api::operations)
    all[n++] = op;
  for (const auto& op : responses::operations)
    all[n++] = op;
  return all;
}();

inline std::span<const api::operation_info> all_operations() {
  return operations_table;
}

// True for an operation of the Responses + Conversations table.
inline bool is_responses_operation(const api::operation_info& op) {
  return responses::find_operation(op.operation_id) != nullptr;
}

inline const api::operation_info* find_operation(std::string_view operation_id) {
  for (const auto& op : all_operations())
    if (op.operation_id == operation_id) return &op;
  return nullptr;
}

inline std::optional<api::operation_group> group_named(std::string_view cli_name) {
  for (const auto& op : all_operations())
    if (kebab(api::to_string(op.group)) == cli_name) return op.group;
  return std::nullopt;
}

// The operation of `coassist GROUP VERB`; `vector-stores search` is searchVectorStore.
inline const api::operation_info* find_group_verb(api::operation_group g, std::string_view verb) {
  std::string method = snake(verb);
  for (const auto& op : all_operations())
    if (op.group == g && op.method_name == method) return &op;
  if (g == api::operation_group::vector_stores && method == "search")
    return find_group_verb(api::operation_group::vector_store_search, method);
  return nullptr;
}

// The query parameter an option names: "limit" -> limit, "include" -> include[].
inline const api::query_parameter* find_query_parameter(const api::operation_info& op,
                                                        std::string_view name) {
  for (const auto& q : op.query_parameters) {
    std::string_view n = q.name;
    if (n.ends_with("[]")) n.remove_suffix(2);
    if (n == name || q.name == name) return &q;
  }
  return nullptr;
}

inline bool is_multipart(const api::operation_info& op) {
  return op.request_content_type == "multipart/form-data";
}
inline bool has_json_body(const api::operation_info& op) {
  return op.request_content_type == "application/json";
}
inline bool is_raw_download(const api::operation_info& op) {
  return op.response_schema.empty() && op.response_type != "void";
}
// The spec declares no body for the answer (deleteResponse): whatever comes is printed as is.
inline bool has_no_declared_body(const api::operation_info& op) {
  return op.response_type == "void";
}
// Streams with `?stream=true` instead of a body field (getResponse: a background response's
// events again, after --starting-after N).
inline bool streams_by_query(const api::operation_info& op) {
  return std::any_of(op.query_parameters.begin(), op.query_parameters.end(),
                     [](const api::query_parameter& q) { return q.name == "stream"; });
}

// ---- help, generated from the table ----

inline std::string verb_line(const api::operation_info& op, std::string_view verb) {
  std::string s = "  " + std::string(verb);
  for (auto p : op.path_parameters)
    s += " --" + kebab(p) + " ID";
  if (is_multipart(op))
    s += op.operation_id == "addUploadPart" ? " --data PATH" : " --file PATH --purpose P";
  else if (has_json_body(op))
    s += " [--body JSON|@FILE]";
  if (!op.query_parameters.empty()) s += " [query: ";
  bool first = true;
  for (const auto& q : op.query_parameters) {
    std::string_view n = q.name;
    if (n.ends_with("[]")) n.remove_suffix(2);
    if (n == "stream") continue; // the --stream flag
    s += (first ? "--" : " --") + std::string(n);
    first = false;
  }
  if (!op.query_parameters.empty()) s += "]";
  if (op.takes_stream || streams_by_query(op)) s += " [--stream [--accumulate]]";
  s += "\n      " + std::string(op.operation_id) + ": " + std::string(op.summary) + "\n";
  return s;
}

inline std::string top_help() {
  std::string s =
      "coassist: the OpenAI Assistants v2, Responses and Conversations APIs from the command "
      "line.\n\n"
      "Usage:\n"
      "  coassist GROUP VERB [--PARAM VALUE]... [--body JSON|@FILE] [--query KEY=VALUE]... "
      "[--stream [--accumulate]]\n"
      "  coassist op OPERATION_ID [--PARAM VALUE]... [--body JSON|@FILE] [--query KEY=VALUE]...\n"
      "  coassist GROUP --help | coassist op --help | coassist GROUP VERB --help\n\n"
      "Parameters: path parameters as --thread-id ID (or --thread_id), query parameters as\n"
      "--limit N / --order asc / --include X, and for operations with a JSON body any other\n"
      "--field VALUE sets a top-level body field (VALUE parsed as JSON when it is JSON, else a\n"
      "string); --field KEY=VALUE does the same for any name (e.g. one that is also an\n"
      "option of the tool); --body gives the whole body (fields are merged into it).\n"
      "--query KEY=VALUE adds to the query string; on an operation with a JSON body,\n"
      "--query TEXT (no '=') is the body field `query` (vector-stores search).\n\n"
      "Options: --base-url URL, --api-key KEY (prefer OPENAI_API_KEY), --ca-file PATH,\n"
      "  --timeout SECONDS (overall deadline, retries included; also the longest silence in a\n"
      "  stream), --max-retries N, --header 'Name: value' (repeatable; 'Name:' removes it),\n"
      "  --output PATH (write the result there, e.g. `files content`), --help.\n"
      "Environment: OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_ORG_ID, OPENAI_PROJECT_ID.\n"
      "Exit codes: 0 ok, 1 API error (or `event: error` in a stream, or a response that ends\n"
      "  failed or incomplete), 2 bad usage, 3 connection/timeout error or truncated stream.\n\n"
      "Groups and verbs:\n";
  std::optional<api::operation_group> last;
  for (const auto& op : all_operations()) {
    if (last == op.group) continue;
    last = op.group;
    s += "  " + kebab(api::to_string(op.group)) + ":";
    for (const auto& o : all_operations())
      if (o.group == op.group) s += " " + kebab(o.method_name);
    if (op.group == api::operation_group::vector_stores) s += " search";
    s += "\n";
  }
  return s;
}

inline std::string group_help(api::operation_group g) {
  std::string s = "coassist " + kebab(api::to_string(g)) + " VERB ...\n\nVerbs:\n";
  for (const auto& op : all_operations())
    if (op.group == g) s += verb_line(op, kebab(op.method_name));
  if (g == api::operation_group::vector_stores)
    s += verb_line(*find_operation("searchVectorStore"), "search");
  return s;
}

inline std::string op_list_help() {
  std::string s = "coassist op OPERATION_ID ...\n\nOperations:\n";
  for (const auto& op : all_operations())
    s += verb_line(op, op.operation_id);
  return s;
}

// ---- parsing ----

inline json::value parse_json_text(std::string_view text, std::string_view what) {
  std::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) throw usage_error("invalid JSON in " + std::string(what) + ": " + ec.message());
  return v;
}

// --body JSON or --body @FILE ("@-" reads standard input).
inline json::value read_body(const std::string& arg) {
  if (!arg.starts_with("@")) return parse_json_text(arg, "--body");
  std::string path = arg.substr(1);
  std::string text;
  if (path == "-") {
    std::ostringstream ss;
    ss << std::cin.rdbuf();
    text = ss.str();
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw usage_error("cannot read --body file " + path);
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return parse_json_text(text, "--body " + arg);
}

// A body field given as --name VALUE: JSON when it parses as JSON, else the string itself.
inline json::value field_value(const std::string& text) {
  std::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return json::string(text);
  return v;
}

inline std::chrono::milliseconds parse_seconds(const std::string& text) {
  double seconds = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (ec != std::errc() || end != text.data() + text.size() || !(seconds > 0) ||
      !std::isfinite(seconds) || seconds > 1e7)
    throw usage_error("--timeout needs a positive number of seconds, not '" + text + "'");
  return std::chrono::milliseconds(static_cast<long long>(std::ceil(seconds * 1000)));
}

inline int parse_count(const std::string& text, std::string_view option) {
  int n = -1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n < 0 || n > 100)
    throw usage_error(std::string(option) + " needs an integer 0..100, not '" + text + "'");
  return n;
}

inline std::pair<std::string, std::optional<std::string>> parse_header(const std::string& text) {
  auto colon = text.find(':');
  if (colon == std::string::npos || colon == 0)
    throw usage_error("--header needs 'Name: value', not '" + text + "'");
  auto trim = [](std::string_view v) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t'))
      v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t'))
      v.remove_suffix(1);
    return std::string(v);
  };
  std::string name = trim(std::string_view(text).substr(0, colon));
  std::string value = trim(std::string_view(text).substr(colon + 1));
  if (value.empty()) return {name, std::nullopt};
  return {name, value};
}

struct option {
  std::string name; // without the leading "--"
  std::string value;
  bool has_value = false;
};

inline bool is_flag(std::string_view name) {
  return name == "stream" || name == "accumulate" || name == "help";
}

inline invocation parse(const std::vector<std::string>& args) {
  std::vector<std::string> words;
  std::vector<option> options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h") {
      options.push_back({"help", {}, false});
      continue;
    }
    if (!a.starts_with("--") || a.size() == 2) {
      if (a == "--") throw usage_error("unexpected '--'");
      words.push_back(a);
      continue;
    }
    option o;
    std::string body = a.substr(2);
    if (auto eq = body.find('='); eq != std::string::npos) {
      o.name = body.substr(0, eq);
      o.value = body.substr(eq + 1);
      o.has_value = true;
    } else {
      o.name = body;
      if (!is_flag(o.name)) {
        if (i + 1 >= args.size()) throw usage_error("option --" + o.name + " needs a value");
        o.value = args[++i];
        o.has_value = true;
      }
    }
    if (is_flag(o.name) && o.has_value) throw usage_error("option --" + o.name + " takes no value");
    options.push_back(std::move(o));
  }
  bool help =
      std::any_of(options.begin(), options.end(), [](const option& o) { return o.name == "help"; });

  invocation inv;
  if (words.empty() || words[0] == "help") {
    if (!help && words.empty()) throw usage_error("no command; see coassist --help");
    inv.help = true;
    inv.help_text = top_help();
    return inv;
  }
  if (words[0] == "op") {
    if (words.size() < 2) {
      if (!help) throw usage_error("coassist op needs an OPERATION_ID; see coassist op --help");
      inv.help = true;
      inv.help_text = op_list_help();
      return inv;
    }
    inv.op = find_operation(words[1]);
    if (!inv.op) throw usage_error("unknown operation '" + words[1] + "'; see coassist op --help");
  } else {
    auto g = group_named(words[0]);
    if (!g) throw usage_error("unknown group '" + words[0] + "'; see coassist --help");
    if (words.size() < 2) {
      if (!help)
        throw usage_error("coassist " + words[0] + " needs a verb; see coassist " + words[0] +
                          " --help");
      inv.help = true;
      inv.help_text = group_help(*g);
      return inv;
    }
    inv.op = find_group_verb(*g, words[1]);
    if (!inv.op)
      throw usage_error("unknown verb '" + words[1] + "' for " + words[0] + "; see coassist " +
                        words[0] + " --help");
  }
  if (words.size() > 2) throw usage_error("unexpected argument '" + words[2] + "'");
  const api::operation_info& op = *inv.op;
  if (help) {
    inv.help = true;
    inv.help_text = verb_line(op, words[1]);
    return inv;
  }

  std::optional<json::value> body;
  json::object fields;
  for (const option& o : options) {
    const std::string& n = o.name;
    if (n == "stream") {
      inv.stream = true;
    } else if (n == "accumulate") {
      inv.accumulate = true;
    } else if (n == "body") {
      if (body) throw usage_error("--body given twice");
      body = read_body(o.value);
    } else if (n == "query" && has_json_body(op) && o.value.find('=') == std::string::npos) {
      // `vector-stores search --query TEXT`: the body field (a query string needs KEY=VALUE)
      fields["query"] = json::string(o.value);
    } else if (n == "field") {
      auto eq = o.value.find('=');
      if (eq == std::string::npos || eq == 0 || !has_json_body(op))
        throw usage_error("--field needs KEY=VALUE and an operation with a JSON body");
      fields[o.value.substr(0, eq)] = field_value(o.value.substr(eq + 1));
    } else if (n == "query") {
      auto eq = o.value.find('=');
      if (eq == std::string::npos || eq == 0)
        throw usage_error("--query needs KEY=VALUE, not '" + o.value + "'");
      inv.query.emplace_back(o.value.substr(0, eq), o.value.substr(eq + 1));
    } else if (n == "base-url") {
      inv.base_url = o.value;
    } else if (n == "api-key") {
      inv.api_key = o.value;
    } else if (n == "ca-file") {
      inv.ca_file = o.value;
    } else if (n == "timeout") {
      inv.timeout = parse_seconds(o.value);
    } else if (n == "max-retries") {
      inv.max_retries = parse_count(o.value, "--max-retries");
    } else if (n == "header") {
      inv.headers.push_back(parse_header(o.value));
    } else if (n == "output") {
      inv.output_path = o.value;
    } else {
      std::string name = snake(n);
      if (std::find(op.path_parameters.begin(), op.path_parameters.end(), name) !=
          op.path_parameters.end()) {
        for (auto& [k, v] : inv.path)
          if (k == name) throw usage_error("--" + n + " given twice");
        inv.path.emplace_back(name, o.value);
      } else if (const auto* q = find_query_parameter(op, name)) {
        inv.query.emplace_back(std::string(q->name), o.value);
      } else if (is_multipart(op) && (name == "file" || name == "data")) {
        inv.upload_path = o.value;
        inv.upload_field = name;
      } else if (is_multipart(op)) {
        inv.form_fields.emplace_back(name, o.value);
      } else if (has_json_body(op)) {
        fields[name] = field_value(o.value);
      } else {
        throw usage_error("unknown option --" + n + " for " + std::string(op.operation_id));
      }
    }
  }

  // Path parameters in path order; every one is required.
  std::vector<std::pair<std::string, std::string>> ordered;
  for (auto p : op.path_parameters) {
    auto it = std::find_if(inv.path.begin(), inv.path.end(),
                           [&](const auto& kv) { return kv.first == p; });
    if (it == inv.path.end() || it->second.empty())
      throw usage_error("missing path parameter --" + kebab(p) + " for " +
                        std::string(op.operation_id));
    ordered.push_back(*it);
  }
  inv.path = std::move(ordered);

  if (inv.accumulate && !inv.stream) throw usage_error("--accumulate needs --stream");
  if (inv.stream && !op.takes_stream && !streams_by_query(op))
    throw usage_error(std::string(op.operation_id) + " cannot stream");
  if (inv.stream && streams_by_query(op)) {
    // getResponse --stream [--starting-after N]: a background response's events, replayed
    for (auto& [k, v] : inv.query)
      if (k == "stream") throw usage_error("give --stream once, as the flag");
    inv.query.emplace_back("stream", "true");
  }

  if (is_multipart(op)) {
    if (body) throw usage_error(std::string(op.operation_id) + " takes no --body (multipart)");
    if (inv.upload_path.empty())
      throw usage_error(std::string(op.operation_id) + " needs --" +
                        (op.operation_id == "addUploadPart" ? "data" : "file") + " PATH");
  } else if (has_json_body(op)) {
    json::value b = body ? std::move(*body) : json::value(json::object{});
    if (!fields.empty() || inv.stream) {
      if (!b.is_object()) throw usage_error("--body must be a JSON object to add fields to it");
      for (auto& [k, v] : fields)
        b.get_object()[k] = std::move(v);
      if (inv.stream) b.get_object()["stream"] = true;
    }
    inv.body = std::move(b);
  } else if (body) {
    throw usage_error(std::string(op.operation_id) + " takes no request body");
  }
  return inv;
}

} // namespace coassist::cli
