// What reviewers do to a held document beyond the work queues' own moves
// (store.h, "Reviewers"): views, corrected values, reclassification, reopening.
#include <algorithm>

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

#include "store/ledger_internal.h"
#include "store/store.h"

namespace intake {
namespace {

using ledger::NowUtc;
using ledger::StoreFail;

constexpr char kWithdrawn[] = "withdrawn: reopened for review";

Request LoadStoredRequest(SQLite::Database& db, const std::string& document_id) {
  SQLite::Statement query(db, "SELECT json FROM requests WHERE document_id = ?");
  query.bind(1, document_id);
  query.executeStep();
  return RequestFromJson(nlohmann::json::parse(query.getColumn(0).getString()));
}

std::string Dump(const nlohmann::ordered_json& json) {
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Stores `request` as the document's values, keeping the pipeline's reading
// the first time they change.
void SaveRequest(SQLite::Database& db, const Request& request) {
  SQLite::Statement update(db,
                           "UPDATE requests SET original_json = coalesce(original_json, json), json = ? "
                           "WHERE document_id = ?");
  update.bind(1, Dump(ToJson(request)));
  update.bind(2, request.document_id);
  update.exec();
}

std::optional<std::string> ValueText(const FieldReading* field) {
  if (!field) return std::nullopt;
  return Dump(field->value);
}

}  // namespace

Result<void> Store::RecordView(const std::string& document_id, const std::string& actor, const std::string& what) {
  return impl_->Write("record the view", [&](SQLite::Database& db) -> Result<void> {
    SQLite::Statement known(db, "SELECT 1 FROM requests WHERE document_id = ?");
    known.bind(1, document_id);
    if (!known.executeStep()) return StoreFail("record the view", fmt::format("there is no document {}", document_id));
    ledger::Audit(db, NowUtc(), actor, "view", document_id, std::nullopt, what, std::nullopt, std::nullopt);
    return {};
  });
}

Result<std::vector<WorkItem>> Store::ApproveCorrected(const std::string& document_id, const Approval& approval,
                                                      const FieldEdits& edits) {
  constexpr std::string_view kAction = "approve the document";
  if (approval.actor.empty()) return StoreFail(kAction, "say who is doing it: a name is required");
  return impl_->Write(kAction, [&](SQLite::Database& db) -> Result<std::vector<WorkItem>> {
    Result<WorkItem> review = ledger::OpenReview(db, document_id, kAction);
    if (!review) return tl::unexpected(review.error());
    const Request before = LoadStoredRequest(db, document_id);
    Request after = before;
    const std::string now = NowUtc();
    for (const auto& [key, value] : edits) {
      const auto old = before.fields.find(key);
      const FieldReading* old_reading = old == before.fields.end() ? nullptr : &old->second;
      if (!value) {
        if (!old_reading) continue;
        after.fields.erase(key);
      } else {
        if (old_reading && old_reading->value == *value) continue;
        FieldReading& reading = after.fields[key];
        reading.value = *value;
        reading.confidence = 1;
      }
      ledger::Audit(db, now, approval.actor, "correct", document_id, review->id, "field." + key,
                    ValueText(old_reading), ValueText(value ? &after.fields[key] : nullptr));
    }
    SaveRequest(db, after);

    SQLite::Statement row(db,
                          "INSERT INTO corrections (document_id, field, \"before\", \"after\", confidence, changed, "
                          "actor, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    std::vector<std::string> keys;
    for (const auto& [key, reading] : before.fields) keys.push_back(key);
    for (const auto& [key, reading] : after.fields) {
      if (!before.fields.count(key)) keys.push_back(key);
    }
    for (const std::string& key : keys) {
      const auto old = before.fields.find(key);
      const auto now_field = after.fields.find(key);
      const FieldReading* old_reading = old == before.fields.end() ? nullptr : &old->second;
      const FieldReading* new_reading = now_field == after.fields.end() ? nullptr : &now_field->second;
      const std::optional<std::string> was = ValueText(old_reading), is = ValueText(new_reading);
      row.bind(1, document_id);
      row.bind(2, key);
      ledger::Bind(row, 3, was);
      ledger::Bind(row, 4, is);
      if (old_reading) {
        row.bind(5, old_reading->confidence);
      } else {
        row.bind(5);
      }
      row.bind(6, was != is ? 1 : 0);
      row.bind(7, approval.actor);
      row.bind(8, now);
      row.exec();
      row.reset();
    }
    return ledger::Approve(db, document_id, approval);
  });
}

Result<std::optional<Request>> Store::OriginalRequest(const std::string& document_id) {
  return impl_->Read("read the original request", [&](SQLite::Database& db) -> Result<std::optional<Request>> {
    SQLite::Statement query(db, "SELECT original_json FROM requests WHERE document_id = ?");
    query.bind(1, document_id);
    if (!query.executeStep() || query.getColumn(0).isNull()) return std::nullopt;
    return RequestFromJson(nlohmann::json::parse(query.getColumn(0).getString()));
  });
}

Result<void> Store::Reclassify(const std::string& document_id, const std::string& actor, const std::string& form,
                               const std::vector<std::string>& queues) {
  constexpr std::string_view kAction = "reclassify the document";
  if (actor.empty()) return StoreFail(kAction, "say who is doing it: a name is required");
  if (form != "AUTH" && form != "AMEND" && form != "VERBAL" && form != "OTHER") {
    return StoreFail(kAction, "the form must be AUTH, AMEND, VERBAL or OTHER");
  }
  if (std::find(queues.begin(), queues.end(), "review") != queues.end()) {
    return StoreFail(kAction, "review is not a destination: choose the queue to release the document to");
  }
  return impl_->Write(kAction, [&](SQLite::Database& db) -> Result<void> {
    Result<WorkItem> review = ledger::OpenReview(db, document_id, kAction);
    if (!review) return tl::unexpected(review.error());
    Request request = LoadStoredRequest(db, document_id);
    const std::string now = NowUtc();
    if (request.form != form) {
      ledger::Audit(db, now, actor, "reclassify", document_id, review->id, "form", request.form, form);
      if (request.form_code) {
        ledger::Audit(db, now, actor, "reclassify", document_id, review->id, "form_code", *request.form_code,
                      std::nullopt);
      }
      request.form = form;
      request.form_code.reset();
    }
    if (request.queues != queues) {
      ledger::Audit(db, now, actor, "reclassify", document_id, review->id, "queues",
                    nlohmann::json(request.queues).dump(), nlohmann::json(queues).dump());
      request.queues = queues;
    }
    SaveRequest(db, request);
    SQLite::Statement item(db, "UPDATE work_items SET form = ?, updated_at = ? WHERE id = ?");
    item.bind(1, form);
    item.bind(2, now);
    item.bind(3, review->id);
    item.exec();
    return {};
  });
}

Result<WorkItem> Store::ReopenReview(const std::string& document_id, const std::string& actor) {
  constexpr std::string_view kAction = "reopen the review";
  if (actor.empty()) return StoreFail(kAction, "say who is doing it: a name is required");
  return impl_->Write(kAction, [&](SQLite::Database& db) -> Result<WorkItem> {
    const std::optional<WorkItem> review = ledger::ReviewItemOf(db, document_id);
    if (!review) {
      return StoreFail(kAction, fmt::format("document {} was never held for review", document_id));
    }
    if (review->state == WorkState::kNew || review->state == WorkState::kInProgress) {
      return StoreFail(kAction, fmt::format("document {} is still waiting for review", document_id));
    }
    SQLite::Statement released(db,
                               "SELECT id, queue, state FROM work_items WHERE document_id = ? AND queue <> 'review' "
                               "AND withdrawn = 0 ORDER BY id");
    released.bind(1, document_id);
    std::vector<std::int64_t> to_withdraw;
    while (released.executeStep()) {
      if (released.getColumn(2).getString() != "new") {
        return StoreFail(kAction, fmt::format("work on document {} has started on queue {} (item {}): it can no "
                                              "longer be reopened",
                                              document_id, released.getColumn(1).getString(),
                                              released.getColumn(0).getInt64()));
      }
      to_withdraw.push_back(released.getColumn(0).getInt64());
    }
    const std::string now = NowUtc();
    SQLite::Statement withdraw(db,
                               "UPDATE work_items SET state = 'deficient', reason = ?, closed_by = ?, closed_at = ?, "
                               "updated_at = ?, withdrawn = 1 WHERE id = ?");
    for (std::int64_t id : to_withdraw) {
      withdraw.bind(1, std::string(kWithdrawn));
      withdraw.bind(2, actor);
      withdraw.bind(3, now);
      withdraw.bind(4, now);
      withdraw.bind(5, id);
      withdraw.exec();
      withdraw.reset();
      ledger::Audit(db, now, actor, "withdraw", document_id, id, "state", "new", "deficient");
    }
    SQLite::Statement reopen(db,
                             "UPDATE work_items SET state = 'new', claimed_by = NULL, claimed_at = NULL, "
                             "closed_by = NULL, closed_at = NULL, reason = '', updated_at = ? WHERE id = ?");
    reopen.bind(1, now);
    reopen.bind(2, review->id);
    reopen.exec();
    ledger::Audit(db, now, actor, "reopen", document_id, review->id, "state", std::string(ToString(review->state)),
                  "new");
    if (!review->reason.empty()) {
      ledger::Audit(db, now, actor, "reopen", document_id, review->id, "reason", review->reason, std::nullopt);
    }
    return *ledger::LoadWorkItem(db, review->id);
  });
}

Result<std::vector<CorrectionStats>> Store::Corrections(double high_confidence) {
  return impl_->Read("read the corrections", [&](SQLite::Database& db) -> Result<std::vector<CorrectionStats>> {
    SQLite::Statement query(db,
                            "SELECT field, count(*), sum(changed), sum(confidence >= :high), "
                            "sum(confidence >= :high AND changed) FROM corrections GROUP BY field ORDER BY field");
    query.bind(":high", high_confidence);
    std::vector<CorrectionStats> stats;
    while (query.executeStep()) {
      stats.push_back({query.getColumn(0).getString(), query.getColumn(1).getInt64(), query.getColumn(2).getInt64(),
                       query.getColumn(3).getInt64(), query.getColumn(4).getInt64()});
    }
    return stats;
  });
}

}  // namespace intake
