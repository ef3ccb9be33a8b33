// The reviewers' web app (review/review.h): sign-in, worklist, document view
// and the decisions, on the routes of an HttpServer.
#include "review/review.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <ctime>
#include <deque>
#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "review/auth.h"
#include "review/pages.h"
#include "review/render.h"

namespace intake {
namespace {

namespace pages = review_pages;
using pages::kFieldPrefix;

constexpr char kSessionCookie[] = "intake_session";
constexpr char kLoginCookie[] = "intake_login";
constexpr char kDocuments[] = "/documents/";
constexpr std::size_t kCachedPages = 24;

// ISO 8601 UTC in the store's format, so that stamps compare as text.
std::string NowUtcText() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.000Z", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday,
                     utc.tm_hour, utc.tm_min, utc.tm_sec);
}

std::string Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return std::string(text);
}

bool IsToken(const std::string& text) {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::string First(const std::vector<std::pair<std::string, std::string>>& fields, const std::string& name) {
  for (const auto& [key, value] : fields) {
    if (key == name) return value;
  }
  return "";
}

// Every answer: no framing, no caching, no script or style from elsewhere.
HttpResponse Secured(HttpResponse response) {
  response.headers.emplace_back("Content-Security-Policy", "default-src 'self'");
  response.headers.emplace_back("X-Frame-Options", "DENY");
  response.headers.emplace_back("Cache-Control", "no-store");
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.headers.emplace_back("Referrer-Policy", "no-referrer");
  return response;
}

HttpResponse Html(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.content_type = "text/html; charset=utf-8";
  response.body = std::move(body);
  return response;
}

// The value a reviewer typed, in the type the field holds (SPEC section 4):
// yes/no for a bool, "a, b" for a list (sorted), text otherwise; a blank
// text clears the field.
Result<std::optional<nlohmann::json>> FromEditText(const std::string& key, const std::string& text,
                                                   const FieldReading* current) {
  const std::string value = Trim(text);
  if (current && current->value.is_boolean()) {
    std::string lower = value;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if (lower == "yes" || lower == "true") return nlohmann::json(true);
    if (lower == "no" || lower == "false") return nlohmann::json(false);
    return Fail(ErrorCode::kInternal, fmt::format("{}: answer yes or no", key));
  }
  if (current && current->value.is_array()) {
    std::set<std::string> items;
    std::string_view rest = value;
    while (!rest.empty()) {
      const std::size_t comma = rest.find(',');
      const std::string item = Trim(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      if (!item.empty()) items.insert(item);
    }
    return nlohmann::json(std::vector<std::string>(items.begin(), items.end()));
  }
  if (value.empty()) return std::optional<nlohmann::json>();
  return nlohmann::json(value);
}

// Where a reclassified document goes (SPEC section 3). An AUTH's queues
// depend on its checked items, so an AUTH keeps the ones it has.
std::vector<std::string> QueuesFor(const std::string& form, const Request& request) {
  if (form == "AMEND") return {"amendments"};
  if (form == "VERBAL") return {"verbal_authorization"};
  if (form == "AUTH") {
    std::vector<std::string> kept;
    if (request.form == "AUTH") {
      for (const std::string& queue : request.queues) {
        if (queue != "review") kept.push_back(queue);
      }
    }
    return kept.empty() ? std::vector<std::string>{"records"} : kept;
  }
  return {};
}

std::string DoneMessage(const std::string& done) {
  if (done == "approved") return "Approved: released to its queues.";
  if (done == "deficient") return "Marked deficient.";
  if (done == "reclassified") return "Reclassified: review the fields and approve.";
  if (done == "reopened") return "Reopened: it is waiting for review again.";
  return "";
}

}  // namespace

ReviewOptions ReviewOptionsFrom(const Config& config) {
  ReviewOptions options;
  options.idle_timeout = config.review.idle_timeout;
  options.max_failed_logins = config.review.max_failed_logins;
  options.lockout = config.review.lockout;
  options.min_field_confidence = config.min_field_confidence;
  options.limits = config.limits;
  options.secure_cookies = !config.review.tls_cert.empty();
  return options;
}

Result<std::pair<std::string, std::uint16_t>> ParseListen(const std::string& host_port) {
  const std::size_t colon = host_port.rfind(':');
  unsigned port = 0;
  const char* end = host_port.data() + host_port.size();
  if (colon == std::string::npos || colon == 0 ||
      std::from_chars(host_port.data() + colon + 1, end, port).ptr != end || colon + 1 == host_port.size() ||
      port > 65535) {
    return Fail(ErrorCode::kInternal, "the listen address must be HOST:PORT, e.g. 127.0.0.1:8080");
  }
  std::string host = host_port.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return std::pair<std::string, std::uint16_t>(host, static_cast<std::uint16_t>(port));
}

struct ReviewApp::Impl {
  struct SignedIn {
    LoginSession session;
    std::string token;
    pages::Viewer Viewer() const { return {session.user, session.role, CsrfFor(token)}; }
  };
  using Page = std::function<HttpResponse(const HttpRequest&, const SignedIn&)>;

  Impl(Store& s, const Archive& a, const TemplateSet& t, ReviewOptions o)
      : store(s), archive(a), templates(t), options(std::move(o)) {
    if (CalendarResult loaded = LoadCalendar(std::nullopt)) calendar = std::move(*loaded);
  }

  const char* Secure() const { return options.secure_cookies ? "; Secure" : ""; }

  std::optional<SignedIn> Session(const HttpRequest& request) {
    const std::optional<std::string> token = request.Cookie(kSessionCookie);
    if (!token || !IsToken(*token)) return std::nullopt;
    Result<std::optional<LoginSession>> session = store.TouchSession(TokenHash(*token), options.idle_timeout);
    if (!session || !*session) return std::nullopt;
    return SignedIn{**session, *token};
  }

  // A page or image with patient data: only for a signed-in reviewer.
  HttpServer::Handler Viewing(Page page) {
    return [this, page](const HttpRequest& request) {
      const std::optional<SignedIn> who = Session(request);
      if (!who) {
        if (request.path.ends_with(".png")) return Secured(HttpResponse::Text(401, "sign in first\n"));
        return Secured(HttpResponse::Redirect("/login"));
      }
      return Secured(page(request, *who));
    };
  }

  // A change: a signed-in reviewer, and the session's CSRF token in the form.
  HttpServer::Handler Changing(Page page) {
    return [this, page](const HttpRequest& request) {
      const std::optional<SignedIn> who = Session(request);
      if (!who) return Secured(HttpResponse::Text(401, "sign in first\n"));
      if (!SameSecret(First(request.FormFields(), "csrf"), CsrfFor(who->token))) {
        return Secured(HttpResponse::Text(403, "this form has expired: reload the page and try again\n"));
      }
      return Secured(page(request, *who));
    };
  }

  HttpResponse LoginForm(int status, const std::string& message) {
    const std::string token = NewToken();
    HttpResponse response = Html(status, pages::LoginPage(token, message));
    response.headers.emplace_back("Set-Cookie",
                                  fmt::format("{}={}; Path=/login; HttpOnly; SameSite=Strict{}", kLoginCookie, token, Secure()));
    return Secured(std::move(response));
  }

  HttpResponse ShowLogin(const HttpRequest& request) {
    if (Session(request)) return Secured(HttpResponse::Redirect("/"));
    return LoginForm(200, "");
  }

  HttpResponse Login(const HttpRequest& request) {
    const auto fields = request.FormFields();
    const std::optional<std::string> expected = request.Cookie(kLoginCookie);
    if (!expected || !IsToken(*expected) || !SameSecret(First(fields, "csrf"), *expected)) {
      return LoginForm(403, "The sign-in form had expired. Please sign in again.");
    }
    const std::string name = Trim(First(fields, "user"));
    const std::string password = First(fields, "password");
    static constexpr char kWrong[] = "The user name or password is wrong.";
    static constexpr char kLocked[] =
        "This account is locked after too many failed sign-ins. Try again later, or ask a supervisor.";
    Result<std::optional<User>> user = store.GetUser(name);
    if (!user) return LoginForm(503, "The ledger cannot be read just now: " + user.error().message);
    if (!*user) {
      SpendVerifyTime(password);
      return LoginForm(401, kWrong);
    }
    if ((*user)->locked_until && *(*user)->locked_until > NowUtcText()) return LoginForm(403, kLocked);
    if (!VerifyPassword((*user)->password_hash, password)) {
      Result<bool> locked = store.RecordFailedLogin(name, options.max_failed_logins, options.lockout);
      spdlog::warn("review: failed sign-in for user {}{}", name, locked && *locked ? " (account locked)" : "");
      return LoginForm(locked && *locked ? 403 : 401, locked && *locked ? kLocked : kWrong);
    }
    const std::string token = NewToken();
    if (Result<void> ok = store.RecordGoodLogin(name); !ok) return LoginForm(503, ok.error().message);
    if (Result<void> ok = store.CreateSession(TokenHash(token), name); !ok) return LoginForm(503, ok.error().message);
    spdlog::info("review: user {} signed in", name);
    HttpResponse response = HttpResponse::Redirect("/");
    response.headers.emplace_back("Set-Cookie",
                                  fmt::format("{}={}; Path=/; HttpOnly; SameSite=Strict{}", kSessionCookie, token, Secure()));
    response.headers.emplace_back("Set-Cookie",
                                  fmt::format("{}=; Path=/login; HttpOnly; SameSite=Strict; Max-Age=0{}", kLoginCookie, Secure()));
    return Secured(std::move(response));
  }

  HttpResponse Logout(const HttpRequest&, const SignedIn& who) {
    (void)store.EndSession(TokenHash(who.token));
    HttpResponse response = HttpResponse::Redirect("/login");
    response.headers.emplace_back("Set-Cookie",
                                  fmt::format("{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}", kSessionCookie, Secure()));
    return response;
  }

  HttpResponse Worklist(const HttpRequest& request, const SignedIn& who) {
    pages::WorklistFilter filter;
    auto query = [&](const char* key) {
      const auto it = request.query.find(key);
      return it == request.query.end() ? std::string() : it->second;
    };
    filter.queue = query("queue");
    filter.reason = query("reason");
    filter.closed = query("closed") == "1";
    WorkItemFilter items_filter;
    items_filter.queue = "review";
    items_filter.include_closed = filter.closed;
    Result<std::vector<WorkItem>> items = store.ListWorkItems(items_filter);
    if (!items) return Html(503, pages::MessagePage(who.Viewer(), "Worklist", items.error().message));
    std::vector<pages::WorklistRow> rows;
    std::set<std::string> reasons;
    const Date today = LocalToday();
    for (const WorkItem& item : *items) {
      Result<std::optional<Request>> request_of = store.GetRequest(item.document_id);
      if (!request_of || !*request_of) continue;
      pages::WorklistRow row{item, **request_of, std::nullopt, {}};
      for (const Finding& finding : row.request.findings) {
        if (std::find(row.reasons.begin(), row.reasons.end(), finding.rule) == row.reasons.end()) {
          row.reasons.push_back(finding.rule);
        }
      }
      for (const auto& [key, field] : row.request.fields) {
        if (field.confidence < options.min_field_confidence) {
          row.reasons.emplace_back(pages::kDoubtful);
          break;
        }
      }
      reasons.insert(row.reasons.begin(), row.reasons.end());
      if (calendar && item.due_target) {
        if (const std::optional<Date> due = ParseDate(*item.due_target)) {
          row.days_left = calendar->BusinessDaysUntil(today, *due);
        }
      }
      const auto& queues = row.request.queues;
      if (!filter.queue.empty() && std::find(queues.begin(), queues.end(), filter.queue) == queues.end()) continue;
      if (!filter.reason.empty() &&
          std::find(row.reasons.begin(), row.reasons.end(), filter.reason) == row.reasons.end()) {
        continue;
      }
      rows.push_back(std::move(row));
    }
    return Html(200, pages::WorklistPage(who.Viewer(), rows, filter,
                                         {"records", "imaging_cd", "amendments", "verbal_authorization"},
                                         std::vector<std::string>(reasons.begin(), reasons.end())));
  }

  // "/documents/ID[/rest]" -> (ID, rest).
  static std::pair<std::string, std::string> SplitDocumentPath(const std::string& path) {
    std::string tail = path.substr(std::string_view(kDocuments).size());
    for (const char* action : {"/approve", "/deficient", "/reclassify", "/reopen"}) {
      if (tail.ends_with(action)) return {tail.substr(0, tail.size() - std::strlen(action)), action + 1};
    }
    const std::size_t pages_at = tail.rfind("/pages/");
    if (pages_at != std::string::npos) return {tail.substr(0, pages_at), tail.substr(pages_at + 1)};
    return {tail, ""};
  }

  HttpResponse Document(const HttpRequest& request, const SignedIn& who, const std::string& document_id,
                        int status = 200, std::string message = {}) {
    Result<std::optional<Request>> found = store.GetRequest(document_id);
    if (!found) return Html(503, pages::MessagePage(who.Viewer(), "Document", found.error().message));
    if (!*found) return Html(404, pages::MessagePage(who.Viewer(), "Document", "There is no such document."));
    if (Result<void> seen = store.RecordView(document_id, who.session.user, "document"); !seen) {
      return Html(503, pages::MessagePage(who.Viewer(), "Document", seen.error().message));
    }
    pages::DocumentView view;
    view.request = std::move(**found);
    view.pages = PagesOf(view.request);
    view.form = view.request.form_code ? templates.Find(*view.request.form_code) : nullptr;
    view.min_field_confidence = options.min_field_confidence;
    if (Result<std::vector<WorkItem>> items = store.WorkItemsOf(document_id)) view.items = std::move(*items);
    for (const WorkItem& item : view.items) {
      if (item.queue == "review") view.review = item;
    }
    const auto done = request.query.find("done");
    view.message = message.empty() && done != request.query.end() ? DoneMessage(done->second) : std::move(message);
    return Html(status, pages::DocumentPage(who.Viewer(), view));
  }

  HttpResponse PageImage(const SignedIn& who, const std::string& document_id, const std::string& file) {
    int position = 0;
    const std::string_view number = std::string_view(file).substr(std::string_view("pages/").size());
    if (!number.ends_with(".png") ||
        std::from_chars(number.data(), number.data() + number.size() - 4, position).ptr !=
            number.data() + number.size() - 4) {
      return HttpResponse::Text(404, "not found\n");
    }
    Result<std::optional<Request>> found = store.GetRequest(document_id);
    if (!found || !*found) return HttpResponse::Text(404, "not found\n");
    const std::vector<PageRef> refs = PagesOf(**found);
    if (position < 1 || position > static_cast<int>(refs.size())) return HttpResponse::Text(404, "not found\n");
    if (!store.RecordView(document_id, who.session.user, fmt::format("page {}", position))) {
      return HttpResponse::Text(503, "the ledger cannot be written just now\n");
    }
    const std::string key = fmt::format("{}#{}", document_id, position);
    auto cached = std::find_if(cache.begin(), cache.end(), [&](const auto& entry) { return entry.first == key; });
    if (cached == cache.end()) {
      Result<std::vector<std::uint8_t>> bytes = archive.Get((*found)->source.sha256);
      if (!bytes) return HttpResponse::Text(503, bytes.error().message + "\n");
      Result<std::vector<std::uint8_t>> png = RenderPage(**found, refs[position - 1], *bytes, templates, options.limits);
      if (!png) return HttpResponse::Text(500, png.error().message + "\n");
      cache.emplace_front(key, std::string(png->begin(), png->end()));
      if (cache.size() > kCachedPages) cache.pop_back();
      cached = cache.begin();
    }
    HttpResponse response;
    response.content_type = "image/png";
    response.body = cached->second;
    return response;
  }

  // The outcome of a decision: back to the document, or the refusal on it.
  HttpResponse Decided(const HttpRequest& request, const SignedIn& who, const std::string& document_id,
                       const Result<void>& outcome, const char* done) {
    if (!outcome) return Document(request, who, document_id, 409, outcome.error().message);
    return HttpResponse::Redirect(kDocuments + UrlEncode(document_id) + "?done=" + done);
  }

  HttpResponse Approve(const HttpRequest& request, const SignedIn& who, const std::string& document_id) {
    Result<std::optional<Request>> found = store.GetRequest(document_id);
    if (!found || !*found) return HttpResponse::Text(404, "not found\n");
    FieldEdits edits;
    Approval approval;
    approval.actor = who.session.user;
    for (const auto& [name, text] : request.FormFields()) {
      if (name == "queue") {
        approval.queues.push_back(text);
        continue;
      }
      if (!name.starts_with(kFieldPrefix)) continue;
      const std::string key = name.substr(kFieldPrefix.size());
      const auto current = (*found)->fields.find(key);
      const FieldReading* reading = current == (*found)->fields.end() ? nullptr : &current->second;
      if (reading ? pages::EditText(reading->value) == text : Trim(text).empty()) continue;
      Result<std::optional<nlohmann::json>> value = FromEditText(key, text, reading);
      if (!value) return Document(request, who, document_id, 400, value.error().message);
      edits[key] = *value;
    }
    Result<std::vector<WorkItem>> released = store.ApproveCorrected(document_id, approval, edits);
    if (released) {
      spdlog::info("review: document {} approved by {} ({} value(s) corrected)", document_id, who.session.user,
                   edits.size());
    }
    return Decided(request, who, document_id,
                   released ? Result<void>() : Result<void>(tl::unexpected(released.error())), "approved");
  }

  HttpResponse Deficient(const HttpRequest& request, const SignedIn& who, const std::string& document_id) {
    Result<WorkItem> closed = store.MarkReviewDeficient(document_id, who.session.user,
                                                        Trim(First(request.FormFields(), "reason")));
    return Decided(request, who, document_id, closed ? Result<void>() : Result<void>(tl::unexpected(closed.error())),
                   "deficient");
  }

  HttpResponse Reclassify(const HttpRequest& request, const SignedIn& who, const std::string& document_id) {
    Result<std::optional<Request>> found = store.GetRequest(document_id);
    if (!found || !*found) return HttpResponse::Text(404, "not found\n");
    const std::string form = First(request.FormFields(), "form");
    return Decided(request, who, document_id,
                   store.Reclassify(document_id, who.session.user, form, QueuesFor(form, **found)), "reclassified");
  }

  HttpResponse Reopen(const HttpRequest& request, const SignedIn& who, const std::string& document_id) {
    if (who.session.role != Role::kSupervisor) {
      return Html(403, pages::MessagePage(who.Viewer(), "Reopen", "Only a supervisor can reopen a review."));
    }
    Result<WorkItem> reopened = store.ReopenReview(document_id, who.session.user);
    return Decided(request, who, document_id,
                   reopened ? Result<void>() : Result<void>(tl::unexpected(reopened.error())), "reopened");
  }

  HttpResponse DocumentGet(const HttpRequest& request, const SignedIn& who) {
    const auto [document_id, rest] = SplitDocumentPath(request.path);
    if (rest.empty()) return Document(request, who, document_id);
    if (rest.starts_with("pages/")) return PageImage(who, document_id, rest);
    return HttpResponse::Text(404, "not found\n");
  }

  HttpResponse DocumentPost(const HttpRequest& request, const SignedIn& who) {
    const auto [document_id, action] = SplitDocumentPath(request.path);
    if (action == "approve") return Approve(request, who, document_id);
    if (action == "deficient") return Deficient(request, who, document_id);
    if (action == "reclassify") return Reclassify(request, who, document_id);
    if (action == "reopen") return Reopen(request, who, document_id);
    return HttpResponse::Text(404, "not found\n");
  }

  Store& store;
  const Archive& archive;
  const TemplateSet& templates;
  ReviewOptions options;
  std::optional<BusinessCalendar> calendar;
  std::deque<std::pair<std::string, std::string>> cache;  // rendered pages, most recent first
};

ReviewApp::ReviewApp(HttpServer& http, Store& store, const Archive& archive, const TemplateSet& templates,
                     ReviewOptions options)
    : impl_(std::make_unique<Impl>(store, archive, templates, std::move(options))) {
  Impl& app = *impl_;
  using SignedIn = Impl::SignedIn;
  http.Route("GET", "/login", [&app](const HttpRequest& r) { return app.ShowLogin(r); });
  http.Route("POST", "/login", [&app](const HttpRequest& r) { return app.Login(r); });
  http.Route("POST", "/logout",
             app.Changing([&app](const HttpRequest& r, const SignedIn& who) { return app.Logout(r, who); }));
  http.Route("GET", "/",
             app.Viewing([&app](const HttpRequest& r, const SignedIn& who) { return app.Worklist(r, who); }));
  http.Route("GET", "/documents/*",
             app.Viewing([&app](const HttpRequest& r, const SignedIn& who) { return app.DocumentGet(r, who); }));
  http.Route("POST", "/documents/*",
             app.Changing([&app](const HttpRequest& r, const SignedIn& who) { return app.DocumentPost(r, who); }));
  auto asset = [](std::string_view body, const char* type) {
    return [body, type](const HttpRequest&) {
      HttpResponse response;
      response.content_type = type;
      response.body = std::string(body);
      return Secured(std::move(response));
    };
  };
  http.Route("GET", "/static/review.js", asset(pages::ScriptFile(), "text/javascript; charset=utf-8"));
  http.Route("GET", "/static/review.css", asset(pages::StyleFile(), "text/css; charset=utf-8"));
}

ReviewApp::~ReviewApp() = default;

}  // namespace intake
