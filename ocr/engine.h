// ocr/engine.h: intake's one door to Tesseract.
//
// An OcrEngine owns one Tesseract instance and is used by one thread at a
// time: the service makes one per worker thread and reuses it, because
// loading the models takes ~150 ms. Tesseract's own OpenMP threads must be
// off: left on, a fax page took 13 s here instead of 2 s. OMP_THREAD_LIMIT=1
// in the environment the process starts with does it; since libgomp reads
// that variable only at load time, the engine also switches OpenMP off for
// the calling thread on every call, and `DisableOcrThreading` sets the
// variable for child processes.
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

/// Sets OMP_THREAD_LIMIT=1 in this process's environment (seen by child
/// processes) and switches OpenMP off for the calling thread. Call at start-up.
void DisableOcrThreading();

struct OcrOptions {
  std::string languages = "spa+eng";
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

  /// Orientation and script detection (Tesseract OSD) on a whole page: a fax
  /// is read at its own resolution (~250 ms) and again at 300 dpi when unsure
  /// (~400 ms more), other pages at 300 dpi. The confidence maps Tesseract's
  /// unbounded score c to c / (c + 3): on the sample faxes every wrong guess
  /// scored below 0.5. A page with no text to judge by is upright with
  /// confidence 0. The OSD model (osd.traineddata, ~200 ms) is loaded on the
  /// first call.
  Result<OrientationGuess> DetectOrientation(const GrayImage& page);

  /// Recognizes the text inside `region` of `page` (whole page when region is
  /// empty; clipped to the page). `whitelist`, when not empty, restricts the
  /// characters Tesseract may return, for this call only. Word boxes are in
  /// page coordinates. Reading several regions of one page in a row hands the
  /// page to Tesseract once: the engine keeps a copy and compares pixels, so
  /// changing a page between calls is safe. Gives up after 20 s (kOcrError).
  Result<OcrText> ReadRegion(const GrayImage& page, Box region, OcrMode mode, const std::string& whitelist = "");

 private:
  struct Impl;
  explicit OcrEngine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace intake
