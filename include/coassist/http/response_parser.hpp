// Incremental, sans-I/O HTTP/1.1 response parser (bytes in, events out; no I/O, no Asio).
//
// Usage: feed whatever was read; each call consumes a prefix and reports one event.
//
//   std::error_code ec;
//   for (;;) {
//     auto r = parser.parse(buffer, ec);
//     buffer.remove_prefix(r.consumed);           // keep the rest for the next call
//     if (ec) break;                              // framing error: close the connection
//     if (r.event == parse_event::need_more) { /* read more, append; on EOF call finish() */ }
//     else if (r.event == parse_event::head)  { /* parser.head() is ready */ }
//     else if (r.event == parse_event::body)  { /* r.body: a view into `buffer` */ }
//     else break;                                 // message_complete
//   }
//
// Strictness (all refusals are errors, never silent repairs):
// - status line `HTTP/1.<digit> SP 3DIGIT [SP reason] CRLF`: HTTP/1.0 and 1.1 (1.2+ treated as
//   1.1); the code is 100..999; the reason may be empty, and "HTTP/1.1 200\r\n" (no SP) is taken
//   as an empty reason; anything else (RTSP/, ICE/, HTTP/0.9, HTTP/2) is refused. Empty lines
//   (CRLF) before a status line are skipped, within the head budget (as llhttp does).
// - every line ends in CRLF: bare LF and bare CR are refused; obs-fold is refused; field names
//   are tokens with no space before the colon; values refuse control characters except HTAB.
// - Content-Length: digits only, < 2^64, duplicates only when equal (no comma lists).
// - Transfer-Encoding: `chunked` at most once, without parameters; it frames the body only as
//   the last coding. A TE whose last coding is not chunked ("gzip", "chunked, gzip") means a
//   close-delimited body (RFC 9112 6.3, as llhttp), delivered still encoded
//   (other_transfer_codings()). TE and Content-Length together are refused.
// - 1xx (except 101, refused) are skipped; their heads count against max_header_bytes.
//   HEAD responses, 204 and 304 have no body whatever the framing fields say.
// - Bytes after a complete response are not consumed; offering them without reset() is
//   error::data_after_message.
#pragma once

#include <coassist/config.hpp>
#include <coassist/http/chunked_decoder.hpp>
#include <coassist/http/detail/chars.hpp>
#include <coassist/http/detail/lines.hpp>
#include <coassist/http/error.hpp>
#include <coassist/http/fields.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace coassist::http {

struct response_head {
  int status = 0;
  int version_minor = 1; // HTTP/1.0 or HTTP/1.1
  std::string reason;
  fields headers;
};

struct parser_limits {
  std::size_t max_header_bytes = 64 * 1024; // status line + fields + CRLFs, 1xx heads included
  std::size_t max_header_count = 128;       // field lines (also the trailer field limit)
  std::uint64_t max_body_bytes = std::uint64_t(-1);
  std::size_t max_trailer_bytes = 16 * 1024;
  std::size_t max_chunk_extension_bytes = 4096; // one chunk-size line
};

enum class parse_event {
  need_more,       // everything offered was consumed (or nothing could be): read more
  head,            // head() is complete; call parse() again, even with empty input
  body,            // parse_result::body holds body bytes (a view into the input)
  message_complete // the response is done; unconsumed bytes belong to the next one
};

struct parse_result {
  std::size_t consumed = 0;
  parse_event event = parse_event::need_more;
  std::string_view body; // for parse_event::body: a view into the input
};

class response_parser {
public:
  explicit response_parser(parser_limits limits = {})
      : limits_(limits),
        decoder_(chunked_limits{limits.max_body_bytes, limits.max_chunk_extension_bytes,
                                limits.max_trailer_bytes, limits.max_header_count}) {
    reset();
  }

