// extract/confidence.h: how the evidence about one field becomes the
// confidence that its value is exactly right.
//
// Every number that shapes a confidence is in confidence.cc, in one place, so
// the mapping can be calibrated on the generated corpus (of the fields given
// 0.9, about nine in ten must be right) without touching the readers.
//
//   double c = TextConfidence({.format = FormatCheck::kPassed, .strict_format = true, .ocr = 0.93,
//                              .tesseract_agreeing = 1, .recognizer_agrees = true, .recognizer_share = 0.9});
#pragma once

namespace intake {

/// What the format says about a text value.
enum class FormatCheck {
  kNone,         // free text: nothing to check
  kPassed,       // normalized and plausible (a real date in range, 10-digit phone, ...)
  kImplausible,  // normalized, but unlikely (a date of birth in the future)
  kRepaired,     // normalized after undoing a typical misreading (an '@' read as '0')
  kFailed,       // does not normalize: reported as read, for a person to fix
};

/// What the readings of one text field say about the value chosen (reading.h).
struct TextEvidence {
  FormatCheck format = FormatCheck::kNone;
  // The format's check is strict enough that a misread character rarely
  // passes it (date, MRN, ZIP, phone, state), unlike the shape checks of
  // names and e-mail addresses.
  bool strict_format = false;
  double ocr = 0;                  // Tesseract's best word-level score for the value, 0..1 (0: it never read it)
  int tesseract_agreeing = 0;      // Tesseract readings (as is, thicker, smaller) that gave the value
  int tesseract_disagreeing = 0;   // ... that gave another one
  bool recognizer_read = false;    // the recognizer read the field (one-line fields, model loaded)
  bool tesseract_asked = true;     // false: the recognizer was sure enough alone
  bool recognizer_agrees = false;  // its most probable reading the grammar accepts is the value
  double recognizer_share = 0;     // share of the recognizer's beam on readings that mean the value
  bool bare_initial = false;       // a name with a one-letter word: its dot is what OCR loses
  bool known_words = false;        // a name, place or text whose every word is in the lexicon
};

/// Confidence of an OCR-read text value.
double TextConfidence(const TextEvidence& evidence);

/// Confidence of a mark decision (checkbox, signature) from where the measured
/// `ink` lies against the decision `threshold`: `spread` is how far from the
/// threshold (in the same units) a reading must lie to be all but certain.
double MarkConfidence(double ink, double threshold, double spread);

/// Confidence of an electronically filled value: 1 when it normalized, low
/// when it did not (a person must put it in the right format).
double AcroFormConfidence(bool normalized);

}  // namespace intake
