#include "pipeline/score.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace intake {
namespace {

// Lower case (ASCII and Latin-1 letters: Ñ -> ñ, Í -> í), white space folded;
// accents are kept, so "Pena" is not "Peña".
std::string Fold(const std::string& text) {
  std::string out;
  bool space = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (std::isspace(c)) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    // U+00C0..U+00DE (but not U+00D7, the multiplication sign) are C3 80..C3 9E.
    if (c == 0xC3 && i + 1 < text.size()) {
      unsigned char next = static_cast<unsigned char>(text[i + 1]);
      if (next >= 0x80 && next <= 0x9E && next != 0x97) next += 0x20;
      out += static_cast<char>(c);
      out += static_cast<char>(next);
      ++i;
      continue;
    }
    out += static_cast<char>(std::tolower(c));
  }
  return out;
}

// The unique part of a file name: a Maildir message keeps it across "new/" -> "cur/:2,S".
std::string FileKey(const std::string& path) {
  std::string name = path.substr(path.find_last_of('/') + 1);
  return name.substr(0, name.find(':'));
}

std::set<TruthPage> RequestPages(const Request& request) {
  std::set<TruthPage> pages;
  for (const PagesRef& part : request.source.parts) {
    for (int p : part.pages) pages.insert({part.attachment.value_or(""), p});
  }
  return pages;
}

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

bool ValuesMatch(const nlohmann::json& truth, const nlohmann::json& value) {
  if (truth.is_array() && value.is_array()) {
    std::vector<std::string> a, b;
    for (const auto& x : truth) a.push_back(Fold(x.get<std::string>()));
    for (const auto& x : value) b.push_back(Fold(x.get<std::string>()));
    return Sorted(a) == Sorted(b);
  }
  if (truth.is_string() && value.is_string()) return Fold(truth.get<std::string>()) == Fold(value.get<std::string>());
  return truth == value;
}

std::set<TruthPage> TruthPages(const nlohmann::json& truth) {
  std::set<TruthPage> pages;
  for (const auto& entry : truth.at("pages")) {
    if (entry.is_number()) {
      pages.insert({"", entry.get<int>()});
    } else {
      const std::string attachment = entry.value("attachment", "");
      for (const auto& p : entry.at("pages")) pages.insert({attachment, p.get<int>()});
    }
  }
  return pages;
}

Score ScoreRequests(const std::vector<Request>& requests, const std::vector<nlohmann::json>& truth,
                    const FieldKindFn& kind_of) {
  Score score;
  score.truth_documents = static_cast<int>(truth.size());
  score.requests = static_cast<int>(requests.size());
  for (int b = 0; b < 10; ++b) score.calibration.push_back({b / 10.0, (b + 1) / 10.0, {}});

  std::vector<bool> used(requests.size(), false);
  for (const nlohmann::json& doc : truth) {
    const std::string file = FileKey(doc.at("file").get<std::string>());
    const std::set<TruthPage> pages = TruthPages(doc);
    const std::string channel = doc.value("channel", "");
    // E-mail fields are also counted by what was attached (a phone photo, a
    // scanned PDF, an e-filled PDF, a TIFF), so photos show on their own line.
    const std::string attached = doc.contains("email_attachment_kind") && doc["email_attachment_kind"].is_string()
                                     ? channel + " " + doc["email_attachment_kind"].get<std::string>()
                                     : "";
    Tally no_source;
    auto by_source = [&]() -> Tally& { return attached.empty() ? no_source : score.fields_by_channel[attached]; };
    const std::string fill =
        doc.contains("fill_mode") && doc["fill_mode"].is_string() ? doc["fill_mode"].get<std::string>() : "none";
    // The request of the same file sharing the most pages; a page-less truth
    // document (a message without attachment) matches a page-less request.
    int best = -1;
    std::size_t best_overlap = 0;
    for (std::size_t i = 0; i < requests.size(); ++i) {
      if (used[i] || FileKey(requests[i].source.file) != file) continue;
      const std::set<TruthPage> theirs = RequestPages(requests[i]);
      std::size_t overlap = 0;
      for (const TruthPage& p : theirs) overlap += pages.count(p);
      const bool both_empty = pages.empty() && theirs.empty();
      if ((overlap > best_overlap) || (both_empty && best < 0)) {
        best = static_cast<int>(i);
        best_overlap = overlap;
      }
    }
    const bool must_review = doc.value("must_review", false);
    if (best < 0) {
      ++score.classification.total;
      ++score.classification_by_channel[channel].total;
      ++score.routing.total;
      if (must_review) ++score.must_review_held.total;
      for (const auto& [key, value] : doc.at("fields").items()) {
        if (!value.is_null()) {
          ++score.fields.total;
          ++score.fields_by_channel[channel].total;
          ++by_source().total;
          ++score.fields_by_fill[fill].total;
          ++score.fields_by_kind[kind_of(doc.value("form", ""), key)].total;
        }
      }
      continue;
    }
    used[best] = true;
    ++score.matched;
    const Request& request = requests[best];
    const bool classified =
        request.form == doc.value("form", "") &&
        request.language == (doc["language"].is_null() ? std::nullopt : std::optional<std::string>(doc["language"]));
    ++score.classification.total;
    score.classification.right += classified;
    ++score.classification_by_channel[channel].total;
    score.classification_by_channel[channel].right += classified;
    const bool routed_right =
        Sorted(request.queues) == Sorted(doc.at("expected_queues").get<std::vector<std::string>>());
    ++score.routing.total;
    score.routing.right += routed_right;
    const bool routed = request.status == "routed";
    ++score.straight_through.total;
    score.straight_through.right += routed;
    if (routed) {
      ++score.silent_queues.total;
      score.silent_queues.right += routed_right;
    }
    if (must_review) {
      ++score.must_review_held.total;
      score.must_review_held.right += !routed;
    }
    for (const auto& [key, value] : doc.at("fields").items()) {
      auto it = request.fields.find(key);
      if (value.is_null()) {
        ++score.blank_fields.total;
        score.blank_fields.right += it == request.fields.end();
        if (it != request.fields.end()) {
          const int bucket = std::clamp(static_cast<int>(it->second.confidence * 10), 0, 9);
          ++score.calibration[bucket].fields.total;
          if (routed) ++score.silent_fields.total;
        }
        continue;
      }
      const bool right = it != request.fields.end() && ValuesMatch(value, it->second.value);
      for (Tally* t : {&score.fields, &score.fields_by_channel[channel], &by_source(), &score.fields_by_fill[fill],
                       &score.fields_by_kind[kind_of(doc.value("form", ""), key)]}) {
        ++t->total;
        t->right += right;
      }
      if (it != request.fields.end()) {
        const int bucket = std::clamp(static_cast<int>(it->second.confidence * 10), 0, 9);
        ++score.calibration[bucket].fields.total;
        score.calibration[bucket].fields.right += right;
        if (!it->second.read_by.empty()) {
          Tally& by_engine = score.fields_by_engine[fill + ", " + it->second.read_by];
          ++by_engine.total;
          by_engine.right += right;
        }
      }
      if (routed) {
        ++score.silent_fields.total;
        score.silent_fields.right += right;
      }
    }
  }
  return score;
}

