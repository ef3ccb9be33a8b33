// The corpus generator: reproducible bytes, files the inboxes can read, and a
// truth that says what the files hold, in the samples' format.
#include <tiffio.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "calendar/calendar.h"
#include "corpus/corpus.h"
#include "decode/decode.h"
#include "email/message.h"
#include "route/route.h"
#include "tests/support/test_support.h"
#include "validate/validate.h"

namespace intake {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

const TemplateSet& Templates() {
  static const TemplateSet set = [] {
    Result<TemplateSet> loaded = LoadTemplates({testing::SourceDir() / "forms"});
    if (!loaded) throw std::runtime_error(loaded.error().message);
    return *loaded;
  }();
  return set;
}

CorpusOptions Options(const fs::path& out, int count, std::uint64_t seed, const std::string& mix = "") {
  CorpusOptions options;
  options.out = out;
  options.count = count;
  options.seed = seed;
  if (!mix.empty()) {
    auto parsed = ParseMix(mix, options);
    if (!parsed) throw std::runtime_error(parsed.error().message);
  }
  return options;
}

std::vector<Json> ReadJsonl(const fs::path& path) {
  std::ifstream in(path);
  std::vector<Json> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(Json::parse(line));
  return lines;
}

// Every file under `root`, by relative path, with its bytes.
std::map<std::string, std::vector<std::uint8_t>> Tree(const fs::path& root) {
  std::map<std::string, std::vector<std::uint8_t>> files;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file()) files[fs::relative(entry.path(), root).string()] = testing::ReadFile(entry.path());
  }
  return files;
}

// One corpus of every channel, shared by the tests that only read it.
class CorpusFiles : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    Result<CorpusSummary> summary =
        GenerateCorpus(Templates(), Options(dir_->path() / "c", 16, 11, "fax=0.4,email=0.4,scan=0.2"));
    ASSERT_TRUE(summary) << summary.error().message;
    truth_ = new std::vector<Json>(ReadJsonl(Root() / "truth.jsonl"));
    files_ = new std::vector<Json>(ReadJsonl(Root() / "files.jsonl"));
  }
  static void TearDownTestSuite() {
    delete truth_;
    delete files_;
    delete dir_;
  }
  static fs::path Root() { return dir_->path() / "c"; }
  static const Json* FileLine(const std::string& file) {
    for (const Json& f : *files_) {
      if (f.at("file") == file) return &f;
    }
    return nullptr;
  }

  static testing::TempDir* dir_;
  static std::vector<Json>* truth_;
  static std::vector<Json>* files_;
};
testing::TempDir* CorpusFiles::dir_ = nullptr;
std::vector<Json>* CorpusFiles::truth_ = nullptr;
std::vector<Json>* CorpusFiles::files_ = nullptr;

TEST(CorpusTest, SameSeedWritesByteIdenticalFilesWhateverTheThreads) {
  testing::TempDir dir;
  CorpusOptions one = Options(dir.path() / "a", 6, 5);
  one.threads = 1;
  CorpusOptions two = Options(dir.path() / "b", 6, 5);
  two.threads = 2;
  ASSERT_TRUE(GenerateCorpus(Templates(), one));
  ASSERT_TRUE(GenerateCorpus(Templates(), two));
  const auto a = Tree(dir.path() / "a"), b = Tree(dir.path() / "b");
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [name, bytes] : a) {
    ASSERT_TRUE(b.count(name)) << name;
    EXPECT_TRUE(bytes == b.at(name)) << name;
  }
}

TEST(CorpusTest, ADifferentSeedWritesADifferentCorpus) {
  testing::TempDir dir;
  ASSERT_TRUE(GenerateCorpus(Templates(), Options(dir.path() / "a", 2, 1)));
  ASSERT_TRUE(GenerateCorpus(Templates(), Options(dir.path() / "b", 2, 2)));
  EXPECT_NE(testing::ReadFile(dir.path() / "a/truth.jsonl"), testing::ReadFile(dir.path() / "b/truth.jsonl"));
}

TEST(CorpusTest, RefusesAnOutputFolderThatIsNotEmpty) {
  testing::TempDir dir;
  testing::WriteFile(dir.path() / "old.txt", std::string("x"));
  Result<CorpusSummary> summary = GenerateCorpus(Templates(), Options(dir.path(), 2, 1));
  ASSERT_FALSE(summary);
  EXPECT_EQ(summary.error().code, ErrorCode::kIoError);
}

