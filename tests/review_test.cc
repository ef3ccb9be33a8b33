// The reviewers' web app over real HTTP on 127.0.0.1 against a real SQLite
// store, and (ReviewBrowserTest) the whole flow in headless Chromium against
// the real `intake` service.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <csignal>
#include <regex>
#include <thread>

#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "decode/decode.h"
#include "review/auth.h"
#include "review/http.h"
#include "review/review.h"
#include "store/store.h"
#include "tests/support/fax_batch.h"
#include "tests/support/process.h"
#include "tests/support/test_support.h"

namespace intake {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::TempDir;

constexpr char kPassword[] = "correct horse battery";
constexpr char kDocument[] = "doc-1";

struct Reply {
  int status = 0;
  std::multimap<std::string, std::string> headers;  // lower-case names
  std::string body;

  std::string Header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
  std::vector<std::string> Cookies() const {
    std::vector<std::string> out;
    for (auto [it, end] = headers.equal_range("set-cookie"); it != end; ++it) out.push_back(it->second);
    return out;
  }
};

std::string BuildRequest(const std::string& method, const std::string& target, const std::string& cookie,
                         const std::string& form) {
  std::string request = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  if (!cookie.empty()) request += "Cookie: " + cookie + "\r\n";
  if (method == "POST") {
    request += "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + std::to_string(form.size()) +
               "\r\n";
  }
  return request + "\r\n" + form;
}

Reply ParseReply(const std::string& raw) {
  Reply reply;
  const std::size_t head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos || raw.rfind("HTTP/1.1 ", 0) != 0) return reply;
  std::istringstream head(raw.substr(0, head_end));
  std::string line;
  std::getline(head, line);
  reply.status = std::stoi(line.substr(9, 3));
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    reply.headers.emplace(name, line.substr(colon + 2));
  }
  reply.body = raw.substr(head_end + 4);
  return reply;
}

int Connect(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  return fd;
}

// A plain HTTP/1.1 client (one request per connection), so the test does not
// share the server's HTTP code.
Reply Send(std::uint16_t port, const std::string& method, const std::string& target, const std::string& cookie = "",
           const std::string& form = "") {
  const int fd = Connect(port);
  const std::string request = BuildRequest(method, target, cookie, form);
  EXPECT_EQ(::send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  std::string raw;
  char buffer[65536];
  for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) raw.append(buffer, n);
  ::close(fd);
  return ParseReply(raw);
}

// The same over TLS (OpenSSL, certificate not checked: the test made it).
Reply SendTls(std::uint16_t port, const std::string& method, const std::string& target) {
  SSL_CTX* context = SSL_CTX_new(TLS_client_method());
  SSL* ssl = SSL_new(context);
  const int fd = Connect(port);
  SSL_set_fd(ssl, fd);
  std::string raw;
  if (SSL_connect(ssl) == 1) {
    const std::string request = BuildRequest(method, target, "", "");
    SSL_write(ssl, request.data(), static_cast<int>(request.size()));
    char buffer[65536];
    for (int n; (n = SSL_read(ssl, buffer, sizeof buffer)) > 0;) raw.append(buffer, n);
  }
  SSL_free(ssl);
  SSL_CTX_free(context);
  ::close(fd);
  return ParseReply(raw);
}

// A self-signed certificate for 127.0.0.1 and its key, as PEM files.
void WriteSelfSignedCertificate(const fs::path& cert_path, const fs::path& key_path) {
  EVP_PKEY* key = EVP_RSA_gen(2048);
  X509* cert = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1,
                             0);
  X509_set_issuer_name(cert, name);
  X509_sign(cert, key, EVP_sha256());
  FILE* out = std::fopen(cert_path.c_str(), "w");
  PEM_write_X509(out, cert);
  std::fclose(out);
  out = std::fopen(key_path.c_str(), "w");
  PEM_write_PrivateKey(out, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(out);
  X509_free(cert);
  EVP_PKEY_free(key);
}

std::string Match(const std::string& text, const std::string& pattern) {
  std::smatch m;
  return std::regex_search(text, m, std::regex(pattern)) ? m[1].str() : "";
}

std::string FormEncode(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [key, value] : fields) out += (out.empty() ? "" : "&") + UrlEncode(key) + "=" + UrlEncode(value);
  return out;
}

