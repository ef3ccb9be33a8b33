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
#include "corpus/command.h"
#include "core/log.h"
#include "pipeline/bench.h"
#include "pipeline/bench_run.h"
#include "pipeline/crops.h"
#include "pipeline/queue_command.h"
#include "pipeline/recipe.h"
#include "pipeline/service.h"
#include "review/commands.h"
#include "store/store.h"
#include "templates/forms_command.h"

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

PipelineOptions OptionsOf(const Config& config) {
  return {config.limits, config.prepare, config.min_field_confidence};
}

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
  Result<FormsKnowledge> knowledge = LoadFormsKnowledge({DefaultFormsDir(), config.data_dir / "forms"});
  if (!knowledge) {
    std::cerr << "cannot load the forms: " << knowledge.error().message << "\n";
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
    Result<std::vector<Request>> requests = ProcessFile(input, OptionsOf(config), *knowledge, **engine);
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

int BenchCommand(const Config& config, const std::string& dir, const BenchRunOptions& run, const fs::path& out,
                 bool keep_requests) {
  Result<FormsKnowledge> knowledge = LoadFormsKnowledge({DefaultFormsDir(), config.data_dir / "forms"});
  if (!knowledge) {
    std::cerr << "cannot load the forms: " << knowledge.error().message << "\n";
    return 1;
  }
  Result<BenchRunReport> report = BenchRun(dir, run, OptionsOf(config), *knowledge, config.ocr);
  if (!report) {
    std::cerr << report.error().message << "\n";
    return 1;
  }
  std::cout << FormatBenchRun(*report);
  std::error_code error;
  fs::create_directories(out, error);
  std::ofstream(out / "bench.json") << BenchRunJson(*report).dump(2) << "\n";
  std::ofstream(out / "bench.svg") << BenchSvg(*report);
  if (keep_requests) {
    std::ofstream requests(out / "requests.jsonl");
    for (const Request& request : report->requests) requests << ToJson(request).dump() << "\n";
  }
  std::cout << "figures: " << (out / "bench.json").string() << ", charts: " << (out / "bench.svg").string() << "\n";
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
  std::string listen;
  run->add_option("--listen", listen, "HOST:PORT of the review web app (overrides `listen`)");

  std::string user_name, user_role = "reviewer", audit_document;
  CLI::App* users = app.add_subcommand("users", "reviewer accounts of the review web app");
  users->require_subcommand(1);
  CLI::App* users_add = users->add_subcommand("add", "add an account; the password is read from standard input");
  users_add->add_option("name", user_name, "the user name (one word)")->required();
  users_add->add_option("--role", user_role, "reviewer or supervisor")->check(CLI::IsMember({"reviewer", "supervisor"}));
  CLI::App* audit = app.add_subcommand("audit", "every view and change of one document: who, when, before, after");
  audit->add_option("--document", audit_document, "document id")->required();
  CLI::App* report = app.add_subcommand("report", "reports on the reviewers' work");
  report->require_subcommand(1);
  CLI::App* report_corrections = report->add_subcommand("corrections", "per field, how often reviewers changed it");

  bool json = false;
  CLI::App* status = app.add_subcommand("status", "counts of files per state and the quarantine list");
  status->add_flag("--json", json, "one JSON object");

  std::string channel = "fax", fax_line;
  std::vector<std::string> files;
  CLI::App* process = app.add_subcommand("process", "read files directly and print one request per document (JSONL)");
  process->add_option("--channel", channel, "fax, email or scan")->check(CLI::IsMember({"fax", "email", "scan"}));
  process->add_option("--fax-line", fax_line, "fax line the files came in on (records, imaging, verbal)");
  process->add_option("files", files, "files to read")->required()->check(CLI::ExistingFile);

  // `intake bench DIR` scores and times the whole pipeline over a corpus;
  // `intake bench prepare PATH...` times decoding and page preparation alone.
  CLI::App* bench = app.add_subcommand("bench", "the whole pipeline over a corpus folder: SPEC section 9 scores, "
                                                "throughput, latency, memory, and Tesseract's full-page OCR for reference");
  bench->require_subcommand(0, 1);
  BenchRunOptions bench_options;
  bench_options.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::string corpus_dir, bench_out = "bench-report";
  bool bench_requests = false;
  bench->add_option("dir", corpus_dir, "folder written by `intake corpus` (inbox/ and truth.jsonl)")
      ->check(CLI::ExistingDirectory);
  bench->add_option("--threads", bench_options.threads, "worker threads");
  bench->add_option("--reference-pages", bench_options.reference_pages,
                    "fax pages to read with Tesseract's full-page OCR for the speed reference (0: none)");
  bench->add_option("--out", bench_out, "folder for bench.json and bench.svg");
  bench->add_flag("--requests", bench_requests, "also write every request made to requests.jsonl there");
  std::vector<int> threads = {1, static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))};
  std::vector<std::string> bench_paths;
  std::string bench_json;
  CLI::App* bench_prepare = bench->add_subcommand("prepare", "decode + page preparation: pages/s and peak memory");
  bench_prepare->add_option("--threads", threads, "thread counts to run, e.g. 1,2")->delimiter(',');
  bench_prepare->add_option("--json", bench_json, "also write the figures as JSON to this file");
  bench_prepare->add_option("paths", bench_paths, "files or folders (TIFF, PDF, PNG, JPEG)")->required();
  std::string crops_out;
  bool crops_tesseract = false;
  CLI::App* bench_crops = bench->add_subcommand("crops", "the field crops of a corpus with their true values, to train on");
  bench_crops->add_option("--out", crops_out, "new folder for the PNG crops and labels.jsonl")->required();
  bench_crops->add_option("--threads", bench_options.threads, "worker threads");
  bench_crops->add_flag("--tesseract", crops_tesseract, "also read every crop with Tesseract, for comparison");
  bench_crops->add_option("dir", corpus_dir, "folder written by `intake corpus`")->required()->check(CLI::ExistingDirectory);

  bool defaults = false;
  CLI::App* config_cmd = app.add_subcommand("config", "check the configuration, or print the documented defaults");
  config_cmd->add_flag("--defaults", defaults, "print every key with its default and meaning");

  std::string form_pdf, form_side;
  CLI::App* forms = app.add_subcommand("forms", "the forms intake reads: register a new form or revision, list them");
  forms->require_subcommand(1);
  CLI::App* forms_add = forms->add_subcommand("add", "register a fillable form PDF (with its side file)");
  forms_add->add_option("pdf", form_pdf, "the fillable PDF")->required()->check(CLI::ExistingFile);
  forms_add->add_option("--side", form_side, "its side file (default: the .toml beside the PDF)")
      ->check(CLI::ExistingFile);
  CLI::App* forms_list = forms->add_subcommand("list", "the forms in use: code, form, language, rev, pages, fields");

  CorpusOptions corpus_options;
  std::string corpus_out, corpus_mix;
  CLI::App* corpus = app.add_subcommand("corpus", "write a synthetic test corpus from the registered forms");
  corpus->add_option("--out", corpus_out, "new folder to write the corpus into")->required();
  corpus->add_option("--count", corpus_options.count, "documents to write")->check(CLI::PositiveNumber);
  corpus->add_option("--seed", corpus_options.seed, "the same seed writes the same bytes");
  corpus->add_option("--mix", corpus_mix, "shares, e.g. fax=0.6,email=0.25,scan=0.15 or hand=0.6,typed=0.3,efill=0.1");
  corpus
      ->add_option("--fonts", corpus_options.fonts,
                   "write values only in these fonts (file names without extension, comma-separated), e.g. the "
                   "recognizer's held-out ones: Breip,Delphine,Purisa,UnPilgia,dkg,FreeSans,FreeSerif,FreeMono")
      ->delimiter(',');

  QueueArgs queue_args;
  CLI::App* queue = app.add_subcommand("queue", "the work queues: list, claim, complete, mark deficient, export");
  queue->require_subcommand(1);
  CLI::App* queue_list = queue->add_subcommand("list", "open items, oldest due first, with business days left");
  queue_list->add_option("--queue", queue_args.queue, "only this queue");
  queue_list->add_option("--due-before", queue_args.due_before, "only items due before this date (YYYY-MM-DD)");
  queue_list->add_flag("--all", queue_args.all, "done and deficient items too");
  CLI::App* queue_claim = queue->add_subcommand("claim", "take an item to work on");
  CLI::App* queue_complete = queue->add_subcommand("complete", "mark a claimed item done");
  CLI::App* queue_deficient = queue->add_subcommand("deficient", "close an item as deficient");
  for (CLI::App* sub : {queue_claim, queue_complete, queue_deficient}) {
    sub->add_option("item", queue_args.item, "work item id")->required();
  }
  CLI::App* queue_next = queue->add_subcommand("next", "claim the first new item of a queue");
  queue_next->add_option("queue", queue_args.queue, "the queue")->required();
  CLI::App* queue_export = queue->add_subcommand("export", "items with their request's fields, for release of information");
  queue_export->add_option("--format", queue_args.format, "jsonl or csv")->check(CLI::IsMember({"jsonl", "csv"}));
  queue_export->add_option("--queue", queue_args.queue, "only this queue");
  CLI::App* review = app.add_subcommand("review", "release a document held for review, or mark it deficient");
  review->require_subcommand(1);
  CLI::App* review_approve = review->add_subcommand("approve", "release the document to its queues");
  review_approve->add_option("--queue", queue_args.queues, "release to this queue instead (repeat for two)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  CLI::App* review_deficient = review->add_subcommand("deficient", "close the document's review as deficient");
  for (CLI::App* sub : {review_approve, review_deficient}) {
    sub->add_option("document", queue_args.document_id, "document id")->required();
  }
  for (CLI::App* sub : {queue_deficient, review_deficient}) {
    sub->add_option("--reason", queue_args.reason, "why, for the letter to the sender")->required();
  }
  for (CLI::App* sub : {queue_claim, queue_next, queue_complete, queue_deficient, review_approve, review_deficient}) {
    sub->add_option("--as", queue_args.actor, "who does it (default: the login name)");
  }

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
    if (run->parsed()) {
      if (!listen.empty()) config->listen = listen;
      return Service(*config).Run(once ? RunMode::kOnce : RunMode::kForever);
    }
    if (users_add->parsed()) {
      return UsersAddCommand(config->store_path, user_name, user_role, std::cin, isatty(STDIN_FILENO), std::cout,
                             std::cerr);
    }
    if (audit->parsed()) return AuditCommand(config->store_path, audit_document, std::cout, std::cerr);
    if (report_corrections->parsed()) {
      return CorrectionsReportCommand(config->store_path, config->min_field_confidence, std::cout, std::cerr);
    }
    if (status->parsed()) return Status(*config, json);
    if (process->parsed()) return Process(*config, channel, fax_line, files);
    for (CLI::App* group : {queue, review}) {
      if (group->parsed()) {
        return QueueCommand(group->get_name() + " " + group->get_subcommands().front()->get_name(), queue_args,
                            config->store_path, std::cout, std::cerr);
      }
    }
    if (bench_prepare->parsed()) return BenchPrepareCommand(*config, bench_paths, threads, bench_json);
    if (bench_crops->parsed()) {
      return BenchCropsCommand(corpus_dir, crops_out, config->data_dir, OptionsOf(*config), config->ocr,
                               crops_tesseract, bench_options.threads);
    }
    if (bench->parsed()) {
      if (corpus_dir.empty()) {
        std::cerr << "intake bench: give the corpus folder (intake bench DIR) or a subcommand\n";
        return 2;
      }
      return BenchCommand(*config, corpus_dir, bench_options, bench_out, bench_requests);
    }
    if (corpus->parsed()) {
      corpus_options.out = corpus_out;
      corpus_options.progress = isatty(STDERR_FILENO);
      return CorpusCommand(corpus_options, corpus_mix, config->data_dir, std::cout, std::cerr);
    }
    if (forms_add->parsed()) {
      return FormsAdd(form_pdf, form_side.empty() ? std::nullopt : std::optional<fs::path>(form_side),
                      config->data_dir, std::cout, std::cerr);
    }
    if (forms_list->parsed()) return FormsList(TemplateFolders(config->data_dir), std::cout, std::cerr);
  } catch (const std::exception& e) {
    spdlog::critical("stopped by an unexpected error: {}", e.what());
    return 70;
  }
  return 0;
}
