// llhttp's own response cases (COASSIST_REFERENCE_DIR/test-vectors/llhttp-response/*.md, read at
// run time) against our parser: status codes, body bytes, completed messages and accept-vs-reject
// must match llhttp's log, except for the deliberate differences listed in `deviations`.
//
// Which cases run:
// - meta type "response" (the strict parser), also with "pause" (pausing does not change the
//   outcome: the "pause" log lines are ignored) and "noScan" (an llhttp-internal flag).
// - skipped: "response-lenient-*" (llhttp's opt-in leniencies; our parser has none),
//   "response-finish" (llhttp_finish() return codes), "skipBody" (an llhttp callback option).
//   Skipped cases are counted and listed in the test output, per file.
// The log is read like this: `headers complete status=N` (1xx other than 101 are dropped: we skip
// interim responses silently), `span[body]` pieces joined, `message complete` counted, and a
// final `error code=` line means "rejected". On our side, bytes left after a response that does
// not keep the connection alive count as "rejected" too (llhttp: "Data after Connection: close").
#include "http_support.hpp"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

using namespace coassist::http;

namespace {

struct vector_case {
  std::string file;
  std::string name;
  std::string type;
  bool skip_body = false;
  std::string input;
  std::vector<std::string> log;
};

// The README's conversion of an ```http block to bytes.
std::string block_to_bytes(std::string text) {
  if (!text.empty() && text.back() == '\n') text.pop_back();
  std::string joined;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] == '\n') {
      ++i; // a backslash ending a line joins it with the next
      continue;
    }
    joined += text[i];
  }
  std::string crlf;
  for (char c : joined) {
    if (c == '\n')
      crlf += "\r\n";
    else
      crlf += c;
  }
  std::string out;
  for (std::size_t i = 0; i < crlf.size(); ++i) {
    char c = crlf[i];
    if (c != '\\' || i + 1 >= crlf.size()) {
      out += c;
      continue;
    }
    char n = crlf[i + 1];
    auto is_oct = [](char d) { return d >= '0' && d <= '7'; };
    if (n == 'r')
      out += '\r', ++i;
    else if (n == 'n')
      out += '\n', ++i;
    else if (n == 't')
      out += '\t', ++i;
    else if (n == 'f')
      out += '\f', ++i;
    else if (n == 'x' && i + 3 < crlf.size() + 0 &&
             std::isxdigit(static_cast<unsigned char>(crlf[i + 2])) &&
             std::isxdigit(static_cast<unsigned char>(crlf[i + 3]))) {
      out += static_cast<char>(std::stoi(crlf.substr(i + 2, 2), nullptr, 16));
      i += 3;
    } else if (is_oct(n)) {
      std::size_t len = 1;
      while (len < 3 && i + 1 + len < crlf.size() && is_oct(crlf[i + 1 + len]))
        ++len;
      out += static_cast<char>(std::stoi(crlf.substr(i + 1, len), nullptr, 8));
      i += len;
    } else {
      out += c;
    }
  }
  return out;
}

std::vector<vector_case> load_cases(const std::filesystem::path& file) {
  std::ifstream in(file);
  REQUIRE(in);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);)
    lines.push_back(l);
  std::vector<vector_case> cases;
  std::string heading;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto& l = lines[i];
    if (l.rfind("#", 0) == 0) heading = l.substr(l.find_first_not_of("# "));
    auto meta_at = l.find("<!-- meta=");
    if (meta_at != 0) continue;
    auto json_text = l.substr(10, l.rfind("-->") - 10);
    auto meta = boost::json::parse(json_text).as_object();
    vector_case c;
    c.file = file.filename().string();
    c.name = heading;
    c.type = meta.at("type").as_string().c_str();
    c.skip_body = meta.contains("skipBody");
    std::size_t j = i + 1;
    while (j < lines.size() && lines[j] != "```http")
      ++j;
    std::string block;
    for (++j; j < lines.size() && lines[j] != "```"; ++j)
      block += lines[j] + "\n";
    c.input = block_to_bytes(block);
    while (j < lines.size() && lines[j] != "```log")
      ++j;
    for (++j; j < lines.size() && lines[j] != "```"; ++j)
      c.log.push_back(lines[j]);
    i = j;
    cases.push_back(std::move(c));
  }
  return cases;
}

// A quoted log string, or the words lf / cr. Only \r \n \t \f \xHH are escapes in llhttp's
// log; a backslash or quote inside the quotes is the byte itself (`span[body]="\"` is one byte).
std::string log_string(std::string_view s) {
  if (s == "lf") return "\n";
  if (s == "cr") return "\r";
  REQUIRE(s.size() >= 2);
  s = s.substr(1, s.size() - 2);
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char n = i + 1 < s.size() ? s[i + 1] : '\0';
    if (s[i] != '\\' || std::string_view("rntfx").find(n) == std::string_view::npos || n == '\0') {
      out += s[i];
      continue;
    }
    ++i;
    if (n == 'r')
      out += '\r';
    else if (n == 'n')
      out += '\n';
    else if (n == 't')
      out += '\t';
    else if (n == 'f')
      out += '\f';
    else {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    }
  }
  return out;
}

