#include "pipeline/bench_run.h"

#include <atomic>
#include <fstream>
#include <iterator>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "store/store.h"

namespace intake {
namespace {

namespace fs = std::filesystem;

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

double PeakRssMib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return 0;
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

}  // namespace

Result<BenchRunReport> BenchRun(const fs::path& corpus_dir, int threads, const PipelineOptions& options,
                                const FormsKnowledge& knowledge, const OcrOptions& ocr_options) {
  std::vector<nlohmann::json> truth;
  std::ifstream truth_file(corpus_dir / "truth.jsonl");
  if (!truth_file) return Fail(ErrorCode::kIoError, "no truth.jsonl in the corpus folder");
  for (std::string line; std::getline(truth_file, line);) {
    if (!line.empty()) truth.push_back(nlohmann::json::parse(line));
  }
  const std::vector<CorpusFile> files = ListCorpus(corpus_dir);
  std::vector<std::unique_ptr<OcrEngine>> engines;
  for (int i = 0; i < threads; ++i) {
    auto engine = OcrEngine::Create(ocr_options);
    if (!engine) return tl::unexpected(engine.error());
    engines.push_back(std::move(*engine));
  }
  BenchRunReport report;
  report.threads = threads;
  report.files = static_cast<int>(files.size());
  std::vector<Request> requests;
  std::mutex mutex;
  std::atomic<std::size_t> next{0};
  std::atomic<int> pages{0}, failed{0};
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (std::size_t i = next++; i < files.size(); i = next++) {
        std::ifstream in(files[i].path, std::ios::binary);
        const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        FileInput input;
        input.bytes = bytes;
        input.file_name = files[i].path.filename().string();
        input.channel = files[i].channel;
        input.fax_line = files[i].fax_line;
        input.sha256 = Sha256Hex(bytes);
        input.received_at = FileTimeToIso(fs::last_write_time(files[i].path));
        ProcessStats stats;
        Result<std::vector<Request>> made = ProcessFile(input, options, knowledge, *engines[t], &stats);
        pages += stats.pages;
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
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  report.pages = pages;
  report.failed_files = failed;
  report.pages_per_second = report.seconds > 0 ? report.pages / report.seconds : 0;
  report.peak_rss_mib = PeakRssMib();
  report.score = ScoreRequests(requests, truth, [&](const std::string& form, const std::string& key) {
    return KindOf(knowledge.templates, form, key);
  });
  return report;
}

std::string FormatBenchRun(const BenchRunReport& r) {
  std::string out = fmt::format("pipeline: {} files, {} pages ({} unreadable files) on {} thread(s): {:.1f} s, "
                                "{:.2f} pages/s, peak {:.0f} MiB\n",
                                r.files, r.pages, r.failed_files, r.threads, r.seconds, r.pages_per_second,
                                r.peak_rss_mib);
  return out + FormatScore(r.score);
}

nlohmann::json BenchRunJson(const BenchRunReport& r) {
  return {{"threads", r.threads}, {"files", r.files}, {"pages", r.pages}, {"failed_files", r.failed_files},
          {"seconds", r.seconds}, {"pages_per_second", r.pages_per_second}, {"peak_rss_mib", r.peak_rss_mib},
          {"score", ScoreJson(r.score)}};
}

}  // namespace intake
