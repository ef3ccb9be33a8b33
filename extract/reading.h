// extract/reading.h: how the writing in one text field becomes a value with a confidence.
//
// ReadFields (fields.h) cuts each text field's writing out of the registered
// page (WritingInField) and hands it here. Two engines read it: Tesseract,
// held to the characters the field's format can hold, and intake's own
// recognizer (recognizer/), whose beam gives several readings. Every reading
// is interpreted against the field's grammar: a date that exists and is
// plausible for its role, a 10-digit North American phone, a state code, ...
//
// A one-line field is read by the recognizer first; a date, phone, MRN, ZIP
// or state it is all but sure of is taken as read. Otherwise Tesseract reads
// it once, and a field of letters once more (strokes a pixel thicker) when
// the two engines do not agree on a value its grammar accepts. A multi-line
// field, which the recognizer does not read, is read by Tesseract three
// times (the crop as is, strokes a pixel thicker, the crop smaller: a misread
// hand-printed character changes under such small changes while a sound
// reading stays). The readings vote: the grammar's verdict first, then the
// number of readings. The confidence comes from a logistic model of the
// evidence (which engines agree, the recognizer's share of its beam, the
// grammar's verdict, Tesseract's own score) fitted on fields of the
// generated corpus in fonts the recognizer never saw (extract/calibrate/).
//
//   const ReadingContext context = ReadingContext::Now("en");
//   FieldReading r = ReadWriting(field, crop, context, ocr);   // r.value, r.confidence
//
// GatherEvidence and DecideWriting are ReadWriting's two halves, public for
// extract/calibrate/field_evidence, which gathers every reading of held-out
// crops so the decision's constants can be fitted and checked.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/image.h"
#include "core/request.h"
#include "extract/confidence.h"
#include "ocr/engine.h"
#include "recognizer/recognizer.h"
#include "templates/template.h"

namespace intake {

/// What the grammar needs besides the text: the form's language (month names,
/// day/month order) and today (two-digit years, plausible dates).
struct ReadingContext {
  std::string language;  // "en", "es"
  int year = 0;
  std::string today;  // YYYY-MM-DD
  static ReadingContext Now(std::string language);
};

/// A reading against its field's format: the normalized value (as read, white
/// space folded, when it does not normalize) and the grammar's verdict. Typical
/// misreadings are undone first (an '@' read as '0', a lost date separator).
struct Interpretation {
  std::string value;
  FormatCheck check = FormatCheck::kNone;
};
Interpretation Interpret(const TemplateField& field, const std::string& text, const ReadingContext& context);

/// The words a field of `format` is read in: a relationship's few dozen
/// (Lexicon::Relationships), or the dictionaries' (Lexicon::Default).
const Lexicon& LexiconOf(FieldFormat format);

/// One Tesseract reading of a crop; confidence is its least sure word's, 0..1.
struct OcrReading {
  std::string text;
  double confidence = 0;
};

/// Everything read from one field's writing.
struct WritingEvidence {
  std::vector<OcrReading> tesseract;  // the crop as is, then thickened, then smaller: as many as were read
  RecognizerReading recognizer;       // its beam (empty for multi-line fields) and, for names, places and
                                      // text, its reading in words of the lexicon
  bool recognizer_read = false;
};

/// `so_far` with the readings of `crop` (WritingInField's image) it lacks:
/// Tesseract up to `tesseract_reads` times (1..3, in the order above) and,
/// for one-line fields, the recognizer's beam.
WritingEvidence GatherEvidence(const TemplateField& field, const GrayImage& crop, OcrEngine& ocr, int tesseract_reads,
                               WritingEvidence so_far = {});

/// The value the evidence supports and its calibrated confidence.
struct WritingDecision {
  std::string value;
  double confidence = 0;
  std::string engine;           // "tesseract", "recognizer" or "both": who read the value
  bool confirmed = false;       // every engine asked read it and the grammar accepts it
  double recognizer_share = 0;  // share of the recognizer's beam on readings that mean it
};
WritingDecision DecideWriting(const TemplateField& field, const WritingEvidence& evidence,
                              const ReadingContext& context);

/// The field's value from its writing: GatherEvidence and DecideWriting, as
/// many readings as said above.
FieldReading ReadWriting(const TemplateField& field, const GrayImage& crop, const ReadingContext& context,
                         OcrEngine& ocr);

/// The characters Tesseract may return for a value of `format` ("" for
/// street and free text: anything).
std::string OcrCharacters(FieldFormat format);

}  // namespace intake
