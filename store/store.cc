#include "store/store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstring>
#include <ctime>
#include <initializer_list>
#include <system_error>
#include <thread>

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

#include "store/ledger_internal.h"

namespace intake {
namespace ledger {

std::string NowUtc() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900, utc.tm_mon + 1,
                     utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, millis);
}

std::string Explain(const SQLite::Exception& e) {
  switch (e.getErrorCode()) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return "the ledger database is busy (another intake process holds it): try again shortly";
    case SQLITE_FULL:
      return "the disk holding the ledger database is full: free space on the data disk";
    case SQLITE_IOERR:
      return "the ledger database could not be read or written (I/O error): check the data disk";
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return "the ledger database is damaged: restore it from the last backup";
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_CANTOPEN:
    case SQLITE_AUTH:
      return "the ledger database cannot be opened for writing: check the data folder's owner and permissions";
    case SQLITE_CONSTRAINT:
      return "the ledger refused a record that contradicts it (duplicate document id or missing file)";
    default:
      return fmt::format("ledger database error ({})", sqlite3_errstr(e.getErrorCode()));
  }
}

void Bind(SQLite::Statement& statement, int index, const std::optional<std::string>& value) {
  if (value) {
    statement.bind(index, *value);
  } else {
    statement.bind(index);
  }
}

