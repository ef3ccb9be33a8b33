// ocr/engine.h: intake's one door to Tesseract.
//
// An OcrEngine owns one Tesseract instance and is used by one thread at a
// time: the service makes one per worker thread and reuses it, because
// loading the models takes ~150 ms. Tesseract's own OpenMP threads must be
// off (OMP_THREAD_LIMIT=1, set by `DisableOcrThreading` before the first
// engine is made): left on, a fax page took 13 s here instead of 2 s.
//
//   DisableOcrThreading();
//   auto engine = OcrEngine::Create(OcrOptions{});
//   if (!engine) ...;
//   Result<OrientationGuess> o = (*engine)->DetectOrientation(page);
//   Result<OcrText> text = (*engine)->ReadRegion(page, box, OcrMode::kSingleLine);
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/image.h"

namespace intake {

/// Sets OMP_THREAD_LIMIT=1 in this process's environment. Call before any
/// engine exists.
void DisableOcrThreading();

struct OcrOptions {
  std::string languages = "eng+spa";
  std::string tessdata_dir;  // empty: the system's tessdata
};

enum class OcrMode { kSingleLine, kSingleWord, kBlock, kSparse, kAuto };

struct OcrWord {
  std::string text;
  double confidence = 0;  // 0..1, Tesseract's own
  Box box;
};

struct OcrText {
  std::string text;
  double confidence = 0;  // 0..1, Tesseract's mean word confidence
  std::vector<OcrWord> words;
};

class OcrEngine {
 public:
  static Result<std::unique_ptr<OcrEngine>> Create(const OcrOptions& options);
  ~OcrEngine();
  OcrEngine(const OcrEngine&) = delete;
  OcrEngine& operator=(const OcrEngine&) = delete;

  /// Orientation and script detection (Tesseract OSD) on a whole page.
  Result<OrientationGuess> DetectOrientation(const GrayImage& page);

  /// Recognizes the text inside `region` of `page` (whole page when region is empty).
  /// `whitelist`, when not empty, restricts the characters Tesseract may return.
  Result<OcrText> ReadRegion(const GrayImage& page, Box region, OcrMode mode, const std::string& whitelist = "");

 private:
  struct Impl;
  explicit OcrEngine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace intake
