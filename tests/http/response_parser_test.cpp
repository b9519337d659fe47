// The response parser on scripted responses, each one fed whole, cut at every offset (and every
// pair of offsets), and one byte at a time: all must give the same result.
#include "http_support.hpp"

#include <coassist/http/response_parser.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace coassist::http;
using namespace std::literals;
using coassist::http::test::run_all_splits;
using coassist::http::test::run_options;

namespace {

std::error_code err(error e) {
  return make_error_code(e);
}

} // namespace

TEST_CASE("Content-Length body, then leftover bytes untouched", "[unit]") {
  auto o = run_all_splits("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhelloNEXT");
  REQUIRE_FALSE(o.ec);
  REQUIRE(o.messages.size() == 1);
  CHECK(o.messages[0].status == 200);
  CHECK(o.messages[0].reason == "OK");
  CHECK(o.messages[0].body == "hello");
  CHECK(o.messages[0].complete);
  CHECK(o.messages[0].keep_alive);
  CHECK(o.leftover == 4);
}

TEST_CASE("head fields are parsed, trimmed and kept in order", "[unit]") {
  response_parser p;
  std::error_code ec;
  std::string_view in = "HTTP/1.1 404 Not  Found\r\nA:  x y \t\r\nb:\r\nA: 2\r\n"
                        "Content-Length: 0\r\n\r\n";
  auto r = p.parse(in, ec);
  REQUIRE_FALSE(ec);
  REQUIRE(r.event == parse_event::head);
  CHECK(r.consumed == in.size());
  CHECK(p.head().status == 404);
  CHECK(p.head().reason == "Not  Found");
  CHECK(p.head().version_minor == 1);
  CHECK(p.head().headers.size() == 4);
  CHECK(p.head().headers.find("a") == "x y");
  CHECK(p.head().headers.find("B") == "");
  CHECK(p.head().headers.find_all("A") == std::vector<std::string_view>{"x y", "2"});
  CHECK(p.content_length() == 0u);
  CHECK_FALSE(p.chunked());
  r = p.parse("", ec);
  CHECK(r.event == parse_event::message_complete);
  CHECK(p.is_done());
}

TEST_CASE("chunked body with extensions and trailers", "[unit]") {
  auto o = run_all_splits("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "5;name=value;q=\"quoted \\\" x\"\r\nhello\r\n"
                          "6 ; ext\r\n world\r\n"
                          "0\r\nX-Checksum: abc\r\nX-Other:  z \r\n\r\nleft");
  REQUIRE_FALSE(o.ec);
  REQUIRE(o.messages.size() == 1);
  CHECK(o.messages[0].body == "hello world");
  CHECK(o.messages[0].complete);
  CHECK(o.messages[0].keep_alive);
  CHECK(o.messages[0].trailers ==
        std::vector<std::pair<std::string, std::string>>{{"X-Checksum", "abc"}, {"X-Other", "z"}});
  CHECK(o.leftover == 4);
}

TEST_CASE("chunked body: hex sizes in both cases, leading zeros, 16 hex digits", "[unit]") {
  std::string body(0x1a, 'x');
  auto o = run_all_splits("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
                          "1A\r\n" +
                          body + "\r\n00000000000000000\r\n\r\n");
  // 17 digits: refused even though the value is 0
  CHECK(o.ec == err(error::chunk_too_large));
  o = run_all_splits("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
                     "1a\r\n" +
                     body + "\r\n0000000000000000\r\n\r\n");
  REQUIRE_FALSE(o.ec);
  CHECK(o.messages[0].body == body);
  CHECK(o.messages[0].complete);
}

TEST_CASE("close-delimited body ends at EOF", "[unit]") {
  run_options eof;
  eof.eof = true;
  auto o = run_all_splits("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end", eof);
  REQUIRE_FALSE(o.ec);
  CHECK(o.messages[0].body == "until the end");
  CHECK(o.messages[0].complete);
  CHECK_FALSE(o.messages[0].keep_alive);
  // without EOF the message is not complete
  o = run_all_splits("HTTP/1.1 200 OK\r\n\r\nabc");
  CHECK_FALSE(o.messages[0].complete);
  CHECK(o.messages[0].body == "abc");
}

