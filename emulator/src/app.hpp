// The emulator's application core, free of I/O: a request goes in, a reply (a JSON body, or a
// list of server-sent events with the delays between them, plus any injected fault) comes out.
// The HTTP layer (server.cpp) only moves bytes; everything the API means is decided here.
#pragma once

#include <boost/json.hpp>
#include <coassist/json/text.hpp> // numbers written as the service writes them (1.0, not 1E0)

#include <atomic>
#include <chrono>
#include <functional>
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
  int stall_ms = 0;                // after `after_events` events, send nothing for this long
  // Responses streams (see emulator/README.md, "Responses faults"): extra events after N
  // events (-1: none), and function-call argument deltas of parallel calls interleaved
  int unknown_event_after = -1;
  int keepalive_event_after = -1;
  bool interleave_arguments = false;
  // queued faults only: which requests they apply to, and how many times
  std::string method;
  std::string path_contains;
  std::string response_id;     // requests about this response (path or previous_response_id)
  std::string conversation_id; // requests about this conversation (path or `conversation`)
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
  // set (by a later request: a cancelled background response) when the rest of `events` must
  // not be sent; the stream then ends cleanly
  std::shared_ptr<const std::atomic<bool>> stop;
  std::vector<sse_event> events;
  std::optional<fault_spec> fault;
  // for the request log
  std::string operation_id;
  std::optional<bool> body_valid; // nothing when the operation takes no body
};

struct app_options {
  std::string api_key;                  // empty: no authentication
  int run_step_ms = 20;                 // a polled run moves one lifecycle step per this many ms
  int file_processing_ms = 30;          // vector store files stay in_progress this long
  int stream_delay_ms = 0;              // default delay between streamed deltas
  int response_step_ms = 20;            // a background response's queued and in_progress phases
  int resume_window_ms = 5 * 60 * 1000; // how long a background response's stream can be resumed
  // the clock everything time-driven reads (tests substitute a manual one)
  std::function<std::chrono::steady_clock::time_point()> clock;
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