std::optional<std::string> OptionalText(const SQLite::Column& column) {
  if (column.isNull()) return std::nullopt;
  return column.getString();
}

}  // namespace ledger
namespace {

using ledger::Bind;
using ledger::kBusyTimeoutMs;
using ledger::NowUtc;
using ledger::OptionalText;
using ledger::StoreFail;

// The ledger's schema, one entry per version. Open applies every version
// above the one recorded in schema_version, in one transaction; a shipped
// entry is never edited, a change is a new entry.
struct Migration {
  int version;
  const char* sql;
};

constexpr Migration kMigrations[] = {
    {1, R"sql(
      CREATE TABLE files (
        id           INTEGER PRIMARY KEY,
        sha256       TEXT    NOT NULL,
        inbox        TEXT    NOT NULL,
        channel      TEXT    NOT NULL CHECK (channel IN ('fax', 'email', 'scan')),
        fax_line     TEXT,
        source_name  TEXT    NOT NULL,
        size         INTEGER NOT NULL CHECK (size >= 0),
        received_at  TEXT    NOT NULL,
        sender       TEXT,
        subject      TEXT,
        state        TEXT    NOT NULL
                     CHECK (state IN ('received', 'processing', 'processed', 'quarantined', 'duplicate')),
        reason       TEXT    NOT NULL DEFAULT '',
        duplicate_of INTEGER REFERENCES files (id),
        attempts     INTEGER NOT NULL DEFAULT 0,
        taken_at     TEXT    NOT NULL,
        updated_at   TEXT    NOT NULL
      );
      CREATE UNIQUE INDEX files_by_source ON files (inbox, source_name, sha256);
      CREATE INDEX files_by_sha256 ON files (sha256);
      CREATE INDEX files_by_state ON files (state);

      CREATE TABLE requests (
        id          INTEGER PRIMARY KEY,
        file_id     INTEGER NOT NULL REFERENCES files (id),
        document_id TEXT    NOT NULL UNIQUE,
        json        TEXT    NOT NULL,
        created_at  TEXT    NOT NULL
      );
      CREATE INDEX requests_by_file ON requests (file_id);

      -- Audit trail: one row per state change; from_state is NULL for the arrival.
      CREATE TABLE file_events (
        id         INTEGER PRIMARY KEY,
        file_id    INTEGER NOT NULL REFERENCES files (id),
        at         TEXT    NOT NULL,
        from_state TEXT,
        to_state   TEXT    NOT NULL,
        note       TEXT    NOT NULL DEFAULT ''
      );
      CREATE INDEX file_events_by_file ON file_events (file_id);
    )sql"},
    {2, R"sql(
      -- Work queues (store.h, "Work queues"): one row per piece of work on one queue.
      CREATE TABLE work_items (
        id            INTEGER PRIMARY KEY,
        document_id   TEXT    NOT NULL REFERENCES requests (document_id),
        file_id       INTEGER NOT NULL REFERENCES files (id),
        queue         TEXT    NOT NULL CHECK (queue <> ''),
        state         TEXT    NOT NULL CHECK (state IN ('new', 'in_progress', 'done', 'deficient')),
        form          TEXT    NOT NULL,
        due_target    TEXT,
        due_statutory TEXT,
        claimed_by    TEXT,
        claimed_at    TEXT,
        closed_by     TEXT,
        closed_at     TEXT,
        reason        TEXT    NOT NULL DEFAULT '',
        created_at    TEXT    NOT NULL,
        updated_at    TEXT    NOT NULL,
        CHECK (state = 'new' OR claimed_by IS NOT NULL OR closed_by IS NOT NULL),
        CHECK (state <> 'deficient' OR reason <> '')
      );
      -- At most one item per queue per request: one review item, and no release twice.
      CREATE UNIQUE INDEX work_items_by_document ON work_items (document_id, queue);
      -- Listing and claiming: a queue's items by state, oldest due first.
      CREATE INDEX work_items_by_queue ON work_items (queue, state, due_target);

      -- Audit trail of the work: who changed what, when, from what to what.
      CREATE TABLE audit (
        id           INTEGER PRIMARY KEY,
        at           TEXT    NOT NULL,
        actor        TEXT    NOT NULL,
        action       TEXT    NOT NULL,
        document_id  TEXT    NOT NULL REFERENCES requests (document_id),
        work_item_id INTEGER REFERENCES work_items (id),
        field        TEXT    NOT NULL,
        "before"     TEXT,
        "after"      TEXT
      );
      CREATE INDEX audit_by_document ON audit (document_id);
      CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
      CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;

      -- Requests stored before this version get the work CompleteProcessed
      -- now creates with them (same rule as ledger::AddWorkFor).
      INSERT INTO work_items (document_id, file_id, queue, state, form, due_target, due_statutory, created_at,
                              updated_at)
        SELECT document_id, file_id, queue, 'new', form, due_target, due_statutory, created_at, created_at
        FROM (
          SELECT DISTINCT r.id AS request_id, r.document_id, r.file_id, q.value AS queue,
                 coalesce(json_extract(r.json, '$.form'), 'OTHER') AS form,
                 json_extract(r.json, '$.due.target') AS due_target,
                 json_extract(r.json, '$.due.statutory') AS due_statutory, r.created_at
          FROM requests r, json_each(r.json, '$.queues') q
          WHERE json_extract(r.json, '$.status') = 'routed'
          UNION ALL
          SELECT r.id, r.document_id, r.file_id, 'review', coalesce(json_extract(r.json, '$.form'), 'OTHER'),
                 json_extract(r.json, '$.due.target'), json_extract(r.json, '$.due.statutory'), r.created_at
          FROM requests r
          WHERE json_extract(r.json, '$.status') IS NOT 'routed'
             OR coalesce(json_array_length(r.json, '$.queues'), 0) = 0
        )
        ORDER BY request_id, queue;
      INSERT INTO audit (at, actor, action, document_id, work_item_id, field, "before", "after")
        SELECT created_at, 'intake', 'create', document_id, id, 'state', NULL, 'new' FROM work_items ORDER BY id;
    )sql"},
    {3, R"sql(
      -- Reviewers (store.h, "Reviewers"): accounts, sign-in sessions and the
      -- corrections they make.
      CREATE TABLE users (
        name          TEXT    PRIMARY KEY CHECK (name <> ''),
        role          TEXT    NOT NULL CHECK (role IN ('reviewer', 'supervisor')),
        password_hash TEXT    NOT NULL,
        failed_logins INTEGER NOT NULL DEFAULT 0,
        locked_until  TEXT,
        created_at    TEXT    NOT NULL,
        updated_at    TEXT    NOT NULL
      );
      -- A session is known by the hash of its token only: a copy of the
      -- database does not let anyone sign in.
      CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        user_name  TEXT NOT NULL REFERENCES users (name),
        created_at TEXT NOT NULL,
        last_seen  TEXT NOT NULL
      );
      -- The pipeline's own reading, kept when a reviewer changes a request.
      ALTER TABLE requests ADD COLUMN original_json TEXT;
      -- Released items taken back when a supervisor reopens a review; they
      -- stay (the audit trail points at them) but no longer count as the
      -- document's item on their queue.
      ALTER TABLE work_items ADD COLUMN withdrawn INTEGER NOT NULL DEFAULT 0;
      DROP INDEX work_items_by_document;
      CREATE UNIQUE INDEX work_items_by_document ON work_items (document_id, queue) WHERE withdrawn = 0;
      -- One row per field of each approved review, changed or not, to measure the engine.
      CREATE TABLE corrections (
        id          INTEGER PRIMARY KEY,
        document_id TEXT    NOT NULL REFERENCES requests (document_id),
        field       TEXT    NOT NULL,
        "before"    TEXT,
        "after"     TEXT,
        confidence  REAL,
        changed     INTEGER NOT NULL CHECK (changed IN (0, 1)),
        actor       TEXT    NOT NULL,
        at          TEXT    NOT NULL
      );
      CREATE INDEX corrections_by_field ON corrections (field);
    )sql"},
};

