// A fault rule's JSON form; see fault_rule.h.
#include <algorithm>
#include <cctype>
#include <cmath>

#include "core/fault_rule.h"

namespace sandbox {
namespace {

const char* const kScopeFields[] = {"fault", "namespace", "method", "path", "count", "probability", "seed"};

// The parameters each kind takes, besides the scope.
std::vector<std::string> ParamsOf(FaultKind kind) {
  switch (kind) {
    case FaultKind::kLatency: return {"ms", "min_ms", "max_ms"};
    case FaultKind::kStatus: return {"status"};
    case FaultKind::kRateLimit: return {"retry_after_s"};
    case FaultKind::kStallAfter:
    case FaultKind::kDropAfter: return {"frames"};
    case FaultKind::kDuplicateFrame: return {"frame"};
    case FaultKind::kHeartbeatDelay: return {"ms"};
    default: return {};
  }
}

// An integer member in [lo, hi]; nullopt (after setting `error`) otherwise.
std::optional<int64_t> IntField(const Json& body, const std::string& name, int64_t lo, int64_t hi,
                                Status& error) {
  const auto& v = body[name];
  if (!v.is_number_integer() || v.get<int64_t>() < lo || v.get<int64_t>() > hi) {
    error = Status::InvalidArgument(
        "`" + name + "` must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi), name);
    return std::nullopt;
  }
  return v.get<int64_t>();
}

std::optional<std::string> StringField(const Json& body, const std::string& name, Status& error) {
  if (!body[name].is_string()) {
    error = Status::InvalidArgument("`" + name + "` must be a string", name);
    return std::nullopt;
  }
  return body[name].get<std::string>();
}

}  // namespace

Result<FaultRule> ParseFaultRule(const Json& body) {
  if (!body.contains("fault") || !body["fault"].is_string()) {
    return Status::BadRequest(
        "`fault` is required: latency, status, rate_limit, empty, reset, stall_after, drop_after, duplicate_frame "
        "or heartbeat_delay",
        "fault");
  }
  auto kind = FaultKindFromName(body["fault"].get<std::string>());
  if (!kind) {
    return Status::InvalidArgument("`fault` must be one of latency, status, rate_limit, empty, reset, stall_after, "
                                   "drop_after, duplicate_frame, heartbeat_delay",
                                   "fault");
  }
  FaultRule rule;
  rule.kind = *kind;
  const std::vector<std::string> params = ParamsOf(*kind);
  for (auto it = body.begin(); it != body.end(); ++it) {
    bool scope = std::find(std::begin(kScopeFields), std::end(kScopeFields), it.key()) != std::end(kScopeFields);
    bool param = std::find(params.begin(), params.end(), it.key()) != params.end();
    if (!scope && !param) {
      std::string known;
      for (const auto& p : params) known += ", " + p;
      return Status::BadRequest("Unknown field `" + it.key() + "` for a " + FaultKindName(*kind) +
                                    " fault (it takes namespace, method, path, count, probability, seed" + known + ")",
                                it.key());
    }
  }
  Status error;
  // Scope.
  if (body.contains("namespace")) {
    auto ns = StringField(body, "namespace", error);
    if (!ns) return error;
    rule.ns = *ns;
  }
  if (body.contains("method")) {
    auto m = StringField(body, "method", error);
    if (!m) return error;
    if (m->empty() || !std::all_of(m->begin(), m->end(), [](char c) { return std::isalpha((unsigned char)c); })) {
      return Status::InvalidArgument("`method` must be an HTTP method such as GET", "method");
    }
    rule.method = *m;
  }
  if (body.contains("path")) {
    auto p = StringField(body, "path", error);
    if (!p) return error;
    if (p->empty() || (*p)[0] != '/') {
      return Status::InvalidArgument("`path` must be a path pattern starting with '/' (e.g. /v1/runs/**)", "path");
    }
    rule.path = *p;
  }
  if (body.contains("count") && body.contains("probability")) {
    return Status::InvalidArgument("Give `count` or `probability`, not both", "probability");
  }
  if (body.contains("count")) {
    auto n = IntField(body, "count", 1, 1000000000, error);
    if (!n) return error;
    rule.count = static_cast<uint64_t>(*n);
  }
  if (body.contains("probability")) {
    const auto& p = body["probability"];
    if (!p.is_number() || !std::isfinite(p.get<double>()) || p.get<double>() < 0 || p.get<double>() > 1) {
      return Status::InvalidArgument("`probability` must be a number from 0 to 1", "probability");
    }
    rule.probability = p.get<double>();
  }
  if (body.contains("seed")) {
    if (!body["seed"].is_number_unsigned() && !(body["seed"].is_number_integer() && body["seed"].get<int64_t>() >= 0)) {
      return Status::InvalidArgument("`seed` must be a non-negative integer", "seed");
    }
    rule.seed = body["seed"].get<uint64_t>();
  }
  // The kind's parameters.
  switch (*kind) {
    case FaultKind::kLatency: {
      bool fixed = body.contains("ms");
      bool range = body.contains("min_ms") || body.contains("max_ms");
      if (fixed == range) {
        return Status::BadRequest("A latency fault takes `ms`, or `min_ms` and `max_ms`", "ms");
      }
      if (fixed) {
        auto ms = IntField(body, "ms", 0, kMaxFaultMs, error);
        if (!ms) return error;
        rule.ms = *ms;
      } else {
        if (!body.contains("min_ms") || !body.contains("max_ms")) {
          return Status::BadRequest("A random latency takes both `min_ms` and `max_ms`",
                                    body.contains("min_ms") ? "max_ms" : "min_ms");
        }
        auto lo = IntField(body, "min_ms", 0, kMaxFaultMs, error);
        if (!lo) return error;
        auto hi = IntField(body, "max_ms", 1, kMaxFaultMs, error);
        if (!hi) return error;
        if (*lo > *hi) return Status::InvalidArgument("`min_ms` must not exceed `max_ms`", "min_ms");
        rule.min_ms = *lo;
        rule.max_ms = *hi;
      }
      break;
    }
    case FaultKind::kStatus: {
      if (!body.contains("status")) return Status::BadRequest("A status fault takes `status` (400 to 599)", "status");
      auto st = IntField(body, "status", 400, 599, error);
      if (!st) return error;
      rule.status = static_cast<int>(*st);
      break;
    }
    case FaultKind::kRateLimit:
      if (body.contains("retry_after_s")) {
        auto s = IntField(body, "retry_after_s", 0, 86400, error);
        if (!s) return error;
        rule.retry_after_s = *s;
      }
      break;
    case FaultKind::kStallAfter:
    case FaultKind::kDropAfter: {
      if (!body.contains("frames")) {
        return Status::BadRequest(std::string("A ") + FaultKindName(*kind) + " fault takes `frames` (sent first)",
                                  "frames");
      }
      auto n = IntField(body, "frames", 0, kMaxFaultFrames, error);
      if (!n) return error;
      rule.frames = *n;
      break;
    }
    case FaultKind::kDuplicateFrame: {
      if (!body.contains("frame")) {
        return Status::BadRequest("A duplicate_frame fault takes `frame` (1 for the first)", "frame");
      }
      auto n = IntField(body, "frame", 1, kMaxFaultFrames, error);
      if (!n) return error;
      rule.frames = *n;
      break;
    }
    case FaultKind::kHeartbeatDelay: {
      if (!body.contains("ms")) return Status::BadRequest("A heartbeat_delay fault takes `ms`", "ms");
      auto ms = IntField(body, "ms", 0, kMaxFaultMs, error);
      if (!ms) return error;
      rule.ms = *ms;
      break;
    }
    case FaultKind::kEmpty:
    case FaultKind::kReset:
      break;
  }
  return rule;
}

Json FaultRuleJson(const FaultRule& r) {
  Json j = {{"id", r.id}, {"fault", FaultKindName(r.kind)}};
  switch (r.kind) {
    case FaultKind::kLatency:
      if (r.max_ms > 0) {
        j["min_ms"] = r.min_ms;
        j["max_ms"] = r.max_ms;
      } else {
        j["ms"] = r.ms;
      }
      break;
    case FaultKind::kStatus: j["status"] = r.status; break;
    case FaultKind::kRateLimit: j["retry_after_s"] = r.retry_after_s; break;
    case FaultKind::kStallAfter:
    case FaultKind::kDropAfter: j["frames"] = r.frames; break;
    case FaultKind::kDuplicateFrame: j["frame"] = r.frames; break;
    case FaultKind::kHeartbeatDelay: j["ms"] = r.ms; break;
    default: break;
  }
  j["namespace"] = r.ns ? Json(*r.ns) : Json(nullptr);
  j["method"] = r.method.empty() ? Json(nullptr) : Json(r.method);
  j["path"] = r.path.empty() ? Json(nullptr) : Json(r.path);
  j["count"] = r.count ? Json(*r.count) : Json(nullptr);
  j["probability"] = r.probability ? Json(*r.probability) : Json(nullptr);
  j["seed"] = r.seed;
  j["matched"] = r.matched;
  j["fired"] = r.fired;
  j["remaining"] = r.count ? Json(*r.count - std::min(*r.count, r.fired)) : Json(nullptr);
  return j;
}


}  // namespace sandbox
