#include "corpus/degrade.h"

#include <algorithm>
#include <cmath>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace intake::corpus_detail {
namespace {

cv::Mat View(GrayImage& image) { return cv::Mat(image.height, image.width, CV_8U, image.pixels.data()); }
cv::Mat View(const GrayImage& image) {
  return cv::Mat(image.height, image.width, CV_8U, const_cast<std::uint8_t*>(image.pixels.data()));
}

// A figure for files.jsonl with `decimals` digits (1.234, not 1.2340000000000002).
double Round(double value, int decimals) {
  const double scale = std::pow(10.0, decimals);
  return std::round(value * scale) / scale;
}

// OpenCV's generator, seeded from ours, for the per-pixel noise (fast and
// reproducible for a seed).
cv::RNG NoiseSource(Rng& rng) { return cv::RNG(rng.Next() | 1); }

// Adds Gaussian noise of `sigma` gray levels, and slow blotches of `blotch`.
void AddNoise(cv::Mat& gray, double sigma, double blotch, Rng& rng) {
  cv::RNG noise = NoiseSource(rng);
  cv::Mat field(gray.size(), CV_32F);
  noise.fill(field, cv::RNG::NORMAL, 0, sigma);
  if (blotch > 0) {
    cv::Mat slow(std::max(2, gray.rows / 90), std::max(2, gray.cols / 90), CV_32F);
    noise.fill(slow, cv::RNG::NORMAL, 0, blotch);
    cv::resize(slow, slow, gray.size(), 0, 0, cv::INTER_CUBIC);
    field += slow;
  }
  cv::Mat sum;
  gray.convertTo(sum, CV_32F);
  sum += field;
  sum.convertTo(gray, CV_8U);
}

std::vector<std::uint8_t> WithExifOrientation(const std::vector<std::uint8_t>& jpeg, int orientation) {
  const std::uint8_t segment[] = {0xFF, 0xE1, 0x00, 0x22, 'E',  'x',  'i',  'f',  0,    0,    'I',  'I',
                                  0x2A, 0x00, 0x08, 0x00, 0x00, 0x00, 0x01, 0x00, 0x12, 0x01, 0x03, 0x00,
                                  0x01, 0x00, 0x00, 0x00, static_cast<std::uint8_t>(orientation), 0x00, 0x00, 0x00,
                                  0x00, 0x00, 0x00, 0x00};
  std::vector<std::uint8_t> out(jpeg.begin(), jpeg.begin() + 2);
  out.insert(out.end(), std::begin(segment), std::end(segment));
  out.insert(out.end(), jpeg.begin() + 2, jpeg.end());
  return out;
}

}  // namespace

nlohmann::ordered_json Placement::ToJson() const {
  return {{"skew_deg", Round(skew_deg, 3)},
          {"scale", Round(scale, 4)},
          {"shift_px", {Round(shift_x, 1), Round(shift_y, 1)}}};
}

Placement RandomPlacement(Rng& rng, double max_skew_deg, double max_scale_change, double max_shift_px) {
  Placement p;
  p.skew_deg = rng.Uniform(-max_skew_deg, max_skew_deg);
  p.scale = 1 + rng.Uniform(-max_scale_change, max_scale_change);
  p.shift_x = rng.Uniform(-max_shift_px, max_shift_px);
  p.shift_y = rng.Uniform(-max_shift_px, max_shift_px);
  return p;
}

GrayImage Place(const GrayImage& page, const Placement& placement, int width, int height, std::uint8_t background) {
  GrayImage out = GrayImage::Blank(width, height, page.dpi_x, page.dpi_y);
  // Rotation in a square pixel space, so a non-square fax grid turns like paper.
  const double aspect = page.dpi_y / page.dpi_x;
  cv::Mat m = cv::getRotationMatrix2D(cv::Point2f(static_cast<float>(page.width / 2.0),
                                                  static_cast<float>(page.height / 2.0 / aspect)),
                                      placement.skew_deg, placement.scale);
  const cv::Matx33d squash(1, 0, 0, 0, aspect, 0, 0, 0, 1), unsquash(1, 0, 0, 0, 1 / aspect, 0, 0, 0, 1);
  const cv::Matx33d rotate(m.at<double>(0, 0), m.at<double>(0, 1), m.at<double>(0, 2), m.at<double>(1, 0),
                           m.at<double>(1, 1), m.at<double>(1, 2), 0, 0, 1);
  const cv::Matx33d shift(1, 0, (width - page.width) / 2.0 + placement.shift_x, 0, 1,
                          (height - page.height) / 2.0 + placement.shift_y, 0, 0, 1);
  const cv::Matx33d full = shift * squash * rotate * unsquash;
  const cv::Mat affine = (cv::Mat_<double>(2, 3) << full(0, 0), full(0, 1), full(0, 2), full(1, 0), full(1, 1), full(1, 2));
  cv::Mat dst = View(out);
  cv::warpAffine(View(page), dst, affine, dst.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(background));
  return out;
}

