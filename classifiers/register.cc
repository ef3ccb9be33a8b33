// Registration: a page identified as template page P -> the page warped onto
// P at kTemplateDpi (see identify.h).
//
// The corner marks give a first map (a homography from four marks, an affine
// map from three, a similarity from two). It is then refined on the page's own
// ruled lines: around each landmark of the template (ruled-line crossings and
// the marks) the blank's patch is looked for in a small window of the page
// warped by the first map, and a correction is
// fitted to where they were found, ignoring those hidden under handwriting.
// The residual is what the refined map leaves between landmarks and where
// they were found.
#include <algorithm>
#include <cmath>
#include <optional>
#include <vector>

#include <opencv2/calib3d.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "classifiers/geometry.h"
#include "classifiers/identify.h"

namespace intake {
namespace {

using classify::Homography;
using classify::Point;

constexpr int kPatchHalf = 24;   // template pixels around a landmark
constexpr int kSearch = 14;      // how far the first warp may be off, template pixels
constexpr double kMinMatch = 0.5;  // normalized correlation for a landmark to count
constexpr double kInlierPx = 2.5;

cv::Mat AsMat(const GrayImage& image) {
  return cv::Mat(image.height, image.width, CV_8U, const_cast<std::uint8_t*>(image.pixels.data()));
}

// Sub-pixel offset of a peak from its neighbours (parabola through three values).
double PeakOffset(float left, float centre, float right) {
  const double denominator = left - 2.0 * centre + right;
  return std::abs(denominator) < 1e-9 ? 0 : std::clamp(0.5 * (left - right) / denominator, -0.5, 0.5);
}

struct Correction {
  Homography map;  // template pixels -> template pixels under the first map
  double residual = 0;
  int landmarks = 0;
};

// Where the blank's landmarks are found on the page as `source` maps it, and
// the correction that fits them. Only a small window around each landmark is
// warped.
std::optional<Correction> Refine(const GrayImage& blank, const classify::Source& source,
                                 const std::vector<Point>& landmarks) {
  const cv::Mat b = AsMat(blank);
  std::vector<cv::Point2f> expected, found;
  for (const Point& p : landmarks) {
    const int x = static_cast<int>(std::lround(p.x)), y = static_cast<int>(std::lround(p.y));
    const cv::Rect patch(x - kPatchHalf, y - kPatchHalf, 2 * kPatchHalf + 1, 2 * kPatchHalf + 1);
    const cv::Rect area(patch.x - kSearch, patch.y - kSearch, patch.width + 2 * kSearch, patch.height + 2 * kSearch);
    if ((area & cv::Rect(0, 0, b.cols, b.rows)) != area) continue;
    Homography shift;
    shift.m = {1, 0, static_cast<double>(area.x), 0, 1, static_cast<double>(area.y), 0, 0, 1};
    const GrayImage window = classify::WarpToTemplate(source.image, shift.Then(source.to_image), area.width,
                                                      area.height, 1);
    cv::Mat score;
    cv::matchTemplate(AsMat(window), b(patch), score, cv::TM_CCOEFF_NORMED);
    double best = 0;
    cv::Point at;
    cv::minMaxLoc(score, nullptr, &best, nullptr, &at);
    if (!(best >= kMinMatch) || at.x == 0 || at.y == 0 || at.x == score.cols - 1 || at.y == score.rows - 1) continue;
    const double dx = PeakOffset(score.at<float>(at.y, at.x - 1), score.at<float>(at.y, at.x),
                                 score.at<float>(at.y, at.x + 1));
    const double dy = PeakOffset(score.at<float>(at.y - 1, at.x), score.at<float>(at.y, at.x),
                                 score.at<float>(at.y + 1, at.x));
    expected.emplace_back(static_cast<float>(x), static_cast<float>(y));
    found.emplace_back(static_cast<float>(x + at.x - kSearch + dx), static_cast<float>(y + at.y - kSearch + dy));
  }
  if (expected.size() < 6) return std::nullopt;
  std::vector<std::uint8_t> inliers;
  const cv::Mat affine = cv::estimateAffine2D(expected, found, inliers, cv::RANSAC, kInlierPx);
  if (affine.empty()) return std::nullopt;
  Correction correction;
  correction.map.m = {affine.at<double>(0, 0), affine.at<double>(0, 1), affine.at<double>(0, 2),
                      affine.at<double>(1, 0), affine.at<double>(1, 1), affine.at<double>(1, 2), 0, 0, 1};
  double total = 0;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    if (!inliers[i]) continue;
    const Point q = correction.map.Apply({expected[i].x, expected[i].y});
    total += std::hypot(q.x - found[i].x, q.y - found[i].y);
    ++correction.landmarks;
  }
  if (correction.landmarks < 6) return std::nullopt;
  correction.residual = total / correction.landmarks;
  return correction;
}

}  // namespace

Result<RegisteredPage> RegisterPage(const GrayImage& page, const FormTemplate& form, int page_number) {
  const classify::PageModel* model = classify::ModelOf(form, page_number);
  if (!model) {
    return Fail(ErrorCode::kOcrError, "form " + form.code + " page " + std::to_string(page_number) +
                                          " prints no corner marks to align pages by");
  }
  try {
    classify::PageView view(page);
    const std::optional<classify::ScoredFit> scored = view.Fit(*model);
    if (!scored) {
      return Fail(ErrorCode::kOcrError,
                  "page could not be aligned with form " + form.code + ": its corner marks were not found");
    }
    const classify::MarkFit* fit = &scored->fit;
    const GrayImage& blank = form.pages[page_number - 1].blank;
    const classify::Source source = classify::ShrinkFor(page, fit->to_page, 1);
    const std::optional<Correction> correction = Refine(blank, source, model->landmarks);
    if (!correction) {
      return Fail(ErrorCode::kOcrError, "page could not be aligned with form " + form.code +
                                            ": too few of its printed lines were found");
    }
    RegisteredPage registered;
    const Homography to_page = correction->map.Then(fit->to_page);
    registered.image = classify::WarpToTemplate(source.image, correction->map.Then(source.to_image), blank.width,
                                                blank.height, 1);
    registered.residual_px = correction->residual;
    const Point o = to_page.Apply({blank.width / 2.0, blank.height / 2.0}),
                ox = to_page.Apply({blank.width / 2.0 + 1, blank.height / 2.0});
    registered.scale = std::hypot(ox.x - o.x, ox.y - o.y) * kTemplateDpi / (page.dpi_x > 0 ? page.dpi_x : kTemplateDpi);
    return registered;
  } catch (const cv::Exception&) {
    return Fail(ErrorCode::kInternal, "page alignment failed inside the image library");
  }
}

}  // namespace intake
