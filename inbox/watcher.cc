#include "inbox/watcher.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <fstream>
#include <iterator>
#include <span>
#include <string_view>
#include <system_error>
#include <utility>

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "decode/decode.h"

namespace intake {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;

constexpr std::string_view kMaildirInfo = ":2,";
constexpr std::uint32_t kWatchMask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_MODIFY | IN_ATTRIB;

// Maildir names are unique until ":2,"; what follows are flags that change as
// the message is read, so the ledger must know the message by the unique part.
std::string_view MaildirUnique(std::string_view name) {
  return name.substr(0, std::min(name.find(kMaildirInfo), name.size()));
}

fs::path WatchedFolder(const InboxConfig& inbox) {
  return inbox.channel == Channel::kEmail ? inbox.path / "new" : inbox.path;
}

std::string LowerAscii(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c); });
  return lower;
}

// Creates each missing component with mode 0700: inboxes hold PHI.
Result<void> CreateFolder(const fs::path& folder) {
  fs::path partial;
  std::error_code ec;
  for (const fs::path& part : folder) {
    partial /= part;
    if (fs::is_directory(partial, ec)) continue;
    if (::mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST) {
      return Fail(ErrorCode::kIoError, "cannot create inbox folder " + partial.string() + ": " + std::strerror(errno));
    }
  }
  if (!fs::is_directory(folder, ec)) {
    return Fail(ErrorCode::kIoError, "inbox path " + folder.string() + " exists but is not a folder");
  }
  return {};
}

// Durably records a rename in the folder's entry list.
void SyncFolder(const fs::path& folder) {
  int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

struct FileState {
  std::int64_t size = 0;
  fs::file_time_type mtime;
};

// Regular files only: a symlink dropped into an inbox could point anywhere.
std::optional<FileState> StatRegular(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(fs::symlink_status(path, ec))) return std::nullopt;
  const std::uintmax_t size = fs::file_size(path, ec);
  if (ec) return std::nullopt;
  const fs::file_time_type mtime = fs::last_write_time(path, ec);
  if (ec) return std::nullopt;
  return FileState{static_cast<std::int64_t>(size), mtime};
}

std::optional<std::vector<std::uint8_t>> ReadBytes(const fs::path& path, std::int64_t size) {
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
  std::ifstream in(path, std::ios::binary);
  if (!in.read(reinterpret_cast<char*>(bytes.data()), size)) return std::nullopt;
  return bytes;
}

}  // namespace

// ---- Pure pieces -----------------------------------------------------------

bool StabilityTracker::Observe(const fs::path& path, std::int64_t size, fs::file_time_type mtime, Clock::time_point now,
                               std::chrono::milliseconds quiet) {
  auto [it, inserted] = seen_.try_emplace(path, Seen{size, mtime, now});
  if (!inserted && (it->second.size != size || it->second.mtime != mtime)) it->second = Seen{size, mtime, now};
  return now - it->second.since >= quiet;
}

void StabilityTracker::Forget(const fs::path& path) { seen_.erase(path); }

bool IsLockedByWriter(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return true;
  bool locked = false;
  if (::flock(fd, LOCK_SH | LOCK_NB) == 0) {
    ::flock(fd, LOCK_UN);
  } else if (errno == EWOULDBLOCK) {
    locked = true;
  }
  if (!locked) {
    // A read lock request conflicts only with a write lock held by someone else.
    struct flock probe {};
    probe.l_type = F_RDLCK;
    probe.l_whence = SEEK_SET;
    probe.l_start = 0;
    probe.l_len = 0;
    locked = ::fcntl(fd, F_GETLK, &probe) == 0 && probe.l_type == F_WRLCK;
  }
  ::close(fd);
  return locked;
}

bool IsIgnoredName(const std::string& name) {
  if (name.empty() || name.front() == '.' || name.starts_with("~$") || name.back() == '~') return true;
  // Windows and macOS droppings arrive with any letter case.
  const std::string lower = LowerAscii(name);
  if (lower == "thumbs.db" || lower == "desktop.ini" || lower == "@eadir") return true;
  for (std::string_view suffix : {".tmp", ".part", ".partial", ".crdownload"}) {
    if (lower.ends_with(suffix)) return true;
  }
  return false;
}

