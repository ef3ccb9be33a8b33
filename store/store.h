// store/store.h: the ledger of every file taken, and the requests made from it.
//
// A file's life is a one-way walk through states, each step a transaction:
//
//   received ──▶ processing ──▶ processed      (requests stored in the same transaction)
//        │             └──────▶ quarantined    (with a reason a clerk can act on)
//        └───▶ duplicate                       (same sha256 as an earlier file; not processed)
//
// `received` and `processing` are "in flight": on start the service resumes
// every such file from its archived bytes. Because a file's requests are
// written in the same transaction that marks it processed, a crash at any
// moment leaves it either untouched-and-resumable or finished, never half
// done and never processed twice.
//
// SQLite by default (WAL, synchronous=FULL), one file in the data folder,
// created readable by its owner only (its -wal and -shm files too). All
// methods are thread-safe (one connection behind a mutex), and several
// processes may open the same file: writes take SQLite's write lock up front
// and wait up to 5 s for another process's transaction. Every state change
// also writes a row in the audit trail (table file_events).
//
//   auto store = Store::Open(data_dir / "intake.sqlite");
//   Result<ArrivalOutcome> a = (*store)->RecordArrival(arrival);
//   (*store)->MarkProcessing(a->file_id);
//   (*store)->CompleteProcessed(a->file_id, requests);
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/request.h"

namespace intake {

enum class FileState { kReceived, kProcessing, kProcessed, kQuarantined, kDuplicate };

std::string_view ToString(FileState state);
std::optional<FileState> FileStateFromString(std::string_view text);
inline bool IsTerminal(FileState s) { return s != FileState::kReceived && s != FileState::kProcessing; }

/// What the inbox knows about a file it has just taken (already archived).
struct Arrival {
  std::string sha256;
  std::string inbox;        // configured inbox name, e.g. "fax-records"
  Channel channel = Channel::kFax;
  std::optional<std::string> fax_line;
  std::string source_name;  // file name in the inbox (Maildir: the unique part before ":2,")
  std::int64_t size = 0;
  std::string received_at;  // ISO 8601 with offset
  std::optional<std::string> sender;   // fax station id, e-mail From
  std::optional<std::string> subject;  // e-mail Subject
};

struct FileRecord {
  std::int64_t id = 0;
  Arrival arrival;
  FileState state = FileState::kReceived;
  std::string reason;                   // quarantine reason; empty otherwise
  std::optional<std::int64_t> duplicate_of;
  int attempts = 0;                     // processing attempts started
  std::string taken_at;
  std::string updated_at;
};

struct ArrivalOutcome {
  std::int64_t file_id = 0;
  bool duplicate = false;       // same bytes as an earlier file
  bool already_known = false;   // this inbox entry was recorded before (e.g. crash before the Maildir move)
};

struct StatusReport {
  std::vector<std::pair<FileState, std::int64_t>> counts;  // every state, zero included
  std::vector<FileRecord> quarantine;
};

/// The status command's shape: {"files": {"<state>": n, ...},
/// "quarantine": [{"file": source_name, "sha256": ..., "reason": ...}]}.
nlohmann::ordered_json ToJson(const StatusReport& report);

class Store {
 public:
  /// Opens (creating it and its folder if needed) and migrates the ledger.
  /// Sets the process umask to 077 while it runs, so call it at start-up
  /// before other threads create files.
  static Result<std::unique_ptr<Store>> Open(const std::filesystem::path& path);
  ~Store();

  /// Records a taken file. Same (inbox, source_name, sha256) as a recorded
  /// file: returns that file with already_known. Same sha256 as another file:
  /// a new record in state duplicate. Otherwise a new record in state received.
  Result<ArrivalOutcome> RecordArrival(const Arrival& arrival);

  /// True when this inbox entry (inbox, source_name) with this size was taken before.
  Result<bool> IsKnownSource(const std::string& inbox, const std::string& source_name, std::int64_t size);

  /// Files in state received or processing, oldest first.
  Result<std::vector<FileRecord>> InFlight();

  Result<std::optional<FileRecord>> Get(std::int64_t file_id);

  /// received/processing -> processing, counting an attempt.
  Result<void> MarkProcessing(std::int64_t file_id);

  /// processing -> processed, storing the requests in the same transaction.
  /// A request without a document_id is stored as "<file_id>-<n>" (n its
  /// 1-based position in `requests`), so a retry gives it the same id. At
  /// least one request is required (kInternal otherwise): a file that yields
  /// nothing is quarantined, never processed.
  Result<void> CompleteProcessed(std::int64_t file_id, const std::vector<Request>& requests);

  /// received/processing -> quarantined with a reason (no patient data).
  Result<void> Quarantine(std::int64_t file_id, const std::string& reason);

  /// processing -> received: a transient failure; tried again later. The
  /// reason goes to the audit trail only.
  Result<void> ReleaseForRetry(std::int64_t file_id, const std::string& reason);

  /// The file's requests as stored, in the order given to CompleteProcessed.
  Result<std::vector<Request>> RequestsOf(std::int64_t file_id);
  Result<StatusReport> Status();

 private:
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// Content-addressed, read-only copies of every original file:
/// <root>/<sha[0:2]>/<sha>, mode 0400 in folders 0700, written to a
/// temporary file in <root>/tmp, fsynced, then renamed (and the folder
/// fsynced), so a crash never leaves a partial copy under the final name.
/// One service owns an archive: construction deletes what a crash left in
/// <root>/tmp.
class Archive {
 public:
  /// Creates the folders if needed; never fails (Put reports a folder that
  /// cannot be written).
  explicit Archive(std::filesystem::path root);

  /// Stores the bytes (no-op if already present) and returns their sha256 (hex).
  Result<std::string> Put(std::span<const std::uint8_t> bytes);
  /// The archived bytes, checked against their hash (kIoError when missing
  /// or damaged).
  Result<std::vector<std::uint8_t>> Get(const std::string& sha256) const;
  std::filesystem::path PathOf(const std::string& sha256) const;

 private:
  std::filesystem::path root_;
};

/// sha256 of the bytes as 64 lower-case hex digits.
std::string Sha256Hex(std::span<const std::uint8_t> bytes);

}  // namespace intake
