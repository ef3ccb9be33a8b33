#include "templates/template.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <map>
#include <set>

#include <toml++/toml.h>

#include "decode/decode.h"

namespace intake {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kFormatNames[] = {"text",   "name", "initial", "date", "mrn",      "phone",       "email",
                                             "street", "city", "state",   "zip",  "initials", "relationship"};

// Everything a side file may say; any other key is a typo worth refusing.
const std::set<std::string, std::less<>> kSideKeys = {"code",   "form",    "language", "rev",  "title",
                                                      "signature", "rename", "formats",  "lines"};

// Reads a side file into the template being built; every complaint names the
// side file and the key, so whoever wrote it can fix it.
class SideFile {
 public:
  SideFile(const toml::table& table, std::string name) : table_(table), name_(std::move(name)) {}

  Result<std::string> RequiredString(std::string_view key) const {
    const std::optional<std::string> value = table_[key].value<std::string>();
    if (!value || value->empty()) return Bad(std::string(key) + " is missing or not a text");
    return *value;
  }

  // A sub-table, or an empty one when absent.
  Result<const toml::table*> Table(std::string_view key) const {
    const toml::node* node = table_.get(key);
    if (!node) return &empty_;
    if (!node->is_table()) return Bad("[" + std::string(key) + "] must be a table");
    return node->as_table();
  }

  tl::unexpected<Error> Bad(const std::string& why) const {
    return Fail(ErrorCode::kCorruptFile, "side file " + name_ + ": " + why);
  }

  const toml::table& table() const { return table_; }

