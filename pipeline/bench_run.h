// pipeline/bench_run.h: `intake bench DIR`: the whole pipeline over a corpus, scored and timed.
//
// Reads every file of a folder laid out like the inboxes (inbox/fax/<line>/,
// inbox/email/new/, inbox/scan/), as `intake corpus` writes it, through
// ProcessFile on N threads, and reports in one run:
//   - the SPEC section 9 scores against the folder's truth.jsonl (score.h);
//   - throughput on all threads (pages / wall time) and on one thread (pages
//     / the summed time of each file on its worker: every worker reads its
//     files one after another, so that is what one thread would take);
//   - latency per file from a worker taking it to its requests being ready
//     (median, 95th percentile), and from the start to each file's requests
//     when the whole folder arrives at once (the backlog case);
//   - peak resident memory;
//   - for reference, Tesseract's own full-page OCR of sample pages of the
//     same files, timed on one thread next to the pipeline's time for the
//     very same files, so the speed ratio holds on any machine.
//
//   BenchRunReport report = BenchRun(dir, {.threads = 2}, options, knowledge, ocr_options);
//   std::cout << FormatBenchRun(report);
//   std::ofstream("bench.svg") << BenchSvg(report);
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pipeline/recipe.h"
#include "pipeline/score.h"

namespace intake {

struct BenchRunOptions {
  int threads = 2;
  int reference_pages = 12;  // pages for the full-page OCR reference; 0 skips it
  bool progress = true;      // a progress line when standard error is a terminal
};

struct LatencySeconds {
  double median = 0;
  double p95 = 0;
};

/// Tesseract's full-page OCR against the pipeline, same files, one thread.
struct ReferenceTiming {
  int files = 0;
  int pages = 0;
  double pipeline_seconds_per_page = 0;      // ProcessFile: decode to request
  double tesseract_seconds_per_page = 0;     // full-page OCR of the prepared page alone
  double Ratio() const { return pipeline_seconds_per_page > 0 ? tesseract_seconds_per_page / pipeline_seconds_per_page : 0; }
};

struct BenchRunReport {
  int threads = 0;
  int files = 0;
  int pages = 0;
  int failed_files = 0;
  double seconds = 0;
  double pages_per_second = 0;             // all threads
  double pages_per_second_one_thread = 0;  // pages / summed per-file time
  LatencySeconds file_latency;             // a worker taking the file -> its requests ready
  LatencySeconds backlog_latency;          // everything arriving at the start -> each file's requests ready
  ProcessStats stages;                     // summed over every file: where the time went
  double peak_rss_mib = 0;
  std::string cpu;
  ReferenceTiming reference;
  Score score;
  std::vector<Request> requests;  // every request made, for a closer look at what was scored
};

Result<BenchRunReport> BenchRun(const std::filesystem::path& corpus_dir, const BenchRunOptions& run,
                                const PipelineOptions& options, const FormsKnowledge& knowledge,
                                const OcrOptions& ocr_options);

std::string FormatBenchRun(const BenchRunReport& report);
nlohmann::json BenchRunJson(const BenchRunReport& report);

/// Two charts in one SVG: the calibration curve (confidence against observed
/// accuracy, with the diagonal a calibrated engine follows) and the accuracy
/// per field kind.
std::string BenchSvg(const BenchRunReport& report);

}  // namespace intake