const TemplateSet& Templates() {
  static const TemplateSet templates = *LoadTemplates({DefaultFormsDir()});
  return templates;
}

// A faxed, unsigned amendment request held for review, as the pipeline
// stores one: fields with boxes and confidences, findings, destinations.
Request HeldRequest(const std::string& document_id, const std::string& sha256, const std::string& due) {
  Request r;
  r.document_id = document_id;
  r.source.channel = Channel::kFax;
  r.source.fax_line = "records";
  r.source.file = "fax000001.tif";
  r.source.parts = {{std::nullopt, {1}}};
  r.source.sha256 = sha256;
  r.source.received_at = "2026-11-20T10:14:00-05:00";
  r.form = "AMEND";
  r.form_code = "HIS-AMEND-EN";
  r.language = "en";
  r.fields["patient.last_name"] = {"PENA", 0.42, 1, std::array<double, 4>{106, 361, 533, 53}};
  r.fields["patient.first_name"] = {"MARIA", 0.97, 1, std::array<double, 4>{650, 361, 400, 53}};
  r.fields["signature.present"] = {false, 0.95, 1, std::array<double, 4>{100, 1900, 700, 80}};
  r.status = "needs_review";
  r.queues = {"amendments"};
  r.findings = {{"AMD-01", "pend", "signature.present", "The amendment request is not signed."}};
  r.due = {due, std::nullopt};
  return r;
}

class ReviewTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::move(*Store::Open(dir_.path() / "intake.sqlite"));
    archive_ = std::make_unique<Archive>(dir_.path() / "archive");
    const GrayImage page = testing::RenderFormPage("HIS-AMEND-EN", 1, true);
    const std::vector<std::uint8_t> tiff = *EncodeTiff({page}, {});
    const std::string sha = *archive_->Put(tiff);
    AddFile(sha, {HeldRequest(kDocument, sha, "2026-12-20"), HeldRequest("doc-2", sha, "2026-12-01")});
    ASSERT_TRUE(store_->AddUser("rita", Role::kReviewer, *HashPassword(kPassword)));
    ASSERT_TRUE(store_->AddUser("sam", Role::kSupervisor, *HashPassword(kPassword)));
    StartServer(options_);
  }

  void TearDown() override { StopServer(); }

  void AddFile(const std::string& sha, std::vector<Request> requests) {
    Arrival arrival;
    arrival.sha256 = sha;
    arrival.inbox = "fax-records";
    arrival.source_name = requests.front().document_id + ".tif";
    arrival.received_at = "2026-11-20T10:14:00-05:00";
    const std::int64_t file = store_->RecordArrival(arrival)->file_id;
    ASSERT_TRUE(store_->MarkProcessing(file));
    ASSERT_TRUE(store_->CompleteProcessed(file, requests));
  }

  void StartServer(const ReviewOptions& options) {
    http_ = std::make_unique<HttpServer>(io_);
    app_ = std::make_unique<ReviewApp>(*http_, *store_, *archive_, Templates(), options);
    port_ = *http_->Listen("127.0.0.1", 0);
    thread_ = std::thread([this] {
      auto guard = boost::asio::make_work_guard(io_);
      io_.run();
    });
  }

  void StopServer() {
    if (!thread_.joinable()) return;
    io_.stop();
    thread_.join();
    http_->Stop();
    app_.reset();
    http_.reset();
    io_.restart();
  }

  // Signs in through the form; returns the session cookie ("" on failure).
  std::string SignIn(const std::string& user, const std::string& password, Reply* last = nullptr) {
    const Reply form = Send(port_, "GET", "/login");
    const std::string login_token = Match(form.body, "name=\"csrf\" value=\"([0-9a-f]+)\"");
    const Reply reply = Send(port_, "POST", "/login", "intake_login=" + login_token,
                             FormEncode({{"csrf", login_token}, {"user", user}, {"password", password}}));
    if (last) *last = reply;
    for (const std::string& cookie : reply.Cookies()) {
      const std::string token = Match(cookie, "^intake_session=([0-9a-f]{64});");
      if (!token.empty()) return "intake_session=" + token;
    }
    return "";
  }

  // The CSRF token a signed-in page carries.
  std::string CsrfOf(const std::string& cookie) {
    return Match(Send(port_, "GET", "/", cookie).body, "name=\"csrf\" value=\"([0-9a-f]+)\"");
  }

  std::vector<WorkItem> ItemsOf(const std::string& document_id) { return *store_->WorkItemsOf(document_id); }

  bool Audited(const std::string& document_id, const std::string& actor, const std::string& action,
               const std::string& field) {
    const std::vector<AuditEntry> entries = *store_->AuditOf(document_id);
    for (const AuditEntry& e : entries) {
      if (e.actor == actor && e.action == action && e.field == field) return true;
    }
    return false;
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Archive> archive_;
  ReviewOptions options_;
  boost::asio::io_context io_;
  std::unique_ptr<HttpServer> http_;
  std::unique_ptr<ReviewApp> app_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

TEST_F(ReviewTest, SignInWithTheRightPasswordGivesARandomHttpOnlySameSiteStrictCookieStoredOnlyAsAHash) {
  Reply reply;
  const std::string cookie = SignIn("rita", kPassword, &reply);
  ASSERT_FALSE(cookie.empty());
  EXPECT_EQ(reply.status, 303);
  EXPECT_EQ(reply.Header("location"), "/");
  std::string set_cookie;
  for (const std::string& c : reply.Cookies()) {
    if (c.rfind("intake_session=", 0) == 0) set_cookie = c;
  }
  EXPECT_THAT(set_cookie, HasSubstr("; HttpOnly"));
  EXPECT_THAT(set_cookie, HasSubstr("; SameSite=Strict"));
  EXPECT_THAT(set_cookie, HasSubstr("; Path=/"));
  EXPECT_NE(SignIn("rita", kPassword), cookie) << "each sign-in gets a new random token";

  const std::string token = cookie.substr(std::string("intake_session=").size());
  std::ifstream db(dir_.path() / "intake.sqlite", std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(db)), std::istreambuf_iterator<char>());
  std::ifstream wal(dir_.path() / "intake.sqlite-wal", std::ios::binary);
  const std::string wal_bytes((std::istreambuf_iterator<char>(wal)), std::istreambuf_iterator<char>());
  EXPECT_EQ(bytes.find(token), std::string::npos);
  EXPECT_EQ(wal_bytes.find(token), std::string::npos);

  const Reply worklist = Send(port_, "GET", "/", cookie);
  EXPECT_EQ(worklist.status, 200);
  EXPECT_THAT(worklist.body, HasSubstr(kDocument));
}

