// tests/support/process.h: runs the built `intake` binary the way a user does.
//
//   CommandResult r = RunCommand({IntakeBinary(), "status", "--json"}, 60s);
//   EXPECT_EQ(r.exit_code, 0);
//   Child service = StartCommand({IntakeBinary(), "run", "--config", cfg}, dir / "log");
//   kill(service.pid, SIGKILL);
//   ASSERT_NO_FATAL_FAILURE(MakeCorpus(dir / "corpus", 3, 5, "fax=1"));
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace intake::testing {

struct CommandResult {
  int exit_code = -1;    // -1 when killed by a signal or timed out
  bool timed_out = false;
  std::string out;
  std::string err;
};

/// Runs to completion (or kills it after `timeout`), capturing both outputs.
CommandResult RunCommand(const std::vector<std::string>& argv, std::chrono::seconds timeout);

struct Child {
  pid_t pid = -1;
};

/// Starts in the background with stdout and stderr appended to `log`.
Child StartCommand(const std::vector<std::string>& argv, const std::filesystem::path& log);

/// Waits for the child; returns its exit code, or -signal when a signal ended it.
int WaitChild(Child child);

/// `intake corpus --out OUT --count COUNT --seed SEED --mix MIX`; a test
/// failure when it does not succeed (call it inside ASSERT_NO_FATAL_FAILURE).
void MakeCorpus(const std::filesystem::path& out, int count, int seed, const std::string& mix);

/// Holds forked children until the parent opens it: a child's Wait returns
/// once every copy of the write end is closed (the parent's Open, or its exit).
class Gate {
 public:
  Gate() {
    if (::pipe(fds_) != 0) throw std::runtime_error("pipe failed");
  }
  ~Gate() {
    ::close(fds_[0]);
    Open();
  }
  Gate(const Gate&) = delete;
  Gate& operator=(const Gate&) = delete;
  void Wait() {  // in a child
    Open();
    char byte;
    while (::read(fds_[0], &byte, 1) > 0) {
    }
  }
  void Open() {
    if (fds_[1] >= 0) ::close(std::exchange(fds_[1], -1));
  }

 private:
  int fds_[2];
};

}  // namespace intake::testing
