// The work queues of the ledger (store.h, "Work queues"): items, their one-way
// walk, the review release, the export and the audit trail.
#include <algorithm>
#include <array>
#include <cctype>

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

#include "store/ledger_internal.h"
#include "store/store.h"

namespace intake {
namespace {

using ledger::Bind;
using ledger::NowUtc;
using ledger::OptionalText;
using ledger::StoreFail;

// The queue of needs_review requests (route/'s kReviewQueue; the store does
// not depend on the routing library).
constexpr std::string_view kReview = "review";

constexpr std::array kAllWorkStates = {WorkState::kNew, WorkState::kInProgress, WorkState::kDone,
                                       WorkState::kDeficient};

constexpr char kItemColumns[] =
    "id, document_id, file_id, queue, state, form, due_target, due_statutory, claimed_by, claimed_at, closed_by, "
    "closed_at, reason, created_at, updated_at";

// Oldest target first, items without one last; then statutory; then age.
constexpr char kDueOrder[] =
    "due_target IS NULL, due_target, due_statutory IS NULL, due_statutory, id";

WorkItem ItemFromRow(SQLite::Statement& row) {
  WorkItem item;
  item.id = row.getColumn(0).getInt64();
  item.document_id = row.getColumn(1).getString();
  item.file_id = row.getColumn(2).getInt64();
  item.queue = row.getColumn(3).getString();
  item.state = WorkStateFromString(row.getColumn(4).getString()).value_or(WorkState::kNew);
  item.form = row.getColumn(5).getString();
  item.due_target = OptionalText(row.getColumn(6));
  item.due_statutory = OptionalText(row.getColumn(7));
  item.claimed_by = OptionalText(row.getColumn(8));
  item.claimed_at = OptionalText(row.getColumn(9));
  item.closed_by = OptionalText(row.getColumn(10));
  item.closed_at = OptionalText(row.getColumn(11));
  item.reason = row.getColumn(12).getString();
  item.created_at = row.getColumn(13).getString();
  item.updated_at = row.getColumn(14).getString();
  return item;
}

std::optional<WorkItem> LoadItem(SQLite::Database& db, std::int64_t id) {
  SQLite::Statement query(db, fmt::format("SELECT {} FROM work_items WHERE id = ?", kItemColumns));
  query.bind(1, id);
  if (!query.executeStep()) return std::nullopt;
  return ItemFromRow(query);
}

std::optional<WorkItem> LoadReviewItem(SQLite::Database& db, const std::string& document_id) {
  SQLite::Statement query(db,
                          fmt::format("SELECT {} FROM work_items WHERE document_id = ? AND queue = ?", kItemColumns));
  query.bind(1, document_id);
  query.bind(2, std::string(kReview));
  if (!query.executeStep()) return std::nullopt;
  return ItemFromRow(query);
}

std::optional<Request> LoadRequest(SQLite::Database& db, const std::string& document_id) {
  SQLite::Statement query(db, "SELECT json FROM requests WHERE document_id = ?");
  query.bind(1, document_id);
  if (!query.executeStep()) return std::nullopt;
  return RequestFromJson(nlohmann::json::parse(query.getColumn(0).getString()));
}

void AddAudit(SQLite::Database& db, const std::string& at, std::string_view actor, std::string_view action,
              const std::string& document_id, std::optional<std::int64_t> item_id, std::string_view field,
              const std::optional<std::string>& before, const std::optional<std::string>& after) {
  SQLite::Statement insert(db,
                           "INSERT INTO audit (at, actor, action, document_id, work_item_id, field, \"before\", "
                           "\"after\") VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, at);
  insert.bind(2, std::string(actor));
  insert.bind(3, std::string(action));
  insert.bind(4, document_id);
  if (item_id) {
    insert.bind(5, *item_id);
  } else {
    insert.bind(5);
  }
  insert.bind(6, std::string(field));
  Bind(insert, 7, before);
  Bind(insert, 8, after);
  insert.exec();
}

std::optional<std::string> StateText(WorkState state) { return std::string(ToString(state)); }

// A new item on `queue`, audited as `action` by `actor`.
std::int64_t InsertItem(SQLite::Database& db, const std::string& document_id, std::int64_t file_id,
                        const std::string& queue, const std::string& form, const Due& due, std::string_view actor,
                        std::string_view action, const std::string& at) {
  SQLite::Statement insert(db,
                           "INSERT INTO work_items (document_id, file_id, queue, state, form, due_target, "
                           "due_statutory, created_at, updated_at) VALUES (?, ?, ?, 'new', ?, ?, ?, ?, ?)");
  insert.bind(1, document_id);
  insert.bind(2, file_id);
  insert.bind(3, queue);
  insert.bind(4, form);
  Bind(insert, 5, due.target);
  Bind(insert, 6, due.statutory);
  insert.bind(7, at);
  insert.bind(8, at);
  insert.exec();
  const std::int64_t id = db.getLastInsertRowid();
  AddAudit(db, at, actor, action, document_id, id, "state", std::nullopt, StateText(WorkState::kNew));
  return id;
}

// The destinations of a request: its queues without review, each once.
std::vector<std::string> Destinations(const std::vector<std::string>& queues) {
  std::vector<std::string> out;
  for (const std::string& queue : queues) {
    if (queue != kReview && std::find(out.begin(), out.end(), queue) == out.end()) out.push_back(queue);
  }
  return out;
}

bool Blank(const std::string& text) {
  return std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isspace(c); });
}

// Why `item` cannot make the move; ids, queue, state and staff names only.
tl::unexpected<Error> Refuse(std::string_view action, const WorkItem& item) {
  std::string why;
  switch (item.state) {
    case WorkState::kNew:
      why = fmt::format("work item {} ({}) has not been claimed: claim it first", item.id, item.queue);
      break;
    case WorkState::kInProgress:
      why = fmt::format("work item {} ({}) is already in progress, claimed by {}", item.id, item.queue,
                        item.claimed_by.value_or("someone"));
      break;
    case WorkState::kDone:
      why = fmt::format("work item {} ({}) is already done", item.id, item.queue);
      break;
    case WorkState::kDeficient:
      why = fmt::format("work item {} ({}) was already marked deficient", item.id, item.queue);
      break;
  }
  return StoreFail(action, why);
}

Result<WorkItem> ExistingItem(SQLite::Database& db, std::int64_t id, std::string_view action) {
  std::optional<WorkItem> item = LoadItem(db, id);
  if (!item) return StoreFail(action, fmt::format("there is no work item {}", id));
  return *item;
}

Result<void> CheckActor(const std::string& actor, std::string_view action) {
  if (Blank(actor)) return StoreFail(action, "say who is doing it: a name is required");
  return {};
}

// new -> in_progress. The state test is in the UPDATE itself, so that even
// outside this transaction's write lock two claims could not both succeed.
Result<WorkItem> Claim(SQLite::Database& db, const WorkItem& item, const std::string& actor, std::string_view action) {
  const std::string now = NowUtc();
  SQLite::Statement update(db,
                           "UPDATE work_items SET state = 'in_progress', claimed_by = ?, claimed_at = ?, "
                           "updated_at = ? WHERE id = ? AND state = 'new'");
  update.bind(1, actor);
  update.bind(2, now);
  update.bind(3, now);
  update.bind(4, item.id);
  if (update.exec() != 1) return Refuse(action, item);
  AddAudit(db, now, actor, "claim", item.document_id, item.id, "state", StateText(WorkState::kNew),
           StateText(WorkState::kInProgress));
  return *LoadItem(db, item.id);
}

// new/in_progress -> deficient with the reason.
Result<WorkItem> Deficient(SQLite::Database& db, const WorkItem& item, const std::string& actor,
                           const std::string& reason, std::string_view action) {
  if (item.state != WorkState::kNew && item.state != WorkState::kInProgress) return Refuse(action, item);
  const std::string now = NowUtc();
  SQLite::Statement update(db,
                           "UPDATE work_items SET state = 'deficient', reason = ?, closed_by = ?, closed_at = ?, "
                           "updated_at = ? WHERE id = ?");
  update.bind(1, reason);
  update.bind(2, actor);
  update.bind(3, now);
  update.bind(4, now);
  update.bind(5, item.id);
  update.exec();
  AddAudit(db, now, actor, "deficient", item.document_id, item.id, "state", StateText(item.state),
           StateText(WorkState::kDeficient));
  AddAudit(db, now, actor, "deficient", item.document_id, item.id, "reason", item.reason, reason);
  return *LoadItem(db, item.id);
}

// The request's review item, when it is still open.
Result<WorkItem> OpenReviewItem(SQLite::Database& db, const std::string& document_id, std::string_view action) {
  SQLite::Statement known(db, "SELECT 1 FROM requests WHERE document_id = ?");
  known.bind(1, document_id);
  if (!known.executeStep()) return StoreFail(action, fmt::format("there is no document {}", document_id));
  std::optional<WorkItem> review = LoadReviewItem(db, document_id);
  if (!review) {
    return StoreFail(action, fmt::format("document {} is not waiting for review: it went to its queues directly",
                                         document_id));
  }
  if (review->state == WorkState::kDone) {
    return StoreFail(action, fmt::format("document {} was already approved by {}", document_id,
                                         review->closed_by.value_or("a reviewer")));
  }
  if (review->state == WorkState::kDeficient) {
    return StoreFail(action, fmt::format("document {} was already marked deficient by {}", document_id,
                                         review->closed_by.value_or("a reviewer")));
  }
  return *review;
}

nlohmann::ordered_json OrNull(const std::optional<std::string>& value) {
  return value ? nlohmann::ordered_json(*value) : nlohmann::ordered_json(nullptr);
}

}  // namespace

