// Tests of the ledger (Store) and the archive, on real SQLite files and real
// folders. The crash tests fork a writer, kill it with SIGKILL at a random
// moment and check what it left; each prints its seed.
#include "store/store.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <random>
#include <regex>
#include <stdexcept>
#include <thread>
#include <utility>

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/support/process.h"
#include "tests/support/test_support.h"

namespace intake {
namespace {

namespace fs = std::filesystem;
using testing::Gate;
using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

std::vector<std::uint8_t> Bytes(std::string_view text) { return {text.begin(), text.end()}; }

Arrival MakeArrival(std::string_view content, std::string source_name, std::string inbox = "fax-records") {
  Arrival a;
  a.sha256 = Sha256Hex(Bytes(content));
  a.inbox = std::move(inbox);
  a.channel = Channel::kFax;
  a.fax_line = "records";
  a.source_name = std::move(source_name);
  a.size = static_cast<std::int64_t>(content.size());
  a.received_at = "2026-11-22T10:14:00-05:00";
  a.sender = "LAW OFFICE";
  return a;
}

// A request with every kind of value the contract has.
Request FullRequest(const Arrival& a, std::string document_id) {
  Request r;
  r.document_id = std::move(document_id);
  r.source = {Channel::kFax, "records", a.source_name, {{std::nullopt, {2, 3}}}, a.sha256, a.received_at,
              "LAW OFFICE", std::nullopt};
  r.form = "AUTH";
  r.form_code = "HIS-AUTH-ES";
  r.language = "es";
  r.fields["patient.last_name"] = {"Peña", 0.93, 2, std::array<double, 4>{10.5, 20, 300, 40.25}};
  r.fields["release.items"] = {nlohmann::json::array({"imaging_cd", "lab_results"}), 0.99, std::nullopt,
                               std::nullopt};
  r.fields["signature.present"] = {true, 0.97, 2, std::nullopt};
  r.status = "needs_review";
  r.queues = {"imaging_cd", "records"};
  r.findings = {{"AUTH-12", "pend", "signature.date", "signature date is after the day received"}};
  r.due = {"2026-12-14", "2026-12-22"};
  r.supporting_pages = {{std::nullopt, {1}}};
  return r;
}

std::unique_ptr<Store> OpenStore(const fs::path& path) {
  auto store = Store::Open(path);
  if (!store) throw std::runtime_error("Store::Open failed: " + store.error().message);
  return std::move(*store);
}

template <class T>
T Must(Result<T> result) {
  if (!result) throw std::runtime_error("store call failed: " + result.error().message);
  if constexpr (!std::is_void_v<T>) return std::move(*result);
}

std::int64_t Scalar(const fs::path& db, const std::string& sql) {
  SQLite::Database connection(db, SQLite::OPEN_READWRITE);
  return connection.execAndGet(sql).getInt64();
}

mode_t ModeOf(const fs::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) throw std::runtime_error("no such file: " + path.string());
  return info.st_mode & 07777;
}

// What a refused move must leave untouched.
struct Snapshot {
  FileState state;
  std::string reason;
  int attempts;
  std::string updated_at;
  std::int64_t events;
  std::int64_t requests;
  bool operator==(const Snapshot&) const = default;
};

Snapshot Take(Store& store, const fs::path& db, std::int64_t id) {
  const FileRecord record = *Must(store.Get(id));
  return {record.state,
          record.reason,
          record.attempts,
          record.updated_at,
          Scalar(db, fmt::format("SELECT count(*) FROM file_events WHERE file_id = {}", id)),
          Scalar(db, fmt::format("SELECT count(*) FROM requests WHERE file_id = {}", id))};
}

// ---------------------------------------------------------------- schema

TEST(StoreTest, OpenCreatesEverySchemaVersionInWalWithOwnerOnlyFilesWhateverTheUmask) {
  TempDir dir;
  const fs::path db = dir.path() / "data" / "intake.sqlite";
  const mode_t caller_umask = ::umask(022);
  auto store = OpenStore(db);
  EXPECT_EQ(::umask(caller_umask), 022) << "Open must restore the caller's umask";
  Must(store->RecordArrival(MakeArrival("page bytes", "fax000001.tif")));  // creates -wal and -shm

  EXPECT_EQ(ModeOf(db), 0600);
  EXPECT_EQ(ModeOf(db.string() + "-wal"), 0600);
  EXPECT_EQ(ModeOf(db.string() + "-shm"), 0600);

  SQLite::Database raw(db, SQLite::OPEN_READWRITE);
  EXPECT_EQ(raw.execAndGet("PRAGMA journal_mode").getString(), "wal");
  EXPECT_EQ(raw.execAndGet("SELECT group_concat(version) FROM (SELECT version FROM schema_version ORDER BY version)")
                .getString(),
            "1,2,3");
  EXPECT_EQ(raw.execAndGet("SELECT group_concat(name) FROM (SELECT name FROM sqlite_master WHERE type = 'table' "
                           "ORDER BY name)")
                .getString(),
            "audit,corrections,file_events,files,requests,schema_version,sessions,users,work_items");
  EXPECT_EQ(raw.execAndGet("SELECT \"unique\" FROM pragma_index_list('files') WHERE name = 'files_by_source'")
                .getInt(),
            1);
  EXPECT_EQ(raw.execAndGet("SELECT group_concat(name) FROM (SELECT name FROM pragma_index_info('files_by_source') "
                           "ORDER BY seqno)")
                .getString(),
            "inbox,source_name,sha256");
  EXPECT_EQ(raw.execAndGet("SELECT count(*) FROM pragma_index_list('files') WHERE name IN "
                           "('files_by_sha256', 'files_by_state')")
                .getInt(),
            2);
  EXPECT_EQ(raw.execAndGet("SELECT count(*) FROM pragma_index_list('requests') WHERE \"unique\" = 1 AND "
                           "origin = 'u'")
                .getInt(),
            1)
      << "requests.document_id must be UNIQUE";
}

TEST(StoreTest, ReopenKeepsRecordsAndAppliesMigrationsOnce) {
  TempDir dir;
  const fs::path db = dir.path() / "intake.sqlite";
  const std::int64_t id = Must(OpenStore(db)->RecordArrival(MakeArrival("page bytes", "fax000001.tif"))).file_id;

  auto reopened = OpenStore(db);
  const auto record = Must(reopened->Get(id));
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->arrival.source_name, "fax000001.tif");
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM schema_version"), 3);
}

