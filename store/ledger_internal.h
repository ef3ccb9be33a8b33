// store/ledger_internal.h: what store.cc (files, requests) and work_queue.cc
// (work items, audit) share: the connection and its transaction helpers.
// Private to store/: included by its .cc files only, so SQLite stays out of
// every other module (the public API is store/store.h).
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

#include "core/error.h"
#include "core/request.h"
#include "store/store.h"

namespace intake {
namespace ledger {

// How long a write waits for another process's transaction (PRAGMA busy_timeout).
inline constexpr int kBusyTimeoutMs = 5000;

// ISO 8601 UTC with milliseconds: 2026-03-01T14:05:09.123Z.
std::string NowUtc();

// SQLite's own messages can quote constraint expressions; a clerk gets a
// fixed sentence chosen by the result code instead.
std::string Explain(const SQLite::Exception& e);

inline tl::unexpected<Error> StoreFail(std::string_view action, std::string why) {
  return Fail(ErrorCode::kStoreError, fmt::format("could not {}: {}", action, why));
}

void Bind(SQLite::Statement& statement, int index, const std::optional<std::string>& value);
std::optional<std::string> OptionalText(const SQLite::Column& column);

// Puts a just-stored request's work on the queues (see store.h, "Work
// queues"), inside the caller's transaction. Defined in work_queue.cc.
void AddWorkFor(SQLite::Database& db, std::int64_t file_id, const Request& request, const std::string& at);

// The pieces of the review state machine that store/review.cc (corrections,
// reclassification, reopening) runs inside its own transactions. Defined in
// work_queue.cc; see store.h for what each step means.
Result<std::vector<WorkItem>> Approve(SQLite::Database& db, const std::string& document_id, const Approval& approval);
void Audit(SQLite::Database& db, const std::string& at, std::string_view actor, std::string_view action,
           const std::string& document_id, std::optional<std::int64_t> item_id, std::string_view field,
           const std::optional<std::string>& before, const std::optional<std::string>& after);
std::optional<WorkItem> LoadWorkItem(SQLite::Database& db, std::int64_t id);
std::optional<WorkItem> ReviewItemOf(SQLite::Database& db, const std::string& document_id);
// The request's review item when it is still open (new or in progress).
Result<WorkItem> OpenReview(SQLite::Database& db, const std::string& document_id, std::string_view action);

}  // namespace ledger

// One connection, serialized by a mutex: the ledger's transactions are short
// and fsync-bound, so a pool would only add lock contention inside SQLite.
// Other processes are kept apart by SQLite's own locks (WAL, busy_timeout,
// BEGIN IMMEDIATE for every write).
struct Store::Impl {
  explicit Impl(const std::filesystem::path& path)
      : db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, ledger::kBusyTimeoutMs) {}

  // Runs `body` in a write transaction (BEGIN IMMEDIATE: the write lock is
  // taken up front, so two processes queue on busy_timeout instead of
  // failing on lock upgrade); commits only when it succeeds.
  template <class Body>
  auto Write(std::string_view action, Body&& body) -> decltype(body(std::declval<SQLite::Database&>())) {
    std::lock_guard lock(mutex);
    try {
      SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
      auto result = body(db);
      if (result) transaction.commit();
      return result;
    } catch (const SQLite::Exception& e) {
      return ledger::StoreFail(action, ledger::Explain(e));
    } catch (const std::exception&) {
      return Fail(ErrorCode::kInternal, fmt::format("could not {}: unexpected internal error", action));
    }
  }

  // Runs `body` in a read transaction, so it sees one consistent snapshot.
  template <class Body>
  auto Read(std::string_view action, Body&& body) -> decltype(body(std::declval<SQLite::Database&>())) {
    std::lock_guard lock(mutex);
    try {
      SQLite::Transaction transaction(db, SQLite::TransactionBehavior::DEFERRED);
      auto result = body(db);
      transaction.commit();
      return result;
    } catch (const SQLite::Exception& e) {
      return ledger::StoreFail(action, ledger::Explain(e));
    } catch (const std::exception&) {
      return ledger::StoreFail(action, "a stored record cannot be read back");
    }
  }

  std::mutex mutex;
  SQLite::Database db;
};

}  // namespace intake
