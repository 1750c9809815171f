#include "redis_test_util.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "shell.h"

namespace redis_test {
namespace {

// A port nothing listens on now: the kernel's pick for port 0.
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    const int error = errno;
    ::close(fd);
    throw std::system_error(error, std::generic_category(), "bind");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

bool accepts_connections(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

int shared_port() {
  const char* text = std::getenv("ENGRAM_TEST_REDIS_PORT");
  if (text == nullptr || *text == '\0') {
    throw std::runtime_error(
        "ENGRAM_TEST_REDIS_PORT is not set: run the tests through tools/test.sh, which starts "
        "a redis-server on loopback");
  }
  return std::stoi(text);
}

std::string unique_prefix(std::string_view tag) {
  static std::atomic<int> counter{0};
  return std::string(tag) + ":" + std::to_string(::getpid()) + ":" + std::to_string(++counter) +
         ":";
}

std::string redis_config(int port, std::string_view prefix, std::string_view extra_options) {
  return std::string("version: 1\nlog: {level: error}\nbackends:\n  fast: {plugin: redis, host: ") +
         "127.0.0.1, port: " + std::to_string(port) + ", key_prefix: \"" + std::string(prefix) +
         "\"" + std::string(extra_options) + "}\nroles:\n  working_memory: fast\n";
}

engram::Storage open_redis(int port, std::string_view prefix, std::string_view extra_options) {
  return engram::Storage::from_yaml(redis_config(port, prefix, extra_options));
}

std::string cli(int port, const std::vector<std::string>& args, std::string_view auth) {
  std::string command = "redis-cli -h 127.0.0.1 -p " + std::to_string(port);
  if (!auth.empty()) command += " --no-auth-warning -a " + engram_test::shell_quote(auth);
  for (const std::string& arg : args) command += " " + engram_test::shell_quote(arg);
  int status = 0;
  std::string output = engram_test::capture(command + " 2>&1", &status);
  if (status != 0) throw std::runtime_error(command + " failed: " + output);
  return output;
}

OwnServer::OwnServer(std::vector<std::string> extra_args)
    : dir_("engram-redis-server"), extra_args_(std::move(extra_args)), port_(free_port()) {
  start();
}

OwnServer::~OwnServer() {
  if (pid_ > 0) {
    ::kill(pid_, SIGCONT);
    kill();
  }
}

void OwnServer::start() {
  std::vector<std::string> args{"/usr/bin/redis-server", "--bind", "127.0.0.1", "--port",
                                std::to_string(port_), "--save", "", "--appendonly", "no",
                                "--dir", dir_.path().string(), "--logfile",
                                (dir_.path() / "redis.log").string()};
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw std::system_error(errno, std::generic_category(), "fork");
  if (pid == 0) {
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  pid_ = pid;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!accepts_connections(port_)) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("redis-server exited at start; see " +
                               (dir_.path() / "redis.log").string());
    }
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("redis-server did not accept connections within 20 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void OwnServer::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

void OwnServer::freeze() {
  if (pid_ > 0) ::kill(pid_, SIGSTOP);
}

void OwnServer::thaw() {
  if (pid_ > 0) ::kill(pid_, SIGCONT);
}

}  // namespace redis_test
