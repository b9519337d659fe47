// Drives the sans-I/O parsers over an input cut into pieces, and records what they reported, so
// every test can assert that all ways of splitting the same bytes give the same result.
#pragma once

#include <coassist/http/chunked_decoder.hpp>
#include <coassist/http/response_parser.hpp>

#include <catch2/catch.hpp>

#include <ostream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace coassist::http::test {

struct message_outcome {
  int status = 0;
  std::string reason;
  std::string body;
  bool complete = false;
  bool keep_alive = false;
  std::vector<std::pair<std::string, std::string>> trailers;
  bool operator==(const message_outcome&) const = default;
};

struct outcome {
  std::vector<message_outcome> messages; // one per head seen
  std::error_code ec;
  std::size_t leftover = 0; // bytes never consumed
  std::size_t body_events = 0;
  // On an error only the error is compared: how much of a body was handed out before the
  // offending byte arrived depends on how the input was split.
  bool operator==(const outcome& o) const {
    if (ec || o.ec) return ec == o.ec;
    return messages == o.messages && leftover == o.leftover;
  }
};

inline std::ostream& operator<<(std::ostream& os, const outcome& o) {
  os << "{ec=" << (o.ec ? o.ec.message() : "none") << ", leftover=" << o.leftover << ", messages=[";
  for (auto& m : o.messages)
    os << "{status=" << m.status << " body=" << m.body.size() << "B complete=" << m.complete
       << " keep_alive=" << m.keep_alive << "} ";
  return os << "]}";
}

struct run_options {
  bool eof = false;          // call finish() after the last piece
  bool head_request = false; // the request was HEAD
  bool pipeline = false;     // after a complete keep-alive response, reset and parse the next
  parser_limits limits{};
};

// Feeds `input` cut at `cuts` (ascending offsets) to a fresh parser.
inline outcome run_parser(std::string_view input, const std::vector<std::size_t>& cuts,
                          const run_options& opt = {}) {
  response_parser p(opt.limits);
  p.reset(opt.head_request);
  outcome out;
  std::string pending;
  std::size_t fed = 0;
  std::size_t appended = 0;
  bool stopped = false; // message complete and not pipelining: leave the rest unconsumed
  auto drain = [&]() {
    for (int guard = 0; guard < 100000 && !stopped && !out.ec; ++guard) {
      auto r = p.parse(pending, out.ec);
      REQUIRE(r.consumed <= pending.size());
      if (out.ec) return;
      switch (r.event) {
      case parse_event::need_more:
        REQUIRE(r.consumed == pending.size()); // need_more means: everything taken
        pending.clear();
        return;
      case parse_event::head:
        out.messages.push_back({p.head().status, p.head().reason, {}, false, false, {}});
        break;
      case parse_event::body:
        REQUIRE(!r.body.empty());
        // zero-copy: the body is a view into the input we passed
        REQUIRE(r.body.data() >= pending.data());
        REQUIRE(r.body.data() + r.body.size() <= pending.data() + pending.size());
        REQUIRE(!out.messages.empty());
        out.messages.back().body.append(r.body);
        ++out.body_events;
        break;
      case parse_event::message_complete: {
        REQUIRE(!out.messages.empty());
        auto& m = out.messages.back();
        m.complete = true;
        m.keep_alive = p.keep_alive();
        for (auto& f : p.trailers())
          m.trailers.emplace_back(f.name, f.value);
        pending.erase(0, r.consumed);
        if (opt.pipeline && p.keep_alive()) {
          p.reset(opt.head_request);
          continue;
        }
        stopped = true;
        return;
      }
      }
      pending.erase(0, r.consumed);
    }
  };
  auto feed = [&](std::string_view piece) {
    if (stopped || out.ec) return;
    pending.append(piece);
    appended += piece.size();
    drain();
  };
  for (auto cut : cuts) {
    feed(input.substr(fed, cut - fed));
    fed = cut;
  }
  feed(input.substr(fed));
  if (opt.eof && !stopped && !out.ec) {
    auto r = p.finish(out.ec);
    if (!out.ec && r.event == parse_event::message_complete) {
      REQUIRE(!out.messages.empty());
      out.messages.back().complete = true;
      out.messages.back().keep_alive = p.keep_alive();
    }
  }
  if (out.ec) {
    // errors are sticky
    std::error_code again;
    auto r = p.parse("x", again);
    REQUIRE(again == out.ec);
    REQUIRE(r.consumed == 0);
    CHECK_FALSE(p.keep_alive());
  }
  // what the parser never took: the pending bytes plus what was never offered
  out.leftover = out.ec ? 0 : pending.size() + (input.size() - appended);
  return out;
}

