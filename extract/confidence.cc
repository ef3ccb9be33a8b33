#include "extract/confidence.h"

#include <algorithm>
#include <cmath>

namespace intake {
namespace {

// ---- The calibration constants
// ------------------------------------------------
//
// Text: a logistic model of the evidence, confidence = 1 / (1 + e^-z), with
//   z = bias + strict [passed a strict format] + loose [passed a shape check]
//       + repaired + implausible [when so] + ocr * (Tesseract's score)
//       + tess_agree * (Tesseract readings giving the value)
//       + tess_disagree * (those giving another) + rec_agree [recognizer's pick]
//       + rec_share * (the recognizer's beam share) + bare_initial [when so]
//       + unchecked [free text: no grammar to pass]
//       + strict_unconfirmed [passed a strict format, the recognizer read otherwise]
//       + rec_alone [Tesseract not asked: the recognizer was sure]
//       + known [a name, place or text all of whose words the lexicon holds].
// Fitted by extract/calibrate/fit_confidence.py (logistic regression) on the
// decisions DecideWriting makes for the field crops of a held-out corpus,
// on half of its documents; the reliability tables on the other half are in
// extract/calibrate/README.md. Refit whenever the recognizer model or the
// decision changes.
struct TextModel {
  double bias, strict, loose, unchecked, repaired, implausible, ocr, tess_agree, tess_disagree, rec_agree, rec_share,
      strict_unconfirmed, bare_initial, rec_alone, known;
};
// Both engines read the field: fitted on fonts the recognizer never saw.
// (No repaired value was among them: that weight is 0 for want of data.)
constexpr TextModel kBothEngines = {.bias = -4.838,
                                    .strict = 0.348,
                                    .loose = -1.492,
                                    .unchecked = -1.361,
                                    .repaired = 0.000,
                                    .implausible = -2.333,
                                    .ocr = 2.017,
                                    .tess_agree = 2.356,
                                    .tess_disagree = 0.235,
                                    .rec_agree = 1.979,
                                    .rec_share = 3.508,
                                    .strict_unconfirmed = 1.114,
                                    .bare_initial = -6.063,
                                    .rec_alone = 6.795,
                                    .known = 1.096};
// Tesseract alone (multi-line fields, or no recognizer model).
constexpr TextModel kTesseractAlone = {.bias = -1.764,
                                       .strict = 1.521,
                                       .loose = 0.036,
                                       .unchecked = -0.718,
                                       .repaired = -0.371,
                                       .implausible = -2.232,
                                       .ocr = 2.864,
                                       .tess_agree = 0.225,
                                       .tess_disagree = -1.299,
                                       .rec_agree = 0.000,
                                       .rec_share = 0.000,
                                       .strict_unconfirmed = 0.000,
                                       .bare_initial = -7.296,
                                       .rec_alone = 0.000,
                                       .known = 1.333};
// A value that is not a valid value of its format is wrong as reported.
constexpr double kFailedConfidence = 0.02;
// Never claim certainty from OCR: one wrong digit voids a date.
constexpr double kMaxTextConfidence = 0.99;

// Marks: 0.5 at the threshold, 0.975 one spread away.
constexpr double kMarkSteepness = 3;
constexpr double kMaxMarkConfidence = 0.999;

// An e-filled value that did not normalize went in as the sender typed it.
constexpr double kUnnormalizedAcroFormConfidence = 0.3;

}  // namespace

double TextConfidence(const TextEvidence& evidence) {
  if (evidence.format == FormatCheck::kFailed) return kFailedConfidence;
  const TextModel& k = evidence.recognizer_read ? kBothEngines : kTesseractAlone;
  const bool passed = evidence.format == FormatCheck::kPassed;
  const double z =
      k.bias + (passed && evidence.strict_format ? k.strict : 0) + (passed && !evidence.strict_format ? k.loose : 0) +
      (evidence.format == FormatCheck::kNone ? k.unchecked : 0) +
      (passed && evidence.strict_format && !evidence.recognizer_agrees ? k.strict_unconfirmed : 0) +
      (evidence.format == FormatCheck::kRepaired ? k.repaired : 0) +
      (evidence.format == FormatCheck::kImplausible ? k.implausible : 0) + k.ocr * std::clamp(evidence.ocr, 0.0, 1.0) +
      k.tess_agree * evidence.tesseract_agreeing + k.tess_disagree * evidence.tesseract_disagreeing +
      (evidence.recognizer_agrees ? k.rec_agree : 0) + k.rec_share * std::clamp(evidence.recognizer_share, 0.0, 1.0) +
      (evidence.bare_initial ? k.bare_initial : 0) + (evidence.tesseract_asked ? 0 : k.rec_alone) +
      (evidence.known_words ? k.known : 0);
  return std::min(1 / (1 + std::exp(-z)), kMaxTextConfidence);
}

double MarkConfidence(double ink, double threshold, double spread) {
  const double distance = spread > 0 ? std::abs(ink - threshold) / spread : 0;
  return std::min(1 - 0.5 * std::exp(-kMarkSteepness * distance), kMaxMarkConfidence);
}

double AcroFormConfidence(bool normalized) { return normalized ? 1.0 : kUnnormalizedAcroFormConfidence; }

}  // namespace intake
