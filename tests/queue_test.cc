// Tests of the work queues: the store's state machine and audit trail on real
// SQLite files, two forked processes claiming from one queue, the export
// formats, and the `intake queue` / `intake review` commands of the binary.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "calendar/calendar.h"
#include "pipeline/queue_command.h"
#include "store/store.h"
#include "tests/support/fax_batch.h"
#include "tests/support/process.h"
#include "tests/support/test_support.h"

namespace intake {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::CommandResult;
using testing::Gate;
using testing::TempDir;

template <class T>
T Must(Result<T> result) {
  if (!result) throw std::runtime_error("store call failed: " + result.error().message);
  if constexpr (!std::is_void_v<T>) return std::move(*result);
}

std::unique_ptr<Store> OpenStore(const fs::path& path) {
  auto store = Store::Open(path);
  if (!store) throw std::runtime_error("Store::Open failed: " + store.error().message);
  return std::move(*store);
}

Request MakeRequest(std::string document_id, std::string form, std::string status, std::vector<std::string> queues,
                    std::optional<std::string> target = std::nullopt,
                    std::optional<std::string> statutory = std::nullopt) {
  Request r;
  r.document_id = std::move(document_id);
  r.source = {Channel::kFax, "records", "fax000123.tif", {{std::nullopt, {1, 2}}}, std::string(64, 'a'),
              "2026-11-23T10:14:00-05:00", "LAW OFFICE", std::nullopt};
  r.form = std::move(form);
  r.form_code = r.form == "OTHER" ? std::nullopt : std::optional<std::string>("HIS-" + r.form + "-EN");
  r.language = "en";
  r.status = std::move(status);
  r.queues = std::move(queues);
  r.due = {std::move(target), std::move(statutory)};
  return r;
}

// Stores `requests` as the requests of one new processed file.
std::int64_t StoreFile(Store& store, const std::string& name, const std::vector<Request>& requests) {
  Arrival a;
  a.sha256 = Sha256Hex(std::vector<std::uint8_t>(name.begin(), name.end()));
  a.inbox = "fax-records";
  a.fax_line = "records";
  a.source_name = name;
  a.size = 100;
  a.received_at = "2026-11-23T10:14:00-05:00";
  const std::int64_t id = Must(store.RecordArrival(a)).file_id;
  Must(store.MarkProcessing(id));
  Must(store.CompleteProcessed(id, requests));
  return id;
}

std::vector<std::string> QueuesOf(const std::vector<WorkItem>& items) {
  std::vector<std::string> queues;
  for (const WorkItem& item : items) queues.push_back(item.queue);
  return queues;
}

// One audit row as "action field before>after by actor", for compact comparison.
std::vector<std::string> AuditLines(Store& store, const std::string& document_id) {
  std::vector<std::string> lines;
  for (const AuditEntry& e : Must(store.AuditOf(document_id))) {
    lines.push_back(fmt::format("{} {} {} {}>{} by {}", e.work_item_id ? std::to_string(*e.work_item_id) : "-",
                                e.action, e.field, e.before.value_or("null"), e.after.value_or("null"), e.actor));
  }
  return lines;
}

std::int64_t Scalar(const fs::path& db, const std::string& sql) {
  SQLite::Database connection(db, SQLite::OPEN_READONLY);
  return connection.execAndGet(sql).getInt64();
}

class QueueTest : public ::testing::Test {
 protected:
  TempDir dir_;
  fs::path db_ = dir_.path() / "intake.sqlite";
  std::unique_ptr<Store> store_ = OpenStore(db_);
};

// ------------------------------------------------------------ routed work

TEST_F(QueueTest, RoutedRequestGetsOneNewItemPerQueueCarryingTheRequestsDueDates) {
  StoreFile(*store_, "fax1.tif",
            {MakeRequest("both", "AUTH", "routed", {"imaging_cd", "records"}, "2026-12-01", "2026-12-22"),
             MakeRequest("amend", "AMEND", "routed", {"amendments"}, "2026-12-23", "2027-01-22")});

  const std::vector<WorkItem> both = Must(store_->WorkItemsOf("both"));
  EXPECT_THAT(QueuesOf(both), ElementsAre("imaging_cd", "records"));
  for (const WorkItem& item : both) {
    EXPECT_EQ(item.state, WorkState::kNew);
    EXPECT_EQ(item.form, "AUTH");
    EXPECT_EQ(item.due_target, "2026-12-01");
    EXPECT_EQ(item.due_statutory, "2026-12-22");
    EXPECT_FALSE(item.claimed_by);
  }
  const std::vector<WorkItem> amend = Must(store_->WorkItemsOf("amend"));
  ASSERT_EQ(amend.size(), 1u);
  EXPECT_EQ(amend[0].queue, "amendments");
  EXPECT_EQ(amend[0].due_target, "2026-12-23");
  EXPECT_THAT(AuditLines(*store_, "amend"),
              ElementsAre(fmt::format("{} create state null>new by intake", amend[0].id)));
}

TEST_F(QueueTest, ItemWalksFromNewThroughClaimToDoneAndEveryStepIsAudited) {
  StoreFile(*store_, "fax1.tif", {MakeRequest("doc", "AUTH", "routed", {"records"}, "2026-12-14")});
  const std::int64_t id = Must(store_->WorkItemsOf("doc")).at(0).id;

  const WorkItem claimed = Must(store_->ClaimWorkItem(id, "alice"));
  EXPECT_EQ(claimed.state, WorkState::kInProgress);
  EXPECT_EQ(claimed.claimed_by, "alice");
  EXPECT_TRUE(claimed.claimed_at);
  const WorkItem done = Must(store_->CompleteWorkItem(id, "alice"));
  EXPECT_EQ(done.state, WorkState::kDone);
  EXPECT_EQ(done.closed_by, "alice");
  EXPECT_TRUE(done.closed_at);

  EXPECT_THAT(AuditLines(*store_, "doc"), ElementsAre(fmt::format("{} create state null>new by intake", id),
                                                      fmt::format("{} claim state new>in_progress by alice", id),
                                                      fmt::format("{} complete state in_progress>done by alice", id)));
}

TEST_F(QueueTest, DeficientItemKeepsItsReasonAndAuditsStateAndReason) {
  StoreFile(*store_, "fax1.tif", {MakeRequest("doc", "VERBAL", "routed", {"verbal_authorization"}, "2026-11-25")});
  const std::int64_t id = Must(store_->WorkItemsOf("doc")).at(0).id;
  Must(store_->ClaimWorkItem(id, "bob"));

  const WorkItem item = Must(store_->MarkDeficient(id, "bob", "no person listed"));
  EXPECT_EQ(item.state, WorkState::kDeficient);
  EXPECT_EQ(item.reason, "no person listed");
  EXPECT_EQ(item.closed_by, "bob");
  const std::vector<std::string> audit = AuditLines(*store_, "doc");
  ASSERT_EQ(audit.size(), 4u);
  EXPECT_EQ(audit[2], fmt::format("{} deficient state in_progress>deficient by bob", id));
  EXPECT_EQ(audit[3], fmt::format("{} deficient reason >no person listed by bob", id));
}

// ------------------------------------------------------------------ review

TEST_F(QueueTest, NeedsReviewRequestGetsOnlyOneReviewItemWhateverItsDestinations) {
  StoreFile(*store_, "fax1.tif",
            {MakeRequest("held", "AUTH", "needs_review", {"imaging_cd", "records"}, "2026-12-01", "2026-12-22"),
             MakeRequest("other", "OTHER", "needs_review", {"review"})});

  const std::vector<WorkItem> held = Must(store_->WorkItemsOf("held"));
  ASSERT_EQ(held.size(), 1u);
  EXPECT_EQ(held[0].queue, "review");
  EXPECT_EQ(held[0].due_target, "2026-12-01") << "a review item shows when its destinations fall due";
  const std::vector<WorkItem> other = Must(store_->WorkItemsOf("other"));
  ASSERT_EQ(other.size(), 1u);
  EXPECT_EQ(other[0].queue, "review");
  EXPECT_FALSE(other[0].due_target);
}

TEST_F(QueueTest, ApprovalClosesTheReviewItemAndCreatesItsDestinationItems) {
  StoreFile(*store_, "fax1.tif",
            {MakeRequest("held", "AUTH", "needs_review", {"imaging_cd", "records"}, "2026-12-01", "2026-12-22")});
  const std::int64_t review = Must(store_->WorkItemsOf("held")).at(0).id;
  Must(store_->ClaimWorkItem(review, "rita"));

  const std::vector<WorkItem> released = Must(store_->ApproveReview("held", {"rita", {}, std::nullopt}));
  ASSERT_EQ(released.size(), 2u);
  EXPECT_THAT(QueuesOf(released), ElementsAre("imaging_cd", "records"));
  for (const WorkItem& item : released) {
    EXPECT_EQ(item.state, WorkState::kNew);
    EXPECT_EQ(item.due_target, "2026-12-01");
    EXPECT_EQ(item.due_statutory, "2026-12-22");
  }
  const WorkItem closed = *Must(store_->GetWorkItem(review));
  EXPECT_EQ(closed.state, WorkState::kDone);
  EXPECT_EQ(closed.closed_by, "rita");

  EXPECT_THAT(AuditLines(*store_, "held"),
              ElementsAre(fmt::format("{} create state null>new by intake", review),
                          fmt::format("{} claim state new>in_progress by rita", review),
                          fmt::format("{} approve state in_progress>done by rita", review),
                          fmt::format("{} release state null>new by rita", released[0].id),
                          fmt::format("{} release state null>new by rita", released[1].id)));
}

TEST_F(QueueTest, DocumentWithNoDestinationIsApprovedOnlyToAChosenQueueWithItsDueDates) {
  StoreFile(*store_, "fax1.tif", {MakeRequest("other", "OTHER", "needs_review", {"review"})});
  const std::int64_t review = Must(store_->WorkItemsOf("other")).at(0).id;

  const auto refused = store_->ApproveReview("other", {"rita", {}, std::nullopt});
  ASSERT_FALSE(refused);
  EXPECT_THAT(refused.error().message, HasSubstr("no destination queue"));
  EXPECT_EQ(Must(store_->WorkItemsOf("other")).size(), 1u);
  EXPECT_EQ(Must(store_->GetWorkItem(review))->state, WorkState::kNew);

  const std::vector<WorkItem> released =
      Must(store_->ApproveReview("other", {"rita", {"records"}, Due{"2026-12-14", "2026-12-23"}}));
  ASSERT_EQ(released.size(), 1u);
  EXPECT_EQ(released[0].queue, "records");
  EXPECT_EQ(released[0].due_target, "2026-12-14");
  EXPECT_EQ(released[0].due_statutory, "2026-12-23");
  EXPECT_THAT(AuditLines(*store_, "other"),
              ElementsAre(fmt::format("{} create state null>new by intake", review),
                          fmt::format("{} approve state new>done by rita", review),
                          fmt::format("{} approve queues []>[\"records\"] by rita", review),
                          fmt::format("{} release state null>new by rita", released[0].id)));
}

TEST_F(QueueTest, ReviewMarkedDeficientIsClosedWithItsReasonAndReleasesNothing) {
  StoreFile(*store_, "fax1.tif", {MakeRequest("held", "AUTH", "needs_review", {"records"}, "2026-12-14")});

  const WorkItem review = Must(store_->MarkReviewDeficient("held", "rita", "signature missing"));
  EXPECT_EQ(review.queue, "review");
  EXPECT_EQ(review.state, WorkState::kDeficient);
  EXPECT_EQ(review.reason, "signature missing");
  EXPECT_EQ(Must(store_->WorkItemsOf("held")).size(), 1u);
  EXPECT_FALSE(store_->ApproveReview("held", {"rita", {}, std::nullopt})) << "a deficient document stays closed";
}

// What a refused move must leave untouched.
struct QueueSnapshot {
  std::vector<std::string> items;
  std::int64_t audit_rows;
  bool operator==(const QueueSnapshot&) const = default;
};

QueueSnapshot Take(Store& store, const fs::path& db) {
  QueueSnapshot snapshot;
  WorkItemFilter all;
  all.include_closed = true;
  for (const WorkItem& item : Must(store.ListWorkItems(all))) {
    snapshot.items.push_back(fmt::format("{} {} {} {} {}", item.id, item.queue, ToString(item.state),
                                         item.claimed_by.value_or("-"), item.updated_at));
  }
  snapshot.audit_rows = Scalar(db, "SELECT count(*) FROM audit");
  return snapshot;
}

TEST_F(QueueTest, WrongStateMovesAreStoreErrorsAndChangeNothing) {
  StoreFile(*store_, "fax1.tif",
            {MakeRequest("routed", "AUTH", "routed", {"records"}, "2026-12-14"),
             MakeRequest("held", "AUTH", "needs_review", {"records"}, "2026-12-14"),
             MakeRequest("done", "AUTH", "routed", {"imaging_cd"}, "2026-12-01")});
  const std::int64_t fresh = Must(store_->WorkItemsOf("routed")).at(0).id;
  const std::int64_t review = Must(store_->WorkItemsOf("held")).at(0).id;
  const std::int64_t finished = Must(store_->WorkItemsOf("done")).at(0).id;
  Must(store_->ClaimWorkItem(finished, "alice"));
  Must(store_->CompleteWorkItem(finished, "alice"));
  Must(store_->ClaimWorkItem(review, "rita"));
  const QueueSnapshot before = Take(*store_, db_);

  const std::vector<std::pair<std::string, Result<WorkItem>>> refusals = {
      {"complete an unclaimed item", store_->CompleteWorkItem(fresh, "alice")},
      {"claim an item in progress", store_->ClaimWorkItem(review, "bob")},
      {"claim a done item", store_->ClaimWorkItem(finished, "bob")},
      {"complete a done item", store_->CompleteWorkItem(finished, "alice")},
      {"mark a done item deficient", store_->MarkDeficient(finished, "alice", "late")},
      {"complete a review item", store_->CompleteWorkItem(review, "rita")},
      {"claim an unknown item", store_->ClaimWorkItem(9999, "alice")},
      {"claim without a name", store_->ClaimWorkItem(fresh, " ")},
      {"deficient without a reason", store_->MarkDeficient(fresh, "alice", "  ")},
      {"review-deficient a routed document", store_->MarkReviewDeficient("routed", "rita", "unsigned")},
      {"review-deficient an unknown document", store_->MarkReviewDeficient("nope", "rita", "unsigned")},
  };
  for (const auto& [what, result] : refusals) {
    ASSERT_FALSE(result) << what;
    EXPECT_EQ(result.error().code, ErrorCode::kStoreError) << what;
  }
  EXPECT_THAT(refusals[1].second.error().message, HasSubstr("claimed by rita"));
  EXPECT_FALSE(store_->ApproveReview("routed", {"rita", {}, std::nullopt})) << "routed documents have no review";
  EXPECT_FALSE(store_->ApproveReview("held", {"rita", {"review"}, std::nullopt})) << "review is no destination";
  EXPECT_FALSE(store_->ApproveReview("held", {"", {}, std::nullopt})) << "an approval needs a name";
  EXPECT_EQ(Take(*store_, db_), before);

  Must(store_->ApproveReview("held", {"rita", {}, std::nullopt}));
  const QueueSnapshot approved = Take(*store_, db_);
  EXPECT_FALSE(store_->ApproveReview("held", {"rita", {}, std::nullopt})) << "approved twice";
  EXPECT_FALSE(store_->MarkReviewDeficient("held", "rita", "unsigned")) << "deficient after approval";
  EXPECT_EQ(Take(*store_, db_), approved);
}

// ---------------------------------------------------------- order, filters

TEST_F(QueueTest, ListIsOldestDueFirstWithUndatedItemsLastAndFiltersByQueueDueAndState) {
  StoreFile(*store_, "fax1.tif",
            {MakeRequest("dec1", "AUTH", "routed", {"records"}, "2026-12-01", "2026-12-22"),
             MakeRequest("nov20-late", "AUTH", "routed", {"records"}, "2026-11-20", "2026-12-22"),
             MakeRequest("undated", "OTHER", "needs_review", {"review"}),
             MakeRequest("nov20-early", "AUTH", "routed", {"records"}, "2026-11-20", "2026-12-10"),
             MakeRequest("verbal", "VERBAL", "routed", {"verbal_authorization"}, "2026-11-25")});
  auto documents = [&](const WorkItemFilter& filter) {
    std::vector<std::string> ids;
    for (const WorkItem& item : Must(store_->ListWorkItems(filter))) ids.push_back(item.document_id);
    return ids;
  };

  EXPECT_THAT(documents({}), ElementsAre("nov20-early", "nov20-late", "verbal", "dec1", "undated"));
  EXPECT_THAT(documents({"records", std::nullopt, false}), ElementsAre("nov20-early", "nov20-late", "dec1"));
  EXPECT_THAT(documents({std::nullopt, "2026-11-25", false}), ElementsAre("nov20-early", "nov20-late"))
      << "due before is strict and leaves out undated items";

  const std::int64_t first = Must(store_->WorkItemsOf("nov20-early")).at(0).id;
  Must(store_->ClaimWorkItem(first, "alice"));
  Must(store_->CompleteWorkItem(first, "alice"));
  EXPECT_THAT(documents({"records", std::nullopt, false}), ElementsAre("nov20-late", "dec1"));
  EXPECT_THAT(documents({"records", std::nullopt, true}), ElementsAre("nov20-early", "nov20-late", "dec1"));
}

TEST_F(QueueTest, ClaimNextTakesTheOldestDueNewItemOfItsQueueUntilNoneIsLeft) {
  StoreFile(*store_, "fax1.tif",
            {MakeRequest("dec1", "AUTH", "routed", {"records"}, "2026-12-01"),
             MakeRequest("nov20", "AUTH", "routed", {"records"}, "2026-11-20"),
             MakeRequest("imaging", "AUTH", "routed", {"imaging_cd"}, "2026-11-01")});

  std::vector<std::string> taken;
  while (std::optional<WorkItem> item = Must(store_->ClaimNext("records", "alice"))) {
    EXPECT_EQ(item->state, WorkState::kInProgress);
    taken.push_back(item->document_id);
  }
  EXPECT_THAT(taken, ElementsAre("nov20", "dec1"));
  EXPECT_EQ(Must(store_->WorkItemsOf("imaging")).at(0).state, WorkState::kNew) << "other queues are left alone";
}

// ------------------------------------------------------- ledger integrity

TEST_F(QueueTest, RefusedCompleteProcessedLeavesNoWorkItemAndNoAuditRow) {
  StoreFile(*store_, "fax1.tif", {MakeRequest("taken", "AUTH", "routed", {"records"})});
  Arrival a;
  a.sha256 = std::string(64, 'b');
  a.inbox = "fax-records";
  a.source_name = "fax2.tif";
  a.received_at = "2026-11-23T10:14:00-05:00";
  const std::int64_t file = Must(store_->RecordArrival(a)).file_id;
  Must(store_->MarkProcessing(file));
  const QueueSnapshot before = Take(*store_, db_);

  // The second request reuses a stored document id: the first one's items must roll back with it.
  EXPECT_FALSE(store_->CompleteProcessed(file, {MakeRequest("fresh", "AUTH", "routed", {"records"}),
                                                MakeRequest("taken", "AUTH", "routed", {"records"})}));
  EXPECT_EQ(Take(*store_, db_), before);
  EXPECT_TRUE(Must(store_->WorkItemsOf("fresh")).empty());
}

TEST_F(QueueTest, MigrationGivesRequestsStoredBeforeVersionTwoTheirWork) {
  StoreFile(*store_, "fax1.tif",
            {MakeRequest("both", "AUTH", "routed", {"imaging_cd", "records"}, "2026-12-01", "2026-12-22"),
             MakeRequest("held", "AMEND", "needs_review", {"amendments"}, "2026-12-23")});
  store_.reset();
  {
    // Back to a version 1 ledger holding those requests.
    SQLite::Database raw(db_, SQLite::OPEN_READWRITE);
    raw.exec("DROP TABLE corrections; DROP TABLE sessions; DROP TABLE users; "
             "ALTER TABLE requests DROP COLUMN original_json; "
             "DROP TABLE audit; DROP TABLE work_items; DELETE FROM schema_version WHERE version >= 2");
  }
  store_ = OpenStore(db_);

  const std::vector<WorkItem> both = Must(store_->WorkItemsOf("both"));
  EXPECT_THAT(QueuesOf(both), ElementsAre("imaging_cd", "records"));
  EXPECT_EQ(both.at(0).due_target, "2026-12-01");
  EXPECT_EQ(both.at(0).due_statutory, "2026-12-22");
  EXPECT_EQ(both.at(0).form, "AUTH");
  const std::vector<WorkItem> held = Must(store_->WorkItemsOf("held"));
  EXPECT_THAT(QueuesOf(held), ElementsAre("review"));
  EXPECT_EQ(held.at(0).due_target, "2026-12-23");
  EXPECT_THAT(AuditLines(*store_, "held"), ElementsAre(fmt::format("{} create state null>new by intake", held[0].id)));
}

TEST_F(QueueTest, AuditTrailRefusesUpdatesAndDeletes) {
  StoreFile(*store_, "fax1.tif", {MakeRequest("doc", "AUTH", "routed", {"records"})});
  SQLite::Database raw(db_, SQLite::OPEN_READWRITE);
  EXPECT_THROW(raw.exec("UPDATE audit SET actor = 'someone else'"), SQLite::Exception);
  EXPECT_THROW(raw.exec("DELETE FROM audit"), SQLite::Exception);
  EXPECT_EQ(raw.execAndGet("SELECT count(*) FROM audit WHERE actor = 'intake'").getInt(), 1);
}

// ------------------------------------------------------------------ export

Request PatientRequest() {
  Request r = MakeRequest("doc-1", "AUTH", "routed", {"records"}, "2026-12-14", "2026-12-23");
  r.fields["patient.last_name"] = {"Peña, \"Jr\"", 0.95, 1, std::nullopt};
  r.fields["release.items"] = {nlohmann::json::array({"imaging_cd", "lab_results"}), 0.99, 1, std::nullopt};
  r.fields["signature.present"] = {true, 0.97, 2, std::nullopt};
  r.fields["recipient.address"] = {"1 Main St\nSuite 2", 0.91, 1, std::nullopt};
  r.findings = {{"AUTH-12", "pend", "signature.date", "signature date is after the day received"}};
  return r;
}

TEST_F(QueueTest, ExportJsonlIsOneFlatObjectPerItemWithItsRequestFields) {
  StoreFile(*store_, "fax1.tif", {PatientRequest(), MakeRequest("doc-2", "OTHER", "needs_review", {"review"})});
  std::ostringstream out;
  WriteExport(Must(store_->Export(std::nullopt)), ExportFormat::kJsonl, out);

  std::istringstream lines(out.str());
  std::string line;
  std::vector<nlohmann::json> rows;
  while (std::getline(lines, line)) rows.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(rows.size(), 2u);
  const nlohmann::json& row = rows[0];
  EXPECT_EQ(row["queue"], "records");
  EXPECT_EQ(row["state"], "new");
  EXPECT_EQ(row["due_target"], "2026-12-14");
  EXPECT_EQ(row["due_statutory"], "2026-12-23");
  EXPECT_EQ(row["document_id"], "doc-1");
  EXPECT_EQ(row["form"], "AUTH");
  EXPECT_EQ(row["form_code"], "HIS-AUTH-EN");
  EXPECT_EQ(row["channel"], "fax");
  EXPECT_EQ(row["received_at"], "2026-11-23T10:14:00-05:00");
  EXPECT_EQ(row["sender"], "LAW OFFICE");
  EXPECT_EQ(row["findings"], nlohmann::json::array({"AUTH-12"}));
  EXPECT_EQ(row["field.patient.last_name"], "Peña, \"Jr\"");
  EXPECT_EQ(row["field.release.items"], nlohmann::json::array({"imaging_cd", "lab_results"}));
  EXPECT_EQ(row["field.signature.present"], true);
  for (const auto& [key, value] : row.items()) EXPECT_FALSE(value.is_object()) << key << " is not flat";
  EXPECT_EQ(rows[1]["queue"], "review");
  EXPECT_FALSE(rows[1].contains("field.patient.last_name"));

  std::ostringstream review;
  WriteExport(Must(store_->Export("review")), ExportFormat::kJsonl, review);
  const std::string review_lines = review.str();
  EXPECT_EQ(std::count(review_lines.begin(), review_lines.end(), '\n'), 1) << "the queue filters the export";
}

// A strict RFC 4180 reader: rows of fields, CRLF line ends.
std::vector<std::vector<std::string>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1);
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"' && field.empty()) {
      quoted = true;
    } else if (c == ',') {
      rows.back().push_back(std::exchange(field, ""));
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      rows.back().push_back(std::exchange(field, ""));
      rows.emplace_back();
      ++i;
    } else {
      if (c == '"' || c == '\n' || c == '\r') throw std::runtime_error("bare quote or line break outside quotes");
      field += c;
    }
  }
  if (quoted || !field.empty() || !rows.back().empty()) throw std::runtime_error("last line not ended by CRLF");
  rows.pop_back();
  return rows;
}