// Runs `input` whole, cut at every single offset, cut at every pair of offsets (inputs up to
// 256 bytes), and one byte at a time; every run must report the same outcome. Returns it.
inline outcome run_all_splits(std::string_view input, const run_options& opt = {}) {
  auto whole = run_parser(input, {}, opt);
  for (std::size_t i = 1; i < input.size(); ++i) {
    auto o = run_parser(input, {i}, opt);
    INFO("cut at " << i << ": " << o << " vs whole " << whole);
    REQUIRE(o == whole);
  }
  if (input.size() <= 256) {
    for (std::size_t i = 1; i < input.size(); ++i)
      for (std::size_t j = i + 1; j < input.size(); ++j) {
        auto o = run_parser(input, {i, j}, opt);
        INFO("cuts at " << i << "," << j << ": " << o << " vs whole " << whole);
        REQUIRE(o == whole);
      }
  }
  std::vector<std::size_t> every;
  for (std::size_t i = 1; i < input.size(); ++i)
    every.push_back(i);
  auto bytewise = run_parser(input, every, opt);
  INFO("byte at a time: " << bytewise << " vs whole " << whole);
  REQUIRE(bytewise == whole);
  return whole;
}

struct chunked_outcome {
  std::string body;
  bool done = false;
  std::error_code ec;
  std::size_t leftover = 0;
  std::vector<std::pair<std::string, std::string>> trailers;
  bool operator==(const chunked_outcome&) const = default;
};

inline std::ostream& operator<<(std::ostream& os, const chunked_outcome& o) {
  return os << "{ec=" << (o.ec ? o.ec.message() : "none") << ", body=" << o.body.size()
            << "B, done=" << o.done << ", leftover=" << o.leftover << "}";
}

inline chunked_outcome run_chunked(std::string_view input, const std::vector<std::size_t>& cuts,
                                   chunked_limits limits = {}) {
  chunked_decoder d(limits);
  chunked_outcome out;
  std::string pending;
  std::size_t appended = 0, fed = 0;
  auto feed = [&](std::string_view piece) {
    if (out.done || out.ec) return;
    pending.append(piece);
    appended += piece.size();
    for (int guard = 0; guard < 100000; ++guard) {
      auto r = d.decode(pending, out.ec);
      REQUIRE(r.consumed <= pending.size());
      if (out.ec) return;
      if (r.event == chunked_event::data) {
        REQUIRE(!r.data.empty());
        REQUIRE(r.data.data() >= pending.data());
        REQUIRE(r.data.data() + r.data.size() <= pending.data() + pending.size());
        out.body.append(r.data);
      }
      pending.erase(0, r.consumed);
      if (r.event == chunked_event::done) {
        out.done = true;
        for (auto& f : d.trailers())
          out.trailers.emplace_back(f.name, f.value);
        return;
      }
      if (r.event == chunked_event::need_more) {
        REQUIRE(pending.empty());
        return;
      }
    }
    FAIL("decoder made no progress");
  };
  for (auto cut : cuts) {
    feed(input.substr(fed, cut - fed));
    fed = cut;
  }
  feed(input.substr(fed));
  out.leftover = out.ec ? 0 : pending.size() + (input.size() - appended);
  REQUIRE(d.body_bytes() >= out.body.size());
  return out;
}

inline chunked_outcome run_chunked_all_splits(std::string_view input, chunked_limits limits = {}) {
  auto whole = run_chunked(input, {}, limits);
  for (std::size_t i = 1; i < input.size(); ++i) {
    auto o = run_chunked(input, {i}, limits);
    INFO("cut at " << i << ": " << o << " vs whole " << whole);
    REQUIRE(o == whole);
  }
  std::vector<std::size_t> every;
  for (std::size_t i = 1; i < input.size(); ++i)
    every.push_back(i);
  auto bytewise = run_chunked(input, every, limits);
  INFO("byte at a time: " << bytewise << " vs whole " << whole);
  REQUIRE(bytewise == whole);
  return whole;
}

} // namespace coassist::http::test
