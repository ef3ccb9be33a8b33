// core/progress.h: a progress line on the terminal for long commands.
//
// `intake run --once`, `intake bench` and `intake corpus` report how far they
// are: units done, the rate and the time left, redrawn in place on standard
// error. When standard error is not a terminal (CI, a log file, systemd)
// nothing is printed at all, so logs stay clean. Thread-safe; redraws at
// most a few times a second.
//
//   Progress progress("pages", total_pages);
//   progress.Add(3);        // from any thread
//   progress.Finish();      // ends the line (also done by the destructor)
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>

namespace intake {

class Progress {
 public:
  /// `total` 0: unknown (no time left is shown).
  Progress(std::string unit, long total);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void Add(long done);
  /// Known late (the pages of a file are known once it is decoded).
  void AddToTotal(long more);
  void Finish();

  /// The line as it would be drawn; for tests.
  static std::string Line(const std::string& unit, long done, long total, double seconds);

 private:
  void Draw(bool force);

  const std::string unit_;
  const bool enabled_;
  std::atomic<long> done_{0};
  std::atomic<long> total_;
  const std::chrono::steady_clock::time_point start_;
  std::mutex mutex_;
  std::chrono::steady_clock::time_point last_draw_{};
  bool finished_ = false;
};

}  // namespace intake
