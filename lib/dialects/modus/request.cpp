// Request reading for the Modus dialect; see request.h.
#include "dialects/modus/request.h"

#include "dialects/modus/agent_record.h"

#include "http/body.h"
#include "http/sandbox_headers.h"

#include <cctype>
#include <algorithm>
#include <cstdio>
#include <cstring>

#include "core/decimal.h"
#include "core/ids.h"
#include "core/json_depth.h"
#include "dialects/modus/errors.h"
#include "http/request_notes.h"

namespace sandbox::modus {
namespace {

bool IsAlnum(const std::string& s) {
  if (s.empty()) return false;
  for (unsigned char ch : s) {
    if (!std::isalnum(ch)) return false;
  }
  return true;
}

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string Base64UrlEncode(const std::string& in) {
  std::string out;
  size_t i = 0;
  while (i + 2 < in.size()) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
    i += 3;
  }
  size_t rest = in.size() - i;
  if (rest == 1) {
    uint32_t v = uint8_t(in[i]) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
  } else if (rest == 2) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
  }
  return out;
}

std::optional<std::string> Base64UrlDecode(const std::string& in) {
  if (in.size() % 4 == 1) return std::nullopt;
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char ch : in) {
    const char* p = ch == '\0' ? nullptr : std::strchr(kAlphabet, ch);
    if (!p) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(p - kAlphabet);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

std::string TokenHash(int64_t offset, const std::string& filters) {
  return HashHex(filters + "|o=" + std::to_string(offset));
}

Status BadToken() {
  return Status::InvalidArgument("Parameter `pageToken` is invalid, or was issued for a different query", "pageToken");
}

}  // namespace

std::optional<Caller> AuthenticateOrRespond(const httplib::Request& req, httplib::Response& res) {
  const std::string header = req.get_header_value("Authorization");
  const std::string scheme = "Bearer ";
  if (header.empty()) {
    RespondError(
        res, Status::Unauthenticated("Missing token: send Authorization: Bearer modus_<orgUuid>_<prefix>_<secret>"));
    return std::nullopt;
  }
  auto invalid = [&res] {
    RespondError(res, Status::Unauthenticated(
                          "Invalid token: expected a Personal Access Token modus_<orgUuid>_<prefix>_<secret>"));
    return std::nullopt;
  };
  if (header.compare(0, scheme.size(), scheme) != 0) return invalid();
  std::string token = header.substr(scheme.size());
  const std::string lead = "modus_";
  if (token.compare(0, lead.size(), lead) != 0) return invalid();
  std::string rest = token.substr(lead.size());
  // <uuid>_<prefix>_<secret>: a UUID has no '_', so the split is unambiguous.
  auto first = rest.find('_');
  if (first == std::string::npos) return invalid();
  auto second = rest.find('_', first + 1);
  if (second == std::string::npos) return invalid();
  std::string org = rest.substr(0, first);
  std::string prefix = rest.substr(first + 1, second - first - 1);
  std::string secret = rest.substr(second + 1);
  if (!IsUuid(org) || !IsAlnum(prefix) || !IsAlnum(secret)) return invalid();
  org = Lower(org);
  // Principals are pure functions of the token's org and prefix: the same
  // caller across restarts, whatever the seed.
  static const IdGenerator kPrincipalIds(0);
  Principal p{"User", kPrincipalIds.Uuid("modus-user", org + "/" + prefix, 0), "Modus user " + prefix, std::nullopt};
  return Caller{org, prefix, std::move(p)};
}

std::string OrgNamespace(const std::string& org_uuid) { return "org-" + org_uuid; }

bool IsOrgNamespace(const std::string& ns) { return ns.rfind(OrgNamespace(""), 0) == 0; }

engine::Engine* OrgEngineOrRespond(engine::Namespaces& spaces, const Caller& caller, const httplib::Request& req,
                                   httplib::Response& res) {
  auto choice = http::NamespaceChoiceOf(req);
  if (!choice.ok()) {
    RespondError(res, choice.status());
    return nullptr;
  }
  const std::string ns = http::TenantNamespace(OrgNamespace(caller.org_uuid), choice->name);
  http::NoteNamespace(ns, caller.org_uuid);
  auto engine = spaces.For(ns, choice->seed);
  if (!engine.ok()) {
    RespondError(res, engine.status());
    return nullptr;
  }
  return engine.value();
}

std::optional<std::string> TenantOf(const httplib::Request& req) {
  httplib::Response ignored;
  auto caller = AuthenticateOrRespond(req, ignored);
  if (!caller) return std::nullopt;
  return OrgNamespace(caller->org_uuid);
}