namespace ledger {

void AddWorkFor(SQLite::Database& db, std::int64_t file_id, const Request& request, const std::string& at) {
  std::vector<std::string> queues;
  if (request.status == "routed") {
    for (const std::string& queue : request.queues) {
      if (std::find(queues.begin(), queues.end(), queue) == queues.end()) queues.push_back(queue);
    }
  }
  if (queues.empty()) queues.emplace_back(kReview);
  for (const std::string& queue : queues) {
    InsertItem(db, request.document_id, file_id, queue, request.form, request.due, kServiceActor, "create", at);
  }
}

Result<std::vector<WorkItem>> Approve(SQLite::Database& db, const std::string& document_id, const Approval& approval) {
  constexpr std::string_view kAction = "approve the document";
  Result<WorkItem> review = OpenReviewItem(db, document_id, kAction);
  if (!review) return tl::unexpected(review.error());
  const Request request = *LoadRequest(db, document_id);

  const std::vector<std::string> own = Destinations(request.queues);
  std::vector<std::string> chosen = own;
  if (!approval.queues.empty()) {
    chosen.clear();
    for (const std::string& queue : approval.queues) {
      if (queue == kReview || Blank(queue)) {
        return StoreFail(kAction, "review is not a destination: choose the queue to release the document to");
      }
      if (std::find(chosen.begin(), chosen.end(), queue) == chosen.end()) chosen.push_back(queue);
    }
  }
  if (chosen.empty()) {
    return StoreFail(kAction, fmt::format("document {} (form {}) has no destination queue: choose the queue to "
                                          "release it to",
                                          document_id, request.form));
  }

  const std::string now = NowUtc();
  SQLite::Statement close(db,
                          "UPDATE work_items SET state = 'done', closed_by = ?, closed_at = ?, updated_at = ? "
                          "WHERE id = ?");
  close.bind(1, approval.actor);
  close.bind(2, now);
  close.bind(3, now);
  close.bind(4, review->id);
  close.exec();
  AddAudit(db, now, approval.actor, "approve", document_id, review->id, "state", StateText(review->state),
           StateText(WorkState::kDone));
  if (chosen != own) {
    AddAudit(db, now, approval.actor, "approve", document_id, review->id, "queues", nlohmann::json(own).dump(),
             nlohmann::json(chosen).dump());
  }

  const Due due = approval.due.value_or(request.due);
  std::vector<WorkItem> released;
  for (const std::string& queue : chosen) {
    const std::int64_t id =
        InsertItem(db, document_id, review->file_id, queue, request.form, due, approval.actor, "release", now);
    released.push_back(*LoadItem(db, id));
  }
  return released;
}

std::optional<WorkItem> LoadWorkItem(SQLite::Database& db, std::int64_t id) { return LoadItem(db, id); }

std::optional<WorkItem> ReviewItemOf(SQLite::Database& db, const std::string& document_id) {
  return LoadReviewItem(db, document_id);
}

Result<WorkItem> OpenReview(SQLite::Database& db, const std::string& document_id, std::string_view action) {
  return OpenReviewItem(db, document_id, action);
}

void Audit(SQLite::Database& db, const std::string& at, std::string_view actor, std::string_view action,
           const std::string& document_id, std::optional<std::int64_t> item_id, std::string_view field,
           const std::optional<std::string>& before, const std::optional<std::string>& after) {
  AddAudit(db, at, actor, action, document_id, item_id, field, before, after);
}

}  // namespace ledger

