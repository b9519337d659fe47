// The model-free part of the client fixture: a client on a local server, and a runner. The
// Responses tests use it without the Assistants models (client_fixture.hpp adds those).
#pragma once

#include "emulator_control.hpp"

#include <coassist/api/client.hpp>

#include <chrono>
#include <future>

namespace coassist::test {

inline client_options client_options_for(const emulator& emu) {
  client_options o;
  o.api_key = "sk-test";
  o.base_url = emu.base_url;
  o.poll_interval = std::chrono::milliseconds(5);
  return o;
}

// Runs body(client) on a fresh io_context with a client on `emu`; rethrows.
template <class F> void run_with_client(emulator& emu, F body) {
  asio::io_context io;
  client c(io.get_executor(), client_options_for(emu));
  auto fut = asio::co_spawn(io, body(c), asio::use_future);
  io.run();
  fut.get();
}

} // namespace coassist::test
