#pragma once

namespace provisioning::host {

// Names the calling thread as `top -H`, `ps -L`, gdb and perf show it. Linux keeps 15
// characters, so a longer name is cut. A failure is ignored, because a name only helps
// debugging.
void name_this_thread(const char* name);

}  // namespace provisioning::host
