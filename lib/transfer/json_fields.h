// Reading a captured timeline's fields, shared by export and import: a field
// that is missing or of the wrong type reads as empty, and the caller decides
// whether empty is an error.
#pragma once

#include <string>

#include "core/types.h"

namespace sandbox::transfer {

inline std::string StringOrEmpty(const Json& obj, const char* key) {
  if (!obj.is_object() || !obj.contains(key) || !obj[key].is_string()) return "";
  return obj[key].get<std::string>();
}

}  // namespace sandbox::transfer
