// POST /v1/runs/{id}/feedback: rating an artifact of a run.
#include "dialects/middesk/errors.h"
#include "dialects/middesk/handlers.h"
#include "dialects/middesk/request.h"
#include "core/time_format.h"

namespace sandbox::middesk {
namespace {

constexpr size_t kMaxCommentLength = 5000;

std::string Trimmed(const std::string& s) {
  auto first = s.find_first_not_of(" \t\r\n\f\v");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t\r\n\f\v") - first + 1);
}

// Characters, not bytes: UTF-8 continuation bytes do not start a character.
size_t CharacterCount(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

OrderedJson RenderFeedback(const Feedback& f) {
  return OrderedJson{{"object", "run_feedback"},
                     {"id", f.id},
                     {"run_id", f.run_id},
                     {"rating", f.rating},
                     {"artifact_id", f.artifact_id},
                     {"comment", f.comment ? OrderedJson(*f.comment) : OrderedJson()},
                     {"reviewer", {{"type", f.reviewer.kind}, {"id", f.reviewer.id}}},
                     {"superseded_prior", f.superseded_prior},
                     {"created_at", FormatInstant(f.created_at)}};
}

}  // namespace

void SubmitFeedback(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  auto call = CallOrRespond(req, res, d.keys, d.spaces);
  if (!call) return;
  const std::optional<Principal> caller = call->caller;
  engine::Engine* engine = call->engine;
  if (!d.operator_feedback) {
    return RespondJson(res, 403, ErrorBody("operator_feedback feature is not enabled on the account"));
  }
  auto body = JsonObjectBodyOrRespond(req, res, d.limits);
  if (!body) return;
  // This endpoint documents 422 for a missing or invalid payload.
  const Json& b = *body;
  if (!b.contains("rating") || b["rating"].is_null()) {
    return RespondError(res, Status::InvalidArgument("Parameter `rating` is missing", "rating"));
  }
  if (!b["rating"].is_string() || (b["rating"] != "POSITIVE" && b["rating"] != "NEGATIVE")) {
    return RespondError(res, Status::InvalidArgument("Parameter `rating` must be POSITIVE or NEGATIVE", "rating"));
  }
  if (!b.contains("artifact_id") || b["artifact_id"].is_null()) {
    return RespondError(res, Status::InvalidArgument("Parameter `artifact_id` is missing", "artifact_id"));
  }
  if (!b["artifact_id"].is_string() || !IsUuid(b["artifact_id"].get<std::string>())) {
    return RespondError(res, Status::InvalidArgument("Parameter `artifact_id` must be a UUID", "artifact_id"));
  }
  std::optional<std::string> comment;
  if (b.contains("comment") && !b["comment"].is_null()) {
    if (!b["comment"].is_string()) {
      return RespondError(res, Status::InvalidArgument("Parameter `comment` must be a string or null", "comment"));
    }
    std::string c = Trimmed(b["comment"].get<std::string>());
    if (CharacterCount(c) > kMaxCommentLength) {
      return RespondError(res,
                          Status::InvalidArgument("Parameter `comment` must be at most 5000 characters", "comment"));
    }
    if (!c.empty()) comment = c;
  }
  auto f = engine->RecordFeedback({.run_id = req.matches[1],
                                   .artifact_id = b["artifact_id"].get<std::string>(),
                                   .rating = b["rating"].get<std::string>(),
                                   .comment = comment,
                                   .reviewer = *caller});
  if (!f.ok()) return RespondError(res, f.status());
  RespondJson(res, 201, RenderFeedback(f.value()));
}

}  // namespace sandbox::middesk
