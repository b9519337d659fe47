// Sans-I/O decoder of the chunked transfer coding (RFC 9112 section 7.1). The response parser
// uses it for chunked bodies; it is also usable (and fuzzed) alone.
#pragma once

#include <coassist/config.hpp>
#include <coassist/http/detail/chars.hpp>
#include <coassist/http/detail/lines.hpp>
#include <coassist/http/error.hpp>
#include <coassist/http/fields.hpp>

#include <cstdint>
#include <string_view>
#include <system_error>

namespace coassist::http {

struct chunked_limits {
  std::uint64_t max_body_bytes = std::uint64_t(-1); // sum of chunk sizes
  std::size_t max_chunk_extension_bytes = 4096;     // one chunk-size line, CRLF included
  std::size_t max_trailer_bytes = 16 * 1024;        // the trailer section, CRLFs included
  std::size_t max_trailer_count = 128;
};

enum class chunked_event {
  need_more, // all input consumed; call again with more
  data,      // `data` holds chunk bytes (a view into the input)
  done,      // last chunk and trailer section read; `consumed` ends right after them
};

struct chunked_result {
  std::size_t consumed = 0;
  chunked_event event = chunked_event::need_more;
  std::string_view data;
};

// Grammar accepted (strict):
//   chunk-size *( BWS ";" BWS ext-name [ BWS "=" BWS ( token / quoted-string ) ] ) CRLF
// 1..16 hex digits; CRLF after each chunk's data; trailer fields parsed like header fields.
class chunked_decoder {
public:
  explicit chunked_decoder(chunked_limits limits = {}) : limits_(limits) {}

  // Forget everything: ready for a new chunked body (limits kept).
  void reset() {
    state_ = state::size_line;
    ec_ = {};
    remaining_ = 0;
    body_bytes_ = 0;
    line_budget_ = limits_.max_chunk_extension_bytes;
    trailer_budget_ = limits_.max_trailer_bytes;
    any_bytes_ = false;
    line_.clear();
    trailers_.clear();
  }

  // Consumes a prefix of `input` and reports one event. Errors are sticky: once ec is set, every
  // later call sets it again and consumes nothing.
  chunked_result decode(std::string_view input, std::error_code& ec) {
    if (state_ == state::failed) {
      ec = ec_;
      return {};
    }
    if (!input.empty()) any_bytes_ = true;
    std::size_t consumed = 0;
    for (;;) {
      auto rest = input.substr(consumed);
      switch (state_) {
      case state::size_line: {
        std::error_code lec;
        auto r = line_.read(rest, line_budget_, error::chunk_extension_too_large, lec);
        if (lec) return fail(lec, ec);
        consumed += r.consumed;
        if (!r.complete) return {consumed, chunked_event::need_more, {}};
        if (!parse_size_line(r.line, lec)) return fail(lec, ec);
        line_budget_ = limits_.max_chunk_extension_bytes;
        state_ = remaining_ == 0 ? state::trailer : state::data;
        break;
      }
      case state::data: {
        if (rest.empty()) return {consumed, chunked_event::need_more, {}};
        auto n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, rest.size()));
        remaining_ -= n;
        if (remaining_ == 0) state_ = state::data_cr;
        return {consumed + n, chunked_event::data, rest.substr(0, n)};
      }
      case state::data_cr:
      case state::data_lf: {
        if (rest.empty()) return {consumed, chunked_event::need_more, {}};
        char expected = state_ == state::data_cr ? '\r' : '\n';
        if (rest.front() != expected) return fail(error::bad_chunk, ec);
        ++consumed;
        state_ = state_ == state::data_cr ? state::data_lf : state::size_line;
        break;
      }
      case state::trailer: {
        std::error_code lec;
        auto r = line_.read(rest, trailer_budget_, error::trailer_too_large, lec);
        if (lec) return fail(lec, ec);
        consumed += r.consumed;
        if (!r.complete) return {consumed, chunked_event::need_more, {}};
        if (r.line.empty()) {
          state_ = state::done;
          return {consumed, chunked_event::done, {}};
        }
        if (trailers_.size() >= limits_.max_trailer_count)
          return fail(error::trailer_too_large, ec);
        std::string_view name, value;
        if (!detail::split_field_line(r.line, name, value, lec)) return fail(lec, ec);
        trailers_.add_unchecked(name, value);
        break;
      }
      case state::done:
        return {consumed, chunked_event::done, {}};
      case state::failed:
        ec = ec_;
        return {};
      }
    }
  }

  bool done() const { return state_ == state::done; }
  bool failed() const { return state_ == state::failed; }
  // Some byte was consumed and the last chunk is not complete yet (EOF now = truncated body).
  bool in_progress() const { return any_bytes_ && state_ != state::done; }
  // Trailer fields (valid after chunked_event::done).
  const fields& trailers() const { return trailers_; }
  // Sum of the chunk sizes read so far.
  std::uint64_t body_bytes() const { return body_bytes_; }
  const chunked_limits& limits() const { return limits_; }

