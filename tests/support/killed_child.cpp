#include "killed_child.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <thread>

namespace engram_test {

KilledChild run_until_killed(const std::function<void(int report_fd)>& work,
                             std::chrono::milliseconds delay) {
  int fds[2];
  if (::pipe(fds) != 0) throw std::system_error(errno, std::generic_category(), "pipe");
  const pid_t child = ::fork();
  if (child < 0) throw std::system_error(errno, std::generic_category(), "fork");
  if (child == 0) {
    ::close(fds[0]);
    try {
      work(fds[1]);
    } catch (...) {
      ::_exit(3);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  std::this_thread::sleep_for(delay);
  ::kill(child, SIGKILL);
  int status = 0;
  if (::waitpid(child, &status, 0) != child) {
    const int error = errno;
    ::close(fds[0]);
    throw std::system_error(error, std::generic_category(), "waitpid");
  }
  KilledChild result;
  result.killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  char buffer[4096];
  ssize_t n = 0;
  while ((n = ::read(fds[0], buffer, sizeof buffer)) > 0) {
    result.reported.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  return result;
}

}  // namespace engram_test
