// tests/support/process.h: runs the built `intake` binary the way a user does.
//
//   CommandResult r = RunCommand({IntakeBinary(), "status", "--json"}, 60s);
//   EXPECT_EQ(r.exit_code, 0);
//   Child service = StartCommand({IntakeBinary(), "run", "--config", cfg}, dir / "log");
//   kill(service.pid, SIGKILL);
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
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

}  // namespace intake::testing
