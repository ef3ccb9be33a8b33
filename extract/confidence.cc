#include "extract/confidence.h"

#include <algorithm>
#include <cmath>

namespace intake {
namespace {

// ---- The calibration constants ------------------------------------------------
//
// Text: a logistic model, confidence = 1 / (1 + e^-z), with
//   z = kBias + kOcr * ocr + kOcrTop * max(0, ocr - kOcrTopFrom) / (1 - kOcrTopFrom)
//       + kStrictPassed      when the value passed a strict format check
//       + kAgree * agreeing + kDisagree * (other_readings - agreeing)
//       + kRepaired / kImplausible when so.
// Fitted (logistic regression) on 5,400 fields of AUTH page 1 filled in 8
// DejaVu and 6 Hershey faces, clean and faxed at both resolutions, then
// rounded. On that data fields above 0.95 were 0.6% wrong; on the shared
// samples, held out, typed fields above 0.95 were all right but hand-printed
// ones 3.8% wrong (the faces fitted on are tidier than hands). kRepaired and
// kImplausible had too few cases to fit and are set by judgment. Refit on the
// generated corpus (hand-like fonts included) before routing on them.
constexpr double kBias = 0.28;
constexpr double kOcr = 1.12;
constexpr double kOcrTop = 1.46;
constexpr double kOcrTopFrom = 0.9;
constexpr double kStrictPassed = 1.22;
constexpr double kAgree = 1.30;
constexpr double kDisagree = -1.21;
constexpr double kRepaired = -0.5;
constexpr double kImplausible = -2.0;
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
  const double ocr = std::clamp(evidence.ocr, 0.0, 1.0);
  double z = kBias + kOcr * ocr + kOcrTop * std::max(0.0, ocr - kOcrTopFrom) / (1 - kOcrTopFrom);
  if (evidence.format == FormatCheck::kPassed && evidence.strict_format) z += kStrictPassed;
  if (evidence.format == FormatCheck::kRepaired) z += kRepaired;
  if (evidence.format == FormatCheck::kImplausible) z += kImplausible;
  z += kAgree * evidence.agreeing + kDisagree * (evidence.other_readings - evidence.agreeing);
  return std::min(1 / (1 + std::exp(-z)), kMaxTextConfidence);
}

double MarkConfidence(double ink, double threshold, double spread) {
  const double distance = spread > 0 ? std::abs(ink - threshold) / spread : 0;
  return std::min(1 - 0.5 * std::exp(-kMarkSteepness * distance), kMaxMarkConfidence);
}

double AcroFormConfidence(bool normalized) { return normalized ? 1.0 : kUnnormalizedAcroFormConfidence; }

}  // namespace intake
