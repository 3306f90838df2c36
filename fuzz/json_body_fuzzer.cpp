// libFuzzer target: request bodies as every JSON-reading handler parses them
// (http::ParseJsonObjectBody: depth first, then the parser, then every
// string's length), with limits small enough for the fuzzer to reach.
#include <cstddef>
#include <cstdint>
#include <string>

#include "http/body.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sandbox::http::RequestLimits limits;
  limits.max_json_depth = 8;
  limits.max_string_bytes = 32;
  auto body = sandbox::http::ParseJsonObjectBody(std::string(reinterpret_cast<const char*>(data), size), limits);
  // What handlers do next with a body: serialise it (the stored request).
  if (body.ok()) (void)body.value().dump();
  return 0;
}
