// pipeline/bench.h: throughput and memory of the stages, measured in-process.
//
// `BenchPrepare` decodes and prepares every page of the given files (fax
// TIFFs, PDFs, images; folders are searched) on 1..N threads, one OCR engine
// per thread for orientation detection, and reports pages per second and the
// peak resident memory of each run. Runs are interleaved in one process so
// their ratio holds on a noisy machine; absolute figures drift.
//
//   BenchReport report = BenchPrepare(paths, {1, 2}, options, ocr_options);
//   std::cout << FormatBenchTable(report);
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ocr/engine.h"
#include "pipeline/recipe.h"

namespace intake {

struct PrepareRun {
  int threads = 0;
  int files = 0;
  int pages = 0;
  int failed_files = 0;
  double seconds = 0;
  double pages_per_second = 0;
  double decode_ms_per_page = 0;   // summed over threads
  double prepare_ms_per_page = 0;  // summed over threads, orientation detection included
  double peak_rss_mib = 0;
};

struct BenchReport {
  std::vector<PrepareRun> runs;
  std::string cpu;
};

/// Every file under `paths` that intake can decode (by extension: .tif .tiff .pdf .png .jpg .jpeg).
std::vector<std::filesystem::path> CollectBenchFiles(const std::vector<std::filesystem::path>& paths);

BenchReport BenchPrepare(const std::vector<std::filesystem::path>& files, const std::vector<int>& thread_counts,
                         const PipelineOptions& options, const OcrOptions& ocr_options);

std::string FormatBenchTable(const BenchReport& report);
nlohmann::json BenchJson(const BenchReport& report);

}  // namespace intake
