// A sheet of paper in a phone photo, found and straightened (see prepare.h).
//
// The sheet is the largest bright region that stands clear of a darker
// surround: Otsu's threshold on a small blurred copy separates paper from
// table, the region's outline is simplified to its four corners, and the
// photo is warped so that those corners become a letter-size page at
// kSheetDpi. Light falls unevenly on a photographed sheet (a shadow across a
// corner, brighter near the lamp): dividing by the page's own background,
// the image with its ink closed away, makes the paper evenly white again so
// that ink can be told from paper everywhere by one threshold.
#include <algorithm>
#include <array>
#include <cmath>
#include <opencv2/imgproc.hpp>

#include "preprocess/prepare.h"

namespace intake {
namespace {

constexpr double kSheetDpi = 200;
constexpr double kLetterWidthIn = 8.5, kLetterHeightIn = 11.0;
constexpr int kFindSide = 800;  // the sheet is looked for on a copy this large
// The sheet must cover at least this share of the photo, and at most this
// much: a scan or a cropped image, whose paper reaches every edge, is no photo.
constexpr double kMinSheetShare = 0.20, kMaxSheetShare = 0.93;
// Paper must be this much brighter than the surround (mean gray levels).
constexpr double kMinContrast = 40;
// After the light is evened, paper is at kPaperLevel; the darkest kInkShare
// of the sheet (a form prints far more than that in black) is taken for its
// ink and stretched to black, unless it is within kMinInkContrast of the
// paper (a blank sheet: nothing to stretch).
constexpr double kPaperLevel = 255;
constexpr double kInkShare = 0.01;
constexpr double kMinInkContrast = 40;

cv::Mat View(const GrayImage& image) {
  return cv::Mat(image.height, image.width, CV_8UC1, const_cast<std::uint8_t*>(image.pixels.data()));
}

// Corners in order top-left, top-right, bottom-right, bottom-left.
std::array<cv::Point2f, 4> Ordered(const std::vector<cv::Point>& quad) {
  std::array<cv::Point2f, 4> out;
  auto by = [&](auto key, bool largest) {
    return *std::max_element(quad.begin(), quad.end(), [&](const cv::Point& a, const cv::Point& b) {
      return largest ? key(a) < key(b) : key(a) > key(b);
    });
  };
  auto sum = [](const cv::Point& p) { return p.x + p.y; };
  auto diff = [](const cv::Point& p) { return p.x - p.y; };
  out[0] = by(sum, false);
  out[2] = by(sum, true);
  out[1] = by(diff, true);
  out[3] = by(diff, false);
  return out;
}

// The outline simplified until four corners are left; nullopt when it never is.
std::optional<std::vector<cv::Point>> FourCorners(const std::vector<cv::Point>& outline) {
  std::vector<cv::Point> hull;
  cv::convexHull(outline, hull);
  const double perimeter = cv::arcLength(hull, true);
  for (double share = 0.01; share <= 0.1; share += 0.01) {
    std::vector<cv::Point> quad;
    cv::approxPolyDP(hull, quad, share * perimeter, true);
    if (quad.size() == 4) return quad;
    if (quad.size() < 4) break;
  }
  return std::nullopt;
}

double Distance(cv::Point2f a, cv::Point2f b) { return std::hypot(a.x - b.x, a.y - b.y); }

// The level below which `share` of the pixels lie (a float image of 0..255).
double DarkestShare(const cv::Mat& image, double share) {
  cv::Mat bytes;
  image.convertTo(bytes, CV_8U);
  const int channels[] = {0};
  const int bins[] = {256};
  const float range[] = {0, 256};
  const float* ranges[] = {range};
  cv::Mat histogram;
  cv::calcHist(&bytes, 1, channels, cv::Mat(), histogram, 1, bins, ranges);
  const double wanted = share * static_cast<double>(bytes.total());
  double seen = 0;
  for (int level = 0; level < 256; ++level) {
    seen += histogram.at<float>(level);
    if (seen >= wanted) return level;
  }
  return 255;
}

}  // namespace

std::optional<GrayImage> StraightenPhotographedSheet(const GrayImage& photo) {
  if (photo.Empty()) return std::nullopt;
  const double shrink = std::min(1.0, double(kFindSide) / std::max(photo.width, photo.height));
  cv::Mat small;
  cv::resize(View(photo), small, {}, shrink, shrink, cv::INTER_AREA);
  cv::GaussianBlur(small, small, {5, 5}, 0);
  cv::Mat paper;
  cv::threshold(small, paper, 0, 255, cv::THRESH_BINARY | cv::THRESH_OTSU);
  // Close the printed text and lines into the paper, and open away the
  // bright specks of the surround.
  cv::morphologyEx(paper, paper, cv::MORPH_CLOSE, cv::getStructuringElement(cv::MORPH_RECT, {15, 15}));
  cv::morphologyEx(paper, paper, cv::MORPH_OPEN, cv::getStructuringElement(cv::MORPH_RECT, {7, 7}));
  std::vector<std::vector<cv::Point>> contours;
  cv::findContours(paper, contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE);
  if (contours.empty()) return std::nullopt;
  const auto largest = std::max_element(contours.begin(), contours.end(), [](const auto& a, const auto& b) {
    return cv::contourArea(a) < cv::contourArea(b);
  });
  const double share = cv::contourArea(*largest) / (double(small.cols) * small.rows);
  if (share < kMinSheetShare || share > kMaxSheetShare) return std::nullopt;
  cv::Mat inside = cv::Mat::zeros(small.size(), CV_8UC1);
  cv::drawContours(inside, contours, static_cast<int>(largest - contours.begin()), cv::Scalar(255), cv::FILLED);
  if (cv::mean(small, inside)[0] - cv::mean(small, ~inside)[0] < kMinContrast) return std::nullopt;
  const std::optional<std::vector<cv::Point>> quad = FourCorners(*largest);
  if (!quad) return std::nullopt;

  std::array<cv::Point2f, 4> corners = Ordered(*quad);
  for (cv::Point2f& p : corners) p *= 1.0 / shrink;
  const double across = (Distance(corners[0], corners[1]) + Distance(corners[3], corners[2])) / 2;
  const double down = (Distance(corners[0], corners[3]) + Distance(corners[1], corners[2])) / 2;
  // A letter sheet, upright or lying on its side (the orientation step turns it).
  const bool upright = down >= across;
  const int width = static_cast<int>(std::lround((upright ? kLetterWidthIn : kLetterHeightIn) * kSheetDpi));
  const int height = static_cast<int>(std::lround((upright ? kLetterHeightIn : kLetterWidthIn) * kSheetDpi));
  const std::array<cv::Point2f, 4> target = {cv::Point2f(0, 0), cv::Point2f(width - 1, 0),
                                             cv::Point2f(width - 1, height - 1), cv::Point2f(0, height - 1)};
  cv::Mat sheet;
  cv::warpPerspective(View(photo), sheet, cv::getPerspectiveTransform(corners.data(), target.data()),
                      {width, height}, cv::INTER_AREA, cv::BORDER_REPLICATE);

  // Even out the light: the background is the sheet with its ink closed away.
  cv::Mat background;
  cv::morphologyEx(sheet, background, cv::MORPH_CLOSE, cv::getStructuringElement(cv::MORPH_RECT, {41, 41}));
  cv::GaussianBlur(background, background, {0, 0}, 15);
  cv::Mat flat;
  sheet.convertTo(flat, CV_32F);
  background.convertTo(background, CV_32F);
  cv::divide(flat, cv::max(background, 1.0f), flat, 255.0);
  // A phone's blur leaves thin strokes gray, lighter than the ink a scan or
  // fax shows: the darkest print on the sheet is made black again.
  const double ink = DarkestShare(flat, kInkShare);
  if (ink < kPaperLevel - kMinInkContrast) {
    flat = (flat - ink) * (255.0 / (kPaperLevel - ink));
  }
  GrayImage out = GrayImage::Blank(width, height, kSheetDpi, kSheetDpi);
  cv::Mat pixels(height, width, CV_8UC1, out.pixels.data());
  flat.convertTo(pixels, CV_8U);
  return out;
}

}  // namespace intake
