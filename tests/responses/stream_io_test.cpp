// responses::response_stream over loopback against a scripted HTTP server (tests/net/servers.hpp):
// typed events, the end of the body, connection reuse, and the transparent resumption of
// background streams (reconnect with starting_after, dedup, bounds, the fall back to polling).
#include "net/servers.hpp"
#include "responses/stream_support.hpp"

#include <coassist/responses/stream.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>

using namespace coassist;
using namespace coassist::test;
using namespace coassist::test::rs;

namespace {

// The first line of a request ("GET /v1/responses/resp_1?stream=true&starting_after=4 HTTP/1.1").
std::string request_line(const std::string& req) {
  return req.substr(0, req.find("\r\n"));
}

std::string chunked_head() {
  return "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nx-request-id: req_io\r\n"
         "Transfer-Encoding: chunked\r\n\r\n";
}
std::string chunk(std::string_view data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + std::string(data) + "\r\n";
}
std::string json_answer(int status, const std::string& body) {
  return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: application/json\r\n" +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// SSE text of events [from, to) of a script, CRLF framed, one chunk per event.
std::string events_chunks(const script& s, std::size_t from, std::size_t to) {
  std::string out;
  for (std::size_t i = from; i < to && i < s.events.size(); ++i)
    out += chunk("event: " + std::string(s.events[i].at("type").as_string()) +
                 "\r\ndata: " + json::serialize(s.events[i]) + "\r\n\r\n");
  return out;
}

// A background response: created, a long text in many deltas, completed.
script background_script(const std::string& id, int pieces) {
  script s;
  s.lifecycle("response.created", script::response(id, "queued", {}, true));
  s.lifecycle("response.in_progress", script::response(id, "in_progress", {}, true));
  std::vector<std::string> parts;
  for (int i = 0; i < pieces; ++i)
    parts.push_back("w" + std::to_string(i) + " ");
  json::object item = stream_text(s, 0, "msg_bg", parts);
  s.lifecycle("response.completed", script::response(id, "completed", json::array{item}, true));
  return s;
}

std::int64_t starting_after_of(const std::string& line) {
  auto p = line.find("starting_after=");
  if (p == std::string::npos) return -1;
  return std::stoll(line.substr(p + 15));
}

struct io_fixture {
  asio::io_context io;
  std::optional<client> c;

  void connect(const fault_server& srv,
               std::chrono::milliseconds backoff = std::chrono::milliseconds(2)) {
    client_options o;
    o.api_key = "sk-test";
    o.base_url = srv.url("/v1");
    o.transport.proxy.from_environment = false;
    o.transport.retry.initial_delay = backoff;
    o.transport.retry.max_delay = backoff * 4;
    o.poll_interval = std::chrono::milliseconds(5);
    c.emplace(io.get_executor(), o);
  }
  template <class F> void run(F body) {
    io.restart();
    auto fut = asio::co_spawn(io, body(), asio::use_future);
    io.run();
    fut.get();
  }
};

json::object request_body(bool background) {
  return json::object{{"model", "gpt-test"}, {"input", "hi"}, {"background", background}};
}

} // namespace

TEST_CASE("response_stream: typed events to response.completed, then the connection is reused",
          "[integration]") {
  script s;
  s.lifecycle("response.created", script::response("resp_1", "in_progress"));
  json::object item = stream_text(s, 0, "msg_1", {"Hello", ", ", "world"});
  json::object final = script::response("resp_1", "completed", json::array{item});
  s.lifecycle("response.completed", final);
  std::atomic<int> requests{0};
  fault_server srv([&](peer& p, int) {
    for (;;) {
      std::string req = p.read_request();
      if (req.empty()) return;
      ++requests;
      if (request_line(req) != "POST /v1/responses HTTP/1.1" ||
          req.find("\"stream\":true") == std::string::npos) {
        p.send(json_answer(400, R"({"error":{"message":"bad test request","type":"x"}})"));
        continue;
      }
      // a keepalive and a comment between the events
      p.send(chunked_head() + events_chunks(s, 0, 2) + chunk(": ping\r\n\r\n") +
             chunk("event: keepalive\r\ndata: {\"type\":\"keepalive\"}\r\n\r\n") +
             events_chunks(s, 2, s.events.size()) + "0\r\n\r\n");
    }
  });
  io_fixture f;
  f.connect(srv);
  for (int round = 0; round < 2; ++round) {
    f.run([&]() -> asio::awaitable<void> {
      auto req = request_body(false);
      auto st = co_await responses::stream_response(*f.c, req);
      st.enable_accumulator();
      std::string text;
      std::vector<std::int64_t> seqs;
      while (auto ev = co_await st.next()) {
        seqs.push_back(responses::sequence_number(*ev).value_or(-1));
        if (auto* d = std::get_if<responses::response_text_delta_event>(&*ev)) text += d->delta;
      }
      CHECK(text == "Hello, world");
      REQUIRE(seqs.size() == s.events.size());
      for (std::size_t i = 0; i < seqs.size(); ++i)
        CHECK(seqs[i] == static_cast<std::int64_t>(i));
      CHECK(st.snapshots()->final_response() == final);
      CHECK(st.response_id() == "resp_1");
      CHECK(st.status() == "completed");
      CHECK(st.reconnects() == 0);
      CHECK_FALSE(st.background());
    });
  }
  CHECK(requests == 2);
  CHECK(srv.accepted() == 1); // the body was read to its end both times: one connection
}

TEST_CASE("response_stream: an error event is stream_error; a cut foreground stream is an error",
          "[integration]") {
  script s;
  s.lifecycle("response.created", script::response("resp_e", "in_progress"));
  stream_text(s, 0, "msg_1", {"a", "b"});
  fault_server srv([&](peer& p, int index) {
    std::string req = p.read_request();
    if (req.empty()) return;
    if (index == 0) {
      p.send(chunked_head() + events_chunks(s, 0, 3) +
             chunk("event: error\r\ndata: {\"type\":\"error\",\"code\":\"server_error\","
                   "\"message\":\"overloaded\",\"param\":null,\"sequence_number\":3}\r\n\r\n") +
             "0\r\n\r\n");
    } else {
      p.send(chunked_head() + events_chunks(s, 0, 4)); // then the connection is cut
      p.close();
    }
  });
  io_fixture f;
  f.connect(srv);
  f.run([&]() -> asio::awaitable<void> {
    auto req = request_body(false);
    auto st = co_await responses::stream_response(*f.c, req);
    int events = 0;
    try {
      while (co_await st.next())
        ++events;
      FAIL("no error");
    } catch (const stream_error& e) {
      CHECK(e.info().message == "overloaded");
      CHECK(e.info().code == "server_error");
      CHECK(e.info().request_id == "req_io");
    }
    CHECK(events == 3);
  });
  f.run([&]() -> asio::awaitable<void> {
    auto req = request_body(false);
    auto st = co_await responses::stream_response(*f.c, req);
    int events = 0;
    auto [ep] = co_await asio::co_spawn(
        co_await asio::this_coro::executor,
        [&]() -> asio::awaitable<void> {
          while (co_await st.next())
            ++events;
        },
        asio::experimental::as_tuple(asio::use_awaitable));
    REQUIRE(ep);
    CHECK(error_info_of(ep).kind == errc::connection);
    CHECK(events == 4);
    CHECK(st.reconnects() == 0); // not a background response: nothing to resume
  });
}

TEST_CASE("response_stream: a background stream cut several times resumes after the last "
          "sequence number; the consumer sees each event once, in order",
          "[integration]") {
  script s = background_script("resp_bg", 30);
  const std::size_t total = s.events.size();
  std::mutex m;
  std::vector<std::string> lines;
  // connection k sends a few events past where it starts, then cuts; the third one replays one
  // event too many (the dedup must drop it); the last one finishes
  fault_server srv([&](peer& p, int index) {
    std::string req = p.read_request();
    if (req.empty()) return;
    std::string line = request_line(req);
    {
      std::lock_guard lock(m);
      lines.push_back(line);
    }
    std::size_t from = 0;
    if (index > 0) {
      if (line.find("GET /v1/responses/resp_bg?") != 0 ||
          line.find("stream=true") == std::string::npos) {
        p.send(json_answer(404, R"({"error":{"message":"unexpected","type":"x"}})"));
        return;
      }
      from = static_cast<std::size_t>(starting_after_of(line) + 1);
      if (index == 2) from -= 1;
    }
    std::size_t to = index < 4 ? std::min(total, from + 7) : total;
    p.send(chunked_head() + events_chunks(s, from, to) + (index < 4 ? "" : "0\r\n\r\n"));
    if (index < 4)
      p.close();
    else
      p.wait_for_close();
  });
  io_fixture f;
  f.connect(srv);
  f.run([&]() -> asio::awaitable<void> {
    auto req = request_body(true);
    auto st = co_await responses::stream_response(*f.c, req);
    st.enable_accumulator();
    std::vector<std::int64_t> seqs;
    std::string text;
    while (auto ev = co_await st.next()) {
      seqs.push_back(responses::sequence_number(*ev).value_or(-1));
      if (auto* d = std::get_if<responses::response_text_delta_event>(&*ev)) text += d->delta;
    }
    REQUIRE(seqs.size() == total);
    for (std::size_t i = 0; i < total; ++i)
      CHECK(seqs[i] == static_cast<std::int64_t>(i));
    CHECK(st.reconnects() == 4);
    CHECK_FALSE(st.recovered_by_polling());
    CHECK(st.snapshots()->final_response() == s.events.back().at("response").as_object());
    CHECK(text.substr(0, 6) == "w0 w1 ");
  });
  std::lock_guard lock(m);
  REQUIRE(lines.size() == 5);
  CHECK(lines[0] == "POST /v1/responses HTTP/1.1");
  CHECK(lines[1] == "GET /v1/responses/resp_bg?stream=true&starting_after=6 HTTP/1.1");
  CHECK(lines[2] == "GET /v1/responses/resp_bg?stream=true&starting_after=13 HTTP/1.1");
  CHECK(lines[3] == "GET /v1/responses/resp_bg?stream=true&starting_after=19 HTTP/1.1");
}

TEST_CASE("response_stream: past the resume window the stream polls retrieve and ends the same",
          "[integration]") {
  script s = background_script("resp_old", 10);
  json::object final = s.events.back().at("response").as_object();
  std::atomic<int> polls{0};
  fault_server srv([&](peer& p, int index) {
    if (index == 0) {
      std::string req = p.read_request();
      p.send(chunked_head() + events_chunks(s, 0, 5));
      p.close();
      return;
    }
    for (;;) {
      std::string req = p.read_request();
      if (req.empty()) return;
      std::string line = request_line(req);
      if (line.find("stream=true") != std::string::npos) {
        p.send(json_answer(400, R"({"error":{"message":"Response can no longer be streamed.",)"
                                R"("type":"invalid_request_error","param":null,"code":null}})"));
      } else if (line == "GET /v1/responses/resp_old HTTP/1.1") {
        json::object r =
            ++polls < 3 ? script::response("resp_old", "in_progress", {}, true) : final;
        p.send(json_answer(200, json::serialize(r)));
      } else {
        p.send(json_answer(404, R"({"error":{"message":"unexpected","type":"x"}})"));
      }
    }
  });
  io_fixture f;
  f.connect(srv);
  f.run([&]() -> asio::awaitable<void> {
    auto req = request_body(true);
    auto st = co_await responses::stream_response(*f.c, req);
    st.enable_accumulator();
    std::vector<std::string> types;
    std::optional<responses::stream_event> last;
    while (auto ev = co_await st.next()) {
      types.emplace_back(responses::event_type(*ev));
      last = std::move(ev);
    }
    REQUIRE(types.size() == 6); // 5 streamed, then the terminal event made from the poll
    CHECK(types.back() == "response.completed");
    auto* done = std::get_if<responses::response_completed_event>(&*last);
    REQUIRE(done);
    CHECK(done->sequence_number == 5);
    CHECK(st.recovered_by_polling());
    CHECK(st.snapshots()->final_response() == final);
    CHECK(st.snapshots()->completed());
  });
  CHECK(polls == 3);
}

TEST_CASE("response_stream: reconnections are bounded in number", "[integration]") {
  script s = background_script("resp_cut", 10);
  std::atomic<int> connections{0};
  fault_server srv([&](peer& p, int) {
    ++connections;
    std::string req = p.read_request();
    if (req.empty()) return;
    std::string line = request_line(req);
    std::size_t from =
        line.find("GET") == 0 ? static_cast<std::size_t>(starting_after_of(line) + 1) : 0;
    p.send(chunked_head() + events_chunks(s, from, from + (from == 0 ? 3 : 0)));
    p.close(); // every connection is cut; the resumed ones before any event
  });
  io_fixture f;
  f.connect(srv);
  f.run([&]() -> asio::awaitable<void> {
    auto req = request_body(true);
    responses::stream_options so;
    so.max_reconnects = 3;
    auto st = co_await responses::stream_response(*f.c, req, so);
    int events = 0;
    auto [ep] = co_await asio::co_spawn(
        co_await asio::this_coro::executor,
        [&]() -> asio::awaitable<void> {
          while (co_await st.next())
            ++events;
        },
        asio::experimental::as_tuple(asio::use_awaitable));
    REQUIRE(ep);
    const errc kind = error_info_of(ep).kind;
    CHECK((kind == errc::connection || kind == errc::stream_truncated));
    CHECK(events == 3);
    CHECK(st.reconnects() == 3);
  });
}

TEST_CASE("response_stream: resume(id, n) continues after n; rebuild_snapshot replays for the "
          "snapshot and hands out only what follows n",
          "[integration]") {
  script s = background_script("resp_r", 8);
  std::mutex m;
  std::vector<std::string> lines;
  fault_server srv([&](peer& p, int) {
    for (;;) {
      std::string req = p.read_request();
      if (req.empty()) return;
      std::string line = request_line(req);
      {
        std::lock_guard lock(m);
        lines.push_back(line);
      }
      std::size_t from = static_cast<std::size_t>(starting_after_of(line) + 1);
      p.send(chunked_head() + events_chunks(s, from, s.events.size()) + "0\r\n\r\n");
    }
  });
  io_fixture f;
  f.connect(srv);
  f.run([&]() -> asio::awaitable<void> {
    auto st = co_await responses::resume_response(*f.c, "resp_r", 9);
    std::vector<std::int64_t> seqs;
    while (auto ev = co_await st.next())
      seqs.push_back(responses::sequence_number(*ev).value_or(-1));
    REQUIRE_FALSE(seqs.empty());
    CHECK(seqs.front() == 10);
    CHECK(seqs.back() == static_cast<std::int64_t>(s.events.size() - 1));

    responses::resume_options rebuild;
    rebuild.rebuild_snapshot = true;
    auto again = co_await responses::resume_response(*f.c, "resp_r", 9, rebuild);
    seqs.clear();
    while (auto ev = co_await again.next())
      seqs.push_back(responses::sequence_number(*ev).value_or(-1));
    REQUIRE_FALSE(seqs.empty());
    CHECK(seqs.front() == 10);
    REQUIRE(again.snapshots());
    CHECK(again.snapshots()->final_response() == s.events.back().at("response").as_object());
  });
  std::lock_guard lock(m);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] == "GET /v1/responses/resp_r?stream=true&starting_after=9 HTTP/1.1");
  CHECK(lines[1] == "GET /v1/responses/resp_r?stream=true HTTP/1.1");
}
