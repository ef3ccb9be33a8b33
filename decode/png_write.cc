// Writes a page raster as PNG (the review app shows pages in the browser).
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "decode/decode.h"

namespace intake {

Result<std::vector<std::uint8_t>> EncodePng(const GrayImage& image) {
  if (image.Empty() || image.pixels.size() != static_cast<std::size_t>(image.width) * image.height) {
    return Fail(ErrorCode::kInternal, "the page image is empty and cannot be shown");
  }
  try {
    const cv::Mat mat(image.height, image.width, CV_8UC1, const_cast<std::uint8_t*>(image.pixels.data()));
    std::vector<std::uint8_t> png;
    if (!cv::imencode(".png", mat, png, {cv::IMWRITE_PNG_COMPRESSION, 3})) {
      return Fail(ErrorCode::kInternal, "the page image could not be written as PNG");
    }
    return png;
  } catch (const cv::Exception&) {
    return Fail(ErrorCode::kInternal, "the page image could not be written as PNG");
  }
}

}  // namespace intake
