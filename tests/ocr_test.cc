// Tests for ocr/ with the real Tesseract and the Debian eng, spa and osd
// models, on the shipped blank forms rendered by poppler's pdftoppm. Printed
// marks are located with forms.json's anchors.
#include "ocr/engine.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <string>
#include <thread>

#include "preprocess/prepare.h"
#include "tests/support/test_support.h"

namespace intake {
namespace {

using testing::SourceDir;
using testing::TempDir;

constexpr int kDpi = 204;
constexpr char kChildVariable[] = "INTAKE_OCR_THREAD_CHILD";

GrayImage ReadPgm(const std::filesystem::path& path, double dpi) {
  std::ifstream in(path, std::ios::binary);
  std::string magic;
  int width = 0, height = 0, max_value = 0;
  in >> magic >> width >> height >> max_value;
  in.get();
  if (magic != "P5" || max_value != 255 || width <= 0 || height <= 0) {
    ADD_FAILURE() << "not an 8-bit PGM: " << path;
    return {};
  }
  GrayImage page = GrayImage::Blank(width, height, dpi, dpi);
  in.read(reinterpret_cast<char*>(page.pixels.data()), static_cast<std::streamsize>(page.pixels.size()));
  EXPECT_TRUE(in) << "short PGM: " << path;
  return page;
}

// One page of a shipped form at 204 dpi, rendered once per test process.
GrayImage RenderForm(const std::string& form, int page) {
  static std::map<std::string, GrayImage> cache;
  const std::string key = form + "/" + std::to_string(page);
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  TempDir dir;
  const std::string out = (dir.path() / "page").string();
  const std::string command = "pdftoppm -gray -singlefile -r " + std::to_string(kDpi) + " -f " + std::to_string(page) +
                              " -l " + std::to_string(page) + " '" +
                              (SourceDir() / "forms" / (form + ".pdf")).string() + "' '" + out + "'";
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  GrayImage image = ReadPgm(out + ".pgm", kDpi);
  cache.emplace(key, image);
  return image;
}

const nlohmann::json& Forms() {
  static const nlohmann::json forms = [] {
    std::ifstream in(SourceDir() / "forms" / "forms.json");
    return nlohmann::json::parse(in);
  }();
  return forms;
}

// A rectangle of forms.json (PDF points, origin bottom-left) in 204 dpi pixels,
// shrunk by `inset` points on every side.
Box ToPixels(const nlohmann::json& rect, double page_height, double inset) {
  const double scale = kDpi / 72.0;
  const double x = rect[0].get<double>() + inset, w = rect[2].get<double>() - 2 * inset;
  const double h = rect[3].get<double>() - 2 * inset, top = page_height - rect[1].get<double>() - inset - h;
  return Box{static_cast<int>(std::lround(x * scale)), static_cast<int>(std::lround(top * scale)),
             static_cast<int>(std::lround(w * scale)), static_cast<int>(std::lround(h * scale))};
}

// The inside of a form's printed form-code box (its frame left out).
Box FormCodeBox(const std::string& form) {
  const nlohmann::json& f = Forms()["forms"][form];
  for (const nlohmann::json& anchor : f["anchors"]) {
    if (anchor["name"] == "form_code" && anchor["page"] == 1) return ToPixels(anchor["rect"], f["page_size"][1], 3);
  }
  ADD_FAILURE() << "no form_code anchor for " << form;
  return {};
}

// The writing area of a text field, white on a blank form.
Box FieldBox(const std::string& form, const std::string& key) {
  const nlohmann::json& f = Forms()["forms"][form];
  for (const nlohmann::json& field : f["fields"]) {
    if (field["key"] == key) return ToPixels(field["rect"], f["page_size"][1], 1);
  }
  ADD_FAILURE() << "no field " << key << " in " << form;
  return {};
}

// Correlation of two equally sized pages, compared 8x reduced.
double Correlation(const GrayImage& a, const GrayImage& b) {
  if (a.width != b.width || a.height != b.height) return -1;
  cv::Mat small_a, small_b;
  const cv::Size size(a.width / 8, a.height / 8);
  cv::resize(cv::Mat(a.height, a.width, CV_8UC1, const_cast<std::uint8_t*>(a.pixels.data())), small_a, size, 0, 0,
             cv::INTER_AREA);
  cv::resize(cv::Mat(b.height, b.width, CV_8UC1, const_cast<std::uint8_t*>(b.pixels.data())), small_b, size, 0, 0,
             cv::INTER_AREA);
  cv::Mat result;
  cv::matchTemplate(small_a, small_b, result, cv::TM_CCOEFF_NORMED);
  return result.at<float>(0, 0);
}

int ThreadCount() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  }
  return -1;
}

class OcrEngineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!std::getenv(kChildVariable)) DisableOcrThreading();
    Result<std::unique_ptr<OcrEngine>> created = OcrEngine::Create(OcrOptions{});
    ASSERT_TRUE(created.has_value()) << created.error().message;
    engine_ = std::move(*created);
  }
  static void TearDownTestSuite() { engine_.reset(); }

  static std::unique_ptr<OcrEngine> engine_;
};

std::unique_ptr<OcrEngine> OcrEngineTest::engine_;

TEST_F(OcrEngineTest, ReadsTheFormCodeBoxWithHighConfidence) {
  const Result<OcrText> text = engine_->ReadRegion(RenderForm("HIS-AUTH-EN", 1), FormCodeBox("HIS-AUTH-EN"),
                                                   OcrMode::kSingleLine);
  ASSERT_TRUE(text.has_value()) << text.error().message;
  EXPECT_EQ(text->text, "HIS-AUTH-EN");
  EXPECT_GT(text->confidence, 0.8);
}

TEST_F(OcrEngineTest, ReportsWordBoxesInPageCoordinates) {
  const Box region = FormCodeBox("HIS-AUTH-EN");
  const Result<OcrText> text = engine_->ReadRegion(RenderForm("HIS-AUTH-EN", 1), region, OcrMode::kSingleLine);
  ASSERT_TRUE(text.has_value()) << text.error().message;
  ASSERT_EQ(text->words.size(), 1u);
  const OcrWord& word = text->words[0];
  EXPECT_EQ(word.text, "HIS-AUTH-EN");
  EXPECT_GE(word.box.x, region.x);
  EXPECT_GE(word.box.y, region.y);
  EXPECT_LE(word.box.x + word.box.w, region.x + region.w);
  EXPECT_LE(word.box.y + word.box.h, region.y + region.h);
  EXPECT_GT(word.box.w, region.w / 2);  // the code fills most of its box
}

TEST_F(OcrEngineTest, WhitelistRestrictsTheOutputOfThatCallOnly) {
  const GrayImage page = RenderForm("HIS-AUTH-EN", 1);
  const Box region = FormCodeBox("HIS-AUTH-EN");
  const std::string whitelist = "AEHINSTU";  // the code's letters, without its dashes
  const Result<OcrText> restricted = engine_->ReadRegion(page, region, OcrMode::kSingleLine, whitelist);
  ASSERT_TRUE(restricted.has_value()) << restricted.error().message;
  EXPECT_FALSE(restricted->text.empty());
  for (char c : restricted->text) EXPECT_NE(whitelist.find(c), std::string::npos) << "'" << c << "'";

  const Result<OcrText> free = engine_->ReadRegion(page, region, OcrMode::kSingleLine);
  ASSERT_TRUE(free.has_value()) << free.error().message;
  EXPECT_EQ(free->text, "HIS-AUTH-EN");
}

TEST_F(OcrEngineTest, ReadsAStretchOfWhitePaperAsEmptyText) {
  const Box region = FieldBox("HIS-AUTH-EN", "patient.last_name");
  const GrayImage page = RenderForm("HIS-AUTH-EN", 1);
  ASSERT_EQ(page.InkRatio(region), 0.0);
  const Result<OcrText> text = engine_->ReadRegion(page, region, OcrMode::kSingleLine);
  ASSERT_TRUE(text.has_value()) << text.error().message;
  EXPECT_EQ(text->text, "");
  EXPECT_TRUE(text->words.empty());
  EXPECT_EQ(text->confidence, 0.0);
}

TEST_F(OcrEngineTest, ReadsTheNewPageWhenItsPixelBufferIsReused) {
  GrayImage page = RenderForm("HIS-AUTH-EN", 1);
  const Result<OcrText> first = engine_->ReadRegion(page, FormCodeBox("HIS-AUTH-EN"), OcrMode::kSingleLine);
  ASSERT_TRUE(first.has_value()) << first.error().message;
  EXPECT_EQ(first->text, "HIS-AUTH-EN");

  const GrayImage other = RenderForm("HIS-VERBAL-ES", 1);
  ASSERT_EQ(other.pixels.size(), page.pixels.size());
  const std::uint8_t* buffer = page.pixels.data();
  std::copy(other.pixels.begin(), other.pixels.end(), page.pixels.begin());
  ASSERT_EQ(page.pixels.data(), buffer);
  const Result<OcrText> second = engine_->ReadRegion(page, FormCodeBox("HIS-VERBAL-ES"), OcrMode::kSingleLine);
  ASSERT_TRUE(second.has_value()) << second.error().message;
  EXPECT_EQ(second->text, "HIS-VERBAL-ES");
}