std::string_view ToString(WorkState state) {
  switch (state) {
    case WorkState::kNew: return "new";
    case WorkState::kInProgress: return "in_progress";
    case WorkState::kDone: return "done";
    case WorkState::kDeficient: return "deficient";
  }
  return "new";
}

std::optional<WorkState> WorkStateFromString(std::string_view text) {
  for (WorkState state : kAllWorkStates) {
    if (ToString(state) == text) return state;
  }
  return std::nullopt;
}

nlohmann::ordered_json ToJson(const ExportRow& row) {
  const WorkItem& item = row.item;
  const Request& request = row.request;
  nlohmann::ordered_json findings = nlohmann::ordered_json::array();
  for (const Finding& finding : request.findings) findings.push_back(finding.rule);
  nlohmann::ordered_json flat = {
      {"work_item_id", item.id},
      {"queue", item.queue},
      {"state", ToString(item.state)},
      {"due_target", OrNull(item.due_target)},
      {"due_statutory", OrNull(item.due_statutory)},
      {"claimed_by", OrNull(item.claimed_by)},
      {"claimed_at", OrNull(item.claimed_at)},
      {"closed_by", OrNull(item.closed_by)},
      {"closed_at", OrNull(item.closed_at)},
      {"reason", item.reason},
      {"updated_at", item.updated_at},
      {"document_id", request.document_id},
      {"form", request.form},
      {"form_code", OrNull(request.form_code)},
      {"language", OrNull(request.language)},
      {"status", request.status},
      {"channel", ToString(request.source.channel)},
      {"fax_line", OrNull(request.source.fax_line)},
      {"file", request.source.file},
      {"sha256", request.source.sha256},
      {"received_at", request.source.received_at},
      {"sender", OrNull(request.source.sender)},
      {"subject", OrNull(request.source.subject)},
      {"findings", std::move(findings)},
  };
  for (const auto& [key, field] : request.fields) flat["field." + key] = field.value;
  return flat;
}

