// WHATWG event stream cases for sse::parser, each run with the input split at every byte
// boundary (two reads), one byte per read, and in one read: all must give the same events.
#include <catch2/catch.hpp>

#include <coassist/sse/parser.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sse = coassist::sse;

namespace {

struct owned_event {
  std::string type, data, id;
  std::optional<std::uint64_t> retry;
  bool operator==(const owned_event&) const = default;
};

std::ostream& operator<<(std::ostream& os, const owned_event& e) {
  os << "{type=" << e.type << " data=" << e.data << " id=" << e.id << " retry=";
  if (e.retry)
    os << *e.retry;
  else
    os << "none";
  return os << "}";
}

struct result {
  std::vector<owned_event> events;
  std::error_code error;
  bool truncated = false;
};

result parse_pieces(const std::vector<std::string_view>& pieces, sse::limits l = {}) {
  sse::parser p(l);
  result r;
  for (auto piece : pieces) {
    // a private copy per read, freed after the read: views that outlive it would fail under ASan
    std::string buffer(piece);
    p.feed(buffer);
    while (auto ev = p.next(r.error))
      r.events.push_back(
          {std::string(ev->type), std::string(ev->data), std::string(ev->id), ev->retry});
    if (r.error) return r;
  }
  r.truncated = p.finish();
  return r;
}

// Parses `input` in one read, then split at every boundary, then byte by byte; checks all agree.
result parse_every_split(std::string_view input, sse::limits l = {}) {
  result whole = parse_pieces({input}, l);
  for (std::size_t i = 0; i <= input.size(); ++i) {
    result split = parse_pieces({input.substr(0, i), input.substr(i)}, l);
    INFO("split at " << i);
    CHECK(split.events == whole.events);
    CHECK(split.error == whole.error);
    CHECK(split.truncated == whole.truncated);
  }
  std::vector<std::string_view> bytes;
  for (std::size_t i = 0; i < input.size(); ++i)
    bytes.push_back(input.substr(i, 1));
  result single = parse_pieces(bytes, l);
  CHECK(single.events == whole.events);
  CHECK(single.error == whole.error);
  return whole;
}

owned_event msg(std::string data, std::string type = "message", std::string id = "",
                std::optional<std::uint64_t> retry = std::nullopt) {
  return {std::move(type), std::move(data), std::move(id), retry};
}

} // namespace

TEST_CASE("sse: basic event with type and data, LF endings", "[unit]") {
  auto r = parse_every_split("event: thread.run.created\ndata: {\"a\":1}\n\n");
  REQUIRE(r.events == std::vector{msg("{\"a\":1}", "thread.run.created")});
  CHECK_FALSE(r.error);
  CHECK_FALSE(r.truncated);
}

TEST_CASE("sse: CRLF, lone CR and LF in any mix", "[unit]") {
  auto r =
      parse_every_split("data: a\r\n\r\ndata: b\r\rdata: c\n\rdata: d\r\n\nevent: x\rdata: e\n\n");
  REQUIRE(r.events == std::vector{msg("a"), msg("b"), msg("c"), msg("d"), msg("e", "x")});
}

TEST_CASE("sse: a CR ending one read and an LF starting the next are one line end", "[unit]") {
  // "data: a\r" | "\n" | "\r\n": if the CR/LF pair were two line ends, "a" would dispatch early
  // and an extra blank line would appear; both splits must give exactly one event.
  auto r = parse_pieces({"data: a\r", "\ndata: b\r", "\n\r", "\n"});
  REQUIRE(r.events == std::vector{msg("a\nb")});
  CHECK_FALSE(r.truncated);
}

