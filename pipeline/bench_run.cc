#include "pipeline/bench_run.h"

#include <atomic>
#include <fstream>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "core/progress.h"
#include "pipeline/measure.h"
#include "store/store.h"

namespace intake {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

struct CorpusFile {
  fs::path path;
  Channel channel;
  std::optional<std::string> fax_line;
};

std::vector<CorpusFile> ListCorpus(const fs::path& dir) {
  std::vector<CorpusFile> files;
  auto add = [&](const fs::path& folder, Channel channel, std::optional<std::string> line) {
    if (!fs::is_directory(folder)) return;
    for (const auto& entry : fs::directory_iterator(folder)) {
      const std::string name = entry.path().filename().string();
      if (entry.is_regular_file() && !name.empty() && name[0] != '.') files.push_back({entry.path(), channel, line});
    }
  };
  if (fs::is_directory(dir / "inbox/fax")) {
    for (const auto& line : fs::directory_iterator(dir / "inbox/fax")) {
      if (line.is_directory()) add(line.path(), Channel::kFax, line.path().filename().string());
    }
  }
  add(dir / "inbox/email/new", Channel::kEmail, std::nullopt);
  add(dir / "inbox/scan", Channel::kScan, std::nullopt);
  std::sort(files.begin(), files.end(), [](const CorpusFile& a, const CorpusFile& b) { return a.path < b.path; });
  return files;
}

FileInput InputOf(const CorpusFile& file, const std::vector<std::uint8_t>& bytes) {
  FileInput input;
  input.bytes = bytes;
  input.file_name = file.path.filename().string();
  input.channel = file.channel;
  input.fax_line = file.fax_line;
  input.sha256 = Sha256Hex(bytes);
  input.received_at = FileTimeToIso(fs::last_write_time(file.path));
  return input;
}

std::string KindOf(const TemplateSet& templates, const std::string& form, const std::string& key) {
  if (key == "signature.present") return "signature";
  for (const FormTemplate& t : templates.forms) {
    if (t.form != form) continue;
    for (const std::string& group : t.Groups()) {
      if (group == key) return "checkbox";
    }
    if (const TemplateField* field = t.Field(key)) return std::string(ToString(field->format));
  }
  return "other";
}

// Fax files spread evenly over the corpus, about `pages` pages in all.
std::vector<std::size_t> ReferenceFiles(const std::vector<CorpusFile>& files, const std::vector<int>& pages_of,
                                        int pages) {
  std::vector<std::size_t> faxes;
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (files[i].channel == Channel::kFax && pages_of[i] > 0) faxes.push_back(i);
  }
  std::vector<std::size_t> chosen;
  if (faxes.empty() || pages <= 0) return chosen;
  int fax_pages = 0;
  for (std::size_t i : faxes) fax_pages += pages_of[i];
  const double step = std::max(1.0, static_cast<double>(fax_pages) / pages);
  int taken = 0;
  for (double at = 0; at < faxes.size() && taken < pages; at += step) {
    const std::size_t i = faxes[static_cast<std::size_t>(at)];
    if (!chosen.empty() && chosen.back() == i) continue;
    chosen.push_back(i);
    taken += pages_of[i];
  }
  return chosen;
}