Result<fs::path> MarkMaildirSeen(const fs::path& message_in_new) {
  const std::string name = message_in_new.filename().string();
  const std::string unique(MaildirUnique(name));
  std::string flags = unique.size() < name.size() ? name.substr(unique.size() + kMaildirInfo.size()) : "";
  flags.push_back('S');
  std::sort(flags.begin(), flags.end());
  flags.erase(std::unique(flags.begin(), flags.end()), flags.end());

  const fs::path cur = message_in_new.parent_path().parent_path() / "cur";
  const fs::path target = cur / (unique + std::string(kMaildirInfo) + flags);
  if (target == message_in_new) return target;

  // RENAME_NOREPLACE: a message already in cur/ under that name is the same
  // message moved before a restart; it is never overwritten.
  if (::renameat2(AT_FDCWD, message_in_new.c_str(), AT_FDCWD, target.c_str(), RENAME_NOREPLACE) != 0) {
    if (errno == EEXIST) return target;
    if (errno != EINVAL && errno != ENOSYS) {
      return Fail(ErrorCode::kIoError, "cannot move e-mail message " + unique + " to cur/: " + std::strerror(errno));
    }
    // The filesystem (some network shares) has no RENAME_NOREPLACE.
    std::error_code ec;
    if (fs::exists(target, ec)) return target;
    if (::rename(message_in_new.c_str(), target.c_str()) != 0) {
      return Fail(ErrorCode::kIoError, "cannot move e-mail message " + unique + " to cur/: " + std::strerror(errno));
    }
  }
  SyncFolder(cur);
  SyncFolder(message_in_new.parent_path());
  return target;
}

std::vector<fs::path> ListCandidates(const InboxConfig& inbox) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::directory_iterator it(WatchedFolder(inbox), ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (IsIgnoredName(it->path().filename().string()) || !fs::is_regular_file(it->symlink_status(type_ec))) continue;
    files.push_back(it->path());
  }
  if (ec) spdlog::warn("inbox {}: cannot list folder: {}", inbox.name, ec.message());
  std::sort(files.begin(), files.end());
  return files;
}

// ---- The watcher -------------------------------------------------------------

// Everything runs on the executor's one strand of control; the coroutines
// hold a shared_ptr so that the state outlives the InboxWatcher until they
// have seen the cancellation.
struct InboxWatcher::Impl : std::enable_shared_from_this<Impl> {
  struct Pending {
    std::size_t inbox;
    // Scan: the file state whose PDF did not parse, so it is not re-read
    // until the scanner writes again.
    std::optional<FileState> incomplete_pdf;
  };

  Impl(asio::any_io_executor executor, std::vector<InboxConfig> inboxes, WatchOptions options, OnReady on_ready,
       IsKnown is_known)
      : inboxes(std::move(inboxes)),
        options(options),
        on_ready(std::move(on_ready)),
        is_known(std::move(is_known)),
        rescan_timer(executor),
        poll_timer(executor),
        events(executor) {}

  Result<void> Start();
  void Stop();

  // `detached` drops exceptions: each loop logs what ended it.
  void Spawn(asio::awaitable<void> (Impl::*loop)(), const char* what);

  asio::awaitable<void> ReadEvents();
  asio::awaitable<void> RescanLoop();
  asio::awaitable<void> PollLoop();
  void HandleEvents(std::size_t length);
  void Rescan();
  void MarkCandidate(const fs::path& path, std::size_t inbox);
  void ExaminePending();
  // Returns false when the file is no longer pending.
  bool Examine(const fs::path& path, Pending& pending);
  bool IsReady(const fs::path& path, const FileState& state, Pending& pending);
  void Report(const fs::path& path, std::size_t inbox, const FileState& state);

  const std::vector<InboxConfig> inboxes;
  const WatchOptions options;
  const OnReady on_ready;
  const IsKnown is_known;

  asio::steady_timer rescan_timer;
  asio::steady_timer poll_timer;
  asio::posix::stream_descriptor events;
  alignas(inotify_event) std::array<char, 64 * 1024> event_buffer{};
  std::map<int, std::size_t> inbox_of_watch;

  bool started = false;
  bool stopped = false;
  std::map<fs::path, Pending> pending;
  StabilityTracker tracker;
  // Files reported (or known) and still in place, with the size they had:
  // they are not looked at again until they change size or go away.
  std::map<fs::path, std::int64_t> decided;
};

