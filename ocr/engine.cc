#include "ocr/engine.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <utility>

#include <leptonica/allheaders.h>
#include <tesseract/baseapi.h>
#include <tesseract/ocrclass.h>
#include <tesseract/resultiterator.h>

namespace intake {
namespace {

// Word recognition stops after this long, so a hostile page cannot hold a
// worker for minutes.
constexpr int kRecognizeDeadlineMs = 20000;
// OSD reads a page at its own resolution when that is 200-300 dpi (a fax,
// ~250 ms) and at 300 dpi otherwise. A fax whose first reading is unsure is
// read again at 300 dpi (~450 ms), where quarter-turned forms score 9-14
// instead of 3-6; upside-down faxes score as well at their own resolution.
constexpr double kOsdDpi = 300;
constexpr double kOsdMinNativeDpi = 200;
// Tesseract's orientation confidence is unbounded: 4-15 on the shipped forms,
// mostly 3-19 on the sample faxes of them, and at most 3 where it was wrong (a
// handwritten cover sheet, a copy of an ID card). It is mapped to 0..1 as
// c / (c + kOsdHalfConfidence), so 0.5 is the line between the two.
constexpr double kOsdHalfConfidence = 3.0;
constexpr double kOsdSure = 0.5;
// Resolution assumed for a page that does not say.
constexpr double kFallbackDpi = 300;
// Regions thinner than this hold no readable character at any resolution used.
constexpr int kMinRegionPixels = 3;

// libgomp reads OMP_THREAD_LIMIT once, when it is loaded, before main: setting
// the variable later only reaches child processes. Disabling active parallel
// levels for the calling thread keeps Tesseract's parallel loops on that
// thread whatever the environment said. Looked up at run time, so a
// libtesseract built without OpenMP needs nothing.
void KeepOpenMpOnThisThread() {
  using SetMaxActiveLevels = void (*)(int);
  static const auto set_levels =
      reinterpret_cast<SetMaxActiveLevels>(dlsym(RTLD_DEFAULT, "omp_set_max_active_levels"));
  if (set_levels) set_levels(0);
}

struct PixDeleter {
  void operator()(PIX* pix) const { pixDestroy(&pix); }
};
using PixPtr = std::unique_ptr<PIX, PixDeleter>;

// 8 bpp Leptonica copy. Leptonica keeps the leftmost pixel in the most
// significant byte of each 32-bit word: copy the rows, then swap on
// little-endian hosts (a no-op elsewhere).
PixPtr ToPix(const GrayImage& page) {
  PixPtr pix(pixCreate(page.width, page.height, 8));
  if (!pix) return nullptr;
  l_uint32* data = pixGetData(pix.get());
  const int wpl = pixGetWpl(pix.get());
  for (int y = 0; y < page.height; ++y) {
    std::memcpy(data + static_cast<std::size_t>(y) * wpl, &page.pixels[static_cast<std::size_t>(y) * page.width],
                page.width);
  }
  pixEndianByteSwap(pix.get());
  return pix;
}

tesseract::PageSegMode ToPageSegMode(OcrMode mode) {
  switch (mode) {
    case OcrMode::kSingleLine: return tesseract::PSM_SINGLE_LINE;
    case OcrMode::kSingleWord: return tesseract::PSM_SINGLE_WORD;
    case OcrMode::kBlock: return tesseract::PSM_SINGLE_BLOCK;
    case OcrMode::kSparse: return tesseract::PSM_SPARSE_TEXT;
    case OcrMode::kAuto: return tesseract::PSM_AUTO;
  }
  return tesseract::PSM_SINGLE_BLOCK;
}

bool Complete(const GrayImage& page) {
  return !page.Empty() && page.pixels.size() == static_cast<std::size_t>(page.width) * page.height;
}

double DpiOf(const GrayImage& page) { return page.dpi_y > 0 ? page.dpi_y : kFallbackDpi; }

// Tesseract's own messages ("Empty page!!", resolution guesses) go nowhere:
// the service logs what matters itself.
const std::vector<std::string> kQuietNames = {"debug_file"};
const std::vector<std::string> kQuietValues = {"/dev/null"};

}  // namespace

struct OcrEngine::Impl {
  OcrOptions options;
  tesseract::TessBaseAPI api;
  std::unique_ptr<tesseract::TessBaseAPI> osd;  // loaded on first use: most pages never need it

