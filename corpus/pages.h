// corpus/pages.h: private to the corpus module. Page rasters before any
// degradation: a registered form filled in by hand or typed, and the pages
// that are not forms (fax cover sheets, an attorney's letter, a copy of a
// photo ID, another hospital's authorization, the mailroom's separator sheet).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "core/error.h"
#include "core/image.h"
#include "corpus/ink.h"
#include "corpus/values.h"
#include "templates/template.h"

namespace intake::corpus_detail {

/// The blank pages of the forms rendered from their PDFs, once per form, page
/// and resolution. Thread-safe.
class BlankPages {
 public:
  Result<GrayImage> Get(const FormTemplate& form, int page, double dpi_x, double dpi_y);
  /// The form's PDF bytes.
  Result<std::shared_ptr<const std::vector<std::uint8_t>>> Pdf(const FormTemplate& form);

 private:
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const std::vector<std::uint8_t>>> pdfs_;
  std::map<std::tuple<std::string, int, double, double>, std::shared_ptr<const GrayImage>> pages_;
};

/// How one person fills one document: the same hand on every page.
struct Writer {
  FillMode mode = FillMode::kHand;
  Script main;        // the values (typed or hand)
  Script hand;        // initials and anything written by hand on a typed form
  std::uint8_t signature_ink = 30;
  int tick_style = 0;  // 0 X, 1 check mark, 2 filled dot
  double size_factor = 0.65;  // of a field's line height, for hand print
};

/// A writer whose fonts cover every character of `filled`.
Writer MakeWriter(FillMode mode, const FontCatalog& fonts, const FilledForm& filled, Rng& rng);

/// Writes the values of `filled` that lie on template page `page` onto `blank`.
void WriteFormPage(GrayImage& blank, const FormTemplate& form, int page, const FilledForm& filled,
                   const Writer& writer, bool stray_marks, Pen& pen, Rng& rng);

struct CoverSheet {
  std::string to, to_fax, from, from_phone, from_fax, date, pages, re, comments;
};
GrayImage DrawCoverSheet(const CoverSheet& cover, double dpi_x, double dpi_y, const FontCatalog& fonts, Pen& pen,
                         Rng& rng);
GrayImage DrawLetter(const LetterText& letter, double dpi_x, double dpi_y, const FontCatalog& fonts, Pen& pen,
                     Rng& rng);
/// A photocopy of a driver's license on a letter page, or (`card_only`) the card alone.
GrayImage DrawIdCopy(const Person& person, Day issued, bool card_only, double dpi_x, double dpi_y,
                     const FontCatalog& fonts, Pen& pen, Rng& rng);
/// Another hospital's release form, laid out unlike ours and filled by hand.
GrayImage DrawOtherAuthorization(const Person& patient, Day signed_on, double dpi_x, double dpi_y,
                                 const FontCatalog& fonts, Pen& pen, Rng& rng);
GrayImage DrawSeparator(double dpi_x, double dpi_y, const FontCatalog& fonts, Pen& pen, Rng& rng);

}  // namespace intake::corpus_detail
