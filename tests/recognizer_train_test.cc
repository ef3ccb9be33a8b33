// The recognizer's training script in smoke mode (recognizer/train/train.py
// --max-steps): a tiny generated corpus, cut into crops by `intake bench
// crops`, trained for a few dozen steps with Debian's python3-torch
// (scripts/install-training-deps.sh), exported to ONNX and loaded by the C++
// recognizer. It guards the path from corpus to shipped model, not the
// model's quality (recognizer/models/MODEL.md measures that).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "recognizer/recognizer.h"
#include "tests/support/process.h"
#include "tests/support/test_support.h"

namespace intake {
namespace {

using namespace std::chrono_literals;
using testing::CommandResult;
using testing::IntakeBinary;
using testing::MakeCorpus;
using testing::RunCommand;
using testing::TempDir;

TEST(TrainingSmoke, AFewStepsOnGeneratedCropsGiveAModelTheRecognizerLoads) {
  TempDir dir;
  const auto corpus = dir.path() / "corpus", crops = dir.path() / "crops", model = dir.path() / "model";
  ASSERT_NO_FATAL_FAILURE(MakeCorpus(corpus, 4, 3, "fax=1,email=0,scan=0,hand=1,typed=0,efill=0"));
  CommandResult cut =
      RunCommand({IntakeBinary(), "bench", "crops", corpus.string(), "--out", crops.string(), "--threads", "1"}, 600s);
  ASSERT_EQ(cut.exit_code, 0) << cut.err;

  const auto script = testing::SourceDir() / "recognizer/train/train.py";
  CommandResult trained = RunCommand({"/usr/bin/python3", script.string(), "--crops", crops.string(), "--out",
                                      model.string(), "--seed", "7", "--max-steps", "40", "--batch", "8"},
                                     600s);
  ASSERT_EQ(trained.exit_code, 0) << trained.out << trained.err;

  std::ifstream note_file(model / "field_recognizer.json");
  ASSERT_TRUE(note_file) << trained.out;
  const nlohmann::json note = nlohmann::json::parse(note_file);
  EXPECT_EQ(note["steps"], 40);
  EXPECT_LT(note["loss_last_steps"].get<double>(), note["loss_first_steps"].get<double>()) << "the network learns";
  EXPECT_LT(note["opencv_max_abs_logit_diff"].get<double>(), 1e-3) << "OpenCV's dnn runs it as torch does";

  const Result<FieldRecognizer> recognizer = FieldRecognizer::Load(model / "field_recognizer.onnx");
  ASSERT_TRUE(recognizer) << recognizer.error().message;
  GrayImage crop = GrayImage::Blank(200, 40, 200, 200);
  for (int y = 10; y < 30; ++y) crop.At(50, y) = 0;  // a stroke: the network runs on it without failing
  const std::vector<Candidate> read = recognizer->Read(crop, FieldFormat::kName, 4);
  for (const Candidate& c : read) EXPECT_LE(c.log_prob, 0);
}

}  // namespace
}  // namespace intake
