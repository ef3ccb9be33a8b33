// Reviewer accounts and sign-in sessions of the ledger (store.h, "Reviewers").
// Times are compared as text: every stamp has NowUtc's fixed-width format.
#include <ctime>

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

#include "store/ledger_internal.h"
#include "store/store.h"

namespace intake {
namespace {

using ledger::NowUtc;
using ledger::OptionalText;
using ledger::StoreFail;

// NowUtc shifted by `offset`, in the same format.
std::string UtcFromNow(std::chrono::seconds offset) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() + offset);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.000Z", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday,
                     utc.tm_hour, utc.tm_min, utc.tm_sec);
}

}  // namespace

std::string_view ToString(Role role) { return role == Role::kSupervisor ? "supervisor" : "reviewer"; }

std::optional<Role> RoleFromString(std::string_view text) {
  if (text == "reviewer") return Role::kReviewer;
  if (text == "supervisor") return Role::kSupervisor;
  return std::nullopt;
}

Result<void> Store::AddUser(const std::string& name, Role role, const std::string& password_hash) {
  constexpr std::string_view kAction = "add the user";
  if (name.empty() || name.find_first_of(" \t\r\n") != std::string::npos) {
    return StoreFail(kAction, "a user name is one word, without spaces");
  }
  return impl_->Write(kAction, [&](SQLite::Database& db) -> Result<void> {
    SQLite::Statement known(db, "SELECT 1 FROM users WHERE name = ?");
    known.bind(1, name);
    if (known.executeStep()) return StoreFail(kAction, fmt::format("there is already a user named {}", name));
    const std::string now = NowUtc();
    SQLite::Statement insert(db,
                             "INSERT INTO users (name, role, password_hash, created_at, updated_at) "
                             "VALUES (?, ?, ?, ?, ?)");
    insert.bind(1, name);
    insert.bind(2, std::string(ToString(role)));
    insert.bind(3, password_hash);
    insert.bind(4, now);
    insert.bind(5, now);
    insert.exec();
    return {};
  });
}

Result<std::optional<User>> Store::GetUser(const std::string& name) {
  return impl_->Read("read the user", [&](SQLite::Database& db) -> Result<std::optional<User>> {
    SQLite::Statement query(db,
                            "SELECT name, role, password_hash, failed_logins, locked_until FROM users WHERE name = ?");
    query.bind(1, name);
    if (!query.executeStep()) return std::nullopt;
    User user;
    user.name = query.getColumn(0).getString();
    user.role = RoleFromString(query.getColumn(1).getString()).value_or(Role::kReviewer);
    user.password_hash = query.getColumn(2).getString();
    user.failed_logins = query.getColumn(3).getInt();
    user.locked_until = OptionalText(query.getColumn(4));
    return user;
  });
}

Result<bool> Store::RecordFailedLogin(const std::string& name, int max_failures, std::chrono::seconds lock_for) {
  return impl_->Write("record the failed sign-in", [&](SQLite::Database& db) -> Result<bool> {
    SQLite::Statement update(db,
                             "UPDATE users SET failed_logins = failed_logins + 1, updated_at = ? WHERE name = ?");
    update.bind(1, NowUtc());
    update.bind(2, name);
    if (update.exec() == 0) return false;
    SQLite::Statement count(db, "SELECT failed_logins FROM users WHERE name = ?");
    count.bind(1, name);
    count.executeStep();
    if (count.getColumn(0).getInt() < max_failures) return false;
    SQLite::Statement lock(db, "UPDATE users SET failed_logins = 0, locked_until = ? WHERE name = ?");
    lock.bind(1, UtcFromNow(lock_for));
    lock.bind(2, name);
    lock.exec();
    // Whoever held the account's sessions is signed out with it.
    SQLite::Statement end(db, "DELETE FROM sessions WHERE user_name = ?");
    end.bind(1, name);
    end.exec();
    return true;
  });
}

Result<void> Store::RecordGoodLogin(const std::string& name) {
  return impl_->Write("record the sign-in", [&](SQLite::Database& db) -> Result<void> {
    SQLite::Statement update(db,
                             "UPDATE users SET failed_logins = 0, locked_until = NULL, updated_at = ? WHERE name = ?");
    update.bind(1, NowUtc());
    update.bind(2, name);
    update.exec();
    return {};
  });
}

Result<void> Store::CreateSession(const std::string& token_hash, const std::string& user) {
  return impl_->Write("start the session", [&](SQLite::Database& db) -> Result<void> {
    const std::string now = NowUtc();
    SQLite::Statement insert(db,
                             "INSERT INTO sessions (token_hash, user_name, created_at, last_seen) VALUES (?, ?, ?, ?)");
    insert.bind(1, token_hash);
    insert.bind(2, user);
    insert.bind(3, now);
    insert.bind(4, now);
    insert.exec();
    return {};
  });
}

Result<std::optional<LoginSession>> Store::TouchSession(const std::string& token_hash,
                                                        std::chrono::seconds idle_timeout) {
  return impl_->Write("check the session", [&](SQLite::Database& db) -> Result<std::optional<LoginSession>> {
    // Sessions idle too long are ended for everyone, not only this one.
    SQLite::Statement expire(db, "DELETE FROM sessions WHERE last_seen < ?");
    expire.bind(1, UtcFromNow(-idle_timeout));
    expire.exec();
    SQLite::Statement query(db,
                            "SELECT s.user_name, u.role, s.created_at FROM sessions s JOIN users u "
                            "ON u.name = s.user_name WHERE s.token_hash = ?");
    query.bind(1, token_hash);
    if (!query.executeStep()) return std::nullopt;
    LoginSession session;
    session.user = query.getColumn(0).getString();
    session.role = RoleFromString(query.getColumn(1).getString()).value_or(Role::kReviewer);
    session.created_at = query.getColumn(2).getString();
    session.last_seen = NowUtc();
    SQLite::Statement touch(db, "UPDATE sessions SET last_seen = ? WHERE token_hash = ?");
    touch.bind(1, session.last_seen);
    touch.bind(2, token_hash);
    touch.exec();
    return session;
  });
}

Result<void> Store::EndSession(const std::string& token_hash) {
  return impl_->Write("end the session", [&](SQLite::Database& db) -> Result<void> {
    SQLite::Statement end(db, "DELETE FROM sessions WHERE token_hash = ?");
    end.bind(1, token_hash);
    end.exec();
    return {};
  });
}

}  // namespace intake
