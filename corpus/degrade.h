// corpus/degrade.h: private to the corpus module. What a page goes through
// on its way in: a fax machine (skew, scale, shift, the sender's header line,
// binarization, speckle and streaks, normal resolution's halved rows), a
// mailroom scanner (300 dpi gray, paper texture, JPEG), a phone camera
// (perspective, a table around the page, uneven light, blur, JPEG with an
// EXIF orientation). Each returns its parameters for files.jsonl.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/image.h"
#include "corpus/ink.h"
#include "corpus/random.h"

namespace intake::corpus_detail {

/// How a sheet lies on the glass: turned by `skew_deg` about its centre,
/// scaled, and shifted by (shift_x, shift_y) output pixels.
struct Placement {
  double skew_deg = 0, scale = 1, shift_x = 0, shift_y = 0;
  nlohmann::ordered_json ToJson() const;
};
Placement RandomPlacement(Rng& rng, double max_skew_deg, double max_scale_change, double max_shift_px);

/// Draws `page` by `placement` onto a `width` x `height` sheet of `background`.
GrayImage Place(const GrayImage& page, const Placement& placement, int width, int height, std::uint8_t background);
GrayImage UpsideDown(GrayImage page);

/// A received fax page from a fine-resolution (204 x 196) raster that already
/// lies as the sender fed it: the header line stamped across the top, then
/// binarized with noise; `normal` keeps every other row (204 x 98). Writes
/// what it did into `degradation`.
GrayImage FaxReceive(GrayImage page, const std::string& header, bool normal, const FontCatalog& fonts, Pen& pen,
                     Rng& rng, nlohmann::ordered_json& degradation);

/// Paper texture, tone and a little blur of a gray scanner.
GrayImage ScanLook(GrayImage page, Rng& rng);

std::vector<std::uint8_t> EncodeJpeg(const GrayImage& page, int quality);

/// A phone photo of `page` (gray, any resolution) as JPEG bytes; records the
/// page's corners in the upright picture and the EXIF orientation.
std::vector<std::uint8_t> Photograph(const GrayImage& page, Rng& rng, nlohmann::ordered_json& degradation);

}  // namespace intake::corpus_detail