namespace {

std::string Pct(const Tally& t) {
  return t.total ? fmt::format("{:6.2f}% ({}/{})", 100.0 * t.Rate(), t.right, t.total) : "     - (0)";
}

nlohmann::json TallyJson(const Tally& t) { return {{"right", t.right}, {"total", t.total}, {"rate", t.Rate()}}; }

}  // namespace

std::string FormatScore(const Score& s) {
  std::string out;
  out += fmt::format("documents: {} in truth, {} requests, {} matched\n", s.truth_documents, s.requests, s.matched);
  out += fmt::format("classification        {}\n", Pct(s.classification));
  for (const auto& [channel, t] : s.classification_by_channel) out += fmt::format("  {:<20}{}\n", channel, Pct(t));
  out += fmt::format("routing               {}\n", Pct(s.routing));
  out += fmt::format("fields (filled)       {}\n", Pct(s.fields));
  for (const auto& [fill, t] : s.fields_by_fill) out += fmt::format("  fill {:<15}{}\n", fill, Pct(t));
  for (const auto& [engine, t] : s.fields_by_engine) out += fmt::format("  read by {:<22}{}\n", engine, Pct(t));
  for (const auto& [channel, t] : s.fields_by_channel) out += fmt::format("  channel {:<15}{}\n", channel, Pct(t));
  for (const auto& [kind, t] : s.fields_by_kind) out += fmt::format("  kind {:<15}{}\n", kind, Pct(t));
  out += fmt::format("blank fields left out {}\n", Pct(s.blank_fields));
  out += fmt::format("straight-through      {}\n", Pct(s.straight_through));
  const Tally silent_wrong{s.silent_fields.total - s.silent_fields.right, s.silent_fields.total};
  const Tally queue_wrong{s.silent_queues.total - s.silent_queues.right, s.silent_queues.total};
  out += fmt::format("silent field errors   {}\n", Pct(silent_wrong));
  out += fmt::format("silent queue errors   {}\n", Pct(queue_wrong));
  out += fmt::format("must-review held      {}\n", Pct(s.must_review_held));
  out += "calibration (confidence -> observed accuracy)\n";
  for (const CalibrationBucket& b : s.calibration) {
    if (b.fields.total) out += fmt::format("  [{:.1f}, {:.1f})  {}\n", b.low, b.high, Pct(b.fields));
  }
  return out;
}

nlohmann::json ScoreJson(const Score& s) {
  nlohmann::json j = {{"truth_documents", s.truth_documents},
                      {"requests", s.requests},
                      {"matched", s.matched},
                      {"classification", TallyJson(s.classification)},
                      {"routing", TallyJson(s.routing)},
                      {"fields", TallyJson(s.fields)},
                      {"blank_fields_left_out", TallyJson(s.blank_fields)},
                      {"straight_through", TallyJson(s.straight_through)},
                      {"silent_fields", TallyJson(s.silent_fields)},
                      {"silent_queues", TallyJson(s.silent_queues)},
                      {"must_review_held", TallyJson(s.must_review_held)}};
  for (const auto& [k, t] : s.fields_by_kind) j["fields_by_kind"][k] = TallyJson(t);
  for (const auto& [k, t] : s.fields_by_channel) j["fields_by_channel"][k] = TallyJson(t);
  for (const auto& [k, t] : s.fields_by_fill) j["fields_by_fill"][k] = TallyJson(t);
  for (const auto& [k, t] : s.fields_by_engine) j["fields_by_engine"][k] = TallyJson(t);
  for (const auto& [k, t] : s.classification_by_channel) j["classification_by_channel"][k] = TallyJson(t);
  for (const CalibrationBucket& b : s.calibration) {
    j["calibration"].push_back(
        {{"low", b.low}, {"high", b.high}, {"right", b.fields.right}, {"total", b.fields.total}});
  }
  return j;
}

}  // namespace intake
