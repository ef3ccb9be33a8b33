#include "recognizer/recognizer.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <mutex>
#include <optional>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

namespace intake {
namespace {

namespace fs = std::filesystem;

constexpr double kNegInf = -std::numeric_limits<double>::infinity();
// A character below this probability at a step is not tried there: it would
// not reach the beam, and skipping it keeps the search to a few ms.
const double kMinStepLogProb = std::log(1e-4);
constexpr int kSearchBeam = 16;
// Readings made of words fall out of the beam where the free search would
// keep them: a wider beam finds the lexicon's best.
constexpr int kLexiconBeam = 32;

double LogAdd(double a, double b) {
  if (a == kNegInf) return b;
  if (b == kNegInf) return a;
  return std::max(a, b) + std::log1p(std::exp(-std::abs(a - b)));
}

// UTF-8 text split into characters.
std::vector<std::string> Characters(const std::string& text) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    const std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : 4;
    out.push_back(text.substr(i, n));
    i += n;
  }
  return out;
}

constexpr char kDigits[] = "0123456789";
constexpr char kUpper[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
constexpr char kLower[] = "abcdefghijklmnopqrstuvwxyz";
constexpr char kAccentedUpper[] = "ÁÉÍÓÚÜÑ";
constexpr char kAccentedLower[] = "áéíóúüñ";

// How the note's calibration turns a reading's evidence into a probability
// of being right: a logistic model fitted on held-out fonts.
struct Calibration {
  double bias = 0, log_share = 0, grammar = 0, log_prob = 0;
};

// Where a prefix stands in its last word, in the lexicon search.
struct WordState {
  Lexicon::Range letters;     // the lexicon's words that start with the word's letters so far
  bool after_digits = false;  // the word began with digits: its letters are not looked up
};

// Whether the word a prefix ends in may end there: a word of the lexicon,
// digits' letters, or a lone letter (an initial).
bool Complete(const Lexicon& lexicon, const WordState& word) {
  return word.after_digits || word.letters.depth <= 1 || lexicon.IsWord(word.letters);
}

struct Prefix {
  double blank = kNegInf;      // log probability of the prefix, its last step a blank
  double not_blank = kNegInf;  // ... its last step its last character
  WordState word;              // lexicon search only
  double Total() const { return LogAdd(blank, not_blank); }
};

}  // namespace

struct FieldRecognizer::Impl {
  mutable std::mutex mutex;  // cv::dnn::Net::forward is not reentrant
  mutable cv::dnn::Net net;
  int height = 32, width = 320;
  std::vector<std::string> alphabet;                // class k+1 is alphabet[k]; class 0 the CTC blank
  std::map<FieldFormat, std::vector<int>> allowed;  // classes a format may emit (blank first)
  Calibration calibration;

  // Log probabilities per step (T x classes) over `classes` only.
  cv::Mat Forward(const GrayImage& crop) const;
  // Log probabilities per step (T x classes.size(), row-major) of the
  // format's classes, renormalized over them.
  std::vector<float> Masked(const cv::Mat& logits, const std::vector<int>& classes) const;
  // The CTC prefix beam search; with a lexicon, every run of letters must
  // be one of its words (or a lone initial).
  std::vector<Candidate> Search(const std::vector<float>& masked, const std::vector<int>& classes, int beams,
                                const Lexicon* lexicon = nullptr) const;
  // Where a prefix stands after class `c`; none when no word goes on so.
  std::optional<WordState> Next(const Lexicon& lexicon, const WordState& word, int c) const;
};

cv::Mat FieldRecognizer::Impl::Forward(const GrayImage& crop) const {
  // As train.py's prepare(): height scaled to the input's, width alike
  // (squeezed when too wide), left-aligned on white, ink 1 and ground 0.
  const cv::Mat gray(crop.height, crop.width, CV_8UC1, const_cast<std::uint8_t*>(crop.pixels.data()));
  const int new_w =
      std::clamp(static_cast<int>(std::floor(crop.width * static_cast<double>(height) / crop.height + 0.5)), 1, width);
  cv::Mat small;
  cv::resize(gray, small, cv::Size(new_w, height), 0, 0, cv::INTER_AREA);
  cv::Mat canvas(height, width, CV_8UC1, cv::Scalar(255));
  small.copyTo(canvas(cv::Rect(0, 0, new_w, height)));
  cv::Mat input;
  canvas.convertTo(input, CV_32F, -1.0 / 255.0, 1.0);
  const int shape[] = {1, 1, height, width};
  const cv::Mat blob = cv::Mat(4, shape, CV_32F, input.data).clone();
  std::lock_guard lock(mutex);
  net.setInput(blob);
  cv::Mat out = net.forward();  // 1 x C x 1 x T
  const int classes = out.size[1], steps = out.size[3];
  return cv::Mat(classes, steps, CV_32F, out.ptr<float>()).t();  // T x C
}

