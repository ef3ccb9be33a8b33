#include "core/image.h"

#include <algorithm>

namespace intake {

GrayImage GrayImage::Blank(int width, int height, double dpi_x, double dpi_y) {
  GrayImage image;
  image.width = width;
  image.height = height;
  image.dpi_x = dpi_x;
  image.dpi_y = dpi_y;
  image.pixels.assign(static_cast<std::size_t>(width) * height, 255);
  return image;
}

double GrayImage::InkRatio(Box box, std::uint8_t threshold) const {
  const int x0 = std::max(0, box.x), y0 = std::max(0, box.y);
  const int x1 = std::min(width, box.x + box.w), y1 = std::min(height, box.y + box.h);
  if (x1 <= x0 || y1 <= y0) return 0.0;
  std::size_t dark = 0;
  for (int y = y0; y < y1; ++y) {
    const std::uint8_t* row = &pixels[static_cast<std::size_t>(y) * width];
    for (int x = x0; x < x1; ++x) dark += row[x] < threshold;
  }
  return static_cast<double>(dark) / (static_cast<double>(x1 - x0) * (y1 - y0));
}

}  // namespace intake
