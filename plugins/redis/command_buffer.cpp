// plugins/redis/command_buffer.cpp — see command_buffer.h.
#include "command_buffer.h"

#include <charconv>

#include "engram/errors.h"

namespace engram::redis {
namespace {

// A command built wrong is this plugin's bug, never the caller's: refused
// before a byte of it is sent.
[[noreturn]] void incomplete(std::string_view verb) {
  throw BackendError("redis plugin: the " + std::string(verb) +
                     " command was built with the wrong number of arguments");
}

}  // namespace

void CommandBuffer::header(char type, std::size_t n) {
  char text[24];
  text[0] = type;
  char* const end = std::to_chars(text + 1, text + sizeof text - 2, n).ptr;
  end[0] = '\r';
  end[1] = '\n';
  bytes_.append(text, end + 2);
}

CommandBuffer& CommandBuffer::command(std::string_view verb, std::size_t argc) {
  if (missing_ != 0 || argc == 0) incomplete(verbs_.empty() ? verb : verbs_.back());
  verbs_.push_back(verb);
  header('*', argc);
  missing_ = argc;
  return arg(verb);
}

CommandBuffer& CommandBuffer::arg(std::string_view bytes) {
  if (missing_ == 0) incomplete(verbs_.empty() ? std::string_view("first") : verbs_.back());
  --missing_;
  header('$', bytes.size());
  bytes_.append(bytes);
  bytes_.append("\r\n", 2);
  return *this;
}

std::string_view CommandBuffer::bytes() const {
  if (missing_ != 0) incomplete(verbs_.back());
  return bytes_;
}

}  // namespace engram::redis