TEST_F(ReviewTest, SignInWithAWrongPasswordOrUnknownUserIsRefusedWithoutASession) {
  Reply reply;
  EXPECT_EQ(SignIn("rita", "not the password", &reply), "");
  EXPECT_EQ(reply.status, 401);
  EXPECT_THAT(reply.body, HasSubstr("user name or password is wrong"));
  EXPECT_EQ(SignIn("nobody", kPassword, &reply), "");
  EXPECT_EQ(reply.status, 401);
  EXPECT_THAT(reply.body, HasSubstr("user name or password is wrong"));
}

TEST_F(ReviewTest, SignInWithoutTheLoginFormTokenIsRefused) {
  const Reply reply = Send(port_, "POST", "/login", "", FormEncode({{"user", "rita"}, {"password", kPassword}}));
  EXPECT_EQ(reply.status, 403);
  EXPECT_TRUE(reply.Cookies().empty() || reply.Cookies().front().rfind("intake_session=", 0) != 0);
}

TEST_F(ReviewTest, RepeatedFailedSignInsLockTheAccountEvenAgainstTheRightPassword) {
  for (int i = 0; i < options_.max_failed_logins; ++i) EXPECT_EQ(SignIn("rita", "wrong password"), "");
  Reply reply;
  EXPECT_EQ(SignIn("rita", kPassword, &reply), "");
  EXPECT_EQ(reply.status, 403);
  EXPECT_THAT(reply.body, HasSubstr("locked"));
  EXPECT_NE(SignIn("sam", kPassword), "") << "other accounts are not locked";
}