GrayImage UpsideDown(GrayImage page) {
  std::reverse(page.pixels.begin(), page.pixels.end());
  return page;
}

GrayImage FaxReceive(GrayImage page, const std::string& header, bool normal, const FontCatalog& fonts, Pen& pen,
                     Rng& rng, nlohmann::ordered_json& degradation) {
  // The sending machine prints its header line into the top of the page.
  Script script{.font = rng.Chance(0.7) ? &fonts.mono() : &fonts.regular(), .size_pt = rng.Uniform(7.5, 9.5), .ink = 0};
  pen.Write(page, header, rng.Uniform(8, 30), rng.Uniform(8, 11), script, rng);

  cv::Mat gray = View(page);
  const double noise = rng.Uniform(6, 22);
  AddNoise(gray, noise, rng.Uniform(0, 6), rng);
  const int threshold = rng.Int(115, 165);
  cv::threshold(gray, gray, threshold - 1, 255, cv::THRESH_BINARY);

  cv::RNG dots = NoiseSource(rng);
  const int speckles = static_cast<int>(page.width * page.height * rng.Uniform(0, 3e-5));
  for (int i = 0; i < speckles; ++i) {
    const int size = dots.uniform(1, 3);
    cv::rectangle(gray, cv::Rect(dots.uniform(0, page.width - 3), dots.uniform(0, page.height - 3), size, size),
                  cv::Scalar(0), cv::FILLED);
  }
  nlohmann::ordered_json streak = nullptr;
  if (rng.Chance(0.12)) {
    // Dirt on the sender's scanner glass: a line down the page.
    const int x = rng.Int(0, page.width - 3), w = rng.Int(1, 2);
    const int y0 = rng.Chance(0.5) ? 0 : rng.Int(0, page.height / 2), y1 = rng.Int(y0 + page.height / 4, page.height);
    cv::rectangle(gray, cv::Rect(x, y0, w, y1 - y0), cv::Scalar(0), cv::FILLED);
    streak = {{"x", x}, {"width", w}, {"rows", {y0, y1}}};
  } else if (rng.Chance(0.05)) {
    // A line lost on the telephone line: a white band across.
    const int y = rng.Int(0, page.height - 4), h = rng.Int(1, 3);
    cv::rectangle(gray, cv::Rect(0, y, page.width, h), cv::Scalar(255), cv::FILLED);
    streak = {{"dropout_row", y}, {"height", h}};
  }
  degradation["noise"] = Round(noise, 1);
  degradation["threshold"] = threshold;
  degradation["speckles"] = speckles;
  degradation["streak"] = streak;
  if (!normal) return page;
  GrayImage half = GrayImage::Blank(page.width, page.height / 2, page.dpi_x, page.dpi_y / 2);
  for (int y = 0; y < half.height; ++y) {
    std::copy_n(&page.pixels[static_cast<std::size_t>(2 * y) * page.width], page.width,
                &half.pixels[static_cast<std::size_t>(y) * page.width]);
  }
  return half;
}

GrayImage ScanLook(GrayImage page, Rng& rng) {
  cv::Mat gray = View(page);
  cv::GaussianBlur(gray, gray, cv::Size(0, 0), rng.Uniform(0.4, 0.9));
  const double tone = rng.Uniform(232, 250) / 255.0;
  gray.convertTo(gray, CV_8U, tone, 0);
  AddNoise(gray, rng.Uniform(1.5, 4), rng.Uniform(2, 6), rng);
  return page;
}

std::vector<std::uint8_t> EncodeJpeg(const GrayImage& page, int quality) {
  std::vector<std::uint8_t> bytes;
  cv::imencode(".jpg", View(page), bytes, {cv::IMWRITE_JPEG_QUALITY, quality});
  return bytes;
}