Result<void> InboxWatcher::Impl::Start() {
  if (started || stopped) return Fail(ErrorCode::kInternal, "inbox watcher started twice or after Stop()");
  for (const InboxConfig& inbox : inboxes) {
    const std::vector<fs::path> folders =
        inbox.channel == Channel::kEmail
            ? std::vector<fs::path>{inbox.path / "new", inbox.path / "cur", inbox.path / "tmp"}
            : std::vector<fs::path>{inbox.path};
    for (const fs::path& folder : folders) {
      if (auto created = CreateFolder(folder); !created) return created;
    }
  }

  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) {
    return Fail(ErrorCode::kIoError, std::string("cannot watch the inbox folders (inotify): ") + std::strerror(errno));
  }
  events.assign(fd);
  for (std::size_t i = 0; i < inboxes.size(); ++i) {
    const int wd = ::inotify_add_watch(fd, WatchedFolder(inboxes[i]).c_str(), kWatchMask);
    if (wd < 0) {
      // Rescans still find its files, only later.
      spdlog::warn("inbox {}: no inotify watch ({}); relying on rescans", inboxes[i].name, std::strerror(errno));
      continue;
    }
    inbox_of_watch[wd] = i;
  }
  started = true;

  Spawn(&Impl::ReadEvents, "inotify reader");
  Spawn(&Impl::RescanLoop, "rescan");
  Spawn(&Impl::PollLoop, "poll");
  return {};
}

void InboxWatcher::Impl::Spawn(asio::awaitable<void> (Impl::*loop)(), const char* what) {
  asio::co_spawn(
      poll_timer.get_executor(),
      [self = shared_from_this(), loop, what]() -> asio::awaitable<void> {
        try {
          co_await ((*self).*loop)();
        } catch (const std::exception& e) {
          spdlog::error("inbox watcher: {} stopped: {}", what, e.what());
        }
      },
      asio::detached);
}

void InboxWatcher::Impl::Stop() {
  if (stopped) return;
  stopped = true;
  rescan_timer.cancel();
  poll_timer.cancel();
  boost::system::error_code ignored;
  events.close(ignored);
}

asio::awaitable<void> InboxWatcher::Impl::ReadEvents() {
  while (!stopped) {
    auto [ec, length] =
        co_await events.async_read_some(asio::buffer(event_buffer), asio::as_tuple(asio::use_awaitable));
    if (stopped) co_return;
    if (ec) {
      spdlog::error("inbox watcher: inotify read failed ({}); relying on rescans", ec.message());
      co_return;
    }
    HandleEvents(length);
  }
}

void InboxWatcher::Impl::HandleEvents(std::size_t length) {
  bool overflow = false;
  for (std::size_t offset = 0; offset + sizeof(inotify_event) <= length && !stopped;) {
    inotify_event event;
    std::memcpy(&event, event_buffer.data() + offset, sizeof event);
    const char* name = event_buffer.data() + offset + sizeof event;
    offset += sizeof event + event.len;
    if (event.mask & IN_Q_OVERFLOW) overflow = true;
    if (event.len == 0 || (event.mask & IN_ISDIR)) continue;
    const auto watch = inbox_of_watch.find(event.wd);
    if (watch == inbox_of_watch.end()) continue;
    const std::string file(name, strnlen(name, event.len));
    if (IsIgnoredName(file)) continue;
    MarkCandidate(WatchedFolder(inboxes[watch->second]) / file, watch->second);
  }
  if (overflow && !stopped) {
    spdlog::warn("inbox watcher: inotify queue overflowed; rescanning");
    Rescan();
  }
}

