// inbox/watcher.h: finds files in the inbox folders once they are complete.
//
// Each inbox is a folder with a channel and, for fax, the line that took the
// call. A watcher follows every inbox with inotify on the Asio event loop,
// and rescans them all periodically, so that files on network shares (where
// inotify is blind) and files that arrived while the service was down are
// found too. A file is reported ready only when complete:
//
//   fax   not locked by the fax server (HylaFAX holds a lock while the call
//         is in progress; both flock and POSIX record locks are honoured),
//         and size and mtime unchanged for `settle`;
//   scan  unchanged for `scan_quiet` (the scanner writes in place for
//         several seconds) and a complete PDF that parses;
//   email a Maildir message is complete once it is in new/ (the delivery
//         agent writes it in tmp/ and renames it). After it is taken the
//         caller moves it to cur/ with the seen flag (`MarkMaildirSeen`); it
//         is never deleted.
//
// Hidden files, editor and OS droppings and temporary names are ignored.
//
//   InboxWatcher watcher(io.get_executor(), inboxes, WatchOptions{},
//                        [&](ReadyFile f) { Take(f); }, is_known);
//   watcher.Start();
//   io.run();
//
// The watcher's callbacks run on its executor; it never blocks it for long.
// Start, Stop and PendingCount are called on that executor's thread, or
// while it is not running.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "core/error.h"
#include "core/request.h"

namespace intake {

struct InboxConfig {
  std::string name;  // e.g. "fax-records"
  std::filesystem::path path;
  Channel channel = Channel::kFax;
  std::optional<std::string> fax_line;  // fax only
};

struct WatchOptions {
  std::chrono::milliseconds rescan_interval{30'000};
  std::chrono::milliseconds settle{2'000};       // fax: unchanged this long, and unlocked
  std::chrono::milliseconds scan_quiet{5'000};   // scan: unchanged this long, and a complete PDF
  std::chrono::milliseconds poll_interval{500};  // how often a pending file is looked at again
};

struct ReadyFile {
  const InboxConfig* inbox = nullptr;  // the watcher's own copy: valid while the watcher lives
  std::filesystem::path path;
  std::string source_name;  // file name; for Maildir the unique part before ":2,"
  std::int64_t size = 0;
  std::filesystem::file_time_type mtime;
};

// ---- Pure pieces, testable without a loop --------------------------------

/// Remembers the last size and mtime seen for each path and says when a file
/// has stayed the same for a given quiet period (the clock is passed in).
class StabilityTracker {
 public:
  using Clock = std::chrono::steady_clock;
  /// Records an observation; returns true when the file has not changed for `quiet`.
  bool Observe(const std::filesystem::path& path, std::int64_t size, std::filesystem::file_time_type mtime,
               Clock::time_point now, std::chrono::milliseconds quiet);
  void Forget(const std::filesystem::path& path);
  std::size_t Pending() const { return seen_.size(); }

 private:
  struct Seen {
    std::int64_t size;
    std::filesystem::file_time_type mtime;
    Clock::time_point since;
  };
  std::map<std::filesystem::path, Seen> seen_;
};

/// True when another process holds a lock on the file (flock or fcntl), as a
/// fax server does while a call is being received.
bool IsLockedByWriter(const std::filesystem::path& path);

/// True for names an inbox must never take: hidden files, temporaries,
/// desktop droppings (".DS_Store", "Thumbs.db", "*.tmp", "*.part", "~$*").
bool IsIgnoredName(const std::string& name);

/// Moves a Maildir message from new/ to cur/ with the seen flag (":2,S").
Result<std::filesystem::path> MarkMaildirSeen(const std::filesystem::path& message_in_new);

/// The files of an inbox that are candidates now (regular, not ignored);
/// for Maildir the messages in new/.
std::vector<std::filesystem::path> ListCandidates(const InboxConfig& inbox);

// ---- The watcher ---------------------------------------------------------

class InboxWatcher {
 public:
  using OnReady = std::function<void(const ReadyFile&)>;
  /// Returns true when the file was taken before and must not be reported
  /// again (may be empty: nothing is known). A throw is logged and the file
  /// offered again at the next rescan, as is a throw from OnReady.
  using IsKnown = std::function<bool(const ReadyFile&)>;

  InboxWatcher(boost::asio::any_io_executor executor, std::vector<InboxConfig> inboxes, WatchOptions options,
               OnReady on_ready, IsKnown is_known);
  ~InboxWatcher();

  /// Creates missing inbox folders (Maildir: new/, cur/, tmp/), starts inotify and the rescans.
  Result<void> Start();
  /// Stops watching; no callback runs after the executor has drained.
  void Stop();

  /// Number of candidate files seen but not yet complete.
  std::size_t PendingCount() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace intake
