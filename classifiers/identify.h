// classifiers/identify.h: which form is this page, where is it, which documents.
//
// Three steps, each a plain function:
//
//   IdentifyPage     a prepared page -> which template page (form, page number,
//                    language) or "not one of our forms" (cover sheet, ID copy,
//                    letter, another hospital's form), with a confidence;
//   RegisterPage     a page identified as template page P -> the page warped
//                    onto P's coordinates at kTemplateDpi, using what the form
//                    prints for the purpose (corner marks, form-code box,
//                    section bars, ruled lines), with the residual error;
//   AssembleDocuments the pages of one file -> logical documents: the pages of
//                    a form in template order (even when they arrived out of
//                    order), missing pages noted, cover sheets and attached
//                    pages kept as supporting pages of the document they came with.
//
//   PageIdentity id = IdentifyPage(page.image, templates, ocr);
//   Result<RegisteredPage> reg = RegisterPage(page.image, *id.form, id.page);
//   std::vector<LogicalDocument> docs = AssembleDocuments(ids);
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/image.h"
#include "ocr/engine.h"
#include "templates/template.h"

namespace intake {

struct PageIdentity {
  const FormTemplate* form = nullptr;  // nullptr: not one of our forms
  int page = 0;                        // template page number (1-based) when form != nullptr
  double confidence = 0;               // 0..1 that form, page and language are right
                                       // (for form == nullptr: that it is none of ours)
  bool separator = false;              // a mailroom "DOCUMENT SEPARATOR" sheet
};

/// About 30 ms CPU for a fax form page (one small OCR call, on the form-code
/// box), 15 ms for a page that is no form (no OCR unless it carries rows of
/// big letters). Thread-safe with one OcrEngine per thread.
/// The corner marks may be upside down: a page the orientation step missed
/// is still identified (and RegisterPage turns it upright). Never throws; a
/// failure inside gives "not one of our forms" with confidence 0.
PageIdentity IdentifyPage(const GrayImage& page, const TemplateSet& templates, OcrEngine& ocr);

struct RegisteredPage {
  GrayImage image;          // warped onto the template page: same size as TemplatePage::blank
  double residual_px = 0;   // mean distance, after the fit, between the template's landmarks (corner
                            // marks, ruled-line crossings) and where they were found, in kTemplateDpi pixels
  double scale = 1;         // page scale found (1 = as printed at the page's stated dpi)
};

/// Fails with kOcrError (a person must look) when the page's corner marks or
/// too few of its ruled lines are found; the form's template must print
/// corner marks. About 35 ms CPU for a fax page, 55 ms for a 300 dpi scan.
Result<RegisteredPage> RegisterPage(const GrayImage& page, const FormTemplate& form, int page_number);

struct LogicalDocument {
  const FormTemplate* form = nullptr;  // nullptr: a document that is not one of our forms
  /// For each template page (index 0 = page 1): the 1-based page of the file, or nullopt when missing.
  std::vector<std::optional<int>> form_pages;
  std::vector<int> other_pages;        // for form == nullptr: its pages
  std::vector<int> supporting_pages;   // cover sheets, ID copies, letters that came with it
};

/// How pages that are no form are grouped.
enum class OtherPages {
  kSupporting,  // fax, e-mail: a cover sheet or an ID copy belongs with the form it came with
  kStandAlone,  // mailroom scan batch: a letter between forms is a document of its own
};

/// Groups a file's pages (identities in file order, file page i+1 = ids[i]).
/// Pages of one template join one document in template order until a page
/// whose slot is taken starts the next; a separator closes the open document
/// and belongs to none. With kSupporting a page that is no form goes with the
/// form before it, or with the next one when none is open (a cover sheet),
/// and pages that never meet a form make one OTHER document. With
/// kStandAlone a run of pages that are no form is one OTHER document, and it
/// closes the form before it.
std::vector<LogicalDocument> AssembleDocuments(const std::vector<PageIdentity>& ids,
                                               OtherPages other = OtherPages::kSupporting);

/// "en" or "es" for prose (a letter, a cover sheet, an e-mail body), from
/// the share of each language's common short words; nullopt when the text
/// has too few of them to tell.
std::optional<std::string> LanguageOfText(std::string_view text);

/// LanguageOfText of what OCR reads in a band through the middle of the page
/// (then its top when the middle tells nothing). About 1-2 s on a fax page:
/// for pages that are not one of our forms, whose language the form code
/// cannot give.
std::optional<std::string> LanguageOfPage(const GrayImage& page, OcrEngine& ocr);

}  // namespace intake