TEST(StoreTest, OpenOfAFileThatIsNotADatabaseIsStoreErrorWithoutItsContent) {
  TempDir dir;
  const fs::path db = dir.path() / "intake.sqlite";
  std::string garbage;
  for (int i = 0; i < 200; ++i) garbage += "PATIENT DOE JOHN 1970-01-01 ";
  WriteFile(db, garbage);

  auto store = Store::Open(db);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, ErrorCode::kStoreError);
  EXPECT_NE(store.error().message.find("damaged"), std::string::npos) << store.error().message;
  EXPECT_EQ(store.error().message.find("DOE"), std::string::npos) << store.error().message;
}

TEST(StoreTest, OpenRefusesALedgerWrittenByANewerSchemaVersion) {
  TempDir dir;
  const fs::path db = dir.path() / "intake.sqlite";
  OpenStore(db);
  SQLite::Database(db, SQLite::OPEN_READWRITE)
      .exec("INSERT INTO schema_version (version, applied_at) "
            "SELECT max(version) + 1, '2030-01-01T00:00:00.000Z' FROM schema_version");

  auto store = Store::Open(db);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, ErrorCode::kStoreError);
  EXPECT_NE(store.error().message.find("newer version"), std::string::npos) << store.error().message;
}

// -------------------------------------------------------------- arrivals

