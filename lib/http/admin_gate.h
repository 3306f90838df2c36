// The token that guards the sandbox's own API (issue 10): with --admin-token,
// every path under /_sandbox/ (control API, dashboard, the Modus trigger
// extension) needs it, because that API can reset, restore and read every
// account's data. The server refuses to listen beyond loopback without one.
// The token may come as the X-Sandbox-Admin-Token header, as the
// sandbox_admin_token cookie (the dashboard sets it), or once as the
// ?admin_token= query parameter (how a browser opens the dashboard).
#pragma once

#include <httplib.h>

#include <optional>
#include <string>

#include "http/request_guard.h"

namespace sandbox::http {

inline constexpr const char* kAdminTokenHeader = "X-Sandbox-Admin-Token";
inline constexpr const char* kAdminTokenCookie = "sandbox_admin_token";
inline constexpr const char* kAdminTokenParam = "admin_token";

// True for /_sandbox and everything under /_sandbox/.
bool IsAdminPath(const std::string& path);

// nullopt when `token` is empty (no gate), the path is not an admin path, or
// the request carries the token; otherwise a 401 (none sent) or 403 (wrong).
std::optional<Refusal> CheckAdminToken(const httplib::Request& req, const std::string& token);

}  // namespace sandbox::http