struct expectation {
  std::vector<int> statuses;
  std::string body;
  int completed = 0;
  bool rejected = false;
};

expectation read_log(const std::vector<std::string>& log) {
  expectation e;
  bool interim = false; // the message being logged is a 1xx we skip
  for (const auto& l : log) {
    if (auto at = l.find("headers complete status="); at != std::string::npos) {
      int status = std::stoi(l.substr(at + 24));
      interim = status < 200 && status != 101;
      if (!interim) e.statuses.push_back(status);
    } else if (auto b = l.find("span[body]="); b != std::string::npos) {
      auto piece = log_string(std::string_view(l).substr(b + 11));
      auto len_at = l.find(" len=");
      REQUIRE(len_at != std::string::npos);
      CHECK(piece.size() == std::stoul(l.substr(len_at + 5))); // our reading of the log is right
      e.body += piece;
    } else if (l.find(" message complete") != std::string::npos) {
      if (!interim) ++e.completed;
    }
  }
  e.rejected = !log.empty() && log.back().find(" error code=") != std::string::npos;
  return e;
}

// Where we deliberately differ from llhttp's strict mode, and why. `we_reject` is our outcome.
// (The two "HTTP 101 ..." cases agree only on the surface: llhttp's log ends in "Pause on
// CONNECT/Upgrade" (code 22), which counts as a rejection here, and we refuse 101 with
// error::unexpected_upgrade because this client never asks for an upgrade.)
struct deviation {
  std::string_view name;
  bool we_reject;
  std::string_view why;
};
constexpr deviation deviations[] = {
    {"RTSP response", true, "an HTTP client accepts only HTTP/1.x"},
    {"ICE response", true, "an HTTP client accepts only HTTP/1.x"},
    {"HTTP version 0.9", true,
     "HTTP/0.9 responses have no status line; \"HTTP/0.9 200\" is bogus: we accept only 1.x"},
};

const deviation* find_deviation(std::string_view name) {
  for (const auto& d : deviations)
    if (d.name == name) return &d;
  return nullptr;
}
constexpr std::size_t deviation_count = sizeof(deviations) / sizeof(deviations[0]);

} // namespace

TEST_CASE("llhttp response vectors", "[conformance]") {
  std::filesystem::path dir =
      std::filesystem::path(COASSIST_REFERENCE_DIR) / "test-vectors" / "llhttp-response";
  REQUIRE(std::filesystem::is_directory(dir));
  std::vector<std::filesystem::path> files;
  for (auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".md" && e.path().filename() != "README.md")
      files.push_back(e.path());
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 9);

  std::size_t ran = 0, agreed = 0, deviated = 0;
  std::map<std::string, std::vector<std::string>> skipped;
  for (const auto& f : files) {
    for (const auto& c : load_cases(f)) {
      if (c.type != "response" || c.skip_body) {
        skipped[c.file].push_back(c.name + " (" + c.type + (c.skip_body ? ", skipBody" : "") + ")");
        continue;
      }
      ++ran;
      INFO(c.file << ": " << c.name);
      auto expected = read_log(c.log);
      coassist::http::test::run_options opt;
      opt.pipeline = true;
      auto got = coassist::http::test::run_all_splits(c.input, opt);
      bool rejected = got.ec || got.leftover > 0;
      INFO("ours: " << got << "; llhttp: rejected=" << expected.rejected
                    << " heads=" << expected.statuses.size() << " body=" << expected.body.size()
                    << "B completed=" << expected.completed);
      if (auto d = find_deviation(c.name); d && d->we_reject != expected.rejected) {
        INFO("deviation: " << d->why);
        CHECK(rejected == d->we_reject);
        ++deviated;
        continue;
      }
      CHECK(rejected == expected.rejected);
      if (!expected.rejected && !rejected) {
        std::vector<int> statuses;
        std::string body;
        int completed = 0;
        for (auto& m : got.messages) {
          statuses.push_back(m.status);
          body += m.body;
          completed += m.complete;
        }
        CHECK(statuses == expected.statuses);
        CHECK(body == expected.body);
        CHECK(completed == expected.completed);
      }
      ++agreed;
    }
  }
  std::ostringstream summary;
  summary << "llhttp vectors: " << ran << " run, " << deviated
          << " documented deviations, skipped:";
  for (auto& [file, names] : skipped) {
    summary << "\n  " << file << ":";
    for (auto& n : names)
      summary << "\n    " << n;
  }
  WARN(summary.str());
  CHECK(ran >= 60);
  CHECK(deviated == deviation_count); // every listed deviation is real (the list stays honest)
}
