// The chunked decoder used alone (as the fuzzer drives it), split at every byte boundary.
#include "http_support.hpp"

#include <coassist/http/chunked_decoder.hpp>

#include <catch2/catch.hpp>

using namespace coassist::http;
using coassist::http::test::run_chunked;
using coassist::http::test::run_chunked_all_splits;

TEST_CASE("chunked decoder: body, trailers, leftover", "[unit]") {
  auto o = run_chunked_all_splits("3\r\nabc\r\n1;x=\"y\"\r\nd\r\n0\r\nT: v\r\n\r\nNEXT");
  REQUIRE_FALSE(o.ec);
  CHECK(o.done);
  CHECK(o.body == "abcd");
  CHECK(o.trailers == std::vector<std::pair<std::string, std::string>>{{"T", "v"}});
  CHECK(o.leftover == 4);
}

TEST_CASE("chunked decoder: incomplete input is need_more, never an error", "[unit]") {
  std::string full = "a\r\n0123456789\r\n0\r\n\r\n";
  for (std::size_t n = 0; n < full.size(); ++n) {
    auto o = run_chunked(full.substr(0, n), {});
    INFO(n);
    CHECK_FALSE(o.ec);
    CHECK_FALSE(o.done);
  }
  chunked_decoder d;
  std::error_code ec;
  CHECK_FALSE(d.in_progress());
  d.decode("a\r\n01", ec);
  CHECK(d.in_progress());
  CHECK(d.body_bytes() == 10);
}

TEST_CASE("chunked decoder: limits and reset", "[unit]") {
  chunked_limits limits;
  limits.max_body_bytes = 4;
  CHECK_FALSE(run_chunked_all_splits("2\r\nab\r\n2\r\ncd\r\n0\r\n\r\n", limits).ec);
  CHECK(run_chunked_all_splits("2\r\nab\r\n3\r\ncde\r\n0\r\n\r\n", limits).ec ==
        error::body_too_large);
  // a size near 2^64 after some body must not wrap around the limit check
  limits.max_body_bytes = std::uint64_t(-1);
  CHECK(run_chunked_all_splits("2\r\nab\r\nffffffffffffffff\r\n", limits).ec ==
        error::body_too_large);
  chunked_decoder d(limits);
  std::error_code ec;
  auto r = d.decode("zz\r\n", ec);
  CHECK(ec == error::bad_chunk_size);
  CHECK(d.failed());
  d.reset();
  std::error_code ec2;
  r = d.decode("0\r\n\r\n", ec2);
  CHECK_FALSE(ec2);
  CHECK(r.event == chunked_event::done);
  CHECK(r.consumed == 5);
  CHECK(d.done());
}

TEST_CASE("chunked decoder: many tiny chunks are delivered in order", "[unit]") {
  std::string in, body;
  for (int i = 0; i < 300; ++i) {
    std::string piece(static_cast<std::size_t>(i % 7 + 1), static_cast<char>('a' + i % 26));
    char size[8];
    std::snprintf(size, sizeof size, "%zx", piece.size());
    in += std::string(size) + (i % 3 ? ";k=v" : "") + "\r\n" + piece + "\r\n";
    body += piece;
  }
  in += "0\r\n\r\n";
  std::vector<std::size_t> every;
  for (std::size_t i = 1; i < in.size(); ++i)
    every.push_back(i);
  auto o = run_chunked(in, every);
  REQUIRE_FALSE(o.ec);
  CHECK(o.body == body);
  CHECK(run_chunked(in, {}) == o);
}
