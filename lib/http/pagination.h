// Page-number pagination (?page=&per_page=) as the Middesk list endpoints use
// it: 1-based pages, per_page from 1 to kMaxPerPage (default kDefaultPerPage).
// Anything else is an InvalidArgument naming the parameter.
#pragma once

#include <httplib.h>

#include <cstdint>

#include "core/status.h"

namespace sandbox::http {

inline constexpr int64_t kDefaultPerPage = 100;
inline constexpr int64_t kMaxPerPage = 100;

struct PageRequest {
  int64_t page = 1;
  int64_t per_page = kDefaultPerPage;
  int64_t offset() const { return (page - 1) * per_page; }
};

Result<PageRequest> ParsePageRequest(const httplib::Request& req);

}  // namespace sandbox::http