Result<std::optional<Request>> Store::GetRequest(const std::string& document_id) {
  return impl_->Read("read the request", [&](SQLite::Database& db) -> Result<std::optional<Request>> {
    return LoadRequest(db, document_id);
  });
}

Result<std::vector<WorkItem>> Store::ListWorkItems(const WorkItemFilter& filter) {
  return impl_->Read("list the work items", [&](SQLite::Database& db) -> Result<std::vector<WorkItem>> {
    std::string where = filter.include_closed ? "1" : "state IN ('new', 'in_progress')";
    if (filter.queue) where += " AND queue = :queue";
    if (filter.due_before) where += " AND due_target < :due_before";
    SQLite::Statement query(
        db, fmt::format("SELECT {} FROM work_items WHERE {} ORDER BY {}", kItemColumns, where, kDueOrder));
    if (filter.queue) query.bind(":queue", *filter.queue);
    if (filter.due_before) query.bind(":due_before", *filter.due_before);
    std::vector<WorkItem> items;
    while (query.executeStep()) items.push_back(ItemFromRow(query));
    return items;
  });
}

Result<std::optional<WorkItem>> Store::GetWorkItem(std::int64_t id) {
  return impl_->Read("read the work item",
                     [&](SQLite::Database& db) -> Result<std::optional<WorkItem>> { return LoadItem(db, id); });
}

