#include "inbox/watcher.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>

#include "tests/support/test_support.h"

namespace intake {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::ReadFile;
using testing::SourceDir;
using testing::TempDir;
using testing::WriteFile;

// ---- StabilityTracker ------------------------------------------------------

TEST(StabilityTrackerTest, ReportsStableOnlyAfterTheQuietPeriod) {
  StabilityTracker tracker;
  const auto t0 = StabilityTracker::Clock::time_point{} + 1h;
  const auto mtime = fs::file_time_type{} + 5s;
  EXPECT_FALSE(tracker.Observe("a", 10, mtime, t0, 200ms));
  EXPECT_FALSE(tracker.Observe("a", 10, mtime, t0 + 199ms, 200ms));
  EXPECT_TRUE(tracker.Observe("a", 10, mtime, t0 + 200ms, 200ms));
  EXPECT_EQ(tracker.Pending(), 1u);
  tracker.Forget("a");
  EXPECT_EQ(tracker.Pending(), 0u);
  EXPECT_FALSE(tracker.Observe("a", 10, mtime, t0 + 300ms, 200ms));
}

TEST(StabilityTrackerTest, SizeOrMtimeChangeRestartsTheQuietPeriod) {
  StabilityTracker tracker;
  const auto t0 = StabilityTracker::Clock::time_point{} + 1h;
  const auto mtime = fs::file_time_type{} + 5s;
  EXPECT_FALSE(tracker.Observe("a", 10, mtime, t0, 200ms));
  EXPECT_FALSE(tracker.Observe("a", 20, mtime, t0 + 150ms, 200ms));
  EXPECT_FALSE(tracker.Observe("a", 20, mtime, t0 + 300ms, 200ms));
  EXPECT_TRUE(tracker.Observe("a", 20, mtime, t0 + 350ms, 200ms));
  EXPECT_FALSE(tracker.Observe("a", 20, mtime + 1ms, t0 + 400ms, 200ms));
  EXPECT_FALSE(tracker.Observe("a", 20, mtime + 1ms, t0 + 599ms, 200ms));
  EXPECT_TRUE(tracker.Observe("a", 20, mtime + 1ms, t0 + 600ms, 200ms));
}

// ---- Names, locks, listing, Maildir ----------------------------------------

TEST(IsIgnoredNameTest, IgnoresHiddenTemporaryAndDesktopNames) {
  for (const char* name : {".DS_Store", ".hidden", "x.tmp", "X.TMP", "scan.pdf.part", "a.partial", "b.crdownload",
                           "notes.txt~", "~$x.docx", "Thumbs.db", "desktop.ini", "@eaDir"}) {
    EXPECT_TRUE(IsIgnoredName(name)) << name;
  }
  for (const char* name : {"fax000123.tif", "MRM-SCAN_20261126_113242_0001.pdf", "1796050487.M275708P24123Q3.his-mx01",
                           "tmp.pdf", "a~b.tif"}) {
    EXPECT_FALSE(IsIgnoredName(name)) << name;
  }
}

TEST(IsLockedByWriterTest, FileThatCannotBeOpenedCountsAsLocked) {
  TempDir dir;
  EXPECT_TRUE(IsLockedByWriter(dir.path() / "missing.tif"));
  WriteFile(dir.path() / "free.tif", "II*\0");
  EXPECT_FALSE(IsLockedByWriter(dir.path() / "free.tif"));
}

TEST(ListCandidatesTest, ListsRegularNotIgnoredFilesAndOnlyMaildirNew) {
  TempDir dir;
  WriteFile(dir.path() / "fax/b.tif", "b");
  WriteFile(dir.path() / "fax/a.tif", "a");
  WriteFile(dir.path() / "fax/.a.tif", "hidden");
  fs::create_directories(dir.path() / "fax/sub");
  fs::create_symlink(dir.path() / "fax/a.tif", dir.path() / "fax/link.tif");
  WriteFile(dir.path() / "mail/new/1.M1P1.host", "m");
  WriteFile(dir.path() / "mail/cur/0.M1P1.host:2,S", "m");
  WriteFile(dir.path() / "mail/tmp/2.M1P1.host", "m");

  EXPECT_EQ(ListCandidates(InboxConfig{"fax", dir.path() / "fax", Channel::kFax, "records"}),
            (std::vector<fs::path>{dir.path() / "fax/a.tif", dir.path() / "fax/b.tif"}));
  EXPECT_EQ(ListCandidates(InboxConfig{"mail", dir.path() / "mail", Channel::kEmail, std::nullopt}),
            (std::vector<fs::path>{dir.path() / "mail/new/1.M1P1.host"}));
  EXPECT_TRUE(ListCandidates(InboxConfig{"none", dir.path() / "absent", Channel::kScan, std::nullopt}).empty());
}

class MarkMaildirSeenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* sub : {"new", "cur", "tmp"}) fs::create_directories(dir_.path() / sub);
  }
  fs::path Deliver(const std::string& name, const std::string& text) {
    WriteFile(dir_.path() / "new" / name, text);
    return dir_.path() / "new" / name;
  }
  TempDir dir_;
};

