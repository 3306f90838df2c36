// StepList (step_list.h): steps shared between copies until one changes.
#include "core/step_list.h"

#include <atomic>

#include "core/types.h"

namespace sandbox {

StepList::StepList(std::initializer_list<Step> steps) {
  slots_.reserve(steps.size());
  for (const Step& s : steps) slots_.push_back(std::make_shared<Step>(s));
}

void StepList::push_back(Step step) { slots_.push_back(std::make_shared<Step>(std::move(step))); }

Step& StepList::Mutable(size_t i) {
  // A count of one means no other list holds the step, and none can start
  // to: copying a list needs this one, which its owner is changing. A count
  // that falls while it is read only costs a needless copy. The fence orders
  // this change after the last reads of the holder that let go (another
  // thread's, a webhook sender's): use_count is a relaxed load.
  if (slots_[i].use_count() > 1) {
    slots_[i] = std::make_shared<Step>(*slots_[i]);
  } else {
    std::atomic_thread_fence(std::memory_order_acquire);
  }
  return *slots_[i];
}

std::vector<Step> StepList::ToVector() const { return std::vector<Step>(begin(), end()); }

bool StepList::operator==(const StepList& other) const {
  if (slots_.size() != other.slots_.size()) return false;
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i] != other.slots_[i] && !(*slots_[i] == *other.slots_[i])) return false;
  }
  return true;
}

}  // namespace sandbox
