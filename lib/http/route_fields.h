// Short constructors for the fields a route declares (http/route_table.h), so
// that the route tables read as lists of what each route takes.
#pragma once

#include <string>

#include "http/route_table.h"

namespace sandbox::http {

// `type` is a JSON Schema type; kAnyJson (empty) means any JSON value.
inline constexpr const char* kAnyJson = "";

inline RouteField OptionalField(std::string name, std::string type, std::string description) {
  return RouteField{std::move(name), std::move(type), std::move(description), false};
}

inline RouteField RequiredField(std::string name, std::string type, std::string description) {
  return RouteField{std::move(name), std::move(type), std::move(description), true};
}

}  // namespace sandbox::http