Result<std::vector<WorkItem>> Store::WorkItemsOf(const std::string& document_id) {
  return impl_->Read("read the document's work items", [&](SQLite::Database& db) -> Result<std::vector<WorkItem>> {
    SQLite::Statement query(db,
                            fmt::format("SELECT {} FROM work_items WHERE document_id = ? ORDER BY id", kItemColumns));
    query.bind(1, document_id);
    std::vector<WorkItem> items;
    while (query.executeStep()) items.push_back(ItemFromRow(query));
    return items;
  });
}

Result<WorkItem> Store::ClaimWorkItem(std::int64_t id, const std::string& actor) {
  constexpr std::string_view kAction = "claim the work item";
  if (auto ok = CheckActor(actor, kAction); !ok) return tl::unexpected(ok.error());
  return impl_->Write(kAction, [&](SQLite::Database& db) -> Result<WorkItem> {
    Result<WorkItem> item = ExistingItem(db, id, kAction);
    if (!item) return item;
    return Claim(db, *item, actor, kAction);
  });
}

Result<std::optional<WorkItem>> Store::ClaimNext(const std::string& queue, const std::string& actor) {
  constexpr std::string_view kAction = "claim the next work item";
  if (auto ok = CheckActor(actor, kAction); !ok) return tl::unexpected(ok.error());
  return impl_->Write(kAction, [&](SQLite::Database& db) -> Result<std::optional<WorkItem>> {
    SQLite::Statement first(db, fmt::format("SELECT {} FROM work_items WHERE queue = ? AND state = 'new' "
                                            "ORDER BY {} LIMIT 1",
                                            kItemColumns, kDueOrder));
    first.bind(1, queue);
    if (!first.executeStep()) return std::nullopt;
    Result<WorkItem> claimed = Claim(db, ItemFromRow(first), actor, kAction);
    if (!claimed) return tl::unexpected(claimed.error());
    return *claimed;
  });
}

Result<WorkItem> Store::CompleteWorkItem(std::int64_t id, const std::string& actor) {
  constexpr std::string_view kAction = "complete the work item";
  if (auto ok = CheckActor(actor, kAction); !ok) return tl::unexpected(ok.error());
  return impl_->Write(kAction, [&](SQLite::Database& db) -> Result<WorkItem> {
    Result<WorkItem> item = ExistingItem(db, id, kAction);
    if (!item) return item;
    if (item->queue == kReview) {
      return StoreFail(kAction, fmt::format("work item {} is a review: approve document {} or mark it deficient",
                                            id, item->document_id));
    }
    if (item->state != WorkState::kInProgress) return Refuse(kAction, *item);
    const std::string now = NowUtc();
    SQLite::Statement update(db,
                             "UPDATE work_items SET state = 'done', closed_by = ?, closed_at = ?, updated_at = ? "
                             "WHERE id = ?");
    update.bind(1, actor);
    update.bind(2, now);
    update.bind(3, now);
    update.bind(4, id);
    update.exec();
    AddAudit(db, now, actor, "complete", item->document_id, id, "state", StateText(WorkState::kInProgress),
             StateText(WorkState::kDone));
    return *LoadItem(db, id);
  });
}