constexpr char kFileColumns[] =
    "id, sha256, inbox, channel, fax_line, source_name, size, received_at, sender, subject, "
    "state, reason, duplicate_of, attempts, taken_at, updated_at";

constexpr std::array kAllStates = {FileState::kReceived, FileState::kProcessing, FileState::kProcessed,
                                   FileState::kQuarantined, FileState::kDuplicate};

FileRecord RecordFromRow(SQLite::Statement& row) {
  FileRecord r;
  r.id = row.getColumn(0).getInt64();
  r.arrival.sha256 = row.getColumn(1).getString();
  r.arrival.inbox = row.getColumn(2).getString();
  r.arrival.channel = ChannelFromString(row.getColumn(3).getString()).value_or(Channel::kFax);
  r.arrival.fax_line = OptionalText(row.getColumn(4));
  r.arrival.source_name = row.getColumn(5).getString();
  r.arrival.size = row.getColumn(6).getInt64();
  r.arrival.received_at = row.getColumn(7).getString();
  r.arrival.sender = OptionalText(row.getColumn(8));
  r.arrival.subject = OptionalText(row.getColumn(9));
  r.state = FileStateFromString(row.getColumn(10).getString()).value_or(FileState::kReceived);
  r.reason = row.getColumn(11).getString();
  if (!row.getColumn(12).isNull()) r.duplicate_of = row.getColumn(12).getInt64();
  r.attempts = row.getColumn(13).getInt();
  r.taken_at = row.getColumn(14).getString();
  r.updated_at = row.getColumn(15).getString();
  return r;
}

void AddEvent(SQLite::Database& db, std::int64_t file_id, const std::string& at, std::optional<FileState> from,
              FileState to, const std::string& note) {
  SQLite::Statement insert(db,
                           "INSERT INTO file_events (file_id, at, from_state, to_state, note) VALUES (?, ?, ?, ?, ?)");
  insert.bind(1, file_id);
  insert.bind(2, at);
  Bind(insert, 3, from ? std::optional<std::string>(ToString(*from)) : std::nullopt);
  insert.bind(4, std::string(ToString(to)));
  insert.bind(5, note);
  insert.exec();
}

