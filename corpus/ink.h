// corpus/ink.h: private to the corpus module. Fonts, and a pen that writes
// on page rasters: typed text, hand-like print (baseline, size, slant and
// spacing jitter per character), strokes (check marks, crossings-out,
// signatures) and ruled shapes for the pages that are not forms.
//
// Every position and size is in PDF points from the page's top-left corner;
// the pen converts with the page's own dpi_x / dpi_y, so a page drawn at
// 204 x 196 dpi (fine fax) gets the same layout as one at 300 dpi.
//
// A FontCatalog is found once and shared; a Pen holds FreeType state and is
// used by one thread at a time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/image.h"
#include "corpus/random.h"

namespace intake::corpus_detail {

struct Font {
  std::string name;  // file name, e.g. "DejaVuSans.ttf"
  std::filesystem::path path;
  std::vector<bool> latin1;           // coverage of U+0000..U+00FF
  bool Covers(std::string_view utf8) const;
};

class FontCatalog {
 public:
  /// Looks for the known typed and hand-like fonts under `dirs`. Fails when
  /// not even one typed font (DejaVu, from fonts-dejavu-core) is there.
  /// With `only` (font file names without their extension), values are
  /// written only in those of the known fonts, typed and hand-like (the
  /// forms' own print and other pages keep DejaVu); fails, naming them, when
  /// a name is not a known font found here, or when `only` leaves no typed
  /// or no hand-like font.
  static Result<FontCatalog> Find(const std::vector<std::filesystem::path>& dirs,
                                  const std::vector<std::string>& only = {});

  const std::vector<Font>& typed() const { return typed_; }
  /// Hand-like fonts; when none is installed, typed fonts written with a hand's
  /// jitter stand in for them.
  const std::vector<Font>& hand() const { return hand_.empty() ? typed_ : hand_; }
  const std::vector<Font>& found_hand() const { return hand_; }
  const Font& mono() const { return *mono_; }
  const Font& bold() const { return *bold_; }
  const Font& regular() const { return *regular_; }
  const Font& serif() const { return *serif_; }

 private:
  std::vector<Font> typed_, hand_;
  std::vector<Font> print_;  // every typed font found, for the named faces below
  const Font* mono_ = nullptr;
  const Font* bold_ = nullptr;
  const Font* regular_ = nullptr;
  const Font* serif_ = nullptr;
  std::vector<Font> extra_;  // bold face, kept apart from the typed fill fonts
};

/// How text is written: which font, how big, in what ink, how steady a hand.
struct Script {
  const Font* font = nullptr;
  double size_pt = 10;
  std::uint8_t ink = 20;  // gray level of the ink (0 black)
  double slant_deg = 0;   // forward lean of a hand
  double jitter = 0;      // 0 typed; ~1 a steady hand, ~2 a hurried one
  double weight = 0;      // extra stroke width, in em/100 (a felt pen writes ~3)
};

struct PointPt {
  double x = 0, y = 0;
};

class Pen {
 public:
  Pen();
  ~Pen();
  Pen(const Pen&) = delete;
  Pen& operator=(const Pen&) = delete;

  /// Writes `text` with its baseline at (x, baseline); returns the advance in points.
  double Write(GrayImage& page, std::string_view text, double x, double baseline, const Script& script, Rng& rng);
  /// Width of `text` written without jitter.
  double Measure(std::string_view text, const Script& script);
  /// A polyline of `width` points, anti-aliased.
  void Stroke(GrayImage& page, const std::vector<PointPt>& points, double width, std::uint8_t ink);
  /// A rectangle outline (line_width > 0) or a filled rectangle (line_width 0).
  void Rect(GrayImage& page, double x, double y, double w, double h, double line_width, std::uint8_t ink);

  /// A handwritten signature: a few cursive strokes across the box.
  void Signature(GrayImage& page, double x, double y, double w, double h, std::uint8_t ink, Rng& rng);
  /// A tick in a checkbox square: an X, a check mark or a filled dot, as the
  /// writer makes them (`style` 0, 1, 2), a little off centre.
  void Tick(GrayImage& page, double x, double y, double w, double h, int style, std::uint8_t ink, Rng& rng);

  /// The cubic Bezier strokes of a signature in points, for drawing into a PDF.
  static std::vector<std::vector<PointPt>> SignatureStrokes(double x, double y, double w, double h, Rng& rng);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace intake::corpus_detail
