// The local server's test controls (scripts and faults, `POST /v1/_emulator/...`), sent with the
// transport on a private io_context so a test can call them from anywhere, even between the
// steps of a coroutine (they block only the calling thread, for one loopback round trip).
#pragma once

#include "emulator.hpp"

#include <coassist/net/http_client.hpp>
#include <coassist/net/url.hpp>

#include <boost/json.hpp>

#include <stdexcept>
#include <string>

namespace coassist::test {

// Sends `body` to base_url + `path` (e.g. "/_emulator/faults"); throws unless the answer is 2xx.
inline boost::json::value emulator_request(const std::string& method, const std::string& base_url,
                                           const std::string& path,
                                           const boost::json::value& body = nullptr) {
  asio::io_context io;
  net::http_client http(io.get_executor());
  net::request req;
  req.method = method;
  req.url = net::base_url(base_url).make_url(path);
  if (!body.is_null()) {
    req.headers.set("Content-Type", "application/json");
    req.body = boost::json::serialize(body);
  }
  auto fut = http.async_send(std::move(req), {}, asio::use_future);
  io.run();
  net::response r = fut.get();
  if (!r.ok())
    throw std::runtime_error("emulator control " + path + " answered " + std::to_string(r.status) +
                             ": " + r.body);
  return r.body.empty() ? boost::json::value() : boost::json::parse(r.body);
}

// Queues faults for the next matching requests (see emulator/README.md, "Faults").
inline void queue_faults(const emulator& emu, boost::json::array faults) {
  emulator_request("POST", emu.base_url, "/_emulator/faults",
                   boost::json::object{{"faults", faults}});
}
// Drops the faults still queued.
inline void clear_faults(const emulator& emu) {
  emulator_request("DELETE", emu.base_url, "/_emulator/faults");
}

// Queues scripted model turns on a thread (see emulator/README.md, "Scripts").
inline void queue_turns(const emulator& emu, const std::string& thread_id,
                        boost::json::array turns) {
  emulator_request("POST", emu.base_url, "/_emulator/scripts",
                   boost::json::object{{"thread_id", thread_id}, {"turns", turns}});
}

} // namespace coassist::test
