// The multipart/form-data writer: exact Content-Length, boundary choice, name escaping.
#include <coassist/http/multipart.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace coassist::http;

TEST_CASE("multipart: layout and exact length", "[unit]") {
  multipart_writer w;
  w.add_text("purpose", "assistants");
  std::string file(1000, 'F');
  w.set_file("file", "report.pdf", file.size(), "application/pdf");
  std::uint64_t counter = 0;
  auto body = w.finish([&] { return ++counter; });
  std::string bytes = body.preamble + file + body.epilogue;
  CHECK(bytes.size() == body.content_length());
  CHECK(body.has_file);
  CHECK(body.content_type() == "multipart/form-data; boundary=" + body.boundary);
  CHECK(body.boundary == "coassist-10000000000000002000000000000000");
  std::string b = body.boundary;
  CHECK(bytes ==
        "--" + b +
            "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nassistants\r\n"
            "--" +
            b +
            "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"report.pdf\"\r\n"
            "Content-Type: application/pdf\r\n\r\n" +
            file + "\r\n--" + b + "--\r\n");
}

TEST_CASE("multipart: the boundary never occurs in a text part", "[unit]") {
  // the first candidate boundary is planted in a text value: the writer must pick the next
  std::uint64_t seq[] = {1, 2, 3, 4};
  std::size_t i = 0;
  auto rnd = [&] { return seq[i++ % 4]; };
  std::string first = "coassist-10000000000000002000000000000000";
  multipart_writer w;
  w.add_text("note", "before " + first + " after");
  auto body = w.finish(rnd);
  CHECK(body.boundary != first);
  CHECK(body.boundary == "coassist-30000000000000004000000000000000");
  CHECK(body.preamble.find(body.boundary + " after") == std::string::npos);
  // a broken random source gives up instead of looping forever
  multipart_writer stuck;
  stuck.add_text("x", "coassist-10000000000000001000000000000000");
  CHECK_THROWS_AS(stuck.finish([] { return std::uint64_t(1); }), std::runtime_error);
  // a real random source gives 128-bit boundaries that differ
  multipart_writer r;
  CHECK(r.finish().boundary != r.finish().boundary);
}

TEST_CASE("multipart: names escaped, invalid input refused", "[unit]") {
  CHECK(multipart_writer::escape_name("a\"b\r\nc.txt") == "a%22b%0D%0Ac.txt");
  CHECK(multipart_writer::escape_name("r\xc3\xa9sum\xc3\xa9.pdf") == "r\xc3\xa9sum\xc3\xa9.pdf");
  multipart_writer w;
  w.set_file("file", "evil\"\r\nContent-Type: text/html\r\n\r\n.txt", 3);
  auto body = w.finish_with_boundary("b0undary");
  CHECK(body.preamble.find("filename=\"evil%22%0D%0AContent-Type: text/html%0D%0A%0D%0A.txt\"") !=
        std::string::npos);
  CHECK(body.preamble.find("\r\nContent-Type: text/html") == std::string::npos);
  CHECK(body.content_length() == body.preamble.size() + 3 + body.epilogue.size());
  CHECK_THROWS_AS(w.set_file("file2", "x", 1), std::invalid_argument); // one file only
  multipart_writer bad;
  CHECK_THROWS_AS(bad.add_text(std::string("a\0b", 3), "v"), std::invalid_argument);
  CHECK_THROWS_AS(bad.set_file("f", "n", 1, "text/plain\r\nX: y"), std::invalid_argument);
  CHECK_THROWS_AS(bad.set_file("f", "n", 1, ""), std::invalid_argument);
  CHECK_THROWS_AS(bad.finish_with_boundary(""), std::invalid_argument);
  CHECK_THROWS_AS(bad.finish_with_boundary(std::string(71, 'a')), std::invalid_argument);
  CHECK_THROWS_AS(bad.finish_with_boundary("a\r\nb"), std::invalid_argument);
  CHECK_THROWS_AS(bad.finish_with_boundary("ends with space "), std::invalid_argument);
  bad.add_text("t", "contains BOUNDARY here");
  CHECK_THROWS_AS(bad.finish_with_boundary("BOUNDARY"), std::invalid_argument);
}

TEST_CASE("multipart: text only, and an empty file", "[unit]") {
  multipart_writer w;
  w.add_text("a", "1").add_text("b", "");
  auto body = w.finish_with_boundary("XyZ");
  CHECK_FALSE(body.has_file);
  CHECK(body.file_size == 0);
  CHECK(body.preamble + body.epilogue ==
        "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n"
        "--XyZ\r\nContent-Disposition: form-data; name=\"b\"\r\n\r\n\r\n--XyZ--\r\n");
  CHECK(body.content_length() == body.preamble.size() + body.epilogue.size());
  multipart_writer e;
  e.set_file("file", "empty.txt", 0, "text/plain");
  auto eb = e.finish_with_boundary("q");
  CHECK(eb.content_length() == (eb.preamble + eb.epilogue).size());
  CHECK(eb.epilogue == "\r\n--q--\r\n");
}

TEST_CASE("multipart: lengths above 4 GiB are exact", "[unit]") {
  multipart_writer w;
  const std::uint64_t big = 5ull << 30;
  w.add_text("purpose", "assistants").set_file("file", "big.bin", big);
  auto body = w.finish_with_boundary("B");
  CHECK(body.content_length() == body.preamble.size() + big + body.epilogue.size());
  CHECK(body.file_size == big);
}
