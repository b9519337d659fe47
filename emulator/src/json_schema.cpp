#include "json_schema.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace emu {

namespace {

std::string join_path(const std::string& base, std::string_view key) {
  if (base.empty()) return std::string(key);
  return base + "." + std::string(key);
}

std::string index_path(const std::string& base, std::size_t i) {
  return base + "[" + std::to_string(i) + "]";
}

bool is_integral(const json::value& v) {
  if (v.is_int64() || v.is_uint64()) return true;
  if (v.is_double()) {
    double d = v.get_double();
    return std::isfinite(d) && std::floor(d) == d;
  }
  return false;
}

double as_number(const json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  return v.get_double();
}

bool type_matches(std::string_view type, const json::value& v) {
  if (type == "string") return v.is_string();
  if (type == "integer") return is_integral(v);
  if (type == "number") return v.is_number();
  if (type == "boolean") return v.is_bool();
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "null") return v.is_null();
  return true;
}

std::string type_phrase(std::string_view type) {
  if (type == "string") return "a string";
  if (type == "integer") return "an integer";
  if (type == "number") return "a decimal";
  if (type == "boolean") return "a boolean";
  if (type == "object") return "an object";
  if (type == "array") return "an array";
  if (type == "null") return "null";
  return std::string(type);
}

std::string quoted(const json::value& v) {
  if (v.is_string()) return "'" + std::string(v.get_string()) + "'";
  return json_text(v);
}

// "'a'", "'a' and 'b'", "'a', 'b', and 'c'"
std::string supported_list(const json::array& values) {
  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += values.size() == 2 ? " and " : (i + 1 == values.size() ? ", and " : ", ");
    out += quoted(values[i]);
  }
  return out;
}

std::string number_text(double d) {
  if (std::floor(d) == d && std::fabs(d) < 1e15) return std::to_string(static_cast<long long>(d));
  std::string s = std::to_string(d);
  while (!s.empty() && s.back() == '0')
    s.pop_back();
  return s;
}

} // namespace

std::string json_type_phrase(const json::value& v) {
  if (v.is_string()) return "a string";
  if (v.is_bool()) return "a boolean";
  if (v.is_int64() || v.is_uint64()) return "an integer";
  if (v.is_double()) return "a decimal";
  if (v.is_object()) return "an object";
  if (v.is_array()) return "an array";
  return "null";
}

schema_set::schema_set(json::object schemas) : schemas_(std::move(schemas)) {}

const json::value& schema_set::resolve(const json::value& schema) const {
  const json::value* s = &schema;
  for (int hops = 0; hops < 16; ++hops) {
    const auto* obj = s->if_object();
    if (!obj) return *s;
    auto it = obj->find("$ref");
    if (it == obj->end()) return *s;
    std::string_view ref = it->value().as_string();
    auto slash = ref.rfind('/');
    auto found = schemas_.find(ref.substr(slash + 1));
    if (found == schemas_.end()) throw std::runtime_error("unresolved $ref " + std::string(ref));
    s = &found->value();
  }
  return *s;
}

std::optional<schema_error> schema_set::validate(std::string_view name,
                                                 const json::value& value) const {
  auto it = schemas_.find(name);
  if (it == schemas_.end()) return std::nullopt;
  return check(it->value(), value, "", 0);
}

void schema_set::collect_properties(const json::value& schema, std::vector<std::string>& known,
                                    bool& open, int depth) const {
  const auto* s = resolve(schema).if_object();
  if (!s || depth > 16) return;
  if (s->contains("additionalProperties") || s->contains("anyOf") || s->contains("oneOf"))
    open = true;
  if (auto p = s->find("properties"); p != s->end() && p->value().is_object())
    for (const auto& kv : p->value().get_object())
      known.emplace_back(kv.key());
  if (auto a = s->find("allOf"); a != s->end() && a->value().is_array())
    for (const auto& part : a->value().get_array())
      collect_properties(part, known, open, depth + 1);
}

std::optional<schema_error> schema_set::unknown_property(std::string_view name,
                                                         const json::value& value) const {
  auto it = schemas_.find(name);
  const auto* obj = value.if_object();
  if (it == schemas_.end() || !obj) return std::nullopt;
  std::vector<std::string> known;
  bool open = false;
  collect_properties(it->value(), known, open, 0);
  if (open) return std::nullopt;
  for (const auto& kv : *obj)
    if (std::find(known.begin(), known.end(), kv.key()) == known.end())
      return schema_error{std::string(kv.key()),
                          "Unknown parameter: '" + std::string(kv.key()) + "'.",
                          "unknown_parameter"};
  return std::nullopt;
}

