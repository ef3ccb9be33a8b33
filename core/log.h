// core/log.h: logging setup shared by every module.
//
// Modules log through spdlog's default logger. Log lines carry file ids,
// sha256 prefixes, page numbers, counts and timings; never names, dates of
// birth, MRNs or any field value (every page is protected health
// information). `ShortHash` is the form a hash takes in a log line.
//
//   InitLogging("info");
//   spdlog::info("file {} archived as {}", file_id, ShortHash(sha256));
#pragma once

#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

namespace intake {

/// Sets the level ("trace".."off") and a format with UTC timestamps. Logs go
/// to standard error so that standard output stays the commands' data.
void InitLogging(std::string_view level);

/// First 12 hex digits of a sha256: enough to find the file, no content.
inline std::string ShortHash(std::string_view sha256) { return std::string(sha256.substr(0, 12)); }

}  // namespace intake