Result<WorkItem> Store::MarkDeficient(std::int64_t id, const std::string& actor, const std::string& reason) {
  constexpr std::string_view kAction = "mark the work item deficient";
  if (auto ok = CheckActor(actor, kAction); !ok) return tl::unexpected(ok.error());
  if (Blank(reason)) return StoreFail(kAction, "give the reason, for the letter to the sender");
  return impl_->Write(kAction, [&](SQLite::Database& db) -> Result<WorkItem> {
    Result<WorkItem> item = ExistingItem(db, id, kAction);
    if (!item) return item;
    return Deficient(db, *item, actor, reason, kAction);
  });
}

Result<std::vector<WorkItem>> Store::ApproveReview(const std::string& document_id, const Approval& approval) {
  constexpr std::string_view kAction = "approve the document";
  if (auto ok = CheckActor(approval.actor, kAction); !ok) return tl::unexpected(ok.error());
  return impl_->Write(kAction, [&](SQLite::Database& db) { return ledger::Approve(db, document_id, approval); });
}

Result<WorkItem> Store::MarkReviewDeficient(const std::string& document_id, const std::string& actor,
                                            const std::string& reason) {
  constexpr std::string_view kAction = "mark the document deficient";
  if (auto ok = CheckActor(actor, kAction); !ok) return tl::unexpected(ok.error());
  if (Blank(reason)) return StoreFail(kAction, "give the reason, for the letter to the sender");
  return impl_->Write(kAction, [&](SQLite::Database& db) -> Result<WorkItem> {
    Result<WorkItem> review = OpenReviewItem(db, document_id, kAction);
    if (!review) return review;
    return Deficient(db, *review, actor, reason, kAction);
  });
}

Result<std::vector<ExportRow>> Store::Export(const std::optional<std::string>& queue) {
  return impl_->Read("export the work items", [&](SQLite::Database& db) -> Result<std::vector<ExportRow>> {
    std::string columns;
    for (std::string_view column : {"w.id", "w.document_id", "w.file_id", "w.queue", "w.state", "w.form",
                                    "w.due_target", "w.due_statutory", "w.claimed_by", "w.claimed_at", "w.closed_by",
                                    "w.closed_at", "w.reason", "w.created_at", "w.updated_at", "r.json"}) {
      columns += columns.empty() ? "" : ", ";
      columns += column;
    }
    SQLite::Statement query(db, fmt::format("SELECT {} FROM work_items w JOIN requests r USING (document_id) {} "
                                            "ORDER BY w.id",
                                            columns, queue ? "WHERE w.queue = ?" : ""));
    if (queue) query.bind(1, *queue);
    std::vector<ExportRow> rows;
    while (query.executeStep()) {
      rows.push_back({ItemFromRow(query), RequestFromJson(nlohmann::json::parse(query.getColumn(15).getString()))});
    }
    return rows;
  });
}

Result<std::vector<AuditEntry>> Store::AuditOf(const std::string& document_id) {
  return impl_->Read("read the audit trail", [&](SQLite::Database& db) -> Result<std::vector<AuditEntry>> {
    SQLite::Statement query(db,
                            "SELECT id, at, actor, action, document_id, work_item_id, field, \"before\", \"after\" "
                            "FROM audit WHERE document_id = ? ORDER BY id");
    query.bind(1, document_id);
    std::vector<AuditEntry> entries;
    while (query.executeStep()) {
      AuditEntry entry;
      entry.id = query.getColumn(0).getInt64();
      entry.at = query.getColumn(1).getString();
      entry.actor = query.getColumn(2).getString();
      entry.action = query.getColumn(3).getString();
      entry.document_id = query.getColumn(4).getString();
      if (!query.getColumn(5).isNull()) entry.work_item_id = query.getColumn(5).getInt64();
      entry.field = query.getColumn(6).getString();
      entry.before = OptionalText(query.getColumn(7));
      entry.after = OptionalText(query.getColumn(8));
      entries.push_back(std::move(entry));
    }
    return entries;
  });
}

}  // namespace intake
