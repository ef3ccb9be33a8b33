#include "preprocess/prepare.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <exception>
#include <memory>
#include <vector>

#include <leptonica/allheaders.h>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

namespace intake {
namespace {

// Darker than this is ink: the same cut as GrayImage::InkRatio's default.
constexpr std::uint8_t kInkThreshold = 128;
// Resolution assumed when a page does not say (phone photos, some PDFs).
constexpr double kFallbackDpi = 200;
// speck_max_pixels is given at fax resolution and scaled by area from there.
constexpr double kSpeckReferenceDpi = 204;

// Skew search (Leptonica sweep then binary search): sweep +-kSkewSweepRange in
// 1-degree steps on a 4x reduction, refine to 0.01 degree at 150-300 dpi
// (full resolution for a fax: a typed letter scores only 3 at half of it).
// Below kMinSkewConfidence the line structure is too weak to trust (blank or
// nearly blank pages, scribbles), and below kMinSkewCorrection a rotation costs
// more sharpness than it gains.
constexpr float kSkewSweepRange = 8.0f;
constexpr float kMinSkewConfidence = 3.0f;
constexpr double kMinSkewCorrection = 0.05;

struct PixDeleter {
  void operator()(PIX* pix) const { pixDestroy(&pix); }
};
using PixPtr = std::unique_ptr<PIX, PixDeleter>;

double DpiOf(const GrayImage& page) { return page.dpi_y > 0 ? page.dpi_y : kFallbackDpi; }

int Px(double inches, double dpi) { return static_cast<int>(std::lround(inches * dpi)); }

// A cv::Mat over the page's own pixels (no copy). OpenCV never writes through it
// for a const page.
cv::Mat View(const GrayImage& page) {
  return cv::Mat(page.height, page.width, CV_8UC1, const_cast<std::uint8_t*>(page.pixels.data()));
}

// A connected ink blob: 8-connected pixels darker than kInkThreshold.
struct Blob {
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // bounding box, x1/y1 one past the end
  long area = 0;
  int width() const { return x1 - x0; }
  int height() const { return y1 - y0; }
};

struct Run {
  int y, x0, x1;  // x1 one past the end
};

struct InkBlobs {
  std::vector<Run> runs;
  std::vector<int> blob_of_run;
  std::vector<Blob> blobs;
};

int FindRoot(std::vector<int>& parent, int i) {
  while (parent[i] != i) i = parent[i] = parent[parent[i]];
  return i;
}

// Index of the first ink pixel in [x, end), or end. Skips eight white pixels at
// a time: a byte is ink when its high bit is clear.
int NextInk(const std::uint8_t* row, int x, int end) {
  static_assert(kInkThreshold == 128);
  for (; x + 8 <= end; x += 8) {
    std::uint64_t word;
    std::memcpy(&word, row + x, 8);
    if ((word & 0x8080808080808080ull) != 0x8080808080808080ull) break;
  }
  while (x < end && row[x] >= kInkThreshold) ++x;
  return x;
}

// The blobs of the first `rows` rows, found from horizontal runs with
// union-find: pages are mostly white paper, so this touches each row once and
// the few runs on it, several times faster than labelling every pixel (OpenCV's
// connectedComponentsWithStats took 25-45 ms on a fax page).
InkBlobs FindInkBlobs(const GrayImage& page, int rows) {
  InkBlobs out;
  std::vector<int> parent;
  std::size_t previous_begin = 0, previous_end = 0;
  for (int y = 0; y < rows; ++y) {
    const std::uint8_t* row = &page.pixels[static_cast<std::size_t>(y) * page.width];
    const std::size_t row_begin = out.runs.size();
    std::size_t above = previous_begin;
    for (int x = NextInk(row, 0, page.width); x < page.width; x = NextInk(row, x, page.width)) {
      const int x0 = x;
      while (x < page.width && row[x] < kInkThreshold) ++x;
      const int id = static_cast<int>(out.runs.size());
      out.runs.push_back(Run{y, x0, x});
      parent.push_back(id);
      // Runs of the row above touching [x0 - 1, x] (diagonals count).
      while (above < previous_end && out.runs[above].x1 < x0) ++above;
      for (std::size_t b = above; b < previous_end && out.runs[b].x0 <= x; ++b) {
        const int ra = FindRoot(parent, id), rb = FindRoot(parent, static_cast<int>(b));
        if (ra != rb) parent[std::max(ra, rb)] = std::min(ra, rb);
      }
    }
    previous_begin = row_begin;
    previous_end = out.runs.size();
  }

  out.blob_of_run.resize(out.runs.size());
  std::vector<int> blob_of_root(out.runs.size(), -1);
  for (std::size_t i = 0; i < out.runs.size(); ++i) {
    const int root = FindRoot(parent, static_cast<int>(i));
    if (blob_of_root[root] < 0) {
      blob_of_root[root] = static_cast<int>(out.blobs.size());
      const Run& r = out.runs[i];
      out.blobs.push_back(Blob{r.x0, r.y, r.x1, r.y + 1, 0});
    }
    const Run& r = out.runs[i];
    Blob& b = out.blobs[blob_of_root[root]];
    b.x0 = std::min(b.x0, r.x0);
    b.x1 = std::max(b.x1, r.x1);
    b.y1 = std::max(b.y1, r.y + 1);
    b.area += r.x1 - r.x0;
    out.blob_of_run[i] = blob_of_root[root];
  }
  return out;
}

// 1 bpp Leptonica copy of the page with ink = 1 (Leptonica keeps the leftmost
// pixel of a 32-bit word in its most significant bit).
PixPtr InkPix(const GrayImage& page) {
  PixPtr pix(pixCreate(page.width, page.height, 1));
  if (!pix) return nullptr;
  l_uint32* data = pixGetData(pix.get());
  const int wpl = pixGetWpl(pix.get());
  for (int y = 0; y < page.height; ++y) {
    const std::uint8_t* row = &page.pixels[static_cast<std::size_t>(y) * page.width];
    l_uint32* line = data + static_cast<std::size_t>(y) * wpl;
    for (int x0 = 0; x0 < page.width; x0 += 32) {
      const int n = std::min(32, page.width - x0);
      l_uint32 word = 0;
      for (int i = 0; i < n; ++i) word |= static_cast<l_uint32>(row[x0 + i] < kInkThreshold) << (31 - i);
      line[x0 / 32] = word;
    }
  }
  return pix;
}

// Rotates about the centre by `degrees` counter-clockwise, keeping the size and
// bringing in white paper at the corners. The result is drawn in a buffer this
// thread keeps between pages and the two are swapped: with a fresh buffer per
// page, page faults made PreparePage take 50 ms instead of 21 on the VM.
void RotateSmall(GrayImage& page, double degrees) {
  thread_local std::vector<std::uint8_t> spare;
  spare.resize(page.pixels.size());
  const cv::Mat m = cv::getRotationMatrix2D(cv::Point2f(page.width / 2.0f, page.height / 2.0f), degrees, 1.0);
  cv::Mat dst(page.height, page.width, CV_8UC1, spare.data());
  cv::warpAffine(View(page), dst, m, dst.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(255));
  page.pixels.swap(spare);
}

void FillWhite(GrayImage& page, Box box) {
  const int x0 = std::max(0, box.x), y0 = std::max(0, box.y);
  const int x1 = std::min(page.width, box.x + box.w), y1 = std::min(page.height, box.y + box.h);
  for (int y = y0; y < y1; ++y) std::fill_n(&page.At(x0, y), std::max(0, x1 - x0), std::uint8_t{255});
}

// Removes ink blobs of at most `speck_max` pixels when `despeckle`, and tells
// whether anything that looks like content is left. Content is a blob at least
// ~0.03 in across, not a thin streak, whose centre lies inside the page minus a
// 0.25 in border (fax edges carry streaks and scanner shadows); the page is
// blank when such blobs add up to less than 1/10,000 of its area, about one
// typed word.
bool CleanAndCheckBlank(GrayImage& page, bool despeckle, int speck_max) {
  const double dpi = DpiOf(page);
  const InkBlobs ink = FindInkBlobs(page, page.height);

  if (despeckle) {
    for (std::size_t i = 0; i < ink.runs.size(); ++i) {
      const Blob& b = ink.blobs[ink.blob_of_run[i]];
      if (b.area > speck_max) continue;
      const Run& r = ink.runs[i];
      std::fill(&page.At(r.x0, r.y), &page.At(r.x0, r.y) + (r.x1 - r.x0), std::uint8_t{255});
    }
    // The light anti-aliasing around each removed speck goes with it.
    for (const Blob& b : ink.blobs) {
      if (b.area > speck_max) continue;
      for (int y = std::max(0, b.y0 - 1); y < std::min(page.height, b.y1 + 1); ++y) {
        for (int x = std::max(0, b.x0 - 1); x < std::min(page.width, b.x1 + 1); ++x) {
          if (page.At(x, y) >= kInkThreshold) page.At(x, y) = 255;
        }
      }
    }
  }

  const int min_content = Px(0.03, dpi), thin = Px(0.015, dpi), long_streak = Px(0.5, dpi);
  const int border = Px(0.25, dpi);
  double content_ink = 0;
  for (const Blob& b : ink.blobs) {
    if (b.area <= speck_max) continue;
    const int w = b.width(), h = b.height();
    const bool big_enough = std::max(w, h) >= min_content;
    const bool streak = std::min(w, h) <= thin && std::max(w, h) >= long_streak;
    const int cx = (b.x0 + b.x1) / 2, cy = (b.y0 + b.y1) / 2;
    const bool inside = cx >= border && cx < page.width - border && cy >= border && cy < page.height - border;
    if (big_enough && !streak && inside) content_ink += b.area;
  }
  return content_ink < 1e-4 * page.width * page.height;
}

}  // namespace

GrayImage ToSquarePixels(const GrayImage& page) {
  if (page.Empty() || page.dpi_x <= 0 || page.dpi_y <= 0 || std::abs(page.dpi_x - page.dpi_y) < 0.5) return page;
  const double dpi = std::max(page.dpi_x, page.dpi_y);
  const int width = static_cast<int>(std::lround(page.width * dpi / page.dpi_x));
  const int height = static_cast<int>(std::lround(page.height * dpi / page.dpi_y));
  GrayImage out = GrayImage::Blank(width, height, dpi, dpi);
  cv::Mat dst = View(out);
  cv::resize(View(page), dst, dst.size(), 0, 0, cv::INTER_LINEAR);
  return out;
}

// Works on the connected ink blobs of the top 0.75 in. The first band of rows
// holding ink (specks, dots and thin vertical streaks aside) is the header when
// it starts within 0.4 in of the top edge, is one text row tall (0.04-0.25 in),
// holds at least 5 text-sized blobs spread over 1.5 in or more, and contains
// nothing else: no solid mark (the forms' corner squares, a logo) and no long
// rule. A white row, at least, separates it from what follows, by construction
// of the band. A page without a header fails one of these: its first band is
// the forms' corner squares, or squares, logo and title run together.
std::optional<Box> FindFaxHeader(const GrayImage& page) {
  if (page.Empty()) return std::nullopt;
  const double dpi = DpiOf(page);
  const int strip_height = std::min(page.height, Px(0.75, dpi));
  const int tiny = Px(0.025, dpi), streak_width = Px(0.03, dpi), streak_height = Px(0.3, dpi);
  std::vector<Blob> blobs;
  for (const Blob& b : FindInkBlobs(page, strip_height).blobs) {
    if (b.width() < tiny && b.height() < tiny) continue;
    if (b.width() <= streak_width && b.height() >= streak_height) continue;
    blobs.push_back(b);
  }
  if (blobs.empty()) return std::nullopt;
  std::sort(blobs.begin(), blobs.end(), [](const Blob& a, const Blob& b) { return a.y0 < b.y0; });

  const int top = blobs.front().y0;
  int bottom = top;  // one past the band's last row
  int next_top = -1;
  std::size_t in_band = 0;
  for (const Blob& b : blobs) {
    if (b.y0 > bottom && in_band > 0) {
      next_top = b.y0;
      break;
    }
    bottom = std::max(bottom, b.y1);
    ++in_band;
  }

  if (top > Px(0.4, dpi)) return std::nullopt;
  if (bottom - top < Px(0.04, dpi) || bottom - top > Px(0.25, dpi)) return std::nullopt;
  if (next_top < 0 && bottom >= strip_height) return std::nullopt;  // runs on past the strip
  const int solid = Px(0.06, dpi), rule = Px(1.0, dpi);
  int left = page.width, right = 0;
  for (std::size_t i = 0; i < in_band; ++i) {
    const Blob& b = blobs[i];
    const bool solid_mark = b.width() >= solid && b.height() >= solid && b.area >= 0.8 * b.width() * b.height();
    const bool long_rule = b.width() >= rule && b.height() < solid;
    if (solid_mark || long_rule) return std::nullopt;
    left = std::min(left, b.x0);
    right = std::max(right, b.x1);
  }
  if (in_band < 5 || right - left < Px(1.5, dpi)) return std::nullopt;

  // A little white below the row, but never into what follows.
  int margin = Px(0.03, dpi);
  if (next_top >= 0) margin = std::min(margin, (next_top - bottom) / 2);
  return Box{0, 0, page.width, std::min(page.height, bottom + margin)};
}

// Leptonica's angle is the rotation that would level the content, clockwise
// positive, which is the content's skew counter-clockwise positive.
double EstimateSkew(const GrayImage& page) {
  if (page.Empty()) return 0;
  const PixPtr ink = InkPix(page);
  if (!ink) return 0;
  const double dpi = DpiOf(page);
  const int search_reduction = dpi >= 600 ? 4 : dpi >= 300 ? 2 : 1;
  l_float32 angle = 0, confidence = 0;
  if (pixFindSkewSweepAndSearch(ink.get(), &angle, &confidence, 4, search_reduction, kSkewSweepRange, 1.0f,
                                0.01f) != 0) {
    return 0;
  }
  return confidence >= kMinSkewConfidence ? angle : 0;
}

GrayImage RotateQuarterTurns(const GrayImage& page, int rotate_clockwise) {
  const int quarters = ((rotate_clockwise / 90) % 4 + 4) % 4;
  if (quarters == 0 || page.Empty()) return page;
  const bool swap = quarters % 2 == 1;
  GrayImage out = swap ? GrayImage::Blank(page.height, page.width, page.dpi_y, page.dpi_x)
                       : GrayImage::Blank(page.width, page.height, page.dpi_x, page.dpi_y);
  cv::Mat dst = View(out);
  const int code = quarters == 1 ? cv::ROTATE_90_CLOCKWISE
                   : quarters == 2 ? cv::ROTATE_180
                                   : cv::ROTATE_90_COUNTERCLOCKWISE;
  cv::rotate(View(page), dst, code);
  return out;
}

Result<PreparedPage> PreparePage(const GrayImage& input, const PrepareOptions& options,
                                 const OrientationDetector& detect) {
  if (input.Empty() || input.pixels.size() != static_cast<std::size_t>(input.width) * input.height) {
    return Fail(ErrorCode::kCorruptFile, "page image is empty or incomplete");
  }
  try {
    PreparedPage out;
    GrayImage page = ToSquarePixels(input);

    out.header_band = FindFaxHeader(page);
    if (out.header_band) FillWhite(page, *out.header_band);

    if (options.detect_orientation && detect) {
      Result<OrientationGuess> guess = detect(page);
      if (!guess) return tl::unexpected(guess.error());
      out.orientation_confidence = guess->confidence;
      if (guess->rotate_clockwise % 360 != 0 && guess->confidence >= options.min_orientation_confidence) {
        page = RotateQuarterTurns(page, guess->rotate_clockwise);
        out.rotated_clockwise = ((guess->rotate_clockwise % 360) + 360) % 360;
      }
    }

    const double skew = EstimateSkew(page);
    if (std::abs(skew) >= kMinSkewCorrection && std::abs(skew) <= options.max_skew_degrees) {
      RotateSmall(page, -skew);
      out.skew_degrees = skew;
    }

    const double scale = DpiOf(page) / kSpeckReferenceDpi;
    const int speck_max = static_cast<int>(std::lround(options.speck_max_pixels * scale * scale));
    out.blank = CleanAndCheckBlank(page, options.despeckle, speck_max);
    out.image = std::move(page);
    return out;
  } catch (const std::exception&) {
    return Fail(ErrorCode::kInternal, "page preparation failed unexpectedly");
  }
}

}  // namespace intake
