#include "thread_name.h"

#include <pthread.h>

#include <string>

namespace provisioning::host {

void name_this_thread(const char* name) {
  constexpr std::size_t kMaxLength = 15;  // the kernel's limit, without the terminating NUL
  std::string cut(name);
  if (cut.size() > kMaxLength) cut.resize(kMaxLength);
  ::pthread_setname_np(::pthread_self(), cut.c_str());
}

}  // namespace provisioning::host
