// An incremental, sans-I/O parser for server-sent events (WHATWG HTML, "event stream
// interpretation"). It knows nothing of any API: it turns bytes into (type, data, id, retry).
//
//   sse::parser p({.max_line_length = 1 << 20, .max_event_size = 8 << 20});
//   p.feed(bytes);                       // any split: one byte, one event, many events
//   std::error_code ec;
//   while (auto ev = p.next(ec)) use(ev->type, ev->data);
//   if (ec) fail(ec);                    // a limit was exceeded; the parser stays failed
//   ...
//   bool truncated = p.finish();         // at EOF: an unfinished event is discarded
//
// Rules: one UTF-8 BOM is stripped at the start of the stream only; lines end in CRLF, LF or a
// lone CR, in any mix (a CR that ends one read and an LF that starts the next are one line end);
// `:` first is a comment; the field name runs to the first colon and one leading space of the
// value is removed; a line without a colon is a field with an empty value; `event` sets the type,
// `data` appends value + LF, `id` sets the last event id unless it contains NUL, `retry` counts
// only if it is all ASCII digits; other fields are ignored. A blank line dispatches the event
// unless no `data` field was seen; one trailing LF of the data is removed.
//
// Lifetimes:
//  - The bytes given to feed() must stay valid until next() has returned std::nullopt (all of
//    them consumed). feed() must not be called before that.
//  - An event_view's strings are valid until the next call of next(), feed(), finish() or reset()
//    on this parser, or its destruction, whichever comes first. `data` points into the bytes given
//    to feed() when the event has one data line that lies entirely within that buffer (no copy);
//    otherwise into the parser's own buffer. `type` and `id` point into the parser (or to static
//    storage for the default type "message").
// Memory: the parser owns at most one line (max_line_length) plus one event's data and type
// (max_event_size) plus the last id; its buffers are reused, so a long stream does not allocate
// per event once they have grown.
#pragma once

#include <coassist/config.hpp>
#include <coassist/sse/error.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace coassist::sse {

struct limits {
  std::size_t max_line_length = std::size_t{1} << 20; // bytes of one line, without its line end
  std::size_t max_event_size = std::size_t{8} << 20;  // bytes of one event's data + type
};

// One dispatched event. See the lifetime rules above.
struct event_view {
  std::string_view type = "message";  // the `event` field, "message" when absent or empty
  std::string_view data;              // data lines joined with LF
  std::string_view id;                // the last event id seen so far in the stream ("" if none)
  std::optional<std::uint64_t> retry; // a valid `retry` field of this event, if any
};

class parser {
public:
  explicit parser(limits l = {}) : limits_(l) {}

  // Hands the parser the next bytes of the stream. Precondition: the previous bytes were all
  // consumed (next() returned std::nullopt); otherwise std::logic_error is thrown.
  void feed(std::string_view bytes) {
    if (pos_ != input_.size()) throw std::logic_error("sse::parser::feed before next() drained");
    start_call();
    input_ = bytes;
    pos_ = 0;
  }

  // The next complete event in the bytes fed so far, or std::nullopt when more bytes are needed
  // (ec cleared) or a limit was exceeded (ec set; the parser then stays failed).
  std::optional<event_view> next(std::error_code& ec) {
    ec.clear();
    start_call();
    while (!failed_) {
      if (pos_ == input_.size()) {
        own_pending_views();
        return std::nullopt;
      }
      if (skip_lf_) {
        skip_lf_ = false;
        if (input_[pos_] == '\n') {
          ++pos_;
          continue;
        }
      }
      if (bom_matched_ < 3 && !strip_bom()) continue;
      const char* begin = input_.data() + pos_;
      const std::size_t avail = input_.size() - pos_;
      const char* eol = find_line_end(begin, avail);
      if (!eol) {
        if (line_.size() + avail > limits_.max_line_length) return fail(ec, error::line_too_long);
        line_.append(begin, avail);
        pos_ = input_.size();
        continue;
      }
      const std::size_t len = static_cast<std::size_t>(eol - begin);
      if (line_.size() + len > limits_.max_line_length) return fail(ec, error::line_too_long);
      pos_ += len + 1;
      skip_lf_ = (*eol == '\r');
      bool in_input = line_.empty();
      std::string_view line;
      if (in_input) {
        line = std::string_view(begin, len);
      } else {
        line_.append(begin, len);
        line = line_;
      }
      auto ev = process_line(line, in_input, ec);
      line_.clear();
      if (ec) return std::nullopt;
      if (ev) return ev;
    }
    ec = error_;
    return std::nullopt;
  }

  // End of the stream. Discards an unfinished event (and an unterminated last line) and returns
  // true if there was one, so a caller can tell a cut-off stream. The parser can then be reused
  // for a new stream after reset().
  bool finish() {
    start_call();
    bool pending = !line_.empty() || data_lines_ != 0 || has_type_ || pos_ != input_.size();
    line_.clear();
    clear_event();
    input_ = {};
    pos_ = 0;
    skip_lf_ = false;
    return pending;
  }

  // Back to the state of a new parser (keeps the limits and the buffers' capacity).
  void reset() {
    finish();
    last_id_.clear();
    retry_.reset();
    bom_matched_ = 0;
    failed_ = false;
    error_.clear();
  }

