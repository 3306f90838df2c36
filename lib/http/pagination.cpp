// Query-string pagination; see pagination.h.
#include "http/pagination.h"

#include "core/decimal.h"

namespace sandbox::http {
namespace {

// A positive decimal integer of at most 9 digits, or nullopt.
std::optional<int64_t> PositiveInt(const std::string& s) {
  auto v = ParseDecimalInt(s, 999'999'999);
  if (!v || *v < 1) return std::nullopt;
  return v;
}

}  // namespace

Result<PageRequest> ParsePageRequest(const httplib::Request& req) {
  PageRequest p;
  if (req.has_param("page")) {
    auto v = PositiveInt(req.get_param_value("page"));
    if (!v) return Status::InvalidArgument("Parameter `page` must be an integer of at least 1", "page");
    p.page = *v;
  }
  if (req.has_param("per_page")) {
    auto v = PositiveInt(req.get_param_value("per_page"));
    if (!v || *v > kMaxPerPage) {
      return Status::InvalidArgument("Parameter `per_page` must be an integer from 1 to " + std::to_string(kMaxPerPage),
                                     "per_page");
    }
    p.per_page = *v;
  }
  return p;
}

}  // namespace sandbox::http