TEST(CorpusTest, ParseMixReadsSharesAndRefusesUnknownKeysAndBadNumbers) {
  CorpusOptions options;
  ASSERT_TRUE(ParseMix("fax=0.5,email=0.5,scan=0,efill=0.2", options));
  EXPECT_EQ(options.mix.fax, 0.5);
  EXPECT_EQ(options.mix.scan, 0.0);
  EXPECT_EQ(options.mix.efill, 0.2);
  EXPECT_EQ(options.mix.hand, CorpusMix{}.hand);
  EXPECT_FALSE(ParseMix("paper=1", options));
  EXPECT_FALSE(ParseMix("fax=-1", options));
  EXPECT_FALSE(ParseMix("fax=lots", options));
  EXPECT_FALSE(ParseMix("fax=0,email=0,scan=0", options));
}

TEST(CorpusTest, WorksWithOnlyTheCoreDejaVuFonts) {
  testing::TempDir dir;
  CorpusOptions options = Options(dir.path() / "c", 3, 2, "fax=1,email=0,scan=0,hand=1,typed=0,efill=0");
  options.font_dirs = {"/usr/share/fonts/truetype/dejavu"};
  Result<CorpusSummary> summary = GenerateCorpus(Templates(), options);
  ASSERT_TRUE(summary) << summary.error().message;
  EXPECT_TRUE(summary->hand_fonts.empty());
  EXPECT_FALSE(summary->typed_fonts.empty());
  std::ifstream run(dir.path() / "c/run.json");
  EXPECT_TRUE(Json::parse(run).at("fonts").at("hand").empty());
}

TEST(CorpusTest, FontsLimitsTheHandsAndTypefacesValuesAreWrittenIn) {
  testing::TempDir dir;
  CorpusOptions options = Options(dir.path() / "c", 6, 3, "fax=1,email=0,scan=0,hand=0.5,typed=0.5,efill=0");
  options.fonts = {"FreeSans", "Purisa", "UnPilgia"};
  Result<CorpusSummary> summary = GenerateCorpus(Templates(), options);
  ASSERT_TRUE(summary) << summary.error().message;
  EXPECT_EQ(summary->typed_fonts, std::vector<std::string>{"FreeSans.ttf"});
  EXPECT_EQ(summary->hand_fonts, (std::vector<std::string>{"Purisa.ttf", "UnPilgia.ttf"}));
  for (const Json& doc : ReadJsonl(dir.path() / "c/truth.jsonl")) {
    if (!doc.contains("font")) continue;
    const std::string hand = doc.at("hand_font");
    EXPECT_TRUE(hand == "Purisa" || hand == "UnPilgia") << hand;
    // A typed form is typed in FreeSans; a form written by hand, in the writer's hand.
    EXPECT_EQ(doc.at("font"), doc.at("fill_mode") == "typed" ? Json("FreeSans") : doc.at("hand_font"));
  }
  options.out = dir.path() / "d";
  options.fonts = {"FreeSans", "NoSuchHand"};
  summary = GenerateCorpus(Templates(), options);
  ASSERT_FALSE(summary);
  EXPECT_NE(summary.error().message.find("NoSuchHand"), std::string::npos);
  options.out = dir.path() / "e";
  options.fonts = {"Purisa"};  // no typed font left
  EXPECT_FALSE(GenerateCorpus(Templates(), options));
}