TEST(StoreTest, NewBytesArriveAsReceivedWithEveryFieldAndUtcMillisecondTimestamps) {
  TempDir dir;
  auto store = OpenStore(dir.path() / "intake.sqlite");
  Arrival arrival = MakeArrival("page bytes", "fax000001.tif");
  arrival.subject = "Records request";

  const ArrivalOutcome outcome = Must(store->RecordArrival(arrival));
  EXPECT_FALSE(outcome.duplicate);
  EXPECT_FALSE(outcome.already_known);

  const FileRecord record = *Must(store->Get(outcome.file_id));
  EXPECT_EQ(record.state, FileState::kReceived);
  EXPECT_EQ(record.attempts, 0);
  EXPECT_EQ(record.duplicate_of, std::nullopt);
  EXPECT_EQ(record.arrival.sha256, arrival.sha256);
  EXPECT_EQ(record.arrival.inbox, "fax-records");
  EXPECT_EQ(record.arrival.channel, Channel::kFax);
  EXPECT_EQ(record.arrival.fax_line, "records");
  EXPECT_EQ(record.arrival.size, arrival.size);
  EXPECT_EQ(record.arrival.received_at, arrival.received_at);
  EXPECT_EQ(record.arrival.sender, "LAW OFFICE");
  EXPECT_EQ(record.arrival.subject, "Records request");
  const std::regex iso_utc_ms(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
  EXPECT_TRUE(std::regex_match(record.taken_at, iso_utc_ms)) << record.taken_at;
  EXPECT_TRUE(std::regex_match(record.updated_at, iso_utc_ms)) << record.updated_at;
  EXPECT_EQ(Must(store->Get(outcome.file_id + 1)), std::nullopt);
}

TEST(StoreTest, SameBytesUnderAnotherNameAreADuplicateOfTheFirstFile) {
  TempDir dir;
  auto store = OpenStore(dir.path() / "intake.sqlite");
  const auto first = Must(store->RecordArrival(MakeArrival("page bytes", "fax000001.tif")));
  const auto again = Must(store->RecordArrival(MakeArrival("page bytes", "scan-0001.pdf", "scan")));
  const auto third = Must(store->RecordArrival(MakeArrival("page bytes", "fax000002.tif")));

  for (const ArrivalOutcome& copy : {again, third}) {
    EXPECT_TRUE(copy.duplicate);
    EXPECT_FALSE(copy.already_known);
    const FileRecord record = *Must(store->Get(copy.file_id));
    EXPECT_EQ(record.state, FileState::kDuplicate);
    EXPECT_EQ(record.duplicate_of, first.file_id) << "a copy of a copy points at the original";
  }
  EXPECT_EQ(Must(store->InFlight()).size(), 1u) << "duplicates are not processed";
}

TEST(StoreTest, SameInboxEntryAgainIsAlreadyKnownAndAddsNoRow) {
  TempDir dir;
  const fs::path db = dir.path() / "intake.sqlite";
  auto store = OpenStore(db);
  const auto first = Must(store->RecordArrival(MakeArrival("page bytes", "fax000001.tif")));
  const auto copy = Must(store->RecordArrival(MakeArrival("page bytes", "fax000002.tif")));

  const auto first_again = Must(store->RecordArrival(MakeArrival("page bytes", "fax000001.tif")));
  EXPECT_TRUE(first_again.already_known);
  EXPECT_FALSE(first_again.duplicate);
  EXPECT_EQ(first_again.file_id, first.file_id);

  const auto copy_again = Must(store->RecordArrival(MakeArrival("page bytes", "fax000002.tif")));
  EXPECT_TRUE(copy_again.already_known);
  EXPECT_TRUE(copy_again.duplicate);
  EXPECT_EQ(copy_again.file_id, copy.file_id);

  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM files"), 2);
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM file_events"), 2);
}

TEST(StoreTest, IsKnownSourceMatchesInboxNameAndSizeTogether) {
  TempDir dir;
  auto store = OpenStore(dir.path() / "intake.sqlite");
  const Arrival arrival = MakeArrival("page bytes", "fax000001.tif");
  EXPECT_FALSE(Must(store->IsKnownSource("fax-records", "fax000001.tif", arrival.size)));
  Must(store->RecordArrival(arrival));

  EXPECT_TRUE(Must(store->IsKnownSource("fax-records", "fax000001.tif", arrival.size)));
  EXPECT_FALSE(Must(store->IsKnownSource("fax-records", "fax000001.tif", arrival.size + 1)));
  EXPECT_FALSE(Must(store->IsKnownSource("fax-imaging", "fax000001.tif", arrival.size)));
  EXPECT_FALSE(Must(store->IsKnownSource("fax-records", "fax000002.tif", arrival.size)));
}

// --------------------------------------------------------------- the walk

TEST(StoreTest, FullWalkToProcessedStoresRequestsThatReadBackEqualAndAuditsEachStep) {
  TempDir dir;
  const fs::path db = dir.path() / "intake.sqlite";
  auto store = OpenStore(db);
  const Arrival arrival = MakeArrival("page bytes", "fax000001.tif");
  const std::int64_t id = Must(store->RecordArrival(arrival)).file_id;

  Must(store->MarkProcessing(id));
  EXPECT_EQ(Must(store->Get(id))->state, FileState::kProcessing);
  EXPECT_EQ(Must(store->Get(id))->attempts, 1);

  const std::vector<Request> requests = {FullRequest(arrival, "doc-a"), FullRequest(arrival, "")};
  Must(store->CompleteProcessed(id, requests));

  const FileRecord record = *Must(store->Get(id));
  EXPECT_EQ(record.state, FileState::kProcessed);
  EXPECT_TRUE(Must(store->InFlight()).empty());
  const std::vector<Request> stored = Must(store->RequestsOf(id));
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(ToJson(stored[0]), ToJson(requests[0]));
  EXPECT_EQ(ToJson(stored[1]), ToJson(FullRequest(arrival, fmt::format("{}-2", id))))
      << "a missing document id is <file_id>-<position>";

  SQLite::Database raw(db, SQLite::OPEN_READWRITE);
  EXPECT_EQ(raw.execAndGet(fmt::format("SELECT group_concat(coalesce(from_state, '-') || '>' || to_state, ' ') "
                                       "FROM (SELECT * FROM file_events WHERE file_id = {} ORDER BY id)",
                                       id))
                .getString(),
            "->received received>processing processing>processed");
}

TEST(StoreTest, CompleteProcessedStoresNothingWhenOneRequestIsRefused) {
  TempDir dir;
  const fs::path db = dir.path() / "intake.sqlite";
  auto store = OpenStore(db);
  const Arrival a = MakeArrival("first file", "fax000001.tif");
  const Arrival b = MakeArrival("second file", "fax000002.tif");
  const std::int64_t first = Must(store->RecordArrival(a)).file_id;
  const std::int64_t second = Must(store->RecordArrival(b)).file_id;
  Must(store->MarkProcessing(first));
  Must(store->CompleteProcessed(first, {FullRequest(a, "doc-a")}));
  Must(store->MarkProcessing(second));
  const Snapshot before = Take(*store, db, second);

  // The second request reuses a stored document id: the whole step must roll back.
  const auto refused = store->CompleteProcessed(second, {FullRequest(b, ""), FullRequest(b, "doc-a")});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kStoreError);
  EXPECT_EQ(Take(*store, db, second), before);

  Must(store->CompleteProcessed(second, {FullRequest(b, "")}));
  EXPECT_EQ(Must(store->RequestsOf(second)).at(0).document_id, fmt::format("{}-1", second))
      << "the retry assigns the id the failed attempt would have";
}

