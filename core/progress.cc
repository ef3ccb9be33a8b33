#include "core/progress.h"

#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

namespace intake {
namespace {

constexpr auto kRedrawEvery = std::chrono::milliseconds(250);

std::string Duration(double seconds) {
  const long s = static_cast<long>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}h{:02}m", s / 3600, s / 60 % 60);
  if (s >= 60) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

}  // namespace

Progress::Progress(std::string unit, long total)
    : unit_(std::move(unit)), enabled_(isatty(STDERR_FILENO) == 1), total_(total),
      start_(std::chrono::steady_clock::now()) {}

Progress::~Progress() { Finish(); }

void Progress::Add(long done) {
  done_ += done;
  Draw(false);
}

void Progress::AddToTotal(long more) {
  total_ += more;
  Draw(false);
}

void Progress::Finish() {
  Draw(true);
  std::lock_guard lock(mutex_);
  if (enabled_ && !finished_) std::fputs("\n", stderr);
  finished_ = true;
}

std::string Progress::Line(const std::string& unit, long done, long total, double seconds) {
  const double rate = seconds > 0 ? done / seconds : 0;
  std::string line = total > 0 ? fmt::format("{}/{} {}", done, total, unit) : fmt::format("{} {}", done, unit);
  line += fmt::format(", {:.2f} {}/s, {} elapsed", rate, unit, Duration(seconds));
  if (total > 0 && rate > 0 && done < total) line += fmt::format(", about {} left", Duration((total - done) / rate));
  return line;
}

void Progress::Draw(bool force) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  if (finished_ || (!force && now - last_draw_ < kRedrawEvery)) return;
  last_draw_ = now;
  const double seconds = std::chrono::duration<double>(now - start_).count();
  // \r and "erase to end of line": the line is redrawn in place.
  std::fprintf(stderr, "\r%s\x1b[K", Line(unit_, done_, total_, seconds).c_str());
  std::fflush(stderr);
}

}  // namespace intake