// The file's current state when it is one of `allowed`; otherwise the
// refusal, naming only the file id and states.
Result<FileState> ExpectState(SQLite::Database& db, std::int64_t file_id, std::initializer_list<FileState> allowed,
                              std::string_view action) {
  SQLite::Statement query(db, "SELECT state FROM files WHERE id = ?");
  query.bind(1, file_id);
  if (!query.executeStep()) return StoreFail(action, fmt::format("file {} is not in the ledger", file_id));
  const std::optional<FileState> state = FileStateFromString(query.getColumn(0).getString());
  for (FileState ok : allowed) {
    if (state == ok) return ok;
  }
  return StoreFail(action, fmt::format("file {} is {}", file_id, state ? ToString(*state) : "in an unknown state"));
}

void SetState(SQLite::Database& db, std::int64_t file_id, FileState to, const std::string& reason,
              const std::string& at) {
  SQLite::Statement update(db, "UPDATE files SET state = ?, reason = ?, updated_at = ? WHERE id = ?");
  update.bind(1, std::string(ToString(to)));
  update.bind(2, reason);
  update.bind(3, at);
  update.bind(4, file_id);
  update.exec();
}

Result<void> Migrate(SQLite::Database& db) {
  SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
  db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)");
  const int current = db.execAndGet("SELECT coalesce(max(version), 0) FROM schema_version").getInt();
  if (current > std::end(kMigrations)[-1].version) {
    return StoreFail("open the ledger database", "it was written by a newer version of intake: upgrade intake");
  }
  for (const Migration& migration : kMigrations) {
    if (migration.version <= current) continue;
    db.exec(migration.sql);
    SQLite::Statement record(db, "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)");
    record.bind(1, migration.version);
    record.bind(2, NowUtc());
    record.exec();
  }
  transaction.commit();
  return {};
}

// While another process is switching a new database to WAL, SQLite can
// report "busy" here without calling its busy handler (seen with several
// processes creating one ledger at once), so the switch is retried within
// the same busy timeout.
Result<void> EnableWal(SQLite::Database& db) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
  for (;;) {
    try {
      if (db.execAndGet("PRAGMA journal_mode = WAL").getString() == "wal") return {};
      return StoreFail("open the ledger database", "its folder does not support write-ahead logging");
    } catch (const SQLite::Exception& e) {
      if (e.getErrorCode() != SQLITE_BUSY || std::chrono::steady_clock::now() > deadline) throw;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// Tightens the process umask for the duration of Open (see Store::Open).
class UmaskGuard {
 public:
  explicit UmaskGuard(mode_t mask) : previous_(::umask(mask)) {}
  ~UmaskGuard() { ::umask(previous_); }
  UmaskGuard(const UmaskGuard&) = delete;
  UmaskGuard& operator=(const UmaskGuard&) = delete;

 private:
  mode_t previous_;
};

// Creates the database file owner-only before SQLite sees it: SQLite gives
// the -wal and -shm files it creates later the database file's permission
// bits, so they are owner-only too.
Result<void> CreateOwnerOnly(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path().empty() ? "." : path.parent_path(), ec);
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return StoreFail("open the ledger database",
                     fmt::format("{} ({}): check the data folder", path.string(), std::strerror(errno)));
  }
  const bool restricted = ::fchmod(fd, 0600) == 0;
  const int error = errno;
  ::close(fd);
  if (!restricted) {
    return StoreFail("open the ledger database",
                     fmt::format("cannot make {} readable by its owner only ({})", path.string(), std::strerror(error)));
  }
  return {};
}

}  // namespace

std::string_view ToString(FileState state) {
  switch (state) {
    case FileState::kReceived: return "received";
    case FileState::kProcessing: return "processing";
    case FileState::kProcessed: return "processed";
    case FileState::kQuarantined: return "quarantined";
    case FileState::kDuplicate: return "duplicate";
  }
  return "received";
}

std::optional<FileState> FileStateFromString(std::string_view text) {
  for (FileState state : kAllStates) {
    if (ToString(state) == text) return state;
  }
  return std::nullopt;
}

