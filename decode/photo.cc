// JPEG and PNG (phone photos and scans of paper forms) through OpenCV.
//
// The headers are walked here first: that gives the pixel size to check
// against the limits before OpenCV allocates anything, the resolution, and
// whether the file is whole (OpenCV's decoders fill a cut JPEG with gray and
// call it a success).
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <optional>
#include <string>
#include <vector>

#include "decode/codecs.h"

namespace intake {
namespace {

// Photos and scans that state no usable resolution: the usual scan setting.
constexpr double kDefaultDpi = 300;

std::uint32_t BigEndian(const std::uint8_t* p, int width) {
  std::uint32_t value = 0;
  for (int i = 0; i < width; ++i) value = (value << 8) | p[i];
  return value;
}

// Cameras write 72 or 96 "dpi" that say nothing about the paper; only a
// value a scanner would use is kept (rounded: 300 dpi is stored as 11811 per metre).
double PlausibleDpi(double dpi) {
  dpi = std::round(dpi);
  return dpi >= 100 && dpi <= 1200 ? dpi : kDefaultDpi;
}

struct Header {
  std::int64_t width = 0, height = 0;
  double dpi_x = kDefaultDpi, dpi_y = kDefaultDpi;
  bool bilevel = false;
  bool alpha = false;
};

Error Truncated(std::string_view kind) {
  return {ErrorCode::kTruncatedFile,
          std::string(kind) + " image is incomplete (truncated): ask the sender to send it again"};
}

Error Corrupt(std::string_view kind) {
  return {ErrorCode::kCorruptFile,
          std::string(kind) + " image is damaged and cannot be read: ask the sender to send it again"};
}

// Walks the marker segments up to the first scan, then looks for the end
// marker (entropy-coded data never contains FF D9).
Result<Header> ReadJpegHeader(std::span<const std::uint8_t> bytes) {
  Header header;
  std::size_t pos = 2;
  std::optional<std::size_t> scan;
  while (!scan) {
    while (pos < bytes.size() && bytes[pos] != 0xFF) ++pos;          // tolerate junk between segments
    while (pos + 1 < bytes.size() && bytes[pos + 1] == 0xFF) ++pos;  // fill bytes
    if (pos + 4 > bytes.size()) return tl::unexpected(Truncated("JPEG"));
    const std::uint8_t marker = bytes[pos + 1];
    if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
      pos += 2;
      continue;
    }
    if (marker == 0xD9) return tl::unexpected(Corrupt("JPEG"));  // ends before any image data
    const std::size_t length = BigEndian(&bytes[pos + 2], 2);
    if (length < 2) return tl::unexpected(Corrupt("JPEG"));
    const std::size_t body = pos + 4, end = pos + 2 + length;
    if (end > bytes.size()) return tl::unexpected(Truncated("JPEG"));
    const std::uint8_t* p = &bytes[body];
    const std::size_t size = end - body;
    const bool frame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (frame && size >= 6) {
      header.height = BigEndian(p + 1, 2);
      header.width = BigEndian(p + 3, 2);
    } else if (marker == 0xE0 && size >= 12 && std::memcmp(p, "JFIF\0", 5) == 0 && (p[7] == 1 || p[7] == 2)) {
      const double scale = p[7] == 2 ? 2.54 : 1.0;  // 2 = dots per cm
      header.dpi_x = PlausibleDpi(BigEndian(p + 8, 2) * scale);
      header.dpi_y = PlausibleDpi(BigEndian(p + 10, 2) * scale);
    } else if (marker == 0xDA) {
      scan = end;
    }
    pos = end;
  }
  if (header.width == 0 || header.height == 0) return tl::unexpected(Corrupt("JPEG"));
  const std::uint8_t end_marker[] = {0xFF, 0xD9};
  if (std::search(bytes.begin() + *scan, bytes.end(), std::begin(end_marker), std::end(end_marker)) == bytes.end()) {
    return tl::unexpected(Truncated("JPEG"));
  }
  return header;
}

// Walks the chunks: IHDR first, every chunk whole, and IEND at the end.
Result<Header> ReadPngHeader(std::span<const std::uint8_t> bytes) {
  Header header;
  std::size_t pos = 8;
  for (bool first = true;; first = false) {
    if (pos + 8 > bytes.size()) return tl::unexpected(Truncated("PNG"));
    const std::size_t length = BigEndian(&bytes[pos], 4);
    const std::string_view type(reinterpret_cast<const char*>(&bytes[pos + 4]), 4);
    if (length > 0x7FFFFFFF) return tl::unexpected(Corrupt("PNG"));
    if (bytes.size() - pos - 8 < length + 4) return tl::unexpected(Truncated("PNG"));
    const std::uint8_t* p = &bytes[pos + 8];
    if (first != (type == "IHDR")) return tl::unexpected(Corrupt("PNG"));
    if (type == "IHDR") {
      if (length < 13) return tl::unexpected(Corrupt("PNG"));
      header.width = BigEndian(p, 4);
      header.height = BigEndian(p + 4, 4);
      header.bilevel = p[8] == 1 && p[9] == 0;  // 1-bit grayscale
      header.alpha = p[9] == 4 || p[9] == 6;
    } else if (type == "pHYs" && length >= 9 && p[8] == 1) {  // unit 1 = pixels per metre
      header.dpi_x = PlausibleDpi(BigEndian(p, 4) * 0.0254);
      header.dpi_y = PlausibleDpi(BigEndian(p + 4, 4) * 0.0254);
    } else if (type == "IEND") {
      break;
    }
    pos += 12 + length;
  }
  if (header.width == 0 || header.height == 0) return tl::unexpected(Corrupt("PNG"));
  return header;
}

// Gray on white paper: a transparent background (often stored as black) must
// come out white, so alpha is composited before the gray conversion.
cv::Mat DecodeGray(std::span<const std::uint8_t> bytes, bool alpha) {
  const cv::Mat encoded(1, static_cast<int>(bytes.size()), CV_8U, const_cast<std::uint8_t*>(bytes.data()));
  if (!alpha) return cv::imdecode(encoded, cv::IMREAD_GRAYSCALE);
  cv::Mat color = cv::imdecode(encoded, cv::IMREAD_UNCHANGED);
  if (color.empty() || color.channels() != 4) return {};
  if (color.depth() != CV_8U) color.convertTo(color, CV_8U, 1.0 / 257);
  cv::Mat gray(color.size(), CV_8U);
  for (int y = 0; y < color.rows; ++y) {
    const cv::Vec4b* in = color.ptr<cv::Vec4b>(y);
    std::uint8_t* out = gray.ptr<std::uint8_t>(y);
    for (int x = 0; x < color.cols; ++x) {
      const int luma = (29 * in[x][0] + 150 * in[x][1] + 77 * in[x][2] + 128) >> 8;  // BGR order
      out[x] = static_cast<std::uint8_t>((luma * in[x][3] + 255 * (255 - in[x][3]) + 127) / 255);
    }
  }
  return gray;
}

Result<DecodedFile> DecodePhoto(std::span<const std::uint8_t> bytes, const DecodeLimits& limits, FileKind kind,
                                const Result<Header>& header) {
  if (!header) return tl::unexpected(header.error());
  const std::string_view name = kind == FileKind::kJpeg ? "JPEG" : "PNG";
  decode_detail::PageBudget budget(limits);
  if (auto count = budget.CheckPageCount(1); !count) return tl::unexpected(count.error());
  if (auto fits = budget.Charge(1, header->width, header->height); !fits) return tl::unexpected(fits.error());
  if (bytes.size() > static_cast<std::size_t>(INT_MAX)) return tl::unexpected(Corrupt(name));
  cv::Mat gray;
  try {
    gray = DecodeGray(bytes, header->alpha);
  } catch (const cv::Exception&) {
    return tl::unexpected(Corrupt(name));
  }
  if (gray.empty() || gray.type() != CV_8UC1) return tl::unexpected(Corrupt(name));
  // EXIF orientation may have turned the picture a quarter; the resolution turns with it.
  const bool turned = gray.cols != header->width;
  GrayImage image;
  image.width = gray.cols;
  image.height = gray.rows;
  image.dpi_x = turned ? header->dpi_y : header->dpi_x;
  image.dpi_y = turned ? header->dpi_x : header->dpi_y;
  image.pixels.resize(static_cast<std::size_t>(image.width) * image.height);
  for (int y = 0; y < gray.rows; ++y) {
    std::memcpy(image.pixels.data() + static_cast<std::size_t>(y) * image.width, gray.ptr(y), image.width);
  }
  DecodedFile decoded;
  decoded.kind = kind;
  decoded.pages.push_back({.number = 1, .image = std::move(image), .bilevel = header->bilevel});
  return decoded;
}

}  // namespace

namespace decode_detail {

Result<DecodedFile> DecodeJpeg(std::span<const std::uint8_t> bytes, const DecodeLimits& limits) {
  return DecodePhoto(bytes, limits, FileKind::kJpeg, ReadJpegHeader(bytes));
}

Result<DecodedFile> DecodePng(std::span<const std::uint8_t> bytes, const DecodeLimits& limits) {
  return DecodePhoto(bytes, limits, FileKind::kPng, ReadPngHeader(bytes));
}

}  // namespace decode_detail
}  // namespace intake
