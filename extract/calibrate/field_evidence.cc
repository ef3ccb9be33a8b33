// field_evidence: every reading the extractor can weigh, for crops with known values.
//
//   field_evidence CROPS_DIR OUT.jsonl [THREADS]
//
// CROPS_DIR is written by `intake bench crops` (labels.jsonl and one PNG per
// field). For each crop: Tesseract's three readings and the recognizer's beam
// (GatherEvidence), each interpreted against the field's format, the value
// the shipped decision takes (DecideWriting on one reading, and on all three),
// and the true value. extract/calibrate/fit_confidence.py fits and checks the
// decision's confidence on this. Synthetic corpus data only: no patient data.
#include <atomic>
#include <fstream>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <thread>

#include "extract/reading.h"

namespace {

using namespace intake;
using json = nlohmann::json;
namespace fs = std::filesystem;

std::optional<GrayImage> LoadCrop(const fs::path& path) {
  const cv::Mat mat = cv::imread(path.string(), cv::IMREAD_GRAYSCALE);
  if (mat.empty()) return std::nullopt;
  GrayImage image = GrayImage::Blank(mat.cols, mat.rows, kTemplateDpi, kTemplateDpi);
  for (int y = 0; y < mat.rows; ++y) std::copy_n(mat.ptr<std::uint8_t>(y), mat.cols, &image.At(0, y));
  return image;
}

const char* CheckName(FormatCheck check) {
  switch (check) {
    case FormatCheck::kNone:
      return "none";
    case FormatCheck::kPassed:
      return "passed";
    case FormatCheck::kImplausible:
      return "implausible";
    case FormatCheck::kRepaired:
      return "repaired";
    case FormatCheck::kFailed:
      return "failed";
  }
  return "";
}

json Evidence(const TemplateField& field, const GrayImage& crop, const ReadingContext& context, OcrEngine& ocr) {
  const WritingEvidence all = GatherEvidence(field, crop, ocr, 3);
  json out = {{"recognizer_read", all.recognizer_read}};
  for (const OcrReading& read : all.tesseract) {
    const Interpretation meant = Interpret(field, read.text, context);
    out["tesseract"].push_back({{"text", read.text},
                                {"confidence", read.confidence},
                                {"value", meant.value},
                                {"check", CheckName(meant.check)}});
  }
  const Lexicon& lexicon = LexiconOf(field.format);
  for (json& read : out["tesseract"]) read["known"] = lexicon.Knows(read["value"].get<std::string>());
  if (all.recognizer.words) {
    const Interpretation meant = Interpret(field, all.recognizer.words->text, context);
    out["words"] = {{"text", all.recognizer.words->text},
                    {"log_prob", all.recognizer.words->log_prob},
                    {"value", meant.value},
                    {"check", CheckName(meant.check)},
                    {"known", lexicon.Knows(meant.value)}};
  }
  out["recognizer"] = json::array();
  for (const Candidate& candidate : all.recognizer.beam) {
    const Interpretation meant = Interpret(field, candidate.text, context);
    out["recognizer"].push_back({{"text", candidate.text},
                                 {"log_prob", candidate.log_prob},
                                 {"value", meant.value},
                                 {"check", CheckName(meant.check)},
                                 {"known", lexicon.Knows(meant.value)}});
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: field_evidence CROPS_DIR OUT.jsonl [THREADS]\n";
    return 2;
  }
  const fs::path crops = argv[1];
  const int threads = argc > 3 ? std::max(1, std::atoi(argv[3])) : 2;
  std::vector<json> labels;
  std::ifstream in(crops / "labels.jsonl");
  for (std::string line; std::getline(in, line);) labels.push_back(json::parse(line));
  std::ofstream out(argv[2]);
  std::mutex mutex;
  std::atomic<std::size_t> next = 0;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      Result<std::unique_ptr<OcrEngine>> ocr = OcrEngine::Create({});
      if (!ocr) return;
      for (std::size_t i = next++; i < labels.size(); i = next++) {
        const json& label = labels[i];
        const std::optional<FieldFormat> format = FieldFormatFromString(label.at("format").get<std::string>());
        const std::optional<GrayImage> crop = LoadCrop(crops / label.at("png").get<std::string>());
        if (!format || !crop || !label.at("truth").is_string()) continue;
        TemplateField field;
        field.key = label.at("key").get<std::string>();
        field.format = *format;
        field.lines = 1;
        const ReadingContext context = ReadingContext::Now(label.value("language", "en"));
        json line = Evidence(field, *crop, context, **ocr);
        for (const char* key : {"png", "key", "format", "fill", "font", "channel", "form", "language", "truth"}) {
          line[key] = label.value(key, json());
        }
        const std::lock_guard lock(mutex);
        out << line.dump() << "\n";
        if (i % 500 == 0) std::cerr << i << "/" << labels.size() << "\n";
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  return 0;
}
