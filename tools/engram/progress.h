// A progress line on stderr for long commands (migrate, demo).
//
// On a terminal it redraws one line in place ("\r"); otherwise (a pipe, a
// log, a test) it prints a plain line at most every two seconds and when
// finished, so logs stay short. Nothing goes to stdout: output that is data
// stays clean.
//
// Thread safety: one thread per Progress.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

namespace engram::tool {

class Progress {
 public:
  // `label` leads the line; `total` is known for a bar, or nullopt for a
  // counter.
  Progress(std::string label, std::optional<std::int64_t> total, std::FILE* out = stderr);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // `done` items so far, with `detail` (e.g. "12.5 MB") after the count.
  void update(std::int64_t done, const std::string& detail = {});
  // The last line, ended. Called by the destructor if not before.
  void finish();

 private:
  void draw(bool final);

  std::string label_;
  std::optional<std::int64_t> total_;
  std::FILE* out_;
  bool terminal_;
  std::int64_t done_ = 0;
  std::string detail_;
  bool finished_ = false;
  std::chrono::steady_clock::time_point last_draw_{};
  std::chrono::steady_clock::time_point start_;
};

// "12.5 MB", "830 B": bytes for people.
std::string human_bytes(double bytes);

}  // namespace engram::tool