// One thread, file by file: the pipeline's time for the file, then
// Tesseract's full-page OCR of each of its prepared pages.
ReferenceTiming TimeReference(const std::vector<CorpusFile>& files, const std::vector<std::size_t>& chosen,
                              const PipelineOptions& options, const FormsKnowledge& knowledge, OcrEngine& ocr) {
  ReferenceTiming timing;
  double pipeline_seconds = 0, tesseract_seconds = 0;
  const OrientationDetector detect = [&ocr](const GrayImage& page) { return ocr.DetectOrientation(page); };
  for (std::size_t i : chosen) {
    const std::vector<std::uint8_t> bytes = ReadBytes(files[i].path);
    const FileInput input = InputOf(files[i], bytes);
    const auto start = Clock::now();
    ProcessStats stats;
    if (!ProcessFile(input, options, knowledge, ocr, &stats)) continue;
    pipeline_seconds += Seconds(Clock::now() - start);
    Result<DecodedFile> decoded = Decode(bytes, options.limits);
    if (!decoded) continue;
    for (const DecodedPage& page : decoded->pages) {
      Result<PreparedPage> prepared = PreparePage(page.image, options.prepare, detect);
      if (!prepared) continue;
      const auto ocr_start = Clock::now();
      (void)ocr.ReadRegion(prepared->image, Box{}, OcrMode::kAuto);
      tesseract_seconds += Seconds(Clock::now() - ocr_start);
    }
    ++timing.files;
    timing.pages += stats.pages;
  }
  if (timing.pages > 0) {
    timing.pipeline_seconds_per_page = pipeline_seconds / timing.pages;
    timing.tesseract_seconds_per_page = tesseract_seconds / timing.pages;
  }
  return timing;
}

}  // namespace