TEST(StoreTest, CompleteProcessedWithoutRequestsIsRefused) {
  TempDir dir;
  const fs::path db = dir.path() / "intake.sqlite";
  auto store = OpenStore(db);
  const std::int64_t id = Must(store->RecordArrival(MakeArrival("page bytes", "fax000001.tif"))).file_id;
  Must(store->MarkProcessing(id));
  const Snapshot before = Take(*store, db, id);

  EXPECT_FALSE(store->CompleteProcessed(id, {}));
  EXPECT_EQ(Take(*store, db, id), before);
}

TEST(StoreTest, MovesFromAWrongStateAreStoreErrorsAndChangeNothing) {
  TempDir dir;
  const fs::path db = dir.path() / "intake.sqlite";
  auto store = OpenStore(db);
  const Arrival arrival = MakeArrival("page bytes", "fax000001.tif");
  const std::int64_t received = Must(store->RecordArrival(arrival)).file_id;
  const std::int64_t processed = Must(store->RecordArrival(MakeArrival("other bytes", "fax000002.tif"))).file_id;
  Must(store->MarkProcessing(processed));
  Must(store->CompleteProcessed(processed, {FullRequest(arrival, "")}));
  const std::int64_t quarantined = Must(store->RecordArrival(MakeArrival("third bytes", "fax000003.tif"))).file_id;
  Must(store->Quarantine(quarantined, "TIFF is truncated: ask the sender to fax it again"));
  const std::int64_t duplicate = Must(store->RecordArrival(MakeArrival("page bytes", "fax000004.tif"))).file_id;

  const auto expect_refused = [&](std::int64_t id, const char* move, auto call) {
    const Snapshot before = Take(*store, db, id);
    const Result<void> result = call();
    ASSERT_FALSE(result) << move << " of file " << id << " was accepted";
    EXPECT_EQ(result.error().code, ErrorCode::kStoreError) << move;
    EXPECT_EQ(Take(*store, db, id), before) << move << " changed file " << id;
  };
  const std::vector<Request> one = {FullRequest(arrival, "")};
  expect_refused(received, "complete", [&] { return store->CompleteProcessed(received, one); });
  expect_refused(received, "release", [&] { return store->ReleaseForRetry(received, "busy"); });
  for (std::int64_t done : {processed, quarantined, duplicate}) {
    expect_refused(done, "mark", [&] { return store->MarkProcessing(done); });
    expect_refused(done, "complete", [&] { return store->CompleteProcessed(done, one); });
    expect_refused(done, "quarantine", [&] { return store->Quarantine(done, "unreadable"); });
    expect_refused(done, "release", [&] { return store->ReleaseForRetry(done, "busy"); });
  }
  const auto unknown = store->MarkProcessing(duplicate + 100);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kStoreError);
}

