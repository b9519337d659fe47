// Helpers shared by the model tests.
#pragma once

#include <boost/json.hpp>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

namespace models_test {

namespace json = boost::json;

// JSON equality where numbers compare by value (JSON does not tell 1 from 1.0).
inline bool same_json(const json::value& a, const json::value& b) {
  if (a.is_number() && b.is_number()) return a.to_number<double>() == b.to_number<double>();
  if (a.kind() != b.kind()) return false;
  if (a.is_object()) {
    const auto& oa = a.get_object();
    const auto& ob = b.get_object();
    if (oa.size() != ob.size()) return false;
    for (const auto& [key, value] : oa) {
      const json::value* other = ob.if_contains(key);
      if (other == nullptr || !same_json(value, *other)) return false;
    }
    return true;
  }
  if (a.is_array()) {
    const auto& xa = a.get_array();
    const auto& xb = b.get_array();
    if (xa.size() != xb.size()) return false;
    for (std::size_t i = 0; i < xa.size(); ++i)
      if (!same_json(xa[i], xb[i])) return false;
    return true;
  }
  return a == b;
}

// The first place where two JSON values differ (for failure messages).
inline std::string first_difference(const json::value& a, const json::value& b,
                                    const std::string& at = "$") {
  if (a.is_object() && b.is_object()) {
    for (const auto& [key, value] : a.get_object()) {
      const json::value* other = b.get_object().if_contains(key);
      if (other == nullptr) return at + "." + std::string(key) + " missing after re-encoding";
      if (!same_json(value, *other))
        return first_difference(value, *other, at + "." + std::string(key));
    }
    for (const auto& [key, value] : b.get_object())
      if (!a.get_object().contains(key)) return at + "." + std::string(key) + " added";
    return "";
  }
  if (a.is_array() && b.is_array() && a.get_array().size() == b.get_array().size()) {
    for (std::size_t i = 0; i < a.get_array().size(); ++i)
      if (!same_json(a.get_array()[i], b.get_array()[i]))
        return first_difference(a.get_array()[i], b.get_array()[i],
                                at + "[" + std::to_string(i) + "]");
    return "";
  }
  if (same_json(a, b)) return "";
  return at + ": " + json::serialize(a) + " became " + json::serialize(b);
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline const json::value& spec() {
  static const json::value parsed = json::parse(
      read_file(std::string(COASSIST_REFERENCE_DIR) + "/openai-spec/assistants-v2.json"));
  return parsed;
}

inline const json::value& responses_spec() {
  static const json::value parsed = json::parse(
      read_file(std::string(COASSIST_REFERENCE_DIR) + "/openai-spec/responses-v1.json"));
  return parsed;
}

} // namespace models_test
