// plugins/redis/command_buffer.h — commands written once, as the RESP the
// server reads, into one buffer a round trip sends as it is (commands.h's
// transaction).
//
// Each argument is copied into the buffer once: an encoded array value
// goes from its encoded string straight to the bytes sent. (hiredis's
// redisAppendCommandArgv would format each command into a string of its own
// and then copy that into the context's output buffer: two copies of every
// value, and an argv per command.) A call that is retried on a new
// connection sends the same bytes again, encoding nothing twice.
//
// Usage: command(verb, argc) then exactly `argc - 1` arg() calls, per
// command; bytes() REQUIRES every command started to be complete.
//
// Thread safety: one thread at a time per buffer; a finished buffer may be
// read from several.
#ifndef ENGRAM_PLUGINS_REDIS_COMMAND_BUFFER_H_
#define ENGRAM_PLUGINS_REDIS_COMMAND_BUFFER_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace engram::redis {

class CommandBuffer {
 public:
  // Starts a command of `argc` arguments in all, `verb` the first.
  // REQUIRES: `verb` outlives the buffer (a literal: it names the command
  // in errors), argc >= 1, the previous command is complete.
  CommandBuffer& command(std::string_view verb, std::size_t argc);
  // The next argument, its bytes as they are (numbers come spelled by
  // record_encoding.h).
  CommandBuffer& arg(std::string_view bytes);

  // Room for `bytes` more bytes, so that appending them does not move the
  // buffer.
  void reserve(std::size_t bytes) { bytes_.reserve(bytes_.size() + bytes); }

  // The commands written, in RESP. REQUIRES: the last command is complete.
  std::string_view bytes() const;
  // How many commands; the verb of the i-th.
  std::size_t size() const noexcept { return verbs_.size(); }
  bool empty() const noexcept { return verbs_.empty(); }
  std::string_view verb(std::size_t i) const noexcept { return verbs_[i]; }

 private:
  // "<type><n>\r\n": a command's argument count, an argument's length.
  void header(char type, std::size_t n);

  std::string bytes_;
  std::vector<std::string_view> verbs_;
  // Arguments the current command still expects.
  std::size_t missing_ = 0;
};

}  // namespace engram::redis

#endif  // ENGRAM_PLUGINS_REDIS_COMMAND_BUFFER_H_
