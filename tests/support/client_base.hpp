// The model-free part of the client fixture: a client on a local server, and a runner. The
// Responses tests use it without the Assistants models (client_fixture.hpp adds those).
#pragma once

#include "emulator_control.hpp"

#include <coassist/api/client.hpp>

#include <chrono>
#include <functional>
#include <future>
#include <string>
#include <vector>

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

// A local server, an io_context and a client on it, with a runner for coroutine test bodies.
struct client_on_emulator {
  emulator emu;
  asio::io_context io;
  client c;

  explicit client_on_emulator(std::vector<std::string> emulator_args = {},
                              const std::function<void(client_options&)>& tune = {})
      : emu(std::move(emulator_args)), c(io.get_executor(), tuned(emu, tune)) {}

  // Runs body() (a coroutine) on the io_context until it is done; rethrows what it threw.
  template <class F> void run(F body) {
    io.restart();
    auto fut = asio::co_spawn(io, body(), asio::use_future);
    io.run();
    fut.get();
  }

private:
  static client_options tuned(const emulator& emu,
                              const std::function<void(client_options&)>& tune) {
    auto o = client_options_for(emu);
    if (tune) tune(o);
    return o;
  }
};

} // namespace coassist::test
