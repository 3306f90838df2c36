// AppendJsonText (json_text.h): nlohmann's compact text, with fast paths.
#include "core/json_text.h"

#include <charconv>

namespace sandbox {
namespace {

// True when dump() would copy `s` between its quotes unchanged: no byte
// below 0x20, no quote or backslash, nothing outside ASCII.
bool PlainAscii(const std::string& s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') return false;
  }
  return true;
}

template <class Int>
void AppendInt(std::string& out, Int v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  (void)ec;  // 24 bytes hold any 64-bit integer
  out.append(buf, end);
}

}  // namespace

void AppendJsonString(std::string& out, const std::string& s) {
  if (!PlainAscii(s)) {
    out += Json(s).dump();
    return;
  }
  out.push_back('"');
  out += s;
  out.push_back('"');
}

void AppendJsonText(std::string& out, const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      out += "null";
      return;
    case Json::value_t::boolean:
      out += value.get<bool>() ? "true" : "false";
      return;
    case Json::value_t::number_integer:
      AppendInt(out, value.get<int64_t>());
      return;
    case Json::value_t::number_unsigned:
      AppendInt(out, value.get<uint64_t>());
      return;
    case Json::value_t::string:
      AppendJsonString(out, value.get_ref<const std::string&>());
      return;
    case Json::value_t::array: {
      out.push_back('[');
      bool first = true;
      for (const Json& item : value) {
        if (!first) out.push_back(',');
        first = false;
        AppendJsonText(out, item);
      }
      out.push_back(']');
      return;
    }
    case Json::value_t::object: {
      out.push_back('{');
      bool first = true;
      for (auto it = value.begin(); it != value.end(); ++it) {
        if (!first) out.push_back(',');
        first = false;
        AppendJsonString(out, it.key());
        out.push_back(':');
        AppendJsonText(out, it.value());
      }
      out.push_back('}');
      return;
    }
    default:  // floats (nlohmann's shortest round-trip form), binary, discarded
      out += value.dump();
      return;
  }
}

std::string JsonText(const Json& value) {
  std::string out;
  AppendJsonText(out, value);
  return out;
}

}  // namespace sandbox
