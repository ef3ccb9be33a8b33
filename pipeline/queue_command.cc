#include "pipeline/queue_command.h"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "route/route.h"

namespace intake {
namespace {

namespace fs = std::filesystem;

constexpr std::array kDestinationQueues = {kRecordsQueue, kImagingQueue, kAmendmentsQueue, kVerbalQueue};
constexpr std::array kAllQueues = {kRecordsQueue, kImagingQueue, kAmendmentsQueue, kVerbalQueue, kReviewQueue};

template <std::size_t N>
bool OneOf(const std::array<std::string_view, N>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

template <std::size_t N>
std::string Listed(const std::array<std::string_view, N>& names) {
  return fmt::format("{}", fmt::join(names, ", "));
}

std::unique_ptr<Store> OpenLedger(const fs::path& store_path, std::ostream& err) {
  if (!fs::exists(store_path)) {
    err << "no ledger at " << store_path.string() << ": nothing has been taken yet\n";
    return nullptr;
  }
  auto store = Store::Open(store_path);
  if (!store) {
    err << "cannot open the ledger: " << store.error().message << "\n";
    return nullptr;
  }
  return std::move(*store);
}

// Prints the refusal and gives the exit code for it.
int Refused(const Error& error, std::ostream& err) {
  err << error.message << "\n";
  return 1;
}

std::string Summary(const WorkItem& item) {
  return fmt::format("item {} ({}, {}, due {})", item.id, item.queue, item.form, item.due_target.value_or("-"));
}

int List(Store& store, const QueueArgs& args, std::ostream& out, std::ostream& err) {
  WorkItemFilter filter;
  if (!args.queue.empty()) filter.queue = args.queue;
  if (!args.due_before.empty()) filter.due_before = args.due_before;
  filter.include_closed = args.all;
  Result<std::vector<WorkItem>> items = store.ListWorkItems(filter);
  if (!items) return Refused(items.error(), err);
  if (items->empty()) {
    out << "no " << (args.all ? "" : "open ") << "work items" << (args.queue.empty() ? "" : " in queue " + args.queue)
        << "\n";
    return 0;
  }
  CalendarResult calendar = LoadCalendar(std::nullopt);
  if (!calendar) {
    for (const CalendarError& error : calendar.error()) err << "calendar error: " << Describe(error) << "\n";
    return 1;
  }
  const Date today = args.today.value_or(LocalToday());

  std::vector<std::array<std::string, 9>> rows = {
      {"ITEM", "QUEUE", "STATE", "FORM", "DUE", "DAYS LEFT", "STATUTORY", "CLAIMED BY", "DOCUMENT"}};
  for (const WorkItem& item : *items) {
    std::string days_left = "-";
    if (const std::optional<Date> due = item.due_target ? ParseDate(*item.due_target) : std::nullopt) {
      days_left = std::to_string(calendar->BusinessDaysUntil(today, *due));
    }
    rows.push_back({std::to_string(item.id), item.queue, std::string(ToString(item.state)), item.form,
                    item.due_target.value_or("-"), days_left, item.due_statutory.value_or("-"),
                    item.claimed_by.value_or("-"), item.document_id});
  }
  std::array<std::size_t, 9> widths{};
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += i + 1 < row.size() ? fmt::format("{:<{}}  ", row[i], widths[i]) : row[i];
    }
    out << line << "\n";
  }
  out << items->size() << " item(s)\n";
  return 0;
}

// The due dates of `queues` as route/ gives them: those of the queue with
// the earliest target, counted from the request's receipt.
Result<Due> DueFor(const std::vector<std::string>& queues, const Request& request) {
  CalendarResult calendar = LoadCalendar(std::nullopt);
  if (!calendar) return Fail(ErrorCode::kInternal, "the business-day calendar cannot be loaded");
  const std::optional<Receipt> receipt = ParseReceipt(request.source.received_at);
  if (!receipt) {
    return Fail(ErrorCode::kInternal,
                fmt::format("document {} has no readable receive time: no due dates", request.document_id));
  }
  std::optional<QueueDue> first;
  for (const std::string& queue : queues) {
    const QueueDue due = calendar->DueFor(queue, *receipt);
    if (!first || (due.target && (!first->target || *due.target < *first->target))) first = due;
  }
  Due due;
  if (first && first->target) due.target = FormatDate(*first->target);
  if (first && first->statutory) due.statutory = FormatDate(*first->statutory);
  return due;
}

int Approve(Store& store, const QueueArgs& args, const std::string& actor, std::ostream& out, std::ostream& err) {
  for (const std::string& queue : args.queues) {
    if (!OneOf(kDestinationQueues, queue)) {
      err << "--queue " << queue << " is not a destination queue: use one of " << Listed(kDestinationQueues) << "\n";
      return 2;
    }
  }
  Result<std::optional<Request>> request = store.GetRequest(args.document_id);
  if (!request) return Refused(request.error(), err);
  if (!*request) {
    err << "there is no document " << args.document_id << "\n";
    return 1;
  }
  Approval approval{actor, args.queues, std::nullopt};
  if (approval.queues.empty()) {
    const bool has_destination = std::any_of((*request)->queues.begin(), (*request)->queues.end(),
                                             [](const std::string& queue) { return queue != kReviewQueue; });
    if (!has_destination) {
      err << "document " << args.document_id << " (form " << (*request)->form
          << ") has no destination queue: approve it with --queue (" << Listed(kDestinationQueues) << ")\n";
      return 2;
    }
  } else {
    Result<Due> due = DueFor(approval.queues, **request);
    if (!due) return Refused(due.error(), err);
    approval.due = *due;
  }
  Result<std::vector<WorkItem>> released = store.ApproveReview(args.document_id, approval);
  if (!released) return Refused(released.error(), err);
  out << "document " << args.document_id << " approved by " << actor << ", released to:\n";
  for (const WorkItem& item : *released) out << "  " << Summary(item) << "\n";
  return 0;
}

int Export(Store& store, const QueueArgs& args, std::ostream& out, std::ostream& err) {
  Result<std::vector<ExportRow>> rows =
      store.Export(args.queue.empty() ? std::nullopt : std::optional<std::string>(args.queue));
  if (!rows) return Refused(rows.error(), err);
  WriteExport(*rows, args.format == "csv" ? ExportFormat::kCsv : ExportFormat::kJsonl, out);
  return 0;
}

// A JSON value as CSV text: lists joined with ';', null empty.
std::string CsvText(const nlohmann::ordered_json& value) {
  if (value.is_null()) return "";
  if (value.is_string()) return value.get<std::string>();
  if (value.is_array()) {
    std::string joined;
    for (const auto& element : value) joined += (joined.empty() ? "" : ";") + CsvText(element);
    return joined;
  }
  return value.dump();
}

// Checks the arguments every command shares before the ledger is opened.
std::optional<std::string> BadArguments(std::string_view command, const QueueArgs& args) {
  if (!args.queue.empty() && !OneOf(kAllQueues, args.queue)) {
    return fmt::format("unknown queue {}: use one of {}", args.queue, Listed(kAllQueues));
  }
  if (command == "queue next" && args.queue.empty()) return "say which queue to take the next item from";
  if (!args.due_before.empty() && !ParseDate(args.due_before)) {
    return fmt::format("--due-before {} is not a date: write YYYY-MM-DD", args.due_before);
  }
  if (args.format != "jsonl" && args.format != "csv") return "--format must be jsonl or csv";
  const bool needs_reason = command == "queue deficient" || command == "review deficient";
  if (needs_reason && std::all_of(args.reason.begin(), args.reason.end(), [](unsigned char c) {
        return std::isspace(c);
      })) {
    return "give the --reason, for the letter to the sender";
  }
  return std::nullopt;
}

}  // namespace

