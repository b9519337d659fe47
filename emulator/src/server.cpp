#include "server.hpp"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>

#include <openssl/ssl.h>

#include <csignal>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

namespace emu {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

struct shared_ctx {
  app& application;
  const server_options& options;
  std::mutex log_mutex;
  std::ofstream log;
};

std::string percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else if (plus_is_space && s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

http_request convert(const http::request<http::string_body>& req) {
  http_request in;
  in.method = std::string(req.method_string());
  std::string_view target = req.target();
  auto q = target.find('?');
  in.path = percent_decode(target.substr(0, q), false);
  if (q != std::string_view::npos) {
    std::string_view query = target.substr(q + 1);
    while (!query.empty()) {
      auto amp = query.find('&');
      std::string_view pair = query.substr(0, amp);
      auto eq = pair.find('=');
      std::string key = percent_decode(pair.substr(0, eq), true);
      std::string value =
          eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1), true);
      if (!key.empty()) in.query[key] = value;
      if (amp == std::string_view::npos) break;
      query.remove_prefix(amp + 1);
    }
  }
  for (const auto& f : req) {
    std::string name(f.name_string());
    for (auto& c : name)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    in.headers[name] = std::string(f.value());
  }
  in.body = req.body();
  return in;
}

void log_request(shared_ctx& ctx, const http_request& in, const http_reply& out) {
  if (ctx.options.log_path.empty()) return;
  json::object line;
  line["time"] =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  line["method"] = in.method;
  line["path"] = in.path;
  line["operationId"] =
      out.operation_id.empty() ? json::value(nullptr) : json::value(out.operation_id);
  line["status"] = out.status;
  line["body_valid"] = out.body_valid ? json::value(*out.body_valid) : json::value(nullptr);
  line["stream"] = out.stream;
  line["fault"] = out.fault.has_value();
  if (ctx.options.log_bodies) {
    if (out.stream) {
      json::array events;
      for (const auto& e : out.events)
        events.push_back(json::object{{"event", e.name}, {"data", e.data}});
      line["events"] = std::move(events);
    } else if (out.content_type == "application/json") {
      json::error_code ec;
      json::value v = json::parse(out.body, ec);
      line["response"] = ec ? json::value(out.body) : v;
    }
  }
  std::string text = json_text(line);
  std::lock_guard lock(ctx.log_mutex);
  ctx.log << text << '\n';
  ctx.log.flush();
}

template <class Stream> auto& lowest(Stream& s) {
  return beast::get_lowest_layer(s);
}

net::awaitable<void> sleep_ms(int ms) {
  if (ms <= 0) co_return;
  net::steady_timer timer(co_await net::this_coro::executor);
  timer.expires_after(std::chrono::milliseconds(ms));
  beast::error_code ec;
  co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
}

template <class Stream> net::awaitable<bool> write_raw(Stream& stream, const std::string& bytes) {
  beast::error_code ec;
  co_await net::async_write(stream, net::buffer(bytes),
                            net::redirect_error(net::use_awaitable, ec));
  co_return !ec;
}

