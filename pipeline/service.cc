#include "pipeline/service.h"

#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <iterator>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include <fmt/format.h>

#include "core/log.h"
#include "pipeline/metrics.h"
#include "pipeline/recipe.h"
#include "review/review.h"
#include "store/store.h"

namespace intake {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

Result<std::vector<std::uint8_t>> ReadWholeFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(ErrorCode::kIoError, "cannot open the inbox file");
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Fail(ErrorCode::kIoError, "cannot read the inbox file");
  return bytes;
}

int WorkerCount(const Config& config) {
  if (config.workers > 0) return config.workers;
  return std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace

struct Service::Impl {
  Config config;
  PipelineOptions options;
  std::optional<FormsKnowledge> knowledge;
  std::unique_ptr<Store> store;
  std::unique_ptr<Archive> archive;
  ServiceMetrics metrics;
  asio::io_context io;
  asio::thread_pool pool;
  std::unique_ptr<InboxWatcher> watcher;
  std::atomic<int> outstanding{0};  // processing tasks scheduled and not finished
  std::atomic<bool> stopping{false};

  explicit Impl(Config c) : config(std::move(c)), pool(WorkerCount(config)) {
    options.limits = config.limits;
    options.prepare = config.prepare;
    options.min_field_confidence = config.min_field_confidence;
  }

  // Runs on the event loop: archive first, then the ledger, then the Maildir move.
  void Take(const ReadyFile& ready) {
    Result<std::vector<std::uint8_t>> bytes = ReadWholeFile(ready.path);
    if (!bytes) {
      spdlog::warn("inbox {}: {} not taken: {}", ready.inbox->name, ready.source_name, bytes.error().message);
      return;
    }
    Result<std::string> sha = archive->Put(*bytes);
    if (!sha) {
      spdlog::error("inbox {}: {} not archived: {}", ready.inbox->name, ready.source_name, sha.error().message);
      return;
    }
    Arrival arrival;
    arrival.sha256 = *sha;
    arrival.inbox = ready.inbox->name;
    arrival.channel = ready.inbox->channel;
    arrival.fax_line = ready.inbox->fax_line;
    arrival.source_name = ready.source_name;
    arrival.size = static_cast<std::int64_t>(bytes->size());
    arrival.received_at = FileTimeToIso(ready.mtime);
    Result<ArrivalOutcome> outcome = store->RecordArrival(arrival);
    if (!outcome) {
      spdlog::error("inbox {}: {} not recorded: {}", ready.inbox->name, ready.source_name, outcome.error().message);
      return;
    }
    if (ready.inbox->channel == Channel::kEmail) MoveToCur(ready.path);
    if (outcome->duplicate) {
      spdlog::info("file {} ({}) from {} is a duplicate", outcome->file_id, ShortHash(*sha), ready.inbox->name);
    } else if (!outcome->already_known) {
      spdlog::info("file {} ({}) taken from {}", outcome->file_id, ShortHash(*sha), ready.inbox->name);
      Schedule(outcome->file_id);
    }
  }

  static void MoveToCur(const fs::path& message) {
    if (Result<fs::path> moved = MarkMaildirSeen(message); !moved) {
      spdlog::error("maildir message {} not moved to cur/: {}", message.filename().string(), moved.error().message);
    }
  }

  bool IsKnown(const ReadyFile& ready) {
    Result<bool> known = store->IsKnownSource(ready.inbox->name, ready.source_name, ready.size);
    if (!known) return true;  // the ledger cannot answer: leave the file for a later look
    // Taken before a crash, but not yet moved out of new/: finish the move now.
    if (*known && ready.inbox->channel == Channel::kEmail) MoveToCur(ready.path);
    return *known;
  }

  void Schedule(std::int64_t file_id) {
    ++outstanding;
    asio::post(pool, [this, file_id] {
      if (!stopping) ProcessOne(file_id);
      --outstanding;
    });
  }

  void ScheduleRetry(std::int64_t file_id, int attempts) {
    ++outstanding;
    auto timer = std::make_shared<asio::steady_timer>(io, std::chrono::seconds(std::min(60, 2 << attempts)));
    timer->async_wait([this, file_id, timer](const boost::system::error_code&) {
      if (!stopping) Schedule(file_id);
      --outstanding;
    });
  }

  // Runs on a worker thread. The ledger decides: a file already finished by an
  // earlier run is left alone, so nothing is processed twice.
  void ProcessOne(std::int64_t file_id) {
    thread_local std::unique_ptr<OcrEngine> engine;
    if (!engine) {
      auto created = OcrEngine::Create(config.ocr);
      if (!created) {
        spdlog::critical("OCR engine unavailable: {}", created.error().message);
        return;
      }
      engine = std::move(*created);
    }
    Result<std::optional<FileRecord>> record = store->Get(file_id);
    if (!record || !*record || IsTerminal((*record)->state)) return;
    const FileRecord& file = **record;
    if (file.attempts >= config.max_attempts) {
      Report(file_id, store->Quarantine(file_id, "processing was interrupted " + std::to_string(file.attempts) +
                                                     " times on this file; a person must look at it"));
      return;
    }
    if (!Report(file_id, store->MarkProcessing(file_id))) return;

    const auto start = Clock::now();
    ProcessStats stats;
    Result<std::vector<std::uint8_t>> bytes = archive->Get(file.arrival.sha256);
    Result<std::vector<Request>> requests =
        bytes ? Process(file, *bytes, *engine, stats) : Result<std::vector<Request>>(tl::unexpected(bytes.error()));
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
    metrics.FileProcessed(requests ? "processed" : std::string(ToString(DispositionOf(requests.error().code))), stats,
                          ms / 1000.0);
    if (requests) {
      if (Report(file_id, store->CompleteProcessed(file_id, *requests))) {
        spdlog::info("file {} processed: {} document(s) in {} ms", file_id, requests->size(), ms);
      }
      return;
    }
    const Error& error = requests.error();
    switch (DispositionOf(error.code)) {
      case Disposition::kQuarantine:
        spdlog::warn("file {} quarantined: {}", file_id, ToString(error.code));
        Report(file_id, store->Quarantine(file_id, error.message));
        return;
      case Disposition::kRetry:
        spdlog::warn("file {} will be retried: {}", file_id, ToString(error.code));
        if (Report(file_id, store->ReleaseForRetry(file_id, error.message))) {
          asio::post(io, [this, file_id, attempts = file.attempts] { ScheduleRetry(file_id, attempts); });
        }
        return;
      case Disposition::kReview:
        Report(file_id, store->CompleteProcessed(file_id, {ReviewRequest(file, error)}));
        return;
    }
  }

  Result<std::vector<Request>> Process(const FileRecord& file, const std::vector<std::uint8_t>& bytes,
                                       OcrEngine& engine, ProcessStats& stats) {
    FileInput input;
    input.bytes = bytes;
    input.file_name = file.arrival.source_name;
    input.channel = file.arrival.channel;
    input.fax_line = file.arrival.fax_line;
    input.sha256 = file.arrival.sha256;
    input.received_at = file.arrival.received_at;
    input.sender = file.arrival.sender;
    input.subject = file.arrival.subject;
    return ProcessFile(input, options, *knowledge, engine, &stats);
  }

  static Request ReviewRequest(const FileRecord& file, const Error& error) {
    Request request;
    request.document_id = DocumentId(file.arrival.sha256, 0);
    request.source.channel = file.arrival.channel;
    request.source.fax_line = file.arrival.fax_line;
    request.source.file = file.arrival.source_name;
    request.source.sha256 = file.arrival.sha256;
    request.source.received_at = file.arrival.received_at;
    request.findings.push_back({"INT-03", "pend", std::nullopt, "The file could not be read automatically: " + error.message});
    request.queues = {"review"};
    return request;
  }

  static bool Report(std::int64_t file_id, const Result<void>& result) {
    if (!result) spdlog::error("file {}: ledger update failed: {}", file_id, result.error().message);
    return result.has_value();
  }
};

Service::Service(Config config) : impl_(std::make_unique<Impl>(std::move(config))) {}
Service::~Service() = default;

int Service::Run(RunMode mode) {
  Impl& s = *impl_;
  const Config& config = s.config;
  // Registered first: a SIGTERM during start-up (loading the forms takes a
  // moment) is delivered once the loop runs, instead of killing the process.
  asio::signal_set signals(s.io, SIGINT, SIGTERM);
  std::error_code ec;
  fs::create_directories(config.data_dir, ec);
  fs::permissions(config.data_dir, fs::perms::owner_all, ec);
  if (ec) {
    spdlog::critical("cannot create the data folder: {}", ec.message());
    return 1;
  }
  auto store = Store::Open(config.store_path);
  if (!store) {
    spdlog::critical("cannot open the ledger: {}", store.error().message);
    return 1;
  }
  s.store = std::move(*store);
  s.archive = std::make_unique<Archive>(config.archive_dir);
  Result<FormsKnowledge> knowledge = LoadFormsKnowledge({DefaultFormsDir(), config.data_dir / "forms"});
  if (!knowledge) {
    spdlog::critical("cannot load the forms: {}", knowledge.error().message);
    return 1;
  }
  s.knowledge = std::move(*knowledge);
  // Fail at start, not on the first file, when the OCR models are missing.
  if (auto probe = OcrEngine::Create(config.ocr); !probe) {
    spdlog::critical("OCR engine unavailable: {}", probe.error().message);
    return 1;
  }

  Result<std::vector<FileRecord>> in_flight = s.store->InFlight();
  if (!in_flight) {
    spdlog::critical("cannot read the ledger: {}", in_flight.error().message);
    return 1;
  }
  if (!in_flight->empty()) spdlog::info("resuming {} file(s) left in flight", in_flight->size());
  for (const FileRecord& file : *in_flight) s.Schedule(file.id);

  s.watcher = std::make_unique<InboxWatcher>(
      s.io.get_executor(), config.inboxes, config.watch, [&s](const ReadyFile& f) { s.Take(f); },
      [&s](const ReadyFile& f) { return s.IsKnown(f); });
  if (Result<void> started = s.watcher->Start(); !started) {
    spdlog::critical("cannot watch the inboxes: {}", started.error().message);
    return 1;
  }

  // The reviewers' web app on this event loop (review/review.h). A batch run
  // (--once) serves no one; a port already taken is logged and the inboxes
  // are still worked, so no file waits for the web app.
  HttpServer http(s.io);
  ReviewApp review_app(http, *s.store, *s.archive, s.knowledge->templates, ReviewOptionsFrom(config));
  // For the hospital's monitoring: no sign-in, no patient data (pipeline/metrics.h).
  http.Route("GET", "/metrics", [&s](const HttpRequest&) {
    Result<LedgerCounts> counts = s.store->Counts();
    if (!counts) return HttpResponse::Text(503, "the ledger cannot be read\n");
    HttpResponse response = HttpResponse::Text(200, s.metrics.Exposition(*counts));
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return response;
  });
  http.Route("GET", "/health", [&s](const HttpRequest&) {
    Result<std::vector<FileRecord>> in_flight = s.store->InFlight();
    if (!in_flight) return HttpResponse::Text(503, "{\"status\":\"ledger unreadable\"}\n");
    HttpResponse response = HttpResponse::Text(
        200, fmt::format("{{\"status\":\"ok\",\"in_flight\":{}}}\n", in_flight->size()));
    response.content_type = "application/json";
    return response;
  });
  if (mode == RunMode::kForever) {
    auto address = ParseListen(config.listen);
    Result<void> tls = config.review.tls_cert.empty() ? Result<void>()
                                                      : http.UseTls(config.review.tls_cert, config.review.tls_key);
    auto port = !tls       ? Result<std::uint16_t>(tl::unexpected(tls.error()))
                : address ? http.Listen(address->first, address->second)
                          : Result<std::uint16_t>(tl::unexpected(address.error()));
    if (port) {
      spdlog::info("review app listening on {}:{}{}", address->first, *port, http.Tls() ? " (TLS)" : "");
    } else {
      spdlog::error("review app not started: {}", port.error().message);
    }
  }

  auto stop = [&s, &http] {
    s.stopping = true;
    http.Stop();
    s.watcher->Stop();
    s.io.stop();
  };
  signals.async_wait([&](const boost::system::error_code& error, int signal_number) {
    if (error) return;
    spdlog::info("signal {}: finishing the documents in hand", signal_number);
    stop();
  });

  // --once: done when every file present has been taken and processed. Files
  // that stay incomplete (a fax still locked) are left in their inbox after
  // `once_wait`, not lost: the next run takes them.
  asio::steady_timer check(s.io);
  const auto started_at = Clock::now();
  const auto first_look = std::max(config.watch.poll_interval * 2, std::chrono::milliseconds(200));
  std::function<void()> check_done = [&] {
    check.expires_after(std::chrono::milliseconds(100));
    check.async_wait([&](const boost::system::error_code& error) {
      if (error) return;
      const auto waited = Clock::now() - started_at;
      const bool settled = waited >= first_look && s.outstanding == 0;
      if (settled && s.watcher->PendingCount() == 0) {
        spdlog::info("all files present were taken and processed");
        return stop();
      }
      if (settled && waited >= config.once_wait) {
        spdlog::warn("{} file(s) still incomplete after {} s: left in their inbox", s.watcher->PendingCount(),
                     std::chrono::duration_cast<std::chrono::seconds>(config.once_wait).count());
        return stop();
      }
      check_done();
    });
  };
  if (mode == RunMode::kOnce) check_done();

  spdlog::info("intake running: {} inbox(es), {} worker(s), data in {}", config.inboxes.size(), WorkerCount(config),
               config.data_dir.string());
  s.io.run();
  s.pool.join();
  spdlog::info("intake stopped");
  return 0;
}

}  // namespace intake