std::optional<schema_error> schema_set::check_union(const json::array& branches,
                                                    const json::value& v, const std::string& path,
                                                    int depth) const {
  std::vector<schema_error> errors;
  std::vector<const json::object*> resolved;
  for (const auto& b : branches) {
    auto e = check(b, v, path, depth + 1);
    if (!e) return std::nullopt;
    errors.push_back(std::move(*e));
    resolved.push_back(resolve(b).if_object());
  }
  // Tagged unions without a discriminator: pick the branch whose `type` enum names the value's
  // `type`, or say which `type` values exist.
  if (const auto* obj = v.if_object();
      obj && obj->contains("type") && obj->at("type").is_string()) {
    json::array all_types;
    bool tagged = false;
    for (std::size_t i = 0; i < resolved.size(); ++i) {
      const auto* s = resolved[i];
      if (!s || !s->contains("properties")) continue;
      const auto& props = s->at("properties").as_object();
      auto t = props.find("type");
      if (t == props.end()) continue;
      const auto& ts = resolve(t->value());
      if (!ts.is_object() || !ts.as_object().contains("enum")) continue;
      tagged = true;
      for (const auto& e : ts.as_object().at("enum").as_array()) {
        if (e == obj->at("type")) return errors[i];
        all_types.push_back(e);
      }
    }
    if (tagged && !all_types.empty())
      return schema_error{join_path(path, "type"),
                          "Invalid value: " + quoted(obj->at("type")) +
                              ". Supported values are: " + supported_list(all_types) + ".",
                          "invalid_value"};
  }
  // Otherwise the most specific complaint from a branch of the right JSON type.
  const schema_error* best = nullptr;
  for (const auto& e : errors) {
    if (e.code == "invalid_type" && e.param == path) continue;
    if (!best || e.param.size() > best->param.size()) best = &e;
  }
  if (best) return *best;
  std::vector<std::string> expected;
  for (const auto* s : resolved) {
    if (!s) continue;
    if (auto t = s->find("type"); t != s->end() && t->value().is_string()) {
      std::string p = type_phrase(t->value().as_string());
      if (std::find(expected.begin(), expected.end(), p) == expected.end()) expected.push_back(p);
    }
  }
  std::string list;
  for (std::size_t i = 0; i < expected.size(); ++i)
    list += (i ? " or " : "") + expected[i];
  if (expected.size() <= 1) return errors.front();
  return schema_error{path,
                      "Invalid type for '" + path + "': expected one of " + list + ", but got " +
                          json_type_phrase(v) + " instead.",
                      "invalid_type"};
}

