// core/image.h: the page raster that moves between stages.
//
// A GrayImage is 8-bit grayscale, row-major, 0 = black ink, 255 = white
// paper, with its resolution in dots per inch on each axis. Fax pages start
// with dpi_x != dpi_y (204x98 "normal", 204x196 "fine"); page preparation
// makes them square. Stages take and return GrayImage by value and convert to
// their own library's type (Leptonica Pix, cv::Mat) inside their module, so
// no third-party image type crosses a module boundary.
//
//   GrayImage page = GrayImage::Blank(1700, 2200, 200, 200);
//   page.At(10, 20) = 0;  // one black pixel
#pragma once

#include <cstdint>
#include <vector>

namespace intake {

struct Box {
  int x = 0, y = 0, w = 0, h = 0;  // pixels, origin top-left
  friend bool operator==(const Box&, const Box&) = default;
};

/// Clockwise rotation, in degrees (0, 90, 180 or 270), that makes a page
/// upright, with a confidence in [0, 1].
struct OrientationGuess {
  int rotate_clockwise = 0;
  double confidence = 0;
};

struct GrayImage {
  int width = 0;
  int height = 0;
  double dpi_x = 0;
  double dpi_y = 0;
  std::vector<std::uint8_t> pixels;  // width * height bytes

  static GrayImage Blank(int width, int height, double dpi_x, double dpi_y);

  bool Empty() const { return width <= 0 || height <= 0; }
  std::uint8_t& At(int x, int y) { return pixels[static_cast<std::size_t>(y) * width + x]; }
  std::uint8_t At(int x, int y) const { return pixels[static_cast<std::size_t>(y) * width + x]; }

  /// Share of pixels darker than `threshold` inside `box` (clipped to the image).
  double InkRatio(Box box, std::uint8_t threshold = 128) const;
};

}  // namespace intake
