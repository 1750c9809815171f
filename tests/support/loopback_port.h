// Loopback ports for tests that start servers of their own (redis-server,
// sentinels, PostgreSQL): one nothing listens on, and whether something
// does.
#ifndef ENGRAM_TESTS_SUPPORT_LOOPBACK_PORT_H_
#define ENGRAM_TESTS_SUPPORT_LOOPBACK_PORT_H_

namespace engram_test {

// A port on 127.0.0.1 nothing listens on now: the kernel's pick for port
// 0. Throws std::system_error when no socket can be made.
int free_port();

// Whether a TCP connect to 127.0.0.1:`port` succeeds now.
bool accepts_connections(int port);

}  // namespace engram_test

#endif  // ENGRAM_TESTS_SUPPORT_LOOPBACK_PORT_H_
