// Servers for the transport's integration tests, all on 127.0.0.1 with free ports, all stopped
// by their destructors: a scripted fault-injecting server (plain or TLS, one thread per
// connection, blocking I/O with socket timeouts so nothing can hang), nginx with TLS, tinyproxy,
// and test certificates made with the openssl CLI.
#pragma once

#include "support/process.hpp"

#include <coassist/detail/asio.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace coassist::test {

namespace fs = std::filesystem;

// A temporary directory removed with its contents on destruction.
class temp_dir {
public:
  temp_dir() {
    std::string tmpl = (fs::temp_directory_path() / "coassist-net-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

private:
  fs::path path_;
};

inline void write_file(const fs::path& p, const std::string& text) {
  std::ofstream f(p, std::ios::binary);
  f << text;
  if (!f) throw std::runtime_error("cannot write " + p.string());
}

inline std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

inline void run_or_throw(const std::string& cmd) {
  if (std::system((cmd + " >/dev/null 2>&1").c_str()) != 0)
    throw std::runtime_error("command failed: " + cmd);
}

// A port that was free a moment ago (bound to 127.0.0.1:0 and released).
inline std::uint16_t free_port() {
  asio::io_context io;
  asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

// Waits until 127.0.0.1:port accepts connections (a started daemon is ready).
inline void wait_for_port(std::uint16_t port, std::chrono::milliseconds deadline) {
  auto until = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    asio::io_context io;
    asio::ip::tcp::socket s(io);
    std::error_code ec;
    s.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
    if (!ec) return;
    if (std::chrono::steady_clock::now() > until)
      throw std::runtime_error("server did not start on port " + std::to_string(port));
    std::this_thread::sleep_for(std::chrono::milliseconds(10)); // polling a daemon's readiness
  }
}

// A CA and certificates, made once per test process.
struct test_pki {
  temp_dir dir;
  fs::path ca_cert, server_cert, server_key, wrong_cert, wrong_key;

  static const test_pki& get() {
    static test_pki pki;
    return pki;
  }

private:
  test_pki() {
    auto d = dir.path();
    ca_cert = d / "ca.pem";
    server_cert = d / "server.pem";
    server_key = d / "server.key";
    wrong_cert = d / "wrong.pem";
    wrong_key = d / "wrong.key";
    auto q = [](const fs::path& p) { return "'" + p.string() + "'"; };
    std::string ec_key = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes ";
    run_or_throw("openssl req -x509" + ec_key + "-keyout " + q(d / "ca.key") + " -out " +
                 q(ca_cert) + " -days 2 -subj '/CN=coassist test CA'" +
                 " -addext basicConstraints=critical,CA:TRUE" +
                 " -addext keyUsage=critical,keyCertSign,cRLSign");
    auto issue = [&](const fs::path& cert, const fs::path& key, const std::string& cn,
                     const std::string& san) {
      write_file(d / "ext.cnf", "basicConstraints=CA:FALSE\nsubjectAltName=" + san +
                                    "\nextendedKeyUsage=serverAuth\n");
      run_or_throw("openssl req" + ec_key + "-keyout " + q(key) + " -out " + q(d / "req.csr") +
                   " -subj '/CN=" + cn + "'");
      run_or_throw("openssl x509 -req -in " + q(d / "req.csr") + " -CA " + q(ca_cert) + " -CAkey " +
                   q(d / "ca.key") + " -CAcreateserial -days 2 -out " + q(cert) + " -extfile " +
                   q(d / "ext.cnf"));
    };
    issue(server_cert, server_key, "localhost", "DNS:localhost,IP:127.0.0.1,IP:::1");
    issue(wrong_cert, wrong_key, "wrong.example", "DNS:wrong.example");
  }
};

// ---- the fault-injecting server ----

// One accepted connection, blocking, with a receive/send timeout so a handler never hangs.
class peer {
public:
  peer(int fd, SSL* ssl) : fd_(fd), ssl_(ssl) {}
  peer(const peer&) = delete;
  ~peer() {
    if (ssl_) SSL_free(ssl_);
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const { return fd_; }
  SSL* ssl() const { return ssl_; }

  // Reads one request head (+ a Content-Length body). Empty on EOF/timeout.
  std::string read_request() {
    for (;;) {
      auto end = in_.find("\r\n\r\n");
      if (end != std::string::npos) {
        std::size_t need = end + 4;
        auto cl = in_.find("Content-Length: ");
        if (cl != std::string::npos && cl < end) need += std::stoul(in_.substr(cl + 16));
        if (in_.size() >= need) {
          std::string req = in_.substr(0, need);
          in_.erase(0, need);
          return req;
        }
      }
      char buf[4096];
      long n = recv_some(buf, sizeof buf);
      if (n <= 0) return {};
      in_.append(buf, static_cast<std::size_t>(n));
    }
  }
  bool send(std::string_view s) {
    while (!s.empty()) {
      long n = ssl_ ? SSL_write(ssl_, s.data(), static_cast<int>(s.size()))
                    : ::send(fd_, s.data(), s.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      s.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }
  // Sends byte by byte with a pause between bytes (a slow server).
  bool drip(std::string_view s, std::chrono::microseconds pause) {
    for (char c : s) {
      if (!send(std::string_view(&c, 1))) return false;
      std::this_thread::sleep_for(pause);
    }
    return true;
  }
  // Waits until the client closes (or the socket timeout passes).
  void wait_for_close() {
    char buf[4096];
    while (recv_some(buf, sizeof buf) > 0) {
    }
  }
  // Closes with a TCP RST.
  void reset() {
    linger l{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    if (ssl_) {
      SSL_free(ssl_);
      ssl_ = nullptr;
    }
    ::close(fd_);
    fd_ = -1;
  }
  // Closes with FIN (TLS: without close_notify).
  void close() {
    if (ssl_) {
      SSL_free(ssl_);
      ssl_ = nullptr;
    }
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    fd_ = -1;
  }

private:
  long recv_some(char* buf, std::size_t n) {
    if (fd_ < 0) return -1;
    return ssl_ ? SSL_read(ssl_, buf, static_cast<int>(n)) : ::recv(fd_, buf, n, 0);
  }
  int fd_;
  SSL* ssl_;
  std::string in_;
};

// Accepts connections on 127.0.0.1:0 and runs `handler(peer&, connection_index)` for each, on
// its own thread. With `tls`, the handshake is done first using (cert, key) unless
// `tls_handshake` is false (the handler then gets the raw TCP connection).
class fault_server {
public:
  using handler = std::function<void(peer&, int index)>;

  struct tls_config {
    std::string cert, key;
  };

  explicit fault_server(handler h, std::optional<tls_config> tls = std::nullopt,
                        std::chrono::milliseconds socket_timeout = std::chrono::seconds(5))
      : handler_(std::move(h)), timeout_(socket_timeout) {
    if (tls) {
      ctx_ = SSL_CTX_new(TLS_server_method());
      if (SSL_CTX_use_certificate_chain_file(ctx_, tls->cert.c_str()) != 1 ||
          SSL_CTX_use_PrivateKey_file(ctx_, tls->key.c_str(), SSL_FILETYPE_PEM) != 1)
        throw std::runtime_error("fault_server: cannot load certificate");
    }
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(listen_fd_, 64) != 0)
      throw std::runtime_error("fault_server: bind/listen failed");
    socklen_t len = sizeof a;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  fault_server(const fault_server&) = delete;
  ~fault_server() { stop(); }

  std::uint16_t port() const { return port_; }
  int accepted() const { return accepted_.load(); }
  std::string url(std::string_view path = "/") const {
    return std::string(ctx_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) +
           std::string(path);
  }

  void stop() {
    if (listen_fd_ < 0) return;
    ::shutdown(listen_fd_, SHUT_RDWR); // wakes accept()
    acceptor_.join();
    ::close(listen_fd_);
    listen_fd_ = -1;
    std::vector<std::thread> ts;
    {
      std::lock_guard lock(mutex_);
      ts.swap(threads_);
    }
    for (auto& t : ts)
      t.join();
    if (ctx_) SSL_CTX_free(ctx_);
    ctx_ = nullptr;
  }

  bool handshake = true; // false: hand the raw TCP connection of a TLS server to the handler

private:
  void accept_loop() {
    for (;;) {
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) return;
      int index = accepted_++;
      timeval tv{static_cast<time_t>(timeout_.count() / 1000),
                 static_cast<suseconds_t>(timeout_.count() % 1000 * 1000)};
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      std::lock_guard lock(mutex_);
      threads_.emplace_back([this, fd, index] {
        SSL* ssl = nullptr;
        if (ctx_ && handshake) {
          ssl = SSL_new(ctx_);
          SSL_set_fd(ssl, fd);
          if (SSL_accept(ssl) != 1) {
            SSL_free(ssl);
            ::close(fd);
            return;
          }
        }
        peer p(fd, ssl);
        handler_(p, index);
      });
    }
  }

  handler handler_;
  std::chrono::milliseconds timeout_;
  SSL_CTX* ctx_ = nullptr;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<int> accepted_{0};
  std::thread acceptor_;
  std::mutex mutex_;
  std::vector<std::thread> threads_;
};

// ---- nginx and tinyproxy ----

// nginx on a plain and a TLS port, serving:
//   /fixed           200, Content-Length
//   /chunked/big.txt a 300 KiB file made chunked by sub_filter
//   /close           200 with Connection: close
//   /dav/...         PUT stores (chunked request bodies too), GET reads back
// Every response carries X-Conn (nginx's connection serial) and X-Conn-Requests.
class nginx_server {
public:
  nginx_server() {
    const auto& pki = test_pki::get();
    auto d = dir_.path();
    fs::create_directories(d / "www/chunked");
    fs::create_directories(d / "www/dav");
    fs::create_directories(d / "tmp");
    std::string big;
    for (int i = 0; big.size() < 300 * 1024; ++i)
      big += "line " + std::to_string(i) + " MARK\n";
    write_file(d / "www/chunked/big.txt", big);
    plain_port = free_port();
    tls_port = free_port();
    auto p = d.string();
    write_file(
        d / "nginx.conf",
        "user root;\nworker_processes 1;\npid " + p + "/nginx.pid;\nerror_log " + p +
            "/error.log;\nevents { worker_connections 256; }\nhttp {\n"
            "  access_log off;\n"
            "  client_body_temp_path " +
            p +
            "/tmp/body;\n"
            "  proxy_temp_path " +
            p +
            "/tmp/proxy;\n"
            "  fastcgi_temp_path " +
            p +
            "/tmp/fcgi;\n"
            "  uwsgi_temp_path " +
            p +
            "/tmp/uwsgi;\n"
            "  scgi_temp_path " +
            p +
            "/tmp/scgi;\n"
            "  keepalive_timeout 60s;\n  keepalive_requests 100000;\n"
            "  client_max_body_size 64m;\n"
            "  server {\n"
            "    listen 127.0.0.1:" +
            std::to_string(plain_port) +
            ";\n"
            "    listen 127.0.0.1:" +
            std::to_string(tls_port) +
            " ssl;\n"
            "    ssl_certificate " +
            pki.server_cert.string() +
            ";\n"
            "    ssl_certificate_key " +
            pki.server_key.string() +
            ";\n"
            "    ssl_protocols TLSv1.2 TLSv1.3;\n"
            "    root " +
            p +
            "/www;\n"
            "    add_header X-Conn $connection always;\n"
            "    add_header X-Conn-Requests $connection_requests always;\n"
            "    location = /fixed { default_type text/plain; return 200 \"hello fixed\\n\"; }\n"
            "    location = /close { keepalive_timeout 0; default_type text/plain; return 200 "
            "\"bye\"; }\n"
            "    location /chunked/ { sub_filter 'MARK' 'mark'; sub_filter_once off; "
            "sub_filter_types *; }\n"
            "    location /dav/ { dav_methods PUT DELETE; create_full_put_path on; }\n"
            "  }\n}\n");
    proc_ = std::make_unique<child_process>(std::vector<std::string>{"/usr/sbin/nginx", "-p", p,
                                                                     "-c", p + "/nginx.conf", "-g",
                                                                     "daemon off;"},
                                            std::map<std::string, std::string>{}, false);
    wait_for_port(plain_port, std::chrono::seconds(10));
    wait_for_port(tls_port, std::chrono::seconds(10));
  }
  std::string plain_url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(plain_port) + std::string(path);
  }
  std::string tls_url(std::string_view path, std::string_view host = "localhost") const {
    return "https://" + std::string(host) + ":" + std::to_string(tls_port) + std::string(path);
  }
  fs::path root() const { return dir_.path() / "www"; }

  std::uint16_t plain_port = 0, tls_port = 0;

private:
  temp_dir dir_;
  std::unique_ptr<child_process> proc_;
};

class tinyproxy_server {
public:
  tinyproxy_server() {
    port = free_port();
    auto conf = dir_.path() / "tinyproxy.conf";
    write_file(conf, "Port " + std::to_string(port) +
                         "\nListen 127.0.0.1\nTimeout 30\nMaxClients 50\nAllow 127.0.0.1\n"
                         "LogLevel Connect\nLogFile \"" +
                         (dir_.path() / "log").string() + "\"\n");
    proc_ = std::make_unique<child_process>(
        std::vector<std::string>{"/usr/bin/tinyproxy", "-d", "-c", conf.string()},
        std::map<std::string, std::string>{}, false);
    wait_for_port(port, std::chrono::seconds(10));
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
  std::string log() const { return read_file(dir_.path() / "log"); }
  std::uint16_t port = 0;

private:
  temp_dir dir_;
  std::unique_ptr<child_process> proc_;
};

} // namespace coassist::test