TEST_F(QueueTest, ExportCsvHasOneHeaderAndOneQuotedRowPerItemWithEveryRowsFieldColumns) {
  Request other = MakeRequest("doc-2", "VERBAL", "routed", {"verbal_authorization"}, "2026-11-25");
  other.fields["verbal.person1.name"] = {"Ann", 0.95, 1, std::nullopt};
  StoreFile(*store_, "fax1.tif", {PatientRequest(), other});
  std::ostringstream out;
  WriteExport(Must(store_->Export(std::nullopt)), ExportFormat::kCsv, out);

  const auto rows = ParseCsv(out.str());
  ASSERT_EQ(rows.size(), 3u);
  const std::vector<std::string>& header = rows[0];
  EXPECT_EQ(header.front(), "work_item_id");
  auto cell = [&](std::size_t row, const std::string& column) {
    const auto at = std::find(header.begin(), header.end(), column);
    if (at == header.end()) throw std::runtime_error("no column " + column);
    return rows.at(row).at(static_cast<std::size_t>(at - header.begin()));
  };
  for (const auto& row : rows) EXPECT_EQ(row.size(), header.size());
  EXPECT_EQ(cell(1, "queue"), "records");
  EXPECT_EQ(cell(1, "field.patient.last_name"), "Peña, \"Jr\"");
  EXPECT_EQ(cell(1, "field.recipient.address"), "1 Main St\nSuite 2");
  EXPECT_EQ(cell(1, "field.release.items"), "imaging_cd;lab_results");
  EXPECT_EQ(cell(1, "field.signature.present"), "true");
  EXPECT_EQ(cell(1, "field.verbal.person1.name"), "") << "a field another row has is an empty cell";
  EXPECT_EQ(cell(1, "subject"), "") << "null is an empty cell";
  EXPECT_EQ(cell(1, "findings"), "AUTH-12");
  EXPECT_EQ(cell(2, "queue"), "verbal_authorization");
  EXPECT_EQ(cell(2, "field.verbal.person1.name"), "Ann");
}

