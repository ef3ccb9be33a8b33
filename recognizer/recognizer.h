// recognizer/recognizer.h: intake's own reader of hand-printed and typed field values.
//
// A small convolutional network with CTC output (recognizer/train/train.py,
// trained on crops of the corpus's hand-like and typed fonts, judged on fonts
// it never saw; figures in recognizer/models/MODEL.md), run through OpenCV's
// dnn module: no Python at run time. It reads the crop WritingInField gives
// (one line of writing on a white ground) and returns the best few readings
// from a CTC prefix beam search restricted to the characters the field's
// format can hold (digits only for an MRN, letters with Spanish accents for a
// name, ...). The caller applies the format's grammar:
//
//   static const Result<FieldRecognizer> recognizer = FieldRecognizer::Load(DefaultRecognizerModel());
//   std::vector<Candidate> read = recognizer->Read(crop, FieldFormat::kDate, 8);
//   for (std::size_t i = 0; i < read.size(); ++i) {
//     if (auto value = NormalizeValue(format, read[i].text, language)) {
//       confidence = recognizer->Confidence(read, i, true);  // first that passes the grammar
//       ...
//     }
//   }
//   // none passed: read[0].text with recognizer->Confidence(read, 0, false)
//
// Thread-safe: Read serializes calls on one object (one network inside, about
// 3-7 ms a crop); give each worker thread its own FieldRecognizer to read in parallel.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/image.h"
#include "recognizer/lexicon.h"
#include "templates/template.h"

namespace intake {

/// One reading of a crop; log_prob is the CTC probability of the text (all its alignments).
struct Candidate {
  std::string text;  // UTF-8
  double log_prob = 0;
};

/// A crop's readings: the beam, and the reading in words of a lexicon.
struct RecognizerReading {
  std::vector<Candidate> beam;     // as Read gives it
  std::optional<Candidate> words;  // the most probable reading whose every run of letters
                                   // is a word of the lexicon or a lone initial (none asked,
                                   // or none stayed in the search's beam)
};

class FieldRecognizer {
 public:
  /// Loads `model` (field_recognizer.onnx) and the note beside it
  /// (field_recognizer.json: alphabet, input size, calibration). Fails with
  /// kIoError when the note is missing, kInternal when either does not load.
  static Result<FieldRecognizer> Load(const std::filesystem::path& model);

  FieldRecognizer(FieldRecognizer&&) noexcept;
  FieldRecognizer& operator=(FieldRecognizer&&) noexcept;
  ~FieldRecognizer();

  /// The `beams` most probable readings of a one-line crop (white ground, dark
  /// ink, any size), most probable first, using only the characters `format`
  /// can hold. Empty when the crop is empty or the network fails.
  std::vector<Candidate> Read(const GrayImage& crop, FieldFormat format, int beams = 8) const;

  /// Read's beam and, given a lexicon, the most probable reading made of its words. In that search a
  /// space inside a word the lexicon does not know is not a space (hand
  /// printing is spaced wide: "WEYM OUTH" is WEYMOUTH), and letters right
  /// after digits are not looked up ("2ND"). The log_probs compare: a reading
  /// in words far less probable than the free one means the writer wrote a
  /// word the lexicon lacks.
  RecognizerReading Recognize(const GrayImage& crop, FieldFormat format, int beams,
                              const Lexicon* lexicon = nullptr) const;

  /// 0..1, the chance that candidates[chosen] is the right value: from its
  /// share of the beam's probability, its own probability and whether it
  /// passed the format's grammar; calibrated on fonts the network never saw.
  double Confidence(const std::vector<Candidate>& candidates, std::size_t chosen, bool grammar_passed) const;

 private:
  struct Impl;
  explicit FieldRecognizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// The characters a value of `format` may be written with (UTF-8): what Read keeps.
std::string FormatAlphabet(FieldFormat format);

/// The shipped model: recognizer/models/field_recognizer.onnx of the source tree.
std::filesystem::path DefaultRecognizerModel();

}  // namespace intake
