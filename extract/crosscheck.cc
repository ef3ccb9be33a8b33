#include "extract/crosscheck.h"

#include <algorithm>
#include <optional>
#include <sstream>
#include <vector>

#include "recognizer/lexicon.h"

namespace intake {
namespace {

// Never claim certainty from OCR (confidence.cc's kMaxTextConfidence).
constexpr double kMaxAgreedConfidence = 0.99;
// Two readings of one name differ by a misread letter or two; beyond this
// share of their letters they are not one name.
constexpr double kMaxDisagreement = 0.5;

std::vector<std::string> Words(const std::string& text) {
  std::vector<std::string> words;
  std::istringstream in(text);
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

std::string Joined(const std::vector<std::string>& words, std::size_t from, std::size_t to) {
  std::string out;
  for (std::size_t i = from; i < to; ++i) out += (out.empty() ? "" : " ") + words[i];
  return out;
}

// Case does not count (SPEC section 9), accents do.
std::string Folded(const std::string& text) {
  std::string out = text;
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The letters of an initial ("C." and "C" are one initial).
std::string Letters(const std::string& text) {
  std::string out;
  for (char c : Folded(text)) {
    if (c != '.') out.push_back(c);
  }
  return out;
}

std::optional<std::string> Text(const std::map<std::string, FieldReading>& fields, const std::string& key) {
  const auto it = fields.find(key);
  if (it == fields.end() || !it->second.value.is_string()) return std::nullopt;
  const std::string value = it->second.value.get<std::string>();
  if (value.empty()) return std::nullopt;
  return value;
}

bool SignedBySelf(const std::map<std::string, FieldReading>& fields) {
  const auto it = fields.find("signer.authority");
  if (it == fields.end() || !it->second.value.is_array()) return false;
  const nlohmann::json& options = it->second.value;
  return std::find(options.begin(), options.end(), "self") != options.end();
}

// One part of the name read twice: in the patient's box and within the
// signer's line (words [from, to) of it).
struct Part {
  std::string key;
  std::string value;
  std::size_t from = 0, to = 0;
};

// Initials as compared: folded capitals without dots or spaces ("j. g." is "JG").
std::string InitialLetters(const std::string& text) {
  std::string out;
  for (char c : FoldLetters(text)) {
    if (c >= 'A' && c <= 'Z') out.push_back(c);
  }
  return out;
}

// The initials of a name: the first letters of its first and last names.
std::optional<std::string> InitialsOf(const std::string& first_name, const std::string& last_name) {
  const std::string first = InitialLetters(first_name), last = InitialLetters(last_name);
  if (first.empty() || last.empty()) return std::nullopt;
  return std::string{first.front(), last.front()};
}

// A box read otherwise than the agreeing sources is still a reading against
// them: its replacement is a little less sure than their agreement.
constexpr double kOverruledShare = 0.9;

}  // namespace

void CrossCheckNames(std::map<std::string, FieldReading>& fields) {
  const std::optional<std::string> signer = Text(fields, "signer.name");
  const std::optional<std::string> first = Text(fields, "patient.first_name");
  const std::optional<std::string> last = Text(fields, "patient.last_name");
  if (!SignedBySelf(fields) || !signer || !first || !last || signer->find(',') != std::string::npos) return;
  std::vector<std::string> words = Words(*signer);
  const std::size_t first_words = Words(*first).size(), last_words = Words(*last).size();
  if (first_words + last_words > words.size()) return;
  std::vector<Part> parts = {{"patient.first_name", *first, 0, first_words},
                             {"patient.last_name", *last, words.size() - last_words, words.size()}};
  for (const Part& part : parts) {
    const std::string written = Folded(part.value), signed_as = Folded(Joined(words, part.from, part.to));
    if (EditDistance(written, signed_as) > kMaxDisagreement * std::max(written.size(), signed_as.size())) return;
  }
  // A middle initial only confirms: whether it carries its dot is the
  // writer's choice in each box.
  const std::optional<std::string> initial = Text(fields, "patient.middle_initial");
  if (initial && words.size() == first_words + last_words + 1 && Letters(*initial) == Letters(words[first_words])) {
    FieldReading& reading = fields.at("patient.middle_initial");
    const double agreed = 1 - (1 - reading.confidence) * (1 - fields.at("signer.name").confidence);
    reading.confidence = std::min(std::max(reading.confidence, agreed), kMaxAgreedConfidence);
  }
  FieldReading& signer_reading = fields.at("signer.name");
  bool all_agree = true;
  for (const Part& part : parts) {
    FieldReading& reading = fields.at(part.key);
    const std::string signed_as = Joined(words, part.from, part.to);
    if (Folded(part.value) == Folded(signed_as)) {
      const double agreed = 1 - (1 - reading.confidence) * (1 - signer_reading.confidence);
      reading.confidence = std::min(std::max(reading.confidence, agreed), kMaxAgreedConfidence);
      continue;
    }
    all_agree = false;
    // One reading has an accent the other lost: OCR drops accents far more
    // often than it invents them.
    const bool accent_only = FoldLetters(part.value) == FoldLetters(signed_as);
    const bool take_signed =
        accent_only ? signed_as.size() > part.value.size() : reading.confidence < signer_reading.confidence;
    if (take_signed) {
      reading.value = signed_as;
      reading.confidence = signer_reading.confidence;
    } else {
      // The signer's line takes the patient box's reading of this part (as
      // many words: the parts were cut from the line by the boxes' word
      // counts). Its confidence stays its own: the line's other parts were
      // read only there.
      const std::vector<std::string> replaced = Words(part.value);
      std::copy(replaced.begin(), replaced.end(), words.begin() + part.from);
    }
  }
  const std::string rebuilt = Joined(words, 0, words.size());
  if (rebuilt != *signer) {
    signer_reading.value = rebuilt;
  } else if (all_agree) {
    double agreed = signer_reading.confidence;
    for (const Part& part : parts) agreed = std::max(agreed, fields.at(part.key).confidence);
    signer_reading.confidence = std::min(agreed, kMaxAgreedConfidence);
  }
}

void CrossCheckInitials(std::map<std::string, FieldReading>& fields, const std::vector<std::string>& keys) {
  // The name the initials should be: the signer's, or the patient's when
  // the patient signed and the signer's line was not read.
  std::optional<std::string> named;
  double named_confidence = 0;
  const std::optional<std::string> signer = Text(fields, "signer.name");
  const std::optional<std::string> first = Text(fields, "patient.first_name");
  const std::optional<std::string> last = Text(fields, "patient.last_name");
  const std::vector<std::string> signer_words = signer ? Words(*signer) : std::vector<std::string>{};
  if (signer && signer->find(',') == std::string::npos && signer_words.size() >= 2) {
    // Where the last name begins in the line is not known: its last word.
    named = InitialsOf(signer_words.front(), signer_words.back());
    named_confidence = fields.at("signer.name").confidence;
  } else if (!signer && SignedBySelf(fields) && first && last) {
    named = InitialsOf(*first, *last);
    named_confidence = std::min(fields.at("patient.first_name").confidence, fields.at("patient.last_name").confidence);
  }
  // Each value with the sources giving it: boxes, and the name.
  struct Sources {
    int count = 0;
    std::vector<double> confidences;
    std::map<std::string, int> spellings;  // as written in the boxes ("JG", "J.G.")
  };
  std::map<std::string, Sources> values;
  std::vector<std::string> read;
  for (const std::string& key : keys) {
    const std::optional<std::string> value = Text(fields, key);
    if (!value) continue;
    read.push_back(key);
    Sources& sources = values[InitialLetters(*value)];
    ++sources.count;
    sources.confidences.push_back(fields.at(key).confidence);
    ++sources.spellings[*value];
  }
  if (read.empty()) return;
  if (named) {
    Sources& sources = values[*named];
    ++sources.count;
    sources.confidences.push_back(named_confidence);
  }
  auto winner = values.end();
  bool tied = false;
  for (auto it = values.begin(); it != values.end(); ++it) {
    if (winner == values.end() || it->second.count > winner->second.count) {
      winner = it, tied = false;
    } else if (it->second.count == winner->second.count) {
      tied = true;
    }
  }
  if (tied || winner->second.count < 2 || winner->first.size() < 2) return;
  const Sources& agreed = winner->second;
  std::string spelled = winner->first;  // the name's letters, unless a box wrote them
  int most = 0;
  for (const auto& [spelling, count] : agreed.spellings) {
    if (count > most) spelled = spelling, most = count;
  }
  // Independent sources agreeing: each is wrong alone, all rarely together.
  double all_wrong = 1;
  for (double c : agreed.confidences) all_wrong *= 1 - c;
  for (const std::string& key : read) {
    FieldReading& reading = fields.at(key);
    if (InitialLetters(reading.value.get<std::string>()) == winner->first) {
      reading.confidence = std::min(std::max(reading.confidence, 1 - all_wrong), kMaxAgreedConfidence);
    } else {
      reading.value = spelled;
      reading.confidence = std::min(kOverruledShare * (1 - all_wrong), kMaxAgreedConfidence);
    }
  }
}

}  // namespace intake
