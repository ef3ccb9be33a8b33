// extract/fields.h: reads every field of a registered form, with a confidence.
//
// Each field kind has its own method: text through OCR on the field's own
// box (printed lines and label removed first, a page-segmentation mode and
// character set suited to its format), checkboxes by the ink inside the
// printed square against the blank template, initials boxes (present, and
// what is written), the signature by ink in its box beyond what the blank
// form prints. Electronically filled PDFs are read from their AcroForm values
// with full confidence, no OCR. Values are normalized as SPEC section 4 says;
// checkbox groups are reported once under the group key with the sorted list
// of checked options (an empty list when none is checked, as long as the
// group's page is there); blank fields are left out.
//
//   std::map<std::string, FieldReading> fields =
//       ReadFields(form, registered_pages, ocr);
//
// Every FieldReading carries `page`, the 1-based page of the FILE the value
// was read on, and `box`, the field's box [x, y, w, h] in pixels of the
// registered page (template coordinates at kTemplateDpi, origin top-left):
// the widget rectangle for text and initials, the printed square for one
// checkbox, the union of the group's squares for a checkbox group, the drawn
// box for the signature. The caller draws it on the registered page.
//
// How a text field's writing is read is in extract/reading.h; how the
// evidence becomes a confidence in extract/confidence.h.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "classifiers/identify.h"
#include "core/image.h"
#include "core/request.h"
#include "decode/decode.h"
#include "extract/reading.h"
#include "ocr/engine.h"
#include "templates/template.h"

namespace intake {

/// `pages[i]` is template page i+1 as registered, or nullopt when that page is missing.
/// `file_pages[i]` is the file page number it came from (reported in FieldReading::page).
/// Fields on a missing page are left out; a page whose size is not its
/// template's blank (a registration bug) is treated as missing.
/// `signature.present` is always reported (true or false) when its page is there.
/// A box with ink that OCR cannot read at all is reported with value "" and
/// confidence 0, so a person looks at it rather than the field vanishing.
/// The patient's name and the signer's, when the patient signed, are read
/// against each other (extract/crosscheck.h).
/// Accents are read only when `ocr` puts Spanish first (OcrOptions::languages
/// "spa+eng"): with "eng+spa" Tesseract reads "Peña" as "Pena".
std::map<std::string, FieldReading> ReadFields(const FormTemplate& form,
                                               const std::vector<std::optional<RegisteredPage>>& pages,
                                               const std::vector<std::optional<int>>& file_pages, OcrEngine& ocr);

/// Fields of an electronically filled PDF from its AcroForm values (confidence 1).
/// Values are matched to the template by widget name (checkboxes by kind too,
/// since "purpose.other" may be both a checkbox and a text widget); a
/// checkbox whose value is "Off" is unchecked. A text value that does not
/// normalize for its format (a date typed as "sometime in May") is reported
/// as typed, white space folded, with a low confidence (see confidence.h).
/// `signature.present` is NOT reported: an e-filled form has no drawn
/// signature in its values, and whether someone signed the printed box can
/// only be seen on the rendered page; the caller decides with ReadSignature.
std::map<std::string, FieldReading> FieldsFromAcroForm(const FormTemplate& form,
                                                       const std::vector<AcroFormValue>& values);

/// Normalization of one text value by format (SPEC section 4); nullopt when it
/// cannot be a valid value of that format:
///   date     M/D/YY, MM/DD/YYYY, M-D-YYYY, M.D.YYYY, YYYY-MM-DD, MMDDYYYY and
///            written months ("March 5, 2026"; "5 de marzo de 2026" for "es")
///            -> YYYY-MM-DD. Every shipped form asks MM/DD/YYYY, the Spanish
///            ones too (MM/DD/AAAA), so numbers are read month first in both
///            languages, and day first only when month first is no date
///            (25/12/2026). Two-digit years as NormalizeDate(kNearToday).
///   phone    10 digits (a leading 1 or +1 dropped); area code and exchange
///            must be valid North American numbers.
///   zip      5 digits, or ZIP+4 as "NNNNN-NNNN".
///   state    the USPS code of a state, DC or an inhabited territory, from
///            the code or the name (English or Spanish, accents optional).
///   mrn      digits only, kMrnMinDigits..kMrnMaxDigits long.
///   email    lower case, white space removed, name@domain.tld shape.
///   name, city, initial, initials: as written (case and accents kept),
///            white space folded; letters and ' - . , only; an initial is one
///            letter (with an optional dot), initials are up to 4 letters.
///   street, text: as written, white space folded.
/// `language` ("en", "es") selects the month names understood in written dates.
std::optional<std::string> NormalizeValue(FieldFormat format, const std::string& text, const std::string& language);

/// MRN lengths in use at the hospital (the samples hold 7- and 8-digit MRNs).
inline constexpr int kMrnMinDigits = 7;
inline constexpr int kMrnMaxDigits = 8;

/// How a two-digit year is given its century.
enum class DateRole {
  kPast,       // a date of birth: the latest year not after the reference year
  kNearToday,  // signature, service, exam, expiration dates: within 80 years
               // before the reference year and 19 after
};

/// A date as NormalizeValue(kDate) reads it, two-digit years placed by `role`
/// around `reference_year` (the current year in ReadFields).
std::optional<std::string> NormalizeDate(const std::string& text, const std::string& language, DateRole role,
                                         int reference_year);

/// The writing in a text or initials box (`widget`, template pixels) on a
/// white ground: the ink the blank form does not print there, with strokes cut
/// by its printed lines mended, cut to the writing with a small margin; what a
/// recognizer is given. nullopt when the box has no writing.
std::optional<GrayImage> WritingInField(const GrayImage& page, const GrayImage& blank, Box widget);

/// A mark decision: is there ink the filler put there?
struct MarkReading {
  bool present = false;
  double confidence = 0;  // 0..1 that `present` is right
  double ink = 0;         // what was measured (see each function)
};

/// A checkbox: ink inside the printed `square` (template pixels), inset past
/// its border, that the blank form does not print there. An X, a check mark
/// and a filled dot count; a mark beside the square does not. `ink` is the
/// share of the inner square covered.
MarkReading ReadCheckbox(const GrayImage& page, const GrayImage& blank, Box square);

/// The signature: ink inside the drawn `box` beyond what the blank form prints
/// there (its "X" and signing line), speckles and leftover printed lines
/// ignored. `ink` is the count of such pixels.
MarkReading ReadSignature(const GrayImage& page, const GrayImage& blank, Box box);

}  // namespace intake