TEST(StoreTest, QuarantinedFilesShowWithTheirReasonInStatusAndEveryStateIsCounted) {
  TempDir dir;
  auto store = OpenStore(dir.path() / "intake.sqlite");
  const Arrival bad = MakeArrival("truncated bytes", "fax000001.tif");
  const std::int64_t from_received = Must(store->RecordArrival(bad)).file_id;
  const std::int64_t from_processing =
      Must(store->RecordArrival(MakeArrival("encrypted", "scan-0001.pdf", "scan"))).file_id;
  Must(store->RecordArrival(MakeArrival("fine bytes", "fax000002.tif")));
  Must(store->MarkProcessing(from_processing));

  Must(store->Quarantine(from_received, "TIFF is truncated: ask the sender to fax it again"));
  Must(store->Quarantine(from_processing, "PDF is password-protected: ask the sender for an unprotected copy"));

  const StatusReport status = Must(store->Status());
  const std::vector<std::pair<FileState, std::int64_t>> expected_counts = {{FileState::kReceived, 1},
                                                                           {FileState::kProcessing, 0},
                                                                           {FileState::kProcessed, 0},
                                                                           {FileState::kQuarantined, 2},
                                                                           {FileState::kDuplicate, 0}};
  EXPECT_EQ(status.counts, expected_counts);
  ASSERT_EQ(status.quarantine.size(), 2u);
  EXPECT_EQ(status.quarantine[0].id, from_received);
  EXPECT_EQ(status.quarantine[1].reason, "PDF is password-protected: ask the sender for an unprotected copy");

  const auto json = ToJson(status);
  EXPECT_EQ(json.dump(), nlohmann::ordered_json::parse(fmt::format(R"({{
      "files": {{"received": 1, "processing": 0, "processed": 0, "quarantined": 2, "duplicate": 0}},
      "quarantine": [
        {{"file": "fax000001.tif", "sha256": "{}", "reason": "TIFF is truncated: ask the sender to fax it again"}},
        {{"file": "scan-0001.pdf", "sha256": "{}",
          "reason": "PDF is password-protected: ask the sender for an unprotected copy"}}]}})",
                                                                 bad.sha256, Sha256Hex(Bytes("encrypted"))))
                             .dump());
}

TEST(StoreTest, ReleaseForRetryReturnsTheFileToReceivedAndTheNextAttemptIsCounted) {
  TempDir dir;
  const fs::path db = dir.path() / "intake.sqlite";
  auto store = OpenStore(db);
  const std::int64_t id = Must(store->RecordArrival(MakeArrival("page bytes", "fax000001.tif"))).file_id;
  Must(store->MarkProcessing(id));
  Must(store->ReleaseForRetry(id, "archive disk busy"));

  const FileRecord released = *Must(store->Get(id));
  EXPECT_EQ(released.state, FileState::kReceived);
  EXPECT_EQ(released.reason, "");
  ASSERT_EQ(Must(store->InFlight()).size(), 1u);
  EXPECT_EQ(Scalar(db, fmt::format("SELECT count(*) FROM file_events WHERE file_id = {} AND from_state = "
                                   "'processing' AND to_state = 'received' AND note = 'archive disk busy'",
                                   id)),
            1);

  Must(store->MarkProcessing(id));
  Must(store->MarkProcessing(id));  // a crash mid-attempt: the resumed attempt counts too
  EXPECT_EQ(Must(store->Get(id))->attempts, 3);
}

TEST(StoreTest, InFlightListsReceivedAndProcessingFilesOldestFirst) {
  TempDir dir;
  auto store = OpenStore(dir.path() / "intake.sqlite");
  const Arrival arrival = MakeArrival("a", "1.tif");
  const std::int64_t a = Must(store->RecordArrival(arrival)).file_id;
  const std::int64_t b = Must(store->RecordArrival(MakeArrival("b", "2.tif"))).file_id;
  const std::int64_t c = Must(store->RecordArrival(MakeArrival("c", "3.tif"))).file_id;
  const std::int64_t d = Must(store->RecordArrival(MakeArrival("d", "4.tif"))).file_id;
  Must(store->RecordArrival(MakeArrival("a", "5.tif")));  // duplicate
  Must(store->MarkProcessing(b));
  Must(store->MarkProcessing(c));
  Must(store->CompleteProcessed(c, {FullRequest(arrival, "")}));
  Must(store->Quarantine(d, "empty file"));

  std::vector<std::int64_t> ids;
  for (const FileRecord& record : Must(store->InFlight())) ids.push_back(record.id);
  EXPECT_EQ(ids, (std::vector<std::int64_t>{a, b}));
}

TEST(StoreTest, ConcurrentThreadsOnOneStoreRecordEveryArrival) {
  TempDir dir;
  const fs::path db = dir.path() / "intake.sqlite";
  auto store = OpenStore(db);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        const Arrival arrival = MakeArrival(fmt::format("file {}", i), fmt::format("{}-{}", t, i));
        const auto outcome = store->RecordArrival(arrival);
        const auto known = store->IsKnownSource(arrival.inbox, arrival.source_name, arrival.size);
        if (!outcome || !known || !*known) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM files"), 40);
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM files WHERE state = 'received'"), 10);
}

// ----------------------------------------------------------- processes

// A processed file in the crash test carries this many requests.
std::size_t RequestCountFor(std::int64_t file_id) { return static_cast<std::size_t>(file_id % 3 + 1); }

std::vector<Request> RequestsFor(const FileRecord& file) {
  return std::vector<Request>(RequestCountFor(file.id), FullRequest(file.arrival, ""));
}