std::string LoginName() {
  if (const char* user = std::getenv("USER"); user && *user) return user;
  if (const passwd* entry = ::getpwuid(::getuid()); entry && entry->pw_name) return entry->pw_name;
  return fmt::format("uid {}", ::getuid());
}

std::string CsvField(std::string_view text) {
  const bool quote = text.find_first_of(",\"\r\n") != std::string_view::npos ||
                     (!text.empty() && (std::isspace(static_cast<unsigned char>(text.front())) ||
                                        std::isspace(static_cast<unsigned char>(text.back()))));
  if (!quote) return std::string(text);
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

void WriteExport(const std::vector<ExportRow>& rows, ExportFormat format, std::ostream& out) {
  std::vector<nlohmann::ordered_json> flat;
  flat.reserve(rows.size());
  for (const ExportRow& row : rows) flat.push_back(ToJson(row));
  if (format == ExportFormat::kJsonl) {
    for (const auto& object : flat) {
      out << object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    }
    return;
  }
  // The item and request columns come first, in ToJson's order (the same for
  // every row), then every field any row has, sorted.
  std::vector<std::string> columns;
  const nlohmann::ordered_json fixed = ToJson(ExportRow{});
  for (const auto& column : fixed.items()) columns.push_back(column.key());
  std::set<std::string> fields;
  for (const auto& object : flat) {
    for (const auto& column : object.items()) {
      if (column.key().starts_with("field.")) fields.insert(column.key());
    }
  }
  columns.insert(columns.end(), fields.begin(), fields.end());

  auto write_line = [&](const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < cells.size(); ++i) out << (i ? "," : "") << CsvField(cells[i]);
    out << "\r\n";
  };
  write_line(columns);
  for (const auto& object : flat) {
    std::vector<std::string> cells;
    for (const std::string& column : columns) {
      cells.push_back(object.contains(column) ? CsvText(object.at(column)) : "");
    }
    write_line(cells);
  }
}

int QueueCommand(std::string_view command, const QueueArgs& args, const fs::path& store_path, std::ostream& out,
                 std::ostream& err) {
  if (const std::optional<std::string> bad = BadArguments(command, args)) {
    err << *bad << "\n";
    return 2;
  }
  const std::unique_ptr<Store> store = OpenLedger(store_path, err);
  if (!store) return 1;
  const std::string actor = args.actor.empty() ? LoginName() : args.actor;

  if (command == "queue list") return List(*store, args, out, err);
  if (command == "queue export") return Export(*store, args, out, err);
  if (command == "review approve") return Approve(*store, args, actor, out, err);

  Result<WorkItem> changed = Fail(ErrorCode::kInternal, fmt::format("unknown command {}", command));
  std::string done;
  if (command == "queue claim") {
    changed = store->ClaimWorkItem(args.item, actor);
    done = "claimed by " + actor;
  } else if (command == "queue next") {
    Result<std::optional<WorkItem>> next = store->ClaimNext(args.queue, actor);
    if (!next) return Refused(next.error(), err);
    if (!*next) {
      err << "queue " << args.queue << " has no new item\n";
      return 1;
    }
    changed = **next;
    done = "claimed by " + actor;
  } else if (command == "queue complete") {
    changed = store->CompleteWorkItem(args.item, actor);
    done = "done";
  } else if (command == "queue deficient") {
    changed = store->MarkDeficient(args.item, actor, args.reason);
    done = "marked deficient";
  } else if (command == "review deficient") {
    changed = store->MarkReviewDeficient(args.document_id, actor, args.reason);
    done = "marked deficient (document " + args.document_id + ")";
  }
  if (!changed) return Refused(changed.error(), err);
  out << Summary(*changed) << " " << done << "\n";
  return 0;
}

}  // namespace intake