TEST_F(ReviewTest, ASessionUnusedLongerThanTheIdleTimeoutIsSignedOut) {
  StopServer();
  ReviewOptions quick = options_;
  quick.idle_timeout = 1s;
  StartServer(quick);
  const std::string cookie = SignIn("rita", kPassword);
  ASSERT_FALSE(cookie.empty());
  EXPECT_EQ(Send(port_, "GET", "/", cookie).status, 200);
  std::this_thread::sleep_for(2100ms);
  const Reply reply = Send(port_, "GET", "/", cookie);
  EXPECT_EQ(reply.status, 303);
  EXPECT_EQ(reply.Header("location"), "/login");
}

TEST_F(ReviewTest, EveryPatientDataUrlRefusesARequestWithoutASession) {
  const std::string doc = std::string("/documents/") + kDocument;
  for (const std::string& target : std::vector<std::string>{"/", "/?queue=amendments", doc, doc + "/pages/1.png"}) {
    for (const std::string& cookie : std::vector<std::string>{"", "intake_session=" + std::string(64, 'a')}) {
      const Reply reply = Send(port_, "GET", target, cookie);
      EXPECT_THAT(reply.status, ::testing::AnyOf(303, 401)) << target;
      if (reply.status == 303) {
        EXPECT_EQ(reply.Header("location"), "/login") << target;
      }
      EXPECT_THAT(reply.body, Not(HasSubstr("PENA"))) << target;
      EXPECT_THAT(reply.body, Not(HasSubstr(kDocument))) << target;
    }
  }
  for (const char* action : {"/approve", "/deficient", "/reclassify", "/reopen"}) {
    EXPECT_EQ(Send(port_, "POST", doc + action, "", "reason=x&form=OTHER").status, 401) << action;
  }
  EXPECT_EQ((*store_->WorkItemsOf(kDocument)).front().state, WorkState::kNew);
  EXPECT_EQ(Send(port_, "GET", "/static/review.js").status, 200) << "the script holds no patient data";
}

TEST_F(ReviewTest, EveryPostIsRefusedWithoutTheSessionsCsrfToken) {
  const std::string cookie = SignIn("sam", kPassword);
  ASSERT_FALSE(cookie.empty());
  const std::string doc = std::string("/documents/") + kDocument;
  const std::string other_csrf = CsrfFor(NewToken());
  for (const std::string& target : std::vector<std::string>{doc + "/approve", doc + "/deficient", doc + "/reclassify",
                                                           doc + "/reopen", "/logout"}) {
    EXPECT_EQ(Send(port_, "POST", target, cookie, "reason=x&form=OTHER").status, 403) << target;
    EXPECT_EQ(Send(port_, "POST", target, cookie, FormEncode({{"csrf", other_csrf}, {"reason", "x"}})).status, 403)
        << target;
  }
  const WorkItem review = ItemsOf(kDocument).front();
  EXPECT_EQ(review.state, WorkState::kNew);
  EXPECT_EQ(Send(port_, "GET", "/", cookie).status, 200) << "the refused logout left the session";
}

TEST_F(ReviewTest, HtmlAnswersForbidFramingCachingAndForeignScripts) {
  const std::string cookie = SignIn("rita", kPassword);
  for (const std::string& target : std::vector<std::string>{"/login", "/", std::string("/documents/") + kDocument}) {
    const Reply reply = Send(port_, "GET", target, target == "/login" ? "" : cookie);
    EXPECT_EQ(reply.status, 200) << target;
    EXPECT_EQ(reply.Header("content-security-policy"), "default-src 'self'") << target;
    EXPECT_EQ(reply.Header("x-frame-options"), "DENY") << target;
    EXPECT_EQ(reply.Header("cache-control"), "no-store") << target;
    EXPECT_THAT(reply.body, Not(HasSubstr("style=\""))) << "inline style breaks under the CSP: " << target;
    EXPECT_THAT(reply.body, Not(HasSubstr("<script>"))) << target;
  }
}

