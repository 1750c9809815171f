#include "fake_redis.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <system_error>

namespace redis_test {
namespace {

// Every blocking call on a fake's socket returns this often, to see
// whether the fake is stopping.
constexpr timeval kTick{0, 100000};

[[noreturn]] void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

// One command off the front of `buffer` (RESP arrays of bulk strings, as
// hiredis sends them), removing its bytes; nullopt while incomplete.
std::optional<std::vector<std::string>> take_command(std::string& buffer) {
  std::size_t at = 0;
  auto line = [&]() -> std::optional<long long> {
    const std::size_t end = buffer.find("\r\n", at);
    if (end == std::string::npos) return std::nullopt;
    const long long value = std::stoll(buffer.substr(at + 1, end - at - 1));
    at = end + 2;
    return value;
  };
  if (buffer.empty()) return std::nullopt;
  if (buffer[0] != '*') throw std::runtime_error("fake redis: not a RESP command");
  const auto count = line();
  if (!count) return std::nullopt;
  std::vector<std::string> args;
  for (long long i = 0; i < *count; ++i) {
    const auto size = line();
    if (!size) return std::nullopt;
    const auto length = static_cast<std::size_t>(*size);
    if (buffer.size() < at + length + 2) return std::nullopt;
    args.push_back(buffer.substr(at, length));
    at += length + 2;
  }
  buffer.erase(0, at);
  return args;
}

std::string upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return text;
}

// The reply a real server gives to what the plugin sends, close enough.
std::string honest_reply(const std::string& verb) {
  if (verb == "PING") return "+PONG\r\n";
  if (verb == "HGETALL") return "*0\r\n";
  if (verb == "PTTL") return ":-2\r\n";
  return "+OK\r\n";
}

}  // namespace

FakeRedis::FakeRedis(Mode mode, bool misbehave_on_handshake)
    : mode_(mode), misbehave_on_handshake_(misbehave_on_handshake) {
  listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (listener_ < 0) throw_errno("socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listener_, 16) != 0 ||
      ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    const int error = errno;
    ::close(listener_);
    throw std::system_error(error, std::generic_category(), "bind/listen");
  }
  port_ = ntohs(address.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

FakeRedis::~FakeRedis() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_.notify_all();
  acceptor_.join();
  for (std::thread& worker : workers_) worker.join();
  ::close(listener_);
}

bool FakeRedis::pause(double seconds) {
  std::unique_lock lock(mutex_);
  return !stop_.wait_for(lock, std::chrono::duration<double>(seconds),
                         [this] { return stopping_.load(); });
}

void FakeRedis::accept_loop() {
  while (!stopping_) {
    pollfd ready{listener_, POLLIN, 0};
    if (::poll(&ready, 1, 100) <= 0) continue;
    const int fd = ::accept(listener_, nullptr, nullptr);
    if (fd < 0) continue;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &kTick, sizeof kTick);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &kTick, sizeof kTick);
    ++connections_;
    std::lock_guard lock(mutex_);
    workers_.emplace_back([this, fd] {
      serve(fd);
      ::close(fd);
    });
  }
}

bool FakeRedis::send_all(int fd, const char* bytes, std::size_t size) {
  while (size > 0) {
    if (stopping_) return false;
    const ssize_t n = ::send(fd, bytes, size, MSG_NOSIGNAL);
    if (n > 0) {
      bytes += n;
      size -= static_cast<std::size_t>(n);
    } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      return false;
    }
  }
  return true;
}

void FakeRedis::serve(int fd) {
  std::string buffer;
  char chunk[4096];
  while (!stopping_) {
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n == 0) return;  // the client hung up
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
      return;
    }
    buffer.append(chunk, static_cast<std::size_t>(n));
    while (auto command = take_command(buffer)) {
      const std::string verb = upper(command->front());
      const bool handshake = verb == "AUTH" || verb == "SELECT" || verb == "PING";
      if (handshake && !misbehave_on_handshake_) {
        const std::string reply = honest_reply(verb);
        if (!send_all(fd, reply.data(), reply.size())) return;
        continue;
      }
      misbehave(fd, verb);
      if (mode_ == Mode::kGarbage) return;
      if (mode_ != Mode::kDrip) {
        // Silence from here on: read and drop whatever comes.
        while (!stopping_ && ::recv(fd, chunk, sizeof chunk, 0) != 0) {
        }
        return;
      }
    }
  }
}

void FakeRedis::misbehave(int fd, const std::string& verb) {
  switch (mode_) {
    case Mode::kDrip: {
      for (const char byte : honest_reply(verb)) {
        if (!pause(1.5) || !send_all(fd, &byte, 1)) return;
      }
      return;
    }
    case Mode::kStall:
      return;
    case Mode::kLieBulk: {
      const std::string lie = "$999999999999\r\nabc";
      send_all(fd, lie.data(), lie.size());
      return;
    }
    case Mode::kLieArray: {
      const std::string lie = "*2147483647\r\n:1\r\n:2\r\n";
      send_all(fd, lie.data(), lie.size());
      return;
    }
    case Mode::kFlood: {
      const std::string header = "$10737418240\r\n";
      if (!send_all(fd, header.data(), header.size())) return;
      const std::string block(std::size_t{1} << 20, 'x');
      for (std::size_t sent = 0; sent < kFloodCap; sent += block.size()) {
        if (!send_all(fd, block.data(), block.size())) return;
      }
      return;
    }
    case Mode::kGarbage: {
      const std::string page = "HTTP/1.1 400 Bad Request\r\nContent-Length: 11\r\n\r\nBad Request";
      send_all(fd, page.data(), page.size());
      return;
    }
    case Mode::kBadLength: {
      const std::string lie = "$12abc\r\nhello world!\r\n";
      send_all(fd, lie.data(), lie.size());
      return;
    }
  }
}

}  // namespace redis_test
