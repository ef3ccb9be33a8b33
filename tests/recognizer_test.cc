// The field recognizer on crops the forms engine cut (WritingInField) from a
// synthetic corpus. tests/data/recognizer/ holds them as small PNGs, all in
// SteveHand, from a held-out corpus (seed 202): documents the shipped model
// never trained on, in a hand it did train on (SteveHand is one of its training
// families since the hand fonts grew; see recognizer/models/MODEL.md). Every
// value is made up by the corpus generator. These few, which the model reads,
// guard the C++ side (preparation, network, masked beam search) against
// regressions rather than measure it; MODEL.md measures it on held-out hands.
#include "recognizer/recognizer.h"

#include <gtest/gtest.h>

#include <algorithm>
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
      {"dob.png", FieldFormat::kDate, "1989-05-08"},     // written 5/8/89
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

TEST(LexiconTest, ComparesFoldedAndKnowsSpanishPluralsButNotPossessives) {
  testing::TempDir dir;
  testing::WriteFile(dir.path() / "english", std::string("Julian\nWeymouth\nDoré's\nst\napt\n"));
  testing::WriteFile(dir.path() / "spanish", std::string("alergia\nfactor\n"));
  const Lexicon words = Lexicon::Load({dir.path() / "english", dir.path() / "spanish", dir.path() / "missing"});
  EXPECT_TRUE(words.Contains("JULIÁN"));
  EXPECT_TRUE(words.Contains("weymouth"));
  EXPECT_TRUE(words.Contains("ALERGIAS"));
  EXPECT_TRUE(words.Contains("factores"));
  EXPECT_FALSE(words.Contains("Doré"));
  EXPECT_FALSE(words.Contains("WEYM"));
  EXPECT_TRUE(words.Knows("Julián Weymouth"));
  EXPECT_TRUE(words.Knows("12 WEYMOUTH ST, APT 2B"));  // "B" after digits is not looked up
  EXPECT_TRUE(words.Knows("J. WEYMOUTH"));             // a lone initial
  EXPECT_FALSE(words.Knows("WEYM OUTH"));
}

TEST(LexiconTest, ExtendNarrowsToTheWordsWithThatNextLetter) {
  testing::TempDir dir;
  testing::WriteFile(dir.path() / "words", std::string("an\nand\nant\nbee\n"));
  const Lexicon words = Lexicon::Load({dir.path() / "words"});
  const Lexicon::Range a = words.Extend(words.All(), 'A');
  EXPECT_EQ(a.end - a.begin, 3u);
  EXPECT_FALSE(words.IsWord(a));
  const Lexicon::Range an = words.Extend(a, 'N');
  EXPECT_TRUE(words.IsWord(an));
  EXPECT_EQ(an.end - an.begin, 3u);
  EXPECT_EQ(words.Extend(an, 'D').end - words.Extend(an, 'D').begin, 1u);
  EXPECT_TRUE(words.Extend(an, 'X').Empty());
  EXPECT_TRUE(words.Extend(words.All(), 'Z').Empty());
}

TEST(LexiconTest, TheDefaultListsAreInstalledAndLarge) {
  // scripts/install-deps.sh installs wamerican-huge and wspanish.
  EXPECT_GT(Lexicon::Default().Size(), 300000u);
  EXPECT_TRUE(Lexicon::Default().Contains("Pittsfield"));
  EXPECT_TRUE(Lexicon::Default().Contains("historial"));
}

TEST(LexiconTest, RelationshipsAreSaidInAFewWordsOfEitherLanguage) {
  const Lexicon& words = Lexicon::Relationships();
  EXPECT_LT(words.Size(), 400u);
  for (const char* said : {"Mother", "MOTHER-IN-LAW", "Health care proxy", "Tía", "HIJA", "nieta", "Hermano mayor"}) {
    EXPECT_EQ(words.Knows(said), std::string(said) != "Hermano mayor") << said;
  }
  EXPECT_FALSE(words.Knows("Other"));  // MOTHER misread, not a relationship
  EXPECT_TRUE(Lexicon::Of({"Ángel", "ANGEL", "x1"}).Contains("angel"));
  EXPECT_EQ(Lexicon::Of({"Ángel", "ANGEL", "x1"}).Size(), 1u);  // folded once; not a word, left out
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

// Crops of a hand the model never trained on (UnPilgia, held-out corpus seed
// 202) that its free reading gets one stroke wrong: a space inside a word, a
// misread letter next to digits. Its reading in words of the lexicon is right.
TEST(RecognizerTest, ReadingInWordsUndoesASpaceInsideAWordAndAMisreadLetter) {
  const Crop crops[] = {
      {"words_first_name.png", FieldFormat::kName, "KEVIN"},
      {"words_last_name.png", FieldFormat::kName, "CAMPBELL"},
      {"words_street.png", FieldFormat::kStreet, "127 SALEM ST"},
  };
  for (const Crop& crop : crops) {
    const RecognizerReading read = Shipped().Recognize(LoadCrop(crop.file), crop.format, 8, &Lexicon::Default());
    ASSERT_FALSE(read.beam.empty()) << crop.file;
    ASSERT_TRUE(read.words.has_value()) << crop.file;
    EXPECT_EQ(read.words->text, crop.value) << crop.file;
    EXPECT_NE(read.beam.front().text, crop.value) << crop.file << ": the free reading is no longer wrong";
  }
}

TEST(RecognizerTest, WithoutALexiconThereIsNoReadingInWords) {
  const RecognizerReading read = Shipped().Recognize(LoadCrop("words_first_name.png"), FieldFormat::kName, 8);
  EXPECT_FALSE(read.beam.empty());
  EXPECT_FALSE(read.words.has_value());
}

TEST(RecognizerTest, AnEmptyCropGivesNoCandidates) {
  EXPECT_TRUE(Shipped().Read(GrayImage{}, FieldFormat::kName, 8).empty());
}

}  // namespace
}  // namespace intake