  // Prepare for the next response on the connection. head_request: the request was HEAD (no body).
  void reset(bool head_request = false) {
    head_request_ = head_request;
    connect_request_ = false;
    state_ = state::head;
    ec_ = {};
    clear_head();
    line_.clear();
    head_budget_ = limits_.max_header_bytes;
    status_line_seen_ = false;
    remaining_ = 0;
    body_bytes_ = 0;
    chunked_ = false;
    content_length_.reset();
    keep_alive_ = false;
    other_codings_ = false;
    got_any_bytes_ = false;
    decoder_.reset();
  }

  // Prepare for the response to a CONNECT request (an HTTP proxy tunnel). A 2xx response ends
  // with its head: the tunnel's bytes follow, left unconsumed; its Content-Length and
  // Transfer-Encoding are ignored as RFC 9110 9.3.6 requires. Any other status (407, 502, ...)
  // is an ordinary response with a body.
  void reset_for_connect() {
    reset(false);
    connect_request_ = true;
  }

  // Consumes a prefix of `input` and reports one event. Call again with the unconsumed rest.
  // 1xx responses (100, 103) are consumed and skipped silently. Errors via ec (sticky).
  parse_result parse(std::string_view input, std::error_code& ec) {
    switch (state_) {
    case state::head:
      return parse_head(input, ec);
    case state::body_none:
      state_ = state::done;
      return {0, parse_event::message_complete, {}};
    case state::body_length: {
      if (remaining_ == 0) {
        state_ = state::done;
        return {0, parse_event::message_complete, {}};
      }
      if (input.empty()) return {};
      auto n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, input.size()));
      remaining_ -= n;
      body_bytes_ += n;
      return {n, parse_event::body, input.substr(0, n)};
    }
    case state::body_chunked: {
      std::error_code dec;
      auto r = decoder_.decode(input, dec);
      if (dec) return fail(dec, ec);
      if (r.event == chunked_event::data) {
        body_bytes_ += r.data.size();
        return {r.consumed, parse_event::body, r.data};
      }
      if (r.event == chunked_event::done) {
        state_ = state::done;
        return {r.consumed, parse_event::message_complete, {}};
      }
      return {r.consumed, parse_event::need_more, {}};
    }
    case state::body_close: {
      if (input.empty()) return {};
      if (input.size() > limits_.max_body_bytes - body_bytes_)
        return fail(error::body_too_large, ec);
      body_bytes_ += input.size();
      return {input.size(), parse_event::body, input};
    }
    case state::done:
      if (input.empty()) return {};
      return fail(error::data_after_message, ec);
    case state::failed:
      ec = ec_;
      return {};
    }
    return {};
  }

  // The peer closed: completes a close-delimited body (then returns message_complete) or sets
  // ec = partial_message when a message is in progress (nothing in progress and nothing read:
  // need_more, no error).
  parse_result finish(std::error_code& ec) {
    switch (state_) {
    case state::head:
      if (got_any_bytes_) return fail(error::partial_message, ec);
      return {};
    case state::body_none:
    case state::body_close:
      state_ = state::done;
      return {0, parse_event::message_complete, {}};
    case state::body_length:
      if (remaining_ != 0) return fail(error::partial_message, ec);
      state_ = state::done;
      return {0, parse_event::message_complete, {}};
    case state::body_chunked:
      return fail(error::partial_message, ec);
    case state::done:
      return {};
    case state::failed:
      ec = ec_;
      return {};
    }
    return {};
  }

  const response_head& head() const { return head_; } // valid after parse_event::head
  // Whether the connection may carry another request after this response. Known from the head
  // on (false for close-delimited bodies, `Connection: close`, HTTP/1.0 without keep-alive);
  // always false after an error.
  bool keep_alive() const { return keep_alive_ && state_ != state::failed; }
  bool chunked() const { return chunked_; }
  std::optional<std::uint64_t> content_length() const { return content_length_; }
  const fields& trailers() const { return decoder_.trailers(); } // after message_complete
  // Any byte of the current response seen (stale-connection retry decision).
  bool got_any_bytes() const { return got_any_bytes_; }
  // The head is complete and a body follows/ended; false before parse_event::head.
  bool head_done() const { return state_ != state::head && state_ != state::failed; }
  bool is_done() const { return state_ == state::done; }
  // The body ends when the server closes the connection.
  bool close_delimited() const { return state_ == state::body_close; }
  // Transfer-Encoding named a coding other than chunked: the body bytes are still encoded.
  bool other_transfer_codings() const { return other_codings_; }
  // Body bytes delivered so far (after transfer decoding).
  std::uint64_t body_bytes() const { return body_bytes_; }
  std::error_code error() const { return ec_; }