 private:
  const toml::table& table_;
  std::string name_;
  toml::table empty_;
};

Result<void> CheckRect(const SideFile& side, const PdfRect& rect, const TemplatePage& page, const std::string& what) {
  const bool inside = rect.w > 0 && rect.h > 0 && rect.x >= 0 && rect.y >= 0 && rect.x + rect.w <= page.width_pt + 0.5 &&
                      rect.y + rect.h <= page.height_pt + 0.5;
  if (!inside) return side.Bad(what + " does not lie on its page");
  return {};
}

Result<TemplateField> ReadSignature(const SideFile& side, const std::vector<TemplatePage>& pages) {
  Result<const toml::table*> table = side.Table("signature");
  if (!table) return tl::unexpected(table.error());
  if ((*table)->empty()) return side.Bad("[signature] is missing (page and rect of the drawn signature box)");
  TemplateField field;
  field.key = field.widget = "signature";
  field.kind = FieldKind::kSignature;
  const std::optional<int64_t> page = (**table)["page"].value<int64_t>();
  if (!page || *page < 1 || *page > static_cast<int64_t>(pages.size())) {
    return side.Bad("[signature] page must be a page of the PDF (1.." + std::to_string(pages.size()) + ")");
  }
  field.page = static_cast<int>(*page);
  const toml::array* rect = (**table)["rect"].as_array();
  if (!rect || rect->size() != 4) return side.Bad("[signature] rect must be [x, y, w, h] in PDF points");
  double v[4];
  for (std::size_t i = 0; i < 4; ++i) {
    const std::optional<double> number = rect->get(i)->value<double>();
    if (!number) return side.Bad("[signature] rect must be [x, y, w, h] in PDF points");
    v[i] = *number;
  }
  field.rect = {v[0], v[1], v[2], v[3]};
  if (auto ok = CheckRect(side, field.rect, pages[field.page - 1], "[signature] rect"); !ok) {
    return tl::unexpected(ok.error());
  }
  return field;
}

// Applies [rename], [formats] and [lines] to the text widgets. Keys of
// [formats] and [lines] are output keys (after renames).
Result<void> ApplyTextSettings(const SideFile& side, std::vector<TemplateField>& fields) {
  Result<const toml::table*> rename = side.Table("rename");
  Result<const toml::table*> formats = side.Table("formats");
  Result<const toml::table*> lines = side.Table("lines");
  for (const auto* r : {&rename, &formats, &lines}) {
    if (!*r) return tl::unexpected(r->error());
  }
  auto text_field = [&](std::string_view key, bool by_widget) -> TemplateField* {
    for (TemplateField& field : fields) {
      if (field.kind == FieldKind::kCheckbox) continue;
      if ((by_widget ? field.widget : field.key) == key) return &field;
    }
    return nullptr;
  };
  for (const auto& [widget, node] : **rename) {
    TemplateField* field = text_field(widget.str(), true);
    if (!field) return side.Bad("[rename] \"" + std::string(widget.str()) + "\" is not a text widget of the PDF");
    const std::optional<std::string> key = node.value<std::string>();
    if (!key || key->empty()) return side.Bad("[rename] \"" + std::string(widget.str()) + "\" must be a text");
    field->key = *key;
  }
  std::set<std::string> keys;
  for (const TemplateField& field : fields) {
    if (!keys.insert(field.key).second) return side.Bad("two fields have the key \"" + field.key + "\"");
  }
  for (const auto& [key, node] : **formats) {
    TemplateField* field = text_field(key.str(), false);
    if (!field) return side.Bad("[formats] \"" + std::string(key.str()) + "\" is not a text field of the PDF");
    const std::optional<std::string> name = node.value<std::string>();
    const std::optional<FieldFormat> format = name ? FieldFormatFromString(*name) : std::nullopt;
    if (!format) {
      return side.Bad("[formats] \"" + std::string(key.str()) +
                      "\" must be one of text, name, initial, date, mrn, phone, email, street, city, state, zip, "
                      "initials");
    }
    field->format = *format;
    field->kind = *format == FieldFormat::kInitials ? FieldKind::kInitials : FieldKind::kText;
  }
  for (const auto& [key, node] : **lines) {
    TemplateField* field = text_field(key.str(), false);
    if (!field) return side.Bad("[lines] \"" + std::string(key.str()) + "\" is not a text field of the PDF");
    const std::optional<int64_t> count = node.value<int64_t>();
    if (!count || *count < 1 || *count > 50) {
      return side.Bad("[lines] \"" + std::string(key.str()) + "\" must be a whole number of lines (1..50)");
    }
    field->lines = static_cast<int>(*count);
  }
  return {};
}

// The centre, in pixels, of the first dark line met going from `from` to `to`
// along one axis, each line's darkness averaged over [span0, span1) of the
// other axis. nullopt when no line crosses most of the span.
std::optional<double> LineCentre(const GrayImage& image, bool horizontal, int from, int to, int span0, int span1) {
  const int limit = horizontal ? image.height : image.width;
  span0 = std::max(0, span0);
  span1 = std::min(horizontal ? image.width : image.height, span1);
  if (span1 <= span0) return std::nullopt;
  auto darkness = [&](int i) {
    if (i < 0 || i >= limit) return 0.0;
    double sum = 0;
    for (int j = span0; j < span1; ++j) sum += 255 - (horizontal ? image.At(j, i) : image.At(i, j));
    return sum / (255.0 * (span1 - span0));
  };
  const int step = to >= from ? 1 : -1;
  for (int i = from; i != to + step; i += step) {
    if (darkness(i) < 0.5) continue;
    while (darkness(i + step) > darkness(i)) i += step;  // climb to the line's peak
    const double peak = darkness(i);
    int a = i, b = i;
    while (darkness(a - 1) > 0.15 * peak) --a;
    while (darkness(b + 1) > 0.15 * peak) ++b;
    double weight = 0, moment = 0;
    for (int k = a; k <= b; ++k) {
      weight += darkness(k);
      moment += darkness(k) * (k + 0.5);
    }
    return moment / weight;
  }
  return std::nullopt;
}

// The square a form prints around a checkbox or initials widget. A widget sits
// just inside its printed box (0.9 pt in on the shipped checkboxes), and
// reading a box means knowing where the printed ink is, so the box is found on
// the blank render: the stroke centre of each side within 3 pt outside the
// widget. nullopt when no box is printed there.
std::optional<PdfRect> PrintedBox(const TemplatePage& page, const PdfRect& widget) {
  const double s = kTemplateDpi / 72.0;
  const double left = widget.x * s, right = (widget.x + widget.w) * s;
  const double top = (page.height_pt - widget.y - widget.h) * s, bottom = (page.height_pt - widget.y) * s;
  const int reach = static_cast<int>(std::ceil(3 * s)), inset = static_cast<int>(std::ceil(0.5 * s));
  // Each side's darkness is taken over the middle of the other axis, clear of the corners.
  const int x0 = static_cast<int>(left + 0.25 * (right - left)), x1 = static_cast<int>(right - 0.25 * (right - left));
  const int y0 = static_cast<int>(top + 0.25 * (bottom - top)), y1 = static_cast<int>(bottom - 0.25 * (bottom - top));
  const std::optional<double> t = LineCentre(page.blank, true, static_cast<int>(top) + inset,
                                             static_cast<int>(top) - reach, x0, x1);
  const std::optional<double> b = LineCentre(page.blank, true, static_cast<int>(bottom) - inset,
                                             static_cast<int>(bottom) + reach, x0, x1);
  const std::optional<double> l = LineCentre(page.blank, false, static_cast<int>(left) + inset,
                                             static_cast<int>(left) - reach, y0, y1);
  const std::optional<double> r = LineCentre(page.blank, false, static_cast<int>(right) - inset,
                                             static_cast<int>(right) + reach, y0, y1);
  if (!t || !b || !l || !r) return std::nullopt;
  return PdfRect{*l / s, page.height_pt - *b / s, (*r - *l) / s, (*b - *t) / s};
}

std::string SideFileName(const fs::path& pdf_path) {
  fs::path side = pdf_path.filename();
  side.replace_extension(".toml");
  return side.string();
}

}  // namespace

