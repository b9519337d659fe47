// What a file upload sends: a name, a content type and a body source, streamed as the file part
// of a multipart/form-data request, so a large file is never read whole into memory.
#pragma once

#include <coassist/api/error.hpp>
#include <coassist/http/multipart.hpp>
#include <coassist/net/body.hpp>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace coassist {

struct file_upload {
  std::string filename;
  std::string content_type = "application/octet-stream";
  std::shared_ptr<net::body_source> source;

  // Streamed from disk while the request is written; replayable, so the upload can be retried.
  static file_upload from_path(const std::filesystem::path& path, std::string filename = {}) {
    file_upload u;
    u.filename = filename.empty() ? path.filename().string() : std::move(filename);
    u.source = std::make_shared<net::file_body_source>(path.string());
    return u;
  }
  static file_upload from_memory(std::string filename, std::string bytes) {
    file_upload u;
    u.filename = std::move(filename);
    u.source = std::make_shared<net::string_body_source>(std::move(bytes));
    return u;
  }
  // Any source (a pipe, a generator). Its size must be known: the multipart body is sent with
  // a Content-Length.
  static file_upload from_source(std::string filename, std::shared_ptr<net::body_source> source) {
    file_upload u;
    u.filename = std::move(filename);
    u.source = std::move(source);
    return u;
  }
};

namespace detail {

// The multipart body: text fields first, then the file part streamed from its source.
inline std::shared_ptr<net::body_source>
multipart_source(const std::vector<std::pair<std::string, std::string>>& fields,
                 const std::string& file_field, const file_upload& file,
                 std::string& content_type) {
  if (!file.source)
    throw usage_error(error_info{
        errc::invalid_argument, 0, "file_upload without a source", {}, {}, file_field, {}, {}});
  auto size = file.source->size();
  if (!size)
    throw usage_error(error_info{errc::invalid_argument,
                                 0,
                                 "file_upload source of unknown size",
                                 {},
                                 {},
                                 file_field,
                                 {},
                                 {}});
  http::multipart_writer w;
  try {
    for (auto& [k, v] : fields)
      w.add_text(k, v);
    w.set_file(file_field, file.filename, *size, file.content_type);
  } catch (const std::invalid_argument& e) {
    throw usage_error(error_info{errc::invalid_argument, 0, e.what(), {}, {}, file_field, {}, {}});
  }
  http::multipart_body mb = w.finish();
  content_type = mb.content_type();
  file.source->rewind();
  return std::make_shared<net::concat_body_source>(std::vector<std::shared_ptr<net::body_source>>{
      std::make_shared<net::string_body_source>(std::move(mb.preamble)), file.source,
      std::make_shared<net::string_body_source>(std::move(mb.epilogue))});
}

// A byte range of a file on disk (one part of an Uploads API upload), replayable.
class file_range_source final : public net::body_source {
public:
  file_range_source(std::string path, std::uint64_t offset, std::uint64_t length)
      : path_(std::move(path)), offset_(offset), length_(length) {}
  std::optional<std::uint64_t> size() const override { return length_; }
  bool replayable() const override { return true; }
  asio::awaitable<std::size_t> read(asio::mutable_buffer buf) override {
    if (!file_) open();
    auto want = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), length_ - pos_));
    if (want == 0) co_return 0;
    auto n = std::fread(buf.data(), 1, want, file_.get());
    if (n == 0)
      throw std::system_error(std::make_error_code(std::errc::io_error),
                              "coassist: short read of " + path_);
    pos_ += n;
    co_return n;
  }
  void rewind() override {
    file_.reset();
    pos_ = 0;
  }

private:
  struct closer {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  void open() {
    file_.reset(std::fopen(path_.c_str(), "rb"));
    if (!file_ || std::fseek(file_.get(), static_cast<long>(offset_), SEEK_SET) != 0)
      throw std::system_error(errno, std::generic_category(), "coassist: cannot read " + path_);
  }
  std::string path_;
  std::uint64_t offset_, length_, pos_ = 0;
  std::unique_ptr<std::FILE, closer> file_;
};

} // namespace detail
} // namespace coassist
