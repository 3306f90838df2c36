// FaultyStore: a Store that forwards to a real one and fails the writes a
// plan names: the Nth write of any kind, or the Nth of one kind ("Commit",
// "InsertThread", "RecordWebhookAttempts"...; the method's name), once or from
// then on. A failed write writes nothing, as a transaction SQLite rolled back
// (an I/O error, a full disk). Tests use it to drive the sticky-error path:
// the engine stops writing, health says why, and nothing acknowledged is lost.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "store/store.h"

namespace sandbox::store {

struct StoreFaultPlan {
  std::string write;  // the kind of write to count; "" counts every write
  int64_t nth = 0;    // from 1; 0 fails nothing
  // After the first failure, every later write fails too (a disk that stays
  // full) until StoreFaults::Heal().
  bool keeps_failing = false;
};

// The counters a plan needs, shared by every namespace of one database.
class StoreFaults {
 public:
  explicit StoreFaults(StoreFaultPlan plan) : plan_(std::move(plan)) {}
  // Counts a write of kind `write`; its failure when the plan says so.
  Status Check(const std::string& write);
  // A new plan from now on: its Nth write counts from the next one.
  void Arm(StoreFaultPlan plan);
  // Writes succeed again.
  void Heal();
  int64_t writes() const;    // attempted so far, failed ones included
  int64_t failures() const;  // injected so far

 private:
  mutable std::mutex mu_;
  StoreFaultPlan plan_;
  int64_t writes_ = 0;
  int64_t matching_ = 0;
  int64_t failures_ = 0;
  bool failing_ = false;
};

class FaultyStore final : public Store {
 public:
  FaultyStore(std::unique_ptr<Store> inner, std::shared_ptr<StoreFaults> faults)
      : inner_(std::move(inner)), faults_(std::move(faults)) {}
  std::unique_ptr<Store> Namespace(const std::string& ns) const override;

  Status BeginGroup() override { return inner_->BeginGroup(); }
  // Counts as a write of kind "EndGroup": a group whose commit fails.
  Status EndGroup() override;
  void AbandonGroup() override { inner_->AbandonGroup(); }
  Status Commit(RunWrite write, Instant clock_now) override;
  Status Commit(std::vector<RunWrite> writes, Instant clock_now) override;
  Status InsertFeedback(Feedback& feedback, Instant clock_now) override;
  Status CommitAction(const ActionRecord& action, const Json& object_state, const RunWrite* resume,
                      Instant clock_now) override;
  Result<std::optional<RunState>> GetRun(const std::string& id, bool with_steps) override;
  Result<ListPage<RunState>> ListRuns(int64_t limit, int64_t offset) override;
  Result<std::vector<RunState>> RunsOfThread(const std::string& thread_id, bool with_steps) override;
  Result<std::vector<RunState>> RunsOfAgent(const std::string& agent_type, bool with_steps) override;
  Result<std::vector<RunState>> WorkflowExecutions(const std::string& agent_type, int64_t agent_seq) override;
  Result<AgentRunPage> ListAgentRuns(const AgentRunQuery& query) override;
  Result<std::map<std::string, int64_t>> WorkflowCounts() override;
  Result<std::vector<Event>> Events(const std::string& run_id, int64_t after_seq) override;
  Result<std::optional<std::string>> RunScript(const std::string& run_id) override;
  Result<std::optional<int64_t>> RunLastSeq(const std::string& run_id) override { return inner_->RunLastSeq(run_id); }
  Result<std::vector<std::string>> RunIdsWithStatus(RunStatus status) override;
  Result<int64_t> CountRuns() override;
  Result<int64_t> CountRunsInThread(const std::string& thread_id) override;
  Result<int64_t> CountScheduledRuns(const std::string& agent_type) override;
  Result<std::optional<IdempotencyRecord>> IdempotencyKey(const std::string& key) override;
  Result<int64_t> CountFeedback(const std::string& run_id) override;
  Result<bool> ArtifactExists(const std::string& artifact_id, const std::string& type_prefix) override;
  Result<Json> ObjectState(const std::string& object_type, const std::string& object_id) override;
  Result<std::vector<ActionRecord>> ListActions(const std::string& object_type, const std::string& object_id) override;
  Result<std::optional<ActionRecord>> GetAction(const std::string& id) override;
  Result<int64_t> CountActions() override;
  Status InsertThread(const Thread& thread, Instant clock_now) override;
  Result<std::optional<Thread>> GetThread(const std::string& id) override;
  Result<ListPage<Thread>> ListThreads(const std::optional<std::string>& business_id, int64_t limit,
                                       int64_t offset) override;
  Result<int64_t> CountThreads() override;
  Result<bool> ThreadContextExists(const std::string& context_type, const std::string& context_id) override;
  const std::string& ns() const override;
  const std::string& path() const override;
  Result<std::optional<uint64_t>> SavedSeed() override;
  Status SaveSeed(uint64_t seed) override;
  Result<std::optional<Instant>> SavedClock() override;
  Status SaveClockNow(Instant now) override;
  Result<std::vector<std::string>> KnownNamespaces() override;
  Status DeleteNamespace() override;
  Status DeleteEverything() override;
  void SetWebhookNotifications(WebhookNotifications notifications) override;
  Status InsertWebhook(const Webhook& webhook) override;
  Status UpdateWebhook(const Webhook& webhook) override;
  Status RecordWebhookAttempts(const std::vector<AttemptRecord>& records) override;
  Result<std::optional<Webhook>> GetWebhook(const std::string& id) override;
  Result<ListPage<Webhook>> ListWebhooks(int64_t limit, int64_t offset) override;
  Result<int64_t> CountWebhooks() override;
  Result<std::vector<WebhookDelivery>> DueWebhookDeliveries(Instant now, int64_t limit,
                                                            const std::optional<std::string>& webhook_id) override;
  Result<std::vector<std::string>> DueWebhookEndpoints(Instant now) override;
  uint64_t WebhookEdits() const override { return inner_->WebhookEdits(); }
  Result<std::optional<WebhookDelivery>> GetWebhookDelivery(const std::string& webhook_id, const std::string& run_id,
                                                            int64_t seq) override;
  Result<std::vector<WebhookDelivery>> WebhookDeliveries(const std::optional<std::string>& webhook_id) override;
  Result<WebhookDeliveryPage> ListWebhookDeliveries(const WebhookDeliveryQuery& query) override;
  Status PutAgentDefinition(const std::string& agent_type, const Json& definition, Instant clock_now) override;
  Result<std::vector<Json>> ListAgentDefinitions() override;
  Status SaveSnapshot(const std::string& name) override;
  Status RestoreSnapshot(const std::string& name) override;
  Result<std::vector<std::string>> Snapshots() override;

 private:
  std::unique_ptr<Store> inner_;
  std::shared_ptr<StoreFaults> faults_;
};

}  // namespace sandbox::store
