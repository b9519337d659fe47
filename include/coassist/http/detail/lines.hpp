// Line splitting and field-line parsing shared by the response parser and the chunked decoder.
#pragma once

#include <coassist/config.hpp>
#include <coassist/http/detail/chars.hpp>
#include <coassist/http/error.hpp>
#include <coassist/http/fields.hpp>

#include <cstring>
#include <string>
#include <string_view>
#include <system_error>

namespace coassist::http::detail {

struct line_result {
  std::size_t consumed = 0;
  bool complete = false;
  std::string_view line; // without the CRLF; valid until the next read()
};

// Collects one CRLF-terminated line from successive inputs. A line that arrives whole is handed
// out as a view into the input (no copy); only a line split across reads is buffered. Strict:
// the line must end in CRLF and hold no other CR (bare LF and bare CR are refused).
class line_reader {
public:
  void clear() {
    buffer_.clear();
    complete_ = false;
  }

  // `budget`: bytes this line may still use (CRLF included); it is decreased by what is consumed.
  line_result read(std::string_view input, std::size_t& budget, error too_large,
                   std::error_code& ec) {
    if (complete_) clear();
    const void* lf = input.empty() ? nullptr : std::memchr(input.data(), '\n', input.size());
    std::size_t take =
        lf ? static_cast<std::size_t>(static_cast<const char*>(lf) - input.data()) + 1
           : input.size();
    if (take > budget) {
      ec = too_large;
      return {};
    }
    budget -= take;
    if (!lf) {
      buffer_.append(input);
      return {take, false, {}};
    }
    std::string_view line;
    if (buffer_.empty()) {
      line = input.substr(0, take - 1);
    } else {
      buffer_.append(input.data(), take - 1);
      line = buffer_;
    }
    complete_ = true;
    if (line.empty() || line.back() != '\r') {
      ec = error::bad_line_ending;
      return {};
    }
    line.remove_suffix(1);
    if (line.find('\r') != std::string_view::npos) {
      ec = error::bad_line_ending;
      return {};
    }
    return {take, true, line};
  }

  bool empty() const { return buffer_.empty() || complete_; }

private:
  std::string buffer_;
  bool complete_ = false;
};

// field-line = field-name ":" OWS field-value OWS. Refuses obs-fold (a line starting with
// whitespace), whitespace before the colon and control characters (error::bad_header or
// error::invalid_header_value).
COASSIST_DECL bool split_field_line(std::string_view line, std::string_view& name,
                                    std::string_view& value, std::error_code& ec) {
  if (line.empty() || is_ows(line.front())) {
    ec = error::bad_header;
    return false;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) {
    ec = error::bad_header;
    return false;
  }
  name = line.substr(0, colon);
  if (!is_token(name)) {
    ec = error::bad_header;
    return false;
  }
  auto rest = line.substr(colon + 1);
  for (char c : rest)
    if (!is_value_char(c)) {
      ec = error::invalid_header_value;
      return false;
    }
  value = trim_ows(rest);
  return true;
}

} // namespace coassist::http::detail