TEST_F(ReviewTest, WithACertificateTheAppSpeaksOnlyHttpsAndItsCookiesAreSecure) {
  StopServer();
  const fs::path cert = dir_.path() / "cert.pem", key = dir_.path() / "key.pem";
  WriteSelfSignedCertificate(cert, key);
  ReviewOptions tls = options_;
  tls.secure_cookies = true;
  http_ = std::make_unique<HttpServer>(io_);
  ASSERT_TRUE(http_->UseTls(cert, key));
  app_ = std::make_unique<ReviewApp>(*http_, *store_, *archive_, Templates(), tls);
  port_ = *http_->Listen("127.0.0.1", 0);
  thread_ = std::thread([this] {
    auto guard = boost::asio::make_work_guard(io_);
    io_.run();
  });

  const Reply reply = SendTls(port_, "GET", "/login");
  EXPECT_EQ(reply.status, 200);
  ASSERT_EQ(reply.Cookies().size(), 1u);
  EXPECT_THAT(reply.Cookies().front(), HasSubstr("; Secure"));
  EXPECT_THAT(reply.Header("strict-transport-security"), HasSubstr("max-age="));
  EXPECT_EQ(Send(port_, "GET", "/login").status, 0) << "no plain HTTP answer on a TLS port";
  EXPECT_FALSE(HttpServer(io_).UseTls(key, cert)) << "a key given as the certificate is refused";
}

TEST_F(ReviewTest, WorklistShowsHeldDocumentsOldestDueFirstAndFiltersByReason) {
  const std::string cookie = SignIn("rita", kPassword);
  const std::string body = Send(port_, "GET", "/", cookie).body;
  const std::size_t first = body.find("doc-2"), second = body.find("doc-1");
  ASSERT_NE(first, std::string::npos);
  ASSERT_NE(second, std::string::npos);
  EXPECT_LT(first, second) << "doc-2 is due 2026-12-01, doc-1 2026-12-20";
  EXPECT_THAT(body, HasSubstr("AMD-01"));
  EXPECT_THAT(body, HasSubstr("doubtful fields"));
  EXPECT_THAT(Send(port_, "GET", "/?reason=AUTH-10", cookie).body, Not(HasSubstr("doc-1")));
  EXPECT_THAT(Send(port_, "GET", "/?reason=AMD-01&queue=amendments", cookie).body, HasSubstr("doc-1"));
  EXPECT_THAT(Send(port_, "GET", "/?queue=records", cookie).body, Not(HasSubstr("doc-1")));
}

TEST_F(ReviewTest, ViewingADocumentAndItsPageImageIsAuditedAndThePageIsAPng) {
  const std::string cookie = SignIn("rita", kPassword);
  const std::string doc = std::string("/documents/") + kDocument;
  const Reply page = Send(port_, "GET", doc, cookie);
  EXPECT_EQ(page.status, 200);
  EXPECT_THAT(page.body, HasSubstr("PENA"));
  EXPECT_THAT(page.body, HasSubstr("The amendment request is not signed."));
  EXPECT_LT(page.body.find("name=\"field.patient.last_name\""), page.body.find("name=\"field.patient.first_name\""))
      << "the doubtful field comes first";
  const Reply image = Send(port_, "GET", doc + "/pages/1.png", cookie);
  EXPECT_EQ(image.status, 200);
  EXPECT_EQ(image.Header("content-type"), "image/png");
  EXPECT_EQ(image.body.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(Send(port_, "GET", doc + "/pages/2.png", cookie).status, 404);
  EXPECT_TRUE(Audited(kDocument, "rita", "view", "document"));
  EXPECT_TRUE(Audited(kDocument, "rita", "view", "page 1"));
}

TEST_F(ReviewTest, ApproveStoresTheCorrectedValueKeepsTheOriginalReleasesAndAudits) {
  const std::string cookie = SignIn("rita", kPassword);
  const std::string csrf = CsrfOf(cookie);
  const Reply reply = Send(port_, "POST", std::string("/documents/") + kDocument + "/approve", cookie,
                           FormEncode({{"csrf", csrf},
                                       {"field.patient.last_name", "PEÑA"},
                                       {"field.patient.first_name", "MARIA"},
                                       {"field.signature.present", "yes"},
                                       {"queue", "amendments"}}));
  EXPECT_EQ(reply.status, 303) << reply.body;
  const Request stored = **store_->GetRequest(kDocument);
  EXPECT_EQ(stored.fields.at("patient.last_name").value, "PEÑA");
  EXPECT_EQ(stored.fields.at("signature.present").value, true);
  EXPECT_EQ(stored.fields.at("patient.first_name").confidence, 0.97) << "an unchanged field keeps its reading";
  const std::optional<Request> original = *store_->OriginalRequest(kDocument);
  ASSERT_TRUE(original);
  EXPECT_EQ(original->fields.at("patient.last_name").value, "PENA");

  const std::vector<WorkItem> items = ItemsOf(kDocument);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].state, WorkState::kDone);
  EXPECT_EQ(items[1].queue, "amendments");
  EXPECT_EQ(items[1].state, WorkState::kNew);

  bool corrected = false;
  const std::vector<AuditEntry> entries = *store_->AuditOf(kDocument);
  for (const AuditEntry& e : entries) {
    if (e.action == "correct" && e.field == "field.patient.last_name") {
      corrected = e.actor == "rita" && e.before == "\"PENA\"" && e.after == "\"PEÑA\"";
    }
  }
  EXPECT_TRUE(corrected);
  EXPECT_TRUE(Audited(kDocument, "rita", "approve", "state"));

  const std::vector<CorrectionStats> stats = *store_->Corrections(0.9);
  ASSERT_EQ(stats.size(), 3u);
  for (const CorrectionStats& s : stats) {
    EXPECT_EQ(s.reviewed, 1) << s.field;
    EXPECT_EQ(s.changed, s.field == "patient.first_name" ? 0 : 1) << s.field;
    EXPECT_EQ(s.high_confidence_changed, s.field == "signature.present" ? 1 : 0) << s.field;
  }
}

