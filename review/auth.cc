// Passwords and tokens with libsodium (review/auth.h).
#include "review/auth.h"

#include <sodium.h>

#include <array>
#include <cstdlib>

namespace intake {
namespace {

// sodium_init is thread-safe and idempotent; it fails only when the system
// has no source of randomness, when nothing here would be safe.
void EnsureSodium() {
  static const bool ready = sodium_init() >= 0;
  if (!ready) std::abort();
}

std::string Hex(const unsigned char* bytes, std::size_t size) {
  std::string out(size * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), bytes, size);
  out.pop_back();
  return out;
}

}  // namespace

Result<std::string> HashPassword(std::string_view password) {
  EnsureSodium();
  std::array<char, crypto_pwhash_STRBYTES> out{};
  if (crypto_pwhash_str(out.data(), password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return Fail(ErrorCode::kInternal, "not enough memory to hash the password");
  }
  return std::string(out.data());
}

bool VerifyPassword(const std::string& hash, std::string_view password) {
  EnsureSodium();
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

void SpendVerifyTime(std::string_view password) {
  static const std::string kDecoy = HashPassword("decoy password for unknown names").value_or("");
  VerifyPassword(kDecoy, password);
}

std::string NewToken() {
  EnsureSodium();
  std::array<unsigned char, 32> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  return Hex(bytes.data(), bytes.size());
}

std::string TokenHash(std::string_view token) {
  EnsureSodium();
  std::array<unsigned char, crypto_generichash_BYTES> out{};
  crypto_generichash(out.data(), out.size(), reinterpret_cast<const unsigned char*>(token.data()), token.size(),
                     nullptr, 0);
  return Hex(out.data(), out.size());
}

std::string CsrfFor(std::string_view token) {
  EnsureSodium();
  static constexpr std::string_view kPurpose = "intake review csrf";
  // The token itself is the key (64 hex digits: BLAKE2b's longest key), so
  // the stored hash gives nothing away about the CSRF token.
  const std::string_view key = token.substr(0, crypto_generichash_KEYBYTES_MAX);
  std::array<unsigned char, crypto_generichash_BYTES> out{};
  crypto_generichash(out.data(), out.size(), reinterpret_cast<const unsigned char*>(kPurpose.data()), kPurpose.size(),
                     reinterpret_cast<const unsigned char*>(key.data()), key.size());
  return Hex(out.data(), out.size());
}

bool SameSecret(std::string_view a, std::string_view b) {
  EnsureSodium();
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace intake
