#include "pipeline/bench.h"

#include <atomic>
#include <fstream>
#include <iterator>
#include <thread>

#include <fmt/format.h>

#include "pipeline/measure.h"

namespace intake {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

PrepareRun RunOnce(const std::vector<std::vector<std::uint8_t>>& files, int threads, const PipelineOptions& options,
                 const OcrOptions& ocr_options) {
  PrepareRun run;
  run.threads = threads;
  run.files = static_cast<int>(files.size());
  // Engines are made before the clock starts: the service makes them once.
  std::vector<std::unique_ptr<OcrEngine>> engines;
  for (int i = 0; i < threads; ++i) {
    auto engine = OcrEngine::Create(ocr_options);
    if (!engine) throw std::runtime_error("OCR engine: " + engine.error().message);
    engines.push_back(std::move(*engine));
  }
  ResetPeakRss();
  std::atomic<std::size_t> next{0};
  std::atomic<int> pages{0}, failed{0};
  std::atomic<std::int64_t> decode_us{0}, prepare_us{0};
  const auto start = Clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      OcrEngine& ocr = *engines[t];
      const OrientationDetector detect = [&ocr](const GrayImage& page) { return ocr.DetectOrientation(page); };
      for (std::size_t i = next++; i < files.size(); i = next++) {
        const auto t0 = Clock::now();
        Result<DecodedFile> decoded = Decode(files[i], options.limits);
        const auto t1 = Clock::now();
        decode_us += std::chrono::duration_cast<std::chrono::microseconds>(t1 - t0).count();
        if (!decoded) {
          ++failed;
          continue;
        }
        for (const DecodedPage& page : decoded->pages) {
          const auto p0 = Clock::now();
          Result<PreparedPage> prepared = PreparePage(page.image, options.prepare, detect);
          prepare_us += std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - p0).count();
          if (prepared) ++pages;
        }
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  run.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  run.pages = pages;
  run.failed_files = failed;
  run.pages_per_second = run.seconds > 0 ? run.pages / run.seconds : 0;
  if (run.pages > 0) {
    run.decode_ms_per_page = decode_us / 1000.0 / run.pages;
    run.prepare_ms_per_page = prepare_us / 1000.0 / run.pages;
  }
  run.peak_rss_mib = PeakRssMib();
  return run;
}

}  // namespace

std::vector<fs::path> CollectBenchFiles(const std::vector<fs::path>& paths) {
  static const std::vector<std::string> kExtensions = {".tif", ".tiff", ".pdf", ".png", ".jpg", ".jpeg"};
  auto wanted = [](const fs::path& p) {
    std::string ext = p.extension().string();
    for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return std::find(kExtensions.begin(), kExtensions.end(), ext) != kExtensions.end();
  };
  std::vector<fs::path> files;
  for (const fs::path& path : paths) {
    if (fs::is_directory(path)) {
      for (const auto& entry : fs::recursive_directory_iterator(path)) {
        if (entry.is_regular_file() && wanted(entry.path())) files.push_back(entry.path());
      }
    } else if (fs::is_regular_file(path)) {
      files.push_back(path);
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

BenchReport BenchPrepare(const std::vector<fs::path>& files, const std::vector<int>& thread_counts,
                         const PipelineOptions& options, const OcrOptions& ocr_options) {
  std::vector<std::vector<std::uint8_t>> contents;
  for (const fs::path& file : files) contents.push_back(ReadBytes(file));
  BenchReport report;
  report.cpu = CpuName();
  for (int threads : thread_counts) report.runs.push_back(RunOnce(contents, threads, options, ocr_options));
  return report;
}

std::string FormatBenchTable(const BenchReport& report) {
  std::string out = fmt::format("decode + page preparation on {}\n", report.cpu);
  out += fmt::format("{:>7} {:>6} {:>6} {:>9} {:>8} {:>11} {:>12} {:>9}\n", "threads", "files", "pages", "seconds",
                     "pages/s", "decode ms/p", "prepare ms/p", "peak MiB");
  for (const PrepareRun& r : report.runs) {
    out += fmt::format("{:>7} {:>6} {:>6} {:>9.2f} {:>8.2f} {:>11.1f} {:>12.1f} {:>9.1f}\n", r.threads, r.files,
                       r.pages, r.seconds, r.pages_per_second, r.decode_ms_per_page, r.prepare_ms_per_page,
                       r.peak_rss_mib);
  }
  if (report.runs.size() >= 2 && report.runs.front().pages_per_second > 0) {
    out += fmt::format("speed-up {} -> {} threads: {:.2f}x\n", report.runs.front().threads, report.runs.back().threads,
                       report.runs.back().pages_per_second / report.runs.front().pages_per_second);
  }
  return out;
}

nlohmann::json BenchJson(const BenchReport& report) {
  nlohmann::json runs = nlohmann::json::array();
  for (const PrepareRun& r : report.runs) {
    runs.push_back({{"threads", r.threads}, {"files", r.files}, {"pages", r.pages}, {"failed_files", r.failed_files},
                    {"seconds", r.seconds}, {"pages_per_second", r.pages_per_second},
                    {"decode_ms_per_page", r.decode_ms_per_page}, {"prepare_ms_per_page", r.prepare_ms_per_page},
                    {"peak_rss_mib", r.peak_rss_mib}});
  }
  return {{"benchmark", "decode+prepare"}, {"cpu", report.cpu}, {"runs", runs}};
}

}  // namespace intake