std::vector<std::uint8_t> Photograph(const GrayImage& page, Rng& rng, nlohmann::ordered_json& degradation) {
  const int width = 1536, height = 2048;
  // The table: wood, dark cloth or a gray desk.
  static const std::vector<cv::Scalar> tables = {{50, 85, 125}, {40, 40, 45}, {95, 100, 105}, {70, 110, 150}};
  cv::Mat photo(height, width, CV_8UC3, tables[static_cast<std::size_t>(rng.Int(0, 3))]);
  {
    cv::Mat grain(height / 8, width / 8, CV_8UC3);
    cv::RNG noise = NoiseSource(rng);
    noise.fill(grain, cv::RNG::NORMAL, cv::Scalar(128, 128, 128), cv::Scalar(12, 12, 12));
    cv::resize(grain, grain, photo.size(), 0, 0, cv::INTER_LINEAR);
    cv::addWeighted(photo, 1.0, grain, 1.0, -128, photo);
  }
  cv::Mat paper;
  cv::cvtColor(View(page), paper, cv::COLOR_GRAY2BGR);
  paper.convertTo(paper, CV_8UC3);
  cv::multiply(paper, cv::Scalar(0.93, 0.97, 1.0), paper);

  const std::vector<cv::Point2f> from = {{0, 0},
                                         {static_cast<float>(page.width), 0},
                                         {static_cast<float>(page.width), static_cast<float>(page.height)},
                                         {0, static_cast<float>(page.height)}};
  auto u = [&](double a, double b) { return static_cast<float>(rng.Uniform(a, b)); };
  const std::vector<cv::Point2f> to = {{u(60, 220), u(90, 330)},
                                       {width - u(60, 220), u(90, 330)},
                                       {width - u(40, 220), height - u(40, 250)},
                                       {u(40, 220), height - u(40, 250)}};
  cv::warpPerspective(paper, photo, cv::getPerspectiveTransform(from, to), photo.size(), cv::INTER_AREA,
                      cv::BORDER_TRANSPARENT);

  // Light from one side, and sometimes the phone's shadow.
  const double angle = rng.Uniform(0, 2 * M_PI), low = rng.Uniform(0.62, 0.88), high = rng.Uniform(0.97, 1.08);
  cv::Mat light(height, width, CV_32F);
  const double diag = std::hypot(width, height), cx = std::cos(angle) / diag, cy = std::sin(angle) / diag;
  for (int y = 0; y < height; ++y) {
    float* row = light.ptr<float>(y);
    for (int x = 0; x < width; ++x) {
      const double t = 0.5 + (x - width / 2.0) * cx + (y - height / 2.0) * cy;
      row[x] = static_cast<float>(low + (high - low) * std::clamp(t, 0.0, 1.0));
    }
  }
  const bool shadow = rng.Chance(0.3);
  if (shadow) {
    cv::Mat mask = cv::Mat::zeros(height, width, CV_32F);
    const int x0 = rng.Int(0, width / 2);
    cv::rectangle(mask, cv::Rect(x0, 0, rng.Int(width / 4, width / 2), rng.Int(height / 6, height / 3)), 0.25, cv::FILLED);
    cv::GaussianBlur(mask, mask, cv::Size(0, 0), 60);
    light = light.mul(1 - mask);
  }
  cv::Mat light3;
  cv::merge(std::vector<cv::Mat>{light, light, light}, light3);
  cv::Mat lit;
  photo.convertTo(lit, CV_32FC3);
  lit = lit.mul(light3);
  lit.convertTo(photo, CV_8UC3);
  const double blur = rng.Uniform(0.6, 1.5);
  cv::GaussianBlur(photo, photo, cv::Size(0, 0), blur);

  const int orientation = std::vector<int>{1, 6, 3, 8}[rng.Weighted({0.75, 0.18, 0.04, 0.03})];
  // The sensor's rows as stored; the EXIF tag says how to turn them upright.
  if (orientation == 6) cv::rotate(photo, photo, cv::ROTATE_90_COUNTERCLOCKWISE);
  if (orientation == 8) cv::rotate(photo, photo, cv::ROTATE_90_CLOCKWISE);
  if (orientation == 3) cv::rotate(photo, photo, cv::ROTATE_180);
  std::vector<std::uint8_t> jpeg;
  cv::imencode(".jpg", photo, jpeg, {cv::IMWRITE_JPEG_QUALITY, rng.Int(84, 93)});
  jpeg = WithExifOrientation(jpeg, orientation);

  nlohmann::ordered_json corners = nlohmann::ordered_json::array();
  for (const cv::Point2f& p : to) corners.push_back({Round(p.x, 1), Round(p.y, 1)});
  degradation["corners_px"] = corners;
  degradation["exif_orientation"] = orientation;
  degradation["light"] = {Round(low, 2), Round(high, 2)};
  degradation["shadow"] = shadow;
  degradation["blur_sigma"] = Round(blur, 2);
  degradation["bytes"] = jpeg.size();
  return jpeg;
}

}  // namespace intake::corpus_detail
