// Tests for `intake bench` (pipeline/bench_run.h), its helpers, the
// service's metrics (pipeline/metrics.h) and the progress line (core/progress.h). The bench is run for real, by the built
// binary, on a small corpus the generator writes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "core/progress.h"
#include "pipeline/measure.h"
#include "pipeline/metrics.h"
#include "tests/support/process.h"
#include "tests/support/test_support.h"

namespace intake {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::IntakeBinary;
using testing::MakeCorpus;
using testing::CommandResult;
using testing::RunCommand;
using testing::TempDir;

TEST(Quantile, UsesTheNearestRank) {
  EXPECT_EQ(Quantile({}, 0.5), 0);
  EXPECT_EQ(Quantile({4, 1, 3, 2}, 0.5), 2);
  EXPECT_EQ(Quantile({4, 1, 3, 2}, 0.95), 4);
  EXPECT_EQ(Quantile({7}, 0.95), 7);
}

TEST(ProgressLine, ShowsDoneTotalRateAndTimeLeft) {
  EXPECT_EQ(Progress::Line("pages", 30, 120, 15), "30/120 pages, 2.00 pages/s, 15s elapsed, about 45s left");
  EXPECT_EQ(Progress::Line("files", 5, 0, 100), "5 files, 0.05 files/s, 1m40s elapsed");
  EXPECT_EQ(Progress::Line("files", 10, 10, 7200), "10/10 files, 0.00 files/s, 2h00m elapsed");
}

TEST(ServiceMetrics, ExpositionHasLedgerTotalsAndCumulativeHistograms) {
  ServiceMetrics metrics;
  ProcessStats fast, slow;
  fast.pages = 1;
  fast.read_seconds = 0.2;
  slow.pages = 3;
  slow.read_seconds = 7;
  metrics.FileProcessed("processed", fast, 0.3);
  metrics.FileProcessed("processed", slow, 8);
  metrics.FileProcessed("quarantine", ProcessStats{}, 0.01);
  LedgerCounts counts;
  counts.files = {{"fax-records", FileState::kProcessed, 2}, {"fax-records", FileState::kQuarantined, 1},
                  {"scan", FileState::kQuarantined, 2}};
  counts.documents = {{"AUTH", "needs_review", 2}};
  counts.queues = {{"records", 4, "2026-11-24"}, {"review", 2, std::nullopt}};
  const std::string text = metrics.Exposition(counts);
  EXPECT_NE(text.find("intake_files{inbox=\"fax-records\",state=\"quarantined\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("intake_quarantined_files 3\n"), std::string::npos);
  EXPECT_NE(text.find("intake_documents{form=\"AUTH\",status=\"needs_review\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("intake_queue_open_items{queue=\"review\"} 2\n"), std::string::npos);
  // 2026-11-24T00:00:00Z; a queue without dates has no oldest due.
  EXPECT_NE(text.find("intake_queue_oldest_due_timestamp_seconds{queue=\"records\"} 1795478400\n"), std::string::npos);
  EXPECT_EQ(text.find("intake_queue_oldest_due_timestamp_seconds{queue=\"review\"}"), std::string::npos);
  EXPECT_NE(text.find("intake_files_processed_total{outcome=\"processed\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("intake_pages_processed_total 4\n"), std::string::npos);
  // Buckets are cumulative: 0.01 s, 0.2 s and 7 s of reading.
  EXPECT_NE(text.find("intake_stage_seconds_bucket{stage=\"read\",le=\"0.01\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("intake_stage_seconds_bucket{stage=\"read\",le=\"0.25\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("intake_stage_seconds_bucket{stage=\"read\",le=\"10\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("intake_stage_seconds_bucket{stage=\"read\",le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("intake_file_processing_seconds_count 3\n"), std::string::npos);
}

TEST(BenchCommand, ScoresTimesAndChartsASmallCorpus) {
  TempDir dir;
  const auto corpus = dir.path() / "corpus";
  ASSERT_NO_FATAL_FAILURE(MakeCorpus(corpus, 3, 5, "fax=1.0"));
  const auto out = dir.path() / "report";
  CommandResult bench = RunCommand({IntakeBinary(), "bench", corpus.string(), "--threads", "1", "--reference-pages",
                                    "1", "--out", out.string(), "--requests"},
                                   600s);
  ASSERT_EQ(bench.exit_code, 0) << bench.err;
  // Not a terminal: no progress line on standard error.
  EXPECT_EQ(bench.err.find("files/s"), std::string::npos);
  EXPECT_NE(bench.out.find("Tesseract full-page OCR"), std::string::npos) << bench.out;

  std::ifstream in(out / "bench.json");
  const nlohmann::json figures = nlohmann::json::parse(in);
  EXPECT_EQ(figures["score"]["classification"]["total"], 3);
  EXPECT_GT(figures["pages"].get<int>(), 0);
  EXPECT_GT(figures["pages_per_second"].get<double>(), 0);
  EXPECT_GT(figures["pages_per_second_one_thread"].get<double>(), 0);
  EXPECT_GT(figures["latency_seconds"]["per_file"]["median"].get<double>(), 0);
  EXPECT_GE(figures["latency_seconds"]["all_at_once"]["p95"].get<double>(),
            figures["latency_seconds"]["per_file"]["p95"].get<double>());
  EXPECT_GT(figures["peak_rss_mib"].get<double>(), 0);
  EXPECT_GE(figures["reference"]["pages"].get<int>(), 1);
  EXPECT_GT(figures["reference"]["tesseract_full_page_seconds_per_page"].get<double>(), 0);
  EXPECT_EQ(figures["score"]["calibration"].size(), 10u);

  const std::vector<std::uint8_t> svg_bytes = testing::ReadFile(out / "bench.svg");
  const std::string svg(svg_bytes.begin(), svg_bytes.end());
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("Calibration"), std::string::npos);
  EXPECT_NE(svg.find("<circle"), std::string::npos);  // at least one calibration bucket drawn
  std::ifstream requests(out / "requests.jsonl");
  int lines = 0;
  for (std::string line; std::getline(requests, line);) lines += !line.empty();
  EXPECT_GE(lines, 3);
}

// The recognizer's training data: every written one-line field of a
// corpus's forms, photographed ones included, cut as the extractor cuts it,
// with the characters as written.
TEST(BenchCommand, CropsCutEveryWrittenOneLineFieldWithItsLabel) {
  TempDir dir;
  const auto corpus = dir.path() / "corpus";
  ASSERT_NO_FATAL_FAILURE(MakeCorpus(corpus, 3, 8, "fax=0,email=1,scan=0,hand=1,typed=0,efill=0"));
  const auto out = dir.path() / "crops";
  CommandResult crops = RunCommand(
      {IntakeBinary(), "bench", "crops", corpus.string(), "--out", out.string(), "--threads", "1"}, 600s);
  ASSERT_EQ(crops.exit_code, 0) << crops.err;
  std::ifstream labels(out / "labels.jsonl");
  std::set<std::string> documents;
  int lines = 0;
  for (std::string line; std::getline(labels, line);) {
    const nlohmann::json label = nlohmann::json::parse(line);
    ++lines;
    documents.insert(label["doc"].get<std::string>());
    EXPECT_TRUE(fs::is_regular_file(out / label["png"].get<std::string>())) << label["png"];
    EXPECT_FALSE(label["value"].get<std::string>().empty()) << label["png"];
    EXPECT_EQ(label["fill"], "hand");
    EXPECT_EQ(label["channel"], "email");
  }
  EXPECT_GE(lines, 10);
  // Seed 8 sends three phone photos: each is straightened and cut like a fax.
  EXPECT_EQ(documents.size(), 3u) << "every photographed form gives crops";
}

}  // namespace
}  // namespace intake
