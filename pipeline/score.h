// pipeline/score.h: accuracy of requests against a truth file (SPEC section 9).
//
// Each request is matched to a truth document of the same file by the overlap
// of their (attachment, page) pairs; then classification (form and language),
// routing (the set of queues), field accuracy (text compared case-insensitively
// with white space folded, accents counting), straight-through rate, silent
// errors (wrong values on documents no person looked at) and must-review
// documents held are counted, overall and by channel, fill mode and field
// kind, with a calibration table of confidence against observed accuracy.
//
//   std::vector<nlohmann::json> truth = ReadJsonl("truth.jsonl");
//   Score score = ScoreRequests(requests, truth, FieldKindOf);
//   std::cout << FormatScore(score);
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "core/request.h"

namespace intake {

struct Tally {
  int right = 0;
  int total = 0;
  double Rate() const { return total ? static_cast<double>(right) / total : 0; }
};

struct CalibrationBucket {
  double low = 0, high = 0;  // confidence range [low, high)
  Tally fields;
};

struct Score {
  int truth_documents = 0;
  int requests = 0;
  int matched = 0;
  Tally classification;
  Tally routing;
  Tally fields;        // filled truth fields read exactly
  Tally blank_fields;  // blank truth fields left out (no invented value)
  std::map<std::string, Tally> fields_by_kind;
  std::map<std::string, Tally> fields_by_channel;  // also "email photo", "email scan_pdf", ... by attachment
  std::map<std::string, Tally> fields_by_fill;     // hand, typed, efill
  std::map<std::string, Tally>
      fields_by_engine;  // written text by fill and engine: "hand, recognizer", "typed, both", ...
  std::map<std::string, Tally> classification_by_channel;
  Tally straight_through;  // right = routed
  Tally silent_fields;     // on routed documents: right = value correct
  Tally silent_queues;     // routed documents: right = queues correct
  Tally must_review_held;  // truth must_review: right = needs_review
  std::vector<CalibrationBucket> calibration;
};

/// Maps a field key of a form ("AUTH", "patient.dob") to a kind for the tables
/// ("date", "name", "checkbox", ...).
using FieldKindFn = std::function<std::string(const std::string& form, const std::string& key)>;

/// (attachment or "", 1-based page): a page of a file or of one attachment.
using TruthPage = std::pair<std::string, int>;

/// The pages a truth document lists (SPEC section 9: numbers for faxes and
/// scans, {"attachment", "pages"} for e-mail).
std::set<TruthPage> TruthPages(const nlohmann::json& truth);

/// Values equal as SPEC section 9 compares them.
bool ValuesMatch(const nlohmann::json& truth, const nlohmann::json& value);

Score ScoreRequests(const std::vector<Request>& requests, const std::vector<nlohmann::json>& truth,
                    const FieldKindFn& kind_of);

std::string FormatScore(const Score& score);
nlohmann::json ScoreJson(const Score& score);

}  // namespace intake
