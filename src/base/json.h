// base/json.h
//
// Reading members of JSON documents Berth wrote or a client sent, where a missing member and
// one of the wrong type mean the same: absent.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace berth {

// The string member `key` of `o`, or empty when it is absent or not a string. The view lives
// as long as `o`.
inline std::string_view JsonStringView(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

inline std::string JsonString(const boost::json::object& o, std::string_view key) {
  return std::string(JsonStringView(o, key));
}

// The integer member `key` of `o`, or 0 when it is absent or not an integer.
inline int64_t JsonInt(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  return v != nullptr && v->is_int64() ? v->get_int64() : 0;
}

}  // namespace berth