TEST_F(MarkMaildirSeenTest, MovesMessageToCurWithSeenFlag) {
  const fs::path message = Deliver("1796050487.M1P2.host", "body");
  Result<fs::path> moved = MarkMaildirSeen(message);
  ASSERT_TRUE(moved) << moved.error().message;
  EXPECT_EQ(*moved, dir_.path() / "cur/1796050487.M1P2.host:2,S");
  EXPECT_FALSE(fs::exists(message));
  std::vector<std::uint8_t> body = ReadFile(*moved);
  EXPECT_EQ(std::string(body.begin(), body.end()), "body");
}

TEST_F(MarkMaildirSeenTest, KeepsExistingFlagsSorted) {
  Result<fs::path> flagged = MarkMaildirSeen(Deliver("1.M1P1.host:2,F", "x"));
  ASSERT_TRUE(flagged) << flagged.error().message;
  EXPECT_EQ(flagged->filename(), "1.M1P1.host:2,FS");
  Result<fs::path> replied = MarkMaildirSeen(Deliver("2.M1P1.host:2,TR", "x"));
  ASSERT_TRUE(replied) << replied.error().message;
  EXPECT_EQ(replied->filename(), "2.M1P1.host:2,RST");
}

TEST_F(MarkMaildirSeenTest, ExistingTargetIsReturnedAndNothingIsOverwrittenOrDeleted) {
  WriteFile(dir_.path() / "cur/3.M1P1.host:2,S", "first");
  const fs::path again = Deliver("3.M1P1.host", "second");
  Result<fs::path> moved = MarkMaildirSeen(again);
  ASSERT_TRUE(moved) << moved.error().message;
  EXPECT_EQ(*moved, dir_.path() / "cur/3.M1P1.host:2,S");
  std::vector<std::uint8_t> kept = ReadFile(*moved);
  EXPECT_EQ(std::string(kept.begin(), kept.end()), "first");
  EXPECT_TRUE(fs::exists(again));
}

TEST_F(MarkMaildirSeenTest, MissingMessageIsAnIoError) {
  Result<fs::path> moved = MarkMaildirSeen(dir_.path() / "new/absent.M1P1.host");
  ASSERT_FALSE(moved);
  EXPECT_EQ(moved.error().code, ErrorCode::kIoError);
}

// ---- The watcher on a real loop --------------------------------------------

struct Report {
  std::string inbox;
  Channel channel;
  std::optional<std::string> fax_line;
  fs::path path;
  std::string source_name;
  std::int64_t size;
  Clock::time_point at;
};

class WatcherTest : public ::testing::Test {
 protected:
  static WatchOptions Fast() {
    WatchOptions options;
    options.settle = 200ms;
    options.scan_quiet = 300ms;
    options.poll_interval = 50ms;
    options.rescan_interval = 1s;
    return options;
  }

