// End-to-end tests of the `intake` binary: inboxes in, ledger and requests out.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "store/store.h"
#include "tests/support/fax_batch.h"
#include "tests/support/process.h"
#include "tests/support/test_support.h"

namespace intake {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::CommandResult;
using testing::IntakeBinary;
using testing::MakeCorpus;
using testing::ReadFile;
using testing::RunCommand;
using testing::TempDir;
using testing::WriteFile;

// A data folder with the five default inboxes and quick watch settings.
fs::path WriteConfig(const fs::path& dir, double once_wait = 20, int max_attempts = 5) {
  const fs::path config = dir / "intake.toml";
  WriteFile(config, "data_dir = \"data\"\nworkers = 2\nlog_level = \"info\"\nmax_attempts = " +
                        std::to_string(max_attempts) + "\n"
                    "[watch]\nrescan_seconds = 0.5\nsettle_seconds = 0.3\nscan_quiet_seconds = 0.5\n"
                    "poll_seconds = 0.05\nonce_wait_seconds = " + std::to_string(once_wait) + "\n");
  for (const char* sub : {"inbox/fax/records", "inbox/fax/imaging", "inbox/fax/verbal", "inbox/email/new",
                          "inbox/email/cur", "inbox/email/tmp", "inbox/scan"}) {
    fs::create_directories(dir / "data" / sub);
  }
  return config;
}

CommandResult Intake(const fs::path& config, std::vector<std::string> args, std::chrono::seconds timeout = 300s) {
  std::vector<std::string> argv = {IntakeBinary().string(), "--config", config.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, timeout);
}

nlohmann::json StatusJson(const fs::path& config) {
  CommandResult status = Intake(config, {"status", "--json"});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  return nlohmann::json::parse(status.out);
}

// Reads the ledger directly, independently of the store module.
struct LedgerRow {
  std::int64_t id;
  std::string inbox, source, state, reason;
  int requests;
};

std::vector<LedgerRow> ReadLedger(const fs::path& db_path) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db,
                               "SELECT f.id, f.inbox, f.source_name, f.state, COALESCE(f.reason, ''),"
                               " (SELECT COUNT(*) FROM requests r WHERE r.file_id = f.id) FROM files f ORDER BY f.id",
                               -1, &stmt, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  std::vector<LedgerRow> rows;
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    auto text = [&](int col) { return std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, col))); };
    rows.push_back({sqlite3_column_int64(stmt, 0), text(1), text(2), text(3), text(4), sqlite3_column_int(stmt, 5)});
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return rows;
}

std::string MailWithAttachment(const std::string& name, const std::vector<std::uint8_t>& bytes) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string b64;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = bytes[i] << 16 | bytes[i + 1] << 8 | bytes[i + 2];
    for (int s : {18, 12, 6, 0}) b64 += kAlphabet[(v >> s) & 63];
    if (b64.size() % 77 == 76) b64 += "\n";
  }
  if (i < bytes.size()) {
    const unsigned v = bytes[i] << 16 | (i + 1 < bytes.size() ? bytes[i + 1] << 8 : 0);
    b64 += kAlphabet[(v >> 18) & 63];
    b64 += kAlphabet[(v >> 12) & 63];
    b64 += i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=';
    b64 += '=';
  }
  return "From: Scanner <scanner@clinic.example>\r\nTo: his@hospital.example\r\nSubject: Records request\r\n"
         "Date: Mon, 23 Nov 2026 09:15:00 -0500\r\nMessage-ID: <1@clinic.example>\r\nMIME-Version: 1.0\r\n"
         "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nPlease see "
         "attached.\r\n--b1\r\nContent-Type: application/pdf; name=\"" + name +
         "\"\r\nContent-Disposition: attachment; filename=\"" + name +
         "\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64 + "\r\n--b1--\r\n";
}

