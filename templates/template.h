// templates/template.h: the hospital's forms, as intake knows them.
//
// A template is made from a fillable PDF alone plus a small side file beside
// it (forms/HIS-AUTH-EN.pdf + forms/HIS-AUTH-EN.toml): the field rectangles,
// checkbox squares and their names come from the PDF's AcroForm widgets
// (decode/ReadAcroForm), the page count and printed layout from its pages
// (rendered once at kTemplateDpi). The side file says what a widget cannot:
// the form type, code and language, the signature box (a drawn box, no
// widget), output-key renames, each text widget's format and line count.
// Checkbox groups come from widget names: "release.items.imaging_cd" is
// option "imaging_cd" of group "release.items". No coordinate is written in
// code.
//
//   Result<TemplateSet> set = LoadTemplates({"forms", data_dir / "forms"});
//   for (const FormTemplate& form : set->forms) ...
//   Box box = ToPixels(field.rect, page, kTemplateDpi);
//
// A TemplateSet is immutable once loaded and safe to share between threads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/image.h"

namespace intake {

/// Resolution at which template pages are rendered and registered pages are
/// warped: every field box in pixels is ToPixels(rect, page, kTemplateDpi).
inline constexpr double kTemplateDpi = 200;

enum class FieldKind { kText, kCheckbox, kInitials, kSignature };

/// How a text field is read and normalized (SPEC section 4).
enum class FieldFormat {
  kText,
  kName,
  kInitial,
  kDate,
  kMrn,
  kPhone,
  kEmail,
  kStreet,
  kCity,
  kState,
  kZip,
  kInitials,
  kRelationship,  // who a person is to the patient ("Mother", "Hija", "Health care proxy")
};

std::string_view ToString(FieldFormat format);
std::optional<FieldFormat> FieldFormatFromString(std::string_view text);

/// A rectangle in PDF points, origin bottom-left (as PDF widgets state it).
struct PdfRect {
  double x = 0, y = 0, w = 0, h = 0;
};

struct TemplateField {
  std::string key;     // output key (after renames); for a checkbox "group.option"
  std::string widget;  // AcroForm widget name ("signature" for the drawn box)
  FieldKind kind = FieldKind::kText;
  FieldFormat format = FieldFormat::kText;
  int page = 1;  // 1-based
  // Text: the widget (the writing area). Checkbox and initials: the box the
  // form prints around the widget, found on the blank render (the widget sits
  // ~1 pt inside it). Signature: the drawn box of the side file.
  PdfRect rect;
  std::string group;   // checkboxes: "release.items"
  std::string option;  // checkboxes: "imaging_cd"
  int lines = 1;       // text written on several lines
};

struct TemplatePage {
  int number = 1;
  double width_pt = 612, height_pt = 792;
  GrayImage blank;  // the empty page rendered at kTemplateDpi
};

struct FormTemplate {
  std::string code;      // "HIS-AUTH-EN"
  std::string form;      // "AUTH", "AMEND", "VERBAL"
  std::string language;  // "en", "es"
  std::string rev;
  std::string title;
  std::filesystem::path pdf_path;
  std::vector<TemplatePage> pages;
  std::vector<TemplateField> fields;

  const TemplateField* Field(std::string_view key) const;
  /// Checkbox group keys in order of first appearance ("direction", "release.items", ...).
  std::vector<std::string> Groups() const;
};

struct TemplateSet {
  std::vector<FormTemplate> forms;
  const FormTemplate* Find(std::string_view code) const;
};

/// Builds one template from a fillable PDF and its side file's text.
Result<FormTemplate> BuildTemplate(std::span<const std::uint8_t> pdf_bytes, std::string_view side_file_toml,
                                   const std::filesystem::path& pdf_path);

/// Loads every FORM.pdf that has a FORM.toml beside it, from each folder in
/// order; a later folder's form with the same code and a newer rev wins.
Result<TemplateSet> LoadTemplates(const std::vector<std::filesystem::path>& folders);

/// The shipped default template folder (forms/ of the source tree, or the
/// installed copy).
std::filesystem::path DefaultFormsDir();

/// A PDF rectangle as a pixel box on a page image of `dpi` (origin top-left).
Box ToPixels(const PdfRect& rect, const TemplatePage& page, double dpi);

}  // namespace intake
