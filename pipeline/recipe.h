// pipeline/recipe.h: what happens to one received file, start to finish.
//
// `ProcessFile` is the whole flow for one file, read top to bottom:
//
//   e-mail?  email/     ParseMessage: headers, attachments, body
//   decode   decode/    bytes -> pages (per attachment for e-mail)
//   prepare  preprocess/ square pixels, fax header, upright, deskew, despeckle
//   ocr      ocr/       orientation detection for `prepare`
//   output   core/      one Request per logical document (SPEC section 4)
//
// The forms engine (identify, register, extract), the rules and routing
// plug in after `prepare`; until they exist every document is form OTHER,
// held for review on the `review` queue, with its source block filled in.
//
// ProcessFile never touches the store or the inboxes: it is a function from a
// file to requests, used alike by `intake process` and by the service.
//
//   FileInput in{bytes, "fax000123.tif", Channel::kFax, "records", sha, received_at};
//   Result<std::vector<Request>> requests = ProcessFile(in, options, engine);
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/request.h"
#include "decode/decode.h"
#include "ocr/engine.h"
#include "preprocess/prepare.h"

namespace intake {

struct FileInput {
  std::span<const std::uint8_t> bytes;
  std::string file_name;  // as received; shown, never opened
  Channel channel = Channel::kFax;
  std::optional<std::string> fax_line;
  std::string sha256;
  std::string received_at;  // when the inbox took it (ISO 8601); a fax's own receive time wins
  std::optional<std::string> sender;
  std::optional<std::string> subject;
};

struct PipelineOptions {
  DecodeLimits limits;
  PrepareOptions prepare;
};

/// Counts a run reports (pages prepared, pages rotated) without patient data.
struct ProcessStats {
  int pages = 0;
  int pages_rotated = 0;
  int pages_blank = 0;
};

/// Turns one file into its requests. Errors are those of a file that cannot
/// be read at all (its disposition says quarantine or retry).
Result<std::vector<Request>> ProcessFile(const FileInput& input, const PipelineOptions& options, OcrEngine& ocr,
                                         ProcessStats* stats = nullptr);

/// A document id stable for a file and its n-th document, so that processing
/// the same file again yields the same ids.
std::string DocumentId(const std::string& sha256, int index);

/// ISO 8601 with the local offset, e.g. "2026-11-22T10:14:00-05:00", from a
/// TIFF DateTime ("2026:11:22 10:14:00", local time of the fax server).
std::optional<std::string> TiffTimeToIso(const std::string& tiff_date_time);

/// ISO 8601 with the local offset for a point in time.
std::string LocalIsoTime(std::chrono::system_clock::time_point when);

/// ISO 8601 with the local offset for a file's modification time.
std::string FileTimeToIso(std::filesystem::file_time_type mtime);

}  // namespace intake
