// Tests for preprocess/: pages are the shipped blank forms rendered by
// poppler's pdftoppm, with fax headers, specks and rotations drawn on them
// with OpenCV.
#include "preprocess/prepare.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/test_support.h"

namespace intake {
namespace {

using testing::SourceDir;
using testing::TempDir;

constexpr int kFaxDpi = 204;
const std::vector<std::pair<std::string, int>> kFormPages = {
    {"HIS-AUTH-EN", 1},  {"HIS-AUTH-EN", 2},  {"HIS-AUTH-ES", 1},   {"HIS-AUTH-ES", 2},
    {"HIS-AMEND-EN", 1}, {"HIS-AMEND-ES", 1}, {"HIS-VERBAL-EN", 1}, {"HIS-VERBAL-ES", 1}};
constexpr char kHeaderText[] = "DEC-01-2026 16:16  FROM: PHARMACY FAX 5085550180  TO: 6175550162  P.001/001";

int Px(double inches) { return static_cast<int>(std::lround(inches * kFaxDpi)); }

cv::Mat View(const GrayImage& page) {
  return cv::Mat(page.height, page.width, CV_8UC1, const_cast<std::uint8_t*>(page.pixels.data()));
}

GrayImage ReadPgm(const std::filesystem::path& path, double dpi_x, double dpi_y) {
  std::ifstream in(path, std::ios::binary);
  std::string magic;
  int width = 0, height = 0, max_value = 0;
  in >> magic >> width >> height >> max_value;
  in.get();
  if (magic != "P5" || max_value != 255 || width <= 0 || height <= 0) {
    ADD_FAILURE() << "not an 8-bit PGM: " << path;
    return {};
  }
  GrayImage page = GrayImage::Blank(width, height, dpi_x, dpi_y);
  in.read(reinterpret_cast<char*>(page.pixels.data()), static_cast<std::streamsize>(page.pixels.size()));
  EXPECT_TRUE(in) << "short PGM: " << path;
  return page;
}

// One page of a shipped form, rendered once per test process.
GrayImage RenderForm(const std::string& form, int page, int dpi_x = kFaxDpi, int dpi_y = kFaxDpi) {
  static std::map<std::string, GrayImage> cache;
  const std::string key = form + "/" + std::to_string(page) + "/" + std::to_string(dpi_x) + "x" + std::to_string(dpi_y);
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  TempDir dir;
  const std::string out = (dir.path() / "page").string();
  const std::string command = "pdftoppm -gray -singlefile -rx " + std::to_string(dpi_x) + " -ry " +
                              std::to_string(dpi_y) + " -f " + std::to_string(page) + " -l " + std::to_string(page) +
                              " '" + (SourceDir() / "forms" / (form + ".pdf")).string() + "' '" + out + "'";
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  GrayImage image = ReadPgm(out + ".pgm", dpi_x, dpi_y);
  cache.emplace(key, image);
  return image;
}

// Turned counter-clockwise by `degrees` about the centre, white brought in.
GrayImage Rotated(const GrayImage& page, double degrees) {
  GrayImage out = GrayImage::Blank(page.width, page.height, page.dpi_x, page.dpi_y);
  cv::Mat dst = View(out);
  const cv::Mat m = cv::getRotationMatrix2D(cv::Point2f(page.width / 2.0f, page.height / 2.0f), degrees, 1.0);
  cv::warpAffine(View(page), dst, m, dst.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(255));
  return out;
}

// A sending machine's header line: text about 0.1 in tall, 0.05-0.15 in from the top.
void StampHeader(GrayImage& page, double scale = 0.85, int thickness = 2) {
  cv::Mat m = View(page);
  cv::putText(m, kHeaderText, cv::Point(Px(0.1), Px(0.16)), cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar(0), thickness);
}

// The page as a fax machine sends it: 204 x dpi_y, black and white.
GrayImage FaxLike(const GrayImage& square, int dpi_y) {
  const int height = static_cast<int>(std::lround(square.height * dpi_y / square.dpi_y));
  GrayImage out = GrayImage::Blank(square.width, height, square.dpi_x, dpi_y);
  cv::Mat dst = View(out);
  cv::resize(View(square), dst, dst.size(), 0, 0, cv::INTER_AREA);
  cv::threshold(dst, dst, 127, 255, cv::THRESH_BINARY);
  return out;
}

int FirstInkRow(const GrayImage& page) {
  for (int y = 0; y < page.height; ++y) {
    if (page.InkRatio(Box{0, y, page.width, 1}) > 0) return y;
  }
  return page.height;
}

// Isolated 1- and 2-pixel dots on white paper, at least 2 px from any ink.
std::vector<cv::Point> SprinkleDots(GrayImage& page, int count, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> xs(3, page.width - 4), ys(3, page.height - 4), kind(0, 2);
  std::vector<cv::Point> dots;
  while (static_cast<int>(dots.size()) < count) {
    const int x = xs(rng), y = ys(rng);
    if (page.InkRatio(Box{x - 3, y - 3, 7, 7}, 255) > 0) continue;  // anything not pure white nearby
    const int k = kind(rng);
    page.At(x, y) = 0;
    if (k == 1) page.At(x + 1, y) = 0;
    if (k == 2) page.At(x, y + 1) = 0;
    dots.emplace_back(x, y);
  }
  return dots;
}

PrepareOptions NoOrientation() {
  PrepareOptions options;
  options.detect_orientation = false;
  return options;
}

TEST(ToSquarePixels, NormalFaxPageIsStretchedTo204x204AndACircleStaysRound) {
  GrayImage fax = RenderForm("HIS-AUTH-EN", 1, kFaxDpi, 98);
  ASSERT_EQ(fax.height, 1078);
  // A circle 2 in across is 408 px wide and 196 px tall at 204x98, drawn on cleared paper.
  const cv::Point center(fax.width / 2, fax.height / 2);
  cv::Mat m = View(fax);
  cv::rectangle(m, cv::Rect(center.x - 260, center.y - 130, 520, 260), cv::Scalar(255), cv::FILLED);
  cv::ellipse(m, center, cv::Size(204, 98), 0, 0, 360, cv::Scalar(0), 3);

  const GrayImage square = ToSquarePixels(fax);
  EXPECT_EQ(square.dpi_x, 204);
  EXPECT_EQ(square.dpi_y, 204);
  EXPECT_EQ(square.width, fax.width);
  EXPECT_EQ(square.height, 2244);
  EXPECT_NEAR(static_cast<double>(square.height) / fax.height, 204.0 / 98.0, 0.001);

  const int cy = static_cast<int>(std::lround(center.y * 204.0 / 98.0));
  int left = square.width, right = -1, top = square.height, bottom = -1;
  for (int y = cy - 250; y <= cy + 250; ++y) {
    for (int x = center.x - 250; x <= center.x + 250; ++x) {
      if (square.At(x, y) >= 128) continue;
      left = std::min(left, x), right = std::max(right, x), top = std::min(top, y), bottom = std::max(bottom, y);
    }
  }
  ASSERT_GT(right, left);
  EXPECT_NEAR(static_cast<double>(right - left + 1) / (bottom - top + 1), 1.0, 0.02);
}

TEST(ToSquarePixels, FineFaxPageIsStretchedTo204x204) {
  const GrayImage fax = RenderForm("HIS-AUTH-EN", 1, kFaxDpi, 196);
  const GrayImage square = ToSquarePixels(fax);
  EXPECT_EQ(square.dpi_y, 204);
  EXPECT_EQ(square.width, fax.width);
  EXPECT_EQ(square.height, 2244);
}

TEST(FindFaxHeader, FindsAStampedHeaderAtBothFaxResolutionsAndStopsAboveTheForm) {
  const GrayImage clean = RenderForm("HIS-AUTH-EN", 1);
  const int form_top = FirstInkRow(clean);  // the corner squares, 1/3 in down
  ASSERT_GT(form_top, Px(0.3));
  GrayImage stamped = clean;
  StampHeader(stamped);
  for (int dpi_y : {98, 196}) {
    SCOPED_TRACE(dpi_y);
    const GrayImage page = ToSquarePixels(FaxLike(stamped, dpi_y));
    const std::optional<Box> band = FindFaxHeader(page);
    ASSERT_TRUE(band.has_value());
    EXPECT_EQ(band->x, 0);
    EXPECT_EQ(band->y, 0);
    EXPECT_EQ(band->w, page.width);
    EXPECT_GT(page.InkRatio(*band), 0.0);
    // Every header pixel is inside the band, and the band ends before the form starts.
    EXPECT_EQ(page.InkRatio(Box{0, band->h, page.width, form_top - 2 - band->h}), 0.0);
    EXPECT_LT(band->h, form_top - 2);
  }
}

TEST(FindFaxHeader, ReportsNoHeaderOnCleanFormPagesUprightOrUpsideDown) {
  for (const auto& [form, number] : kFormPages) {
    SCOPED_TRACE(form + " page " + std::to_string(number));
    const GrayImage page = RenderForm(form, number);
    EXPECT_FALSE(FindFaxHeader(page).has_value());
    EXPECT_FALSE(FindFaxHeader(RotateQuarterTurns(page, 180)).has_value());
  }
}

TEST(EstimateSkew, IsWithinATenthOfADegreeOnTwoFormsTurnedMinus4To4Degrees) {
  for (const char* form : {"HIS-AUTH-EN", "HIS-VERBAL-ES"}) {
    const GrayImage page = RenderForm(form, 1);
    for (double degrees = -4; degrees <= 4; degrees += 0.5) {
      SCOPED_TRACE(std::string(form) + " at " + std::to_string(degrees));
      EXPECT_NEAR(EstimateSkew(Rotated(page, degrees)), degrees, 0.1);
    }
  }
}

TEST(PreparePage, LeavesResidualSkewUnderFifteenHundredthsOfADegree) {
  const GrayImage page = RenderForm("HIS-AMEND-EN", 1);
  for (double degrees : {-4.0, -2.6, -1.1, 0.7, 2.3, 4.0}) {
    SCOPED_TRACE(degrees);
    const Result<PreparedPage> out = PreparePage(Rotated(page, degrees), NoOrientation(), nullptr);
    ASSERT_TRUE(out.has_value());
    EXPECT_NEAR(out->skew_degrees, degrees, 0.1);
    EXPECT_LT(std::abs(EstimateSkew(out->image)), 0.15);
  }
}

TEST(PreparePage, EstimatesSkewWithoutTheLevelHeaderAndBlanksIt) {
  // A short typed note: little enough content that a bold level header, left
  // in, outweighs it.
  GrayImage page = GrayImage::Blank(1728, 2244, kFaxDpi, kFaxDpi);
  cv::Mat m = View(page);
  for (int i = 0; i < 3; ++i) {
    cv::putText(m, i % 2 ? "Please call the office." : "Records for the patient", cv::Point(Px(2), Px(3 + 0.3 * i)),
                cv::FONT_HERSHEY_SIMPLEX, 0.9, cv::Scalar(0), 2);
  }
  page = Rotated(page, 2.0);
  StampHeader(page, 1.0, 3);
  ASSERT_GT(std::abs(EstimateSkew(page) - 2.0), 0.3) << "the header does not sway the estimate: the test proves nothing";

  const Result<PreparedPage> out = PreparePage(page, NoOrientation(), nullptr);
  ASSERT_TRUE(out.has_value());
  ASSERT_TRUE(out->header_band.has_value());
  EXPECT_NEAR(out->skew_degrees, 2.0, 0.1);
  EXPECT_EQ(out->image.InkRatio(Box{0, 0, page.width, Px(0.2)}), 0.0);  // the header's text is gone
}

TEST(PreparePage, RemovesIsolatedOneAndTwoPixelDotsAndKeepsTheFormsInk) {
  const GrayImage clean = RenderForm("HIS-AUTH-EN", 1);
  GrayImage noisy = clean;
  const std::vector<cv::Point> dots = SprinkleDots(noisy, 3000, 7);

  const Result<PreparedPage> out = PreparePage(noisy, NoOrientation(), nullptr);
  ASSERT_TRUE(out.has_value());
  ASSERT_EQ(out->skew_degrees, 0.0);  // pixels still line up with `clean`
  const GrayImage& image = out->image;
  const auto left = std::count_if(dots.begin(), dots.end(), [&](cv::Point p) { return image.At(p.x, p.y) < 128; });
  EXPECT_EQ(left, 0);

  std::size_t ink = 0, kept = 0;
  for (std::size_t i = 0; i < clean.pixels.size(); ++i) {
    if (clean.pixels[i] >= 128) continue;
    ++ink;
    kept += image.pixels[i] < 128;
  }
  ASSERT_GT(ink, 0u);
  EXPECT_GE(static_cast<double>(kept) / ink, 0.998);
}

TEST(PreparePage, ReportsPaperWithFaxNoiseAsBlank) {
  GrayImage page = GrayImage::Blank(1728, 2244, kFaxDpi, kFaxDpi);
  SprinkleDots(page, 2000, 11);
  cv::Mat m = View(page);
  cv::line(m, cv::Point(6, 0), cv::Point(6, page.height - 1), cv::Scalar(0), 2);  // a streak down the edge
  const Result<PreparedPage> out = PreparePage(page, NoOrientation(), nullptr);
  ASSERT_TRUE(out.has_value());
  EXPECT_TRUE(out->blank);
}

TEST(PreparePage, DoesNotReportAFormPageOrOneLineOfTextAsBlank) {
  const Result<PreparedPage> form = PreparePage(RenderForm("HIS-AUTH-EN", 2), NoOrientation(), nullptr);
  ASSERT_TRUE(form.has_value());
  EXPECT_FALSE(form->blank);

  GrayImage note = GrayImage::Blank(1728, 2244, kFaxDpi, kFaxDpi);
  cv::Mat m = View(note);
  cv::putText(m, "Please call", cv::Point(Px(2), Px(5)), cv::FONT_HERSHEY_SIMPLEX, 0.8, cv::Scalar(0), 2);
  const Result<PreparedPage> out = PreparePage(note, NoOrientation(), nullptr);
  ASSERT_TRUE(out.has_value());
  EXPECT_FALSE(out->blank);
}

TEST(RotateQuarterTurns, TurnsClockwiseAndSwapsTheResolutions) {
  GrayImage page = GrayImage::Blank(3, 2, 100, 50);
  page.At(0, 0) = 0;  // top left
  const GrayImage quarter = RotateQuarterTurns(page, 90);
  EXPECT_EQ(quarter.width, 2);
  EXPECT_EQ(quarter.height, 3);
  EXPECT_EQ(quarter.dpi_x, 50);
  EXPECT_EQ(quarter.dpi_y, 100);
  EXPECT_EQ(quarter.At(1, 0), 0);  // top right
  EXPECT_EQ(RotateQuarterTurns(page, 180).At(2, 1), 0);
  EXPECT_EQ(RotateQuarterTurns(page, 270).At(0, 2), 0);
  EXPECT_EQ(RotateQuarterTurns(page, -90).pixels, RotateQuarterTurns(page, 270).pixels);
  EXPECT_EQ(RotateQuarterTurns(page, 360).pixels, page.pixels);
}

TEST(PreparePage, RejectsAnEmptyPage) {
  const Result<PreparedPage> out = PreparePage(GrayImage{}, PrepareOptions{}, nullptr);
  ASSERT_FALSE(out.has_value());
  EXPECT_EQ(out.error().code, ErrorCode::kCorruptFile);
}

TEST(PreparePage, PassesOnTheOrientationDetectorsError) {
  const OrientationDetector failing = [](const GrayImage&) -> Result<OrientationGuess> {
    return Fail(ErrorCode::kOcrError, "injected");
  };
  const Result<PreparedPage> out = PreparePage(RenderForm("HIS-AUTH-EN", 1), PrepareOptions{}, failing);
  ASSERT_FALSE(out.has_value());
  EXPECT_EQ(out.error().code, ErrorCode::kOcrError);
}

}  // namespace
}  // namespace intake
