// The reviewing commands (review/commands.h).
#include "review/commands.h"

#include <termios.h>
#include <unistd.h>

#include <fmt/format.h>

#include "review/auth.h"
#include "store/store.h"

namespace intake {
namespace {

std::string ReadHidden(std::istream& in, std::ostream& out, const char* prompt) {
  out << prompt << std::flush;
  termios saved{};
  const bool terminal = tcgetattr(STDIN_FILENO, &saved) == 0;
  if (terminal) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  std::getline(in, line);
  if (terminal) tcsetattr(STDIN_FILENO, TCSANOW, &saved);
  out << "\n";
  return line;
}

std::unique_ptr<Store> OpenOrSay(const std::filesystem::path& store_path, std::ostream& err) {
  auto store = Store::Open(store_path);
  if (!store) {
    err << "cannot open the ledger: " << store.error().message << "\n";
    return nullptr;
  }
  return std::move(*store);
}

}  // namespace

int UsersAddCommand(const std::filesystem::path& store_path, const std::string& name, const std::string& role_name,
                    std::istream& password_in, bool prompt, std::ostream& out, std::ostream& err) {
  const std::optional<Role> role = RoleFromString(role_name);
  if (!role) {
    err << "--role must be reviewer or supervisor\n";
    return 2;
  }
  std::string password;
  if (prompt) {
    password = ReadHidden(password_in, err, "password: ");
    if (ReadHidden(password_in, err, "again: ") != password) {
      err << "the two passwords differ: nothing was changed\n";
      return 2;
    }
  } else {
    std::getline(password_in, password);
    if (!password.empty() && password.back() == '\r') password.pop_back();
  }
  if (password.size() < kMinPasswordLength) {
    err << "the password must be at least " << kMinPasswordLength << " characters\n";
    return 2;
  }
  Result<std::string> hash = HashPassword(password);
  if (!hash) {
    err << hash.error().message << "\n";
    return 1;
  }
  std::unique_ptr<Store> store = OpenOrSay(store_path, err);
  if (!store) return 1;
  if (Result<void> added = store->AddUser(name, *role, *hash); !added) {
    err << added.error().message << "\n";
    return 1;
  }
  out << "user " << name << " added as " << ToString(*role) << "\n";
  return 0;
}

int AuditCommand(const std::filesystem::path& store_path, const std::string& document_id, std::ostream& out,
                 std::ostream& err) {
  std::unique_ptr<Store> store = OpenOrSay(store_path, err);
  if (!store) return 1;
  Result<std::optional<Request>> request = store->GetRequest(document_id);
  if (!request) {
    err << request.error().message << "\n";
    return 1;
  }
  if (!*request) {
    err << "there is no document " << document_id << "\n";
    return 1;
  }
  Result<std::vector<AuditEntry>> entries = store->AuditOf(document_id);
  if (!entries) {
    err << entries.error().message << "\n";
    return 1;
  }
  for (const AuditEntry& e : *entries) {
    std::string line = fmt::format("{}  {}  {}  {}", e.at, e.actor, e.action, e.field);
    if (e.work_item_id) line += fmt::format("  item {}", *e.work_item_id);
    if (e.before || e.after) line += fmt::format("  {} -> {}", e.before.value_or("(none)"), e.after.value_or("(none)"));
    out << line << "\n";
  }
  return 0;
}

int CorrectionsReportCommand(const std::filesystem::path& store_path, double high_confidence, std::ostream& out,
                             std::ostream& err) {
  std::unique_ptr<Store> store = OpenOrSay(store_path, err);
  if (!store) return 1;
  Result<std::vector<CorrectionStats>> stats = store->Corrections(high_confidence);
  if (!stats) {
    err << stats.error().message << "\n";
    return 1;
  }
  auto percent = [](std::int64_t part, std::int64_t whole) {
    return whole ? fmt::format("{:.1f}%", 100.0 * part / whole) : std::string("-");
  };
  out << fmt::format("{:<28} {:>8} {:>8} {:>8}   {:>10} {:>10} {:>8}\n", "field", "reviewed", "changed", "share",
                     fmt::format("conf>={:.2f}", high_confidence), "changed", "share");
  CorrectionStats total{"(all fields)"};
  for (const CorrectionStats& s : *stats) {
    out << fmt::format("{:<28} {:>8} {:>8} {:>8}   {:>10} {:>10} {:>8}\n", s.field, s.reviewed, s.changed,
                       percent(s.changed, s.reviewed), s.high_confidence, s.high_confidence_changed,
                       percent(s.high_confidence_changed, s.high_confidence));
    total.reviewed += s.reviewed;
    total.changed += s.changed;
    total.high_confidence += s.high_confidence;
    total.high_confidence_changed += s.high_confidence_changed;
  }
  out << fmt::format("{:<28} {:>8} {:>8} {:>8}   {:>10} {:>10} {:>8}\n", total.field, total.reviewed, total.changed,
                     percent(total.changed, total.reviewed), total.high_confidence, total.high_confidence_changed,
                     percent(total.high_confidence_changed, total.high_confidence));
  return 0;
}

}  // namespace intake
