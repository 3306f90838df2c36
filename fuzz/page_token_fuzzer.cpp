// libFuzzer target: page cursors from clients. Modus AIP-158 page tokens
// (base64url JSON with a hash of the query) and Middesk page numbers, read
// from the query string exactly as the handlers read them.
#include <cstddef>
#include <cstdint>
#include <string>

#include "dialects/modus/request.h"
#include "http/pagination.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  httplib::Request req;
  req.params.emplace("pageToken", text);
  req.params.emplace("pageSize", text.substr(0, 8));
  httplib::Response res;
  auto page = sandbox::modus::PageOrRespond(req, "agent=202|status=", sandbox::http::RequestLimits{}, res);
  if (page) (void)sandbox::modus::PageToken(page->offset, "agent=202|status=");
  httplib::Request middesk;
  middesk.params.emplace("page", text);
  middesk.params.emplace("per_page", text);
  (void)sandbox::http::ParsePageRequest(middesk);
  return 0;
}