private:
  enum class state { head, body_none, body_length, body_chunked, body_close, done, failed };

  // keeps the capacity of the field list: no allocation per response on a reused connection
  void clear_head() {
    head_.status = 0;
    head_.version_minor = 1;
    head_.reason.clear();
    head_.headers.clear();
  }

  parse_result fail(std::error_code e, std::error_code& ec) {
    state_ = state::failed;
    ec_ = e;
    ec = e;
    return {};
  }

  parse_result parse_head(std::string_view input, std::error_code& ec) {
    if (!input.empty()) got_any_bytes_ = true;
    std::size_t consumed = 0;
    for (;;) {
      std::error_code lec;
      auto rest = input.substr(consumed);
      // obs-fold is refused at its first byte, without waiting for the end of the line
      if (status_line_seen_ && line_.empty() && !rest.empty() && detail::is_ows(rest.front()))
        return fail(error::bad_header, ec);
      auto r = line_.read(rest, head_budget_, error::header_too_large, lec);
      if (lec) return fail(lec, ec);
      consumed += r.consumed;
      if (!r.complete) return {consumed, parse_event::need_more, {}};
      if (!status_line_seen_) {
        // empty lines (CRLF) before a status line are skipped, as llhttp does (a stray CRLF
        // after the previous body); they count against max_header_bytes
        if (r.line.empty()) continue;
        if (!parse_status_line(r.line, lec)) return fail(lec, ec);
        status_line_seen_ = true;
        continue;
      }
      if (!r.line.empty()) {
        if (head_.headers.size() >= limits_.max_header_count)
          return fail(error::too_many_headers, ec);
        std::string_view name, value;
        if (!detail::split_field_line(r.line, name, value, lec)) return fail(lec, ec);
        head_.headers.add_unchecked(name, value);
        continue;
      }
      // end of the head
      if (head_.status == 101) return fail(error::unexpected_upgrade, ec);
      if (head_.status < 200) {
        // interim response: skip it; the budget keeps counting so endless 1xx are bounded
        clear_head();
        status_line_seen_ = false;
        continue;
      }
      if (!decide_framing(lec)) return fail(lec, ec);
      return {consumed, parse_event::head, {}};
    }
  }

  bool parse_status_line(std::string_view line, std::error_code& ec) {
    // "HTTP/1.1 200 OK": 8 bytes of version, SP, 3 digits, then end or SP reason
    if (line.size() < 5 || line.substr(0, 5) != "HTTP/") {
      ec = error::bad_status_line;
      return false;
    }
    if (line.size() < 8 || line[5] != '1' || line[6] != '.' || !detail::is_digit(line[7])) {
      ec = error::bad_version;
      return false;
    }
    if (line.size() < 12 || line[8] != ' ' || !detail::is_digit(line[9]) ||
        !detail::is_digit(line[10]) || !detail::is_digit(line[11]) || line[9] == '0') {
      ec = error::bad_status_line;
      return false;
    }
    if (line.size() > 12 && line[12] != ' ') {
      ec = error::bad_status_line;
      return false;
    }
    auto reason = line.size() > 12 ? line.substr(13) : std::string_view();
    for (char c : reason)
      if (!detail::is_value_char(c)) {
        ec = error::bad_status_line;
        return false;
      }
    head_.version_minor = line[7] == '0' ? 0 : 1;
    head_.status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
    head_.reason.assign(reason);
    return true;
  }

  bool decide_framing(std::error_code& ec) {
    if (connect_request_ && head_.status / 100 == 2) {
      keep_alive_ = true; // the tunnel: the connection carries on, no longer as HTTP
      state_ = state::body_none;
      return true;
    }
    // Content-Length: digits only, no overflow, duplicates only when equal
    for (const auto& f : head_.headers) {
      if (!detail::iequals(f.name, "content-length")) continue;
      std::uint64_t v = 0;
      if (f.value.empty()) {
        ec = error::bad_content_length;
        return false;
      }
      for (char c : f.value) {
        auto digit = static_cast<std::uint64_t>(c - '0');
        if (!detail::is_digit(c) || v > (std::uint64_t(-1) - digit) / 10) {
          ec = error::bad_content_length;
          return false;
        }
        v = v * 10 + digit;
      }
      if (content_length_ && *content_length_ != v) {
        ec = error::conflicting_content_length;
        return false;
      }
      content_length_ = v;
    }
    // Transfer-Encoding: one list over all TE lines. chunked at most once and without
    // parameters; it frames the body only as the last coding (else: close-delimited, 6.3).
    bool te_present = false, chunked_last = false, chunked_seen = false, bad = false;
    for (const auto& f : head_.headers) {
      if (!detail::iequals(f.name, "transfer-encoding")) continue;
      te_present = true;
      detail::for_each_list_element(f.value, [&](std::string_view element) {
        auto semi = element.find(';');
        auto coding = detail::trim_ows(element.substr(0, semi));
        if (!detail::is_token(coding)) {
          bad = true;
          return false;
        }
        chunked_last = detail::iequals(coding, "chunked");
        if (chunked_last) {
          if (chunked_seen || semi != std::string_view::npos) {
            bad = true; // chunked twice, or with parameters
            return false;
          }
          chunked_seen = true;
        } else {
          other_codings_ = true;
        }
        return true;
      });
    }
    if (te_present && !chunked_seen && !other_codings_) bad = true; // empty TE value
    if (bad) {
      ec = error::bad_transfer_encoding;
      return false;
    }
    if (te_present && content_length_) {
      ec = error::content_length_with_transfer_encoding;
      return false;
    }
    // Connection: close / keep-alive tokens
    bool close_token = false, keep_alive_token = false;
    for (const auto& f : head_.headers) {
      if (!detail::iequals(f.name, "connection")) continue;
      detail::for_each_list_element(f.value, [&](std::string_view token) {
        if (detail::iequals(token, "close")) close_token = true;
        if (detail::iequals(token, "keep-alive")) keep_alive_token = true;
        return true;
      });
    }
    keep_alive_ = head_.version_minor >= 1 ? !close_token : (keep_alive_token && !close_token);
    // RFC 9112 6.1: TE in an HTTP/1.0 message means faulty framing: never reuse the connection
    if (te_present && head_.version_minor == 0) keep_alive_ = false;

    if (head_request_ || head_.status == 204 || head_.status == 304) {
      state_ = state::body_none;
      chunked_ = false;
    } else if (te_present) {
      chunked_ = chunked_last;
      state_ = chunked_last ? state::body_chunked : state::body_close;
    } else if (content_length_) {
      if (*content_length_ > limits_.max_body_bytes) {
        ec = error::body_too_large;
        return false;
      }
      remaining_ = *content_length_;
      state_ = remaining_ == 0 ? state::body_none : state::body_length;
    } else {
      state_ = state::body_close;
    }
    if (state_ == state::body_close) keep_alive_ = false;
    return true;
  }

  parser_limits limits_;
  bool head_request_ = false;
  bool connect_request_ = false;
  state state_ = state::head;
  std::error_code ec_;
  response_head head_;
  detail::line_reader line_;
  std::size_t head_budget_ = 0;
  bool status_line_seen_ = false;
  std::uint64_t remaining_ = 0;
  std::uint64_t body_bytes_ = 0;
  bool chunked_ = false;
  std::optional<std::uint64_t> content_length_;
  bool keep_alive_ = false;
  bool other_codings_ = false;
  bool got_any_bytes_ = false;
  chunked_decoder decoder_;
};

} // namespace coassist::http