TEST_F(ReviewTest, ApproveWithAValueOfTheWrongKindIsRefusedAndChangesNothing) {
  const std::string cookie = SignIn("rita", kPassword);
  const Reply reply = Send(port_, "POST", std::string("/documents/") + kDocument + "/approve", cookie,
                           FormEncode({{"csrf", CsrfOf(cookie)}, {"field.signature.present", "maybe"}}));
  EXPECT_EQ(reply.status, 400);
  EXPECT_THAT(reply.body, HasSubstr("answer yes or no"));
  EXPECT_EQ(ItemsOf(kDocument).size(), 1u);
  EXPECT_FALSE(*store_->OriginalRequest(kDocument));
}

TEST_F(ReviewTest, MarkDeficientClosesTheReviewWithTheReasonForTheLetter) {
  const std::string cookie = SignIn("rita", kPassword);
  const Reply reply = Send(port_, "POST", std::string("/documents/") + kDocument + "/deficient", cookie,
                           FormEncode({{"csrf", CsrfOf(cookie)}, {"reason", "The form is not signed."}}));
  EXPECT_EQ(reply.status, 303);
  const WorkItem review = ItemsOf(kDocument).front();
  EXPECT_EQ(review.state, WorkState::kDeficient);
  EXPECT_EQ(review.reason, "The form is not signed.");
  EXPECT_EQ(review.closed_by, "rita");
}

TEST_F(ReviewTest, ReclassifyAsNotAFormClearsTheDestinationsAndKeepsItInReview) {
  const std::string cookie = SignIn("rita", kPassword);
  const std::string doc = std::string("/documents/") + kDocument;
  EXPECT_EQ(Send(port_, "POST", doc + "/reclassify", cookie, FormEncode({{"csrf", CsrfOf(cookie)}, {"form", "OTHER"}}))
                .status,
            303);
  const Request stored = **store_->GetRequest(kDocument);
  EXPECT_EQ(stored.form, "OTHER");
  EXPECT_FALSE(stored.form_code);
  EXPECT_TRUE(stored.queues.empty());
  EXPECT_EQ(ItemsOf(kDocument).front().state, WorkState::kNew);
  EXPECT_TRUE(Audited(kDocument, "rita", "reclassify", "form"));
  // With no destination left, approving needs a chosen queue.
  const Reply refused = Send(port_, "POST", doc + "/approve", cookie, FormEncode({{"csrf", CsrfOf(cookie)}}));
  EXPECT_EQ(refused.status, 409);
  EXPECT_THAT(refused.body, HasSubstr("no destination queue"));
}