TEST_CASE("sse: BOM is stripped once at the start only", "[unit]") {
  auto r = parse_every_split("\xEF\xBB\xBF"
                             "data: 1\n\n\xEF\xBB\xBF"
                             "data: 2\n\n");
  // the second BOM makes the field name "\xEF\xBB\xBFdata": an unknown field, ignored
  REQUIRE(r.events == std::vector{msg("1")});
  auto two = parse_every_split("\xEF\xBB\xBF\xEF\xBB\xBF"
                               "data: x\n\n");
  CHECK(two.events.empty());
  auto partial = parse_every_split("\xEF\xBB"
                                   "data: y\n\ndata: z\n\n");
  // a partial BOM is not a BOM: its bytes start the first line's field name
  CHECK(partial.events == std::vector{msg("z")});
}

TEST_CASE("sse: comments are ignored", "[unit]") {
  auto r = parse_every_split(": keep-alive\n:\ndata: a\n: in the middle\ndata: b\n\n:end\n\n");
  REQUIRE(r.events == std::vector{msg("a\nb")});
}

TEST_CASE("sse: one leading space removed, field without colon, unknown fields", "[unit]") {
  auto r = parse_every_split("data:no-space\n\ndata:  two spaces\n\ndata\n\n"
                             "data\ndata\n\nfoo: bar\ndata: x\nevent\n\n");
  REQUIRE(r.events ==
          std::vector{msg("no-space"), msg(" two spaces"), msg(""), msg("\n"), msg("x")});
}

TEST_CASE("sse: multi-line data joined with LF, one trailing LF removed", "[unit]") {
  auto r = parse_every_split("data: line1\ndata: line2\ndata:\ndata: line4\n\n");
  REQUIRE(r.events == std::vector{msg("line1\nline2\n\nline4")});
}

TEST_CASE("sse: no data means no dispatch; the type resets after each event", "[unit]") {
  auto r = parse_every_split("event: ping\n\nevent: a\ndata: 1\n\ndata: 2\n\n");
  REQUIRE(r.events == std::vector{msg("1", "a"), msg("2")});
}

TEST_CASE("sse: empty event field means message", "[unit]") {
  auto r = parse_every_split("event:\ndata: 1\n\n");
  REQUIRE(r.events == std::vector{msg("1", "message")});
}

TEST_CASE("sse: unfinished event at EOF is discarded and reported", "[unit]") {
  auto r = parse_every_split("data: 1\n\ndata: 2\n");
  REQUIRE(r.events == std::vector{msg("1")});
  CHECK(r.truncated);
  auto line = parse_every_split("data: 1\n\ndata: 2");
  CHECK(line.events == std::vector{msg("1")});
  CHECK(line.truncated);
  auto clean = parse_every_split("data: 1\n\n");
  CHECK_FALSE(clean.truncated);
  // a trailing CR is a complete line end: the blank line dispatches before EOF
  auto cr = parse_every_split("data: 3\r\r");
  CHECK(cr.events == std::vector{msg("3")});
  CHECK_FALSE(cr.truncated);
}

TEST_CASE("sse: id persists, id with NUL is ignored", "[unit]") {
  using namespace std::string_literals;
  auto r = parse_every_split("id: 1\ndata: a\n\ndata: b\n\nid: 2\0x\ndata: c\n\nid\ndata: d\n\n"s);
  REQUIRE(r.events == std::vector{msg("a", "message", "1"), msg("b", "message", "1"),
                                  msg("c", "message", "1"), msg("d", "message", "")});
}

TEST_CASE("sse: retry only when all ASCII digits", "[unit]") {
  auto r = parse_every_split("retry: 1500\ndata: a\n\nretry: 15x\ndata: b\n\nretry:\ndata: c\n\n"
                             "retry: 99999999999999999999999\ndata: d\n\nretry: 7\n\n");
  REQUIRE(r.events == std::vector{msg("a", "message", "", 1500), msg("b"), msg("c"), msg("d")});
  sse::parser p;
  p.feed("retry: 1500\n\nretry: -1\n\nretry: 20\n\n");
  std::error_code ec;
  CHECK_FALSE(p.next(ec));
  CHECK(p.retry() == 20u);
}

