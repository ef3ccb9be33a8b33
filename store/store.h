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
// Each stored request also puts its work on the queues, in the same
// transaction (see "Work queues" below), so a processed file is never left
// without its work items.
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
//   std::optional<WorkItem> item = *(*store)->ClaimNext("records", "jdoe");
//   (*store)->CompleteWorkItem(item->id, "jdoe");
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
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

// ------------------------------------------------------------- Work queues
//
// A stored request puts its work on the queues (SPEC sections 3 and 7):
//
//   status routed        one item on each of request.queues;
//   status needs_review  ONE item on queue `review`, whatever its
//                        destinations. ApproveReview closes it and creates
//                        the items on the destinations (request.queues minus
//                        review, or the queues the reviewer chose: required
//                        when the request has none, e.g. an OTHER form or an
//                        AUTH with nothing checked). MarkDeficient closes it
//                        as deficient, with the reason for the sender.
//   (any other status, or no queue at all, is treated as needs_review.)
//
// Every item carries the request's due dates (route/ computed them for its
// destinations; a review item shows when the work behind it falls due). An
// item walks one way:
//
//   new ──claim──▶ in_progress ──complete──▶ done
//    └───────────────┴─────deficient──────▶ deficient   (with a reason)
//
// A review item is closed by ApproveReview (done) or MarkDeficient, never by
// CompleteWorkItem. A move from the wrong state is a kStoreError that
// changes nothing. Claims are atomic across processes: of two clerks
// claiming one item, exactly one gets it. Every change writes rows in table
// `audit` (who, when, which field, before, after), append-only; the service's
// own changes are made as actor kServiceActor.

enum class WorkState { kNew, kInProgress, kDone, kDeficient };

std::string_view ToString(WorkState state);
std::optional<WorkState> WorkStateFromString(std::string_view text);

/// The actor named in the audit trail for what the service does by itself.
inline constexpr std::string_view kServiceActor = "intake";

struct WorkItem {
  std::int64_t id = 0;
  std::string document_id;  // the request it came from
  std::int64_t file_id = 0;
  std::string queue;
  WorkState state = WorkState::kNew;
  std::string form;                         // the request's form: AUTH, AMEND, VERBAL or OTHER
  std::optional<std::string> due_target;    // YYYY-MM-DD
  std::optional<std::string> due_statutory;
  std::optional<std::string> claimed_by;
  std::optional<std::string> claimed_at;    // ISO 8601 UTC, as every time below
  std::optional<std::string> closed_by;     // who completed, approved or marked it deficient
  std::optional<std::string> closed_at;
  std::string reason;                       // why it is deficient; empty otherwise
  std::string created_at;
  std::string updated_at;
};

struct WorkItemFilter {
  std::optional<std::string> queue;
  std::optional<std::string> due_before;  // YYYY-MM-DD: only items whose target date is earlier
  bool include_closed = false;            // done and deficient items too
};

/// A reviewer's release of a needs_review request to its destination queues.
struct Approval {
  std::string actor;
  std::vector<std::string> queues;  // where to release it; empty: the request's own destinations
  std::optional<Due> due;           // the new items' due dates; empty: the request's own
};

/// One row of the audit trail. `field` is what changed ("state", "reason",
/// "queues"); `before` is null when the item was created.
struct AuditEntry {
  std::int64_t id = 0;
  std::string at;
  std::string actor;
  std::string action;  // create, claim, complete, deficient, approve, release
  std::string document_id;
  std::optional<std::int64_t> work_item_id;
  std::string field;
  std::optional<std::string> before;
  std::optional<std::string> after;
};

/// A work item with the request it came from, for the release-of-information export.
struct ExportRow {
  WorkItem item;
  Request request;
};

/// The row flattened into one level, keys in this order: the item
/// (work_item_id, queue, state, due_target, due_statutory, claimed_by,
/// claimed_at, closed_by, closed_at, reason, updated_at), the request
/// (document_id, form, form_code, language, status, channel, fax_line,
/// file, sha256, received_at, sender, subject, findings: the rule ids),
/// then each field as "field.<key>": <value> (string, bool or list).
nlohmann::ordered_json ToJson(const ExportRow& row);

// ------------------------------------------------------------- Reviewers
//
// The review web app's records (review/review.h): reviewer accounts,
// sign-in sessions, who viewed which document, and the values reviewers
// corrected. Passwords and session tokens are hashed by the caller; the
// store never sees either in clear. A view is an audit row (action "view");
// a correction is an audit row (action "correct", field "field.<key>") and a
// row in table corrections. Times are ISO 8601 UTC, as above.

enum class Role { kReviewer, kSupervisor };

std::string_view ToString(Role role);
std::optional<Role> RoleFromString(std::string_view text);

struct User {
  std::string name;
  Role role = Role::kReviewer;
  std::string password_hash;  // crypto_pwhash_str output (Argon2id)
  int failed_logins = 0;      // since the last good sign-in
  std::optional<std::string> locked_until;
};

struct LoginSession {
  std::string user;
  Role role = Role::kReviewer;
  std::string created_at;
  std::string last_seen;
};

/// A field value as a reviewer leaves it: the new value, or nullopt to
/// clear the field (a blank field is left out of the request).
using FieldEdits = std::map<std::string, std::optional<nlohmann::json>>;

/// How often reviewers changed one field's value (table corrections).
struct CorrectionStats {
  std::string field;
  std::int64_t reviewed = 0;                 // approved reviews that showed this field
  std::int64_t changed = 0;                  // ... where the reviewer changed it
  std::int64_t high_confidence = 0;          // ... read at or above the threshold
  std::int64_t high_confidence_changed = 0;  // ... and still changed: the harmful errors
};

