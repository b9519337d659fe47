// http_get: sends one request with coassist's transport and prints the status line, the headers,
// then the body as it streams in (flushed per chunk).
//
//   http_get URL [--ca-file F] [--proxy URL] [--header 'K: V']... [--method M] [--data BODY]
//            [--timeout SECONDS]
//
// Exit status: 0 on 2xx/3xx, 1 on an HTTP error status, 3 on a connection/TLS/timeout error,
// 2 on bad usage. Proxies also come from HTTPS_PROXY / HTTP_PROXY / NO_PROXY.
#include <coassist/net/http_client.hpp>

#include <cstdio>
#include <iostream>
#include <string>
#include <string_view>

namespace net = coassist::net;
using namespace std::chrono_literals;

namespace {

int usage(const char* msg) {
  std::cerr << "http_get: " << msg << "\n"
            << "usage: http_get URL [--ca-file F] [--proxy URL] [--header 'K: V']... "
               "[--method M] [--data BODY] [--timeout SECONDS]\n";
  return 2;
}

asio::awaitable<int> fetch(net::http_client& client, net::request req, net::request_options ro) {
  net::diagnostics diag;
  ro.diag = &diag;
  auto [ec, stream] = co_await client.async_open(std::move(req), ro,
                                                 asio::experimental::as_tuple(asio::use_awaitable));
  if (ec) {
    std::cerr << "http_get: " << diag.message << "\n";
    co_return 3;
  }
  std::printf("HTTP/1.1 %d %s\n", stream.status(), stream.reason().c_str());
  for (const auto& f : stream.headers())
    std::printf("%s: %s\n", f.name.c_str(), f.value.c_str());
  std::printf("\n");
  std::fflush(stdout);
  for (;;) {
    auto [rec, chunk] =
        co_await stream.async_read_some(asio::experimental::as_tuple(asio::use_awaitable));
    if (rec) {
      std::cerr << "\nhttp_get: reading the body failed: " << rec.message() << "\n";
      co_return 3;
    }
    if (chunk.empty()) break;
    std::fwrite(chunk.data(), 1, chunk.size(), stdout);
    std::fflush(stdout);
  }
  co_return stream.status() >= 400 ? 1 : 0;
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage("missing URL");
  net::client_options opts;
  net::request req;
  net::request_options ro;
  std::string url;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    if (a == "--ca-file") {
      auto v = value();
      if (!v) return usage("--ca-file needs a file");
      opts.tls.ca_file = v;
    } else if (a == "--proxy") {
      auto v = value();
      if (!v) return usage("--proxy needs a URL");
      opts.proxy.url = v;
    } else if (a == "--header") {
      auto v = value();
      std::string_view h = v ? v : "";
      auto colon = h.find(':');
      if (colon == std::string_view::npos || colon == 0)
        return usage("--header needs 'Name: value'");
      auto val = h.substr(colon + 1);
      while (!val.empty() && (val.front() == ' ' || val.front() == '\t'))
        val.remove_prefix(1);
      try {
        req.headers.add(std::string(h.substr(0, colon)), std::string(val));
      } catch (const std::invalid_argument&) {
        return usage("invalid header name or value");
      }
    } else if (a == "--method") {
      auto v = value();
      if (!v) return usage("--method needs a method");
      req.method = v;
    } else if (a == "--data") {
      auto v = value();
      if (!v) return usage("--data needs a body");
      req.body = v;
      if (req.method == "GET") req.method = "POST";
    } else if (a == "--timeout") {
      auto v = value();
      if (!v || std::atoi(v) <= 0) return usage("--timeout needs seconds");
      ro.overall_timeout = std::chrono::seconds(std::atoi(v));
    } else if (!a.empty() && a.front() == '-') {
      return usage("unknown option");
    } else if (url.empty()) {
      url = a;
    } else {
      return usage("more than one URL");
    }
  }
  if (url.empty()) return usage("missing URL");
  auto parsed = boost::urls::parse_absolute_uri(url);
  std::error_code ec;
  if (!parsed || !net::origin_of(*parsed, ec))
    return usage("URL must be absolute http(s)://host...");
  req.url = *parsed;

  try {
    asio::io_context io;
    net::http_client client(io.get_executor(), opts);
    auto result = asio::co_spawn(io, fetch(client, std::move(req), ro), asio::use_future);
    io.run();
    return result.get();
  } catch (const std::exception& e) { // e.g. an unreadable --ca-file or a bad --proxy URL
    std::cerr << "http_get: " << e.what() << "\n";
    return 3;
  }
}
