// JSON text written the way nlohmann's dump() writes it, byte for byte, but
// faster where the writer spends its time: a finished run's log is its
// events' payloads as text (store/run_archive.h), and nlohmann's serializer
// decodes every byte of every string as UTF-8 and writes each character
// through a virtual call. That was a tenth of the writer's time under the
// write load. Here a string of printable ASCII is copied as it is; any other
// string (escapes, UTF-8), and every float, goes through nlohmann's own
// serializer, so the text is the same and invalid UTF-8 is still refused the
// same way (nlohmann's type_error 316).
#pragma once

#include <string>

#include "core/types.h"

namespace sandbox {

// Appends `value` as dump() would write it (compact, UTF-8 kept as is).
void AppendJsonText(std::string& out, const Json& value);

// The JSON string `s`, quoted and escaped as dump() would write it.
void AppendJsonString(std::string& out, const std::string& s);

// `value` as dump() would write it.
std::string JsonText(const Json& value);

}  // namespace sandbox
