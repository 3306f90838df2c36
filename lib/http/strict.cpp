// Strict mode; see strict.h.
#include "http/strict.h"

#include "http/admin_gate.h"
#include "http/body.h"

namespace sandbox::http {
namespace {

bool Declares(const std::vector<RouteField>& fields, const std::string& name) {
  for (const auto& f : fields) {
    if (f.name == name) return true;
  }
  return false;
}

// "a, b" or "none": what the refusal lists, so the client sees its choices.
std::string Names(const std::vector<RouteField>& fields) {
  if (fields.empty()) return "none";
  std::string out;
  for (const auto& f : fields) out += (out.empty() ? "" : ", ") + f.name;
  return out;
}

// Only these methods' handlers read a body.
bool ReadsBody(const Route& route) {
  return route.method == "POST" || route.method == "PUT" || route.method == "PATCH";
}

}  // namespace

Result<bool> StrictFor(const httplib::Request& req, bool by_default) {
  // The common case, strict mode off and no header: one lookup.
  if (!req.has_header(kStrictHeader)) return by_default;
  const std::string v = req.get_header_value(kStrictHeader);
  if (v == "true") return true;
  if (v == "false") return false;
  return Status::BadRequest(std::string("Header `") + kStrictHeader + "` must be true or false", kStrictHeader);
}

std::optional<Refusal> CheckDeclared(const Route& route, const httplib::Request& req, const RequestLimits& limits) {
  const bool admin = IsAdminPath(req.path);
  for (const auto& [name, value] : req.params) {
    if (Declares(route.query, name) || (admin && name == kAdminTokenParam)) continue;
    return Refusal{400,
                   "Unknown query parameter `" + name + "` (strict mode); this route takes: " + Names(route.query),
                   name};
  }
  if (route.open_body || !ReadsBody(route) || req.body.empty()) return std::nullopt;
  auto body = ParseJsonObjectBody(req.body, limits);
  if (!body.ok()) return std::nullopt;  // the handler says what is wrong with it
  for (auto it = body->begin(); it != body->end(); ++it) {
    if (Declares(route.body, it.key())) continue;
    return Refusal{400, "Unknown body field `" + it.key() + "` (strict mode); this route takes: " + Names(route.body),
                   it.key()};
  }
  return std::nullopt;
}

RouteGate StrictGate(bool by_default, ErrorShapes shapes, RequestLimits limits) {
  return [by_default, shapes = std::move(shapes), limits](const Route& route, const httplib::Request& req,
                                                          httplib::Response& res) {
    Result<bool> strict = StrictFor(req, by_default);
    if (!strict.ok()) {
      shapes.For(req.path)(res, 400, strict.status().message(), strict.status().parameter());
      return false;
    }
    if (!strict.value()) return true;
    std::optional<Refusal> refusal = CheckDeclared(route, req, limits);
    if (!refusal) return true;
    shapes.For(req.path)(res, refusal->status, refusal->message, refusal->parameter);
    return false;
  };
}

}  // namespace sandbox::http