// Writes one reply; returns false when the connection must be closed afterwards.
// Waits `ms` before the next event of a stream, with a `: keep-alive` comment chunk every
// `keepalive_ms` of it; false when the connection failed.
template <class Stream>
net::awaitable<bool> idle_with_keepalives(Stream& stream, int ms, int keepalive_ms) {
  while (keepalive_ms > 0 && ms > keepalive_ms) {
    co_await sleep_ms(keepalive_ms);
    ms -= keepalive_ms;
    static const std::string comment = ": keep-alive\n\n";
    beast::error_code ec;
    lowest(stream).expires_after(std::chrono::seconds(120));
    co_await net::async_write(stream, http::make_chunk(net::buffer(comment)),
                              net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return false;
  }
  co_await sleep_ms(ms);
  co_return true;
}

template <class Stream>
net::awaitable<bool> write_reply(Stream& stream, const http_reply& out, bool keep_alive,
                                 unsigned version, int keepalive_ms) {
  const fault_spec* fault = out.fault ? &*out.fault : nullptr;
  lowest(stream).expires_after(std::chrono::seconds(120));
  if (fault) co_await sleep_ms(fault->delay_ms);
  if (fault && fault->cut == "before_headers") co_return false;
  beast::error_code ec;
  if (!out.stream) {
    http::response<http::string_body> res{static_cast<http::status>(out.status), version};
    res.set(http::field::server, "coassist-emulator");
    res.set(http::field::content_type, out.content_type);
    for (const auto& [k, v] : out.headers)
      res.set(k, v);
    res.keep_alive(keep_alive);
    res.body() = out.body;
    res.prepare_payload();
    if (fault &&
        (fault->cut == "mid_body" || fault->cut == "mid_stream" || fault->malformed_chunk)) {
      std::ostringstream os;
      os << res.base();
      std::string head = os.str();
      if (fault->malformed_chunk) {
        res.chunked(true);
        std::ostringstream os2;
        os2 << res.base();
        co_await write_raw(stream, os2.str() + "zz\r\n" + out.body.substr(0, out.body.size() / 2));
      } else {
        co_await write_raw(stream, head + out.body.substr(0, out.body.size() / 2));
      }
      co_return false;
    }
    co_await http::async_write(stream, res, net::redirect_error(net::use_awaitable, ec));
    co_return !ec && keep_alive;
  }
  http::response<http::empty_body> res{static_cast<http::status>(out.status), version};
  res.set(http::field::server, "coassist-emulator");
  res.set(http::field::content_type, out.content_type);
  res.set(http::field::cache_control, "no-cache");
  for (const auto& [k, v] : out.headers)
    res.set(k, v);
  res.keep_alive(keep_alive);
  res.chunked(true);
  http::response_serializer<http::empty_body> sr{res};
  co_await http::async_write_header(stream, sr, net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return false;
  for (std::size_t i = 0; i < out.events.size(); ++i) {
    const auto& e = out.events[i];
    if (fault && static_cast<int>(i) == fault->after_events) {
      if (fault->malformed_chunk)
        co_await write_raw(stream, std::string("zz\r\nevent: broken\r\n"));
      if (fault->malformed_chunk || fault->cut == "mid_stream" || fault->cut == "mid_body")
        co_return false;
      // a stall: nothing at all, not even keep-alive comments, for longer than a client waits
      if (fault->stall_ms > 0) {
        lowest(stream).expires_after(std::chrono::milliseconds(fault->stall_ms) +
                                     std::chrono::seconds(120));
        co_await sleep_ms(fault->stall_ms);
      }
    }
    lowest(stream).expires_after(std::chrono::milliseconds(e.delay_ms) + std::chrono::seconds(120));
    if (!co_await idle_with_keepalives(stream, e.delay_ms, keepalive_ms)) co_return false;
    if (out.stop && out.stop->load()) break;
    std::string text = "event: " + e.name + "\ndata: " + e.data + "\n\n";
    // one chunk per event, written (flushed) before the next one is produced
    co_await net::async_write(stream, http::make_chunk(net::buffer(text)),
                              net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return false;
  }
  co_await net::async_write(stream, http::make_chunk_last(),
                            net::redirect_error(net::use_awaitable, ec));
  co_return !ec && keep_alive;
}

template <class Stream> net::awaitable<void> serve(Stream& stream, shared_ctx& ctx) {
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(std::uint64_t(1) << 31);
    parser.header_limit(64 * 1024);
    lowest(stream).expires_after(std::chrono::seconds(300));
    beast::error_code ec;
    co_await http::async_read_header(stream, buffer, parser,
                                     net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return;
    if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
      http::response<http::empty_body> cont{http::status::continue_, 11};
      co_await http::async_write(stream, cont, net::redirect_error(net::use_awaitable, ec));
      if (ec) co_return;
    }
    co_await http::async_read(stream, buffer, parser, net::redirect_error(net::use_awaitable, ec));
    if (ec) {
      if (ec == http::error::body_limit) {
        http::response<http::string_body> res{http::status::payload_too_large, 11};
        res.body() =
            R"({"error":{"message":"Request body too large.","type":"invalid_request_error","param":null,"code":null}})";
        res.prepare_payload();
        co_await http::async_write(stream, res, net::redirect_error(net::use_awaitable, ec));
      }
      co_return;
    }
    const auto& req = parser.get();
    http_request in = convert(req);
    http_reply out = ctx.application.handle(in);
    log_request(ctx, in, out);
    if (!co_await write_reply(stream, out, req.keep_alive(), req.version(),
                              ctx.options.keepalive_ms))
      co_return;
  }
}

net::awaitable<void> plain_session(tcp::socket socket, shared_ctx& ctx) {
  beast::tcp_stream stream(std::move(socket));
  co_await serve(stream, ctx);
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

net::awaitable<void> tls_session(tcp::socket socket, net::ssl::context& tls, shared_ctx& ctx) {
  beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), tls);
  beast::error_code ec;
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(30));
  co_await stream.async_handshake(net::ssl::stream_base::server,
                                  net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return;
  co_await serve(stream, ctx);
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
  co_await stream.async_shutdown(net::redirect_error(net::use_awaitable, ec));
}

net::awaitable<void> accept_loop(tcp::acceptor& acceptor, net::io_context& ioc,
                                 net::ssl::context* tls, shared_ctx& ctx) {
  for (;;) {
    beast::error_code ec;
    tcp::socket socket = co_await acceptor.async_accept(
        net::make_strand(ioc), net::redirect_error(net::use_awaitable, ec));
    if (ec) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) co_return;
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec); // every event is its own segment, at once
    auto ex = socket.get_executor();
    if (tls)
      net::co_spawn(ex, tls_session(std::move(socket), *tls, ctx), net::detached);
    else
      net::co_spawn(ex, plain_session(std::move(socket), ctx), net::detached);
  }
}

} // namespace

