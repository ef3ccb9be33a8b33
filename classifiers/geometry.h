// classifiers/geometry.h: internals shared by identification and registration
// (not part of the module's interface; include classifiers/identify.h).
//
// Everything the classifier needs to know about a template page is derived
// from its blank render, once, and cached: where its four corner marks are,
// the inside of its form-code box, a small copy for layout comparison, and
// the ruled-line crossings used to refine a registration. A page is mapped
// onto a template page by a homography (template pixels at kTemplateDpi ->
// page pixels) fitted first to the corner marks found on the page.
#pragma once

#include <array>
#include <optional>
#include <vector>

#include "core/image.h"
#include "templates/template.h"

namespace intake::classify {

/// Resolution of the small page copies compared for identification.
inline constexpr double kLayoutDpi = 50;
/// Resolution at which printed labels are compared to tell twin templates
/// (one form in two languages) apart.
inline constexpr double kLabelDpi = 100;

struct Point {
  double x = 0, y = 0;
};

/// A plane projective map, row-major 3x3.
struct Homography {
  std::array<double, 9> m{1, 0, 0, 0, 1, 0, 0, 0, 1};
  Point Apply(Point p) const;
  Homography Then(const Homography& next) const;  // next(this(p))
};

/// A solid square blob that may be a corner mark: centre and side, in page pixels.
struct Mark {
  Point centre;
  double size = 0;
};

enum Corner { kTopLeft = 0, kTopRight = 1, kBottomLeft = 2, kBottomRight = 3 };

struct PageModel {
  int width = 0, height = 0;   // of the blank, template pixels
  std::array<Point, 4> marks;  // corner-mark centres (Corner order), template pixels
  double mark_size = 0;
  std::optional<Box> code_box;  // inside of the printed form-code box, template pixels
  GrayImage small;              // the blank at kLayoutDpi
  std::vector<float> layout;    // LayoutVector(small)
  GrayImage labels;             // the blank at kLabelDpi
  std::vector<Point> landmarks;  // ruled-line crossings and marks, template pixels
};

/// The model of page `page` (1-based) of `form`, built on first use and
/// cached for the life of the process; nullptr when its blank shows no four
/// corner marks. Thread-safe.
const PageModel* ModelOf(const FormTemplate& form, int page);

/// What one pass over a page's ink finds: solid square blobs, any size a
/// corner mark could have, and letters a third of an inch tall or more (the
/// words of a separator sheet). Page pixels.
struct PageInk {
  std::vector<Mark> marks;
  std::vector<Box> big_letters;
  GrayImage reduced;   // the page shrunk by a whole factor to about 100 dpi
  int reduction = 1;   // that factor
};

PageInk FindInk(const GrayImage& page);

struct MarkFit {
  Homography to_page;   // template pixels -> page pixels
  int found = 0;        // corner marks matched (2..4)
  double scale = 1;     // page pixels per template pixel
  double score = 0;     // marks found, less what misplacement and wrong sizes cost
};

/// Ways the corner marks among `candidates` may fit the template's four (at
/// least two, consistent in size, spacing and angle, on a page 45-115% as
/// wide as the image `image_width` pixels wide, upright or upside down) and
/// the maps they give, most likely first: the best matchings, then their
/// subsets. The marks are symmetric, so the layout decides between them.
std::vector<MarkFit> FitMarks(const std::vector<Mark>& candidates, const PageModel& model, int image_width);

/// The map from page pixels to the pixels of a copy shrunk by `factor` (< 1).
Homography Shrinking(double factor);

/// The page resampled onto the template frame: output pixel (x, y) is the
/// page at to_page((x + 0.5) / scale - 0.5, ...); white outside the page. A
/// page much finer than the output is shrunk first (area average), so thin
/// lines are averaged in rather than skipped between samples; callers that
/// warp one page many times shrink it once themselves (ShrinkFor).
GrayImage WarpToTemplate(const GrayImage& page, const Homography& to_page, int width, int height, double scale);

/// The page, and the map onto it, ready for warps at `scale` output pixels
/// per template pixel: shrunk when the page is much finer than that.
struct Source {
  GrayImage image;
  Homography to_image;  // template pixels -> image pixels
};
Source ShrinkFor(const GrayImage& page, const Homography& to_page, double scale);

/// Layout correlation above which a page is taken to be that template page
/// (see identify.cc for the figures behind it).
inline constexpr double kLayoutMatch = 0.45;

struct ScoredFit {
  MarkFit fit;
  double layout = 0;  // layout correlation with the template page under this fit
};

/// One page as the classifier sees it: its ink found once, its layout
/// compared with template pages under mark fits, warps shared between
/// templates whose marks agree.
class PageView {
 public:
  explicit PageView(const GrayImage& page);
  const PageInk& ink() const { return ink_; }
  /// The mark fit for `model` whose layout agrees best (the first fit that
  /// looks right is taken); nullopt when no marks fit. `quick`: only the
  /// best-scored fits (an upright and an upside-down reading of the same
  /// marks score alike) are tried, not the alternatives.
  std::optional<ScoredFit> Fit(const PageModel& model, bool quick = false);
  /// Layout correlation of the page under `to_page` with the model's blank.
  double Layout(const PageModel& model, const Homography& to_page);

 private:
  PageInk ink_;
  int width_ = 0;
  std::vector<std::pair<const PageModel*, std::vector<MarkFit>>> fits_;  // shared by models whose marks agree
  std::vector<std::pair<Homography, std::vector<float>>> layouts_;
};

/// Which of two same-size blanks `page` (warped to their frame) shows: the
/// normalized cross-correlation of the page with each, over only the pixels
/// where the two blanks differ (their labels). Returns (a's, b's).
std::pair<double, double> LabelSimilarity(const GrayImage& page, const GrayImage& a, const GrayImage& b);

/// An image blurred a little (so that one-pixel misalignments do not count),
/// less its mean, scaled to unit length: the dot product of two such vectors
/// of same-size images is their normalized cross-correlation, -1..1.
std::vector<float> LayoutVector(const GrayImage& image);
double LayoutSimilarity(const std::vector<float>& a, const std::vector<float>& b);

}  // namespace intake::classify