TEST_F(CorpusFiles, FaxesAreClassFTiffsWithStationAndTimeAtFaxResolutions) {
  int faxes = 0;
  for (const Json& file : *files_) {
    if (file.at("kind") != "fax") continue;
    ++faxes;
    const fs::path path = Root() / file.at("file").get<std::string>();
    const std::vector<std::uint8_t> bytes = testing::ReadFile(path);
    Result<DecodedFile> decoded = Decode(bytes, DecodeLimits{});
    ASSERT_TRUE(decoded) << file.at("file") << ": " << decoded.error().message;
    EXPECT_EQ(decoded->pages.size(), file.at("pages").size());
    ASSERT_TRUE(decoded->station_id);
    EXPECT_EQ(*decoded->station_id, file.at("station_id"));
    EXPECT_TRUE(decoded->received_time);
    const bool fine = file.at("resolution") == "fine";
    for (const DecodedPage& page : decoded->pages) {
      EXPECT_TRUE(page.bilevel);
      EXPECT_EQ(page.image.width, 1728);
      EXPECT_EQ(page.image.dpi_x, 204);
      EXPECT_EQ(page.image.dpi_y, fine ? 196 : 98);
    }
    TIFF* tiff = TIFFOpen(path.c_str(), "r");
    ASSERT_NE(tiff, nullptr);
    do {
      std::uint16_t compression = 0, bits = 0, photometric = 0;
      TIFFGetField(tiff, TIFFTAG_COMPRESSION, &compression);
      TIFFGetField(tiff, TIFFTAG_BITSPERSAMPLE, &bits);
      TIFFGetField(tiff, TIFFTAG_PHOTOMETRIC, &photometric);
      EXPECT_TRUE(compression == COMPRESSION_CCITTFAX3 || compression == COMPRESSION_CCITTFAX4);
      EXPECT_EQ(bits, 1);
      EXPECT_EQ(photometric, PHOTOMETRIC_MINISWHITE);
    } while (TIFFReadDirectory(tiff));
    TIFFClose(tiff);
  }
  EXPECT_GT(faxes, 0);
}

TEST_F(CorpusFiles, ScanBatchesArePdfsOfLetterPagesAsFilesJsonlLists) {
  int scans = 0;
  for (const Json& file : *files_) {
    if (file.at("kind") != "scan") continue;
    ++scans;
    const std::vector<std::uint8_t> bytes = testing::ReadFile(Root() / file.at("file").get<std::string>());
    const std::string text(bytes.begin(), bytes.end());
    EXPECT_NE(text.find("/Width 2550 /Height 3300 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode"),
              std::string::npos);
    Result<DecodedFile> decoded = Decode(bytes, DecodeLimits{.pdf_dpi = 100});
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(decoded->pages.size(), file.at("pages").size());
    // 2550 x 3300 JPEG pages at 300 dpi: letter paper, drawn here at 100 dpi.
    for (const DecodedPage& page : decoded->pages) EXPECT_EQ(page.image.width, 850);
  }
  EXPECT_GT(scans, 0);
}

TEST_F(CorpusFiles, EveryMessageParsesAndItsAttachmentsAreThoseTheTruthNames) {
  int messages = 0;
  for (const Json& doc : *truth_) {
    if (doc.at("channel") != "email") continue;
    ++messages;
    const std::string file = doc.at("file");
    EXPECT_EQ(file.rfind("inbox/email/new/", 0), 0u);
    Result<MailMessage> mail = ParseMessage(testing::ReadFile(Root() / file));
    ASSERT_TRUE(mail) << file << ": " << mail.error().message;
    EXPECT_TRUE(mail->from && mail->date && mail->message_id);
    std::map<std::string, const MailAttachment*> attachments;
    for (const MailAttachment& a : mail->attachments) attachments[a.filename] = &a;
    std::set<std::string> listed;
    for (const Json& a : FileLine(file)->at("attachments")) listed.insert(a.at("name").get<std::string>());
    EXPECT_EQ(attachments.size(), listed.size()) << file;
    // The pages the truth names are in attachments that decode with that many pages.
    for (const char* key : {"pages", "attached_pages"}) {
      if (!doc.contains(key)) continue;
      for (const Json& part : doc.at(key)) {
        const std::string name = part.at("attachment");
        ASSERT_TRUE(attachments.count(name)) << file << " has no " << name;
        Result<DecodedFile> decoded = Decode(attachments.at(name)->bytes, DecodeLimits{.pdf_dpi = 72});
        ASSERT_TRUE(decoded) << name << ": " << decoded.error().message;
        for (const Json& page : part.at("pages")) EXPECT_LE(page.get<int>(), static_cast<int>(decoded->pages.size()));
      }
    }
    // The attachments nobody can open fail the way the truth says.
    if (doc.contains("quarantined_attachments")) {
      for (const Json& q : doc.at("quarantined_attachments")) {
        Result<DecodedFile> decoded = Decode(attachments.at(q.at("attachment").get<std::string>())->bytes, DecodeLimits{});
        ASSERT_FALSE(decoded);
        const std::map<std::string, ErrorCode> expected = {{"encrypted_pdf", ErrorCode::kEncryptedPdf},
                                                           {"truncated_pdf", ErrorCode::kTruncatedFile},
                                                           {"word", ErrorCode::kUnsupportedFormat}};
        EXPECT_EQ(decoded.error().code, expected.at(q.at("reason").get<std::string>()));
      }
    }
  }
  EXPECT_GT(messages, 0);
}