TEST_CASE("Transfer-Encoding without final chunked: close-delimited (RFC 9112 6.3)", "[unit]") {
  run_options eof;
  eof.eof = true;
  for (auto te : {"gzip", "chunkedchunked", "identity", "gzip, deflate", "chunked, deflate",
                  "chunked , identity", "gzip, chunked, gzip"}) {
    INFO(te);
    auto o = run_all_splits(std::string("HTTP/1.1 200 OK\r\nTransfer-Encoding: ") + te +
                                "\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
                            eof);
    REQUIRE_FALSE(o.ec);
    CHECK(o.messages[0].body == "5\r\nhello\r\n0\r\n\r\n");
    CHECK(o.messages[0].complete);
    CHECK_FALSE(o.messages[0].keep_alive);
  }
  response_parser p;
  std::error_code ec;
  p.parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", ec);
  CHECK(p.other_transfer_codings());
  CHECK(p.close_delimited());
}

TEST_CASE("Transfer-Encoding errors", "[unit]") {
  struct {
    const char* te;
    error e;
  } cases[] = {
      {"chunked, gzip, chunked", error::bad_transfer_encoding},
      {"chunked, chunked", error::bad_transfer_encoding},
      {"chunked;q=1", error::bad_transfer_encoding},
      {"", error::bad_transfer_encoding},
      {" , ", error::bad_transfer_encoding},
      {"gz ip, chunked", error::bad_transfer_encoding},
  };
  for (auto& c : cases) {
    INFO(c.te);
    auto o = run_all_splits(std::string("HTTP/1.1 200 OK\r\nTransfer-Encoding: ") + c.te +
                            "\r\n\r\n0\r\n\r\n");
    CHECK(o.ec == err(c.e));
  }
  // chunked split over two field lines is still "chunked last"
  auto o = run_all_splits("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n"
                          "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
  REQUIRE_FALSE(o.ec);
  CHECK(o.messages[0].complete);
  o = run_all_splits("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
  CHECK(o.ec == err(error::bad_transfer_encoding));
}

TEST_CASE("Content-Length validation", "[unit]") {
  struct {
    const char* fields;
    error e;
  } cases[] = {
      {"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
       error::content_length_with_transfer_encoding},
      {"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
       error::content_length_with_transfer_encoding},
      {"Content-Length: 5\r\nContent-Length: 6\r\n", error::conflicting_content_length},
      {"Content-Length: 5, 5\r\n", error::bad_content_length},
      {"Content-Length: +5\r\n", error::bad_content_length},
      {"Content-Length: -1\r\n", error::bad_content_length},
      {"Content-Length: 0x5\r\n", error::bad_content_length},
      {"Content-Length: 5 5\r\n", error::bad_content_length},
      {"Content-Length:\r\n", error::bad_content_length},
      {"Content-Length: 18446744073709551616\r\n", error::bad_content_length},
      {"Content-Length: 99999999999999999999999\r\n", error::bad_content_length},
  };
  for (auto& c : cases) {
    INFO(c.fields);
    auto o = run_all_splits(std::string("HTTP/1.1 200 OK\r\n") + c.fields + "\r\nhello");
    CHECK(o.ec == err(c.e));
  }
  // equal duplicates, surrounding whitespace and the largest value are fine
  auto o =
      run_all_splits("HTTP/1.1 200 OK\r\nContent-Length: 5\r\ncontent-length:\t5 \r\n\r\nhello");
  REQUIRE_FALSE(o.ec);
  CHECK(o.messages[0].body == "hello");
  response_parser p;
  std::error_code ec;
  auto r = p.parse("HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\n\r\n", ec);
  REQUIRE_FALSE(ec);
  CHECK(r.event == parse_event::head);
  CHECK(p.content_length() == 18446744073709551615u);
}

TEST_CASE("1xx interim responses are skipped, 101 is refused", "[unit]") {
  auto o = run_all_splits("HTTP/1.1 100 Continue\r\n\r\n"
                          "HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n"
                          "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  REQUIRE_FALSE(o.ec);
  REQUIRE(o.messages.size() == 1);
  CHECK(o.messages[0].status == 200);
  CHECK(o.messages[0].body == "ok");
  o = run_all_splits("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n");
  CHECK(o.ec == err(error::unexpected_upgrade));
  // endless 1xx: the head budget counts all interim heads
  std::string many;
  for (int i = 0; i < 5000; ++i)
    many += "HTTP/1.1 100 Continue\r\n\r\n";
  response_parser p;
  std::error_code ec;
  p.parse(many, ec);
  CHECK(ec == err(error::header_too_large));
}

TEST_CASE("HEAD, 204 and 304 have no body whatever the framing says", "[unit]") {
  run_options head;
  head.head_request = true;
  auto o = run_all_splits("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nNEXT", head);
  REQUIRE_FALSE(o.ec);
  CHECK(o.messages[0].complete);
  CHECK(o.messages[0].body.empty());
  CHECK(o.messages[0].keep_alive);
  CHECK(o.leftover == 4);
  o = run_all_splits("HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\nNEXT");
  CHECK(o.messages[0].complete);
  CHECK(o.leftover == 4);
  o = run_all_splits("HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\nNEXT");
  CHECK(o.messages[0].complete);
  CHECK(o.messages[0].body.empty());
  CHECK(o.leftover == 4);
  // a HEAD response with chunked framing: nothing to read either
  o = run_all_splits("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", head);
  CHECK(o.messages[0].complete);
}

TEST_CASE("status line strictness", "[unit]") {
  struct {
    std::string_view line;
    std::optional<error> e; // nullopt: accepted
    int status;
    const char* reason;
  } cases[] = {
      {"HTTP/1.1 200 OK", {}, 200, "OK"},
      {"HTTP/1.1 200 ", {}, 200, ""},
      {"HTTP/1.1 200", {}, 200, ""},
      {"HTTP/1.0 599 x\ty", {}, 599, "x\ty"},
      {"HTTP/1.1 999 Custom", {}, 999, "Custom"},
      {"HTTP/1.1 200 \xc3\xa9t\xc3\xa9", {}, 200, "\xc3\xa9t\xc3\xa9"},
      {"HTTP/1.1 2000 OK", error::bad_status_line, 0, ""},
      {"HTTP/1.1 20 OK", error::bad_status_line, 0, ""},
      {"HTTP/1.1 099 OK", error::bad_status_line, 0, ""},
      {"HTTP/1.1  200 OK", error::bad_status_line, 0, ""},
      {"HTTP/1.1\t200 OK", error::bad_status_line, 0, ""},
      {"HTTP/1.1 200\tOK", error::bad_status_line, 0, ""},
      {"HTTP/1.1 2x0 OK", error::bad_status_line, 0, ""},
      {"HTTP/1.1 200 O\x01K", error::bad_status_line, 0, ""},
      {"HTTP/1.1 200 O\x7fK", error::bad_status_line, 0, ""},
      {"HTTP/1.1 200 O\0K"sv, error::bad_status_line, 0, ""},
      {"HTTP/0.9 200 OK", error::bad_version, 0, ""},
      {"HTTP/2.0 200 OK", error::bad_version, 0, ""},
      {"HTTP/2 200 OK", error::bad_version, 0, ""},
      {"HTTP/1.10 200 OK", error::bad_status_line, 0, ""},
      {"HTTP/01.1 200 OK", error::bad_version, 0, ""},
      {"HTTP/1 200 OK", error::bad_version, 0, ""},
      {"http/1.1 200 OK", error::bad_status_line, 0, ""},
      {"RTSP/1.0 200 OK", error::bad_status_line, 0, ""},
      {"ICE/1.1 200 OK", error::bad_status_line, 0, ""},
      {"", error::bad_status_line, 0, ""},
      {" HTTP/1.1 200 OK", error::bad_status_line, 0, ""},
  };
  for (auto& c : cases) {
    std::string line(c.line);
    INFO(line);
    auto o = run_all_splits(line + "\r\nContent-Length: 0\r\n\r\n");
    if (c.e) {
      CHECK(o.ec == err(*c.e));
    } else {
      REQUIRE_FALSE(o.ec);
      CHECK(o.messages[0].status == c.status);
      CHECK(o.messages[0].reason == c.reason);
    }
  }
}

TEST_CASE("line endings: bare LF and bare CR are refused everywhere", "[unit]") {
  const char* inputs[] = {
      "HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 0\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\n",
      "HTTP/1.1 200 OK\rContent-Length: 0\r\n\r\n",
      "HTTP/1.1 200 OK\r\nA: b\rc\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 200 OK\r\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nA: b\n\r\n",
      "\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
      "\r\n\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
      "\rHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
  };
  for (auto in : inputs) {
    INFO(in);
    auto o = run_all_splits(in);
    CHECK(o.ec);
  }
  auto o = run_all_splits("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\n");
  CHECK(o.ec == err(error::bad_line_ending));
  // empty lines before a status line are skipped (as llhttp does), within the head budget
  o = run_all_splits("\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n");
  REQUIRE_FALSE(o.ec);
  CHECK(o.messages[0].status == 204);
  run_options small;
  small.limits.max_header_bytes = 100;
  std::string blank_lines;
  for (int i = 0; i < 60; ++i)
    blank_lines += "\r\n";
  CHECK(run_all_splits(blank_lines + "HTTP/1.1 204 No Content\r\n\r\n", small).ec ==
        err(error::header_too_large));
}

TEST_CASE("field line strictness", "[unit]") {
  struct {
    std::string line;
    error e;
  } cases[] = {
      {" folded", error::bad_header},
      {"\tfolded", error::bad_header},
      {"Name : v", error::bad_header},
      {"Name\t: v", error::bad_header},
      {": v", error::bad_header},
      {"no colon", error::bad_header},
      {"Na(me: v", error::bad_header},
      {"N\xc3\xa9: v", error::bad_header},
      {std::string("A: x") + '\0' + "y", error::invalid_header_value},
      {"A: x\x01y", error::invalid_header_value},
      {"A: x\x7fy", error::invalid_header_value},
      {"A: x\x1by", error::invalid_header_value},
  };
  for (auto& c : cases) {
    INFO(c.line);
    auto o =
        run_all_splits("HTTP/1.1 200 OK\r\nA: 1\r\n" + c.line + "\r\nContent-Length: 0\r\n\r\n");
    CHECK(o.ec == err(c.e));
  }
  // obs-fold of the first field (directly after the status line) too
  auto o = run_all_splits("HTTP/1.1 200 OK\r\n Host: foo\r\n\r\n");
  CHECK(o.ec == err(error::bad_header));
  // allowed: HTAB inside, obs-text, every tchar in a name
  o = run_all_splits(
      "HTTP/1.1 200 OK\r\n!#$%&'*+-.^_`|~09azAZ: a\tb \xff\r\nContent-Length: 0\r\n\r\n");
  REQUIRE_FALSE(o.ec);
}

TEST_CASE("limits: head size, field count, body size, trailers, chunk extensions", "[unit]") {
  run_options small;
  small.limits.max_header_bytes = 64;
  std::string head = "HTTP/1.1 200 OK\r\nA: 12345678901234567890\r\nContent-Length: 0\r\n\r\n";
  small.limits.max_header_bytes = head.size();
  CHECK_FALSE(run_all_splits(head, small).ec);
  small.limits.max_header_bytes = head.size() - 1;
  CHECK(run_all_splits(head, small).ec == err(error::header_too_large));
  // a line that never ends is stopped at the limit, not buffered forever
  {
    response_parser p(small.limits);
    std::error_code ec;
    std::string junk(1000, 'a');
    p.parse("HTTP/1.1 200 OK\r\nX: ", ec);
    REQUIRE_FALSE(ec);
    p.parse(junk, ec);
    CHECK(ec == err(error::header_too_large));
  }

  run_options few;
  few.limits.max_header_count = 2;
  CHECK_FALSE(run_all_splits("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\n\r\n", few).ec);
  CHECK(run_all_splits("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", few).ec ==
        err(error::too_many_headers));

  run_options body;
  body.limits.max_body_bytes = 5;
  body.eof = true;
  CHECK_FALSE(run_all_splits("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", body).ec);
  CHECK(run_all_splits("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhello!", body).ec ==
        err(error::body_too_large));
  CHECK_FALSE(
      run_all_splits(
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhe\r\n3\r\nllo\r\n0\r\n\r\n",
          body)
          .ec);
  CHECK(
      run_all_splits(
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhe\r\n4\r\nllo!\r\n0\r\n\r\n",
          body)
          .ec == err(error::body_too_large));
  CHECK_FALSE(run_all_splits("HTTP/1.1 200 OK\r\n\r\nhello", body).ec);
  CHECK(run_all_splits("HTTP/1.1 200 OK\r\n\r\nhello!", body).ec == err(error::body_too_large));

  run_options trailers;
  trailers.limits.max_trailer_bytes = 12; // "A: 12345\r\n" + "\r\n" = 12
  CHECK_FALSE(
      run_all_splits("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: 12345\r\n\r\n",
                     trailers)
          .ec);
  CHECK(run_all_splits(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: 123456\r\n\r\n", trailers)
            .ec == err(error::trailer_too_large));
  trailers.limits.max_header_count = 1;
  trailers.limits.max_trailer_bytes = 1000;
  CHECK(run_all_splits(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: 1\r\nB: 2\r\n\r\n",
            trailers)
            .ec == err(error::trailer_too_large));

  run_options ext;
  ext.limits.max_chunk_extension_bytes = 10; // "5;abcdef\r\n" = 10
  CHECK_FALSE(
      run_all_splits(
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;abcdef\r\nhello\r\n0\r\n\r\n",
          ext)
          .ec);
  CHECK(run_all_splits(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;abcdefg\r\nhello\r\n0\r\n\r\n",
            ext)
            .ec == err(error::chunk_extension_too_large));
}

TEST_CASE("chunk framing errors", "[unit]") {
  struct {
    const char* body;
    error e;
  } cases[] = {
      {"\r\nhello\r\n0\r\n\r\n", error::bad_chunk_size},
      {"x\r\nhello\r\n0\r\n\r\n", error::bad_chunk_size},
      {"5x\r\nhello\r\n0\r\n\r\n", error::bad_chunk_size},
      {"5 x\r\nhello\r\n0\r\n\r\n", error::bad_chunk_size},
      {"-5\r\nhello\r\n0\r\n\r\n", error::bad_chunk_size},
      {" 5\r\nhello\r\n0\r\n\r\n", error::bad_chunk_size},
      {"0x5\r\nhello\r\n0\r\n\r\n", error::bad_chunk_size},
      {"5;\r\nhello\r\n0\r\n\r\n", error::bad_chunk},
      {"5;=v\r\nhello\r\n0\r\n\r\n", error::bad_chunk},
      {"5;a=\r\nhello\r\n0\r\n\r\n", error::bad_chunk},
      {"5;a=\"open\r\nhello\r\n0\r\n\r\n", error::bad_chunk},
      {"5;a=\"x\x01\"\r\nhello\r\n0\r\n\r\n", error::bad_chunk},
      {"5;a\x01\r\nhello\r\n0\r\n\r\n", error::bad_chunk_size},
      {"5\r\nhelloX\r\n0\r\n\r\n", error::bad_chunk},
      {"5\r\nhello\rX0\r\n\r\n", error::bad_chunk},
      {"5\r\nhello0\r\n\r\n", error::bad_chunk},
      {"10000000000000000\r\n", error::chunk_too_large},
      {"0\r\n folded: x\r\n\r\n", error::bad_header},
      {"0\r\nA\x01: x\r\n\r\n", error::bad_header},
      {"0\r\nA: \x01\r\n\r\n", error::invalid_header_value},
  };
  for (auto& c : cases) {
    INFO(c.body);
    auto o = run_all_splits(std::string("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n") +
                            c.body);
    CHECK(o.ec == err(c.e));
  }
}

TEST_CASE("EOF inside a message is partial_message", "[unit]") {
  run_options eof;
  eof.eof = true;
  const char* truncated[] = {
      "H",
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhell",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nA: b\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
      "HTTP/1.1 100 Continue\r\n\r\n",
  };
  for (auto in : truncated) {
    INFO(in);
    CHECK(run_all_splits(in, eof).ec == err(error::partial_message));
  }
  // nothing read at all: nothing in progress, not an error
  response_parser p;
  std::error_code ec;
  auto r = p.finish(ec);
  CHECK_FALSE(ec);
  CHECK(r.event == parse_event::need_more);
  CHECK_FALSE(p.got_any_bytes());
}

TEST_CASE("keep-alive decisions", "[unit]") {
  struct {
    const char* head;
    bool keep_alive;
  } cases[] = {
      {"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", true},
      {"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", false},
      {"HTTP/1.1 200 OK\r\nConnection: Keep-Alive, CLOSE\r\nContent-Length: 0\r\n\r\n", false},
      {"HTTP/1.1 200 OK\r\nConnection: upgrade\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
       false},
      {"HTTP/1.1 200 OK\r\nConnection: closed\r\nContent-Length: 0\r\n\r\n", true},
      {"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", false},
      {"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", true},
      {"HTTP/1.0 204 No Content\r\nConnection: keep-alive\r\n\r\n", true},
      {"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
       false},
      {"HTTP/1.1 204 No Content\r\n\r\n", true},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", true},
  };
  for (auto& c : cases) {
    INFO(c.head);
    auto o = run_all_splits(c.head);
    REQUIRE_FALSE(o.ec);
    REQUIRE(o.messages.size() == 1);
    CHECK(o.messages[0].complete);
    CHECK(o.messages[0].keep_alive == c.keep_alive);
  }
}

TEST_CASE("pipelined keep-alive responses, reset between them", "[unit]") {
  run_options pipe;
  pipe.pipeline = true;
  pipe.eof = true;
  auto o = run_all_splits("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none"
                          "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nTransfer-Encoding: "
                          "chunked\r\n\r\n3\r\ntwo\r\n0\r\n\r\n"
                          "HTTP/1.1 204 No Content\r\n\r\n"
                          "HTTP/1.0 200 OK\r\n\r\nthree, until the end",
                          pipe);
  REQUIRE_FALSE(o.ec);
  REQUIRE(o.messages.size() == 4);
  CHECK(o.messages[0].body == "one");
  CHECK(o.messages[1].status == 201);
  CHECK(o.messages[1].body == "two");
  CHECK(o.messages[2].status == 204);
  CHECK(o.messages[3].body == "three, until the end");
  for (auto& m : o.messages)
    CHECK(m.complete);
  CHECK(o.leftover == 0);
}

TEST_CASE("bytes after a complete response without reset: data_after_message", "[unit]") {
  response_parser p;
  std::error_code ec;
  std::string_view in = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokX";
  std::size_t events = 0;
  while (!p.is_done()) {
    auto r = p.parse(in, ec);
    REQUIRE_FALSE(ec);
    in.remove_prefix(r.consumed);
    REQUIRE(++events < 10);
  }
  CHECK(in == "X");
  auto r = p.parse("", ec); // nothing offered: fine
  CHECK_FALSE(ec);
  CHECK(r.event == parse_event::need_more);
  p.parse(in, ec);
  CHECK(ec == err(error::data_after_message));
  CHECK_FALSE(p.keep_alive());
  // sticky until reset
  std::error_code again;
  p.parse("", again);
  CHECK(again == err(error::data_after_message));
  p.reset();
  std::error_code fresh;
  r = p.parse("HTTP/1.1 200 OK\r\n\r\n", fresh);
  CHECK_FALSE(fresh);
  CHECK(r.event == parse_event::head);
}

TEST_CASE("got_any_bytes tells a stale connection from a started response", "[unit]") {
  response_parser p;
  std::error_code ec;
  CHECK_FALSE(p.got_any_bytes());
  p.parse("", ec);
  CHECK_FALSE(p.got_any_bytes());
  p.parse("H", ec);
  CHECK(p.got_any_bytes());
  p.reset();
  CHECK_FALSE(p.got_any_bytes());
}

TEST_CASE("error category name and messages", "[unit]") {
  std::error_code ec = error::bad_chunk;
  CHECK(std::string(ec.category().name()) == "coassist.http");
  CHECK(ec.message() == "bad chunk framing");
  for (int e = 1; e <= static_cast<int>(error::bad_multipart); ++e)
    CHECK(make_error_code(static_cast<error>(e)).message().find("unknown") == std::string::npos);
}

TEST_CASE("large body: every byte is delivered without copies, in few events", "[unit]") {
  std::string body(1 << 20, 'z');
  for (std::size_t i = 0; i < body.size(); i += 977)
    body[i] = static_cast<char>('a' + i % 26);
  std::string in =
      "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  std::vector<std::size_t> cuts;
  for (std::size_t c = 1000; c < in.size(); c += 16384)
    cuts.push_back(c);
  auto o = coassist::http::test::run_parser(in, cuts);
  REQUIRE_FALSE(o.ec);
  CHECK(o.messages[0].body == body);
  CHECK(o.body_events ==
        cuts.size() + 1 - 0); // one body event per read (the first carries the head too)
}

TEST_CASE("CONNECT: a 2xx ends at its head (framing fields ignored), other statuses have bodies",
          "[unit]") {
  std::string_view in = "HTTP/1.1 200 Connection established\r\nContent-Length: 10\r\n"
                        "Transfer-Encoding: chunked\r\n\r\n\x16\x03\x01TLS bytes";
  response_parser p;
  p.reset_for_connect();
  std::error_code ec;
  auto r = p.parse(in, ec);
  REQUIRE_FALSE(ec);
  CHECK(r.event == parse_event::head);
  in.remove_prefix(r.consumed);
  r = p.parse(in, ec);
  CHECK(r.event == parse_event::message_complete);
  CHECK(r.consumed == 0);
  CHECK(in == "\x16\x03\x01TLS bytes"); // the tunnel's first bytes stay with the caller
  CHECK(p.keep_alive());

  p.reset_for_connect();
  std::string_view refused = "HTTP/1.1 407 Proxy Authentication Required\r\n"
                             "Content-Length: 4\r\n\r\ndeny";
  r = p.parse(refused, ec);
  REQUIRE(r.event == parse_event::head);
  refused.remove_prefix(r.consumed);
  r = p.parse(refused, ec);
  CHECK(r.event == parse_event::body);
  CHECK(r.body == "deny");
  // reset() forgets the CONNECT mode
  p.reset();
  r = p.parse("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx", ec);
  REQUIRE(r.event == parse_event::head);
  CHECK(p.parse("x", ec).event == parse_event::body);
}

TEST_CASE("HTTP/1.x minor versions above 1 are treated as 1.1", "[unit]") {
  auto o = coassist::http::test::run_all_splits("HTTP/1.9 200 OK\r\nContent-Length: 0\r\n\r\n");
  REQUIRE_FALSE(o.ec);
  CHECK(o.messages[0].keep_alive);
  response_parser p;
  std::error_code ec;
  p.parse("HTTP/1.9 200 OK\r\n\r\n", ec);
  CHECK(p.head().version_minor == 1);
}
