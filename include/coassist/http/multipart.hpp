// multipart/form-data (RFC 7578) for file uploads, laid out so that the transport can stream the
// file from disk: it writes `preamble`, then exactly `file_size` bytes of the file, then
// `epilogue`. Content-Length is known before the first byte is sent.
#pragma once

#include <coassist/config.hpp>
#include <coassist/http/detail/chars.hpp>
#include <coassist/http/fields.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace coassist::http {

// The finished layout of one multipart body.
struct multipart_body {
  std::string boundary;
  std::string preamble; // the text parts, then the file part's header lines
  std::uint64_t file_size = 0;
  std::string epilogue; // CRLF after the file, then the close delimiter
  bool has_file = false;

  // "multipart/form-data; boundary=..."
  std::string content_type() const { return "multipart/form-data; boundary=" + boundary; }
  // preamble + file + epilogue, exactly.
  std::uint64_t content_length() const { return preamble.size() + file_size + epilogue.size(); }
};

// Collects text fields and (at most) one file part, then builds the body layout.
// Names and file names are escaped as browsers do (WHATWG HTML "multipart/form-data encoding
// algorithm"): `"` -> %22, CR -> %0D, LF -> %0A; a NUL byte is refused. Text parts go first,
// the file last, so everything after the file is a fixed epilogue.
class multipart_writer {
public:
  // A text part `name=value`. The value may hold any bytes except that the boundary is chosen
  // not to occur in it.
  multipart_writer& add_text(std::string name, std::string value) {
    check_name(name);
    texts_.push_back({std::move(name), std::move(value)});
    return *this;
  }

  // The file part: `size` bytes the transport will stream. content_type must be a valid field
  // value (no CR/LF/controls). Throws std::invalid_argument when invalid or a file is set twice.
  multipart_writer& set_file(std::string field_name, std::string filename, std::uint64_t size,
                             std::string content_type = "application/octet-stream") {
    check_name(field_name);
    check_name(filename);
    if (content_type.empty() || !is_valid_field_value(content_type))
      throw std::invalid_argument("multipart: invalid content type");
    if (file_) throw std::invalid_argument("multipart: only one file part");
    file_ = file_part{std::move(field_name), std::move(filename), size, std::move(content_type)};
    return *this;
  }

  // Builds the layout with a random boundary ("coassist-" + 32 hex digits, 128 random bits)
  // that occurs in no text part, name or file name. `random64` supplies random bits (tests pass
  // a fixed sequence); by default std::random_device. The file's own bytes cannot be checked
  // (they are streamed): a collision with 128 random bits is not a practical concern.
  multipart_body finish(std::function<std::uint64_t()> random64 = {}) const {
    if (!random64) {
      random64 = [dev = std::make_shared<std::random_device>()]() {
        return (std::uint64_t((*dev)()) << 32) ^ std::uint64_t((*dev)());
      };
    }
    for (int attempt = 0; attempt < 64; ++attempt) {
      std::string boundary = "coassist-";
      for (int half = 0; half < 2; ++half) {
        std::uint64_t bits = random64();
        for (int i = 0; i < 16; ++i) {
          boundary += "0123456789abcdef"[bits & 0xf];
          bits >>= 4;
        }
      }
      if (!occurs_in_parts(boundary)) return build(boundary);
    }
    throw std::runtime_error("multipart: no usable boundary (random source broken?)");
  }

  // Builds the layout with a caller-chosen boundary (1..70 bchars, RFC 2046); throws
  // std::invalid_argument when the boundary is invalid or occurs in a part.
  multipart_body finish_with_boundary(std::string boundary) const {
    if (boundary.empty() || boundary.size() > 70 || boundary.back() == ' ')
      throw std::invalid_argument("multipart: invalid boundary");
    for (char c : boundary)
      if (!(detail::is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            std::string_view("'()+_,-./:=? ").find(c) != std::string_view::npos))
        throw std::invalid_argument("multipart: invalid boundary");
    if (occurs_in_parts(boundary))
      throw std::invalid_argument("multipart: boundary occurs in a part");
    return build(boundary);
  }

  // Escapes a name or file name for a Content-Disposition quoted string.
  static std::string escape_name(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
      if (c == '"')
        out += "%22";
      else if (c == '\r')
        out += "%0D";
      else if (c == '\n')
        out += "%0A";
      else
        out += c;
    }
    return out;
  }

private:
  struct text_part {
    std::string name, value;
  };
  struct file_part {
    std::string field_name, filename;
    std::uint64_t size;
    std::string content_type;
  };

  static void check_name(std::string_view s) {
    if (s.find('\0') != std::string_view::npos)
      throw std::invalid_argument("multipart: NUL in a name");
  }

  bool occurs_in_parts(std::string_view boundary) const {
    auto in = [&](std::string_view s) { return s.find(boundary) != std::string_view::npos; };
    for (const auto& t : texts_)
      if (in(t.name) || in(t.value)) return true;
    return file_ && (in(file_->field_name) || in(file_->filename));
  }

  multipart_body build(std::string boundary) const {
    multipart_body b;
    b.boundary = std::move(boundary);
    for (const auto& t : texts_) {
      b.preamble += "--" + b.boundary + "\r\nContent-Disposition: form-data; name=\"" +
                    escape_name(t.name) + "\"\r\n\r\n";
      b.preamble += t.value;
      b.preamble += "\r\n";
    }
    if (file_) {
      b.has_file = true;
      b.file_size = file_->size;
      b.preamble += "--" + b.boundary + "\r\nContent-Disposition: form-data; name=\"" +
                    escape_name(file_->field_name) + "\"; filename=\"" +
                    escape_name(file_->filename) + "\"\r\nContent-Type: " + file_->content_type +
                    "\r\n\r\n";
      b.epilogue = "\r\n";
    }
    b.epilogue += "--" + b.boundary + "--\r\n";
    return b;
  }

  std::vector<text_part> texts_;
  std::optional<file_part> file_;
};

} // namespace coassist::http