// The service's loop in miniature, run in a forked child until it is
// killed: resume what is in flight, then take new files and walk each one
// down a different path. Exits (2, 3) only on a store failure.
[[noreturn]] void RunLedgerWriter(const fs::path& db, int round) {
  auto opened = Store::Open(db);
  if (!opened) ::_exit(2);
  Store& store = **opened;
  const auto ok = [](const auto& result) {
    if (!result) ::_exit(3);
  };
  const auto finish = [&](std::int64_t id) {
    ok(store.MarkProcessing(id));
    const auto file = store.Get(id);
    ok(file);
    ok(store.CompleteProcessed(id, RequestsFor(**file)));
  };
  auto in_flight = store.InFlight();
  ok(in_flight);
  for (const FileRecord& file : *in_flight) finish(file.id);
  for (int i = 0;; ++i) {
    const std::string content = fmt::format("round {} file {}", round, i % 5 == 4 ? i - 1 : i);
    const auto arrival = store.RecordArrival(MakeArrival(content, fmt::format("r{}-{}.tif", round, i)));
    ok(arrival);
    if (arrival->duplicate) continue;
    const std::int64_t id = arrival->file_id;
    switch (i % 4) {
      case 0:
        finish(id);
        break;
      case 1:
        ok(store.MarkProcessing(id));
        ok(store.Quarantine(id, "TIFF is truncated: ask the sender to fax it again"));
        break;
      case 2:
        ok(store.MarkProcessing(id));
        ok(store.ReleaseForRetry(id, "archive disk busy"));
        finish(id);
        break;
      default:
        break;  // left received, resumed by the next round
    }
  }
}

// Every invariant of the ledger that a crash could break.
void ExpectConsistentLedger(const fs::path& db) {
  auto store = Store::Open(db);
  ASSERT_TRUE(store) << store.error().message;
  const StatusReport status = Must((*store)->Status());
  std::int64_t counted = 0;
  for (const auto& [state, count] : status.counts) counted += count;

  SQLite::Database raw(db, SQLite::OPEN_READWRITE);
  EXPECT_EQ(raw.execAndGet("PRAGMA integrity_check").getString(), "ok");
  EXPECT_FALSE(SQLite::Statement(raw, "PRAGMA foreign_key_check").executeStep());
  EXPECT_EQ(raw.execAndGet("SELECT count(*) FROM files").getInt64(), counted)
      << "every file is in exactly one known state";

  const std::pair<const char*, const char*> violations[] = {
      {"processed file without its requests",
       "SELECT count(*) FROM files f WHERE state = 'processed' AND "
       "(SELECT count(*) FROM requests r WHERE r.file_id = f.id) <> f.id % 3 + 1"},
      {"request without its one review item (a needs_review request's work)",
       "SELECT count(*) FROM requests r WHERE "
       "(SELECT count(*) FROM work_items w WHERE w.document_id = r.document_id AND w.queue = 'review') <> 1 OR "
       "(SELECT count(*) FROM work_items w WHERE w.document_id = r.document_id) <> 1"},
      {"request of a file that is not processed",
       "SELECT count(*) FROM requests r JOIN files f ON f.id = r.file_id WHERE f.state <> 'processed'"},
      {"file whose last event is not its state",
       "SELECT count(*) FROM files f WHERE f.state IS NOT "
       "(SELECT to_state FROM file_events e WHERE e.file_id = f.id ORDER BY e.id DESC LIMIT 1)"},
      {"event that does not start where the previous one ended",
       "SELECT count(*) FROM (SELECT from_state, "
       "lag(to_state) OVER (PARTITION BY file_id ORDER BY id) AS previous FROM file_events) "
       "WHERE from_state IS NOT previous"},
      {"attempts that differ from the processing events",
       "SELECT count(*) FROM files f WHERE attempts <> "
       "(SELECT count(*) FROM file_events e WHERE e.file_id = f.id AND to_state = 'processing')"},
      {"duplicate that does not point at an original with its bytes",
       "SELECT count(*) FROM files d LEFT JOIN files o ON o.id = d.duplicate_of WHERE d.state = 'duplicate' AND "
       "(o.id IS NULL OR o.state = 'duplicate' OR o.sha256 <> d.sha256)"},
  };
  for (const auto& [what, sql] : violations) EXPECT_EQ(raw.execAndGet(sql).getInt64(), 0) << what;
}

// Waits for a child killed by the test; true when SIGKILL ended it (so it
// had not stopped early on an error).
bool KilledBySigkill(pid_t pid) {
  int status = 0;
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}

