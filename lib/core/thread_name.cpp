// NameThisThread; see thread_name.h.
#include "core/thread_name.h"

#include <pthread.h>

namespace sandbox {

void NameThisThread(const char* name) {
  // Fails only for a name over 15 characters; a thread left unnamed is
  // still the same thread, so there is nothing to report.
  (void)pthread_setname_np(pthread_self(), name);
}

}  // namespace sandbox