/// Totals for the metrics endpoint: counts only, no patient data.
struct LedgerCounts {
  struct Files {
    std::string inbox;
    FileState state = FileState::kReceived;
    std::int64_t count = 0;
  };
  struct Documents {
    std::string form;
    std::string status;
    std::int64_t count = 0;
  };
  struct Queue {
    std::string queue;
    std::int64_t open = 0;                  // items new or in progress
    std::optional<std::string> oldest_due;  // earliest target date among them
  };
  std::vector<Files> files;
  std::vector<Documents> documents;
  std::vector<Queue> queues;
};

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
  /// Files per inbox and state, documents per form and status, open work
  /// items per queue with the oldest target date.
  Result<LedgerCounts> Counts();

  /// The stored request with this document id, if any.
  Result<std::optional<Request>> GetRequest(const std::string& document_id);

  // -- Work queues (see above). `actor` is the clerk's name, never empty.

  /// Items matching `filter`, oldest target date first (items without one
  /// last), then oldest statutory date, then oldest item.
  Result<std::vector<WorkItem>> ListWorkItems(const WorkItemFilter& filter);
  Result<std::optional<WorkItem>> GetWorkItem(std::int64_t id);
  /// Every item of one request, oldest first.
  Result<std::vector<WorkItem>> WorkItemsOf(const std::string& document_id);

  /// new -> in_progress for `actor`; refused when someone else got it first.
  Result<WorkItem> ClaimWorkItem(std::int64_t id, const std::string& actor);
  /// Claims the first new item of `queue` in ListWorkItems order; nullopt
  /// when the queue has no new item.
  Result<std::optional<WorkItem>> ClaimNext(const std::string& queue, const std::string& actor);
  /// in_progress -> done (not for review items: see ApproveReview).
  Result<WorkItem> CompleteWorkItem(std::int64_t id, const std::string& actor);
  /// new/in_progress -> deficient with `reason` (required), for the letter to the sender.
  Result<WorkItem> MarkDeficient(std::int64_t id, const std::string& actor, const std::string& reason);

  /// Closes the request's review item (new, or in progress whoever claimed
  /// it) as done and creates its destination
  /// items (returned). Refused when the request is not waiting for review,
  /// when it has no destination and none was chosen, or when `review` is
  /// chosen as a destination.
  Result<std::vector<WorkItem>> ApproveReview(const std::string& document_id, const Approval& approval);
  /// MarkDeficient on the request's review item.
  Result<WorkItem> MarkReviewDeficient(const std::string& document_id, const std::string& actor,
                                       const std::string& reason);

  /// Every item (of `queue`, when given) with its request, in item order.
  Result<std::vector<ExportRow>> Export(const std::optional<std::string>& queue);
  /// The audit rows of one request, oldest first.
  Result<std::vector<AuditEntry>> AuditOf(const std::string& document_id);

  // -- Reviewers (see above).

  /// A new account; refused when the name is taken.
  Result<void> AddUser(const std::string& name, Role role, const std::string& password_hash);
  Result<std::optional<User>> GetUser(const std::string& name);
  /// Counts a failed sign-in; at `max_failures` in a row the account is
  /// locked for `lock_for`. Returns whether it is locked now.
  Result<bool> RecordFailedLogin(const std::string& name, int max_failures, std::chrono::seconds lock_for);
  /// A good sign-in: clears the failure count and any lock.
  Result<void> RecordGoodLogin(const std::string& name);
  Result<void> CreateSession(const std::string& token_hash, const std::string& user);
  /// The session, its idle clock restarted; nullopt (and the session ended)
  /// when unknown or idle longer than `idle_timeout`.
  Result<std::optional<LoginSession>> TouchSession(const std::string& token_hash, std::chrono::seconds idle_timeout);
  Result<void> EndSession(const std::string& token_hash);

  /// Records that `actor` saw `what` ("document", "page 2") of the document.
  Result<void> RecordView(const std::string& document_id, const std::string& actor, const std::string& what);

  /// ApproveReview, with the reviewer's values applied first in the same
  /// transaction: each edit that differs becomes the request's value
  /// (confidence 1), the pipeline's reading is kept (OriginalRequest), and
  /// every field of the request gets a row in corrections, changed or not.
  Result<std::vector<WorkItem>> ApproveCorrected(const std::string& document_id, const Approval& approval,
                                                 const FieldEdits& edits);
  /// The pipeline's own reading of a request a reviewer changed; nullopt when unchanged.
  Result<std::optional<Request>> OriginalRequest(const std::string& document_id);

  /// Another form, or not a form ("OTHER"), for a document still in
  /// review: the request's form (its form_code cleared when the form
  /// changes) and destination queues are replaced; it stays in review.
  Result<void> Reclassify(const std::string& document_id, const std::string& actor, const std::string& form,
                          const std::vector<std::string>& queues);
  /// Puts a closed review (approved or deficient) back on the review queue.
  /// Items it released are withdrawn (closed, reason "withdrawn: reopened
  /// for review"); refused once work on any of them has started.
  Result<WorkItem> ReopenReview(const std::string& document_id, const std::string& actor);

  /// Per field, how often reviewers changed it; `high_confidence` is the
  /// reading's confidence from which a change counts as high-confidence.
  Result<std::vector<CorrectionStats>> Corrections(double high_confidence);

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