TEST(ServiceTest, ProcessPrintsRequestsCoveringEveryPageOfEachFaxWithItsSourceBlock) {
  TempDir dir;
  const fs::path config = WriteConfig(dir.path());
  std::vector<testing::FaxFile> faxes = testing::WriteFaxBatch(dir.path() / "faxes", 2, 11);
  CommandResult r = Intake(config, {"process", "--channel", "fax", "--fax-line", "imaging", faxes[0].path.string(),
                                    faxes[1].path.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, std::set<int>> pages_seen;
  std::istringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line)) {
    const auto request = nlohmann::json::parse(line);
    const std::string file = request["source"]["file"];
    auto fax = std::find_if(faxes.begin(), faxes.end(), [&](const auto& f) { return f.path.filename() == file; });
    ASSERT_NE(fax, faxes.end()) << file;
    EXPECT_THAT(request["form"].get<std::string>(), ::testing::AnyOf("AUTH", "AMEND", "VERBAL", "OTHER"));
    EXPECT_THAT(request["status"].get<std::string>(), ::testing::AnyOf("routed", "needs_review"));
    EXPECT_EQ(request["source"]["channel"], "fax");
    EXPECT_EQ(request["source"]["fax_line"], "imaging");
    EXPECT_EQ(request["source"]["sha256"], Sha256Hex(ReadFile(fax->path)));
    EXPECT_EQ(request["source"]["sender"], fax->station_id);
    EXPECT_THAT(request["source"]["received_at"].get<std::string>(), ::testing::StartsWith("2026-11-2"));
    for (const char* key : {"document_id", "form_code", "language", "fields", "findings", "due", "supporting_pages"}) {
      EXPECT_TRUE(request.contains(key)) << key;
    }
    for (const char* list : {"parts", "supporting_pages"}) {
      const auto& parts = std::string(list) == "parts" ? request["source"]["parts"] : request["supporting_pages"];
      for (const auto& part : parts) {
        for (int page : part["pages"]) EXPECT_TRUE(pages_seen[file].insert(page).second) << "page listed twice";
      }
    }
  }
  for (const testing::FaxFile& fax : faxes) {
    EXPECT_EQ(pages_seen[fax.path.filename().string()].size(), static_cast<std::size_t>(fax.pages))
        << "every page belongs to exactly one request";
  }
}

