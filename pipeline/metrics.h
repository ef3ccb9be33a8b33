// pipeline/metrics.h: what the service tells a monitoring system.
//
// `/metrics` answers in the Prometheus text format: the ledger's totals (files
// per inbox and state, documents per form and status, open work items and
// the oldest target date per queue, quarantined files) read at the time of
// the request, and what this process measured since it started (files and
// pages processed, time per stage as histograms). Counts, states and timings
// only: never a name, a value or a file name.
//
//   ServiceMetrics metrics;
//   metrics.FileProcessed("processed", stats, seconds);   // from the workers
//   std::string text = metrics.Exposition(*store->Counts());
#pragma once

#include <array>
#include <map>
#include <mutex>
#include <string>

#include "pipeline/recipe.h"
#include "store/store.h"

namespace intake {

class ServiceMetrics {
 public:
  /// `outcome`: processed, quarantined, retry or review. Thread-safe.
  void FileProcessed(const std::string& outcome, const ProcessStats& stats, double seconds);

  /// The whole exposition: the ledger's `counts` and this process's measurements.
  std::string Exposition(const LedgerCounts& counts) const;

  /// Upper bounds (seconds) of the histogram buckets; +Inf is implied.
  static constexpr std::array<double, 12> kBuckets = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

 private:
  struct Histogram {
    std::array<long, kBuckets.size()> counts{};  // cumulative is computed when written
    long total = 0;
    double sum = 0;
    void Observe(double seconds);
  };

  mutable std::mutex mutex_;
  std::map<std::string, long> files_;  // by outcome
  long pages_ = 0;
  std::map<std::string, Histogram> stages_;  // decode, prepare, identify, read
  Histogram file_seconds_;
};

}  // namespace intake
