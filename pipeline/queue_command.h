// pipeline/queue_command.h: the `intake queue` and `intake review` commands.
//
// Clerks work the queues from the command line: list the open items (oldest
// due first, with the business days left), claim one or the next one,
// complete it or mark it deficient, and export items for the hospital's
// release-of-information system. Reviewers approve a needs_review document,
// releasing it to its queues, or mark it deficient. The state machine and
// its audit trail are the store's (store/store.h, "Work queues"); these
// functions parse, call it and print.
//
// The list shows ids, queue, state, form and dates only: patient data never
// reaches the terminal. The export, meant for another system, carries each
// item's request fields.
//
//   QueueArgs args;
//   args.queue = "records";
//   return QueueCommand("queue list", args, config.store_path, std::cout, std::cerr);
//
// Exit codes: 0 done; 1 refused (wrong state, unknown item, empty queue,
// ledger error); 2 bad arguments.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "calendar/calendar.h"
#include "store/store.h"

namespace intake {

/// The options of every queue and review command; each uses its own.
struct QueueArgs {
  std::string queue;                // list/export: only this queue; next: the queue to take from
  std::vector<std::string> queues;  // review approve: release to these instead of the document's own
  std::string due_before;           // list: YYYY-MM-DD, only items whose target is earlier
  bool all = false;                 // list: done and deficient items too
  std::int64_t item = 0;            // claim, complete, deficient
  std::string document_id;          // review approve/deficient
  std::string reason;               // deficient: for the letter to the sender
  std::string actor;                // --as; empty: LoginName()
  std::string format = "jsonl";     // export: jsonl or csv
  std::optional<Date> today;        // list's "days left" counts from here; empty: today's local date
};

/// Runs `command`: "queue list", "queue claim", "queue next", "queue
/// complete", "queue deficient", "queue export", "review approve" or
/// "review deficient" on the ledger at `store_path`. Returns the exit code.
int QueueCommand(std::string_view command, const QueueArgs& args, const std::filesystem::path& store_path,
                 std::ostream& out, std::ostream& err);

/// The name a change is recorded under when --as is not given: $USER, else
/// the account name of the process's user.
std::string LoginName();

enum class ExportFormat { kJsonl, kCsv };

/// One line per row: ToJson(ExportRow) as JSON, or RFC 4180 CSV (CRLF line
/// ends, a header line, every column of ToJson plus the union of the rows'
/// field.* columns; lists joined with ';', booleans true/false, null empty).
void WriteExport(const std::vector<ExportRow>& rows, ExportFormat format, std::ostream& out);

/// `text` as one CSV field: quoted (quotes doubled) when it holds a comma,
/// a quote, a line break or leading/trailing space.
std::string CsvField(std::string_view text);

}  // namespace intake