// End to end, from the generator's fax TIFFs (typed fills, both fax
// resolutions, skew, noise, header lines) to the requests their truth
// expects: form, code, language, queues, status, every checkbox group and
// the signature exactly, and the typed text fields read as written.
TEST(ServiceTest, ProcessTurnsGeneratedFaxesIntoTheRequestsTheirTruthExpects) {
  TempDir dir;
  const fs::path config = WriteConfig(dir.path());
  const fs::path corpus = dir.path() / "corpus";
  ASSERT_NO_FATAL_FAILURE(MakeCorpus(corpus, 4, 29, "fax=1,email=0,scan=0,hand=0,typed=1,efill=0"));
  std::ifstream truth_file(corpus / "truth.jsonl");
  int documents = 0, text_fields = 0, text_right = 0;
  for (std::string line; std::getline(truth_file, line);) {
    const auto truth = nlohmann::json::parse(line);
    SCOPED_TRACE(truth["doc_id"].get<std::string>());
    ASSERT_EQ(truth["channel"], "fax");
    CommandResult r = Intake(config, {"process", "--channel", "fax", "--fax-line", truth["fax_line"],
                                      (corpus / truth["file"].get<std::string>()).string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::optional<nlohmann::json> request;  // the one holding the truth's pages
    std::istringstream lines(r.out);
    for (std::string out; std::getline(lines, out);) {
      auto candidate = nlohmann::json::parse(out);
      for (int page : candidate["source"]["parts"][0]["pages"]) {
        if (std::find(truth["pages"].begin(), truth["pages"].end(), page) != truth["pages"].end()) request = candidate;
      }
    }
    ASSERT_TRUE(request.has_value()) << r.out;
    ++documents;
    EXPECT_EQ((*request)["form"], truth["form"]);
    EXPECT_EQ((*request)["language"], truth["language"]);
    EXPECT_EQ((*request)["source"]["fax_line"], truth["fax_line"]);
    if (truth["form"] == "OTHER") continue;
    EXPECT_EQ((*request)["form_code"], truth["form_code"]);
    auto queues = (*request)["queues"].get<std::vector<std::string>>();
    auto expected = truth["expected_queues"].get<std::vector<std::string>>();
    std::sort(queues.begin(), queues.end());
    std::sort(expected.begin(), expected.end());
    if ((*request)["status"] == "routed") EXPECT_EQ(queues, expected);
    if (truth["must_review"]) EXPECT_EQ((*request)["status"], "needs_review");
    for (const auto& [key, value] : truth["fields"].items()) {
      const auto& fields = (*request)["fields"];
      if (value.is_null()) {
        EXPECT_FALSE(fields.contains(key)) << key << " is blank on the form";
      } else if (value.is_boolean() || value.is_array()) {
        ASSERT_TRUE(fields.contains(key)) << key;
        EXPECT_EQ(fields[key]["value"], value) << key;
      } else {
        ++text_fields;
        text_right += fields.contains(key) && fields[key]["value"] == value;
      }
    }
  }
  EXPECT_EQ(documents, 4);
  // Typed text through Tesseract on faxes: most, not all (a dropped dot, a 6
  // read as 0, an e-mail address on a noisy fine fax garbled).
  EXPECT_GE(text_right, text_fields * 80 / 100) << text_right << " of " << text_fields;
}

// Phone photos of hand-filled forms, as the generator takes them (the sheet
// on a desk, in perspective, under uneven light), come out as the forms and
// languages their truth says, with their checkboxes, signature and most of
// their dates and digits read.
TEST(ServiceTest, GeneratedPhonePhotosAreReadAsTheirFormsWithTheirMarksAndMostDigits) {
  TempDir dir;
  const fs::path config = WriteConfig(dir.path());
  const fs::path corpus = dir.path() / "corpus";
  ASSERT_NO_FATAL_FAILURE(MakeCorpus(corpus, 3, 8, "fax=0,email=1,scan=0,hand=1,typed=0,efill=0"));
  std::ifstream truth_file(corpus / "truth.jsonl");
  int photos = 0, digit_fields = 0, digits_right = 0;
  for (std::string line; std::getline(truth_file, line);) {
    const auto truth = nlohmann::json::parse(line);
    SCOPED_TRACE(truth["doc_id"].get<std::string>());
    ASSERT_EQ(truth["email_attachment_kind"], "photo");
    ++photos;
    CommandResult r = Intake(config, {"process", "--channel", "email", (corpus / truth["file"].get<std::string>()).string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const nlohmann::json request = nlohmann::json::parse(r.out.substr(0, r.out.find('\n')));
    EXPECT_EQ(request["form"], truth["form"]);
    EXPECT_EQ(request["language"], truth["language"]);
    for (const auto& [key, value] : truth["fields"].items()) {
      const auto& fields = request["fields"];
      if (value.is_boolean() || value.is_array()) {
        ASSERT_TRUE(fields.contains(key)) << key;
        EXPECT_EQ(fields[key]["value"], value) << key;
      } else if (value.is_string() && (key.ends_with("phone") || key.ends_with("dob") || key.ends_with("date") ||
                                       key.ends_with("mrn") || key.ends_with("zip"))) {
        ++digit_fields;
        digits_right += fields.contains(key) && fields[key]["value"] == value;
      }
    }
  }
  EXPECT_EQ(photos, 3);
  EXPECT_GE(digits_right, digit_fields * 2 / 3) << digits_right << " of " << digit_fields;
}

// The subject line is a hint, never the answer: the same generated e-mail
// comes out as the same form whatever its subject says, but a subject naming
// another form sends it to a person (INT-01) where the original did not.
TEST(ServiceTest, EmailSubjectNamingAnotherFormDoubtsTheClassificationButNeverOverturnsIt) {
  TempDir dir;
  const fs::path config = WriteConfig(dir.path());
  const fs::path corpus = dir.path() / "corpus";
  ASSERT_NO_FATAL_FAILURE(MakeCorpus(corpus, 6, 41, "fax=0,email=1,scan=0,hand=0,typed=1,efill=0"));
  auto process = [&](const fs::path& eml) {
    CommandResult r = Intake(config, {"process", "--channel", "email", eml.string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<nlohmann::json> requests;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) requests.push_back(nlohmann::json::parse(line));
    return requests;
  };
  auto doubted = [](const nlohmann::json& request) {
    for (const auto& finding : request["findings"]) {
      if (finding["rule"] == "INT-01") return true;
    }
    return false;
  };
  std::ifstream truth_file(corpus / "truth.jsonl");
  int tried = 0;
  for (std::string line; std::getline(truth_file, line) && tried < 2;) {
    const auto truth = nlohmann::json::parse(line);
    if (truth["form"] == "OTHER") continue;
    const fs::path eml = corpus / truth["file"].get<std::string>();
    const std::vector<nlohmann::json> before = process(eml);
    if (before.size() != 1 || before[0]["form"] != truth["form"] || doubted(before[0])) continue;
    SCOPED_TRACE(truth["doc_id"].get<std::string>());
    ++tried;
    // The message with its Subject header (and any folded continuation) replaced.
    const std::vector<std::uint8_t> bytes = ReadFile(eml);
    std::istringstream original(std::string(bytes.begin(), bytes.end()));
    std::string rewritten;
    bool in_subject = false;
    for (std::string header; std::getline(original, header);) {
      if (in_subject && !header.empty() && (header[0] == ' ' || header[0] == '\t')) continue;
      in_subject = header.starts_with("Subject:");
      rewritten += in_subject ? (truth["form"] == "AMEND" ? "Subject: Records request" : "Subject: Solicitud de enmienda")
                              : header;
      rewritten += "\n";
    }
    const fs::path relabeled = dir.path() / "relabeled.eml";
    WriteFile(relabeled, rewritten);
    const std::vector<nlohmann::json> after = process(relabeled);
    ASSERT_EQ(after.size(), 1u);
    EXPECT_EQ(after[0]["form"], truth["form"]) << "the pages decide the form";
    EXPECT_TRUE(doubted(after[0])) << after[0]["findings"].dump();
    EXPECT_EQ(after[0]["status"], "needs_review");
  }
  EXPECT_EQ(tried, 2) << "the corpus should hold two e-mailed forms read without doubt";
}

// GET over plain HTTP on 127.0.0.1; the whole answer, headers included.
std::string HttpGet(int port, const std::string& path) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return "";
  }
  const std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  (void)::write(fd, request.data(), request.size());
  std::string answer;
  char buffer[4096];
  for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;) answer.append(buffer, static_cast<std::size_t>(n));
  ::close(fd);
  return answer;
}

TEST(ServiceTest, MetricsAndHealthAnswerWithCountsAndTimingsButNoPatientData) {
  TempDir dir;
  const fs::path config = dir.path() / "intake.toml";
  WriteFile(config, "data_dir = \"data\"\nworkers = 1\nlisten = \"127.0.0.1:0\"\n"
                    "[watch]\nrescan_seconds = 0.5\nsettle_seconds = 0.3\npoll_seconds = 0.05\n");
  const fs::path log = dir.path() / "service.log";
  testing::Child service = testing::StartCommand({IntakeBinary().string(), "--config", config.string(), "run"}, log);
  const auto faxes = testing::WriteFaxBatch(dir.path() / "data" / "inbox" / "fax" / "records", 1, 5);
  int port = 0;
  std::string metrics;
  for (auto deadline = std::chrono::steady_clock::now() + 180s; std::chrono::steady_clock::now() < deadline;) {
    std::ifstream in(log);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (const auto at = text.find("listening on 127.0.0.1:"); at != std::string::npos && port == 0) {
      port = std::stoi(text.substr(at + std::string("listening on 127.0.0.1:").size()));
    }
    if (port != 0) {
      metrics = HttpGet(port, "/metrics");
      if (metrics.find("intake_files_processed_total{outcome=\"processed\"} 1") != std::string::npos) break;
    }
    std::this_thread::sleep_for(300ms);
  }
  ASSERT_NE(port, 0) << "the service did not start its web server";
  EXPECT_THAT(metrics, ::testing::StartsWith("HTTP/1.1 200"));
  EXPECT_THAT(metrics, ::testing::HasSubstr("intake_files{inbox=\"fax-records\",state=\"processed\"} 1"));
  EXPECT_THAT(metrics, ::testing::HasSubstr("intake_quarantined_files 0"));
  EXPECT_THAT(metrics, ::testing::HasSubstr("intake_documents{form="));
  EXPECT_THAT(metrics, ::testing::HasSubstr("intake_queue_open_items{queue="));
  EXPECT_THAT(metrics, ::testing::HasSubstr("intake_stage_seconds_bucket{stage=\"read\",le=\"+Inf\"} 1"));
  EXPECT_THAT(metrics, ::testing::HasSubstr("intake_file_processing_seconds_count 1"));
  EXPECT_THAT(metrics, ::testing::HasSubstr("intake_pages_processed_total " + std::to_string(faxes[0].pages)));
  // Counts and timings only: the fax's file name and its sender never appear.
  EXPECT_EQ(metrics.find(faxes[0].path.filename().string()), std::string::npos);
  EXPECT_EQ(metrics.find(faxes[0].station_id), std::string::npos);
  const std::string health = HttpGet(port, "/health");
  EXPECT_THAT(health, ::testing::StartsWith("HTTP/1.1 200"));
  EXPECT_THAT(health, ::testing::HasSubstr("\"status\":\"ok\",\"in_flight\":0"));
  kill(service.pid, SIGTERM);
  EXPECT_EQ(testing::WaitChild(service), 0);
}

TEST(ServiceTest, ProcessExplainsAFileItCannotRead) {
  TempDir dir;
  const fs::path config = WriteConfig(dir.path());
  WriteFile(dir.path() / "memo.docx", std::string("PK\x03\x04word/document.xml", 22));
  CommandResult r = Intake(config, {"process", (dir.path() / "memo.docx").string()});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, ::testing::HasSubstr("memo.docx: quarantine:"));
}

TEST(ServiceTest, RunOnceTakesEveryInboxFileAndStatusAccountsForEach) {
  TempDir dir;
  const fs::path config = WriteConfig(dir.path());
  const fs::path data = dir.path() / "data";
  auto faxes = testing::WriteFaxBatch(data / "inbox/fax/records", 3, 21);
  fs::copy_file(faxes[0].path, data / "inbox/fax/imaging/fax900001.tif");  // the same fax sent twice
  WriteFile(data / "inbox/fax/verbal/fax000999.tif", std::string("II*\0garbage", 11));
  fs::copy_file(testing::SourceDir() / "forms/HIS-AMEND-EN.pdf", data / "inbox/scan/batch1.pdf");
  WriteFile(data / "inbox/email/tmp/1700000000.M1P1.host",
            MailWithAttachment("form.pdf", ReadFile(testing::SourceDir() / "forms/HIS-VERBAL-EN.pdf")));
  fs::rename(data / "inbox/email/tmp/1700000000.M1P1.host", data / "inbox/email/new/1700000000.M1P1.host");

  CommandResult run = Intake(config, {"run", "--once"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto status = StatusJson(config);
  EXPECT_EQ(status["files"]["processed"], 5) << status.dump();
  EXPECT_EQ(status["files"]["duplicate"], 1);
  EXPECT_EQ(status["files"]["quarantined"], 1);
  EXPECT_EQ(status["files"]["received"], 0);
  EXPECT_EQ(status["files"]["processing"], 0);
  ASSERT_EQ(status["quarantine"].size(), 1u);
  EXPECT_EQ(status["quarantine"][0]["file"], "fax000999.tif");
  EXPECT_FALSE(status["quarantine"][0]["reason"].get<std::string>().empty());

  EXPECT_TRUE(fs::is_empty(data / "inbox/email/new"));
  EXPECT_TRUE(fs::exists(data / "inbox/email/cur/1700000000.M1P1.host:2,S"));
  // Originals are archived read-only for the owner; the ledger too is private.
  int archived = 0;
  for (const auto& entry : fs::recursive_directory_iterator(data / "archive")) {
    if (!entry.is_regular_file()) continue;
    ++archived;
    EXPECT_EQ(entry.status().permissions() & fs::perms::all, fs::perms::owner_read) << entry.path();
    EXPECT_EQ(entry.path().filename().string(), Sha256Hex(ReadFile(entry.path())));
  }
  EXPECT_EQ(archived, 6) << "one copy per distinct content";
  EXPECT_EQ(fs::status(data / "intake.sqlite").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  // Running again takes nothing new.
  ASSERT_EQ(Intake(config, {"run", "--once"}).exit_code, 0);
  EXPECT_EQ(StatusJson(config), status);
}

TEST(ServiceTest, FaxStillLockedByTheFaxServerIsLeftUntilReleased) {
  TempDir dir;
  const fs::path config = WriteConfig(dir.path(), /*once_wait=*/2);
  const fs::path data = dir.path() / "data";
  auto faxes = testing::WriteFaxBatch(data / "inbox/fax/records", 1, 5);
  const int fd = open(faxes[0].path.c_str(), O_RDONLY);
  ASSERT_EQ(flock(fd, LOCK_EX), 0);
  CommandResult first = Intake(config, {"run", "--once"});
  EXPECT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(StatusJson(config)["files"]["processed"], 0);
  EXPECT_TRUE(fs::exists(faxes[0].path));
  flock(fd, LOCK_UN);
  close(fd);
  ASSERT_EQ(Intake(config, {"run", "--once"}).exit_code, 0);
  EXPECT_EQ(StatusJson(config)["files"]["processed"], 1);
}

TEST(ServiceTest, RunOnceOverTheSharedSamplesAccountsForEveryFile) {
  const fs::path samples = testing::SharedDir() / "samples/inbox";
  if (!fs::exists(samples)) GTEST_SKIP() << "../shared/samples is not beside the repository";
  TempDir dir;
  const fs::path config = WriteConfig(dir.path());
  fs::copy(samples, dir.path() / "data/inbox", fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  for (const auto& entry : fs::recursive_directory_iterator(dir.path() / "data/inbox")) {
    fs::permissions(entry.path(), fs::perms::owner_all, fs::perm_options::add);
  }
  int files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir.path() / "data/inbox")) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && name[0] != '.') ++files;
  }
  CommandResult run = Intake(config, {"run", "--once"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto status = StatusJson(config);
  const int accounted = status["files"]["processed"].get<int>() + status["files"]["quarantined"].get<int>() +
                        status["files"]["duplicate"].get<int>();
  EXPECT_EQ(accounted, files) << status.dump();
  EXPECT_EQ(status["files"]["received"], 0);
  EXPECT_EQ(status["files"]["processing"], 0);
}

// The promise of SPEC section 8: a kill -9 at any moment, then a restart,
// leaves every file in exactly one terminal state and nothing processed twice.
TEST(ServiceTest, KillNineAtRandomMomentsLosesNothingAndProcessesNothingTwice) {
  TempDir dir;
  // Kills come faster than a slow file finishes; the crash-loop guard must not
  // quarantine good files here.
  const fs::path config = WriteConfig(dir.path(), 20, /*max_attempts=*/100);
  const fs::path data = dir.path() / "data";
  const auto faxes = testing::WriteFaxBatch(data / "inbox/fax/records", 14, 99);
  fs::copy_file(faxes[3].path, data / "inbox/fax/imaging/fax800003.tif");
  WriteFile(data / "inbox/fax/verbal/fax000777.tif", std::string("II*\0truncated", 13));
  const int inbox_files = 16;

  std::mt19937 random(2026);
  int kills = 0;
  for (int round = 0; round < 8; ++round) {
    testing::Child service = testing::StartCommand(
        {IntakeBinary().string(), "--config", config.string(), "run"}, dir.path() / "service.log");
    // Start-up (loading the forms) takes about a second; kill during the work after it.
    std::this_thread::sleep_for(std::chrono::milliseconds(1200 + random() % 3500));
    kill(service.pid, SIGKILL);
    if (testing::WaitChild(service) == -SIGKILL) ++kills;
  }
  EXPECT_EQ(kills, 8);
  // The kills must have landed mid-work: some restart found files in flight.
  std::ifstream log(dir.path() / "service.log");
  const std::string log_text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_THAT(log_text, ::testing::HasSubstr("resuming"));
  CommandResult finish = Intake(config, {"run", "--once"});
  ASSERT_EQ(finish.exit_code, 0) << finish.err;

  const auto rows = ReadLedger(data / "intake.sqlite");
  ASSERT_EQ(rows.size(), static_cast<std::size_t>(inbox_files)) << "one ledger row per file taken";
  std::set<std::pair<std::string, std::string>> sources;
  int processed = 0, quarantined = 0, duplicates = 0;
  for (const LedgerRow& row : rows) {
    EXPECT_TRUE(sources.insert({row.inbox, row.source}).second) << row.source << " recorded twice";
    if (row.state == "processed") {
      ++processed;
      EXPECT_GE(row.requests, 1) << row.source << " has no request";
    } else if (row.state == "quarantined") {
      ++quarantined;
      EXPECT_EQ(row.requests, 0);
      EXPECT_FALSE(row.reason.empty());
    } else if (row.state == "duplicate") {
      ++duplicates;
      EXPECT_EQ(row.requests, 0);
    } else {
      ADD_FAILURE() << row.source << " left in state " << row.state;
    }
  }
  EXPECT_EQ(duplicates, 1);
  EXPECT_EQ(quarantined, 1) << "only the truncated file; no good fax was quarantined by the kills";
  EXPECT_EQ(processed, 14);
}

TEST(ServiceTest, SigtermFinishesTheDocumentsInHandAndExitsZero) {
  TempDir dir;
  const fs::path config = WriteConfig(dir.path());
  testing::WriteFaxBatch(dir.path() / "data/inbox/fax/records", 6, 3);
  testing::Child service = testing::StartCommand({IntakeBinary().string(), "--config", config.string(), "run"},
                                                 dir.path() / "service.log");
  std::this_thread::sleep_for(1500ms);
  kill(service.pid, SIGTERM);
  EXPECT_EQ(testing::WaitChild(service), 0);
  for (const LedgerRow& row : ReadLedger(dir.path() / "data/intake.sqlite")) {
    EXPECT_NE(row.state, "processing") << row.source << " was abandoned mid-way";
  }
  ASSERT_EQ(Intake(config, {"run", "--once"}).exit_code, 0);
  EXPECT_EQ(StatusJson(config)["files"]["processed"], 6);
}

}  // namespace
}  // namespace intake
