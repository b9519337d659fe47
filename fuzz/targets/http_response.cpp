// libFuzzer target: the HTTP/1.1 response parser. The first bytes choose the options and where
// the reads are split; the rest is the response stream. Oracles, beyond ASan/UBSan:
// - protocol invariants (consumed <= offered, need_more takes everything, body views lie inside
//   the offered input, errors are sticky, body_bytes() counts what was delivered);
// - split invariance: the same bytes fed whole and fed in the chosen pieces give the same
//   outcome (same error, or same heads, bodies and completion).
// Input layout: [flags][n][len_1..len_n][payload]; len_i + 1 is the size of read i, the rest of
// the payload is one last read. flags: bit0 HEAD request, bit1 EOF at the end, bit2 small
// limits, bit3 pipeline (reset after a keep-alive response and parse the next), bit4 the
// request was CONNECT (reset_for_connect).
#include <coassist/http/response_parser.hpp>
#include <coassist/http/retry_policy.hpp>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace coassist::http;

#define FUZZ_CHECK(cond)                                                                           \
  do {                                                                                             \
    if (!(cond)) __builtin_trap();                                                                 \
  } while (0)

// a fixed "now" for Retry-After dates: 2026-01-01 00:00:00 UTC
const auto fuzz_now = std::chrono::system_clock::time_point(std::chrono::seconds(1767225600));

struct outcome {
  std::error_code ec;
  std::vector<int> statuses;
  std::string bodies; // all bodies, each followed by a marker of its completion
  std::size_t leftover = 0;
};

outcome run(std::string_view payload, const std::vector<std::size_t>& reads, unsigned flags) {
  parser_limits limits;
  if (flags & 4) {
    limits.max_header_bytes = 256;
    limits.max_header_count = 8;
    limits.max_body_bytes = 4096;
    limits.max_trailer_bytes = 128;
    limits.max_chunk_extension_bytes = 32;
  }
  const bool head_request = flags & 1, eof = flags & 2, pipeline = flags & 8, connect = flags & 16;
  response_parser p(limits);
  auto prepare = [&] {
    if (connect)
      p.reset_for_connect();
    else
      p.reset(head_request);
  };
  prepare();
  outcome out;
  std::string pending;
  std::size_t offered = 0, read_index = 0;
  bool stopped = false;
  std::uint64_t delivered = 0;
  while (!stopped && !out.ec) {
    if (offered == payload.size() && pending.empty()) break;
    std::size_t n = read_index < reads.size() ? reads[read_index++] : payload.size() - offered;
    n = std::min(n, payload.size() - offered);
    pending.append(payload.substr(offered, n));
    offered += n;
    for (int guard = 0;; ++guard) {
      FUZZ_CHECK(guard < 1000000);
      auto r = p.parse(pending, out.ec);
      FUZZ_CHECK(r.consumed <= pending.size());
      if (out.ec) {
        FUZZ_CHECK(r.consumed == 0);
        break;
      }
      if (r.event == parse_event::need_more) {
        FUZZ_CHECK(r.consumed == pending.size());
        pending.clear();
        break;
      }
      if (r.event == parse_event::head) {
        FUZZ_CHECK(p.head().status >= 200 && p.head().status <= 999);
        out.statuses.push_back(p.head().status);
        // the retry-policy readers see fuzzed header values too (Retry-After date parsing)
        auto wait = retry_after(p.head().headers, fuzz_now);
        FUZZ_CHECK(!wait || (wait->count() > 0 && *wait <= std::chrono::milliseconds(60000)));
        (void)should_retry_header(p.head().headers);
      } else if (r.event == parse_event::body) {
        FUZZ_CHECK(!r.body.empty());
        FUZZ_CHECK(r.body.data() >= pending.data());
        FUZZ_CHECK(r.body.data() + r.body.size() <= pending.data() + pending.size());
        out.bodies.append(r.body);
        delivered += r.body.size();
        FUZZ_CHECK(p.body_bytes() == delivered);
        FUZZ_CHECK(p.body_bytes() <= limits.max_body_bytes);
      } else {
        out.bodies += "<complete>";
        delivered = 0;
        pending.erase(0, r.consumed);
        if (pipeline && p.keep_alive()) {
          prepare();
          continue;
        }
        stopped = true;
        break;
      }
      pending.erase(0, r.consumed);
    }
    if (n == 0 && read_index >= reads.size()) break;
  }
  if (eof && !stopped && !out.ec) {
    auto r = p.finish(out.ec);
    if (!out.ec && r.event == parse_event::message_complete) out.bodies += "<complete>";
  }
  if (out.ec) {
    std::error_code again;
    auto r = p.parse("HTTP/1.1 200 OK\r\n\r\n", again);
    FUZZ_CHECK(again == out.ec && r.consumed == 0);
    FUZZ_CHECK(!p.keep_alive());
  }
  out.leftover = out.ec ? 0 : pending.size() + (payload.size() - offered);
  return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  unsigned flags = data[0];
  std::size_t n = std::min<std::size_t>(data[1] % 16, size - 2);
  std::vector<std::size_t> reads;
  for (std::size_t i = 0; i < n; ++i)
    reads.push_back(std::size_t(data[2 + i]) + 1);
  std::string_view payload(reinterpret_cast<const char*>(data) + 2 + n, size - 2 - n);

  auto split = run(payload, reads, flags);
  auto whole = run(payload, {}, flags);
  FUZZ_CHECK(split.ec == whole.ec);
  if (!whole.ec) {
    FUZZ_CHECK(split.statuses == whole.statuses);
    FUZZ_CHECK(split.bodies == whole.bodies);
    FUZZ_CHECK(split.leftover == whole.leftover);
  }
  return 0;
}
