// coassist-emulator: a local OpenAI Assistants v2 + Responses/Conversations server for tests,
// examples and offline work.
#include "app.hpp"
#include "server.hpp"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

namespace {

const char* usage =
    "usage: coassist-emulator [--listen HOST:PORT] [--api-key KEY] [--tls-cert FILE --tls-key "
    "FILE]\n"
    "                         [--tls-self-signed DIR] [--log-requests FILE]\n"
    "       extra: [--log-bodies] [--threads N] [--run-step-ms MS] [--file-processing-ms MS]\n"
    "              [--stream-delay-ms MS] [--response-step-ms MS] [--resume-window-ms MS]\n"
    "              [--keepalive-ms MS]\n";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int to_int(const std::string& flag, const std::string& text) {
  try {
    std::size_t used = 0;
    int v = std::stoi(text, &used);
    if (used == text.size() && v >= 0) return v;
  } catch (const std::exception&) {
  }
  throw std::runtime_error(flag + " expects a non-negative integer, got '" + text + "'");
}

} // namespace

int main(int argc, char** argv) {
  emu::server_options server;
  emu::app_options options;
  std::string cert_file, key_file, self_signed_dir;
  try {
    for (int i = 1; i < argc; ++i) {
      std::string arg = argv[i];
      auto value = [&]() -> std::string {
        if (i + 1 >= argc) throw std::runtime_error(arg + " needs a value");
        return argv[++i];
      };
      if (arg == "--listen") {
        std::string v = value();
        auto colon = v.rfind(':');
        if (colon == std::string::npos) throw std::runtime_error("--listen expects HOST:PORT");
        server.host = v.substr(0, colon);
        if (server.host.size() >= 2 && server.host.front() == '[')
          server.host = server.host.substr(1, server.host.size() - 2);
        int port = to_int("--listen", v.substr(colon + 1));
        if (port > 65535) throw std::runtime_error("--listen: bad port");
        server.port = static_cast<unsigned short>(port);
      } else if (arg == "--api-key") {
        options.api_key = value();
      } else if (arg == "--tls-cert") {
        cert_file = value();
      } else if (arg == "--tls-key") {
        key_file = value();
      } else if (arg == "--tls-self-signed") {
        self_signed_dir = value();
      } else if (arg == "--log-requests") {
        server.log_path = value();
      } else if (arg == "--log-bodies") {
        server.log_bodies = true;
      } else if (arg == "--threads") {
        server.threads = std::max(1, to_int(arg, value()));
      } else if (arg == "--run-step-ms") {
        options.run_step_ms = to_int(arg, value());
      } else if (arg == "--file-processing-ms") {
        options.file_processing_ms = to_int(arg, value());
      } else if (arg == "--stream-delay-ms") {
        options.stream_delay_ms = to_int(arg, value());
      } else if (arg == "--response-step-ms") {
        options.response_step_ms = to_int(arg, value());
      } else if (arg == "--resume-window-ms") {
        options.resume_window_ms = to_int(arg, value());
      } else if (arg == "--keepalive-ms") {
        server.keepalive_ms = to_int(arg, value());
      } else if (arg == "--help" || arg == "-h") {
        std::cout << usage;
        return 0;
      } else {
        throw std::runtime_error("unknown option " + arg);
      }
    }
    if (const char* env = std::getenv("COASSIST_EMULATOR_LOG_BODIES");
        env && *env && std::string(env) != "0")
      server.log_bodies = true;
    if (!self_signed_dir.empty()) {
      auto [cert, key] = emu::make_self_signed(self_signed_dir);
      server.tls = true;
      server.cert_pem = std::move(cert);
      server.key_pem = std::move(key);
    } else if (!cert_file.empty() || !key_file.empty()) {
      if (cert_file.empty() || key_file.empty())
        throw std::runtime_error("--tls-cert and --tls-key go together");
      server.tls = true;
      server.cert_pem = read_file(cert_file);
      server.key_pem = read_file(key_file);
    }
  } catch (const std::exception& e) {
    std::cerr << "coassist-emulator: " << e.what() << "\n" << usage;
    return 2;
  }
  try {
    emu::app application(options);
    return emu::run_server(server, application);
  } catch (const std::exception& e) {
    std::cerr << "coassist-emulator: " << e.what() << "\n";
    return 1;
  }
}