TEST(StoreCrashTest, WriterKilledAtRandomMomentsLeavesAConsistentLedger) {
  TempDir dir;
  const fs::path db = dir.path() / "intake.sqlite";
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE(fmt::format("seed {}", seed));
  std::mt19937 rng(seed);
  constexpr int kRounds = 20;
  for (int round = 0; round < kRounds; ++round) {
    // From during Open (a few ms) to well into the loop.
    const auto delay = std::chrono::milliseconds(std::uniform_int_distribution<int>(2, 150)(rng));
    SCOPED_TRACE(fmt::format("round {}, killed after {} ms", round, delay.count()));
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) RunLedgerWriter(db, round);
    std::this_thread::sleep_for(delay);
    ASSERT_TRUE(KilledBySigkill(pid)) << "the writer stopped on a store failure before it was killed";
    ExpectConsistentLedger(db);
  }
  EXPECT_GT(Scalar(db, "SELECT count(*) FROM files WHERE state = 'processed'"), 0) << "the writer did no work";
}

TEST(StoreConcurrencyTest, ProcessesOpeningANewLedgerAtOnceAllSucceed) {
  TempDir dir;
  constexpr int kRounds = 30;
  constexpr int kProcesses = 6;
  int failed = 0;
  for (int round = 0; round < kRounds; ++round) {
    const fs::path db = dir.path() / fmt::format("intake-{}.sqlite", round);
    Gate open_now;
    std::vector<pid_t> children;
    for (int k = 0; k < kProcesses; ++k) {
      const pid_t pid = ::fork();
      ASSERT_GE(pid, 0);
      if (pid == 0) {
        open_now.Wait();
        ::_exit(Store::Open(db) ? 0 : 2);
      }
      children.push_back(pid);
    }
    open_now.Open();
    for (pid_t child : children) {
      int status = 0;
      ::waitpid(child, &status, 0);
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++failed;
    }
  }
  EXPECT_EQ(failed, 0) << "opens that failed while others created the same ledger";
}

TEST(StoreConcurrencyTest, TwoProcessesTakingTheSameBytesAtOnceKeepOneOriginalAndOneRowPerEntry) {
  TempDir dir;
  const fs::path db = dir.path() / "intake.sqlite";  // created by the racing processes themselves
  constexpr int kFiles = 60;
  Gate open_now;
  Gate record_now;
  int opened[2];
  ASSERT_EQ(::pipe(opened), 0);
  pid_t children[2];
  for (int k = 0; k < 2; ++k) {
    children[k] = ::fork();
    ASSERT_GE(children[k], 0);
    if (children[k] == 0) {
      open_now.Wait();
      auto store = Store::Open(db);
      if (!store) ::_exit(2);
      const bool told = ::write(opened[1], "o", 1) == 1;
      ::close(opened[1]);  // so the parent stops waiting if the other child died
      if (!told) ::_exit(4);
      record_now.Wait();  // both opened: the loops start together
      for (int i = 0; i < kFiles; ++i) {
        // Same bytes under each process's own name, and one inbox entry both take.
        if (!(*store)->RecordArrival(MakeArrival(fmt::format("shared {}", i), fmt::format("p{}-{}", k, i))) ||
            !(*store)->RecordArrival(MakeArrival(fmt::format("entry {}", i), fmt::format("entry-{}", i)))) {
          ::_exit(3);
        }
      }
      ::_exit(0);
    }
  }
  ::close(opened[1]);
  open_now.Open();
  char byte;
  for (int k = 0; k < 2 && ::read(opened[0], &byte, 1) == 1; ++k) {
  }
  ::close(opened[0]);
  record_now.Open();
  for (pid_t child : children) {
    int status = 0;
    ::waitpid(child, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << "a process failed (exit 2: Open, 3: RecordArrival): status " << status;
  }

  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM files"), 3 * kFiles);
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM (SELECT sha256 FROM files GROUP BY sha256 "
                       "HAVING sum(state <> 'duplicate') <> 1)"),
            0)
      << "bytes with no original or with two";
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM files d JOIN files o ON o.id = d.duplicate_of "
                       "WHERE d.state = 'duplicate' AND o.state <> 'duplicate' AND o.sha256 = d.sha256"),
            kFiles);
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM files WHERE source_name LIKE 'entry-%'"), kFiles);
}

// --------------------------------------------------------------- archive

