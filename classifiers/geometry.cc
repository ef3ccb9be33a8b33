#include "classifiers/geometry.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <numbers>
#include <string>
#include <tuple>

#include <opencv2/calib3d.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

namespace intake::classify {
namespace {

// Mark candidates are looked for on a copy shrunk by a whole factor to about
// this wide (fast to make): a corner mark (9 pt on an 8.5 in page) is then
// ~12 pixels, plenty to judge its shape.
constexpr double kMarkSearchWidth = 1000;
// A warp whose source has more than this many pixels per output pixel shrinks
// the source first.
constexpr double kMaxSourcePixelsPerOutput = 1.25;

cv::Mat AsMat(const GrayImage& image) {
  return cv::Mat(image.height, image.width, CV_8U, const_cast<std::uint8_t*>(image.pixels.data()));
}

GrayImage FromMat(const cv::Mat& mat, double dpi) {
  GrayImage image = GrayImage::Blank(mat.cols, mat.rows, dpi, dpi);
  for (int y = 0; y < mat.rows; ++y) std::copy_n(mat.ptr<std::uint8_t>(y), mat.cols, &image.At(0, y));
  return image;
}

cv::Matx33d ToMatx(const Homography& h) { return cv::Matx33d(h.m.data()); }

Homography FromMatx(const cv::Matx33d& m) {
  Homography h;
  for (int i = 0; i < 9; ++i) h.m[i] = m.val[i] / m.val[8];
  return h;
}

// The dark-weighted centre of the blob near `around`, at full resolution.
Mark RefineMark(const cv::Mat& page, Point around, double size) {
  // Just the mark and a little paper: nearby print (the code box beside the top
  // right mark) must not pull the centre.
  const int half = static_cast<int>(std::ceil(0.5 * size)) + 4;
  const cv::Rect window = cv::Rect(static_cast<int>(around.x) - half, static_cast<int>(around.y) - half, 2 * half + 1,
                                   2 * half + 1) & cv::Rect(0, 0, page.cols, page.rows);
  const cv::Mat patch = page(window);
  double lo = 0, hi = 0;
  cv::minMaxLoc(patch, &lo, &hi);
  const double threshold = (lo + hi) / 2;
  double weight = 0, mx = 0, my = 0;
  int dark = 0;
  for (int y = 0; y < patch.rows; ++y) {
    const std::uint8_t* row = patch.ptr<std::uint8_t>(y);
    for (int x = 0; x < patch.cols; ++x) {
      const double w = threshold - row[x];
      if (w <= 0) continue;
      weight += w;
      mx += w * (x + window.x);
      my += w * (y + window.y);
      ++dark;
    }
  }
  if (weight <= 0) return {around, size};
  return {{mx / weight, my / weight}, std::sqrt(static_cast<double>(dark))};
}

// The four candidates nearest the corners of a clean page (a template's
// blank): each in its own quadrant, all about the same size.
std::optional<std::array<Mark, 4>> CornerMarks(const std::vector<Mark>& candidates, int width, int height) {
  std::array<std::optional<Mark>, 4> best;
  std::array<double, 4> best_distance{};
  for (const Mark& mark : candidates) {
    const bool right = mark.centre.x > width / 2.0, bottom = mark.centre.y > height / 2.0;
    const int corner = (bottom ? 2 : 0) + (right ? 1 : 0);
    const double d = std::hypot(mark.centre.x - (right ? width : 0), mark.centre.y - (bottom ? height : 0));
    if (!best[corner] || d < best_distance[corner]) {
      best[corner] = mark;
      best_distance[corner] = d;
    }
  }
  std::array<Mark, 4> marks;
  for (int i = 0; i < 4; ++i) {
    if (!best[i]) return std::nullopt;
    marks[i] = *best[i];
  }
  for (const Mark& mark : marks) {
    if (std::abs(mark.size / marks[0].size - 1) > 0.3) return std::nullopt;
  }
  return marks;
}

// The inside of the printed form-code box: the largest hollow, wide frame in
// the top right of the page.
std::optional<Box> FindCodeBox(const GrayImage& blank) {
  cv::Mat ink;
  cv::threshold(AsMat(blank), ink, 128, 255, cv::THRESH_BINARY_INV);
  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(ink, labels, stats, centroids, 8, CV_32S);
  const double px_per_pt = blank.dpi_x / 72.0;
  std::optional<cv::Rect> best;
  for (int i = 1; i < n; ++i) {
    const cv::Rect r(stats.at<int>(i, cv::CC_STAT_LEFT), stats.at<int>(i, cv::CC_STAT_TOP),
                     stats.at<int>(i, cv::CC_STAT_WIDTH), stats.at<int>(i, cv::CC_STAT_HEIGHT));
    const double fill = stats.at<int>(i, cv::CC_STAT_AREA) / static_cast<double>(r.area());
    const double aspect = r.width / static_cast<double>(r.height);
    const bool placed = r.y + r.height < 0.2 * blank.height && r.x + r.width / 2 > blank.width / 2;
    const bool shaped = fill < 0.35 && aspect > 2.5 && aspect < 12 && r.height > 8 * px_per_pt &&
                        r.height < 50 * px_per_pt;
    if (placed && shaped && (!best || r.area() > best->area())) best = r;
  }
  if (!best) return std::nullopt;
  // Step inside the frame: its stroke, measured down the middle, plus a little.
  int stroke = 0;
  const int mid = best->x + best->width / 2;
  while (stroke < best->height / 3 && ink.at<std::uint8_t>(best->y + stroke, mid)) ++stroke;
  const int inset = stroke + static_cast<int>(std::lround(1.5 * px_per_pt));
  return Box{best->x + inset, best->y + inset, best->width - 2 * inset, best->height - 2 * inset};
}

// Crossings of ruled lines (box corners, T-joints) spread over the page, and
// the corner marks: places that pin a registration down in both directions.
std::vector<Point> FindLandmarks(const GrayImage& blank, const std::array<Point, 4>& marks) {
  cv::Mat ink;
  cv::threshold(AsMat(blank), ink, 160, 255, cv::THRESH_BINARY_INV);
  const int reach = static_cast<int>(std::lround(blank.dpi_x * 0.2));
  cv::Mat horizontal, vertical, crossings;
  cv::morphologyEx(ink, horizontal, cv::MORPH_OPEN, cv::getStructuringElement(cv::MORPH_RECT, {reach, 1}));
  cv::morphologyEx(ink, vertical, cv::MORPH_OPEN, cv::getStructuringElement(cv::MORPH_RECT, {1, reach}));
  const cv::Mat grow = cv::getStructuringElement(cv::MORPH_RECT, {5, 5});
  cv::dilate(horizontal, horizontal, grow);
  cv::dilate(vertical, vertical, grow);
  cv::bitwise_and(horizontal, vertical, crossings);
  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(crossings, labels, stats, centroids, 8, CV_32S);
  // One crossing per cell of a coarse grid, the one nearest the cell's centre.
  constexpr int kColumns = 6, kRows = 8;
  const int margin = static_cast<int>(blank.dpi_x * 0.25);
  std::map<int, std::pair<double, Point>> cells;
  for (int i = 1; i < n; ++i) {
    const Point p{centroids.at<double>(i, 0), centroids.at<double>(i, 1)};
    if (p.x < margin || p.y < margin || p.x > blank.width - margin || p.y > blank.height - margin) continue;
    const double cw = blank.width / static_cast<double>(kColumns), ch = blank.height / static_cast<double>(kRows);
    const int cx = static_cast<int>(p.x / cw), cy = static_cast<int>(p.y / ch);
    const double d = std::hypot(p.x - (cx + 0.5) * cw, p.y - (cy + 0.5) * ch);
    auto [it, added] = cells.try_emplace(cy * kColumns + cx, d, p);
    if (!added && d < it->second.first) it->second = {d, p};
  }
  std::vector<Point> landmarks(marks.begin(), marks.end());
  for (const auto& [cell, entry] : cells) landmarks.push_back(entry.second);
  return landmarks;
}

// A clean page shrunk to `dpi` (area average).
GrayImage AtDpi(const GrayImage& image, double dpi) {
  const double s = dpi / image.dpi_x;
  cv::Mat out;
  cv::resize(AsMat(image), out,
             cv::Size(static_cast<int>(std::lround(image.width * s)), static_cast<int>(std::lround(image.height * s))),
             0, 0, cv::INTER_AREA);
  return FromMat(out, dpi);
}

std::unique_ptr<PageModel> BuildModel(const TemplatePage& page) {
  const std::vector<Mark> candidates = FindInk(page.blank).marks;
  const std::optional<std::array<Mark, 4>> corners = CornerMarks(candidates, page.blank.width, page.blank.height);
  if (!corners) return nullptr;
  auto model = std::make_unique<PageModel>();
  model->width = page.blank.width;
  model->height = page.blank.height;
  double size = 0;
  for (int i = 0; i < 4; ++i) {
    model->marks[i] = (*corners)[i].centre;
    size += (*corners)[i].size / 4;
  }
  model->mark_size = size;
  model->code_box = FindCodeBox(page.blank);
  model->small = AtDpi(page.blank, kLayoutDpi);
  model->layout = LayoutVector(model->small);
  model->labels = AtDpi(page.blank, kLabelDpi);
  model->landmarks = FindLandmarks(page.blank, model->marks);
  return model;
}

// One way of matching template corners to candidates (-1: corner not found).
struct Matching {
  std::array<int, 4> corner{-1, -1, -1, -1};
  int found = 0;
  double error = 0;  // sum over predicted corners of distance / tolerance
};

MarkFit FitOf(const Matching& matching, const std::vector<Mark>& candidates, const std::array<Point, 4>& t) {
  std::vector<cv::Point2f> from, to;
  for (int corner = 0; corner < 4; ++corner) {
    if (matching.corner[corner] < 0) continue;
    from.emplace_back(static_cast<float>(t[corner].x), static_cast<float>(t[corner].y));
    const Point p = candidates[matching.corner[corner]].centre;
    to.emplace_back(static_cast<float>(p.x), static_cast<float>(p.y));
  }
  cv::Matx33d h = cv::Matx33d::eye();
  if (from.size() == 4) {
    h = cv::Matx33d(cv::getPerspectiveTransform(from, to));
  } else if (from.size() == 3) {
    const cv::Mat affine = cv::getAffineTransform(from, to);
    for (int r = 0; r < 2; ++r) {
      for (int col = 0; col < 3; ++col) h(r, col) = affine.at<double>(r, col);
    }
  } else {
    // Two marks: a similarity (rotation, scale, shift).
    const double tx = from[1].x - from[0].x, ty = from[1].y - from[0].y;
    const double px = to[1].x - to[0].x, py = to[1].y - to[0].y;
    const double norm = tx * tx + ty * ty;
    const double c = (tx * px + ty * py) / norm, s = (tx * py - ty * px) / norm;
    h = cv::Matx33d(c, -s, to[0].x - (c * from[0].x - s * from[0].y), s, c, to[0].y - (s * from[0].x + c * from[0].y),
                    0, 0, 1);
  }
  MarkFit fit;
  fit.to_page = FromMatx(h);
  fit.found = static_cast<int>(from.size());
  const Point centre{(t[kTopLeft].x + t[kBottomRight].x) / 2, (t[kTopLeft].y + t[kBottomRight].y) / 2};
  const Point o = fit.to_page.Apply(centre), ox = fit.to_page.Apply({centre.x + 1, centre.y}),
              oy = fit.to_page.Apply({centre.x, centre.y + 1});
  fit.scale = std::sqrt(std::abs((ox.x - o.x) * (oy.y - o.y) - (ox.y - o.y) * (oy.x - o.x)));
  return fit;
}

}  // namespace

Point Homography::Apply(Point p) const {
  const double w = m[6] * p.x + m[7] * p.y + m[8];
  return {(m[0] * p.x + m[1] * p.y + m[2]) / w, (m[3] * p.x + m[4] * p.y + m[5]) / w};
}

Homography Homography::Then(const Homography& next) const { return FromMatx(ToMatx(next) * ToMatx(*this)); }

const PageModel* ModelOf(const FormTemplate& form, int page) {
  // Keyed by the template's identity and its blank's pixels, so a template
  // set loaded again (or another one at the same address) is never confused.
  using Key = std::tuple<const FormTemplate*, int, std::string, std::string, const std::uint8_t*>;
  static std::mutex mutex;
  static std::map<Key, std::unique_ptr<PageModel>> cache;
  if (page < 1 || page > static_cast<int>(form.pages.size())) return nullptr;
  const TemplatePage& tpage = form.pages[page - 1];
  const Key key{&form, page, form.code, form.rev, tpage.blank.pixels.data()};
  std::lock_guard lock(mutex);
  auto it = cache.find(key);
  if (it == cache.end()) it = cache.emplace(key, BuildModel(tpage)).first;
  return it->second.get();
}

PageInk FindInk(const GrayImage& page) {
  if (page.Empty()) return {};
  const cv::Mat full = AsMat(page);
  const int reduction = std::max(1, static_cast<int>(std::lround(page.width / kMarkSearchWidth)));
  const double f = 1.0 / reduction;
  cv::Mat small = full;
  if (reduction > 1) {
    cv::resize(full, small, cv::Size(page.width / reduction, page.height / reduction), 0, 0, cv::INTER_AREA);
  }
  // Ink is what is clearly darker than its neighbourhood, so uneven light on a
  // photographed page does not matter; the window is several marks wide.
  const int block = std::max(15, static_cast<int>(small.cols / 25) | 1);
  cv::Mat ink;
  cv::adaptiveThreshold(small, ink, 255, cv::ADAPTIVE_THRESH_MEAN_C, cv::THRESH_BINARY_INV, block, 30);
  cv::Mat labels, stats, centroids, sum;
  const int n = cv::connectedComponentsWithStats(ink, labels, stats, centroids, 8, CV_32S);
  cv::integral(ink / 255, sum, CV_32S);
  auto ink_in = [&](cv::Rect r) {
    r &= cv::Rect(0, 0, ink.cols, ink.rows);
    return sum.at<int>(r.y + r.height, r.x + r.width) - sum.at<int>(r.y, r.x + r.width) -
           sum.at<int>(r.y + r.height, r.x) + sum.at<int>(r.y, r.x);
  };
  // A mark is ~1.5% of the page's width; the page fills 45-105% of the image.
  const double lo = 0.006 * small.cols, hi = 0.022 * small.cols;
  PageInk found;
  found.reduced = FromMat(small, page.dpi_x / reduction);
  found.reduction = reduction;
  for (int i = 1; i < n; ++i) {
    const cv::Rect r(stats.at<int>(i, cv::CC_STAT_LEFT), stats.at<int>(i, cv::CC_STAT_TOP),
                     stats.at<int>(i, cv::CC_STAT_WIDTH), stats.at<int>(i, cv::CC_STAT_HEIGHT));
    const double aspect = r.width / static_cast<double>(r.height);
    const int area = stats.at<int>(i, cv::CC_STAT_AREA);
    if (r.height > 0.03 * small.cols && r.height < 0.15 * small.cols && r.width > 0.01 * small.cols &&
        r.width < 0.15 * small.cols && area > 0.15 * r.area() && area < 0.85 * r.area()) {
      found.big_letters.push_back(Box{static_cast<int>(r.x / f), static_cast<int>(r.y / f),
                                      static_cast<int>(std::ceil(r.width / f)),
                                      static_cast<int>(std::ceil(r.height / f))});
    }
    if (r.width < lo || r.height < lo || r.width > hi || r.height > hi) continue;
    if (aspect < 0.7 || aspect > 1.43 || area < 0.7 * r.area()) continue;
    // Alone on the paper: little ink in a ring around it (not part of text or
    // a bar). The ring is narrow: the footer line prints ~5 pt from a mark.
    const int pad = std::max(2, static_cast<int>(0.4 * std::max(r.width, r.height)));
    const cv::Rect outer(r.x - pad, r.y - pad, r.width + 2 * pad, r.height + 2 * pad);
    const cv::Rect clipped = outer & cv::Rect(0, 0, ink.cols, ink.rows);
    const double ring_area = clipped.area() - r.area();
    if (ring_area <= 0 || (ink_in(outer) - ink_in(r)) > 0.12 * ring_area) continue;
    const Point centre{(centroids.at<double>(i, 0) + 0.5) / f - 0.5, (centroids.at<double>(i, 1) + 0.5) / f - 0.5};
    found.marks.push_back(RefineMark(full, centre, std::sqrt(static_cast<double>(area)) / f));
  }
  return found;
}

std::vector<MarkFit> FitMarks(const std::vector<Mark>& candidates, const PageModel& model, int image_width) {
  constexpr double kMaxAngle = 12 * std::numbers::pi / 180;
  // Each pair of marks has four readings (which side, which way up): all are offered.
  constexpr std::size_t kRanked = 8, kExpanded = 2, kMaxFits = 12;
  const std::array<Point, 4>& t = model.marks;
  const double diagonal = std::hypot(t[kBottomRight].x - t[kTopLeft].x, t[kBottomRight].y - t[kTopLeft].y);
  auto size_fits = [&](const Mark& mark, double k) {
    const double r = mark.size / (model.mark_size * k);
    return r > 0.6 && r < 1.6;
  };
  // Every pair of candidates, taken as every pair of corners, predicts the
  // other two corners by a similarity; the nearest candidates there join.
  std::map<std::array<int, 4>, Matching> matchings;
  const int n = static_cast<int>(candidates.size());
  const double k_min = 0.45 * image_width / model.width, k_max = 1.15 * image_width / model.width;
  for (int a = 0; a < 4; ++a) {
    for (int b = a + 1; b < 4; ++b) {
      const double tx = t[b].x - t[a].x, ty = t[b].y - t[a].y;
      for (int i = 0; i < n; ++i) {
        for (int j = 0; j < n; ++j) {
          if (i == j) continue;
          const Point ci = candidates[i].centre, cj = candidates[j].centre;
          const double px = cj.x - ci.x, py = cj.y - ci.y;
          const double k = std::hypot(px, py) / std::hypot(tx, ty);
          if (k < k_min || k > k_max || !size_fits(candidates[i], k) || !size_fits(candidates[j], k)) continue;
          double angle = std::atan2(py, px) - std::atan2(ty, tx);
          angle = std::remainder(angle, 2 * std::numbers::pi);
          // Upright, or upside down when orientation detection missed it.
          if (std::abs(angle) > kMaxAngle && std::numbers::pi - std::abs(angle) > kMaxAngle) continue;
          const double c = k * std::cos(angle), s = k * std::sin(angle);
          // Loose enough for a photographed page seen at a slant.
          const double tolerance = std::max(2.5 * model.mark_size * k, 0.035 * diagonal * k);
          Matching m;
          m.corner[a] = i;
          m.corner[b] = j;
          m.found = 2;
          // Between equals, marks of the right size on a page that fills the
          // image are likelier than specks on a small one.
          m.error = std::abs(std::log(candidates[i].size / (model.mark_size * k))) +
                    std::abs(std::log(candidates[j].size / (model.mark_size * k))) +
                    std::abs(std::log(k * model.width / image_width));
          for (int corner = 0; corner < 4; ++corner) {
            if (corner == a || corner == b) continue;
            const double dx = t[corner].x - t[a].x, dy = t[corner].y - t[a].y;
            const Point predicted{ci.x + c * dx - s * dy, ci.y + s * dx + c * dy};
            int nearest = -1;
            double nearest_distance = tolerance;
            for (int q = 0; q < n; ++q) {
              if (q == i || q == j || !size_fits(candidates[q], k)) continue;
              const double d = std::hypot(candidates[q].centre.x - predicted.x, candidates[q].centre.y - predicted.y);
              if (d < nearest_distance) {
                nearest = q;
                nearest_distance = d;
              }
            }
            if (nearest >= 0) {
              m.corner[corner] = nearest;
              ++m.found;
              m.error += nearest_distance / tolerance;
            }
          }
          auto [it, added] = matchings.try_emplace(m.corner, m);
          if (!added && m.error < it->second.error) it->second = m;
        }
      }
    }
  }
  std::vector<Matching> ranked;
  for (const auto& [corners, m] : matchings) ranked.push_back(m);
  // A mark found counts one; misplacement, wrong size and a page that does
  // not fill the image count against it.
  std::sort(ranked.begin(), ranked.end(),
            [](const Matching& x, const Matching& y) { return x.found - x.error > y.found - y.error; });
  if (ranked.size() > kRanked) ranked.resize(kRanked);
  // A stray blob near a corner the page has lost (cut off, under the fax
  // header) can join a true pair: the best matchings' subsets are offered too.
  std::vector<std::array<int, 4>> offered;
  std::vector<MarkFit> fits;
  auto offer = [&](const Matching& m) {
    if (m.found < 2 || std::find(offered.begin(), offered.end(), m.corner) != offered.end()) return;
    offered.push_back(m.corner);
    fits.push_back(FitOf(m, candidates, t));
    fits.back().score = m.found - m.error;
  };
  for (const Matching& m : ranked) offer(m);
  for (std::size_t r = 0; r < std::min(kExpanded, ranked.size()); ++r) {
    const Matching& m = ranked[r];
    for (int drop = 1; drop < 16; ++drop) {
      Matching subset = m;
      subset.found = 0;
      for (int corner = 0; corner < 4; ++corner) {
        if (drop & (1 << corner)) subset.corner[corner] = -1;
        subset.found += subset.corner[corner] >= 0;
      }
      subset.error = m.error;  // an upper bound: what was dropped may have cost more
      if (subset.found < m.found) offer(subset);
    }
  }
  if (fits.size() > kMaxFits) fits.resize(kMaxFits);
  return fits;
}

PageView::PageView(const GrayImage& page) : ink_(FindInk(page)), width_(page.width) {}

double PageView::Layout(const PageModel& model, const Homography& to_page) {
  for (const auto& [map, vector] : layouts_) {
    if (map.m == to_page.m && vector.size() == model.layout.size()) return LayoutSimilarity(vector, model.layout);
  }
  const GrayImage small = WarpToTemplate(ink_.reduced, to_page.Then(Shrinking(1.0 / ink_.reduction)),
                                         model.small.width, model.small.height, kLayoutDpi / kTemplateDpi);
  layouts_.emplace_back(to_page, LayoutVector(small));
  return LayoutSimilarity(layouts_.back().second, model.layout);
}

std::optional<ScoredFit> PageView::Fit(const PageModel& model, bool quick) {
  auto same_marks = [&](const auto& entry) {
    const PageModel& other = *entry.first;
    return other.width == model.width && other.mark_size == model.mark_size &&
           std::equal(other.marks.begin(), other.marks.end(), model.marks.begin(),
                      [](Point a, Point b) { return a.x == b.x && a.y == b.y; });
  };
  auto cached = std::find_if(fits_.begin(), fits_.end(), same_marks);
  if (cached == fits_.end()) {
    fits_.emplace_back(&model, FitMarks(ink_.marks, model, width_));
    cached = fits_.end() - 1;
  }
  const std::vector<MarkFit>& fits = cached->second;
  std::optional<ScoredFit> best;
  for (const MarkFit& fit : fits) {
    if (quick && fit.score < fits.front().score - 0.5) break;
    const double layout = Layout(model, fit.to_page);
    if (!best || layout > best->layout) best = ScoredFit{fit, layout};
    if (best->layout >= kLayoutMatch) break;  // the first that looks right is taken
  }
  return best;
}

Homography Shrinking(double factor) {
  Homography h;
  h.m = {factor, 0, 0.5 * factor - 0.5, 0, factor, 0.5 * factor - 0.5, 0, 0, 1};
  return h;
}

Source ShrinkFor(const GrayImage& page, const Homography& to_page, double scale) {
  const Point o = to_page.Apply({0, 0}), ox = to_page.Apply({1, 0});
  const double ratio = std::hypot(ox.x - o.x, ox.y - o.y) / scale;
  if (ratio <= kMaxSourcePixelsPerOutput) return {page, to_page};
  cv::Mat small;
  const double factor = 1 / ratio;
  cv::resize(AsMat(page), small, cv::Size(), factor, factor, cv::INTER_AREA);
  const double sx = small.cols / static_cast<double>(page.width), sy = small.rows / static_cast<double>(page.height);
  Homography to_small;
  to_small.m = {sx, 0, 0.5 * sx - 0.5, 0, sy, 0.5 * sy - 0.5, 0, 0, 1};
  return {FromMat(small, page.dpi_x * sx), to_page.Then(to_small)};
}

GrayImage WarpToTemplate(const GrayImage& page, const Homography& to_page, int width, int height, double scale) {
  const Point o = to_page.Apply({0, 0}), ox = to_page.Apply({1, 0});
  if (std::hypot(ox.x - o.x, ox.y - o.y) / scale > kMaxSourcePixelsPerOutput) {
    const Source source = ShrinkFor(page, to_page, scale);
    return WarpToTemplate(source.image, source.to_image, width, height, scale);
  }
  Homography from_output;
  from_output.m = {1 / scale, 0, 0.5 / scale - 0.5, 0, 1 / scale, 0.5 / scale - 0.5, 0, 0, 1};
  const Homography output_to_page = from_output.Then(to_page);
  cv::Mat out;
  cv::warpPerspective(AsMat(page), out, cv::Mat(ToMatx(output_to_page)), cv::Size(width, height),
                      cv::INTER_LINEAR | cv::WARP_INVERSE_MAP, cv::BORDER_CONSTANT, cv::Scalar(255));
  return FromMat(out, kTemplateDpi * scale);
}

std::pair<double, double> LabelSimilarity(const GrayImage& page, const GrayImage& a, const GrayImage& b) {
  if (page.width != a.width || page.height != a.height || a.width != b.width || a.height != b.height) return {0, 0};
  cv::Mat differ;
  cv::absdiff(AsMat(a), AsMat(b), differ);
  cv::threshold(differ, differ, 64, 255, cv::THRESH_BINARY);
  cv::dilate(differ, differ, cv::getStructuringElement(cv::MORPH_RECT, {3, 3}));
  auto correlation = [&](const cv::Mat& blank) {
    cv::Scalar mean_p, sd_p, mean_b, sd_b;
    cv::meanStdDev(AsMat(page), mean_p, sd_p, differ);
    cv::meanStdDev(blank, mean_b, sd_b, differ);
    double sum = 0;
    int n = 0;
    for (int y = 0; y < differ.rows; ++y) {
      const std::uint8_t* m = differ.ptr<std::uint8_t>(y);
      for (int x = 0; x < differ.cols; ++x) {
        if (!m[x]) continue;
        sum += (page.At(x, y) - mean_p[0]) * (blank.at<std::uint8_t>(y, x) - mean_b[0]);
        ++n;
      }
    }
    const double denominator = n * sd_p[0] * sd_b[0];
    return denominator > 0 ? sum / denominator : 0.0;
  };
  return {correlation(AsMat(a)), correlation(AsMat(b))};
}

std::vector<float> LayoutVector(const GrayImage& image) {
  cv::Mat f;
  AsMat(image).convertTo(f, CV_32F);
  cv::GaussianBlur(f, f, cv::Size(0, 0), 1.0);
  const cv::Scalar mean = cv::mean(f);
  f -= mean;
  const double norm = cv::norm(f);
  if (norm > 0) f /= norm;
  return std::vector<float>(f.begin<float>(), f.end<float>());
}

double LayoutSimilarity(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size() || a.empty()) return -1;
  double dot = 0;
  for (std::size_t i = 0; i < a.size(); ++i) dot += a[i] * b[i];
  return dot;
}

}  // namespace intake::classify