asio::awaitable<void> InboxWatcher::Impl::RescanLoop() {
  while (!stopped) {
    Rescan();
    rescan_timer.expires_after(options.rescan_interval);
    co_await rescan_timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

asio::awaitable<void> InboxWatcher::Impl::PollLoop() {
  while (!stopped) {
    poll_timer.expires_after(options.poll_interval);
    co_await poll_timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (!stopped) ExaminePending();
  }
}

void InboxWatcher::Impl::Rescan() {
  for (auto it = decided.begin(); it != decided.end();) {
    it = StatRegular(it->first) ? std::next(it) : decided.erase(it);
  }
  for (std::size_t i = 0; i < inboxes.size() && !stopped; ++i) {
    for (const fs::path& path : ListCandidates(inboxes[i])) {
      if (stopped) return;
      MarkCandidate(path, i);
    }
  }
}

void InboxWatcher::Impl::MarkCandidate(const fs::path& path, std::size_t inbox) {
  if (pending.contains(path)) return;
  if (auto done = decided.find(path); done != decided.end()) {
    const std::optional<FileState> state = StatRegular(path);
    if (state && state->size == done->second) return;
    decided.erase(done);
  }
  auto it = pending.emplace(path, Pending{inbox, std::nullopt}).first;
  spdlog::debug("inbox {}: candidate {}", inboxes[inbox].name, path.filename().string());
  // A Maildir message is ready now; other files start their quiet period.
  if (!Examine(path, it->second)) pending.erase(path);
}

void InboxWatcher::Impl::ExaminePending() {
  std::vector<fs::path> paths;
  paths.reserve(pending.size());
  for (const auto& [path, unused] : pending) paths.push_back(path);
  for (const fs::path& path : paths) {
    if (stopped) return;
    auto it = pending.find(path);
    if (it != pending.end() && !Examine(path, it->second)) pending.erase(path);
  }
}

bool InboxWatcher::Impl::Examine(const fs::path& path, Pending& entry) {
  const std::optional<FileState> state = StatRegular(path);
  if (!state) {
    tracker.Forget(path);
    return false;
  }
  try {
    if (!IsReady(path, *state, entry)) return true;
    tracker.Forget(path);
    Report(path, entry.inbox, *state);
  } catch (const std::exception& e) {
    // Taking it failed (or the ledger could not say whether it is known);
    // the next rescan offers it again.
    spdlog::error("inbox {}: {} not taken: {}", inboxes[entry.inbox].name, path.filename().string(), e.what());
    tracker.Forget(path);
  }
  return false;
}

bool InboxWatcher::Impl::IsReady(const fs::path& path, const FileState& state, Pending& entry) {
  const auto now = StabilityTracker::Clock::now();
  switch (inboxes[entry.inbox].channel) {
    case Channel::kEmail:
      return true;
    case Channel::kFax:
      if (IsLockedByWriter(path)) {
        // The quiet period counts from the moment the fax server lets go.
        tracker.Forget(path);
        return false;
      }
      return tracker.Observe(path, state.size, state.mtime, now, options.settle);
    case Channel::kScan: {
      if (!tracker.Observe(path, state.size, state.mtime, now, options.scan_quiet)) return false;
      if (entry.incomplete_pdf && entry.incomplete_pdf->size == state.size &&
          entry.incomplete_pdf->mtime == state.mtime) {
        return false;
      }
      const std::optional<std::vector<std::uint8_t>> bytes = ReadBytes(path, state.size);
      if (bytes && IsCompletePdf(*bytes)) return true;
      spdlog::info("inbox {}: {} is quiet but not yet a complete PDF; waiting", inboxes[entry.inbox].name,
                   path.filename().string());
      entry.incomplete_pdf = state;
      return false;
    }
  }
  return false;
}

void InboxWatcher::Impl::Report(const fs::path& path, std::size_t inbox, const FileState& state) {
  if (stopped) return;
  const std::string name = path.filename().string();
  ReadyFile ready{&inboxes[inbox], path,
                  inboxes[inbox].channel == Channel::kEmail ? std::string(MaildirUnique(name)) : name, state.size,
                  state.mtime};
  if (is_known && is_known(ready)) {
    spdlog::debug("inbox {}: {} taken before; skipped", inboxes[inbox].name, name);
  } else {
    spdlog::info("inbox {}: {} ready ({} bytes)", inboxes[inbox].name, name, state.size);
    on_ready(ready);
  }
  decided[path] = state.size;
}

InboxWatcher::InboxWatcher(asio::any_io_executor executor, std::vector<InboxConfig> inboxes, WatchOptions options,
                           OnReady on_ready, IsKnown is_known)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(inboxes), options, std::move(on_ready),
                                   std::move(is_known))) {}

InboxWatcher::~InboxWatcher() { Stop(); }

Result<void> InboxWatcher::Start() {
  try {
    return impl_->Start();
  } catch (const std::exception& e) {
    return Fail(ErrorCode::kInternal, std::string("cannot start the inbox watcher: ") + e.what());
  }
}

void InboxWatcher::Stop() { impl_->Stop(); }

std::size_t InboxWatcher::PendingCount() const { return impl_->pending.size(); }

}  // namespace intake
