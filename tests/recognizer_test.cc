// The field recognizer on crops the forms engine cut (WritingInField) from a
// synthetic corpus. tests/data/recognizer/ holds them as small PNGs, all in
// SteveHand, from a held-out corpus (seed 202): documents the shipped model
// never trained on, in a hand it did train on (SteveHand is one of its training
// families since the hand fonts grew; see recognizer/models/MODEL.md). Every
// value is made up by the corpus generator. These few, which the model reads,
// guard the C++ side (preparation, network, masked beam search) against
// regressions rather than measure it; MODEL.md measures it on held-out hands.
#include "recognizer/recognizer.h"

#include <algorithm>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "extract/fields.h"
#include "tests/support/test_support.h"

namespace intake {
namespace {

GrayImage LoadCrop(const std::string& name) {
  const std::filesystem::path path = testing::SourceDir() / "tests/data/recognizer" / name;
  const cv::Mat mat = cv::imread(path.string(), cv::IMREAD_GRAYSCALE);
  EXPECT_FALSE(mat.empty()) << path;
  GrayImage image = GrayImage::Blank(mat.cols, mat.rows, kTemplateDpi, kTemplateDpi);
  for (int y = 0; y < mat.rows; ++y) std::copy_n(mat.ptr<std::uint8_t>(y), mat.cols, &image.At(0, y));
  return image;
}

const FieldRecognizer& Shipped() {
  static const Result<FieldRecognizer> recognizer = FieldRecognizer::Load(DefaultRecognizerModel());
  if (!recognizer) throw std::runtime_error(recognizer.error().message);
  return *recognizer;
}

// The first candidate the format's grammar accepts, normalized, as extract would take it.
std::optional<std::string> Value(const std::vector<Candidate>& candidates, FieldFormat format) {
  for (const Candidate& c : candidates) {
    if (auto value = NormalizeValue(format, c.text, "en")) return value;
  }
  return std::nullopt;
}

struct Crop {
  const char* file;
  FieldFormat format;
  const char* value;  // normalized, as the corpus's truth gives it
};

TEST(RecognizerTest, TheShippedModelLoads) {
  const Result<FieldRecognizer> recognizer = FieldRecognizer::Load(DefaultRecognizerModel());
  ASSERT_TRUE(recognizer) << recognizer.error().message;
}

TEST(RecognizerTest, AMissingModelIsAnErrorNotAnException) {
  const Result<FieldRecognizer> recognizer = FieldRecognizer::Load("/nonexistent/field_recognizer.onnx");
  ASSERT_FALSE(recognizer);
  EXPECT_EQ(recognizer.error().code, ErrorCode::kIoError);
}

TEST(RecognizerTest, ReadsDigitFieldsOfADocumentNotTrainedOn) {
  const Crop crops[] = {
      {"mrn.png", FieldFormat::kMrn, "83968258"},
      {"dob.png", FieldFormat::kDate, "1989-05-08"},  // written 5/8/89
      {"phone.png", FieldFormat::kPhone, "3515550122"},  // written (351) 555-0122
  };
  for (const Crop& crop : crops) {
    EXPECT_EQ(Value(Shipped().Read(LoadCrop(crop.file), crop.format, 8), crop.format), crop.value) << crop.file;
  }
}

TEST(RecognizerTest, ReadsNamesWithAccentsOfADocumentNotTrainedOn) {
  const Crop crops[] = {
      {"first_name.png", FieldFormat::kName, "RAÚL"},
      {"recipient_name.png", FieldFormat::kName, "RUBÉN P. REYES"},
  };
  for (const Crop& crop : crops) {
    EXPECT_EQ(Value(Shipped().Read(LoadCrop(crop.file), crop.format, 8), crop.format), crop.value) << crop.file;
  }
}

TEST(RecognizerTest, TheMrnMaskNeverEmitsALetter) {
  // A name read as if it were an MRN: whatever comes out is digits only.
  const std::vector<Candidate> read = Shipped().Read(LoadCrop("recipient_name.png"), FieldFormat::kMrn, 8);
  for (const Candidate& c : read) {
    EXPECT_TRUE(std::all_of(c.text.begin(), c.text.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) << c.text;
  }
}

TEST(RecognizerTest, BeamCandidatesAreDistinctAndSortedByProbability) {
  const std::vector<Candidate> read = Shipped().Read(LoadCrop("phone.png"), FieldFormat::kPhone, 8);
  ASSERT_GE(read.size(), 2u);
  EXPECT_LE(read.size(), 8u);
  for (std::size_t i = 1; i < read.size(); ++i) {
    EXPECT_GE(read[i - 1].log_prob, read[i].log_prob);
    for (std::size_t j = 0; j < i; ++j) EXPECT_NE(read[i].text, read[j].text);
  }
  EXPECT_LE(read.front().log_prob, 0);
}

TEST(RecognizerTest, ConfidenceIsAProbabilityThatRisesWhenTheGrammarPasses) {
  const std::vector<Candidate> read = Shipped().Read(LoadCrop("dob.png"), FieldFormat::kDate, 8);
  ASSERT_FALSE(read.empty());
  const double passed = Shipped().Confidence(read, 0, true), failed = Shipped().Confidence(read, 0, false);
  EXPECT_GT(passed, failed);
  EXPECT_LE(passed, 1);
  EXPECT_GE(failed, 0);
  EXPECT_EQ(Shipped().Confidence(read, read.size(), true), 0);
}

TEST(RecognizerTest, AnEmptyCropGivesNoCandidates) {
  EXPECT_TRUE(Shipped().Read(GrayImage{}, FieldFormat::kName, 8).empty());
}

}  // namespace
}  // namespace intake
