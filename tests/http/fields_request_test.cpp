// Field validation, the fields container, and the request head writer.
#include <coassist/http/fields.hpp>
#include <coassist/http/request.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace coassist::http;
using namespace std::literals;

TEST_CASE("field name and value validation", "[unit]") {
  CHECK(is_valid_field_name("Content-Type"));
  CHECK(is_valid_field_name("x-stainless-retry-count"));
  CHECK(is_valid_field_name("!#$%&'*+-.^_`|~0aZ"));
  CHECK_FALSE(is_valid_field_name(""));
  CHECK_FALSE(is_valid_field_name("a b"));
  CHECK_FALSE(is_valid_field_name("a:b"));
  CHECK_FALSE(is_valid_field_name("a\r\nb"));
  CHECK_FALSE(is_valid_field_name("(a)"));
  CHECK_FALSE(is_valid_field_name("\xc3\xa9"));
  CHECK(is_valid_field_value(""));
  CHECK(is_valid_field_value("Bearer sk-abc\t123 \xc3\xa9"));
  CHECK_FALSE(is_valid_field_value("a\rb"));
  CHECK_FALSE(is_valid_field_value("a\nb"));
  CHECK_FALSE(is_valid_field_value("a\0b"sv));
  CHECK_FALSE(is_valid_field_value("a\x7f"));
  CHECK_FALSE(is_valid_field_value("\x01"));
}

TEST_CASE("fields: ordered, duplicates, case-insensitive", "[unit]") {
  fields f;
  f.add("Accept", "application/json");
  f.add("X-A", "1");
  f.add("x-a", "2");
  CHECK(f.size() == 3);
  CHECK(f.find("X-a") == "1");
  CHECK(f.find_all("X-A") == std::vector<std::string_view>{"1", "2"});
  CHECK(f.contains("ACCEPT"));
  CHECK_FALSE(f.find("missing"));
  f.set("X-A", "3");
  CHECK(f.size() == 2);
  CHECK(f.find_all("x-a") == std::vector<std::string_view>{"3"});
  CHECK(f.begin()->name == "Accept"); // set keeps the position of the first
  f.set("New", "n");
  CHECK((f.begin() + 2)->name == "New");
  CHECK(f.erase("x-A"));
  CHECK_FALSE(f.erase("x-A"));
  CHECK(f.size() == 2);
  CHECK_THROWS_AS(f.add("Bad Name", "v"), std::invalid_argument);
  CHECK_THROWS_AS(f.add("X", "evil\r\nInjected: yes"), std::invalid_argument);
  CHECK_THROWS_AS(f.set("X", "nul\0"s), std::invalid_argument);
  CHECK(f.size() == 2);
}

TEST_CASE("request head writer", "[unit]") {
  request_head h;
  h.method = "POST";
  h.target = "/v1/threads/thread_1/runs?include%5B%5D=x";
  h.headers.add("Authorization", "Bearer k");
  h.headers.add("OpenAI-Beta", "assistants=v2");
  std::string out = "previous|";
  REQUIRE_FALSE(write_request_head(h, "api.example.com:8443", 17, out));
  CHECK(out == "previous|POST /v1/threads/thread_1/runs?include%5B%5D=x HTTP/1.1\r\n"
               "Host: api.example.com:8443\r\nAuthorization: Bearer k\r\n"
               "OpenAI-Beta: assistants=v2\r\nContent-Length: 17\r\n\r\n");
  out.clear();
  h.method = "GET";
  h.headers = {};
  REQUIRE_FALSE(write_request_head(h, "[::1]:80", std::nullopt, out));
  CHECK(out == "GET /v1/threads/thread_1/runs?include%5B%5D=x HTTP/1.1\r\nHost: [::1]:80\r\n\r\n");
}

TEST_CASE("request head writer refuses injection", "[unit]") {
  auto attempt = [](request_head h, std::string_view host = "h") {
    std::string out = "keep";
    auto ec = write_request_head(h, host, 0, out);
    if (ec) CHECK(out == "keep"); // nothing written on error
    return ec;
  };
  request_head ok{"GET", "/", {}};
  CHECK_FALSE(attempt(ok));
  CHECK(attempt({"G ET", "/", {}}) == error::bad_method);
  CHECK(attempt({"", "/", {}}) == error::bad_method);
  CHECK(attempt({"GET\r\n", "/", {}}) == error::bad_method);
  CHECK(attempt({"GET", "", {}}) == error::bad_target);
  CHECK(attempt({"GET", "/a b", {}}) == error::bad_target);
  CHECK(attempt({"GET", "/a\r\nX: y", {}}) == error::bad_target);
  CHECK(attempt({"GET", "/a\0"s, {}}) == error::bad_target);
  CHECK(attempt({"GET", "/\xc3\xa9", {}}) == error::bad_target);
  CHECK(attempt({"GET", "/\x7f", {}}) == error::bad_target);
  CHECK(attempt(ok, "") == error::invalid_header_value);
  CHECK(attempt(ok, "h\r\nX: y") == error::invalid_header_value);
  CHECK(attempt(ok, " h") == error::invalid_header_value);
  request_head with_host{"GET", "/", {}};
  with_host.headers.add("host", "other");
  CHECK(attempt(with_host) == error::bad_header);
  request_head with_length{"GET", "/", {}};
  with_length.headers.add("Content-Length", "5");
  CHECK(attempt(with_length) == error::bad_header);
}