TEST(QueueCsvTest, CsvFieldQuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(CsvField("plain text"), "plain text");
  EXPECT_EQ(CsvField(""), "");
  EXPECT_EQ(CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvField("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvField("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(CsvField("cr\rhere"), "\"cr\rhere\"");
  EXPECT_EQ(CsvField(" padded"), "\" padded\"");
}

// -------------------------------------------------------------- processes

// Forks a clerk that opens the ledger, waits at the gate, runs `work` and
// writes what it returns, one id a line, to `out`. Exits 0, or 2 when the
// ledger fails it.
template <class Work>
pid_t ForkClerk(const fs::path& db, Gate& gate, const fs::path& out, Work work) {
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  auto store = Store::Open(db);
  if (!store) ::_exit(2);
  gate.Wait();
  const std::optional<std::vector<std::int64_t>> ids = work(**store);
  if (!ids) ::_exit(2);
  std::ofstream file(out);
  for (std::int64_t id : *ids) file << id << "\n";
  file.close();
  ::_exit(file ? 0 : 2);
}

// A clerk's pause between claims. Without one, the process holding the write
// lock takes it again at once while the other sleeps in SQLite's busy
// handler, and one process gets every item: no contention would be tested.
constexpr auto kWork = 2ms;

int ExitCode(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::vector<std::int64_t> ReadIds(const fs::path& path) {
  std::ifstream in(path);
  std::vector<std::int64_t> ids;
  for (std::int64_t id; in >> id;) ids.push_back(id);
  return ids;
}

TEST(QueueConcurrencyTest, TwoProcessesClaimingNextFromOneQueueNeverTakeTheSameItemAndTakeEveryOne) {
  TempDir dir;
  const fs::path db = dir.path() / "intake.sqlite";
  constexpr int kItems = 200;
  {
    auto store = OpenStore(db);
    std::vector<Request> requests;
    for (int i = 0; i < kItems; ++i) {
      requests.push_back(MakeRequest(fmt::format("r{}", i), "AUTH", "routed", {"records"},
                                     fmt::format("2026-12-{:02}", i % 28 + 1)));
    }
    requests.push_back(MakeRequest("imaging", "AUTH", "routed", {"imaging_cd"}, "2026-11-01"));
    StoreFile(*store, "fax1.tif", requests);
  }

  Gate gate;
  std::vector<pid_t> clerks;
  for (const char* name : {"clerk-a", "clerk-b"}) {
    clerks.push_back(ForkClerk(db, gate, dir.path() / name, [name](Store& store) {
      std::vector<std::int64_t> ids;
      for (;;) {
        const Result<std::optional<WorkItem>> next = store.ClaimNext("records", name);
        if (!next) return std::optional<std::vector<std::int64_t>>();
        if (!*next) return std::optional(ids);
        ids.push_back((*next)->id);
        std::this_thread::sleep_for(kWork);
      }
    }));
  }
  gate.Open();
  for (pid_t pid : clerks) EXPECT_EQ(ExitCode(pid), 0) << "a clerk's ledger call failed";

  const std::vector<std::int64_t> a = ReadIds(dir.path() / "clerk-a");
  const std::vector<std::int64_t> b = ReadIds(dir.path() / "clerk-b");
  std::cout << "clerk-a claimed " << a.size() << ", clerk-b " << b.size() << "\n";
  std::multiset<std::int64_t> all(a.begin(), a.end());
  all.insert(b.begin(), b.end());
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kItems));
  EXPECT_EQ(std::set<std::int64_t>(all.begin(), all.end()).size(), all.size()) << "an item was claimed twice";
  EXPECT_FALSE(a.empty());
  EXPECT_FALSE(b.empty());

  auto store = OpenStore(db);
  for (const auto& [clerk, ids] : {std::pair{"clerk-a", a}, std::pair{"clerk-b", b}}) {
    for (std::int64_t id : ids) {
      const WorkItem item = *Must(store->GetWorkItem(id));
      EXPECT_EQ(item.queue, "records");
      EXPECT_EQ(item.claimed_by, clerk) << "item " << id;
    }
  }
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM work_items WHERE queue = 'records' AND state = 'new'"), 0);
  EXPECT_EQ(Must(store->WorkItemsOf("imaging")).at(0).state, WorkState::kNew);
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM audit WHERE action = 'claim'"), kItems) << "one claim row per item";
}

TEST(QueueConcurrencyTest, TwoProcessesClaimingTheSameItemsExactlyOneWinsEach) {
  TempDir dir;
  const fs::path db = dir.path() / "intake.sqlite";
  constexpr int kItems = 100;
  std::vector<std::int64_t> ids;
  {
    auto store = OpenStore(db);
    std::vector<Request> requests;
    for (int i = 0; i < kItems; ++i) {
      requests.push_back(MakeRequest(fmt::format("r{}", i), "AUTH", "routed", {"records"}));
    }
    StoreFile(*store, "fax1.tif", requests);
    for (const WorkItem& item : Must(store->ListWorkItems({}))) ids.push_back(item.id);
  }

  Gate gate;
  std::vector<pid_t> clerks;
  for (const char* name : {"clerk-a", "clerk-b"}) {
    clerks.push_back(ForkClerk(db, gate, dir.path() / name, [name, &ids](Store& store) {
      std::vector<std::int64_t> won;
      for (std::int64_t id : ids) {
        const Result<WorkItem> claimed = store.ClaimWorkItem(id, name);
        if (claimed) {
          won.push_back(id);
          std::this_thread::sleep_for(kWork);
        } else if (claimed.error().message.find("already in progress") == std::string::npos) {
          return std::optional<std::vector<std::int64_t>>();  // lost for another reason than the other clerk
        }
      }
      return std::optional(won);
    }));
  }
  gate.Open();
  for (pid_t pid : clerks) EXPECT_EQ(ExitCode(pid), 0);

  const std::vector<std::int64_t> a = ReadIds(dir.path() / "clerk-a");
  const std::vector<std::int64_t> b = ReadIds(dir.path() / "clerk-b");
  std::cout << "clerk-a won " << a.size() << ", clerk-b " << b.size() << "\n";
  std::vector<std::int64_t> all(a.begin(), a.end());
  all.insert(all.end(), b.begin(), b.end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, ids) << "every item won exactly once";
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM audit WHERE action = 'claim'"), kItems);
}

// ------------------------------------------------------------ the binary

fs::path WriteConfig(const fs::path& dir) {
  const fs::path config = dir / "intake.toml";
  testing::WriteFile(config, "data_dir = \"data\"\nworkers = 2\n"
                             "[watch]\nrescan_seconds = 0.5\nsettle_seconds = 0.3\nscan_quiet_seconds = 0.5\n"
                             "poll_seconds = 0.05\nonce_wait_seconds = 20\n");
  for (const char* sub : {"inbox/fax/records", "inbox/fax/imaging", "inbox/fax/verbal", "inbox/email/new",
                          "inbox/email/cur", "inbox/email/tmp", "inbox/scan"}) {
    fs::create_directories(dir / "data" / sub);
  }
  return config;
}

CommandResult Intake(const fs::path& config, std::vector<std::string> args) {
  std::vector<std::string> argv = {testing::IntakeBinary().string(), "--config", config.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return testing::RunCommand(argv, 300s);
}

struct ListedItem {
  std::int64_t id;
  std::string queue, state, form, due, days_left, statutory, claimed_by, document_id;
};

// The rows of `intake queue list` (after its header, before its count line).
std::vector<ListedItem> ParseList(const std::string& out) {
  std::istringstream lines(out);
  std::string line;
  std::vector<ListedItem> items;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    ListedItem item;
    if (!(words >> item.id)) continue;
    if (!(words >> item.queue >> item.state >> item.form >> item.due >> item.days_left >> item.statutory >>
          item.claimed_by >> item.document_id)) {
      continue;
    }
    items.push_back(item);
  }
  return items;
}

TEST(QueueCommandTest, FaxesRunOnceWaitInReviewThenApprovalMovesOneToRecordsAndTheExportHasIt) {
  TempDir dir;
  const fs::path config = WriteConfig(dir.path());
  testing::WriteFaxBatch(dir.path() / "data/inbox/fax/records", 3, 31);
  const CommandResult run = Intake(config, {"run", "--once"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::int64_t requests = Scalar(dir.path() / "data/intake.sqlite", "SELECT count(*) FROM requests");
  ASSERT_GE(requests, 3);

  const CommandResult listed = Intake(config, {"queue", "list", "--queue", "review"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  const std::vector<ListedItem> review = ParseList(listed.out);
  ASSERT_EQ(static_cast<std::int64_t>(review.size()), requests) << listed.out;
  std::set<std::string> documents;
  for (const ListedItem& item : review) {
    EXPECT_EQ(item.queue, "review");
    EXPECT_EQ(item.state, "new");
    documents.insert(item.document_id);
  }
  EXPECT_EQ(static_cast<std::int64_t>(documents.size()), requests) << "one review item per request";

  const std::string document = review[0].document_id;
  const CommandResult approved =
      Intake(config, {"review", "approve", document, "--queue", "records", "--as", "rita"});
  ASSERT_EQ(approved.exit_code, 0) << approved.err;
  EXPECT_THAT(approved.out, HasSubstr("records"));

  const std::vector<ListedItem> records = ParseList(Intake(config, {"queue", "list", "--queue", "records"}).out);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].document_id, document);
  EXPECT_NE(records[0].due, "-") << "the chosen queue's due date is counted from the receipt";
  EXPECT_EQ(ParseList(Intake(config, {"queue", "list", "--queue", "review"}).out).size(), review.size() - 1);

  const CommandResult exported = Intake(config, {"queue", "export", "--format", "jsonl", "--queue", "records"});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  const nlohmann::json row = nlohmann::json::parse(exported.out.substr(0, exported.out.find('\n')));
  EXPECT_EQ(row["document_id"], document);
  EXPECT_EQ(row["queue"], "records");
  EXPECT_EQ(row["state"], "new");
  EXPECT_EQ(row["due_target"], records[0].due);

  const CommandResult again = Intake(config, {"review", "approve", document, "--queue", "records"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_THAT(again.err, HasSubstr("already approved by rita"));
}

TEST(QueueCommandTest, ClerkCommandsClaimCompleteAndRefuseWithExitCodesAndTheListShowsNoPatientData) {
  TempDir dir;
  const fs::path config = WriteConfig(dir.path());
  {
    auto store = OpenStore(dir.path() / "data/intake.sqlite");
    Request held = PatientRequest();
    held.document_id = "held";
    held.status = "needs_review";
    StoreFile(*store, "fax1.tif",
              {PatientRequest(), held, MakeRequest("other", "OTHER", "needs_review", {"review"})});
  }

  const CommandResult listed = Intake(config, {"queue", "list"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  for (const char* phi : {"Peña", "Main St", "LAW OFFICE", "lab_results", "fax000123"}) {
    EXPECT_THAT(listed.out, ::testing::Not(HasSubstr(phi))) << listed.out;
  }
  const std::vector<ListedItem> items = ParseList(listed.out);
  ASSERT_EQ(items.size(), 3u) << listed.out;
  EXPECT_EQ(items[0].document_id, "doc-1");
  EXPECT_EQ(items[0].form, "AUTH");
  EXPECT_EQ(items[0].due, "2026-12-14");
  EXPECT_EQ(items[0].statutory, "2026-12-23");
  EXPECT_EQ(items[2].document_id, "other");
  EXPECT_EQ(items[2].days_left, "-");

  const std::string item = std::to_string(items[0].id);
  EXPECT_EQ(Intake(config, {"queue", "complete", item, "--as", "alice"}).exit_code, 1) << "not claimed yet";
  const CommandResult next = Intake(config, {"queue", "next", "records", "--as", "alice"});
  ASSERT_EQ(next.exit_code, 0) << next.err;
  EXPECT_THAT(next.out, HasSubstr("item " + item));
  const CommandResult taken = Intake(config, {"queue", "claim", item, "--as", "bob"});
  EXPECT_EQ(taken.exit_code, 1);
  EXPECT_THAT(taken.err, HasSubstr("claimed by alice"));
  EXPECT_EQ(Intake(config, {"queue", "next", "records"}).exit_code, 1) << "the queue is empty";
  EXPECT_EQ(Intake(config, {"queue", "complete", item, "--as", "alice"}).exit_code, 0);
  EXPECT_EQ(Intake(config, {"queue", "list", "--queue", "records"}).out, "no open work items in queue records\n");

  const CommandResult no_destination = Intake(config, {"review", "approve", "other"});
  EXPECT_EQ(no_destination.exit_code, 2);
  EXPECT_THAT(no_destination.err, HasSubstr("--queue"));
  EXPECT_EQ(Intake(config, {"review", "approve", "other", "--queue", "review"}).exit_code, 2);
  EXPECT_EQ(Intake(config, {"review", "deficient", "held", "--reason", "signature missing", "--as", "rita"}).exit_code,
            0);
  EXPECT_EQ(Intake(config, {"queue", "list", "--due-before", "12/14/2026"}).exit_code, 2);
  EXPECT_EQ(Intake(config, {"queue", "list", "--queue", "recordz"}).exit_code, 2);

  const CommandResult csv = Intake(config, {"queue", "export", "--format", "csv"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(ParseCsv(csv.out).size(), 4u) << "a header and one row per item, closed ones included";
}

}  // namespace
}  // namespace intake