  InboxConfig Fax() const { return {"fax-records", dir_.path() / "fax", Channel::kFax, "records"}; }
  InboxConfig Scan() const { return {"scan", dir_.path() / "scan", Channel::kScan, std::nullopt}; }
  InboxConfig Mail() const { return {"mail", dir_.path() / "mail", Channel::kEmail, std::nullopt}; }

  void StartWatcher(std::vector<InboxConfig> inboxes, InboxWatcher::IsKnown is_known = nullptr) {
    watcher_ = std::make_unique<InboxWatcher>(
        io_.get_executor(), std::move(inboxes), Fast(),
        [this](const ReadyFile& file) {
          reports_.push_back(Report{file.inbox->name, file.inbox->channel, file.inbox->fax_line, file.path,
                                    file.source_name, file.size, Clock::now()});
        },
        std::move(is_known));
    Result<void> started = watcher_->Start();
    ASSERT_TRUE(started) << started.error().message;
  }

  void RunFor(Clock::duration duration) {
    io_.restart();
    io_.run_for(duration);
  }

  // Runs the loop until `count` reports arrived or `timeout` passed.
  bool RunUntilReports(std::size_t count, Clock::duration timeout) {
    const auto deadline = Clock::now() + timeout;
    while (reports_.size() < count && Clock::now() < deadline) {
      io_.restart();
      io_.run_one_for(deadline - Clock::now());
    }
    return reports_.size() >= count;
  }

  // Delivers a message the Maildir way: written in tmp/, renamed into new/.
  fs::path DeliverMail(const std::string& name, const std::string& text) {
    WriteFile(dir_.path() / "mail/tmp" / name, text);
    fs::rename(dir_.path() / "mail/tmp" / name, dir_.path() / "mail/new" / name);
    return dir_.path() / "mail/new" / name;
  }

  TempDir dir_;
  boost::asio::io_context io_;
  std::vector<Report> reports_;
  std::unique_ptr<InboxWatcher> watcher_;
};

