// config/config.h: the service's configuration, loaded from one TOML file.
//
// Every key, its default and its meaning are documented in
// config/intake.example.toml, which is also what `intake config --defaults`
// prints. With no file, the defaults describe a data folder `intake-data/`
// under the working directory holding the store, the archive and five inboxes:
//
//   inbox/fax/records   fax, line "records"
//   inbox/fax/imaging   fax, line "imaging"
//   inbox/fax/verbal    fax, line "verbal"
//   inbox/email         Maildir
//   inbox/scan          mailroom scanner batches
//
// Loading validates everything and reports every error at once, each with the
// file, the key and why, rather than stopping at the first:
//
//   auto config = LoadConfig("/etc/intake/intake.toml");
//   if (!config) for (const ConfigError& e : config.error()) std::cerr << Describe(e) << "\n";
//
// Relative paths in a file are relative to that file's folder; without a
// file, to the working directory. Inbox paths are relative to `data_dir`.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <tl/expected.hpp>

#include "decode/decode.h"
#include "inbox/watcher.h"
#include "ocr/engine.h"
#include "preprocess/prepare.h"

namespace intake {

/// The reviewers' web app (review/review.h): sign-in limits.
struct ReviewConfig {
  std::chrono::seconds idle_timeout{15 * 60};  // a session unused this long is signed out
  int max_failed_logins = 5;                  // failed sign-ins in a row that lock the account
  std::chrono::seconds lockout{15 * 60};       // how long it stays locked
  std::filesystem::path tls_cert;              // PEM certificate chain; empty (with tls_key): plain HTTP
  std::filesystem::path tls_key;               // PEM private key
};

struct Config {
  std::filesystem::path data_dir;     // holds the store, the archive and (by default) the inboxes
  std::filesystem::path store_path;   // SQLite ledger
  std::filesystem::path archive_dir;  // content-addressed originals
  int workers = 0;                    // processing threads; 0 = one per core
  int max_attempts = 5;               // processing attempts before a file is quarantined
  double min_field_confidence = 0.9;  // fields below this are shown to a reviewer
  std::string log_level = "info";
  std::string listen = "127.0.0.1:8080";  // review UI and /metrics (used by later stages)
  ReviewConfig review;
  std::vector<InboxConfig> inboxes;
  WatchOptions watch;
  std::chrono::milliseconds once_wait{60'000};  // `run --once`: longest wait for files still incomplete
  DecodeLimits limits;
  PrepareOptions prepare;
  OcrOptions ocr;
};

struct ConfigError {
  std::string file;  // "(defaults)" when no file was given
  std::string key;   // dotted path, e.g. "inbox[2].channel"
  std::string why;
};

std::string Describe(const ConfigError& error);

/// Loads and validates. `path` empty: the built-in defaults under the working directory.
tl::expected<Config, std::vector<ConfigError>> LoadConfig(const std::optional<std::filesystem::path>& path);

/// The documented example file (every key with its default).
std::string_view ExampleConfig();

}  // namespace intake