  // The last event id of the stream (what a reconnect sends as Last-Event-ID), and the last valid
  // `retry` value, whether or not an event was dispatched with it.
  std::string_view last_event_id() const noexcept { return last_id_; }
  std::optional<std::uint64_t> retry() const noexcept { return retry_; }
  const limits& limits_in_use() const noexcept { return limits_; }

private:
  static const char* find_line_end(const char* p, std::size_t n) noexcept {
    // memchr is vectorised; most SSE lines end in LF, so look for LF first, then for an
    // earlier CR.
    const char* lf = static_cast<const char*>(std::memchr(p, '\n', n));
    std::size_t scan = lf ? static_cast<std::size_t>(lf - p) : n;
    const char* cr = static_cast<const char*>(std::memchr(p, '\r', scan));
    return cr ? cr : lf;
  }

  // Consumes BOM bytes; returns false if it consumed something (the caller loops).
  bool strip_bom() {
    static constexpr unsigned char bom[3] = {0xEF, 0xBB, 0xBF};
    while (bom_matched_ < 3 && pos_ < input_.size()) {
      if (static_cast<unsigned char>(input_[pos_]) != bom[bom_matched_]) {
        // Not a BOM: the bytes matched so far are ordinary line content.
        line_.append(reinterpret_cast<const char*>(bom), bom_matched_);
        bom_matched_ = 3;
        return true;
      }
      ++bom_matched_;
      ++pos_;
    }
    return false;
  }

  std::optional<event_view> process_line(std::string_view line, bool in_input,
                                         std::error_code& ec) {
    if (line.empty()) return dispatch();
    if (line.front() == ':') return std::nullopt;
    std::string_view field = line;
    std::string_view value;
    if (auto colon = line.find(':'); colon != std::string_view::npos) {
      field = line.substr(0, colon);
      value = line.substr(colon + 1);
      if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    }
    if (field == "data") {
      std::size_t size = event_size_ + value.size() + (data_lines_ != 0 ? 1 : 0);
      if (size > limits_.max_event_size) {
        fail(ec, error::event_too_large);
        return std::nullopt;
      }
      event_size_ = size;
      if (data_lines_ == 0 && in_input) {
        data_view_ = value; // no copy: valid while the input buffer is
        data_is_view_ = true;
      } else {
        own_pending_views();
        if (data_lines_ != 0) data_.push_back('\n');
        data_.append(value);
      }
      ++data_lines_;
    } else if (field == "event") {
      std::size_t size = event_size_ - type_.size() + value.size();
      if (size > limits_.max_event_size) {
        fail(ec, error::event_too_large);
        return std::nullopt;
      }
      event_size_ = size;
      type_.assign(value);
      has_type_ = true;
    } else if (field == "id") {
      if (value.find('\0') == std::string_view::npos) last_id_.assign(value);
    } else if (field == "retry") {
      if (auto r = parse_retry(value)) {
        retry_ = r;
        event_retry_ = r;
      }
    }
    return std::nullopt;
  }

  static std::optional<std::uint64_t> parse_retry(std::string_view v) noexcept {
    if (v.empty()) return std::nullopt;
    std::uint64_t r = 0;
    for (char c : v) {
      if (c < '0' || c > '9') return std::nullopt;
      auto d = static_cast<std::uint64_t>(c - '0');
      if (r > (UINT64_MAX - d) / 10) return std::nullopt; // would overflow: not a usable delay
      r = r * 10 + d;
    }
    return r;
  }

  std::optional<event_view> dispatch() {
    if (data_lines_ == 0) {
      clear_event();
      return std::nullopt;
    }
    event_view ev;
    if (has_type_ && !type_.empty()) ev.type = type_;
    ev.data = data_is_view_ ? data_view_ : std::string_view(data_);
    ev.id = last_id_;
    ev.retry = event_retry_;
    clear_pending_ = true; // the buffers behind ev are cleared on the next call
    data_lines_ = 0;
    data_is_view_ = false;
    has_type_ = false;
    event_size_ = 0;
    event_retry_.reset();
    return ev;
  }

  void start_call() {
    if (clear_pending_) {
      data_.clear();
      type_.clear();
      clear_pending_ = false;
    }
  }

  void clear_event() {
    data_.clear();
    type_.clear();
    data_view_ = {};
    data_is_view_ = false;
    data_lines_ = 0;
    has_type_ = false;
    event_size_ = 0;
    event_retry_.reset();
  }

  // The input buffer is about to go away (or a second data line arrives): copy a data view.
  void own_pending_views() {
    if (data_is_view_) {
      data_.assign(data_view_);
      data_is_view_ = false;
    }
  }

  std::nullopt_t fail(std::error_code& ec, error e) {
    failed_ = true;
    error_ = make_error_code(e);
    ec = error_;
    line_.clear();
    clear_event();
    return std::nullopt;
  }

  limits limits_;
  std::string_view input_;
  std::size_t pos_ = 0;
  std::string line_; // a line split across inputs
  std::string data_; // data when it cannot be a view
  std::string type_; // the `event` field
  std::string last_id_;
  std::string_view data_view_;
  std::size_t data_lines_ = 0;
  std::size_t event_size_ = 0;
  std::optional<std::uint64_t> retry_;
  std::optional<std::uint64_t> event_retry_;
  std::error_code error_;
  unsigned bom_matched_ = 0; // 3 once the BOM check is over
  bool skip_lf_ = false;     // the last line ended in CR: an LF right after it belongs to it
  bool data_is_view_ = false;
  bool has_type_ = false;
  bool clear_pending_ = false;
  bool failed_ = false;
};

} // namespace coassist::sse