TEST_F(CorpusFiles, TruthHasTheSampleKeysAndEveryFieldKeyOfItsForm) {
  const std::vector<std::string> common = {"doc_id",   "file",   "pages",           "channel",    "fax_line",
                                           "form",     "language", "fields",        "expected_queues", "must_review"};
  ASSERT_EQ(truth_->size(), 16u);
  for (const Json& doc : *truth_) {
    for (const std::string& key : common) EXPECT_TRUE(doc.contains(key)) << doc.at("doc_id") << " lacks " << key;
    if (doc.at("form") == "OTHER") {
      EXPECT_TRUE(doc.at("fields").empty());
      EXPECT_EQ(doc.at("expected_queues"), Json::array({"review"}));
      EXPECT_TRUE(doc.contains("other_kind") && doc.contains("reject_reason"));
      continue;
    }
    for (const char* key : {"fill_mode", "hard_cases", "stray_marks"}) EXPECT_TRUE(doc.contains(key));
    const FormTemplate* form = Templates().Find(doc.at("form_code").get<std::string>());
    ASSERT_NE(form, nullptr);
    std::set<std::string> expected;
    for (const TemplateField& f : form->fields) {
      if (f.kind == FieldKind::kText || f.kind == FieldKind::kInitials) expected.insert(f.key);
      if (f.kind == FieldKind::kSignature) expected.insert("signature.present");
    }
    for (const std::string& group : form->Groups()) {
      expected.insert(group);
      const Json& checked = doc.at("fields").at(group);
      ASSERT_TRUE(checked.is_array());
      EXPECT_TRUE(std::is_sorted(checked.begin(), checked.end()));
      for (const Json& option : checked) EXPECT_TRUE(form->Field(group + "." + option.get<std::string>()));
    }
    std::set<std::string> keys;
    for (const auto& [key, value] : doc.at("fields").items()) keys.insert(key);
    EXPECT_EQ(keys, expected) << doc.at("doc_id");
    if (doc.at("channel") == "email") {
      for (const Json& part : doc.at("pages")) EXPECT_TRUE(part.contains("attachment") && part.contains("pages"));
    } else {
      for (const Json& page : doc.at("pages")) EXPECT_TRUE(page.is_number_integer());
    }
  }
  // The shared samples' form documents have the same field keys as ours.
  const fs::path samples = testing::SharedDir() / "samples/truth.jsonl";
  if (!fs::exists(samples)) return;
  std::map<std::string, std::set<std::string>> sample_keys;
  for (const Json& doc : ReadJsonl(samples)) {
    if (doc.at("form") == "OTHER") continue;
    for (const auto& [key, value] : doc.at("fields").items()) sample_keys[doc.at("form")].insert(key);
  }
  for (const Json& doc : *truth_) {
    if (doc.at("form") == "OTHER" || !sample_keys.count(doc.at("form"))) continue;
    std::set<std::string> keys;
    for (const auto& [key, value] : doc.at("fields").items()) keys.insert(key);
    EXPECT_EQ(keys, sample_keys.at(doc.at("form"))) << doc.at("doc_id");
  }
}