  // The page `api` holds. A page read region by region is handed to Tesseract
  // once: a later call whose page has the same size, resolution and pixels
  // (compared in full, so a new page that happens to reuse the same buffer is
  // never mistaken for the old one) skips the copy.
  std::vector<std::uint8_t> loaded_pixels;
  int loaded_width = 0, loaded_height = 0;
  double loaded_dpi = 0;

  // One OSD reading of `page` scaled to `dpi`.
  Result<OrientationGuess> ReadOrientation(const GrayImage& page, double dpi) {
    PixPtr pix = ToPix(page);
    const double scale = dpi / DpiOf(page);
    if (pix && (scale < 0.99 || scale > 1.01)) {
      pix.reset(pixScale(pix.get(), static_cast<float>(scale), static_cast<float>(scale)));
    }
    if (!pix) return Fail(ErrorCode::kOcrError, "out of memory preparing the page for orientation detection");
    osd->SetImage(pix.get());
    osd->SetSourceResolution(static_cast<int>(dpi + 0.5));
    int orient_deg = 0;
    float orient_conf = 0, script_conf = 0;
    const char* script = nullptr;
    const bool found = osd->DetectOrientationScript(&orient_deg, &orient_conf, &script, &script_conf);
    osd->Clear();
    // No text to judge by (a blank page): upright, with no confidence.
    if (!found) return OrientationGuess{0, 0.0};
    // orient_deg is how far the text is turned clockwise (text read from
    // bottom to top is 90): undoing it takes the rest of the full turn.
    const double confidence = std::max(0.0, static_cast<double>(orient_conf));
    return OrientationGuess{(360 - orient_deg) % 360, confidence / (confidence + kOsdHalfConfidence)};
  }

  const char* DataPath() const { return options.tessdata_dir.empty() ? nullptr : options.tessdata_dir.c_str(); }

