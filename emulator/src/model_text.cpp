// Text helpers of the deterministic model, shared by runs and responses.
#include "state.hpp"

namespace emu {

std::size_t word_count(std::string_view text) {
  std::size_t n = 0;
  bool in_word = false;
  for (char c : text) {
    bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (!space && !in_word) ++n;
    in_word = !space;
  }
  return n;
}

std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    n += (c & 0xC0) != 0x80;
  return n;
}

// n pieces of near-equal length, cut on UTF-8 character boundaries
std::vector<std::string> split_chunks(const std::string& text, int n) {
  std::vector<std::string> out;
  if (text.empty()) return {std::string()};
  std::size_t chars = utf8_length(text);
  std::size_t pieces = static_cast<std::size_t>(std::clamp<long>(n, 1, static_cast<long>(chars)));
  std::size_t per = chars / pieces, extra = chars % pieces, pos = 0;
  for (std::size_t i = 0; i < pieces; ++i) {
    std::size_t want = per + (i < extra ? 1 : 0), start = pos;
    while (want > 0 && pos < text.size()) {
      ++pos;
      while (pos < text.size() && (static_cast<unsigned char>(text[pos]) & 0xC0) == 0x80)
        ++pos;
      --want;
    }
    out.push_back(text.substr(start, pos - start));
  }
  return out;
}

// one delta per word (each with its leading space), the way models stream tokens
std::vector<std::string> split_words(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : text) {
    if ((c == ' ' || c == '\n') && !cur.empty() &&
        cur.find_first_not_of(" \n") != std::string::npos) {
      out.push_back(cur);
      cur.clear();
    }
    cur += c;
  }
  if (!cur.empty()) out.push_back(cur);
  if (out.empty()) out.push_back(std::string());
  return out;
}

int int_field(const json::object& o, std::string_view key, int fallback) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_number()) return fallback;
  return it->value().to_number<int>();
}

std::string string_field(const json::object& o, std::string_view key, std::string fallback) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string()) return fallback;
  return std::string(it->value().get_string());
}

} // namespace emu