std::string_view ToString(FieldFormat format) { return kFormatNames[static_cast<int>(format)]; }

std::optional<FieldFormat> FieldFormatFromString(std::string_view text) {
  for (std::size_t i = 0; i < std::size(kFormatNames); ++i) {
    if (kFormatNames[i] == text) return static_cast<FieldFormat>(i);
  }
  return std::nullopt;
}

const TemplateField* FormTemplate::Field(std::string_view key) const {
  for (const TemplateField& field : fields) {
    if (field.key == key) return &field;
  }
  return nullptr;
}

std::vector<std::string> FormTemplate::Groups() const {
  std::vector<std::string> groups;
  for (const TemplateField& field : fields) {
    if (field.kind == FieldKind::kCheckbox && std::find(groups.begin(), groups.end(), field.group) == groups.end()) {
      groups.push_back(field.group);
    }
  }
  return groups;
}

const FormTemplate* TemplateSet::Find(std::string_view code) const {
  for (const FormTemplate& form : forms) {
    if (form.code == code) return &form;
  }
  return nullptr;
}

Result<FormTemplate> BuildTemplate(std::span<const std::uint8_t> pdf_bytes, std::string_view side_file_toml,
                                   const fs::path& pdf_path) {
  const std::string side_name = SideFileName(pdf_path);
  toml::table table;
  try {
    table = toml::parse(side_file_toml, side_name);
  } catch (const toml::parse_error& e) {
    return Fail(ErrorCode::kCorruptFile, "side file " + side_name + ": line " +
                                             std::to_string(e.source().begin.line) + ": " +
                                             std::string(e.description()));
  }
  const SideFile side(table, side_name);
  for (const auto& [key, node] : table) {
    if (!kSideKeys.contains(key.str())) return side.Bad("unknown key \"" + std::string(key.str()) + "\"");
  }

  FormTemplate form;
  form.pdf_path = pdf_path;
  for (auto [key, out] : {std::pair{"code", &form.code}, {"form", &form.form}, {"language", &form.language},
                          {"rev", &form.rev}}) {
    Result<std::string> value = side.RequiredString(key);
    if (!value) return tl::unexpected(value.error());
    *out = std::move(*value);
  }
  form.title = table["title"].value_or(std::string());

  DecodeLimits limits;
  limits.pdf_dpi = kTemplateDpi;
  if (SniffKind(pdf_bytes) != FileKind::kPdf) return Fail(ErrorCode::kUnsupportedFormat, pdf_path.filename().string() + " is not a PDF");
  Result<DecodedFile> decoded = Decode(pdf_bytes, limits);
  if (!decoded) return tl::unexpected(decoded.error());
  for (DecodedPage& page : decoded->pages) {
    TemplatePage out{.number = page.number,
                     .width_pt = page.image.width * 72.0 / kTemplateDpi,
                     .height_pt = page.image.height * 72.0 / kTemplateDpi,
                     .blank = std::move(page.image)};
    form.pages.push_back(std::move(out));
  }

  Result<std::vector<AcroFormValue>> widgets = ReadAcroForm(pdf_bytes);
  if (!widgets) return tl::unexpected(widgets.error());
  if (widgets->empty()) {
    return Fail(ErrorCode::kUnsupportedFormat,
                pdf_path.filename().string() + " has no fillable fields: a template needs the fillable PDF");
  }
  for (const AcroFormValue& widget : *widgets) {
    TemplateField field;
    field.key = field.widget = widget.name;
    field.page = widget.page;
    field.rect = {widget.x, widget.y, widget.w, widget.h};
    if (widget.page < 1 || widget.page > static_cast<int>(form.pages.size())) {
      return Fail(ErrorCode::kCorruptFile, pdf_path.filename().string() + ": a widget lies on no page");
    }
    if (widget.is_checkbox) {
      const std::size_t dot = widget.name.rfind('.');
      if (dot == std::string::npos || dot == 0 || dot + 1 == widget.name.size()) {
        return Fail(ErrorCode::kCorruptFile, pdf_path.filename().string() + ": checkbox \"" + widget.name +
                                                 "\" is not named GROUP.OPTION");
      }
      field.kind = FieldKind::kCheckbox;
      field.group = widget.name.substr(0, dot);
      field.option = widget.name.substr(dot + 1);
    }
    form.fields.push_back(std::move(field));
  }
  if (auto ok = ApplyTextSettings(side, form.fields); !ok) return tl::unexpected(ok.error());
  for (TemplateField& field : form.fields) {
    if (field.kind != FieldKind::kCheckbox && field.kind != FieldKind::kInitials) continue;
    if (std::optional<PdfRect> box = PrintedBox(form.pages[field.page - 1], field.rect)) field.rect = *box;
  }
  Result<TemplateField> signature = ReadSignature(side, form.pages);
  if (!signature) return tl::unexpected(signature.error());
  if (form.Field("signature")) return side.Bad("the PDF already has a field named \"signature\"");
  form.fields.push_back(std::move(*signature));
  return form;
}

