// Every x-oaiMeta example of the spec (responses, streamed transcripts, request bodies) decodes
// into its typed model and re-encodes without losing a field.
#include "support.hpp"

#include <coassist/api/events.hpp>
#include <coassist/api/models/operation_types.hpp>

#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

namespace api = coassist::api;
using models_test::first_difference;
namespace json = boost::json;
using models_test::spec;

namespace {

struct example {
  std::string operation_id;
  std::string title;
  std::string request_curl;
  std::string response;
};

std::vector<example> spec_examples() {
  std::vector<example> out;
  for (const auto& [path_name, item] : spec().at("paths").get_object()) {
    for (const auto& [method_name, op_value] : item.get_object()) {
      (void)path_name;
      (void)method_name;
      const json::object& op = op_value.get_object();
      const json::value* meta = op.if_contains("x-oaiMeta");
      if (meta == nullptr || !meta->get_object().contains("examples")) continue;
      const json::value& examples = meta->at("examples");
      std::vector<json::value> list;
      if (examples.is_array())
        list.assign(examples.get_array().begin(), examples.get_array().end());
      else
        list.push_back(examples);
      for (const json::value& e : list) {
        example ex;
        ex.operation_id = json::value_to<std::string>(op.at("operationId"));
        if (const json::value* t = e.get_object().if_contains("title"); t && t->is_string())
          ex.title = json::value_to<std::string>(*t);
        if (const json::value* r = e.get_object().if_contains("response"); r && r->is_string())
          ex.response = json::value_to<std::string>(*r);
        const json::value* req = e.get_object().if_contains("request");
        if (req && req->is_object())
          if (const json::value* c = req->get_object().if_contains("curl"); c && c->is_string())
            ex.request_curl = json::value_to<std::string>(*c);
        out.push_back(std::move(ex));
      }
    }
  }
  return out;
}

// The spec's examples are hand-written: some have trailing commas.
json::value parse_lenient(std::string_view text, boost::system::error_code& ec) {
  json::parse_options options;
  options.allow_trailing_commas = true;
  options.allow_comments = true;
  return json::parse(text, ec, {}, options);
}

bool is_sse(const std::string& text) {
  return text.rfind("event:", 0) == 0;
}

// Decodes `v` as the response (or request) model of an operation and re-encodes it. Returns
// the first difference ("" when lossless); throws api::decode_error on a shape mismatch.
template <bool request>
std::string round_trip(const std::string& operation_id, const json::value& v) {
  std::string difference = "no such operation";
  api::ops::visit_operation(operation_id, [&](auto op) {
    using op_type = decltype(op);
    using model =
        std::conditional_t<request, typename op_type::request, typename op_type::response>;
    if constexpr (std::is_same_v<model, void> || std::is_same_v<model, std::string>) {
      difference = "no JSON model";
    } else {
      const model decoded = api::from_json<model>(v);
      difference = first_difference(v, api::to_json(decoded));
    }
  });
  return difference;
}

struct sse_event {
  std::string name;
  std::string data;
};

std::vector<sse_event> parse_sse(const std::string& text) {
  std::vector<sse_event> out;
  sse_event current;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.empty()) {
      if (!current.name.empty()) out.push_back(current);
      current = {};
    } else if (line.rfind("event: ", 0) == 0) {
      current.name = line.substr(7);
    } else if (line.rfind("data: ", 0) == 0) {
      current.data = line.substr(6);
    }
  }
  if (!current.name.empty()) out.push_back(current);
  return out;
}

// The JSON body of a curl example (`-d '{...}'`), or "" when it has none.
std::string curl_body(const std::string& curl) {
  const std::size_t start = curl.find("-d '");
  if (start == std::string::npos) return "";
  const std::size_t end = curl.rfind('\'');
  if (end <= start + 4) return "";
  return curl.substr(start + 4, end - start - 4);
}

} // namespace

