// preprocess/prepare.h: makes a decoded page ready to be read.
//
// In order: square the pixels (a 204x98 fax page is stretched vertically to
// 204x204 dpi, a 204x196 one to 204x204, so that nothing is distorted), find
// the fax header line that the sending machine stamped across the top and
// blank it out (it is perfectly level even when the page under it is skewed,
// and it is not part of the form), turn the page upright (0/90/180/270: faxes
// arrive upside down), deskew, and remove specks. The header band and every
// correction applied are reported, so later stages can map coordinates back.
//
//   PreparedPage page = PreparePage(decoded.image, PrepareOptions{}, detect);
//
// `detect` tells the page's orientation; it is passed in (the pipeline hands
// the OCR engine's detector) so this module stays free of Tesseract.
// Thread-safe: every call is independent (each thread keeps one page-sized
// scratch buffer, ~4 MB for a fax page, between calls). About 21 ms per fax
// page without the detector.
#pragma once

#include <functional>
#include <optional>

#include "core/error.h"
#include "core/image.h"

namespace intake {

using OrientationDetector = std::function<Result<OrientationGuess>(const GrayImage&)>;

struct PrepareOptions {
  bool despeckle = true;
  bool detect_orientation = true;
  double max_skew_degrees = 6.0;   // larger skews are not corrected
  int speck_max_pixels = 2;        // connected ink blobs this small (in pixels at 204 dpi) are removed
  double min_orientation_confidence = 0.5;  // a detector's guess below this is not applied (see OcrEngine)
};

struct PreparedPage {
  GrayImage image;                   // square pixels, upright, deskewed, header blanked
  std::optional<Box> header_band;    // where the fax header was, in `image` coordinates before rotation
  int rotated_clockwise = 0;         // orientation correction applied
  double orientation_confidence = 0;  // the detector's, whether its guess was applied or not
  double skew_degrees = 0;           // skew removed (counter-clockwise positive): the page was turned by -skew_degrees
  bool blank = false;                // no ink left after cleaning
};

/// Resamples so that dpi_x == dpi_y (the larger of the two), without distortion.
GrayImage ToSquarePixels(const GrayImage& page);

/// Finds the fax header line: a single text row at the very top of the page,
/// set apart from what follows by white space. nullopt when there is none.
std::optional<Box> FindFaxHeader(const GrayImage& square_page);

/// Estimated skew of the page content in degrees (counter-clockwise positive).
double EstimateSkew(const GrayImage& page);

/// Rotates by a multiple of 90 degrees clockwise.
GrayImage RotateQuarterTurns(const GrayImage& page, int rotate_clockwise);

/// Runs every step above.
Result<PreparedPage> PreparePage(const GrayImage& page, const PrepareOptions& options,
                                 const OrientationDetector& detect);

/// A phone photo of a sheet of paper: finds the sheet against what it lies
/// on, warps it to a letter-size page at 200 dpi (lying on its side when it
/// was photographed that way) and evens out the light, so PreparePage and
/// registration see a page like a scan. nullopt when the image shows no sheet
/// standing clear of a darker surround (a scan, a cropped photo): use the
/// image as it is. About 60 ms for a 12-megapixel photo.
std::optional<GrayImage> StraightenPhotographedSheet(const GrayImage& photo);

}  // namespace intake