TEST_CASE("sse: line length limit is a clear error, at every split", "[unit]") {
  sse::limits l{.max_line_length = 16, .max_event_size = 1024};
  auto ok = parse_every_split("data: 0123456789\n\n", l); // exactly 16
  CHECK(ok.events == std::vector{msg("0123456789")});
  CHECK_FALSE(ok.error);
  auto bad = parse_every_split("data: 1\n\ndata: 01234567890\n\ndata: 2\n\n", l);
  CHECK(bad.events == std::vector{msg("1")});
  CHECK(bad.error == sse::error::line_too_long);
  // an endless line without a line end fails as soon as it passes the limit
  sse::parser p(l);
  std::error_code ec;
  p.feed("data: 0123456789");
  CHECK_FALSE(p.next(ec));
  CHECK_FALSE(ec);
  p.feed("abc");
  CHECK_FALSE(p.next(ec));
  CHECK(ec == sse::error::line_too_long);
  // sticky: the parser stays failed
  CHECK_FALSE(p.next(ec));
  CHECK(ec == sse::error::line_too_long);
  CHECK(ec.message().find("line") != std::string::npos);
}

TEST_CASE("sse: event size limit counts data, joins and type", "[unit]") {
  sse::limits l{.max_line_length = 64, .max_event_size = 12};
  auto ok = parse_every_split("event: ab\ndata: 12345\ndata: 1234\n\n", l); // 2 + 5 + 1 + 4 = 12
  CHECK(ok.events == std::vector{msg("12345\n1234", "ab")});
  CHECK_FALSE(ok.error);
  auto bad = parse_every_split("data: 12345\ndata: 12345\ndata: 1\n\n", l);
  CHECK(bad.events.empty());
  CHECK(bad.error == sse::error::event_too_large);
  // many empty data lines still count their LFs
  std::string lfs;
  for (int i = 0; i < 20; ++i)
    lfs += "data\n";
  auto many = parse_pieces({lfs + "\n"}, l);
  CHECK(many.error == sse::error::event_too_large);
}

TEST_CASE("sse: data is a view into the input when possible", "[unit]") {
  sse::parser p;
  std::error_code ec;
  std::string input = "event: e\ndata: payload\n\ndata: a\ndata: b\n\n";
  p.feed(input);
  auto first = p.next(ec);
  REQUIRE(first);
  CHECK(first->data == "payload");
  CHECK(first->data.data() >= input.data());
  CHECK(first->data.data() < input.data() + input.size());
  auto second = p.next(ec);
  REQUIRE(second);
  CHECK(second->data == "a\nb");
  CHECK((second->data.data() < input.data() || second->data.data() >= input.data() + input.size()));
  CHECK_FALSE(p.next(ec));
}

TEST_CASE("sse: feed before the previous input is drained is refused", "[unit]") {
  sse::parser p;
  std::error_code ec;
  p.feed("data: a\n\ndata: b\n\n");
  REQUIRE(p.next(ec));
  CHECK_THROWS_AS(p.feed("x"), std::logic_error);
}

TEST_CASE("sse: reset starts a new stream", "[unit]") {
  sse::parser p;
  std::error_code ec;
  p.feed("\xEF\xBB\xBFid: 5\ndata: partial");
  CHECK_FALSE(p.next(ec));
  p.reset();
  CHECK(p.last_event_id().empty());
  p.feed("\xEF\xBB\xBF"
         "data: fresh\n\n");
  auto ev = p.next(ec);
  REQUIRE(ev);
  CHECK(ev->data == "fresh");
}

TEST_CASE("sse: web-platform-tests style mixed stream", "[unit]") {
  // after wpt eventsource/format-field-parsing and format-newlines
  using namespace std::string_view_literals;
  auto r =
      parse_every_split("data:\0\ndata:  2\rData:1\ndata\0:2\ndata:1\r\0: 2\n\ndata:x\r\n\n"sv);
  // only the exact field name "data" counts; "Data" and "data\0" are unknown fields
  REQUIRE(r.events.size() == 2);
  CHECK(r.events[0].data == std::string("\0\n 2\n1", 6));
  CHECK(r.events[1].data == "x");
}