void AppendBytes(int fd, std::span<const std::uint8_t> bytes) {
  ASSERT_EQ(::write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
}

TEST_F(WatcherTest, StartCreatesMissingInboxFoldersPrivateToTheService) {
  StartWatcher({Fax(), Mail()});
  for (const fs::path& folder :
       {dir_.path() / "fax", dir_.path() / "mail/new", dir_.path() / "mail/cur", dir_.path() / "mail/tmp"}) {
    struct stat st {};
    ASSERT_EQ(::stat(folder.c_str(), &st), 0) << folder;
    EXPECT_TRUE(S_ISDIR(st.st_mode)) << folder;
    EXPECT_EQ(st.st_mode & 0777, 0700u) << folder;
  }
}

TEST_F(WatcherTest, FaxWrittenInChunksIsReportedOnceAfterLastWriteAndSettle) {
  StartWatcher({Fax()});
  RunFor(50ms);
  const std::vector<std::uint8_t> page(4000, 0x55);
  const fs::path fax = dir_.path() / "fax/fax000123.tif";
  const int fd = ::open(fax.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  Clock::time_point last_write;
  for (int chunk = 0; chunk < 4; ++chunk) {
    AppendBytes(fd, page);
    last_write = Clock::now();
    RunFor(120ms);
    EXPECT_TRUE(reports_.empty()) << "reported after chunk " << chunk;
  }
  ::close(fd);

  ASSERT_TRUE(RunUntilReports(1, 2s));
  EXPECT_GE(reports_[0].at - last_write, 200ms);
  EXPECT_EQ(reports_[0].inbox, "fax-records");
  EXPECT_EQ(reports_[0].channel, Channel::kFax);
  EXPECT_EQ(reports_[0].fax_line, "records");
  EXPECT_EQ(reports_[0].path, fax);
  EXPECT_EQ(reports_[0].source_name, "fax000123.tif");
  EXPECT_EQ(reports_[0].size, 16000);
  RunFor(300ms);
  EXPECT_EQ(reports_.size(), 1u);
  EXPECT_EQ(watcher_->PendingCount(), 0u);
}

TEST_F(WatcherTest, FaxHeldWithFlockIsReportedOnlyAfterRelease) {
  WriteFile(dir_.path() / "fax/fax000001.tif", std::string(3000, 'x'));
  const int holder = ::open((dir_.path() / "fax/fax000001.tif").c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(holder, 0);
  ASSERT_EQ(::flock(holder, LOCK_EX), 0);

  StartWatcher({Fax()});
  RunFor(700ms);
  EXPECT_TRUE(reports_.empty());
  EXPECT_EQ(watcher_->PendingCount(), 1u);

  ::close(holder);
  ASSERT_TRUE(RunUntilReports(1, 1s));
  EXPECT_EQ(reports_[0].source_name, "fax000001.tif");
  EXPECT_EQ(watcher_->PendingCount(), 0u);
}

TEST_F(WatcherTest, FaxHeldWithFcntlWriteLockByAnotherProcessIsReportedOnlyAfterRelease) {
  const fs::path fax = dir_.path() / "fax/fax000002.tif";
  WriteFile(fax, std::string(3000, 'x'));
  int locked_pipe[2], release_pipe[2];
  ASSERT_EQ(::pipe(locked_pipe), 0);
  ASSERT_EQ(::pipe(release_pipe), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const int fd = ::open(fax.c_str(), O_RDWR);
    struct flock lock {};
    lock.l_type = F_WRLCK;
    lock.l_whence = SEEK_SET;
    if (fd < 0 || ::fcntl(fd, F_SETLK, &lock) != 0) ::_exit(1);
    char signal = 'L';
    if (::write(locked_pipe[1], &signal, 1) != 1) ::_exit(1);
    if (::read(release_pipe[0], &signal, 1) != 1) ::_exit(1);
    ::_exit(0);  // the lock goes with the process
  }
  char signal = 0;
  ASSERT_EQ(::read(locked_pipe[0], &signal, 1), 1);

  StartWatcher({Fax()});
  RunFor(700ms);
  EXPECT_TRUE(reports_.empty());
  EXPECT_EQ(watcher_->PendingCount(), 1u);

  ASSERT_EQ(::write(release_pipe[1], &signal, 1), 1);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  for (int fd : {locked_pipe[0], locked_pipe[1], release_pipe[0], release_pipe[1]}) ::close(fd);

  ASSERT_TRUE(RunUntilReports(1, 1s));
  EXPECT_EQ(reports_[0].source_name, "fax000002.tif");
}

TEST_F(WatcherTest, FilePresentBeforeStartIsFoundByTheInitialScan) {
  WriteFile(dir_.path() / "fax/fax000003.tif", std::string(500, 'x'));
  const auto started = Clock::now();
  StartWatcher({Fax()});
  ASSERT_TRUE(RunUntilReports(1, 2s));
  // Sooner than the first periodic rescan: the scan at start found it.
  EXPECT_LT(reports_[0].at - started, Fast().rescan_interval);
  EXPECT_EQ(reports_[0].source_name, "fax000003.tif");
}

TEST_F(WatcherTest, FileInotifyCannotSeeIsFoundByThePeriodicRescan) {
  StartWatcher({Mail()});
  RunFor(100ms);
  // The watch follows the old folder's inode; the new folder at the same
  // path is as blind to inotify as a network share.
  fs::rename(dir_.path() / "mail/new", dir_.path() / "mail/new.old");
  fs::create_directory(dir_.path() / "mail/new");
  const auto delivered = Clock::now();
  DeliverMail("1796050487.M1P1.host", "message");
  RunFor(400ms);
  EXPECT_TRUE(reports_.empty()) << "inotify saw a file it was not watching";

  ASSERT_TRUE(RunUntilReports(1, 1s));
  EXPECT_LE(reports_[0].at - delivered, Fast().rescan_interval + 100ms);
  EXPECT_EQ(reports_[0].source_name, "1796050487.M1P1.host");
}

// Needs decode's IsCompletePdf.
TEST_F(WatcherTest, ScanPdfWrittenInPlaceInChunksIsReportedOnceAfterScanQuiet) {
  const std::vector<std::uint8_t> pdf = ReadFile(SourceDir() / "forms/HIS-VERBAL-EN.pdf");
  StartWatcher({Scan()});
  RunFor(50ms);
  const fs::path batch = dir_.path() / "scan/MRM-SCAN_20261126_113242_0001.pdf";
  const int fd = ::open(batch.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  const std::size_t chunk = (pdf.size() + 3) / 4;
  Clock::time_point last_write;
  for (std::size_t offset = 0; offset < pdf.size(); offset += chunk) {
    AppendBytes(fd, std::span(pdf).subspan(offset, std::min(chunk, pdf.size() - offset)));
    last_write = Clock::now();
    RunFor(100ms);
    EXPECT_TRUE(reports_.empty()) << "reported at offset " << offset;
  }
  ::close(fd);

  ASSERT_TRUE(RunUntilReports(1, 2s));
  EXPECT_GE(reports_[0].at - last_write, 300ms);
  EXPECT_EQ(reports_[0].channel, Channel::kScan);
  EXPECT_EQ(reports_[0].size, static_cast<std::int64_t>(pdf.size()));
  RunFor(300ms);
  EXPECT_EQ(reports_.size(), 1u);
}

// Needs decode's IsCompletePdf.
TEST_F(WatcherTest, TruncatedScanPdfIsNotReportedUntilItsEndIsWritten) {
  const std::vector<std::uint8_t> pdf = ReadFile(SourceDir() / "forms/HIS-VERBAL-EN.pdf");
  const std::size_t cut = pdf.size() * 3 / 4;
  StartWatcher({Scan()});
  const fs::path batch = dir_.path() / "scan/MRM-SCAN_20261130_114358_0002.pdf";
  const int fd = ::open(batch.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  AppendBytes(fd, std::span(pdf).first(cut));
  // Quiet for far longer than scan_quiet, and through a rescan.
  RunFor(1300ms);
  EXPECT_TRUE(reports_.empty());
  EXPECT_EQ(watcher_->PendingCount(), 1u);

  AppendBytes(fd, std::span(pdf).subspan(cut));
  ::close(fd);
  ASSERT_TRUE(RunUntilReports(1, 2s));
  EXPECT_EQ(reports_[0].size, static_cast<std::int64_t>(pdf.size()));
}

TEST_F(WatcherTest, MaildirMessageDeliveredIntoNewIsReportedAtOnce) {
  StartWatcher({Mail()});
  RunFor(50ms);
  const auto delivered = Clock::now();
  const fs::path message = DeliverMail("1796053048.M548736P54577Q0.his-mx01", "From: a\r\n\r\nbody");
  ASSERT_TRUE(RunUntilReports(1, 1s));
  EXPECT_LT(reports_[0].at - delivered, 100ms);
  EXPECT_EQ(reports_[0].channel, Channel::kEmail);
  EXPECT_EQ(reports_[0].path, message);
  EXPECT_EQ(reports_[0].source_name, "1796053048.M548736P54577Q0.his-mx01");
}

TEST_F(WatcherTest, MaildirSourceNameIsTheUniquePartBeforeTheFlags) {
  StartWatcher({Mail()});
  DeliverMail("1796062911.M895020P14728Q22.his-mx01:2,F", "body");
  ASSERT_TRUE(RunUntilReports(1, 1s));
  EXPECT_EQ(reports_[0].source_name, "1796062911.M895020P14728Q22.his-mx01");
}

TEST_F(WatcherTest, IgnoredNamesAreNeverReported) {
  StartWatcher({Fax()});
  for (const char* name : {".DS_Store", "x.tmp", ".hidden", "~$x.docx"}) {
    WriteFile(dir_.path() / "fax" / name, std::string(100, 'x'));
  }
  WriteFile(dir_.path() / "fax/fax000004.tif", std::string(100, 'x'));
  ASSERT_TRUE(RunUntilReports(1, 1s));
  RunFor(1100ms);  // through a rescan
  ASSERT_EQ(reports_.size(), 1u);
  EXPECT_EQ(reports_[0].source_name, "fax000004.tif");
  EXPECT_EQ(watcher_->PendingCount(), 0u);
}

TEST_F(WatcherTest, KnownFileIsNotReported) {
  std::vector<std::string> asked;
  StartWatcher({Mail()}, [&](const ReadyFile& file) {
    asked.push_back(file.source_name);
    return file.source_name == "1.M1P1.known";
  });
  DeliverMail("1.M1P1.known", "old");
  DeliverMail("2.M1P1.fresh", "new");
  ASSERT_TRUE(RunUntilReports(1, 1s));
  RunFor(200ms);
  ASSERT_EQ(reports_.size(), 1u);
  EXPECT_EQ(reports_[0].source_name, "2.M1P1.fresh");
  EXPECT_EQ(asked, (std::vector<std::string>{"1.M1P1.known", "2.M1P1.fresh"}));
}

TEST_F(WatcherTest, ReportedFileIsNotReportedAgainByLaterRescans) {
  int known_calls = 0;
  StartWatcher({Mail()}, [&](const ReadyFile&) {
    ++known_calls;
    return false;
  });
  DeliverMail("3.M1P1.host", "body");
  ASSERT_TRUE(RunUntilReports(1, 1s));
  RunFor(1100ms);  // through the next rescan
  EXPECT_EQ(reports_.size(), 1u);
  EXPECT_EQ(known_calls, 1);
}

TEST_F(WatcherTest, FileThatChangesSizeAfterItsReportIsReportedAgain) {
  StartWatcher({Fax()});
  const fs::path fax = dir_.path() / "fax/fax000005.tif";
  WriteFile(fax, std::string(100, 'x'));
  ASSERT_TRUE(RunUntilReports(1, 1s));
  WriteFile(fax, std::string(200, 'x'));
  ASSERT_TRUE(RunUntilReports(2, 1s));
  EXPECT_EQ(reports_[1].size, 200);
}

TEST_F(WatcherTest, NoCallbackRunsAfterStop) {
  StartWatcher({Fax(), Mail()});
  WriteFile(dir_.path() / "fax/fax000006.tif", std::string(100, 'x'));
  RunFor(100ms);
  EXPECT_EQ(watcher_->PendingCount(), 1u);
  // Settled by now, so any look at it after Stop() would report it.
  std::this_thread::sleep_for(300ms);
  watcher_->Stop();
  watcher_->Stop();
  DeliverMail("4.M1P1.host", "body");
  RunFor(1500ms);
  EXPECT_TRUE(reports_.empty());
  // The watcher left no work behind: the loop ran out and stopped.
  EXPECT_TRUE(io_.stopped());
}

TEST_F(WatcherTest, StopCalledFromACallbackEndsReportsAtOnce) {
  WriteFile(dir_.path() / "mail/new/5.M1P1.host", "first");
  WriteFile(dir_.path() / "mail/new/6.M1P1.host", "second");
  int calls = 0;
  watcher_ = std::make_unique<InboxWatcher>(
      io_.get_executor(), std::vector<InboxConfig>{Mail()}, Fast(),
      [&](const ReadyFile&) {
        ++calls;
        watcher_->Stop();
      },
      nullptr);
  ASSERT_TRUE(watcher_->Start());
  RunFor(300ms);
  EXPECT_EQ(calls, 1);
}

TEST_F(WatcherTest, FileWhoseTakingThrewIsOfferedAgainAtTheNextRescan) {
  std::vector<Clock::time_point> offers;
  watcher_ = std::make_unique<InboxWatcher>(
      io_.get_executor(), std::vector<InboxConfig>{Mail()}, Fast(),
      [&](const ReadyFile&) {
        offers.push_back(Clock::now());
        if (offers.size() == 1) throw std::runtime_error("archive full");
      },
      nullptr);
  ASSERT_TRUE(watcher_->Start());
  RunFor(50ms);
  DeliverMail("7.M1P1.host", "body");
  RunFor(1250ms);
  ASSERT_EQ(offers.size(), 2u);
  EXPECT_GE(offers[1] - offers[0], 500ms);  // not retried at every poll
}

}  // namespace
}  // namespace intake