int run_server(const server_options& options, app& application) {
  const int threads = std::max(1, options.threads);
  net::io_context ioc{threads};
  shared_ctx ctx{application, options, {}, {}};
  if (!options.log_path.empty()) {
    ctx.log.open(options.log_path, std::ios::app);
    if (!ctx.log) {
      std::cerr << "coassist-emulator: cannot open " << options.log_path << "\n";
      return 2;
    }
  }
  std::unique_ptr<net::ssl::context> tls;
  if (options.tls) {
    tls = std::make_unique<net::ssl::context>(net::ssl::context::tls_server);
    SSL_CTX_set_min_proto_version(tls->native_handle(), TLS1_2_VERSION);
    tls->use_certificate_chain(net::buffer(options.cert_pem));
    tls->use_private_key(net::buffer(options.key_pem), net::ssl::context::pem);
  }
  tcp::acceptor acceptor(ioc);
  beast::error_code ec;
  auto address = net::ip::make_address(options.host, ec);
  if (ec) {
    tcp::resolver resolver(ioc);
    auto results = resolver.resolve(options.host, std::to_string(options.port), ec);
    if (ec || results.empty()) {
      std::cerr << "coassist-emulator: cannot resolve " << options.host << "\n";
      return 2;
    }
    address = results.begin()->endpoint().address();
  }
  tcp::endpoint endpoint(address, options.port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    std::cerr << "coassist-emulator: cannot listen on " << options.host << ":" << options.port
              << ": " << ec.message() << "\n";
    return 2;
  }
  auto local = acceptor.local_endpoint();
  std::string host = local.address().is_v6() ? "[" + local.address().to_string() + "]"
                                             : local.address().to_string();
  std::cout << "listening on " << (options.tls ? "https" : "http") << "://" << host << ":"
            << local.port() << "/v1" << std::endl; // endl flushes: tests wait for this line

  net::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const beast::error_code&, int) {
    acceptor.close();
    ioc.stop();
  });
  net::co_spawn(ioc, accept_loop(acceptor, ioc, tls.get(), ctx), net::detached);
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i)
    pool.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : pool)
    t.join();
  return 0;
}

} // namespace emu