TEST_F(ReviewTest, OnlyASupervisorReopensAnApprovedReviewAndItsReleasedItemsAreWithdrawn) {
  const std::string rita = SignIn("rita", kPassword);
  const std::string doc = std::string("/documents/") + kDocument;
  ASSERT_EQ(Send(port_, "POST", doc + "/approve", rita, FormEncode({{"csrf", CsrfOf(rita)}})).status, 303);
  EXPECT_EQ(Send(port_, "POST", doc + "/reopen", rita, FormEncode({{"csrf", CsrfOf(rita)}})).status, 403);
  EXPECT_EQ(ItemsOf(kDocument).front().state, WorkState::kDone);

  const std::string sam = SignIn("sam", kPassword);
  EXPECT_EQ(Send(port_, "POST", doc + "/reopen", sam, FormEncode({{"csrf", CsrfOf(sam)}})).status, 303);
  std::vector<WorkItem> items = ItemsOf(kDocument);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].state, WorkState::kNew);
  EXPECT_EQ(items[1].state, WorkState::kDeficient);
  EXPECT_EQ(items[1].reason, "withdrawn: reopened for review");
  EXPECT_TRUE(Audited(kDocument, "sam", "reopen", "state"));

  // Approved again, it is released again.
  ASSERT_EQ(Send(port_, "POST", doc + "/approve", sam, FormEncode({{"csrf", CsrfOf(sam)}})).status, 303);
  items = ItemsOf(kDocument);
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[2].queue, "amendments");
  EXPECT_EQ(items[2].state, WorkState::kNew);
}

TEST(ReviewConfigTest, TheReviewSectionOfTheConfigurationReachesTheApp) {
  TempDir dir;
  testing::WriteFile(dir.path() / "intake.toml",
                     "listen = \"0.0.0.0:8443\"\nmin_field_confidence = 0.8\n[review]\nidle_timeout_minutes = 30.0\n"
                     "max_failed_logins = 3\nlockout_minutes = 2.0\n");
  const auto config = LoadConfig(dir.path() / "intake.toml");
  ASSERT_TRUE(config);
  const ReviewOptions options = ReviewOptionsFrom(*config);
  EXPECT_EQ(options.idle_timeout, 30min);
  EXPECT_EQ(options.max_failed_logins, 3);
  EXPECT_EQ(options.lockout, 2min);
  EXPECT_EQ(options.min_field_confidence, 0.8);
  EXPECT_FALSE(options.secure_cookies);
  const auto address = ParseListen(config->listen);
  ASSERT_TRUE(address);
  EXPECT_EQ(address->first, "0.0.0.0");
  EXPECT_EQ(address->second, 8443);
  EXPECT_FALSE(ParseListen("8080"));
  EXPECT_FALSE(ParseListen("host:99999"));
}

// ---------------------------------------------------------------- browser

// An unsigned amendment request, typed and faxed: the AMD-01 rule always
// holds it for review.
void WriteHeldFax(const fs::path& path) {
  const std::vector<std::uint8_t> pdf = testing::ReadFile(testing::SourceDir() / "forms" / "HIS-AMEND-EN.pdf");
  const std::vector<std::uint8_t> filled = *FillAcroForm(pdf, {{"patient.last_name", "OKAFOR"},
                                                               {"patient.first_name", "GRACE"},
                                                               {"patient.dob", "03/14/1962"},
                                                               {"patient.mrn", "48213377"},
                                                               {"amendment.service_date", "10/02/2026"},
                                                               {"amendment.record_type", "Clinic note"},
                                                               {"amendment.incorrect", "Allergy listed as penicillin"},
                                                               {"amendment.correction", "No known drug allergies"}});
  const GrayImage page = *RenderPdfPage(filled, 1, 204, 196);
  FaxTiffOptions options;
  options.station_id = "CLINIC FAX";
  options.date_time = "2026:11:20 10:14:00";
  testing::WriteFile(path, *EncodeTiff({page}, options));
}

// `name` found on $PATH, or empty.
fs::path OnPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (!dir.empty() && ::access((fs::path(dir) / name).c_str(), X_OK) == 0) return fs::path(dir) / name;
  }
  return {};
}

