// JsonObject: an ordered JSON object built from key, value, key, value...
// in the order given. nlohmann's initializer-list constructor copies every
// value through a json_ref and first checks whether the list has an
// object's shape; for the payloads the engine's writer builds at every step
// that was twice the cost of adding the members one by one (issue 12).
// Keys must be distinct: a repeated one keeps its first value.
#pragma once

#include <utility>

#include "core/types.h"

namespace sandbox {

inline void AddJsonMembers(Json&) {}

template <class Value, class... Rest>
void AddJsonMembers(Json& object, const char* key, Value&& value, Rest&&... rest) {
  object.emplace(key, std::forward<Value>(value));
  AddJsonMembers(object, std::forward<Rest>(rest)...);
}

template <class... Members>
Json JsonObject(Members&&... members) {
  static_assert(sizeof...(Members) % 2 == 0, "JsonObject takes key, value pairs");
  Json object = Json::object();
  AddJsonMembers(object, std::forward<Members>(members)...);
  return object;
}

}  // namespace sandbox
