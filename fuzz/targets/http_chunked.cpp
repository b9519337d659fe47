// libFuzzer target: the chunked transfer-coding decoder alone. The first bytes choose the limits
// and where the reads are split; the rest is the chunked body. Oracles, beyond ASan/UBSan:
// protocol invariants (consumed <= offered, need_more takes everything, data views inside the
// offered input, sticky errors, body_bytes() >= bytes delivered) and split invariance (whole vs
// pieces: same error, or same body, trailers and leftover).
// Input layout: [flags][n][len_1..len_n][payload]; flags bit0: small limits.
#include <coassist/http/chunked_decoder.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace coassist::http;

#define FUZZ_CHECK(cond)                                                                           \
  do {                                                                                             \
    if (!(cond)) __builtin_trap();                                                                 \
  } while (0)

struct outcome {
  std::error_code ec;
  std::string body;
  bool done = false;
  std::string trailers;
  std::size_t leftover = 0;
};

outcome run(std::string_view payload, const std::vector<std::size_t>& reads, unsigned flags) {
  chunked_limits limits;
  if (flags & 1) {
    limits.max_body_bytes = 4096;
    limits.max_chunk_extension_bytes = 32;
    limits.max_trailer_bytes = 128;
    limits.max_trailer_count = 4;
  }
  chunked_decoder d(limits);
  outcome out;
  std::string pending;
  std::size_t offered = 0, read_index = 0;
  for (;;) {
    if (out.done || out.ec || (offered == payload.size() && pending.empty())) break;
    std::size_t n = read_index < reads.size() ? reads[read_index++] : payload.size() - offered;
    n = std::min(n, payload.size() - offered);
    pending.append(payload.substr(offered, n));
    offered += n;
    for (int guard = 0;; ++guard) {
      FUZZ_CHECK(guard < 1000000);
      auto r = d.decode(pending, out.ec);
      FUZZ_CHECK(r.consumed <= pending.size());
      if (out.ec) {
        FUZZ_CHECK(r.consumed == 0 && d.failed());
        break;
      }
      if (r.event == chunked_event::data) {
        FUZZ_CHECK(!r.data.empty());
        FUZZ_CHECK(r.data.data() >= pending.data());
        FUZZ_CHECK(r.data.data() + r.data.size() <= pending.data() + pending.size());
        out.body.append(r.data);
        FUZZ_CHECK(d.body_bytes() >= out.body.size());
        FUZZ_CHECK(d.body_bytes() <= limits.max_body_bytes);
      }
      pending.erase(0, r.consumed);
      if (r.event == chunked_event::done) {
        FUZZ_CHECK(d.done() && !d.in_progress());
        FUZZ_CHECK(d.body_bytes() == out.body.size());
        FUZZ_CHECK(d.trailers().size() <= limits.max_trailer_count);
        out.done = true;
        for (auto& f : d.trailers())
          out.trailers += f.name + ":" + f.value + "\n";
        break;
      }
      if (r.event == chunked_event::need_more) {
        FUZZ_CHECK(pending.empty());
        break;
      }
    }
    if (n == 0 && read_index >= reads.size()) break;
  }
  if (out.ec) {
    std::error_code again;
    FUZZ_CHECK(d.decode("0\r\n\r\n", again).consumed == 0 && again == out.ec);
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
    FUZZ_CHECK(split.done == whole.done);
    FUZZ_CHECK(split.body == whole.body);
    FUZZ_CHECK(split.trailers == whole.trailers);
    FUZZ_CHECK(split.leftover == whole.leftover);
  }
  return 0;
}
