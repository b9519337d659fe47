// The delta merge of the official Node SDK (AssistantStream.accumulateDelta, openai 6.49.0) on
// boost::json values, with its empty-array fault corrected and its index limits added.
#pragma once

#include <coassist/config.hpp>
#include <coassist/stream/detail/error.hpp>

#include <boost/json.hpp>

#include <cstdint>
#include <limits>
#include <string_view>
#include <system_error>

namespace coassist::stream::detail {

// Indexes the Node SDK 7.x refuses: a delta cannot make an array arbitrarily long.
inline constexpr std::uint64_t max_array_index = 65535;
inline constexpr std::uint64_t max_index_gap = 1024; // past the current end

COASSIST_DECL bool is_string_or_number(const json::value& v) noexcept {
  return v.is_string() || v.is_number();
}

// Numbers add as in JavaScript, but integers stay integers while they fit.
COASSIST_DECL json::value add_numbers(const json::value& a, const json::value& b) {
  if (!a.is_double() && !b.is_double()) {
    if (a.is_int64() && b.is_int64()) {
      std::int64_t x = a.get_int64(), y = b.get_int64(), r;
      if (!__builtin_add_overflow(x, y, &r)) return r;
      if (x >= 0 && y >= 0) return static_cast<std::uint64_t>(x) + static_cast<std::uint64_t>(y);
    } else {
      // at least one uint64, which Boost.JSON uses only above INT64_MAX
      const json::value& u = a.is_uint64() ? a : b;
      const json::value& o = a.is_uint64() ? b : a;
      std::uint64_t x = u.get_uint64();
      if (o.is_int64() && o.get_int64() < 0)
        return x - (~static_cast<std::uint64_t>(o.get_int64()) + 1); // x >= 2^63 >= -o
      std::uint64_t y = o.is_uint64() ? o.get_uint64() : static_cast<std::uint64_t>(o.get_int64());
      std::uint64_t r;
      if (!__builtin_add_overflow(x, y, &r)) return r;
    }
  }
  return a.to_number<double>() + b.to_number<double>();
}

// A valid array index: a non-negative integral number (1.0 counts, as in JavaScript).
COASSIST_DECL bool array_index_of(const json::value& v, std::uint64_t& out) noexcept {
  if (v.is_uint64()) {
    out = v.get_uint64();
    return true;
  }
  if (v.is_int64() && v.get_int64() >= 0) {
    out = static_cast<std::uint64_t>(v.get_int64());
    return true;
  }
  if (v.is_double()) {
    double d = v.get_double();
    if (d >= 0 && d < 1e18 && static_cast<double>(static_cast<std::uint64_t>(d)) == d) {
      out = static_cast<std::uint64_t>(d);
      return true;
    }
  }
  return false;
}

COASSIST_DECL std::error_code merge_object(json::object& acc, json::object&& delta);

// Places `entry` (an object with an `index`) into `arr` at that index, merging with what is there.
COASSIST_DECL std::error_code merge_indexed(json::array& arr, json::value&& entry) {
  if (!entry.is_object()) return accumulate_error::array_entry_not_object;
  const json::value* index_value = entry.get_object().if_contains("index");
  if (!index_value || index_value->is_null()) return accumulate_error::array_entry_without_index;
  std::uint64_t index = 0;
  if (!array_index_of(*index_value, index)) return accumulate_error::bad_index;
  if (index > max_array_index || (index > arr.size() && index - arr.size() > max_index_gap))
    return accumulate_error::index_out_of_range;
  if (index >= arr.size()) arr.resize(static_cast<std::size_t>(index) + 1); // holes are null
  json::value& slot = arr[static_cast<std::size_t>(index)];
  if (slot.is_null()) {
    slot = std::move(entry);
    return {};
  }
  if (!slot.is_object()) return accumulate_error::type_mismatch;
  return merge_object(slot.get_object(), std::move(entry.get_object()));
}

COASSIST_DECL std::error_code merge_array(json::array& acc, json::array&& delta) {
  bool all_primitive = true;
  for (const auto& v : acc)
    if (!is_string_or_number(v)) {
      all_primitive = false;
      break;
    }
  if (all_primitive && acc.empty()) {
    // The Node SDK treats an empty array as an array of primitives and appends, which puts the
    // first element of an array of objects at position 0 whatever its `index`. Here an empty
    // array takes objects by index.
    for (const auto& v : delta)
      if (v.is_object()) {
        all_primitive = false;
        break;
      }
  }
  if (all_primitive) {
    for (auto& v : delta)
      acc.push_back(std::move(v));
    return {};
  }
  for (auto& v : delta)
    if (auto ec = merge_indexed(acc, std::move(v))) return ec;
  return {};
}

// Merges `delta` into `acc` key by key: a missing or null key takes the delta's value; `index`
// and `type` are overwritten; strings concatenate; numbers add; objects merge; arrays of
// primitives append; arrays of objects merge on each element's `index`. Anything else is an
// error (as in the Node SDK, which throws).
COASSIST_DECL std::error_code merge_object(json::object& acc, json::object&& delta) {
  for (auto& kv : delta) {
    auto it = acc.find(kv.key());
    if (it == acc.end()) {
      acc.emplace(kv.key(), std::move(kv.value()));
      continue;
    }
    json::value& a = it->value();
    json::value& d = kv.value();
    if (a.is_null() || kv.key() == "index" || kv.key() == "type") {
      a = std::move(d);
    } else if (a.is_string() && d.is_string()) {
      a.get_string().append(d.get_string());
    } else if (a.is_number() && d.is_number()) {
      a = add_numbers(a, d);
    } else if (a.is_object() && d.is_object()) {
      if (auto ec = merge_object(a.get_object(), std::move(d.get_object()))) return ec;
    } else if (a.is_array() && d.is_array()) {
      if (auto ec = merge_array(a.get_array(), std::move(d.get_array()))) return ec;
    } else {
      return accumulate_error::type_mismatch;
    }
  }
  return {};
}

} // namespace coassist::stream::detail