  void Load(const GrayImage& page) {
    const double dpi = DpiOf(page);
    if (page.width == loaded_width && page.height == loaded_height && dpi == loaded_dpi &&
        page.pixels == loaded_pixels) {
      return;
    }
    loaded_width = loaded_height = 0;  // matches nothing until the copy below is complete
    api.SetImage(page.pixels.data(), page.width, page.height, 1, page.width);
    api.SetSourceResolution(static_cast<int>(dpi + 0.5));
    loaded_pixels = page.pixels;
    loaded_width = page.width;
    loaded_height = page.height;
    loaded_dpi = dpi;
  }
};

void DisableOcrThreading() {
  setenv("OMP_THREAD_LIMIT", "1", 1);
  KeepOpenMpOnThisThread();
}

OcrEngine::OcrEngine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
OcrEngine::~OcrEngine() = default;

Result<std::unique_ptr<OcrEngine>> OcrEngine::Create(const OcrOptions& options) {
  try {
    KeepOpenMpOnThisThread();
    auto impl = std::make_unique<Impl>();
    impl->options = options;
    if (impl->api.Init(impl->DataPath(), options.languages.c_str(), tesseract::OEM_LSTM_ONLY, nullptr, 0,
                       &kQuietNames, &kQuietValues, false) != 0) {
      return Fail(ErrorCode::kOcrError, "OCR models for '" + options.languages +
                                            "' could not be loaded: check the tessdata folder and language packs");
    }
    impl->api.SetVariable("tessedit_do_invert", "0");
    return std::unique_ptr<OcrEngine>(new OcrEngine(std::move(impl)));
  } catch (const std::exception&) {
    return Fail(ErrorCode::kOcrError, "OCR engine could not be started");
  }
}

Result<OrientationGuess> OcrEngine::DetectOrientation(const GrayImage& page) {
  if (!Complete(page)) return Fail(ErrorCode::kOcrError, "page image is empty or incomplete");
  try {
    KeepOpenMpOnThisThread();
    if (!impl_->osd) {
      auto osd = std::make_unique<tesseract::TessBaseAPI>();
      if (osd->Init(impl_->DataPath(), "osd", tesseract::OEM_TESSERACT_ONLY, nullptr, 0, &kQuietNames,
                    &kQuietValues, false) != 0) {
        return Fail(ErrorCode::kOcrError, "orientation model (osd.traineddata) could not be loaded");
      }
      impl_->osd = std::move(osd);
    }
    const double dpi = DpiOf(page);
    const bool native = dpi >= kOsdMinNativeDpi && dpi < kOsdDpi;
    Result<OrientationGuess> guess = impl_->ReadOrientation(page, native ? dpi : kOsdDpi);
    if (!guess || !native || guess->confidence >= kOsdSure) return guess;
    Result<OrientationGuess> second = impl_->ReadOrientation(page, kOsdDpi);
    if (!second) return second;
    return second->confidence > guess->confidence ? second : guess;
  } catch (const std::exception&) {
    return Fail(ErrorCode::kOcrError, "orientation detection failed on this page");
  }
}

Result<OcrText> OcrEngine::ReadRegion(const GrayImage& page, Box region, OcrMode mode, const std::string& whitelist) {
  if (!Complete(page)) return Fail(ErrorCode::kOcrError, "page image is empty or incomplete");
  if (region.w <= 0 || region.h <= 0) region = Box{0, 0, page.width, page.height};
  const int x0 = std::max(0, region.x), y0 = std::max(0, region.y);
  const int x1 = std::min(page.width, region.x + region.w), y1 = std::min(page.height, region.y + region.h);
  if (x1 - x0 < kMinRegionPixels || y1 - y0 < kMinRegionPixels) return OcrText{};

  tesseract::TessBaseAPI& api = impl_->api;
  try {
    KeepOpenMpOnThisThread();
    impl_->Load(page);
    api.SetRectangle(x0, y0, x1 - x0, y1 - y0);
    api.SetPageSegMode(ToPageSegMode(mode));
    api.SetVariable("tessedit_char_whitelist", whitelist.c_str());
    tesseract::ETEXT_DESC monitor;
    monitor.set_deadline_msecs(kRecognizeDeadlineMs);
    const int status = api.Recognize(&monitor);
    api.SetVariable("tessedit_char_whitelist", "");
    if (monitor.deadline_exceeded()) {
      return Fail(ErrorCode::kOcrError, "OCR gave up on a region after 20 s: the page may be noise");
    }
    if (status != 0) return Fail(ErrorCode::kOcrError, "OCR failed on a region of this page");

    OcrText out;
    const std::unique_ptr<char[]> text(api.GetUTF8Text());
    if (text) {
      out.text = text.get();
      out.text.erase(out.text.find_last_not_of(" \n") + 1);
    }
    const std::unique_ptr<tesseract::ResultIterator> it(api.GetIterator());
    if (it) {
      do {
        if (it->Empty(tesseract::RIL_WORD)) continue;
        const std::unique_ptr<char[]> word(it->GetUTF8Text(tesseract::RIL_WORD));
        int left = 0, top = 0, right = 0, bottom = 0;
        it->BoundingBox(tesseract::RIL_WORD, &left, &top, &right, &bottom);
        const double confidence = std::clamp(it->Confidence(tesseract::RIL_WORD) / 100.0, 0.0, 1.0);
        out.words.push_back(OcrWord{word ? word.get() : "", confidence, Box{left, top, right - left, bottom - top}});
      } while (it->Next(tesseract::RIL_WORD));
    }
    if (!out.words.empty()) {
      for (const OcrWord& w : out.words) out.confidence += w.confidence;
      out.confidence /= static_cast<double>(out.words.size());
    }
    return out;
  } catch (const std::exception&) {
    api.SetVariable("tessedit_char_whitelist", "");
    return Fail(ErrorCode::kOcrError, "OCR failed on a region of this page");
  }
}

}  // namespace intake