private:
  enum class state { size_line, data, data_cr, data_lf, trailer, done, failed };

  chunked_result fail(std::error_code e, std::error_code& ec) {
    state_ = state::failed;
    ec_ = e;
    ec = e;
    return {};
  }

  // Parses "hex [BWS] [extensions]" (the line without CRLF) into remaining_.
  bool parse_size_line(std::string_view line, std::error_code& ec) {
    std::size_t i = 0;
    std::uint64_t size = 0;
    while (i < line.size() && detail::hex_value(line[i]) >= 0) {
      if (i == 16) {
        ec = error::chunk_too_large; // more than 16 hex digits cannot fit in 64 bits
        return false;
      }
      size = (size << 4) | static_cast<std::uint64_t>(detail::hex_value(line[i]));
      ++i;
    }
    if (i == 0) {
      ec = error::bad_chunk_size;
      return false;
    }
    if (!parse_extensions(line.substr(i), ec)) return false;
    if (size > limits_.max_body_bytes - body_bytes_) {
      ec = error::body_too_large;
      return false;
    }
    body_bytes_ += size;
    remaining_ = size;
    return true;
  }

  // *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ) BWS; the values are skipped, not kept.
  static bool parse_extensions(std::string_view s, std::error_code& ec) {
    auto skip_ws = [&] {
      while (!s.empty() && detail::is_ows(s.front()))
        s.remove_prefix(1);
    };
    auto take_token = [&] {
      std::size_t n = 0;
      while (n < s.size() && detail::is_tchar(s[n]))
        ++n;
      s.remove_prefix(n);
      return n != 0;
    };
    for (;;) {
      auto before = s.size();
      skip_ws();
      if (s.empty()) {
        if (s.size() == before) return true;
        ec = error::bad_chunk_size; // whitespace at the end of the line: not in the grammar
        return false;
      }
      if (s.front() != ';') {
        // a junk byte right after the size ("5x") or a missing semicolon ("5 ext")
        ec = error::bad_chunk_size;
        return false;
      }
      s.remove_prefix(1);
      skip_ws();
      if (!take_token()) {
        ec = error::bad_chunk;
        return false;
      }
      skip_ws();
      if (s.empty() || s.front() != '=') continue;
      s.remove_prefix(1);
      skip_ws();
      if (!s.empty() && s.front() == '"') {
        s.remove_prefix(1);
        bool closed = false;
        while (!s.empty()) {
          char c = s.front();
          s.remove_prefix(1);
          if (c == '"') {
            closed = true;
            break;
          }
          if (c == '\\') {
            if (s.empty() || !detail::is_value_char(s.front())) break;
            s.remove_prefix(1);
          } else if (!detail::is_value_char(c)) {
            break;
          }
        }
        if (!closed) {
          ec = error::bad_chunk;
          return false;
        }
      } else if (!take_token()) {
        ec = error::bad_chunk;
        return false;
      }
    }
  }

  chunked_limits limits_;
  state state_ = state::size_line;
  std::error_code ec_;
  std::uint64_t remaining_ = 0;
  std::uint64_t body_bytes_ = 0;
  std::size_t line_budget_ = limits_.max_chunk_extension_bytes;
  std::size_t trailer_budget_ = limits_.max_trailer_bytes;
  bool any_bytes_ = false;
  detail::line_reader line_;
  fields trailers_;
};

} // namespace coassist::http
