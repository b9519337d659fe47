// The emulator's application core, free of I/O: a request goes in, a reply (a JSON body, or a
// list of server-sent events with the delays between them, plus any injected fault) comes out.
// The HTTP layer (server.cpp) only moves bytes; everything the API means is decided here.
#pragma once

#include <boost/json.hpp>
#include <coassist/json/text.hpp> // numbers written as the service writes them (1.0, not 1E0)

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace emu {
namespace json = boost::json;
using coassist::json_text;

using header_list = std::vector<std::pair<std::string, std::string>>;

struct http_request {
  std::string method;                         // "GET", "POST", "DELETE"
  std::string path;                           // decoded path, e.g. "/v1/threads/thread_1/runs"
  std::map<std::string, std::string> query;   // decoded query parameters
  std::map<std::string, std::string> headers; // lower-case names
  std::string body;

  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// A fault the HTTP layer applies to one response (see emulator/README.md, "Faults").
struct fault_spec {
  unsigned status = 0;             // answer this status (with the service's error body) instead
  header_list headers;             // extra headers on the response
  std::optional<std::string> body; // replaces the error body
  int delay_ms = 0;                // wait before sending the response headers
  std::string cut;                 // "", "before_headers", "mid_body", "mid_stream"
  int after_events = 1;            // mid_stream: events sent before the cut
  bool malformed_chunk = false;    // send a chunk with an invalid size line, then close
  // queued faults only: which requests they apply to, and how many times
  std::string method;
  std::string path_contains;
  int count = 1;
};

struct sse_event {
  std::string name;
  std::string data;
  int delay_ms = 0; // wait before sending this event
};

struct http_reply {
  unsigned status = 200;
  std::string content_type = "application/json";
  header_list headers;
  std::string body;
  bool stream = false; // text/event-stream with `events`
  std::vector<sse_event> events;
  std::optional<fault_spec> fault;
  // for the request log
  std::string operation_id;
  std::optional<bool> body_valid; // nothing when the operation takes no body
};

struct app_options {
  std::string api_key;         // empty: no authentication
  int run_step_ms = 20;        // a polled run moves one lifecycle step per this many ms
  int file_processing_ms = 30; // vector store files stay in_progress this long
  int stream_delay_ms = 0;     // default delay between streamed deltas
};

class app {
public:
  explicit app(app_options options);
  ~app();
  app(const app&) = delete;
  app& operator=(const app&) = delete;

  // Thread-safe: may be called from many threads at once.
  http_reply handle(const http_request& request);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace emu