// The truth's must_review and queues are what the shipped rules and routing
// say of its own values: clean documents break no rule, hard cases do.
TEST_F(CorpusFiles, MustReviewAndQueuesAgreeWithTheShippedRulesAndRouting) {
  RulesResult rules = LoadRules(std::nullopt);
  ASSERT_TRUE(rules);
  for (const Json& doc : *truth_) {
    if (doc.at("form") == "OTHER") continue;
    Request request;
    request.form = doc.at("form");
    request.language = doc.at("language").get<std::string>();
    if (!doc.at("fax_line").is_null()) request.source.fax_line = doc.at("fax_line").get<std::string>();
    for (const auto& [key, value] : doc.at("fields").items()) {
      if (!value.is_null()) {
        FieldReading reading;
        reading.value = value;
        reading.confidence = 1;
        request.fields[key] = reading;
      }
    }
    const FormTemplate* form = Templates().Find(doc.at("form_code").get<std::string>());
    int pages = 0;
    for (const Json& p : doc.at("pages")) pages += p.is_object() ? static_cast<int>(p.at("pages").size()) : 1;
    RuleContext context;
    context.received = ParseReceipt(doc.at("received_at").get<std::string>())->date;
    context.language = doc.at("language");
    context.pages_seen = pages;
    context.pages_expected = static_cast<int>(form->pages.size());
    context.classification_confidence = 1.0;
    const std::vector<Finding> findings = rules->Evaluate(request, context);
    std::vector<std::string> items;
    if (doc.at("fields").contains("release.items")) items = doc.at("fields").at("release.items");
    const std::vector<std::string> queues = Route(request.form, items, request.source.fax_line, true);
    EXPECT_EQ(Json(queues), doc.at("expected_queues")) << doc.at("doc_id");
    const bool review = std::find(queues.begin(), queues.end(), "review") != queues.end();
    std::string broken;
    for (const Finding& f : findings) broken += f.rule + " ";
    EXPECT_EQ(!findings.empty() || review, doc.at("must_review").get<bool>()) << doc.at("doc_id") << ": " << broken;
  }
}

// Normalizes what an e-filled PDF holds the way the truth does.
std::string AsTruth(FieldFormat format, const std::string& text) {
  if (format == FieldFormat::kPhone) {
    std::string digits;
    for (char c : text) {
      if (std::isdigit(static_cast<unsigned char>(c))) digits.push_back(c);
    }
    return digits;
  }
  if (format == FieldFormat::kDate) {
    int m = 0, d = 0, y = 0;
    std::sscanf(text.c_str(), "%d/%d/%d", &m, &d, &y);
    char iso[16];
    std::snprintf(iso, sizeof iso, "%04d-%02d-%02d", y, m, d);
    return iso;
  }
  return text;
}

TEST(CorpusTest, EfilledPdfsHoldTheTruthAsTheirAcroFormValues) {
  testing::TempDir dir;
  const fs::path root = dir.path() / "c";
  ASSERT_TRUE(GenerateCorpus(Templates(), Options(root, 4, 4, "fax=0,email=1,scan=0,hand=0,typed=0,efill=1")));
  int checked = 0;
  for (const Json& doc : ReadJsonl(root / "truth.jsonl")) {
    if (doc.value("fill_mode", "") != "efill") continue;
    Result<MailMessage> mail = ParseMessage(testing::ReadFile(root / doc.at("file").get<std::string>()));
    ASSERT_TRUE(mail);
    const std::string name = doc.at("pages").at(0).at("attachment");
    const auto attachment = std::find_if(mail->attachments.begin(), mail->attachments.end(),
                                         [&](const MailAttachment& a) { return a.filename == name; });
    ASSERT_NE(attachment, mail->attachments.end());
    Result<DecodedFile> decoded = Decode(attachment->bytes, DecodeLimits{.pdf_dpi = 72});
    ASSERT_TRUE(decoded) << decoded.error().message;
    std::map<std::string, std::string> values;
    for (const AcroFormValue& v : decoded->form_values) values[v.name] = v.value;

    const FormTemplate* form = Templates().Find(doc.at("form_code").get<std::string>());
    const Json& fields = doc.at("fields");
    std::map<std::string, Json> groups;
    for (const std::string& group : form->Groups()) groups[group] = Json::array();
    for (const TemplateField& f : form->fields) {
      if (f.kind == FieldKind::kCheckbox) {
        if (values.count(f.widget)) groups[f.group].push_back(f.option);
      } else if (f.kind != FieldKind::kSignature) {
        const Json& truth = fields.at(f.key);
        if (truth.is_null()) {
          EXPECT_FALSE(values.count(f.widget)) << f.key;
        } else {
          ASSERT_TRUE(values.count(f.widget)) << f.key;
          EXPECT_EQ(AsTruth(f.format, values.at(f.widget)), truth.get<std::string>()) << f.key;
        }
      }
    }
    for (auto& [group, options] : groups) {
      std::sort(options.begin(), options.end());
      EXPECT_EQ(options, fields.at(group)) << group;
    }
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

}  // namespace
}  // namespace intake