nlohmann::ordered_json ToJson(const StatusReport& report) {
  nlohmann::ordered_json files = nlohmann::ordered_json::object();
  for (const auto& [state, count] : report.counts) files[std::string(ToString(state))] = count;
  nlohmann::ordered_json quarantine = nlohmann::ordered_json::array();
  for (const FileRecord& record : report.quarantine) {
    quarantine.push_back(
        {{"file", record.arrival.source_name}, {"sha256", record.arrival.sha256}, {"reason", record.reason}});
  }
  return {{"files", std::move(files)}, {"quarantine", std::move(quarantine)}};
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

Result<std::unique_ptr<Store>> Store::Open(const std::filesystem::path& path) {
  const UmaskGuard umask_guard(077);
  if (auto created = CreateOwnerOnly(path); !created) return tl::unexpected(created.error());
  try {
    auto impl = std::make_unique<Impl>(path);
    SQLite::Database& db = impl->db;
    if (auto wal = EnableWal(db); !wal) return tl::unexpected(wal.error());
    db.exec("PRAGMA synchronous = FULL");
    db.exec("PRAGMA foreign_keys = ON");
    if (auto migrated = Migrate(db); !migrated) return tl::unexpected(migrated.error());
    return std::unique_ptr<Store>(new Store(std::move(impl)));
  } catch (const SQLite::Exception& e) {
    return StoreFail("open the ledger database", ledger::Explain(e));
  }
}

Result<ArrivalOutcome> Store::RecordArrival(const Arrival& a) {
  return impl_->Write("record the arrival", [&](SQLite::Database& db) -> Result<ArrivalOutcome> {
    SQLite::Statement known(db, "SELECT id, state FROM files WHERE inbox = ? AND source_name = ? AND sha256 = ?");
    known.bind(1, a.inbox);
    known.bind(2, a.source_name);
    known.bind(3, a.sha256);
    if (known.executeStep()) {
      return ArrivalOutcome{known.getColumn(0).getInt64(), known.getColumn(1).getString() == "duplicate", true};
    }

    SQLite::Statement original(db, "SELECT min(id) FROM files WHERE sha256 = ? AND state <> 'duplicate'");
    original.bind(1, a.sha256);
    original.executeStep();
    std::optional<std::int64_t> duplicate_of;
    if (!original.getColumn(0).isNull()) duplicate_of = original.getColumn(0).getInt64();
    const FileState state = duplicate_of ? FileState::kDuplicate : FileState::kReceived;

    const std::string now = NowUtc();
    SQLite::Statement insert(db,
                             "INSERT INTO files (sha256, inbox, channel, fax_line, source_name, size, received_at, "
                             "sender, subject, state, duplicate_of, taken_at, updated_at) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    insert.bind(1, a.sha256);
    insert.bind(2, a.inbox);
    insert.bind(3, std::string(ToString(a.channel)));
    Bind(insert, 4, a.fax_line);
    insert.bind(5, a.source_name);
    insert.bind(6, a.size);
    insert.bind(7, a.received_at);
    Bind(insert, 8, a.sender);
    Bind(insert, 9, a.subject);
    insert.bind(10, std::string(ToString(state)));
    if (duplicate_of) {
      insert.bind(11, *duplicate_of);
    } else {
      insert.bind(11);
    }
    insert.bind(12, now);
    insert.bind(13, now);
    insert.exec();
    const std::int64_t id = db.getLastInsertRowid();
    AddEvent(db, id, now, std::nullopt, state,
             duplicate_of ? fmt::format("same bytes as file {}", *duplicate_of) : std::string());
    return ArrivalOutcome{id, duplicate_of.has_value(), false};
  });
}

Result<bool> Store::IsKnownSource(const std::string& inbox, const std::string& source_name, std::int64_t size) {
  return impl_->Read("look up the inbox entry", [&](SQLite::Database& db) -> Result<bool> {
    SQLite::Statement query(db, "SELECT 1 FROM files WHERE inbox = ? AND source_name = ? AND size = ? LIMIT 1");
    query.bind(1, inbox);
    query.bind(2, source_name);
    query.bind(3, size);
    return query.executeStep();
  });
}

Result<std::vector<FileRecord>> Store::InFlight() {
  return impl_->Read("list the files in flight", [&](SQLite::Database& db) -> Result<std::vector<FileRecord>> {
    SQLite::Statement query(
        db, fmt::format("SELECT {} FROM files WHERE state IN ('received', 'processing') ORDER BY id", kFileColumns));
    std::vector<FileRecord> records;
    while (query.executeStep()) records.push_back(RecordFromRow(query));
    return records;
  });
}

Result<std::optional<FileRecord>> Store::Get(std::int64_t file_id) {
  return impl_->Read("read the file record", [&](SQLite::Database& db) -> Result<std::optional<FileRecord>> {
    SQLite::Statement query(db, fmt::format("SELECT {} FROM files WHERE id = ?", kFileColumns));
    query.bind(1, file_id);
    if (!query.executeStep()) return std::nullopt;
    return RecordFromRow(query);
  });
}

Result<void> Store::MarkProcessing(std::int64_t file_id) {
  constexpr std::string_view kAction = "start processing the file";
  return impl_->Write(kAction, [&](SQLite::Database& db) -> Result<void> {
    auto from = ExpectState(db, file_id, {FileState::kReceived, FileState::kProcessing}, kAction);
    if (!from) return tl::unexpected(from.error());
    const std::string now = NowUtc();
    SQLite::Statement update(db,
                             "UPDATE files SET state = 'processing', attempts = attempts + 1, updated_at = ? WHERE id = ?");
    update.bind(1, now);
    update.bind(2, file_id);
    update.exec();
    SQLite::Statement attempts(db, "SELECT attempts FROM files WHERE id = ?");
    attempts.bind(1, file_id);
    attempts.executeStep();
    const int attempt = attempts.getColumn(0).getInt();
    AddEvent(db, file_id, now, *from, FileState::kProcessing, fmt::format("attempt {}", attempt));
    return {};
  });
}

Result<void> Store::CompleteProcessed(std::int64_t file_id, const std::vector<Request>& requests) {
  constexpr std::string_view kAction = "store the file's requests";
  if (requests.empty()) {
    return Fail(ErrorCode::kInternal, fmt::format("file {} has no request to store: it cannot be marked processed "
                                                  "(quarantine it instead)",
                                                  file_id));
  }
  return impl_->Write(kAction, [&](SQLite::Database& db) -> Result<void> {
    auto from = ExpectState(db, file_id, {FileState::kProcessing}, kAction);
    if (!from) return tl::unexpected(from.error());
    const std::string now = NowUtc();
    SQLite::Statement insert(db, "INSERT INTO requests (file_id, document_id, json, created_at) VALUES (?, ?, ?, ?)");
    for (std::size_t i = 0; i < requests.size(); ++i) {
      Request request = requests[i];
      if (request.document_id.empty()) request.document_id = fmt::format("{}-{}", file_id, i + 1);
      insert.bind(1, file_id);
      insert.bind(2, request.document_id);
      // Invalid UTF-8 (a sender's file name) is replaced, not refused: a
      // refusal here would fail every retry of the file the same way.
      insert.bind(3, ToJson(request).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      insert.bind(4, now);
      insert.exec();
      insert.reset();
      ledger::AddWorkFor(db, file_id, request, now);
    }
    SetState(db, file_id, FileState::kProcessed, "", now);
    AddEvent(db, file_id, now, *from, FileState::kProcessed, fmt::format("{} requests", requests.size()));
    return {};
  });
}

Result<void> Store::Quarantine(std::int64_t file_id, const std::string& reason) {
  constexpr std::string_view kAction = "quarantine the file";
  return impl_->Write(kAction, [&](SQLite::Database& db) -> Result<void> {
    auto from = ExpectState(db, file_id, {FileState::kReceived, FileState::kProcessing}, kAction);
    if (!from) return tl::unexpected(from.error());
    const std::string now = NowUtc();
    SetState(db, file_id, FileState::kQuarantined, reason, now);
    AddEvent(db, file_id, now, *from, FileState::kQuarantined, reason);
    return {};
  });
}

Result<void> Store::ReleaseForRetry(std::int64_t file_id, const std::string& reason) {
  constexpr std::string_view kAction = "release the file for a later retry";
  return impl_->Write(kAction, [&](SQLite::Database& db) -> Result<void> {
    auto from = ExpectState(db, file_id, {FileState::kProcessing}, kAction);
    if (!from) return tl::unexpected(from.error());
    const std::string now = NowUtc();
    SetState(db, file_id, FileState::kReceived, "", now);
    AddEvent(db, file_id, now, *from, FileState::kReceived, reason);
    return {};
  });
}

Result<std::vector<Request>> Store::RequestsOf(std::int64_t file_id) {
  return impl_->Read("read the file's requests", [&](SQLite::Database& db) -> Result<std::vector<Request>> {
    SQLite::Statement query(db, "SELECT json FROM requests WHERE file_id = ? ORDER BY id");
    query.bind(1, file_id);
    std::vector<Request> requests;
    while (query.executeStep()) {
      requests.push_back(RequestFromJson(nlohmann::json::parse(query.getColumn(0).getString())));
    }
    return requests;
  });
}

Result<StatusReport> Store::Status() {
  return impl_->Read("read the ledger status", [&](SQLite::Database& db) -> Result<StatusReport> {
    StatusReport report;
    for (FileState state : kAllStates) report.counts.emplace_back(state, 0);
    SQLite::Statement counts(db, "SELECT state, count(*) FROM files GROUP BY state");
    while (counts.executeStep()) {
      const auto state = FileStateFromString(counts.getColumn(0).getString());
      for (auto& [known, count] : report.counts) {
        if (state == known) count = counts.getColumn(1).getInt64();
      }
    }
    SQLite::Statement quarantined(
        db, fmt::format("SELECT {} FROM files WHERE state = 'quarantined' ORDER BY id", kFileColumns));
    while (quarantined.executeStep()) report.quarantine.push_back(RecordFromRow(quarantined));
    return report;
  });
}

Result<LedgerCounts> Store::Counts() {
  return impl_->Read("count the ledger", [&](SQLite::Database& db) -> Result<LedgerCounts> {
    LedgerCounts counts;
    SQLite::Statement files(db, "SELECT inbox, state, count(*) FROM files GROUP BY inbox, state ORDER BY inbox, state");
    while (files.executeStep()) {
      const auto state = FileStateFromString(files.getColumn(1).getString());
      if (state) counts.files.push_back({files.getColumn(0).getString(), *state, files.getColumn(2).getInt64()});
    }
    SQLite::Statement documents(db,
                                "SELECT json_extract(json, '$.form'), json_extract(json, '$.status'), count(*) "
                                "FROM requests GROUP BY 1, 2 ORDER BY 1, 2");
    while (documents.executeStep()) {
      counts.documents.push_back(
          {documents.getColumn(0).getString(), documents.getColumn(1).getString(), documents.getColumn(2).getInt64()});
    }
    SQLite::Statement queues(db,
                             "SELECT queue, count(*), min(due_target) FROM work_items "
                             "WHERE state IN ('new', 'in_progress') GROUP BY queue ORDER BY queue");
    while (queues.executeStep()) {
      LedgerCounts::Queue queue{queues.getColumn(0).getString(), queues.getColumn(1).getInt64(), std::nullopt};
      if (!queues.getColumn(2).isNull()) queue.oldest_due = queues.getColumn(2).getString();
      counts.queues.push_back(std::move(queue));
    }
    return counts;
  });
}

}  // namespace intake
