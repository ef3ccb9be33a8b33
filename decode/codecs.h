// decode/codecs.h: private to the decode module. One decoder per file kind,
// called by Decode() after the size and kind checks, plus the page budget they
// share so that every decoder refuses an oversized page before allocating it.
#pragma once

#include <cstdint>
#include <span>

#include "core/error.h"
#include "decode/decode.h"

class QPDF;

namespace intake::decode_detail {

/// Counts pages and pixels against DecodeLimits. Decoders call it with the
/// sizes read from headers, before any pixel buffer exists.
class PageBudget {
 public:
  explicit PageBudget(const DecodeLimits& limits) : limits_(limits) {}

  Result<void> CheckPageCount(std::int64_t pages) const;
  /// Charges one page of `width` x `height` pixels (1-based `page`).
  Result<void> Charge(int page, std::int64_t width, std::int64_t height);

 private:
  const DecodeLimits& limits_;
  std::int64_t total_pixels_ = 0;
};

Result<DecodedFile> DecodeTiff(std::span<const std::uint8_t> bytes, const DecodeLimits& limits);
Result<DecodedFile> DecodePdf(std::span<const std::uint8_t> bytes, const DecodeLimits& limits);
Result<DecodedFile> DecodeJpeg(std::span<const std::uint8_t> bytes, const DecodeLimits& limits);
Result<DecodedFile> DecodePng(std::span<const std::uint8_t> bytes, const DecodeLimits& limits);

/// Opens `bytes` into `pdf` with qpdf's info, warnings and errors discarded
/// (a damaged file is ours to report, not qpdf's to print). Throws qpdf's
/// exceptions, as QPDF::processMemoryFile does.
void OpenPdfQuietly(QPDF& pdf, std::span<const std::uint8_t> bytes);

}  // namespace intake::decode_detail