TEST(StoreArchiveTest, Sha256HexMatchesKnownDigests) {
  EXPECT_EQ(Sha256Hex({}), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex(Bytes("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(StoreArchiveTest, PutThenGetReturnsTheBytesFromAReadOnlyCopyInOwnerOnlyFolders) {
  TempDir dir;
  const fs::path root = dir.path() / "archive";
  Archive archive(root);
  const std::vector<std::uint8_t> bytes = ReadFile(testing::SourceDir() / "forms" / "HIS-AUTH-EN.pdf");

  const std::string sha = Must(archive.Put(bytes));
  EXPECT_EQ(sha, Sha256Hex(bytes));
  EXPECT_EQ(archive.PathOf(sha), root / sha.substr(0, 2) / sha);
  EXPECT_EQ(ModeOf(archive.PathOf(sha)), 0400);
  EXPECT_EQ(ModeOf(root / sha.substr(0, 2)), 0700);
  EXPECT_EQ(ModeOf(root), 0700);
  EXPECT_EQ(Must(archive.Get(sha)), bytes);
  EXPECT_TRUE(fs::is_empty(root / "tmp"));
}

TEST(StoreArchiveTest, PutOfBytesAlreadyArchivedLeavesTheCopyUntouched) {
  TempDir dir;
  Archive archive(dir.path() / "archive");
  const std::string sha = Must(archive.Put(Bytes("page bytes")));
  struct stat first {};
  ::stat(archive.PathOf(sha).c_str(), &first);

  EXPECT_EQ(Must(archive.Put(Bytes("page bytes"))), sha);
  struct stat second {};
  ::stat(archive.PathOf(sha).c_str(), &second);
  EXPECT_EQ(first.st_ino, second.st_ino);
  EXPECT_EQ(first.st_mtim.tv_nsec, second.st_mtim.tv_nsec);
  EXPECT_EQ(std::distance(fs::directory_iterator(archive.PathOf(sha).parent_path()), fs::directory_iterator()), 1);
  EXPECT_TRUE(fs::is_empty(dir.path() / "archive" / "tmp"));
}

TEST(StoreArchiveTest, GetOfADamagedCopyIsIoError) {
  TempDir dir;
  Archive archive(dir.path() / "archive");
  const std::string sha = Must(archive.Put(Bytes("page bytes")));
  fs::permissions(archive.PathOf(sha), fs::perms::owner_write, fs::perm_options::add);
  WriteFile(archive.PathOf(sha), std::string("PAGE bytes"));  // same size, one byte changed

  const auto damaged = archive.Get(sha);
  ASSERT_FALSE(damaged);
  EXPECT_EQ(damaged.error().code, ErrorCode::kIoError);
  EXPECT_NE(damaged.error().message.find("archived copy is damaged"), std::string::npos) << damaged.error().message;
}

TEST(StoreArchiveTest, GetOfAMissingCopyIsIoError) {
  TempDir dir;
  Archive archive(dir.path() / "archive");
  const auto missing = archive.Get(Sha256Hex(Bytes("never archived")));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kIoError);
}

TEST(StoreArchiveTest, ConstructionRemovesLeftoverTemporaryFilesAndKeepsCopies) {
  TempDir dir;
  const fs::path root = dir.path() / "archive";
  const std::string sha = Must(Archive(root).Put(Bytes("page bytes")));
  WriteFile(root / "tmp" / "0123456789ab.999.0", std::string("half a copy"));

  Archive reopened(root);
  EXPECT_TRUE(fs::is_empty(root / "tmp"));
  EXPECT_EQ(Must(reopened.Get(sha)), Bytes("page bytes"));
}

std::vector<std::uint8_t> Payload(int round, int i) {
  std::mt19937 rng(static_cast<unsigned>(round * 100000 + i));
  std::vector<std::uint8_t> bytes(256 * 1024 + static_cast<std::size_t>(i % 7) * 64 * 1024);
  for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
  return bytes;
}

TEST(StoreArchiveCrashTest, WriterKilledDuringPutsNeverLeavesWrongBytesUnderAFinalName) {
  TempDir dir;
  const fs::path root = dir.path() / "archive";
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE(fmt::format("seed {}", seed));
  std::mt19937 rng(seed);
  const int delays_ms[] = {3, 12, 30, 60};
  for (int round = 0; round < static_cast<int>(std::size(delays_ms)); ++round) {
    const auto delay = std::chrono::milliseconds(
        delays_ms[round] + std::uniform_int_distribution<int>(0, 10)(rng));
    SCOPED_TRACE(fmt::format("round {}, killed after {} ms", round, delay.count()));
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      Archive archive(root);
      for (int i = 0;; ++i) {
        if (!archive.Put(Payload(round, i))) ::_exit(3);
      }
    }
    std::this_thread::sleep_for(delay);
    ASSERT_TRUE(KilledBySigkill(pid)) << "the writer stopped on an archive failure before it was killed";
  }

  int copies = 0;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file() || entry.path().parent_path() == root / "tmp") continue;
    const std::string name = entry.path().filename();
    EXPECT_EQ(Sha256Hex(ReadFile(entry.path())), name) << "wrong bytes under a final name";
    EXPECT_EQ(entry.path().parent_path().filename(), name.substr(0, 2));
    EXPECT_EQ(ModeOf(entry.path()), 0400);
    ++copies;
  }
  EXPECT_GT(copies, 0) << "the writer archived nothing";
  Archive reopened(root);
  EXPECT_TRUE(fs::is_empty(root / "tmp"));
}

}  // namespace
}  // namespace intake