TEST(ReviewBrowserTest, AReviewerSignsInCorrectsAFieldApprovesAndTheDocumentReachesItsQueueWithItsAudit) {
  const fs::path script = testing::SourceDir() / "tests" / "browser" / "review_e2e.mjs";
  const fs::path node = OnPath("node");
  if (node.empty() || !fs::exists("/usr/bin/chromium") ||
      !fs::exists(script.parent_path() / "node_modules" / "playwright-core")) {
    GTEST_SKIP() << "needs node, /usr/bin/chromium and tests/browser/node_modules (scripts/install-deps.sh)";
  }
  TempDir dir;
  const fs::path config = dir.path() / "intake.toml";
  testing::WriteFile(config, "data_dir = \"data\"\nworkers = 1\nlisten = \"127.0.0.1:0\"\n"
                             "[watch]\nrescan_seconds = 0.5\nsettle_seconds = 0.3\npoll_seconds = 0.05\n");
  for (const char* sub : {"inbox/fax/records", "inbox/fax/imaging", "inbox/fax/verbal", "inbox/email/new",
                          "inbox/email/cur", "inbox/email/tmp", "inbox/scan"}) {
    fs::create_directories(dir.path() / "data" / sub);
  }
  auto intake = [&](std::vector<std::string> args, const std::string& input = "") {
    std::vector<std::string> argv = {testing::IntakeBinary().string(), "--config", config.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    if (input.empty()) return testing::RunCommand(argv, 120s);
    const fs::path in = dir.path() / "stdin.txt";
    testing::WriteFile(in, input);
    std::string line;
    for (const std::string& a : argv) line += "'" + a + "' ";
    return testing::RunCommand({"/bin/sh", "-c", line + "< '" + in.string() + "'"}, 120s);
  };
  const auto added = intake({"users", "add", "rita", "--role", "reviewer"}, std::string(kPassword) + "\n");
  ASSERT_EQ(added.exit_code, 0) << added.err;

  const fs::path log = dir.path() / "service.log";
  testing::Child service = testing::StartCommand(
      {testing::IntakeBinary().string(), "--config", config.string(), "run"}, log);
  WriteHeldFax(dir.path() / "data" / "inbox" / "fax" / "records" / "fax000001.tif");

  // Wait for the port in the log and for the document to be held.
  std::string url, document_id;
  for (auto deadline = std::chrono::steady_clock::now() + 120s; std::chrono::steady_clock::now() < deadline;) {
    std::ifstream in(log);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string port = Match(text, "review app listening on 127\\.0\\.0\\.1:([0-9]+)");
    if (!port.empty()) url = "http://127.0.0.1:" + port;
    const auto list = intake({"queue", "list", "--queue", "review"});
    if (list.exit_code == 0 && !url.empty()) {
      // Columns: id, queue, state, form, due, days left, statutory, claimed by, document.
      std::istringstream lines(list.out);
      for (std::string line; std::getline(lines, line);) {
        std::istringstream words(line);
        std::vector<std::string> w{std::istream_iterator<std::string>(words), {}};
        if (w.size() >= 9 && w[1] == "review" && w[2] == "new") document_id = w.back();
      }
    }
    if (!document_id.empty()) break;
    std::this_thread::sleep_for(500ms);
  }
  ASSERT_FALSE(url.empty()) << "the service did not start its review app";
  ASSERT_FALSE(document_id.empty()) << "the fax was not held for review";

  const fs::path screenshot = dir.path() / "review-document.png";
  const auto browser = testing::RunCommand({node.string(), script.string(), url, "rita", kPassword, screenshot.string()},
                                           180s);
  EXPECT_EQ(browser.exit_code, 0) << browser.out << browser.err;
  EXPECT_GT(fs::exists(screenshot) ? fs::file_size(screenshot) : 0, 10'000u) << "the document view's screenshot";
  kill(service.pid, SIGTERM);
  EXPECT_EQ(testing::WaitChild(service), 0);

  const auto released = intake({"queue", "list", "--queue", "amendments"});
  ASSERT_EQ(released.exit_code, 0) << released.err;
  EXPECT_THAT(released.out, HasSubstr(document_id)) << "approved, it is on its destination queue";
  const auto audit = intake({"audit", "--document", document_id});
  ASSERT_EQ(audit.exit_code, 0) << audit.err;
  EXPECT_THAT(audit.out, HasSubstr("rita  view  document"));
  EXPECT_THAT(audit.out, HasSubstr("rita  correct  field."));
  EXPECT_THAT(audit.out, HasSubstr("rita  approve  state"));
}

}  // namespace
}  // namespace intake
