// tests/support/shell.h — running other programs from tests (CLIs, Python)
// through /bin/sh.
//
// Thread safety: the functions may be called from several threads.
#ifndef ENGRAM_TESTS_SUPPORT_SHELL_H_
#define ENGRAM_TESTS_SUPPORT_SHELL_H_

#include <string>
#include <string_view>

namespace engram_test {

// `text` single-quoted for /bin/sh.
std::string shell_quote(std::string_view text);
// Runs `command`; returns its exit status (-1 if it did not exit normally).
int run(const std::string& command);
// Runs `command`, returns its standard output with trailing newlines
// removed; `status` receives its exit status (-1 as above).
std::string capture(const std::string& command, int* status = nullptr);

}  // namespace engram_test

#endif  // ENGRAM_TESTS_SUPPORT_SHELL_H_
