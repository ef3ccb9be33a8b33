#include "pipeline/metrics.h"

#include <chrono>

#include <fmt/format.h>

#include "calendar/calendar.h"

namespace intake {
namespace {

// A label value as the text format wants it (our values are ids and words,
// but a configured inbox name could hold anything).
std::string Label(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

void Header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

}  // namespace

void ServiceMetrics::Histogram::Observe(double seconds) {
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      ++counts[i];
      break;
    }
  }
  ++total;
  sum += seconds;
}

void ServiceMetrics::FileProcessed(const std::string& outcome, const ProcessStats& stats, double seconds) {
  std::lock_guard lock(mutex_);
  ++files_[outcome];
  pages_ += stats.pages;
  stages_["decode"].Observe(stats.decode_seconds);
  stages_["prepare"].Observe(stats.prepare_seconds);
  stages_["identify"].Observe(stats.identify_seconds);
  stages_["read"].Observe(stats.read_seconds);
  file_seconds_.Observe(seconds);
}

std::string ServiceMetrics::Exposition(const LedgerCounts& counts) const {
  std::string out;
  Header(out, "intake_up", "gauge", "1 while the service runs.");
  out += "intake_up 1\n";

  Header(out, "intake_files", "gauge", "Files in the ledger by inbox and state.");
  long quarantined = 0;
  for (const LedgerCounts::Files& f : counts.files) {
    out += fmt::format("intake_files{{inbox=\"{}\",state=\"{}\"}} {}\n", Label(f.inbox), ToString(f.state), f.count);
    if (f.state == FileState::kQuarantined) quarantined += f.count;
  }
  Header(out, "intake_quarantined_files", "gauge", "Files a person must look at (quarantine).");
  out += fmt::format("intake_quarantined_files {}\n", quarantined);

  Header(out, "intake_documents", "gauge", "Stored requests by form and status.");
  for (const LedgerCounts::Documents& d : counts.documents) {
    out += fmt::format("intake_documents{{form=\"{}\",status=\"{}\"}} {}\n", Label(d.form), Label(d.status), d.count);
  }
  Header(out, "intake_queue_open_items", "gauge", "Work items new or in progress, by queue.");
  for (const LedgerCounts::Queue& q : counts.queues) {
    out += fmt::format("intake_queue_open_items{{queue=\"{}\"}} {}\n", Label(q.queue), q.open);
  }
  Header(out, "intake_queue_oldest_due_timestamp_seconds", "gauge",
         "Target date (midnight UTC, Unix time) of the oldest open item, by queue.");
  for (const LedgerCounts::Queue& q : counts.queues) {
    const std::optional<Date> due = q.oldest_due ? ParseDate(*q.oldest_due) : std::nullopt;
    if (!due) continue;
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::sys_days(*due).time_since_epoch()).count();
    out += fmt::format("intake_queue_oldest_due_timestamp_seconds{{queue=\"{}\"}} {}\n", Label(q.queue), seconds);
  }

  std::lock_guard lock(mutex_);
  Header(out, "intake_files_processed_total", "counter", "Files this process finished, by outcome.");
  for (const auto& [outcome, n] : files_) {
    out += fmt::format("intake_files_processed_total{{outcome=\"{}\"}} {}\n", Label(outcome), n);
  }
  Header(out, "intake_pages_processed_total", "counter", "Pages this process read.");
  out += fmt::format("intake_pages_processed_total {}\n", pages_);
  auto histogram = [&out](std::string_view name, std::string_view labels, const Histogram& h) {
    long cumulative = 0;
    const std::string sep = labels.empty() ? "" : ",";
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += h.counts[i];
      out += fmt::format("{}_bucket{{{}{}le=\"{}\"}} {}\n", name, labels, sep, kBuckets[i], cumulative);
    }
    out += fmt::format("{}_bucket{{{}{}le=\"+Inf\"}} {}\n", name, labels, sep, h.total);
    const std::string braces = labels.empty() ? "" : fmt::format("{{{}}}", labels);
    out += fmt::format("{}_sum{} {}\n{}_count{} {}\n", name, braces, h.sum, name, braces, h.total);
  };
  Header(out, "intake_stage_seconds", "histogram", "Time per file in each stage of the flow.");
  for (const auto& [stage, h] : stages_) histogram("intake_stage_seconds", fmt::format("stage=\"{}\"", stage), h);
  Header(out, "intake_file_processing_seconds", "histogram", "Time per file from a worker taking it to its requests.");
  histogram("intake_file_processing_seconds", "", file_seconds_);
  return out;
}

}  // namespace intake