TEST_CASE("every JSON example response of the spec decodes into its model losslessly", "[unit]") {
  std::set<std::string> not_json;
  std::set<std::string> off_schema;
  int decoded = 0;
  for (const example& ex : spec_examples()) {
    if (ex.response.empty() || is_sse(ex.response)) continue;
    boost::system::error_code ec;
    const json::value v = parse_lenient(ex.response, ec);
    if (ec) {
      not_json.insert(ex.operation_id);
      continue;
    }
    INFO(ex.operation_id << " " << ex.title);
    try {
      const std::string difference = round_trip<false>(ex.operation_id, v);
      CHECK(difference == "");
      ++decoded;
    } catch (const api::decode_error& e) {
      off_schema.insert(ex.operation_id + " " + e.path());
    }
  }
  // Not JSON in the spec: unquoted keys (two) and elisions ("...", {...}).
  CHECK(not_json == std::set<std::string>{"deleteVectorStore", "deleteVectorStoreFile",
                                          "retrieveVectorStoreFileContent",
                                          "updateVectorStoreFileAttributes"});
  // Contradicts its own schema (a string where the schema has an array): the error names it.
  CHECK(off_schema == std::set<std::string>{"searchVectorStore $.search_query"});
  CHECK(decoded >= 44);
}

TEST_CASE("every streamed example transcript decodes into typed events losslessly", "[unit]") {
  int transcripts = 0;
  int events = 0;
  std::set<std::string> malformed;
  int repaired = 0;
  std::set<std::string> names;
  for (const example& ex : spec_examples()) {
    if (!is_sse(ex.response)) continue;
    ++transcripts;
    for (const sse_event& e : parse_sse(ex.response)) {
      INFO(ex.operation_id << " " << ex.title << ": " << e.name);
      std::string data = e.data;
      boost::system::error_code ec;
      if (e.name != "done" && (json::parse(data, ec), ec)) {
        // a typo of many run events in the spec: one closing brace too many
        if (!data.empty() && data.back() == '}') data.pop_back();
        if ((json::parse(data, ec), ec)) {
          malformed.insert(ex.operation_id + " " + ex.title + ": " + e.name);
          continue;
        }
        ++repaired;
      }
      try {
        const api::stream_event ev = api::decode_event(e.name, data);
        CHECK_FALSE(std::holds_alternative<api::unknown_event>(ev));
        CHECK(api::event_name(ev) == e.name);
        const json::value expected =
            e.name == "done" ? json::value(json::string(data)) : json::parse(data);
        CHECK(first_difference(expected, api::event_data_json(ev)) == "");
        names.insert(e.name);
        ++events;
      } catch (const api::decode_error& err) {
        FAIL_CHECK(err.what());
      }
    }
  }
  // one line of the spec lacks its "data: " prefix: nothing to decode there
  CHECK(malformed == std::set<std::string>{"createThreadAndRun Streaming: thread.run.completed"});
  CHECK(repaired > 0);
  CHECK(transcripts == 5);
  CHECK(events >= 40);
  // the transcripts exercise runs, steps, messages (with deltas) and the end marker
  for (const char* name : {"thread.run.created", "thread.run.step.delta", "thread.message.delta",
                           "thread.run.requires_action", "done"})
    CHECK(names.count(name) == 1);
}

TEST_CASE("every JSON request body of the spec examples decodes into its request model", "[unit]") {
  int bodies = 0;
  std::set<std::string> not_json;
  for (const example& ex : spec_examples()) {
    const std::string body = curl_body(ex.request_curl);
    if (body.empty()) continue;
    INFO(ex.operation_id << " " << ex.title << ": " << body);
    boost::system::error_code ec;
    const json::value v = parse_lenient(body, ec);
    if (ec) {
      not_json.insert(ex.operation_id);
      continue;
    }
    try {
      const std::string difference = round_trip<true>(ex.operation_id, v);
      CHECK(difference == "");
      ++bodies;
    } catch (const api::decode_error& e) {
      FAIL_CHECK(e.what());
    }
  }
  // this one elides its filters as {...}
  CHECK(not_json == std::set<std::string>{"searchVectorStore"});
  CHECK(bodies >= 20);
}
