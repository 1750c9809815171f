// A hostile Redis for the redis plugin's tests: a thread listening on
// 127.0.0.1 (a port the kernel picks) that answers the handshake the plugin
// sends when it connects (AUTH, SELECT) and, unless told otherwise, PING,
// correctly, then misbehaves on every other command, on every connection
// (the plugin reconnects to retry).
#ifndef ENGRAM_TESTS_FAKE_REDIS_H_
#define ENGRAM_TESTS_FAKE_REDIS_H_

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace redis_test {

class FakeRedis {
 public:
  enum class Mode {
    kDrip,       // correct replies, one byte every 1.5 s
    kStall,      // reads the command, never answers
    kLieBulk,    // "$999999999999\r\n" and a few bytes, then silence
    kLieArray,   // "*2147483647\r\n" and two elements, then silence
    kFlood,      // "$10737418240\r\n" and then bytes as fast as the socket takes them
                 // (at most kFloodCap, so that a client that buffers them all
                 // fails a test rather than the machine)
    kGarbage,    // an HTTP error page, then it hangs up
    kBadLength,  // "$12abc\r\n": a bulk length that is not a number
  };

  static constexpr std::size_t kFloodCap = std::size_t{768} << 20;

  // `misbehave_on_handshake`: AUTH, SELECT and PING misbehave too (a peer
  // that drips from the first byte).
  explicit FakeRedis(Mode mode, bool misbehave_on_handshake = false);
  ~FakeRedis();
  FakeRedis(const FakeRedis&) = delete;
  FakeRedis& operator=(const FakeRedis&) = delete;

  int port() const noexcept { return port_; }
  // Connections accepted so far.
  int connections() const noexcept { return connections_; }

 private:
  void accept_loop();
  void serve(int fd);
  void misbehave(int fd, const std::string& verb);
  // Sends all of `bytes`, waiting while the socket is full; false once the
  // client is gone or the fake stops.
  bool send_all(int fd, const char* bytes, std::size_t size);
  // Sleeps `seconds` unless the fake stops first; false if it stopped.
  bool pause(double seconds);

  const Mode mode_;
  const bool misbehave_on_handshake_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::mutex mutex_;
  std::condition_variable stop_;
  std::vector<std::thread> workers_;
  std::thread acceptor_;
};

}  // namespace redis_test

#endif  // ENGRAM_TESTS_FAKE_REDIS_H_
