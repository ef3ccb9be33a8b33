// review/auth.h: the secrets of signing in, all from libsodium.
//
// Passwords are kept as Argon2id hashes (crypto_pwhash_str, interactive
// limits). A session token is 32 random bytes given to the browser in an
// HttpOnly cookie; the store keeps only its hash, so a copy of the database
// signs no one in. The CSRF token of a session is derived from its token
// (keyed BLAKE2b), so it needs no storage and dies with the session.
//
//   Result<std::string> hash = HashPassword(password);   // for Store::AddUser
//   if (VerifyPassword(user.password_hash, typed)) { std::string token = NewToken(); ... }
//   store.CreateSession(TokenHash(token), user.name);
//   if (!SameSecret(form_csrf, CsrfFor(token))) return 403;
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"

namespace intake {

/// Passwords shorter than this are refused by `intake users add`.
inline constexpr std::size_t kMinPasswordLength = 10;

Result<std::string> HashPassword(std::string_view password);
/// False for a wrong password or a hash that is not crypto_pwhash_str's.
bool VerifyPassword(const std::string& hash, std::string_view password);
/// Spends the time of one VerifyPassword, so an unknown user name answers as
/// slowly as a wrong password.
void SpendVerifyTime(std::string_view password);

/// 32 random bytes as 64 hex digits.
std::string NewToken();
/// The form a token is stored in: BLAKE2b-256 of it, hex.
std::string TokenHash(std::string_view token);
/// The CSRF token that goes with a session token.
std::string CsrfFor(std::string_view token);
/// Constant-time comparison of two secrets (false when the lengths differ).
bool SameSecret(std::string_view a, std::string_view b);

}  // namespace intake