TEST_F(OcrEngineTest, DetectOrientationOnABlankPageGivesNoConfidentGuess) {
  const Result<OrientationGuess> guess = engine_->DetectOrientation(GrayImage::Blank(1734, 2244, kDpi, kDpi));
  if (guess.has_value()) {
    EXPECT_LT(guess->confidence, 0.5);
  } else {
    EXPECT_EQ(guess.error().code, ErrorCode::kOcrError);
  }
}

TEST_F(OcrEngineTest, DetectOrientationTellsTheCorrectionForFormsTurnedByQuarters) {
  for (const char* form : {"HIS-AUTH-EN", "HIS-VERBAL-ES"}) {
    const GrayImage upright = RenderForm(form, 1);
    for (int turned : {0, 90, 180, 270}) {
      SCOPED_TRACE(std::string(form) + " turned " + std::to_string(turned));
      const Result<OrientationGuess> guess = engine_->DetectOrientation(RotateQuarterTurns(upright, turned));
      ASSERT_TRUE(guess.has_value()) << guess.error().message;
      EXPECT_EQ(guess->rotate_clockwise, (360 - turned) % 360);
      EXPECT_GE(guess->confidence, 0.5);
    }
  }
}

TEST_F(OcrEngineTest, PreparePageWithOsdTurnsFormsUpright) {
  PrepareOptions options;
  const OrientationDetector detect = [](const GrayImage& page) { return engine_->DetectOrientation(page); };
  options.detect_orientation = false;
  const Result<PreparedPage> reference = PreparePage(RenderForm("HIS-AMEND-ES", 1), options, nullptr);
  ASSERT_TRUE(reference.has_value());
  options.detect_orientation = true;
  for (int turned : {90, 180, 270}) {
    SCOPED_TRACE(turned);
    const GrayImage page = RotateQuarterTurns(RenderForm("HIS-AMEND-ES", 1), turned);
    const Result<PreparedPage> out = PreparePage(page, options, detect);
    ASSERT_TRUE(out.has_value()) << out.error().message;
    EXPECT_EQ(out->rotated_clockwise, (360 - turned) % 360);
    EXPECT_GT(Correlation(out->image, reference->image), 0.9);
  }
}

TEST_F(OcrEngineTest, RecognitionStartsNoOpenMpThreadsWithoutOmpThreadLimit) {
  if (std::getenv(kChildVariable)) {
    // The child: OMP_THREAD_LIMIT unset, DisableOcrThreading never called,
    // and a thread that did not create the engine reads a whole page.
    const GrayImage page = RenderForm("HIS-AUTH-EN", 1);
    int before = 0, after = 0;
    std::thread worker([&] {
      before = ThreadCount();
      const Result<OcrText> text = engine_->ReadRegion(page, Box{0, 0, page.width, page.height / 3}, OcrMode::kAuto);
      EXPECT_TRUE(text.has_value());
      after = ThreadCount();
    });
    worker.join();
    EXPECT_EQ(after, before);
    return;
  }
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  const std::string command = "env -u OMP_THREAD_LIMIT " + std::string(kChildVariable) + "=1 '" + self +
                              "' --gtest_filter=OcrEngineTest.RecognitionStartsNoOpenMpThreadsWithoutOmpThreadLimit"
                              " > /dev/null 2>&1";
  EXPECT_EQ(std::system(command.c_str()), 0);
}

TEST(OcrEngine, CreateFailsWithAnOcrErrorForAMissingLanguage) {
  OcrOptions options;
  options.languages = "xqz";
  const Result<std::unique_ptr<OcrEngine>> engine = OcrEngine::Create(options);
  ASSERT_FALSE(engine.has_value());
  EXPECT_EQ(engine.error().code, ErrorCode::kOcrError);
}

TEST_F(OcrEngineTest, ReadRegionRejectsAnEmptyPage) {
  const Result<OcrText> text = engine_->ReadRegion(GrayImage{}, Box{}, OcrMode::kSingleLine);
  ASSERT_FALSE(text.has_value());
  EXPECT_EQ(text.error().code, ErrorCode::kOcrError);
}

}  // namespace
}  // namespace intake