const script::Agent* AgentOrRespond(const script::FixtureSet& fixtures, const std::string& id_text,
                                    httplib::Response& res) {
  if (auto id = ParseDecimalInt(id_text)) {
    for (const auto& a : fixtures.agents) {
      if (a.modus && a.modus->id == *id) return &a;
    }
  }
  RespondError(res, Status::NotFound("agent not found", "id"));
  return nullptr;
}

std::optional<Json> JsonObjectBodyOrRespond(const httplib::Request& req, httplib::Response& res,
                                            const http::RequestLimits& limits) {
  auto body = http::ParseJsonObjectBody(req.body, limits);
  if (!body.ok()) {
    RespondError(res, body.status());
    return std::nullopt;
  }
  return std::move(body).value();
}

std::optional<Page> PageOrRespond(const httplib::Request& req, const std::string& filters,
                                  const http::RequestLimits& limits, httplib::Response& res) {
  Page page;
  if (req.has_param("pageSize")) {
    std::string v = req.get_param_value("pageSize");
    bool negative = !v.empty() && v[0] == '-';
    std::string digits = negative ? v.substr(1) : v;
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) {
      RespondError(res, Status::InvalidArgument("Parameter `pageSize` must be a number from 1 to 100", "pageSize"));
      return std::nullopt;
    }
    if (negative || digits.find_first_not_of('0') == std::string::npos) {
      RespondError(res, Status::InvalidArgument("Parameter `pageSize` must be at least 1", "pageSize"));
      return std::nullopt;
    }
    // Larger sizes are clamped, as the vendor does (however many digits).
    auto asked = ParseDecimal(digits);
    page.size = asked && *asked < 100 ? static_cast<int64_t>(*asked) : 100;
  }
  if (req.has_param("pageToken") && !req.get_param_value("pageToken").empty()) {
    if (req.get_param_value("pageToken").size() > limits.max_page_token_bytes) {
      RespondError(res, Status::InvalidArgument("Parameter `pageToken` is longer than " +
                                                    std::to_string(limits.max_page_token_bytes) + " bytes",
                                                "pageToken"));
      return std::nullopt;
    }
    auto text = Base64UrlDecode(req.get_param_value("pageToken"));
    if (!text) {
      RespondError(res, BadToken());
      return std::nullopt;
    }
    Json t = JsonDepthWithin(*text, 2) ? Json::parse(*text, nullptr, /*allow_exceptions=*/false) : Json();
    if (t.is_discarded() || !t.is_object() || !t.contains("o") || !t["o"].is_number_integer() || !t.contains("h") ||
        !t["h"].is_string() || t["o"].get<int64_t>() < 0 ||
        t["h"].get<std::string>() != TokenHash(t["o"].get<int64_t>(), filters)) {
      RespondError(res, BadToken());
      return std::nullopt;
    }
    page.offset = t["o"].get<int64_t>();
  }
  return page;
}

std::string PageToken(int64_t offset, const std::string& filters) {
  Json t = {{"o", offset}, {"h", TokenHash(offset, filters)}};
  return Base64UrlEncode(t.dump());
}

std::string Lower(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

std::optional<Status> AgentRefusal(const script::Agent& agent, const Principal& caller, AgentUse use,
                                   const std::string& field) {
  if (agent.modus->status == "deleted" || (agent.record.is_object() && !CanUse(agent.record, caller))) {
    return Status::NotFound("agent not found", field);
  }
  if (use == AgentUse::kRun && agent.modus->status != "active") {
    return Status::Conflict("agent " + std::to_string(agent.modus->id) +
                                " has never been deployed: deploy its draft before running it",
                            field);
  }
  return std::nullopt;
}

std::optional<AgentCall> AgentCallOrRespond(engine::Namespaces& spaces, const httplib::Request& req,
                                            httplib::Response& res, AgentUse use) {
  auto caller = AuthenticateOrRespond(req, res);
  if (!caller) return std::nullopt;
  engine::Engine* engine = OrgEngineOrRespond(spaces, *caller, req, res);
  if (!engine) return std::nullopt;
  auto fixtures = engine->fixtures();
  const script::Agent* agent = AgentOrRespond(*fixtures, req.matches[1], res);
  if (!agent) return std::nullopt;
  if (auto refused = AgentRefusal(*agent, caller->principal, use)) {
    RespondError(res, *refused);
    return std::nullopt;
  }
  return AgentCall{*caller, engine, std::move(fixtures), agent};
}

std::string HashHex(const std::string& text) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a, 64 bits
  for (unsigned char ch : text) {
    h ^= ch;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace sandbox::modus
