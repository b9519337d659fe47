// Request bodies that are produced while they are sent (file uploads, multipart forms), so a
// large file is never held in memory. A body held in a std::string goes in request::body instead.
#pragma once

#include <coassist/config.hpp>
#include <coassist/detail/asio.hpp>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace coassist::net {

// A source of request body bytes. The transport pulls from it while writing the request.
// size(): the exact byte count (sent as Content-Length), or nullopt (sent chunked).
// replayable(): rewind() restarts it, so the request may be retried; otherwise it never is.
// read(): fills a prefix of `buf`, returns 0 at the end; throws std::system_error on failure.
class body_source {
public:
  virtual ~body_source() = default;
  virtual std::optional<std::uint64_t> size() const = 0;
  virtual bool replayable() const = 0;
  virtual asio::awaitable<std::size_t> read(asio::mutable_buffer buf) = 0;
  virtual void rewind() {}
};

// Bytes held in memory (replayable).
class string_body_source final : public body_source {
public:
  explicit string_body_source(std::string data) : data_(std::move(data)) {}
  std::optional<std::uint64_t> size() const override { return data_.size(); }
  bool replayable() const override { return true; }
  asio::awaitable<std::size_t> read(asio::mutable_buffer buf) override {
    auto n = std::min(buf.size(), data_.size() - pos_);
    std::memcpy(buf.data(), data_.data() + pos_, n);
    pos_ += n;
    co_return n;
  }
  void rewind() override { pos_ = 0; }

private:
  std::string data_;
  std::size_t pos_ = 0;
};

// A file streamed from disk (replayable: it is reopened on rewind). The size is taken when the
// source is created; a file that then changes size fails the request (body_source_failed).
// Reads are plain blocking reads of at most the transport's buffer size (64 KiB): local disk
// reads are short, and Asio 1.22 has file I/O only with io_uring.
class file_body_source final : public body_source {
public:
  explicit file_body_source(std::string path) : path_(std::move(path)) {
    open();
    if (std::fseek(file_.get(), 0, SEEK_END) != 0) fail("seek");
    long end = std::ftell(file_.get());
    if (end < 0) fail("ftell");
    size_ = static_cast<std::uint64_t>(end);
    std::rewind(file_.get());
  }
  std::optional<std::uint64_t> size() const override { return size_; }
  bool replayable() const override { return true; }
  asio::awaitable<std::size_t> read(asio::mutable_buffer buf) override {
    auto n = std::fread(buf.data(), 1, buf.size(), file_.get());
    if (n == 0 && std::ferror(file_.get())) fail("read");
    co_return n;
  }
  void rewind() override { open(); }

private:
  struct closer {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  void open() {
    file_.reset(std::fopen(path_.c_str(), "rb"));
    if (!file_) fail("open");
  }
  [[noreturn]] void fail(const char* what) const {
    throw std::system_error(errno, std::generic_category(),
                            std::string("coassist: ") + what + " " + path_);
  }
  std::string path_;
  std::unique_ptr<std::FILE, closer> file_;
  std::uint64_t size_ = 0;
};

// Several sources one after the other (e.g. multipart preamble + file + epilogue).
class concat_body_source final : public body_source {
public:
  explicit concat_body_source(std::vector<std::shared_ptr<body_source>> parts)
      : parts_(std::move(parts)) {}
  std::optional<std::uint64_t> size() const override {
    std::uint64_t total = 0;
    for (const auto& p : parts_) {
      auto s = p->size();
      if (!s) return std::nullopt;
      total += *s;
    }
    return total;
  }
  bool replayable() const override {
    for (const auto& p : parts_)
      if (!p->replayable()) return false;
    return true;
  }
  asio::awaitable<std::size_t> read(asio::mutable_buffer buf) override {
    while (index_ < parts_.size()) {
      auto n = co_await parts_[index_]->read(buf);
      if (n != 0) co_return n;
      ++index_;
    }
    co_return 0;
  }
  void rewind() override {
    for (auto& p : parts_)
      p->rewind();
    index_ = 0;
  }

private:
  std::vector<std::shared_ptr<body_source>> parts_;
  std::size_t index_ = 0;
};

} // namespace coassist::net
