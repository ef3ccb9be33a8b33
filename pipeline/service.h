// pipeline/service.h: the running service: inboxes -> ledger -> workers.
//
// The event loop (one thread) watches the inboxes and takes each complete
// file: its bytes are copied into the archive, then recorded in the ledger,
// then (Maildir) the message is moved to cur/. Processing runs on a pool of
// worker threads, one OCR engine each, reading the archived copy, never the
// inbox. On start every file the ledger shows in flight is resumed.
//
//   Service service(config);
//   int exit_code = service.Run(RunMode::kOnce);
//
// kOnce takes everything present in the inboxes, finishes it and returns;
// kForever runs until SIGTERM or SIGINT, then finishes the documents in hand
// and returns 0. Files queued but not started stay `received` in the ledger
// and are resumed at the next start.
#pragma once

#include <memory>

#include "config/config.h"

namespace intake {

enum class RunMode { kForever, kOnce };

class Service {
 public:
  explicit Service(Config config);
  ~Service();
  int Run(RunMode mode);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace intake
