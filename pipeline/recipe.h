// pipeline/recipe.h: what happens to one received file, start to finish.
//
// `ProcessFile` is the whole flow for one file, read top to bottom:
//
//   e-mail?   email/        ParseMessage: headers, attachments, body
//   decode    decode/       bytes -> pages (per attachment for e-mail)
//   prepare   preprocess/   square pixels, fax header, upright (ocr/ OSD), deskew, despeckle
//   identify  classifiers/  which form, page and language, or not one of our forms
//   assemble  classifiers/  pages -> logical documents (+ supporting pages)
//   register  classifiers/  each form page onto its template
//   read      extract/      every field with a confidence (AcroForm values for e-filled PDFs)
//   check     validate/     the rules of SPEC section 5 -> findings
//   route     route/        queues, status, due dates (calendar/)
//
// ProcessFile never touches the store or the inboxes: it is a function from a
// file to requests, used alike by `intake process` and by the service.
//
//   auto knowledge = LoadFormsKnowledge({DefaultFormsDir(), data_dir / "forms"});
//   FileInput in{bytes, "fax000123.tif", Channel::kFax, "records", sha, received_at};
//   Result<std::vector<Request>> requests = ProcessFile(in, options, *knowledge, engine);
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
#include "calendar/calendar.h"
#include "classifiers/identify.h"
#include "preprocess/prepare.h"
#include "templates/template.h"
#include "validate/validate.h"

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
  double min_field_confidence = 0.9;  // a field below this is shown to a reviewer
};

/// What the pipeline knows of the hospital: its forms, its rules, its
/// calendar. Loaded once, shared read-only by every worker.
struct FormsKnowledge {
  TemplateSet templates;
  RuleSet rules;
  BusinessCalendar calendar;
};

/// The templates from `template_folders` (DefaultFormsDir() first), the
/// shipped rules and the shipped calendar.
Result<FormsKnowledge> LoadFormsKnowledge(const std::vector<std::filesystem::path>& template_folders);

/// A page as ProcessFile sees it before its fields are read: decoded,
/// prepared (a photo straightened, turned upright when it is no form) and
/// identified.
struct IdentifiedPage {
  std::optional<std::string> attachment;  // the e-mail attachment it came from
  int number = 0;                         // 1-based page of the file or attachment
  PreparedPage prepared;
  PageIdentity identity;
};

/// The pages of a file exactly as ProcessFile prepares and identifies them
/// (every readable attachment of a message in turn, when `email`); for tools
/// that look inside the flow, such as `intake bench crops`.
Result<std::vector<IdentifiedPage>> IdentifyFilePages(std::span<const std::uint8_t> bytes, bool email,
                                                      const PipelineOptions& options, const FormsKnowledge& knowledge,
                                                      OcrEngine& ocr);

/// Counts a run reports (pages prepared, pages rotated) without patient data.
struct ProcessStats {
  int pages = 0;
  int pages_rotated = 0;
  int pages_blank = 0;
  // Wall time spent in each stage, in seconds, for the bench and /metrics.
  double decode_seconds = 0;    // e-mail parsing included
  double prepare_seconds = 0;   // photo straightening and orientation detection included
  double identify_seconds = 0;  // pages identified; languages of pages that are no form
  double read_seconds = 0;      // registration, fields, rules, routing
};

/// Turns one file into its requests. Errors are those of a file that cannot
/// be read at all (its disposition says quarantine or retry).
Result<std::vector<Request>> ProcessFile(const FileInput& input, const PipelineOptions& options,
                                         const FormsKnowledge& knowledge, OcrEngine& ocr,
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
