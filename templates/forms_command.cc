#include "templates/forms_command.h"


#include <fstream>
#include <iomanip>
#include <iterator>
#include <string>

#include "templates/template.h"

namespace intake {
namespace {

namespace fs = std::filesystem;

std::optional<std::vector<std::uint8_t>> Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return std::nullopt;
  return bytes;
}

// Codes and revs become file names: keep them to a safe alphabet.
bool SafeName(const std::string& text) {
  return !text.empty() && text.front() != '.' && text.find_first_not_of(
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.") == std::string::npos;
}

// Writes through a temporary name and renames, so a reader never sees half a file.
bool WriteAtomically(const fs::path& path, std::span<const std::uint8_t> bytes) {
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) return false;
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) fs::remove(tmp, ec);
  return !ec;
}

}  // namespace

std::vector<fs::path> TemplateFolders(const fs::path& data_dir) { return {DefaultFormsDir(), data_dir / "forms"}; }

int FormsAdd(const fs::path& pdf, const std::optional<fs::path>& side, const fs::path& data_dir, std::ostream& out,
             std::ostream& err) {
  fs::path side_path = side.value_or(fs::path(pdf).replace_extension(".toml"));
  const std::optional<std::vector<std::uint8_t>> pdf_bytes = Slurp(pdf);
  if (!pdf_bytes) {
    err << "cannot read " << pdf.string() << "\n";
    return 1;
  }
  const std::optional<std::vector<std::uint8_t>> side_bytes = Slurp(side_path);
  if (!side_bytes) {
    err << "cannot read the side file " << side_path.string()
        << ": every form needs one (code, form, language, rev, signature box); give it with --side\n";
    return 1;
  }
  const std::string side_text(side_bytes->begin(), side_bytes->end());
  Result<FormTemplate> form = BuildTemplate(*pdf_bytes, side_text, pdf);
  if (!form) {
    err << "form not registered: " << form.error().message << "\n";
    return 1;
  }
  if (!SafeName(form->code) || !SafeName(form->rev)) {
    err << "form not registered: code and rev may hold only letters, digits, '-', '_' and '.'\n";
    return 1;
  }
  const std::vector<fs::path> folders = TemplateFolders(data_dir);
  Result<TemplateSet> known = LoadTemplates(folders);
  if (!known) {
    err << "cannot read the registered forms: " << known.error().message << "\n";
    return 1;
  }
  if (const FormTemplate* in_use = known->Find(form->code)) {
    if (in_use->rev == form->rev) {
      err << form->code << " rev " << form->rev << " is already registered (" << in_use->pdf_path.string() << ")\n";
      return 1;
    }
    if (in_use->rev > form->rev) {
      err << form->code << " rev " << form->rev << " is older than rev " << in_use->rev
          << " in use: it would never be used\n";
      return 1;
    }
  }
  const fs::path folder = folders.back();
  std::error_code ec;
  fs::create_directories(folder, ec);
  const std::string stem = form->code + "_" + form->rev;
  // The side file first: a PDF is loaded only once its side file is beside it.
  if (ec || !WriteAtomically(folder / (stem + ".toml"), *side_bytes) ||
      !WriteAtomically(folder / (stem + ".pdf"), *pdf_bytes)) {
    err << "cannot write into " << folder.string() << "\n";
    return 1;
  }
  out << "registered " << form->code << " rev " << form->rev << " (" << form->form << ", " << form->language << ", "
      << form->pages.size() << " page(s), " << form->fields.size() << " fields) in " << folder.string() << "\n";
  return 0;
}

int FormsList(const std::vector<fs::path>& folders, std::ostream& out, std::ostream& err) {
  Result<TemplateSet> set = LoadTemplates(folders);
  if (!set) {
    err << "cannot load the forms: " << set.error().message << "\n";
    return 1;
  }
  out << std::left << std::setw(16) << "code" << std::setw(8) << "form" << std::setw(6) << "lang" << std::setw(10)
      << "rev" << std::setw(7) << "pages" << std::setw(8) << "fields" << "folder\n";
  for (const FormTemplate& form : set->forms) {
    out << std::setw(16) << form.code << std::setw(8) << form.form << std::setw(6) << form.language << std::setw(10)
        << form.rev << std::setw(7) << form.pages.size() << std::setw(8) << form.fields.size()
        << form.pdf_path.parent_path().string() << "\n";
  }
  return 0;
}

}  // namespace intake