std::vector<float> FieldRecognizer::Impl::Masked(const cv::Mat& logits, const std::vector<int>& classes) const {
  // The softmax over the format's classes only: the mask.
  std::vector<float> out(static_cast<std::size_t>(logits.rows) * classes.size());
  for (int t = 0; t < logits.rows; ++t) {
    const float* row = logits.ptr<float>(t);
    double top = kNegInf;
    for (int c : classes) top = std::max(top, static_cast<double>(row[c]));
    double sum = 0;
    for (int c : classes) sum += std::exp(row[c] - top);
    for (std::size_t i = 0; i < classes.size(); ++i) {
      out[t * classes.size() + i] = static_cast<float>(row[classes[i]] - top - std::log(sum));
    }
  }
  return out;
}

std::vector<Candidate> FieldRecognizer::Impl::Search(const std::vector<float>& masked, const std::vector<int>& classes,
                                                     int beams, const Lexicon* lexicon) const {
  // Which class of `classes` is the space (-1: none), for the lexicon search below.
  int space = -1;
  for (std::size_t i = 1; i < classes.size(); ++i) {
    if (alphabet[classes[i] - 1] == " ") space = static_cast<int>(i);
  }
  std::map<std::vector<int>, Prefix> beam;
  beam[{}].blank = 0;
  if (lexicon) beam[{}].word = {lexicon->All(), false};
  const std::size_t steps = masked.size() / classes.size();
  for (std::size_t t = 0; t < steps; ++t) {
    const float* step = &masked[t * classes.size()];

    std::map<std::vector<int>, Prefix> next;
    for (const auto& [labels, p] : beam) {
      const double total = p.Total();
      Prefix& same = next[labels];
      same.word = p.word;
      double blank = step[0];
      // In the middle of a word no space can fall: a gap the network took
      // for one (hand printing is spaced wide) is nothing.
      if (lexicon && space > 0 && !Complete(*lexicon, p.word)) blank = LogAdd(blank, step[space]);
      same.blank = LogAdd(same.blank, total + blank);
      for (std::size_t i = 1; i < classes.size(); ++i) {
        if (step[i] < kMinStepLogProb) continue;
        const int c = classes[i];
        WordState word;
        if (lexicon) {
          const std::optional<WordState> after = Next(*lexicon, p.word, c);
          if (!after) continue;
          word = *after;
        }
        std::vector<int> extended = labels;
        extended.push_back(c);
        Prefix& grown = next[extended];
        grown.word = word;
        if (!labels.empty() && labels.back() == c) {
          // A repeated character needs a blank between; without one it is the same character held.
          grown.not_blank = LogAdd(grown.not_blank, p.blank + step[i]);
          Prefix& held = next[labels];
          held.not_blank = LogAdd(held.not_blank, p.not_blank + step[i]);
        } else {
          grown.not_blank = LogAdd(grown.not_blank, total + step[i]);
        }
      }
    }
    std::vector<std::pair<double, const std::vector<int>*>> ranked;
    for (const auto& [labels, p] : next) ranked.push_back({p.Total(), &labels});
    const std::size_t keep =
        std::min<std::size_t>(ranked.size(), std::max(lexicon ? kLexiconBeam : kSearchBeam, beams));
    std::partial_sort(ranked.begin(), ranked.begin() + keep, ranked.end(),
                      [](const auto& a, const auto& b) { return a.first > b.first; });
    std::map<std::vector<int>, Prefix> kept;
    for (std::size_t i = 0; i < keep; ++i) kept.emplace(*ranked[i].second, next.at(*ranked[i].second));
    beam = std::move(kept);
  }
  std::vector<Candidate> out;
  for (const auto& [labels, p] : beam) {
    if (labels.empty() || (lexicon && !Complete(*lexicon, p.word))) continue;
    Candidate candidate{"", p.Total()};
    for (int c : labels) candidate.text += alphabet[c - 1];
    out.push_back(std::move(candidate));
  }
  std::sort(out.begin(), out.end(), [](const Candidate& a, const Candidate& b) { return a.log_prob > b.log_prob; });
  if (out.size() > static_cast<std::size_t>(beams)) out.resize(beams);
  return out;
}

std::optional<WordState> FieldRecognizer::Impl::Next(const Lexicon& lexicon, const WordState& word, int c) const {
  const std::string& character = alphabet[c - 1];
  if (const char letter = FoldLetter(character)) {
    // Letters right after digits ("2ND", "APT 4B") are not a word to look up.
    if (word.after_digits) return word;
    const Lexicon::Range letters = lexicon.Extend(word.letters, letter);
    if (letters.Empty()) return std::nullopt;
    return WordState{letters, false};
  }
  if (!Complete(lexicon, word)) return std::nullopt;
  const bool digit = character.size() == 1 && character[0] >= '0' && character[0] <= '9';
  return WordState{lexicon.All(), digit};
}