Result<BenchRunReport> BenchRun(const fs::path& corpus_dir, const BenchRunOptions& run,
                                const PipelineOptions& options, const FormsKnowledge& knowledge,
                                const OcrOptions& ocr_options) {
  std::vector<nlohmann::json> truth;
  std::ifstream truth_file(corpus_dir / "truth.jsonl");
  if (!truth_file) return Fail(ErrorCode::kIoError, "no truth.jsonl in the corpus folder");
  for (std::string line; std::getline(truth_file, line);) {
    if (!line.empty()) truth.push_back(nlohmann::json::parse(line));
  }
  const std::vector<CorpusFile> files = ListCorpus(corpus_dir);
  const int threads = std::max(1, run.threads);
  // Engines are made before the clock starts: the service makes them once.
  std::vector<std::unique_ptr<OcrEngine>> engines;
  for (int i = 0; i < threads; ++i) {
    auto engine = OcrEngine::Create(ocr_options);
    if (!engine) return tl::unexpected(engine.error());
    engines.push_back(std::move(*engine));
  }
  BenchRunReport report;
  report.threads = threads;
  report.files = static_cast<int>(files.size());
  report.cpu = CpuName();
  std::vector<int> pages_of(files.size(), 0);
  std::vector<double> file_seconds(files.size(), 0), done_at(files.size(), 0);
  std::vector<Request> requests;
  std::mutex mutex;
  std::atomic<std::size_t> next{0};
  std::atomic<int> failed{0};
  std::optional<Progress> progress;
  if (run.progress) progress.emplace("files", static_cast<long>(files.size()));
  ResetPeakRss();
  const auto start = Clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (std::size_t i = next++; i < files.size(); i = next++) {
        const std::vector<std::uint8_t> bytes = ReadBytes(files[i].path);
        const auto taken = Clock::now();
        ProcessStats stats;
        Result<std::vector<Request>> made = ProcessFile(InputOf(files[i], bytes), options, knowledge, *engines[t], &stats);
        const auto done = Clock::now();
        file_seconds[i] = Seconds(done - taken);
        done_at[i] = Seconds(done - start);
        pages_of[i] = stats.pages;
        if (progress) progress->Add(1);
        {
          std::lock_guard lock(mutex);
          report.stages.decode_seconds += stats.decode_seconds;
          report.stages.prepare_seconds += stats.prepare_seconds;
          report.stages.identify_seconds += stats.identify_seconds;
          report.stages.read_seconds += stats.read_seconds;
          report.stages.pages_rotated += stats.pages_rotated;
        }
        if (!made) {
          ++failed;
          continue;
        }
        std::lock_guard lock(mutex);
        for (Request& r : *made) requests.push_back(std::move(r));
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  report.seconds = Seconds(Clock::now() - start);
  report.peak_rss_mib = PeakRssMib();
  if (progress) progress->Finish();
  for (int pages : pages_of) report.pages += pages;
  report.failed_files = failed;
  report.pages_per_second = report.seconds > 0 ? report.pages / report.seconds : 0;
  double busy = 0;
  for (double s : file_seconds) busy += s;
  report.pages_per_second_one_thread = busy > 0 ? report.pages / busy : 0;
  report.file_latency = {Quantile(file_seconds, 0.5), Quantile(file_seconds, 0.95)};
  report.backlog_latency = {Quantile(done_at, 0.5), Quantile(done_at, 0.95)};
  report.reference = TimeReference(files, ReferenceFiles(files, pages_of, run.reference_pages), options, knowledge,
                                   *engines.front());
  report.score = ScoreRequests(requests, truth, [&](const std::string& form, const std::string& key) {
    return KindOf(knowledge.templates, form, key);
  });
  report.requests = std::move(requests);
  return report;
}

std::string FormatBenchRun(const BenchRunReport& r) {
  std::string out = fmt::format("pipeline: {} files, {} pages ({} unreadable files) on {} thread(s) of {}\n", r.files,
                                r.pages, r.failed_files, r.threads, r.cpu);
  out += fmt::format("throughput            {:.2f} pages/s on {} threads ({:.1f} s), {:.2f} pages/s on one thread\n",
                     r.pages_per_second, r.threads, r.seconds, r.pages_per_second_one_thread);
  out += fmt::format("latency per file      median {:.2f} s, p95 {:.2f} s (taken by a worker -> requests ready)\n",
                     r.file_latency.median, r.file_latency.p95);
  out += fmt::format("latency, all at once  median {:.1f} s, p95 {:.1f} s (every file arriving at the start)\n",
                     r.backlog_latency.median, r.backlog_latency.p95);
  const double per_page = r.pages > 0 ? 1000.0 / r.pages : 0;
  out += fmt::format("stages, ms per page   decode {:.0f}, prepare {:.0f}, identify {:.0f}, read fields {:.0f}\n",
                     r.stages.decode_seconds * per_page, r.stages.prepare_seconds * per_page,
                     r.stages.identify_seconds * per_page, r.stages.read_seconds * per_page);
  out += fmt::format("peak memory           {:.0f} MiB\n", r.peak_rss_mib);
  if (r.reference.pages > 0) {
    out += fmt::format("reference, one thread {} fax pages of {} files: pipeline {:.2f} s/page, Tesseract full-page OCR "
                       "{:.2f} s/page: {:.1f}x faster\n",
                       r.reference.pages, r.reference.files, r.reference.pipeline_seconds_per_page,
                       r.reference.tesseract_seconds_per_page, r.reference.Ratio());
  }
  return out + FormatScore(r.score);
}

nlohmann::json BenchRunJson(const BenchRunReport& r) {
  return {{"threads", r.threads},
          {"cpu", r.cpu},
          {"files", r.files},
          {"pages", r.pages},
          {"failed_files", r.failed_files},
          {"seconds", r.seconds},
          {"pages_per_second", r.pages_per_second},
          {"pages_per_second_one_thread", r.pages_per_second_one_thread},
          {"latency_seconds",
           {{"per_file", {{"median", r.file_latency.median}, {"p95", r.file_latency.p95}}},
            {"all_at_once", {{"median", r.backlog_latency.median}, {"p95", r.backlog_latency.p95}}}}},
          {"stage_ms_per_page",
           {{"decode", r.pages ? 1000 * r.stages.decode_seconds / r.pages : 0},
            {"prepare", r.pages ? 1000 * r.stages.prepare_seconds / r.pages : 0},
            {"identify", r.pages ? 1000 * r.stages.identify_seconds / r.pages : 0},
            {"read", r.pages ? 1000 * r.stages.read_seconds / r.pages : 0}}},
          {"peak_rss_mib", r.peak_rss_mib},
          {"reference",
           {{"files", r.reference.files},
            {"pages", r.reference.pages},
            {"pipeline_seconds_per_page", r.reference.pipeline_seconds_per_page},
            {"tesseract_full_page_seconds_per_page", r.reference.tesseract_seconds_per_page},
            {"speedup", r.reference.Ratio()}}},
          {"score", ScoreJson(r.score)}};
}

}  // namespace intake
