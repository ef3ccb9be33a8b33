// pipeline/bench_run.h: the whole pipeline over a corpus folder, scored.
//
// Reads every file of a folder laid out like the inboxes (inbox/fax/<line>/,
// inbox/email/new/, inbox/scan/), as `intake corpus` writes it, through
// ProcessFile on N threads, and scores the requests against the folder's
// truth.jsonl (pipeline/score.h). Reports pages per second and peak memory.
//
//   BenchRunReport report = BenchRun(dir, 2, options, knowledge, ocr_options);
//   std::cout << FormatScore(report.score);
#pragma once

#include <filesystem>

#include <nlohmann/json.hpp>

#include "pipeline/recipe.h"
#include "pipeline/score.h"

namespace intake {

struct BenchRunReport {
  int threads = 0;
  int files = 0;
  int pages = 0;
  int failed_files = 0;
  double seconds = 0;
  double pages_per_second = 0;
  double peak_rss_mib = 0;
  Score score;
};

Result<BenchRunReport> BenchRun(const std::filesystem::path& corpus_dir, int threads, const PipelineOptions& options,
                                const FormsKnowledge& knowledge, const OcrOptions& ocr_options);

std::string FormatBenchRun(const BenchRunReport& report);
nlohmann::json BenchRunJson(const BenchRunReport& report);

}  // namespace intake
