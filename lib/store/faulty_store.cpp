// FaultyStore: counting writes and failing the planned ones (faulty_store.h);
// everything else is forwarded unchanged.
#include "store/faulty_store.h"

namespace sandbox::store {

Status StoreFaults::Check(const std::string& write) {
  std::lock_guard<std::mutex> g(mu_);
  ++writes_;
  bool counted = plan_.write.empty() || plan_.write == write;
  if (counted) ++matching_;
  bool fail = failing_ || (counted && plan_.nth > 0 && matching_ == plan_.nth);
  if (!fail) return Status::Ok();
  failing_ = plan_.keeps_failing;
  ++failures_;
  return Status::Internal("storage failure (injected): " + write + ", write " + std::to_string(writes_));
}

void StoreFaults::Arm(StoreFaultPlan plan) {
  std::lock_guard<std::mutex> g(mu_);
  plan_ = std::move(plan);
  matching_ = 0;
  failing_ = false;
}

void StoreFaults::Heal() {
  std::lock_guard<std::mutex> g(mu_);
  failing_ = false;
  plan_.nth = 0;
}

int64_t StoreFaults::writes() const {
  std::lock_guard<std::mutex> g(mu_);
  return writes_;
}

int64_t StoreFaults::failures() const {
  std::lock_guard<std::mutex> g(mu_);
  return failures_;
}

std::unique_ptr<Store> FaultyStore::Namespace(const std::string& ns) const {
  return std::make_unique<FaultyStore>(inner_->Namespace(ns), faults_);
}

Status FaultyStore::EndGroup() {
  Status injected = faults_->Check("EndGroup");
  // The group is ended either way; a failed end leaves nothing of it, as
  // SQLite's failed COMMIT followed by a rollback does.
  if (!injected.ok()) return inner_->AbandonGroup(), injected;
  return inner_->EndGroup();
}

Status FaultyStore::Commit(RunWrite write, Instant clock_now) {
  if (Status st = faults_->Check("Commit"); !st.ok()) return st;
  return inner_->Commit(std::move(write), clock_now);
}

Status FaultyStore::Commit(std::vector<RunWrite> writes, Instant clock_now) {
  if (Status st = faults_->Check("Commit"); !st.ok()) return st;
  return inner_->Commit(std::move(writes), clock_now);
}

Status FaultyStore::InsertFeedback(Feedback& feedback, Instant clock_now) {
  if (Status st = faults_->Check("InsertFeedback"); !st.ok()) return st;
  return inner_->InsertFeedback(feedback, clock_now);
}

Status FaultyStore::CommitAction(const ActionRecord& action, const Json& object_state, const RunWrite* resume,
                                 Instant clock_now) {
  if (Status st = faults_->Check("CommitAction"); !st.ok()) return st;
  return inner_->CommitAction(action, object_state, resume, clock_now);
}

Result<std::optional<RunState>> FaultyStore::GetRun(const std::string& id, bool with_steps) {
  return inner_->GetRun(id, with_steps);
}

Result<ListPage<RunState>> FaultyStore::ListRuns(int64_t limit, int64_t offset) {
  return inner_->ListRuns(limit, offset);
}

Result<std::vector<RunState>> FaultyStore::RunsOfThread(const std::string& thread_id, bool with_steps) {
  return inner_->RunsOfThread(thread_id, with_steps);
}

Result<std::vector<RunState>> FaultyStore::RunsOfAgent(const std::string& agent_type, bool with_steps) {
  return inner_->RunsOfAgent(agent_type, with_steps);
}

Result<std::vector<RunState>> FaultyStore::WorkflowExecutions(const std::string& agent_type, int64_t agent_seq) {
  return inner_->WorkflowExecutions(agent_type, agent_seq);
}

Result<AgentRunPage> FaultyStore::ListAgentRuns(const AgentRunQuery& query) { return inner_->ListAgentRuns(query); }

Result<std::map<std::string, int64_t>> FaultyStore::WorkflowCounts() { return inner_->WorkflowCounts(); }

Result<std::vector<Event>> FaultyStore::Events(const std::string& run_id, int64_t after_seq) {
  return inner_->Events(run_id, after_seq);
}

Result<std::optional<std::string>> FaultyStore::RunScript(const std::string& run_id) {
  return inner_->RunScript(run_id);
}

Result<std::vector<std::string>> FaultyStore::RunIdsWithStatus(RunStatus status) {
  return inner_->RunIdsWithStatus(status);
}

Result<int64_t> FaultyStore::CountRuns() { return inner_->CountRuns(); }

Result<int64_t> FaultyStore::CountRunsInThread(const std::string& thread_id) {
  return inner_->CountRunsInThread(thread_id);
}

Result<int64_t> FaultyStore::CountScheduledRuns(const std::string& agent_type) {
  return inner_->CountScheduledRuns(agent_type);
}

Result<std::optional<IdempotencyRecord>> FaultyStore::IdempotencyKey(const std::string& key) {
  return inner_->IdempotencyKey(key);
}

Result<int64_t> FaultyStore::CountFeedback(const std::string& run_id) { return inner_->CountFeedback(run_id); }

Result<bool> FaultyStore::ArtifactExists(const std::string& artifact_id, const std::string& type_prefix) {
  return inner_->ArtifactExists(artifact_id, type_prefix);
}

Result<Json> FaultyStore::ObjectState(const std::string& object_type, const std::string& object_id) {
  return inner_->ObjectState(object_type, object_id);
}

Result<std::vector<ActionRecord>> FaultyStore::ListActions(const std::string& object_type,
                                                           const std::string& object_id) {
  return inner_->ListActions(object_type, object_id);
}

Result<std::optional<ActionRecord>> FaultyStore::GetAction(const std::string& id) { return inner_->GetAction(id); }

Result<int64_t> FaultyStore::CountActions() { return inner_->CountActions(); }

Status FaultyStore::InsertThread(const Thread& thread, Instant clock_now) {
  if (Status st = faults_->Check("InsertThread"); !st.ok()) return st;
  return inner_->InsertThread(thread, clock_now);
}

Result<std::optional<Thread>> FaultyStore::GetThread(const std::string& id) { return inner_->GetThread(id); }

Result<ListPage<Thread>> FaultyStore::ListThreads(const std::optional<std::string>& business_id, int64_t limit,
                                                  int64_t offset) {
  return inner_->ListThreads(business_id, limit, offset);
}

Result<int64_t> FaultyStore::CountThreads() { return inner_->CountThreads(); }

Result<bool> FaultyStore::ThreadContextExists(const std::string& context_type, const std::string& context_id) {
  return inner_->ThreadContextExists(context_type, context_id);
}

const std::string& FaultyStore::ns() const { return inner_->ns(); }

const std::string& FaultyStore::path() const { return inner_->path(); }

Result<std::optional<uint64_t>> FaultyStore::SavedSeed() { return inner_->SavedSeed(); }

Status FaultyStore::SaveSeed(uint64_t seed) {
  if (Status st = faults_->Check("SaveSeed"); !st.ok()) return st;
  return inner_->SaveSeed(seed);
}

Result<std::optional<Instant>> FaultyStore::SavedClock() { return inner_->SavedClock(); }

Status FaultyStore::SaveClockNow(Instant now) {
  if (Status st = faults_->Check("SaveClockNow"); !st.ok()) return st;
  return inner_->SaveClockNow(now);
}

Result<std::vector<std::string>> FaultyStore::KnownNamespaces() { return inner_->KnownNamespaces(); }

Status FaultyStore::DeleteNamespace() {
  if (Status st = faults_->Check("DeleteNamespace"); !st.ok()) return st;
  return inner_->DeleteNamespace();
}

Status FaultyStore::DeleteEverything() {
  if (Status st = faults_->Check("DeleteEverything"); !st.ok()) return st;
  return inner_->DeleteEverything();
}

void FaultyStore::SetWebhookNotifications(WebhookNotifications notifications) {
  inner_->SetWebhookNotifications(notifications);
}

Status FaultyStore::InsertWebhook(const Webhook& webhook) {
  if (Status st = faults_->Check("InsertWebhook"); !st.ok()) return st;
  return inner_->InsertWebhook(webhook);
}

Status FaultyStore::UpdateWebhook(const Webhook& webhook) {
  if (Status st = faults_->Check("UpdateWebhook"); !st.ok()) return st;
  return inner_->UpdateWebhook(webhook);
}

Status FaultyStore::RecordWebhookAttempts(const std::vector<AttemptRecord>& records) {
  if (Status st = faults_->Check("RecordWebhookAttempts"); !st.ok()) return st;
  return inner_->RecordWebhookAttempts(records);
}

Result<std::optional<Webhook>> FaultyStore::GetWebhook(const std::string& id) { return inner_->GetWebhook(id); }

Result<ListPage<Webhook>> FaultyStore::ListWebhooks(int64_t limit, int64_t offset) {
  return inner_->ListWebhooks(limit, offset);
}

Result<int64_t> FaultyStore::CountWebhooks() { return inner_->CountWebhooks(); }

Result<std::vector<WebhookDelivery>> FaultyStore::DueWebhookDeliveries(Instant now, int64_t limit,
                                                                       const std::optional<std::string>& webhook_id) {
  return inner_->DueWebhookDeliveries(now, limit, webhook_id);
}

Result<std::vector<std::string>> FaultyStore::DueWebhookEndpoints(Instant now) {
  return inner_->DueWebhookEndpoints(now);
}

Result<std::optional<WebhookDelivery>> FaultyStore::GetWebhookDelivery(const std::string& webhook_id,
                                                                       const std::string& run_id, int64_t seq) {
  return inner_->GetWebhookDelivery(webhook_id, run_id, seq);
}

Result<std::vector<WebhookDelivery>> FaultyStore::WebhookDeliveries(const std::optional<std::string>& webhook_id) {
  return inner_->WebhookDeliveries(webhook_id);
}

Result<WebhookDeliveryPage> FaultyStore::ListWebhookDeliveries(const WebhookDeliveryQuery& query) {
  return inner_->ListWebhookDeliveries(query);
}

Status FaultyStore::PutAgentDefinition(const std::string& agent_type, const Json& definition, Instant clock_now) {
  if (Status st = faults_->Check("PutAgentDefinition"); !st.ok()) return st;
  return inner_->PutAgentDefinition(agent_type, definition, clock_now);
}

Result<std::vector<Json>> FaultyStore::ListAgentDefinitions() { return inner_->ListAgentDefinitions(); }

Status FaultyStore::SaveSnapshot(const std::string& name) {
  if (Status st = faults_->Check("SaveSnapshot"); !st.ok()) return st;
  return inner_->SaveSnapshot(name);
}

Status FaultyStore::RestoreSnapshot(const std::string& name) {
  if (Status st = faults_->Check("RestoreSnapshot"); !st.ok()) return st;
  return inner_->RestoreSnapshot(name);
}

Result<std::vector<std::string>> FaultyStore::Snapshots() { return inner_->Snapshots(); }

}  // namespace sandbox::store
