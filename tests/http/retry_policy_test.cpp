// The retry policy: status classes, x-should-retry, server wait hints (fixed clock), backoff
// (fixed random numbers).
#include <coassist/http/retry_policy.hpp>

#include <catch2/catch.hpp>

using namespace coassist::http;
using namespace std::chrono;
using namespace std::chrono_literals;

namespace {
fields with(std::initializer_list<std::pair<const char*, const char*>> list) {
  fields f;
  for (auto& [n, v] : list)
    f.add(n, v);
  return f;
}
// 1994-11-06 08:49:37 UTC, the RFC's example date
const system_clock::time_point rfc_date = system_clock::time_point(seconds(784111777));
} // namespace

TEST_CASE("retryable statuses", "[unit]") {
  for (int s : {408, 409, 429, 500, 502, 503, 504, 599, 600})
    CHECK(is_retryable_status(s));
  for (int s : {200, 201, 204, 301, 400, 401, 403, 404, 410, 422, 499})
    CHECK_FALSE(is_retryable_status(s));
}

TEST_CASE("x-should-retry overrides", "[unit]") {
  CHECK(should_retry_header(with({{"x-should-retry", "true"}})) == true);
  CHECK(should_retry_header(with({{"X-Should-Retry", "false"}})) == false);
  CHECK_FALSE(should_retry_header(with({{"x-should-retry", "yes"}})));
  CHECK_FALSE(should_retry_header(with({})));
}

TEST_CASE("retry-after-ms, then Retry-After seconds or HTTP-date", "[unit]") {
  auto now = rfc_date;
  CHECK(retry_after(with({{"retry-after-ms", "1500"}}), now) == 1500ms);
  CHECK(retry_after(with({{"retry-after-ms", "0.2"}}), now) == 1ms); // rounded up
  CHECK(retry_after(with({{"retry-after-ms", "250"}, {"retry-after", "9"}}), now) == 250ms);
  CHECK(retry_after(with({{"retry-after-ms", "junk"}, {"retry-after", "9"}}), now) == 9000ms);
  CHECK(retry_after(with({{"retry-after", "2"}}), now) == 2000ms);
  CHECK(retry_after(with({{"retry-after", "1.5"}}), now) == 1500ms);
  CHECK(retry_after(with({{"retry-after", "60"}}), now) == 60000ms);
  CHECK_FALSE(retry_after(with({{"retry-after", "61"}}), now)); // above the 60 s cap
  CHECK(retry_after(with({{"retry-after", "100"}}), now, 120s) == 100000ms);
  CHECK_FALSE(retry_after(with({{"retry-after", "0"}}), now)); // as Node: 0 -> backoff
  CHECK_FALSE(retry_after(with({{"retry-after", "-1"}}), now));
  CHECK_FALSE(retry_after(with({{"retry-after", "1e3"}}), now));
  CHECK_FALSE(retry_after(with({{"retry-after", "5s"}}), now));
  CHECK_FALSE(retry_after(with({{"retry-after", ""}}), now));
  CHECK_FALSE(retry_after(with({}), now));
  // the three HTTP-date forms, 30 s after `now`
  CHECK(retry_after(with({{"retry-after", "Sun, 06 Nov 1994 08:50:07 GMT"}}), now) == 30000ms);
  CHECK(retry_after(with({{"retry-after", "Sunday, 06-Nov-94 08:50:07 GMT"}}), now) == 30000ms);
  CHECK(retry_after(with({{"retry-after", "Sun Nov  6 08:50:07 1994"}}), now) == 30000ms);
  // in the past, too far ahead, or malformed
  CHECK_FALSE(retry_after(with({{"retry-after", "Sun, 06 Nov 1994 08:49:37 GMT"}}), now));
  CHECK_FALSE(retry_after(with({{"retry-after", "Sun, 06 Nov 1994 08:00:00 GMT"}}), now));
  CHECK_FALSE(retry_after(with({{"retry-after", "Sun, 06 Nov 1994 09:49:37 GMT"}}), now));
  CHECK_FALSE(retry_after(with({{"retry-after", "Sun, 31 Nov 1994 08:50:07 GMT"}}), now));
  CHECK_FALSE(retry_after(with({{"retry-after", "Sun, 06 Nox 1994 08:50:07 GMT"}}), now));
  CHECK_FALSE(retry_after(with({{"retry-after", "Sun, 06 Nov 1994 25:50:07 GMT"}}), now));
  CHECK_FALSE(retry_after(with({{"retry-after", "Sun, 06 Nov 1994 08:50:07 UTC"}}), now));
  // far-away years (a fuzzer finding: year 4052 overflowed a nanosecond time_point)
  CHECK_FALSE(retry_after(with({{"retry-after", "Thu Jan  2 00:00:10 4052"}}), now));
  CHECK_FALSE(retry_after(with({{"retry-after", "Fri, 31 Dec 9999 23:59:59 GMT"}}), now));
  CHECK_FALSE(retry_after(with({{"retry-after", "Sat, 01 Jan 0000 00:00:00 GMT"}}), now));
  CHECK_FALSE(retry_after(with({{"retry-after", "99999999999999999999999999999999"}}), now));
  // a leap day and a 2026 date work too
  auto leap = system_clock::time_point(seconds(1709164800)); // 2024-02-29 00:00:00 UTC
  CHECK(retry_after(with({{"retry-after", "Thu, 29 Feb 2024 00:00:10 GMT"}}), leap) == 10000ms);
}

TEST_CASE("backoff: min(0.5 * 2^n, 8) s times (1 - 0.25 r)", "[unit]") {
  retry_policy p;
  CHECK(backoff_delay(p, 0, 0.0) == 500ms);
  CHECK(backoff_delay(p, 1, 0.0) == 1000ms);
  CHECK(backoff_delay(p, 2, 0.0) == 2000ms);
  CHECK(backoff_delay(p, 4, 0.0) == 8000ms);
  CHECK(backoff_delay(p, 5, 0.0) == 8000ms);
  CHECK(backoff_delay(p, 1000, 0.0) == 8000ms);
  CHECK(backoff_delay(p, 0, 1.0) == 375ms);
  CHECK(backoff_delay(p, 3, 0.5) == 3500ms);
  CHECK(backoff_delay(p, -3, 0.0) == 500ms);
  CHECK(backoff_delay(p, 0, 7.0) == 375ms); // random clamped to [0, 1]
  retry_policy fast{5, 10ms, 100ms, 1000ms};
  CHECK(backoff_delay(fast, 3, 0.0) == 80ms);
  CHECK(backoff_delay(fast, 4, 0.0) == 100ms);
}
