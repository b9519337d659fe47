// The HTTP/1.1 (and TLS) front end on Boost.Beast: reads requests, hands them to the app, writes
// replies (streams as chunked server-sent events with a flush per event), applies faults.
#pragma once

#include "app.hpp"

#include <string>

namespace emu {

struct server_options {
  std::string host = "127.0.0.1";
  unsigned short port = 0;
  int threads = 2;
  bool tls = false;
  std::string cert_pem; // server certificate chain, PEM
  std::string key_pem;  // its private key, PEM
  std::string log_path; // --log-requests
  bool log_bodies = false;
  int keepalive_ms = 15000; // a stream idle this long gets a `: keep-alive` comment
};

// Serves until SIGINT/SIGTERM; prints `listening on http(s)://HOST:PORT/v1` first. Returns the
// process exit code.
int run_server(const server_options& options, app& application);

// A fresh CA (DIR/ca.pem) and a server certificate for localhost and 127.0.0.1 signed by it
// (DIR/server.pem, DIR/server.key); returns {certificate chain PEM, key PEM}.
std::pair<std::string, std::string> make_self_signed(const std::string& dir);

} // namespace emu
