#include <coassist/json/text.hpp>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

using coassist::json_text;
namespace json = boost::json;

TEST_CASE("json_text writes doubles in their shortest form, whole ones with .0", "[unit]") {
  CHECK(json_text(json::value(21.5)) == "21.5");
  CHECK(json_text(json::value(1.0)) == "1.0");
  CHECK(json_text(json::value(0.0)) == "0.0");
  CHECK(json_text(json::value(-0.0)) == "-0.0");
  CHECK(json_text(json::value(0.7)) == "0.7");
  CHECK(json_text(json::value(-3.25)) == "-3.25");
  CHECK(json_text(json::value(1e-7)) == "1e-07");
  CHECK(json_text(json::value(1e300)) == "1e+300");
  CHECK(json_text(json::value(0.1 + 0.2)) == "0.30000000000000004");
  // JSON has no infinity or NaN
  CHECK(json_text(json::value(std::numeric_limits<double>::infinity())) == "null");
  CHECK(json_text(json::value(std::nan(""))) == "null");
}

TEST_CASE("json_text writes integers, literals and containers compactly", "[unit]") {
  CHECK(json_text(json::value(std::int64_t{-9223372036854775807 - 1})) == "-9223372036854775808");
  CHECK(json_text(json::value(std::uint64_t{18446744073709551615u})) == "18446744073709551615");
  CHECK(json_text(json::value(nullptr)) == "null");
  CHECK(json_text(json::value(true)) == "true");
  CHECK(json_text(json::value(false)) == "false");
  CHECK(json_text(json::array{}) == "[]");
  CHECK(json_text(json::object{}) == "{}");
  CHECK(json_text(json::parse(R"({"a":[1,2.5,{"b":null}],"c":"d"})")) ==
        R"({"a":[1,2.5,{"b":null}],"c":"d"})");
}

TEST_CASE("json_text escapes what RFC 8259 requires and passes UTF-8 through", "[unit]") {
  CHECK(json_text(json::value("say \"hi\"\\")) == R"("say \"hi\"\\")");
  CHECK(json_text(json::value("a\nb\tc\rd\be\ff")) == R"("a\nb\tc\rd\be\ff")");
  CHECK(json_text(json::string(std::string_view("\x00\x01\x1f", 3))) == R"("\u0000\u0001\u001f")");
  CHECK(json_text(json::value("caf\xc3\xa9 \xe2\x82\xac")) == "\"caf\xc3\xa9 \xe2\x82\xac\"");
  CHECK(json_text(json::value("/")) == "\"/\""); // no needless escapes
  CHECK(coassist::json_quote("k\"ey") == R"("k\"ey")");
  CHECK(json_text(json::object{{"a\"b", 1}}) == R"({"a\"b":1})");
}

namespace {
json::value random_value(std::mt19937_64& rng, int depth) {
  std::uniform_int_distribution<int> kind(0, depth > 3 ? 5 : 7);
  switch (kind(rng)) {
  case 0:
    return nullptr;
  case 1:
    return (rng() & 1) != 0;
  case 2:
    return static_cast<std::int64_t>(rng());
  case 3:
    return rng() | (std::uint64_t{1} << 63); // a uint64 (below 2^63 reads back as int64)
  case 4: {
    // any finite double, from its bits: subnormals, huge and tiny exponents included
    double d;
    do {
      auto bits = rng();
      std::memcpy(&d, &bits, sizeof d);
    } while (!std::isfinite(d));
    return d;
  }
  case 5: {
    std::string s;
    auto n = rng() % 12;
    for (std::size_t i = 0; i < n; ++i)
      s += static_cast<char>(rng() % 128); // ASCII incl. every control character
    return json::string(s);
  }
  case 6: {
    json::array a;
    auto n = rng() % 5;
    for (std::size_t i = 0; i < n; ++i)
      a.push_back(random_value(rng, depth + 1));
    return a;
  }
  default: {
    json::object o;
    auto n = rng() % 5;
    for (std::size_t i = 0; i < n; ++i)
      o[std::to_string(rng() % 100) + "\"\n"] = random_value(rng, depth + 1);
    return o;
  }
  }
}

// Equal, with doubles compared bit for bit (a double must read back as a double).
bool same(const json::value& a, const json::value& b) {
  if (a.kind() != b.kind()) return false;
  if (a.is_double()) {
    // Boost.JSON 1.81 parses doubles imprecisely (a few ulps off at extreme exponents: it has no
    // precise mode before 1.83), so exactness is checked with std::from_chars in the next test
    const double x = a.get_double(), y = b.get_double();
    return std::signbit(x) == std::signbit(y) && std::fabs(x - y) <= std::fabs(x) * 1e-14;
  }
  if (a.is_array()) {
    const auto &x = a.get_array(), &y = b.get_array();
    if (x.size() != y.size()) return false;
    for (std::size_t i = 0; i < x.size(); ++i)
      if (!same(x[i], y[i])) return false;
    return true;
  }
  if (a.is_object()) {
    const auto &x = a.get_object(), &y = b.get_object();
    if (x.size() != y.size()) return false;
    for (const auto& kv : x) {
      const auto* other = y.if_contains(kv.key());
      if (!other || !same(kv.value(), *other)) return false;
    }
    return true;
  }
  return a == b;
}
} // namespace

TEST_CASE("json_text round-trips random values through Boost.JSON's parser exactly", "[unit]") {
  std::mt19937_64 rng(20261201);
  for (int i = 0; i < 5000; ++i) {
    auto v = random_value(rng, 0);
    auto text = json_text(v);
    json::error_code ec;
    auto back = json::parse(text, ec);
    INFO(text);
    REQUIRE_FALSE(ec);
    CHECK(same(v, back));
  }
}

TEST_CASE("json_text's doubles read back exactly (std::from_chars)", "[unit]") {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 100000; ++i) {
    double d;
    auto bits = rng();
    std::memcpy(&d, &bits, sizeof d);
    if (!std::isfinite(d)) continue;
    auto text = json_text(json::value(d));
    double back = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), back);
    INFO(text);
    REQUIRE(ec == std::errc());
    REQUIRE(end == text.data() + text.size());
    REQUIRE(std::memcmp(&d, &back, sizeof d) == 0);
  }
}
