// Templates from the shipped fillable PDFs and their side files, and the
// `intake forms` commands run through the real binary.
#include <fstream>
#include <map>
#include <regex>
#include <stdexcept>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "templates/template.h"
#include "tests/support/process.h"
#include "tests/support/test_support.h"

namespace intake {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using testing::CommandResult;
using testing::ReadFile;
using testing::SourceDir;
using testing::TempDir;
using testing::WriteFile;

std::string ReadText(const fs::path& path) {
  const std::vector<std::uint8_t> bytes = ReadFile(path);
  return {bytes.begin(), bytes.end()};
}

Result<FormTemplate> Build(const std::string& code, const std::string& side_text) {
  const fs::path pdf = SourceDir() / "forms" / (code + ".pdf");
  return BuildTemplate(ReadFile(pdf), side_text, pdf);
}

std::string ShippedSide(const std::string& code) { return ReadText(SourceDir() / "forms" / (code + ".toml")); }

// The shipped side file with one line replaced (or a line added when `from` is empty).
std::string EditedSide(const std::string& code, const std::string& from, const std::string& to) {
  std::string text = ShippedSide(code);
  if (from.empty()) return text + to;
  const std::size_t at = text.find(from);
  if (at == std::string::npos) throw std::runtime_error("side file has no " + from);
  return text.replace(at, from.size(), to);
}

FieldKind KindOf(const std::string& name) {
  if (name == "checkbox") return FieldKind::kCheckbox;
  if (name == "initials") return FieldKind::kInitials;
  if (name == "signature") return FieldKind::kSignature;
  return FieldKind::kText;
}

TEST(Templates, EveryShippedFormMatchesFormsJsonInKeysKindsGroupsFormatsAndRects) {
  const nlohmann::json forms_json = nlohmann::json::parse(ReadText(SourceDir() / "forms" / "forms.json"));
  Result<TemplateSet> set = LoadTemplates({DefaultFormsDir()});
  ASSERT_TRUE(set) << set.error().message;
  ASSERT_EQ(set->forms.size(), forms_json["forms"].size());
  for (const auto& [code, expected] : forms_json["forms"].items()) {
    SCOPED_TRACE(code);
    const FormTemplate* form = set->Find(code);
    ASSERT_NE(form, nullptr);
    EXPECT_EQ(form->form, expected["form"]);
    EXPECT_EQ(form->language, expected["language"]);
    EXPECT_EQ(form->rev, expected["rev"]);
    ASSERT_EQ(static_cast<int>(form->pages.size()), expected["pages"].get<int>());
    for (const TemplatePage& page : form->pages) {
      EXPECT_NEAR(page.width_pt, expected["page_size"][0].get<double>(), 0.5);
      EXPECT_NEAR(page.height_pt, expected["page_size"][1].get<double>(), 0.5);
      EXPECT_EQ(page.blank.width, 1700);
      EXPECT_EQ(page.blank.height, 2200);
      EXPECT_EQ(page.blank.dpi_x, kTemplateDpi);
    }
    ASSERT_EQ(form->fields.size(), expected["fields"].size());
    for (const nlohmann::json& want : expected["fields"]) {
      // forms.json files the "other purpose" text under the checkbox's key;
      // its widget name purpose.other_text is the output key (SPEC section 4).
      const std::string key = want["kind"] == "text" && want["widget"].is_string() &&
                                      want["widget"] != want["key"] ? want["widget"].get<std::string>()
                                                                    : want["key"].get<std::string>();
      SCOPED_TRACE(key);
      const TemplateField* field = nullptr;
      for (const TemplateField& f : form->fields) {
        if (f.key == key && (f.kind == FieldKind::kCheckbox) == (want["kind"] == "checkbox")) field = &f;
      }
      ASSERT_NE(field, nullptr);
      EXPECT_EQ(field->kind, KindOf(want["kind"]));
      EXPECT_EQ(field->page, want["page"].get<int>());
      EXPECT_NEAR(field->rect.x, want["rect"][0].get<double>(), 0.5);
      EXPECT_NEAR(field->rect.y, want["rect"][1].get<double>(), 0.5);
      EXPECT_NEAR(field->rect.w, want["rect"][2].get<double>(), 0.5);
      EXPECT_NEAR(field->rect.h, want["rect"][3].get<double>(), 0.5);
      if (want.contains("group")) {
        EXPECT_EQ(field->group, want["group"]);
        EXPECT_EQ(field->option, want["option"]);
      }
      if (want.contains("format") && want["format"].is_string()) {
        // A side file may narrow forms.json's "text" to "relationship" (a closed vocabulary, read in its words).
        const bool narrowed = field->format == FieldFormat::kRelationship && want["format"] == "text";
        if (!narrowed) EXPECT_EQ(ToString(field->format), want["format"]);
      }
      if (want.contains("lines")) {
        EXPECT_EQ(field->lines, want["lines"].get<int>());
      }
    }
  }
}

TEST(Templates, AuthEnHasTwoPagesTheSignatureOnPageTwoAndGroupsInOrder) {
  Result<FormTemplate> form = Build("HIS-AUTH-EN", ShippedSide("HIS-AUTH-EN"));
  ASSERT_TRUE(form) << form.error().message;
  ASSERT_EQ(form->pages.size(), 2u);
  const TemplateField* signature = form->Field("signature");
  ASSERT_NE(signature, nullptr);
  EXPECT_EQ(signature->kind, FieldKind::kSignature);
  EXPECT_EQ(signature->page, 2);
  EXPECT_EQ(form->Groups(),
            (std::vector<std::string>{"direction", "release.items", "purpose", "delivery", "signer.authority"}));
  const TemplateField* other_text = form->Field("purpose.other_text");
  ASSERT_NE(other_text, nullptr);
  EXPECT_EQ(other_text->kind, FieldKind::kText);
  EXPECT_EQ(form->Field("sensitive.hiv")->kind, FieldKind::kInitials);
  EXPECT_EQ(form->Field("patient.dob")->format, FieldFormat::kDate);
}

TEST(Templates, ToPixelsPutsTheCornerMarksOnTheirInkInTheBlankRender) {
  Result<FormTemplate> form = Build("HIS-AUTH-EN", ShippedSide("HIS-AUTH-EN"));
  ASSERT_TRUE(form) << form.error().message;
  // forms.json anchors: solid 9 pt squares 22 pt from the left/right and 24/24 pt from the bottom/top.
  const PdfRect marks[] = {{22, 759, 9, 9}, {581, 759, 9, 9}, {22, 24, 9, 9}, {581, 24, 9, 9}};
  for (const TemplatePage& page : form->pages) {
    for (const PdfRect& mark : marks) {
      const Box box = ToPixels(mark, page, kTemplateDpi);
      EXPECT_EQ(box.w, 25);
      EXPECT_EQ(box.h, 25);
      EXPECT_GT(page.blank.InkRatio({box.x + 2, box.y + 2, box.w - 4, box.h - 4}), 0.95);
      EXPECT_LT(page.blank.InkRatio({box.x - 8, box.y - 8, 6, box.h + 16}), 0.05);  // white left of it
    }
  }
  EXPECT_EQ(ToPixels({22, 759, 9, 9}, form->pages[0], kTemplateDpi), (Box{61, 67, 25, 25}));
}

TEST(Templates, FormatNamesRoundTrip) {
  for (int i = 0; i <= static_cast<int>(FieldFormat::kInitials); ++i) {
    const auto format = static_cast<FieldFormat>(i);
    EXPECT_EQ(FieldFormatFromString(ToString(format)), format);
  }
  EXPECT_EQ(FieldFormatFromString("dob"), std::nullopt);
}

TEST(Templates, BrokenSideFilesAreRefusedWithTheFileAndTheReason) {
  struct Case {
    std::string from, to, why;
  };
  const std::vector<Case> cases = {
      {"code = \"HIS-AUTH-EN\"", "code = \"HIS-AUTH-EN", "line 5"},
      {"code = \"HIS-AUTH-EN\"", "", "code is missing"},
      {"\"patient.dob\" = \"date\"", "\"patient.dob\" = \"birthday\"", "[formats] \"patient.dob\" must be one of"},
      {"\"patient.dob\" = \"date\"", "\"patient.dob_typo\" = \"date\"", "\"patient.dob_typo\" is not a text field"},
      {"[rename]\n", "[rename]\n\"patient.nickname\" = \"x\"\n", "[rename] \"patient.nickname\" is not a text widget"},
      {"[rename]\n", "[rename]\n\"patient.mrn\" = \"patient.dob\"\n", "two fields have the key \"patient.dob\""},
      {"page = 2", "page = 3", "[signature] page must be a page of the PDF (1..2)"},
      {"rect = [36, 199.08, 340, 46]", "rect = [36, 199.08, 640, 46]", "[signature] rect does not lie on its page"},
      {"rect = [36, 199.08, 340, 46]", "rect = [36, 199.08]", "[signature] rect must be [x, y, w, h]"},
      {"", "\n[lines]\n\"patient.dob\" = 0\n", "[lines] \"patient.dob\" must be a whole number"},
      {"", "colour = \"blue\"\n", "unknown key \"colour\""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.why);
    std::string side = EditedSide("HIS-AUTH-EN", c.from, c.to);
    if (c.why == "unknown key \"colour\"") side = c.to + side;  // a top-level key, before any table
    Result<FormTemplate> form = Build("HIS-AUTH-EN", side);
    ASSERT_FALSE(form);
    EXPECT_EQ(form.error().code, ErrorCode::kCorruptFile);
    EXPECT_THAT(form.error().message, HasSubstr("side file HIS-AUTH-EN.toml"));
    EXPECT_THAT(form.error().message, HasSubstr(c.why));
  }
}

// A one-page letter-size PDF with a drawn square and no AcroForm.
std::vector<std::uint8_t> PdfWithoutFields() {
  const std::string content = "0 g 22 759 9 9 re f";
  const std::vector<std::string> objects = {
      "<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
      "<< /Length " + std::to_string(content.size()) + " >>\nstream\n" + content + "\nendstream"};
  std::string pdf = "%PDF-1.4\n";
  std::vector<std::size_t> offsets;
  for (std::size_t i = 0; i < objects.size(); ++i) {
    offsets.push_back(pdf.size());
    pdf += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
  }
  const std::size_t xref = pdf.size();
  pdf += "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
  for (std::size_t offset : offsets) {
    const std::string number = std::to_string(offset);
    pdf += std::string(10 - number.size(), '0') + number + " 00000 n \n";
  }
  pdf += "trailer\n<< /Size " + std::to_string(objects.size() + 1) + " /Root 1 0 R >>\nstartxref\n" +
         std::to_string(xref) + "\n%%EOF\n";
  return {pdf.begin(), pdf.end()};
}

TEST(Templates, APdfWithoutFieldsIsRefused) {
  std::string side = EditedSide("HIS-AUTH-EN", "page = 2", "page = 1");
  Result<FormTemplate> form = BuildTemplate(PdfWithoutFields(), side, "flat.pdf");
  ASSERT_FALSE(form);
  EXPECT_THAT(form.error().message, HasSubstr("flat.pdf has no fillable fields"));
}

TEST(LoadTemplates, ANewerRevInALaterFolderWinsAndAnOlderOneDoesNot) {
  TempDir site;
  const std::string pdf = "HIS-AUTH-EN.pdf";
  fs::create_directories(site.path() / "newer");
  fs::create_directories(site.path() / "older");
  fs::copy_file(SourceDir() / "forms" / pdf, site.path() / "newer" / pdf, fs::copy_options::overwrite_existing);
  fs::copy_file(SourceDir() / "forms" / pdf, site.path() / "older" / pdf, fs::copy_options::overwrite_existing);
  WriteFile(site.path() / "newer" / "HIS-AUTH-EN.toml",
            EditedSide("HIS-AUTH-EN", "rev = \"2026-03\"", "rev = \"2026-09\""));
  WriteFile(site.path() / "older" / "HIS-AUTH-EN.toml",
            EditedSide("HIS-AUTH-EN", "rev = \"2026-03\"", "rev = \"2025-01\""));
  // A PDF without a side file beside it is not a template and is skipped.
  fs::copy_file(SourceDir() / "forms" / "HIS-AMEND-EN.pdf", site.path() / "newer" / "stray.pdf");

  Result<TemplateSet> set = LoadTemplates({DefaultFormsDir(), site.path() / "older", site.path() / "newer"});
  ASSERT_TRUE(set) << set.error().message;
  EXPECT_EQ(set->forms.size(), 6u);
  const FormTemplate* auth = set->Find("HIS-AUTH-EN");
  ASSERT_NE(auth, nullptr);
  EXPECT_EQ(auth->rev, "2026-09");
  EXPECT_EQ(auth->pdf_path.parent_path(), site.path() / "newer");

  Result<TemplateSet> without_newer = LoadTemplates({DefaultFormsDir(), site.path() / "older"});
  ASSERT_TRUE(without_newer);
  EXPECT_EQ(without_newer->Find("HIS-AUTH-EN")->rev, "2026-03");
  EXPECT_EQ(without_newer->Find("HIS-AUTH-EN")->pdf_path.parent_path(), DefaultFormsDir());
}

TEST(LoadTemplates, ABrokenSideFileInAFolderFailsTheLoadNamingTheForm) {
  TempDir site;
  fs::create_directories(site.path());
  fs::copy_file(SourceDir() / "forms" / "HIS-AMEND-ES.pdf", site.path() / "HIS-AMEND-ES.pdf");
  WriteFile(site.path() / "HIS-AMEND-ES.toml", EditedSide("HIS-AMEND-ES", "form = \"AMEND\"", "form = 3"));
  Result<TemplateSet> set = LoadTemplates({DefaultFormsDir(), site.path()});
  ASSERT_FALSE(set);
  EXPECT_THAT(set.error().message, HasSubstr("HIS-AMEND-ES.pdf"));
  EXPECT_THAT(set.error().message, HasSubstr("form is missing or not a text"));
}

TEST(LoadTemplates, AMissingFolderIsNoForms) {
  Result<TemplateSet> set = LoadTemplates({"/nonexistent/forms"});
  ASSERT_TRUE(set);
  EXPECT_TRUE(set->forms.empty());
}

// ---- `intake forms` through the binary ------------------------------------

struct Site {
  TempDir dir;
  fs::path config;
  Site() {
    config = dir.path() / "intake.toml";
    WriteFile(config, "data_dir = \"data\"\n");
  }
  CommandResult Intake(std::vector<std::string> args) const {
    std::vector<std::string> argv = {testing::IntakeBinary().string(), "--config", config.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return testing::RunCommand(argv, 120s);
  }
  fs::path Forms() const { return dir.path() / "data" / "forms"; }
};

TEST(FormsCommand, ListShowsTheSixShippedFormsWithTheirFolder) {
  Site site;
  CommandResult r = site.Intake({"forms", "list"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* code : {"HIS-AUTH-EN", "HIS-AUTH-ES", "HIS-AMEND-EN", "HIS-AMEND-ES", "HIS-VERBAL-EN",
                           "HIS-VERBAL-ES"}) {
    EXPECT_THAT(r.out, HasSubstr(code));
  }
  EXPECT_THAT(r.out, ::testing::ContainsRegex("HIS-AUTH-ES +AUTH +es +2026-03 +2 +66 +" +
                                             std::regex_replace(DefaultFormsDir().string(), std::regex("[.+]"), ".")));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("HIS-VERBAL-EN +VERBAL +en +2026-03 +1 +32 "));
}

TEST(FormsCommand, AddRegistersANewRevisionThatListThenShowsFromTheDataFolder) {
  Site site;
  const fs::path incoming = site.dir.path() / "incoming";
  fs::create_directories(incoming);
  fs::copy_file(SourceDir() / "forms" / "HIS-VERBAL-EN.pdf", incoming / "verbal-new.pdf");
  WriteFile(incoming / "side.toml", EditedSide("HIS-VERBAL-EN", "rev = \"2026-03\"", "rev = \"2026-10\""));

  CommandResult add = site.Intake({"forms", "add", (incoming / "verbal-new.pdf").string(), "--side",
                                   (incoming / "side.toml").string()});
  ASSERT_EQ(add.exit_code, 0) << add.err;
  EXPECT_THAT(add.out, HasSubstr("registered HIS-VERBAL-EN rev 2026-10"));
  EXPECT_TRUE(fs::exists(site.Forms() / "HIS-VERBAL-EN_2026-10.pdf"));
  EXPECT_EQ(ReadText(site.Forms() / "HIS-VERBAL-EN_2026-10.toml"), ReadText(incoming / "side.toml"));

  CommandResult list = site.Intake({"forms", "list"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_THAT(list.out, ::testing::ContainsRegex("HIS-VERBAL-EN +VERBAL +en +2026-10 +1 +32 +.*data/forms"));
  EXPECT_THAT(list.out, ::testing::Not(HasSubstr("2026-03 +1 +32 +.*data")));

  CommandResult again = site.Intake({"forms", "add", (incoming / "verbal-new.pdf").string(), "--side",
                                     (incoming / "side.toml").string()});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_THAT(again.err, HasSubstr("HIS-VERBAL-EN rev 2026-10 is already registered"));
}

TEST(FormsCommand, AddRefusesAShippedRevAnOlderRevAndABrokenSideFileAndCopiesNothing) {
  Site site;
  const fs::path incoming = site.dir.path() / "incoming";
  fs::create_directories(incoming);
  fs::copy_file(SourceDir() / "forms" / "HIS-AMEND-ES.pdf", incoming / "HIS-AMEND-ES.pdf");

  WriteFile(incoming / "HIS-AMEND-ES.toml", ShippedSide("HIS-AMEND-ES"));  // the side file beside the PDF
  CommandResult same = site.Intake({"forms", "add", (incoming / "HIS-AMEND-ES.pdf").string()});
  EXPECT_EQ(same.exit_code, 1);
  EXPECT_THAT(same.err, HasSubstr("HIS-AMEND-ES rev 2026-03 is already registered"));

  WriteFile(incoming / "HIS-AMEND-ES.toml", EditedSide("HIS-AMEND-ES", "rev = \"2026-03\"", "rev = \"2024-01\""));
  CommandResult older = site.Intake({"forms", "add", (incoming / "HIS-AMEND-ES.pdf").string()});
  EXPECT_EQ(older.exit_code, 1);
  EXPECT_THAT(older.err, HasSubstr("older than rev 2026-03"));

  WriteFile(incoming / "HIS-AMEND-ES.toml",
            EditedSide("HIS-AMEND-ES", "\"patient.dob\" = \"date\"", "\"patient.dob\" = \"fecha\""));
  CommandResult broken = site.Intake({"forms", "add", (incoming / "HIS-AMEND-ES.pdf").string()});
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_THAT(broken.err, HasSubstr("form not registered: side file HIS-AMEND-ES.toml: [formats] \"patient.dob\""));

  fs::remove(incoming / "HIS-AMEND-ES.toml");
  CommandResult no_side = site.Intake({"forms", "add", (incoming / "HIS-AMEND-ES.pdf").string()});
  EXPECT_EQ(no_side.exit_code, 1);
  EXPECT_THAT(no_side.err, HasSubstr("cannot read the side file"));

  EXPECT_FALSE(fs::exists(site.Forms()) && !fs::is_empty(site.Forms()));
}

}  // namespace
}  // namespace intake
