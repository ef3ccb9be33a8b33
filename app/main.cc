// intake: the command line. Parses options, loads the configuration and hands
// over to the libraries; nothing else lives here.
#include <malloc.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <thread>

#include <CLI/CLI.hpp>

#include "config/config.h"
#include "core/log.h"
#include "pipeline/bench.h"
#include "pipeline/recipe.h"
#include "pipeline/service.h"
#include "store/store.h"

namespace {

namespace fs = std::filesystem;
using namespace intake;

std::optional<Config> Load(const std::string& path) {
  auto config = LoadConfig(path.empty() ? std::nullopt : std::optional<fs::path>(path));
  if (!config) {
    for (const ConfigError& error : config.error()) std::cerr << "config error: " << Describe(error) << "\n";
    return std::nullopt;
  }
  return *config;
}

PipelineOptions OptionsOf(const Config& config) { return {config.limits, config.prepare}; }

int Status(const Config& config, bool json) {
  if (!fs::exists(config.store_path)) {
    std::cerr << "no ledger at " << config.store_path << ": nothing has been taken yet\n";
  }
  auto store = Store::Open(config.store_path);
  if (!store) {
    std::cerr << "cannot open the ledger: " << store.error().message << "\n";
    return 1;
  }
  Result<StatusReport> report = (*store)->Status();
  if (!report) {
    std::cerr << "cannot read the ledger: " << report.error().message << "\n";
    return 1;
  }
  if (json) {
    std::cout << ToJson(*report).dump() << "\n";
    return 0;
  }
  std::cout << "files by state:\n";
  for (const auto& [state, n] : report->counts) std::cout << "  " << ToString(state) << ": " << n << "\n";
  std::cout << "quarantine (" << report->quarantine.size() << "):\n";
  for (const FileRecord& file : report->quarantine) {
    std::cout << "  " << file.arrival.inbox << "/" << file.arrival.source_name << "  " << ShortHash(file.arrival.sha256)
              << "  " << file.reason << "\n";
  }
  return 0;
}

int Process(const Config& config, const std::string& channel_name, const std::string& fax_line,
            const std::vector<std::string>& files) {
  const auto channel = ChannelFromString(channel_name);
  if (!channel) {
    std::cerr << "--channel must be fax, email or scan\n";
    return 2;
  }
  auto engine = OcrEngine::Create(config.ocr);
  if (!engine) {
    std::cerr << "OCR engine unavailable: " << engine.error().message << "\n";
    return 1;
  }
  int failures = 0;
  for (const std::string& name : files) {
    std::ifstream in(name, std::ios::binary);
    if (!in) {
      std::cerr << name << ": cannot open\n";
      ++failures;
      continue;
    }
    const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    FileInput input;
    input.bytes = bytes;
    input.file_name = fs::path(name).filename().string();
    input.channel = *channel;
    if (*channel == Channel::kFax && !fax_line.empty()) input.fax_line = fax_line;
    input.sha256 = Sha256Hex(bytes);
    input.received_at = FileTimeToIso(fs::last_write_time(name));
    Result<std::vector<Request>> requests = ProcessFile(input, OptionsOf(config), **engine);
    if (!requests) {
      std::cerr << name << ": " << ToString(DispositionOf(requests.error().code)) << ": " << requests.error().message
                << "\n";
      ++failures;
      continue;
    }
    for (const Request& request : *requests) std::cout << ToJson(request).dump() << "\n";
  }
  return failures ? 3 : 0;
}

int BenchPrepareCommand(const Config& config, const std::vector<std::string>& paths, std::vector<int> threads,
                        const std::string& json_path) {
  std::vector<fs::path> inputs(paths.begin(), paths.end());
  const std::vector<fs::path> files = CollectBenchFiles(inputs);
  if (files.empty()) {
    std::cerr << "no TIFF, PDF, PNG or JPEG files under the given paths\n";
    return 2;
  }
  BenchReport report = BenchPrepare(files, threads, OptionsOf(config), config.ocr);
  std::cout << FormatBenchTable(report);
  if (!json_path.empty()) std::ofstream(json_path) << BenchJson(report).dump(2) << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  umask(077);  // everything the service writes holds patient data: owner only
  // Page rasters are a few MiB each; above glibc's default mmap threshold every
  // page would get fresh zeroed memory from the kernel (13 ms/page here instead
  // of 2 ms). Keep freed page buffers for reuse.
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  DisableOcrThreading();

  CLI::App app{"intake: reads the HIS department's faxed, e-mailed and scanned forms into checked requests"};
  app.require_subcommand(1);
  std::string config_path;
  app.add_option("--config", config_path, "configuration file (TOML); defaults when absent")->check(CLI::ExistingFile);

  bool once = false;
  CLI::App* run = app.add_subcommand("run", "run the service: watch the inboxes and process what arrives");
  run->add_flag("--once", once, "take everything present in the inboxes, finish it, and exit");

  bool json = false;
  CLI::App* status = app.add_subcommand("status", "counts of files per state and the quarantine list");
  status->add_flag("--json", json, "one JSON object");

  std::string channel = "fax", fax_line;
  std::vector<std::string> files;
  CLI::App* process = app.add_subcommand("process", "read files directly and print one request per document (JSONL)");
  process->add_option("--channel", channel, "fax, email or scan")->check(CLI::IsMember({"fax", "email", "scan"}));
  process->add_option("--fax-line", fax_line, "fax line the files came in on (records, imaging, verbal)");
  process->add_option("files", files, "files to read")->required()->check(CLI::ExistingFile);

  CLI::App* bench = app.add_subcommand("bench", "measure throughput and memory");
  bench->require_subcommand(1);
  std::vector<int> threads = {1, static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))};
  std::vector<std::string> bench_paths;
  std::string bench_json;
  CLI::App* bench_prepare = bench->add_subcommand("prepare", "decode + page preparation: pages/s and peak memory");
  bench_prepare->add_option("--threads", threads, "thread counts to run, e.g. 1,2")->delimiter(',');
  bench_prepare->add_option("--json", bench_json, "also write the figures as JSON to this file");
  bench_prepare->add_option("paths", bench_paths, "files or folders (TIFF, PDF, PNG, JPEG)")->required();

  bool defaults = false;
  CLI::App* config_cmd = app.add_subcommand("config", "check the configuration, or print the documented defaults");
  config_cmd->add_flag("--defaults", defaults, "print every key with its default and meaning");

  CLI11_PARSE(app, argc, argv);

  if (config_cmd->parsed() && defaults) {
    std::cout << ExampleConfig();
    return 0;
  }
  std::optional<Config> config = Load(config_path);
  if (!config) return 2;
  InitLogging(config->log_level);
  try {
    if (config_cmd->parsed()) {
      std::cout << "configuration is valid: " << config->inboxes.size() << " inbox(es), data in "
                << config->data_dir.string() << "\n";
      return 0;
    }
    if (run->parsed()) return Service(*config).Run(once ? RunMode::kOnce : RunMode::kForever);
    if (status->parsed()) return Status(*config, json);
    if (process->parsed()) return Process(*config, channel, fax_line, files);
    if (bench_prepare->parsed()) return BenchPrepareCommand(*config, bench_paths, threads, bench_json);
  } catch (const std::exception& e) {
    spdlog::critical("stopped by an unexpected error: {}", e.what());
    return 70;
  }
  return 0;
}
