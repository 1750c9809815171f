#include "progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>

namespace engram::tool {

namespace {
constexpr auto kTerminalEvery = std::chrono::milliseconds(100);
constexpr auto kLogEvery = std::chrono::seconds(2);
constexpr int kBarWidth = 30;
}  // namespace

Progress::Progress(std::string label, std::optional<std::int64_t> total, std::FILE* out)
    : label_(std::move(label)),
      total_(total),
      out_(out),
      terminal_(::isatty(::fileno(out)) == 1),
      start_(std::chrono::steady_clock::now()) {
  // The first line waits for the first interval: a step that ends sooner
  // prints only its final line.
  last_draw_ = start_;
}

Progress::~Progress() { finish(); }

void Progress::update(std::int64_t done, const std::string& detail) {
  done_ = done;
  detail_ = detail;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ >= (terminal_ ? kTerminalEvery : kLogEvery)) {
    last_draw_ = now;
    draw(false);
  }
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  draw(true);
}

void Progress::draw(bool final) {
  std::string line = label_;
  if (total_ && *total_ > 0) {
    const double fraction = std::clamp(static_cast<double>(done_) / static_cast<double>(*total_), 0.0, 1.0);
    const int filled = static_cast<int>(fraction * kBarWidth);
    line += fmt::format(" [{}{}] {}/{}", std::string(filled, '#'),
                        std::string(kBarWidth - filled, '.'), done_, *total_);
  } else {
    line += fmt::format(" {}", done_);
  }
  if (!detail_.empty()) line += " " + detail_;
  if (final) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    line += fmt::format(" ({:.1f} s)", seconds);
  }
  if (terminal_) {
    fmt::print(out_, "\r\033[K{}{}", line, final ? "\n" : "");
  } else {
    fmt::print(out_, "{}\n", line);
  }
  std::fflush(out_);
}

std::string human_bytes(double bytes) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  int unit = 0;
  while (bytes >= 1000.0 && unit < 4) {
    bytes /= 1000.0;
    ++unit;
  }
  return unit == 0 ? fmt::format("{:.0f} B", bytes) : fmt::format("{:.1f} {}", bytes, units[unit]);
}

}  // namespace engram::tool
