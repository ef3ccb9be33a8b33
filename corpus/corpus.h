// corpus/corpus.h: writes a synthetic test corpus from the registered forms.
//
// A hospital uses it to see how intake reads a form before the form goes
// live, and the project uses it to measure itself (SPEC section 9). From the
// templates alone (no form-specific code: values are chosen by each field's
// format and key) it fills every registered form with synthetic people, by
// hand-like fonts, typed, or electronically (AcroForm values), adds the
// documents that are not forms (fax cover sheets, attorney letters, ID
// copies, another hospital's authorization) and the hard cases (unsigned,
// undated, nothing checked, missing or shuffled pages, expired, a minor
// signing for themself, crossed-out values, stray marks), and delivers them
// the way the three inboxes receive them:
//
//   OUT/inbox/fax/{records,imaging,verbal}/faxNNNNNN.tif   class-F TIFFs
//   OUT/inbox/email/{new,cur,tmp}/                        Maildir messages
//   OUT/inbox/scan/MRM-SCAN_YYYYMMDD_HHMMSS_NNNN.pdf       mailroom batches
//   OUT/truth.jsonl   one line per logical document (the samples' format, plus
//                     for a printed fill the fonts used and each value as written)
//   OUT/files.jsonl   one line per file: pages, roles and degradations
//   OUT/run.json      the options, counts and fonts used
//
//   CorpusOptions options;
//   options.out = "corpus";
//   options.count = 200;
//   if (auto mix = ParseMix("fax=0.6,email=0.25,scan=0.15", options); !mix) ...
//   Result<CorpusSummary> summary = GenerateCorpus(*templates, options);
//
// Deterministic: the same templates, fonts, seed and options give
// byte-identical files (every timestamp comes from the seed, never the clock),
// whatever the number of threads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "templates/template.h"

namespace intake {

/// Shares of logical documents by channel and by fill mode; each set is
/// normalized to sum 1. E-filled forms can only arrive by e-mail, so the
/// efill share is taken from the e-mailed documents.
struct CorpusMix {
  double fax = 0.6, email = 0.25, scan = 0.15;
  double hand = 0.65, typed = 0.25, efill = 0.10;
};

struct CorpusOptions {
  std::filesystem::path out;
  int count = 200;  // logical documents (lines of truth.jsonl)
  std::uint64_t seed = 1;
  CorpusMix mix;
  int threads = 0;        // 0: one per core
  bool progress = false;  // documents done, rate and time left on stderr
  /// Folders searched for TrueType/OpenType fonts.
  std::vector<std::filesystem::path> font_dirs = {"/usr/share/fonts"};
  /// When not empty, the only fonts values are written in (file names
  /// without extension): the recognizer's held-out fonts make a corpus whose
  /// hands it never saw (recognizer/models/MODEL.md).
  std::vector<std::string> fonts = {};
};

struct CorpusSummary {
  int documents = 0;
  int files = 0;
  int pages = 0;
  std::int64_t bytes = 0;
  std::map<std::string, int> forms;     // AUTH, AMEND, VERBAL, OTHER -> documents
  std::map<std::string, int> channels;  // fax, email, scan -> documents
  std::vector<std::string> typed_fonts;  // font files used for typed filling
  std::vector<std::string> hand_fonts;   // hand-like font files found
};

/// Reads "fax=0.6,email=0.25,scan=0.15" or "hand=0.6,typed=0.3,efill=0.1"
/// (any subset of the six keys) into `options.mix`.
Result<void> ParseMix(std::string_view text, CorpusOptions& options);

Result<CorpusSummary> GenerateCorpus(const TemplateSet& templates, const CorpusOptions& options);

}  // namespace intake
