// recognizer_eval: a model's held-out figures, next to Tesseract's on the same crops.
//
//   recognizer_eval MODEL.onnx CROPS_DIR [CALIBRATION.csv]
//
// CROPS_DIR is written by `intake bench crops --tesseract`. Only crops in the
// fonts the model's note lists as held out are judged. Each engine's reading
// goes through the format's grammar (NormalizeValue) as the extractor does:
// ours is the first beam candidate the grammar accepts (else the most
// probable, as read), Tesseract's its one reading normalized (else as read).
// A reading is right when it equals the true normalized value exactly.
// Prints Markdown tables (per format, per fill, calibration buckets, time per
// crop); the CSV holds what recognizer/train/calibrate.py fits the confidence on.
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <set>

#include "extract/fields.h"
#include "recognizer/recognizer.h"

namespace {

using namespace intake;
namespace fs = std::filesystem;

struct Tally {
  int n = 0, ours = 0, tesseract = 0;
};

std::optional<GrayImage> LoadCrop(const fs::path& path) {
  const cv::Mat mat = cv::imread(path.string(), cv::IMREAD_GRAYSCALE);
  if (mat.empty()) return std::nullopt;
  GrayImage image = GrayImage::Blank(mat.cols, mat.rows, kTemplateDpi, kTemplateDpi);
  for (int y = 0; y < mat.rows; ++y) std::copy_n(mat.ptr<std::uint8_t>(y), mat.cols, &image.At(0, y));
  return image;
}

// Formats read in words of the lexicon, and how much less probable than the
// free reading the lexicon's may be and still be taken (natural log).
bool LexiconFormat(FieldFormat f) {
  return f == FieldFormat::kName || f == FieldFormat::kCity || f == FieldFormat::kStreet || f == FieldFormat::kText ||
         f == FieldFormat::kRelationship;
}
const std::vector<double> kMargins = {0, 3, 6, 9, 12, 16, 25, 1000};

std::string Percent(int right, int n) { return n ? fmt::format("{:.1f}%", 100.0 * right / n) : "-"; }

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: recognizer_eval MODEL.onnx CROPS_DIR [CALIBRATION.csv]\n";
    return 2;
  }
  const fs::path model = argv[1], crops = argv[2];
  Result<FieldRecognizer> recognizer = FieldRecognizer::Load(model);
  if (!recognizer) {
    std::cerr << recognizer.error().message << "\n";
    return 1;
  }
  fs::path note_path = model;
  note_path.replace_extension(".json");
  const nlohmann::json note = nlohmann::json::parse(std::ifstream(note_path));
  std::set<std::string> held_out;
  for (const auto& font : note.at("held_out_fonts")) held_out.insert(font.get<std::string>());

  std::ofstream csv;
  if (argc > 3) {
    csv.open(argv[3]);
    csv << "format,log_share,grammar,log_prob,correct\n";
  }
  std::map<std::string, Tally> by_format, by_fill;
  std::map<std::pair<std::string, std::size_t>, Tally> by_margin;  // (format, margin) -> (n, with words, free)
  const Lexicon& lexicon = Lexicon::Default();
  std::map<int, std::pair<int, int>> buckets;  // confidence bucket -> (n, right)
  const std::vector<double> edges = {0.5, 0.8, 0.9, 0.95, 0.99};
  double ours_ms = 0;
  int read = 0;
  std::ifstream labels(crops / "labels.jsonl");
  for (std::string line; std::getline(labels, line);) {
    const nlohmann::json label = nlohmann::json::parse(line);
    if (!held_out.count(label.at("font").get<std::string>()) || !label.contains("tesseract")) continue;
    const std::optional<FieldFormat> format = FieldFormatFromString(label.at("format").get<std::string>());
    const std::optional<GrayImage> crop = LoadCrop(crops / label.at("png").get<std::string>());
    if (!format || !crop) continue;
    const std::string truth = label.at("truth").get<std::string>(), language = label.at("language").get<std::string>();

    const auto start = std::chrono::steady_clock::now();
    const RecognizerReading reading = recognizer->Recognize(*crop, *format, 8, &lexicon);
    const std::vector<Candidate>& candidates = reading.beam;
    ours_ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    ++read;
    std::size_t chosen = 0;
    std::optional<std::string> ours;
    for (std::size_t i = 0; i < candidates.size() && !ours; ++i) {
      if ((ours = NormalizeValue(*format, candidates[i].text, language))) chosen = i;
    }
    const bool grammar = ours.has_value();
    if (!ours && !candidates.empty()) ours = candidates.front().text;
    const bool ours_right = ours && *ours == truth;

    if (LexiconFormat(*format) && !candidates.empty()) {
      for (std::size_t m = 0; m < kMargins.size(); ++m) {
        std::string pick = *ours;
        if (reading.words && reading.words->log_prob >= candidates.front().log_prob - kMargins[m]) {
          pick = NormalizeValue(*format, reading.words->text, language).value_or(reading.words->text);
        }
        Tally& tally = by_margin[{label.at("format").get<std::string>(), m}];
        ++tally.n;
        tally.ours += pick == truth;
        tally.tesseract += ours_right;
      }
    }
    const std::string tesseract_text = label.at("tesseract").get<std::string>();
    const std::string tesseract = NormalizeValue(*format, tesseract_text, language).value_or(tesseract_text);
    const bool tesseract_right = tesseract == truth;

    for (Tally* tally : {&by_format[label.at("format").get<std::string>()], &by_format["all"],
                         &by_fill[label.at("fill").get<std::string>()]}) {
      ++tally->n;
      tally->ours += ours_right;
      tally->tesseract += tesseract_right;
    }
    if (candidates.empty()) continue;
    const double confidence = recognizer->Confidence(candidates, chosen, grammar);
    const int bucket = static_cast<int>(std::upper_bound(edges.begin(), edges.end(), confidence) - edges.begin());
    ++buckets[bucket].first;
    buckets[bucket].second += ours_right;
    if (csv.is_open()) {
      double all = -INFINITY;
      for (const Candidate& c : candidates) {
        all = std::max(all, c.log_prob) + std::log1p(std::exp(-std::abs(all - c.log_prob)));
      }
      csv << label.at("format").get<std::string>() << "," << candidates[chosen].log_prob - all << "," << grammar << ","
          << candidates[chosen].log_prob << "," << ours_right << "\n";
    }
  }
  std::cout << "| format | held-out crops | ours exact | Tesseract exact |\n|---|---:|---:|---:|\n";
  for (const auto& [name, t] : by_format) {
    std::cout << fmt::format("| {} | {} | {} | {} |\n", name, t.n, Percent(t.ours, t.n), Percent(t.tesseract, t.n));
  }
  std::cout << "\n| fill | held-out crops | ours exact | Tesseract exact |\n|---|---:|---:|---:|\n";
  for (const auto& [name, t] : by_fill) {
    std::cout << fmt::format("| {} | {} | {} | {} |\n", name, t.n, Percent(t.ours, t.n), Percent(t.tesseract, t.n));
  }
  std::cout << "\n| our confidence | crops | observed exact |\n|---|---:|---:|\n";
  for (const auto& [bucket, counts] : buckets) {
    const double low = bucket == 0 ? 0 : edges[bucket - 1],
                 high = bucket < static_cast<int>(edges.size()) ? edges[bucket] : 1;
    std::cout << fmt::format("| {:.2f}-{:.2f} | {} | {} |\n", low, high, counts.first,
                             Percent(counts.second, counts.first));
  }
  std::cout << fmt::format("\n| format | margin | held-out crops | in words | free |\n|---|---:|---:|---:|---:|\n");
  for (const auto& [key, t] : by_margin) {
    std::cout << fmt::format("| {} | {} | {} | {} | {} |\n", key.first, kMargins[key.second], t.n, Percent(t.ours, t.n),
                             Percent(t.tesseract, t.n));
  }
  std::cout << fmt::format("\nours: {:.1f} ms per crop (beam 8)\n", read ? ours_ms / read : 0.0);
  return 0;
}