Result<TemplateSet> LoadTemplates(const std::vector<fs::path>& folders) {
  TemplateSet set;
  for (const fs::path& folder : folders) {
    std::error_code ec;
    if (!fs::is_directory(folder, ec)) continue;  // e.g. no site forms registered yet
    std::vector<fs::path> pdfs;
    for (const fs::directory_entry& entry : fs::directory_iterator(folder, ec)) {
      fs::path side = entry.path();
      side.replace_extension(".toml");
      if (entry.path().extension() == ".pdf" && fs::is_regular_file(side)) pdfs.push_back(entry.path());
    }
    if (ec) return Fail(ErrorCode::kIoError, "cannot list the form folder " + folder.string() + ": " + ec.message());
    std::sort(pdfs.begin(), pdfs.end());
    for (const fs::path& pdf : pdfs) {
      fs::path side = pdf;
      side.replace_extension(".toml");
      std::ifstream pdf_in(pdf, std::ios::binary), side_in(side, std::ios::binary);
      const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(pdf_in)), std::istreambuf_iterator<char>());
      const std::string text((std::istreambuf_iterator<char>(side_in)), std::istreambuf_iterator<char>());
      if (!pdf_in.good() && !pdf_in.eof()) return Fail(ErrorCode::kIoError, "cannot read the form " + pdf.string());
      if (!side_in.good() && !side_in.eof()) return Fail(ErrorCode::kIoError, "cannot read " + side.string());
      Result<FormTemplate> form = BuildTemplate(bytes, text, pdf);
      if (!form) return Fail(form.error().code, "form " + pdf.string() + ": " + form.error().message);
      auto same = std::find_if(set.forms.begin(), set.forms.end(),
                               [&](const FormTemplate& known) { return known.code == form->code; });
      if (same == set.forms.end()) {
        set.forms.push_back(std::move(*form));
      } else if (form->rev > same->rev) {
        *same = std::move(*form);
      }
    }
  }
  return set;
}

fs::path DefaultFormsDir() { return INTAKE_FORMS_DIR; }

Box ToPixels(const PdfRect& rect, const TemplatePage& page, double dpi) {
  const double s = dpi / 72.0;
  const int x0 = static_cast<int>(std::lround(rect.x * s));
  const int x1 = static_cast<int>(std::lround((rect.x + rect.w) * s));
  const int y0 = static_cast<int>(std::lround((page.height_pt - rect.y - rect.h) * s));
  const int y1 = static_cast<int>(std::lround((page.height_pt - rect.y) * s));
  return {x0, y0, x1 - x0, y1 - y0};
}

}  // namespace intake
