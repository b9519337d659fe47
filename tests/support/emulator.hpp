// Starts coassist-emulator for one test and knows its base URL (read from its first stdout line,
// `listening on http://127.0.0.1:PORT/v1`). The emulator is stopped when the fixture goes away.
#pragma once

#include "process.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace coassist::test {

inline std::string emulator_path() {
  return std::string(COASSIST_BINARY_DIR) + "/emulator/coassist-emulator";
}

struct emulator {
  explicit emulator(std::vector<std::string> extra_args = {}) : process(make_argv(extra_args)) {
    std::string line = process.read_line(std::chrono::seconds(20));
    const std::string prefix = "listening on ";
    if (line.rfind(prefix, 0) != 0) throw std::runtime_error("emulator said: " + line);
    base_url = line.substr(prefix.size());
  }

  child_process process;
  std::string base_url; // e.g. http://127.0.0.1:41234/v1

private:
  static std::vector<std::string> make_argv(std::vector<std::string>& extra) {
    std::vector<std::string> argv{emulator_path(), "--listen", "127.0.0.1:0"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  }
};

} // namespace coassist::test
