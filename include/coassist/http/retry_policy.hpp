// The official SDKs' retry policy as pure functions (no clock reads, no randomness inside):
// the transport supplies `now` and a random number, so tests are deterministic.
#pragma once

#include <coassist/config.hpp>
#include <coassist/http/detail/chars.hpp>
#include <coassist/http/fields.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string_view>

namespace coassist::http {

struct retry_policy {
  int max_retries = 2;
  std::chrono::milliseconds initial_delay{500};
  std::chrono::milliseconds max_delay{8000};
  std::chrono::milliseconds max_retry_after{60000}; // server hints above this are ignored
};

// 408 Request Timeout, 409 Conflict, 429 Too Many Requests and every status >= 500.
constexpr bool is_retryable_status(int status) {
  return status == 408 || status == 409 || status == 429 || status >= 500;
}

// `x-should-retry: true|false` overrides the status decision; nullopt when absent or other.
COASSIST_DECL std::optional<bool> should_retry_header(const fields& response_headers) {
  auto v = response_headers.find("x-should-retry");
  if (!v) return std::nullopt;
  if (*v == "true") return true;
  if (*v == "false") return false;
  return std::nullopt;
}

namespace detail {

// A non-negative decimal number "12", "1.5", ".5", "3." (no sign, exponent, or junk).
COASSIST_DECL std::optional<double> parse_decimal(std::string_view s) {
  s = trim_ows(s);
  if (s.empty() || s.size() > 32) return std::nullopt;
  double v = 0, scale = 1;
  bool digits = false, point = false;
  for (char c : s) {
    if (c == '.' && !point) {
      point = true;
    } else if (is_digit(c)) {
      digits = true;
      if (point) {
        scale /= 10;
        v += (c - '0') * scale;
      } else {
        v = v * 10 + (c - '0');
      }
    } else {
      return std::nullopt;
    }
  }
  if (!digits) return std::nullopt;
  return v;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

COASSIST_DECL int parse_month(std::string_view m) {
  constexpr std::string_view months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (int i = 0; i < 12; ++i)
    if (m == months[i]) return i + 1;
  return 0;
}

COASSIST_DECL bool parse_fixed_digits(std::string_view s, int& out) {
  out = 0;
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_digit(c)) return false;
    out = out * 10 + (c - '0');
  }
  return true;
}

// "08:49:37" -> seconds of day
COASSIST_DECL bool parse_time_of_day(std::string_view s, int& seconds) {
  int h, m, sec;
  if (s.size() != 8 || s[2] != ':' || s[5] != ':' || !parse_fixed_digits(s.substr(0, 2), h) ||
      !parse_fixed_digits(s.substr(3, 2), m) || !parse_fixed_digits(s.substr(6, 2), sec) ||
      h > 23 || m > 59 || sec > 60)
    return false;
  seconds = h * 3600 + m * 60 + sec;
  return true;
}

// RFC 9110 5.6.7 HTTP-date, all three forms a recipient must accept:
//   IMF-fixdate  "Sun, 06 Nov 1994 08:49:37 GMT"
//   rfc850-date  "Sunday, 06-Nov-94 08:49:37 GMT" (two-digit year: within 50 years of 1970+)
//   asctime-date "Sun Nov  6 08:49:37 1994"
using seconds_time_point = std::chrono::time_point<std::chrono::system_clock, std::chrono::seconds>;

COASSIST_DECL std::optional<seconds_time_point> parse_http_date(std::string_view s) {
  s = trim_ows(s);
  int day = 0, month = 0, year = 0, tod = 0;
  auto comma = s.find(',');
  if (comma == 3 && s.size() == 29) { // IMF-fixdate
    if (s[4] != ' ' || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' || s.substr(25) != " GMT" ||
        !parse_fixed_digits(s.substr(5, 2), day) || !(month = parse_month(s.substr(8, 3))) ||
        !parse_fixed_digits(s.substr(12, 4), year) || !parse_time_of_day(s.substr(17, 8), tod))
      return std::nullopt;
  } else if (comma != std::string_view::npos && comma >= 6 && comma <= 9) { // rfc850-date
    auto r = s.substr(comma + 1);
    if (r.size() != 23 || r[0] != ' ' || r[3] != '-' || r[7] != '-' || r[10] != ' ' ||
        r.substr(19) != " GMT" || !parse_fixed_digits(r.substr(1, 2), day) ||
        !(month = parse_month(r.substr(4, 3))) || !parse_fixed_digits(r.substr(8, 2), year) ||
        !parse_time_of_day(r.substr(11, 8), tod))
      return std::nullopt;
    year += year < 70 ? 2000 : 1900;
  } else if (comma == std::string_view::npos && s.size() == 24) { // asctime-date
    if (s[3] != ' ' || s[7] != ' ' || s[10] != ' ' || s[19] != ' ' ||
        !(month = parse_month(s.substr(4, 3))) || !parse_time_of_day(s.substr(11, 8), tod) ||
        !parse_fixed_digits(s.substr(20, 4), year))
      return std::nullopt;
    auto d = s.substr(8, 2);
    if (d[0] == ' ') d.remove_prefix(1);
    if (!parse_fixed_digits(d, day)) return std::nullopt;
  } else {
    return std::nullopt;
  }
  static constexpr int days_in_month[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (day < 1 || day > days_in_month[month - 1]) return std::nullopt;
  auto days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  // whole seconds: a nanosecond system_clock time_point would overflow after the year 2262
  return seconds_time_point(std::chrono::seconds(days * 86400 + tod));
}

} // namespace detail

// The server's wait hint: `retry-after-ms` (milliseconds, may have a fraction) first, then
// `Retry-After` (seconds, or an HTTP-date relative to `now`). nullopt when absent, invalid, not
// positive (as in the Node SDK, 0 falls back to the backoff) or above `max`.
COASSIST_DECL std::optional<std::chrono::milliseconds>
retry_after(const fields& h, std::chrono::system_clock::time_point now,
            std::chrono::milliseconds max = std::chrono::milliseconds(60000)) {
  std::optional<double> ms;
  if (auto v = h.find("retry-after-ms")) ms = detail::parse_decimal(*v);
  if (!ms) {
    if (auto v = h.find("retry-after")) {
      if (auto seconds = detail::parse_decimal(*v)) {
        ms = *seconds * 1000.0;
      } else if (auto date = detail::parse_http_date(*v)) {
        // in milliseconds: years up to 9999 fit, unlike system_clock's nanoseconds
        auto diff = std::chrono::time_point_cast<std::chrono::milliseconds>(*date) -
                    std::chrono::time_point_cast<std::chrono::milliseconds>(now);
        ms = static_cast<double>(diff.count());
      }
    }
  }
  if (!ms || !(*ms > 0) || *ms > static_cast<double>(max.count())) return std::nullopt;
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(*ms)));
}

// min(initial * 2^n, max) * (1 - 0.25 * random01), n = retries made so far; random01 in [0, 1].
COASSIST_DECL std::chrono::milliseconds backoff_delay(const retry_policy& p, int retries_so_far,
                                                      double random01) {
  int n = std::clamp(retries_so_far, 0, 40);
  double base = std::min(static_cast<double>(p.initial_delay.count()) * std::ldexp(1.0, n),
                         static_cast<double>(p.max_delay.count()));
  double jitter = 1.0 - 0.25 * std::clamp(random01, 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<std::int64_t>(base * jitter));
}

} // namespace coassist::http
