// tests/support/killed_child.h — crash tests: a child process works until
// it is killed with SIGKILL at a chosen moment, reporting on a pipe what it
// had finished.
//
// Thread safety: call from the test's main thread (it forks).
#ifndef ENGRAM_TESTS_SUPPORT_KILLED_CHILD_H_
#define ENGRAM_TESTS_SUPPORT_KILLED_CHILD_H_

#include <chrono>
#include <functional>
#include <string>

namespace engram_test {

struct KilledChild {
  // Everything the child wrote to its report descriptor before it died.
  std::string reported;
  // True iff it died of the SIGKILL; false if it ended on its own first
  // (then `exit_code` is its exit status, or -1 for another signal).
  bool killed = false;
  int exit_code = -1;
};

// Forks; the child runs `work(report_fd)` — which should loop until killed;
// should it return or throw, the child exits 0 or 3 — while the parent
// sleeps `delay`, then SIGKILLs it, reaps it and reads the pipe. Throws
// std::system_error when pipe, fork or waitpid fail.
KilledChild run_until_killed(const std::function<void(int report_fd)>& work,
                             std::chrono::milliseconds delay);

}  // namespace engram_test

#endif  // ENGRAM_TESTS_SUPPORT_KILLED_CHILD_H_