Result<FieldRecognizer> FieldRecognizer::Load(const fs::path& model) {
  fs::path note_path = model;
  note_path.replace_extension(".json");
  std::ifstream note_file(note_path);
  if (!note_file) {
    return Fail(ErrorCode::kIoError, "the field recognizer's note " + note_path.string() + " is missing");
  }
  auto impl = std::make_unique<Impl>();
  try {
    const nlohmann::json note = nlohmann::json::parse(note_file);
    impl->height = note.at("input").at("height").get<int>();
    impl->width = note.at("input").at("width").get<int>();
    impl->alphabet = Characters(note.at("alphabet").get<std::string>());
    if (note.contains("calibration")) {
      const nlohmann::json& c = note["calibration"];
      impl->calibration = {c.at("bias").get<double>(), c.at("log_share").get<double>(), c.at("grammar").get<double>(),
                           c.at("log_prob").get<double>()};
    }
    impl->net = cv::dnn::readNetFromONNX(model.string());
    if (impl->net.empty()) return Fail(ErrorCode::kInternal, "the field recognizer model does not load");
    impl->net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    impl->net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
  } catch (const std::exception& e) {
    return Fail(ErrorCode::kInternal, "the field recognizer model " + model.string() + " does not load: " + e.what());
  }
  for (FieldFormat format : {FieldFormat::kText, FieldFormat::kName, FieldFormat::kInitial, FieldFormat::kDate,
                             FieldFormat::kMrn, FieldFormat::kPhone, FieldFormat::kEmail, FieldFormat::kStreet,
                             FieldFormat::kCity, FieldFormat::kState, FieldFormat::kZip, FieldFormat::kInitials,
                             FieldFormat::kRelationship}) {
    const std::vector<std::string> wanted = Characters(FormatAlphabet(format));
    std::vector<int> classes = {0};
    for (std::size_t k = 0; k < impl->alphabet.size(); ++k) {
      if (wanted.empty() || std::find(wanted.begin(), wanted.end(), impl->alphabet[k]) != wanted.end()) {
        classes.push_back(static_cast<int>(k) + 1);
      }
    }
    impl->allowed[format] = std::move(classes);
  }
  return FieldRecognizer(std::move(impl));
}

FieldRecognizer::FieldRecognizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FieldRecognizer::FieldRecognizer(FieldRecognizer&&) noexcept = default;
FieldRecognizer& FieldRecognizer::operator=(FieldRecognizer&&) noexcept = default;
FieldRecognizer::~FieldRecognizer() = default;

std::vector<Candidate> FieldRecognizer::Read(const GrayImage& crop, FieldFormat format, int beams) const {
  return Recognize(crop, format, beams).beam;
}

RecognizerReading FieldRecognizer::Recognize(const GrayImage& crop, FieldFormat format, int beams,
                                             const Lexicon* lexicon) const {
  if (crop.Empty() || beams < 1) return {};
  try {
    const cv::Mat logits = impl_->Forward(crop);
    if (logits.cols != static_cast<int>(impl_->alphabet.size()) + 1) return {};
    const std::vector<int>& classes = impl_->allowed.at(format);
    const std::vector<float> masked = impl_->Masked(logits, classes);
    RecognizerReading reading;
    reading.beam = impl_->Search(masked, classes, beams);
    if (lexicon && !lexicon->Empty()) {
      std::vector<Candidate> words = impl_->Search(masked, classes, 1, lexicon);
      if (!words.empty()) reading.words = std::move(words.front());
    }
    return reading;
  } catch (const std::exception&) {
    // An OpenCV failure on one crop leaves that field to Tesseract or a person.
    return {};
  }
}

double FieldRecognizer::Confidence(const std::vector<Candidate>& candidates, std::size_t chosen,
                                   bool grammar_passed) const {
  if (chosen >= candidates.size()) return 0;
  double all = kNegInf;
  for (const Candidate& c : candidates) all = LogAdd(all, c.log_prob);
  const Calibration& k = impl_->calibration;
  const double z = k.bias + k.log_share * (candidates[chosen].log_prob - all) + k.grammar * (grammar_passed ? 1 : 0) +
                   k.log_prob * candidates[chosen].log_prob;
  return 1 / (1 + std::exp(-z));
}

std::string FormatAlphabet(FieldFormat format) {
  const std::string digits = kDigits, upper = kUpper, lower = kLower;
  const std::string letters = upper + lower + kAccentedUpper + kAccentedLower;
  switch (format) {
    case FieldFormat::kMrn:
      return digits;
    case FieldFormat::kZip:
      return digits + "-";
    case FieldFormat::kPhone:
      return digits + "()-. ";
    case FieldFormat::kDate:
      return digits + "/-.";
    case FieldFormat::kState:
      return upper + " ";
    case FieldFormat::kName:
    case FieldFormat::kCity:
      return letters + " -.,'";
    case FieldFormat::kRelationship:
      return letters + " -'";
    case FieldFormat::kInitial:
    case FieldFormat::kInitials:
      return upper + kAccentedUpper + ".";
    case FieldFormat::kEmail:
      return upper + lower + digits + "@._-+";
    case FieldFormat::kStreet:
    case FieldFormat::kText:
      return "";  // every character the model knows
  }
  return "";
}

fs::path DefaultRecognizerModel() { return fs::path(INTAKE_RECOGNIZER_MODELS_DIR) / "field_recognizer.onnx"; }

}  // namespace intake