std::optional<schema_error> schema_set::check(const json::value& schema_in, const json::value& v,
                                              const std::string& path, int depth) const {
  if (depth > 64) return std::nullopt;
  const json::value& schema = resolve(schema_in);
  const auto* s = schema.if_object();
  if (!s) return std::nullopt;
  const std::string shown = path.empty() ? "body" : path;

  if (auto t = s->find("type"); t != s->end() && t->value().is_string()) {
    std::string_view type = t->value().as_string();
    if (!type_matches(type, v))
      return schema_error{path,
                          "Invalid type for '" + shown + "': expected " + type_phrase(type) +
                              ", but got " + json_type_phrase(v) + " instead.",
                          "invalid_type"};
  }
  if (auto e = s->find("enum"); e != s->end()) {
    const auto& values = e->value().as_array();
    bool ok = false;
    for (const auto& x : values)
      ok = ok || x == v;
    if (!ok)
      return schema_error{path,
                          "Invalid value: " + quoted(v) +
                              ". Supported values are: " + supported_list(values) + ".",
                          "invalid_value"};
  }
  for (const char* key : {"anyOf", "oneOf"}) {
    if (auto u = s->find(key); u != s->end())
      if (auto err = check_union(u->value().as_array(), v, path, depth)) return err;
  }
  if (auto a = s->find("allOf"); a != s->end())
    for (const auto& part : a->value().as_array())
      if (auto err = check(part, v, path, depth + 1)) return err;

  if (const auto* str = v.if_string()) {
    if (auto m = s->find("maxLength"); m != s->end()) {
      auto max = m->value().to_number<std::int64_t>();
      if (static_cast<std::int64_t>(str->size()) > max)
        return schema_error{path,
                            "Invalid '" + shown +
                                "': string too long. Expected a string with maximum length " +
                                std::to_string(max) + ", but got a string with length " +
                                std::to_string(str->size()) + " instead.",
                            "string_above_max_length"};
    }
  }
  if (v.is_number()) {
    double d = as_number(v);
    const char* kind = is_integral(v) && v.is_double() == false ? "integer" : "decimal";
    if (auto m = s->find("minimum"); m != s->end() && d < as_number(m->value()))
      return schema_error{
          path,
          "Invalid '" + shown + "': " + kind + " below minimum value. Expected a value >= " +
              number_text(as_number(m->value())) + ", but got " + number_text(d) + " instead.",
          std::string(kind) + "_below_min_value"};
    if (auto m = s->find("maximum"); m != s->end() && d > as_number(m->value()))
      return schema_error{
          path,
          "Invalid '" + shown + "': " + kind + " above maximum value. Expected a value <= " +
              number_text(as_number(m->value())) + ", but got " + number_text(d) + " instead.",
          std::string(kind) + "_above_max_value"};
  }
  if (const auto* arr = v.if_array()) {
    if (auto m = s->find("maxItems");
        m != s->end() && arr->size() > m->value().to_number<std::uint64_t>())
      return schema_error{
          path,
          "Invalid '" + shown + "': array too long. Expected an array with maximum length " +
              std::to_string(m->value().to_number<std::uint64_t>()) +
              ", but got an array with length " + std::to_string(arr->size()) + " instead.",
          "array_above_max_length"};
    if (auto m = s->find("minItems");
        m != s->end() && arr->size() < m->value().to_number<std::uint64_t>())
      return schema_error{
          path,
          "Invalid '" + shown + "': empty array. Expected an array with minimum length " +
              std::to_string(m->value().to_number<std::uint64_t>()) +
              ", but got an array with length " + std::to_string(arr->size()) + " instead.",
          "empty_array"};
    if (auto items = s->find("items"); items != s->end())
      for (std::size_t i = 0; i < arr->size(); ++i)
        if (auto err = check(items->value(), (*arr)[i], index_path(path, i), depth + 1)) return err;
  }
  if (const auto* obj = v.if_object()) {
    if (auto r = s->find("required"); r != s->end())
      for (const auto& name : r->value().as_array())
        if (!obj->contains(name.as_string()))
          return schema_error{join_path(path, name.as_string()),
                              "Missing required parameter: '" + join_path(path, name.as_string()) +
                                  "'.",
                              "missing_required_parameter"};
    if (auto m = s->find("maxProperties");
        m != s->end() && obj->size() > m->value().to_number<std::uint64_t>())
      return schema_error{path,
                          "Invalid '" + shown +
                              "': too many properties. Expected an object with at most " +
                              std::to_string(m->value().to_number<std::uint64_t>()) +
                              " properties, but got an object with " + std::to_string(obj->size()) +
                              " properties instead.",
                          "object_above_max_properties"};
    const json::object* props = nullptr;
    if (auto p = s->find("properties"); p != s->end()) props = p->value().if_object();
    const json::value* additional = nullptr;
    if (auto a = s->find("additionalProperties"); a != s->end()) additional = &a->value();
    const json::value* names = nullptr;
    if (auto n = s->find("propertyNames"); n != s->end()) names = &n->value();
    for (const auto& kv : *obj) {
      std::string child = join_path(path, kv.key());
      if (names)
        if (auto err = check(*names, json::value(kv.key()), child, depth + 1)) return err;
      if (props) {
        if (auto p = props->find(kv.key()); p != props->end()) {
          if (auto err = check(p->value(), kv.value(), child, depth + 1)) return err;
          continue;
        }
      }
      if (additional) {
        if (additional->is_bool() && !additional->get_bool())
          return schema_error{child, "Unknown parameter: '" + child + "'.", "unknown_parameter"};
        if (additional->is_object())
          if (auto err = check(*additional, kv.value(), child, depth + 1)) return err;
      }
    }
  }
  return std::nullopt;
}

} // namespace emu
