// decode/decode.h: turns the bytes of a received file into page rasters.
//
// What a file is comes from its content, never its name: TIFF (every fax
// variant: CCITT MH / G3 1-D / G3 2-D / G4, LZW, JPEG, multi-page), PDF
// (rendered by Poppler at `pdf_dpi`; the values of filled AcroForm fields are
// kept for the forms engine), JPEG and PNG (EXIF orientation applied).
// Fax pages keep their non-square resolution (204x98, 204x196); page
// preparation squares them.
//
// Limits are checked before pixels are allocated, so a decompression bomb is
// refused, not obeyed. Every failure is an Error whose message a clerk can act
// on ("PDF is password-protected: ask the sender for an unprotected copy").
// A file with a missing or damaged part (a TIFF cut in a later page, a fax
// page whose codes do not decode cleanly, a PDF without its %%EOF end marker)
// fails as a whole: a fax with a missing part must be seen by a person.
//
//   Result<DecodedFile> file = Decode(bytes, DecodeLimits{});
//   if (!file) Quarantine(file.error().message);
//   for (const DecodedPage& page : file->pages) ...
//
// Thread-safe: every call is independent.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/image.h"

namespace intake {

enum class FileKind { kUnknown, kTiff, kPdf, kJpeg, kPng, kEmail, kWord, kZip };

std::string_view ToString(FileKind kind);

/// Identifies a file by its first bytes (magic numbers).
FileKind SniffKind(std::span<const std::uint8_t> bytes);

struct DecodeLimits {
  std::int64_t max_bytes = 256LL << 20;         // whole file
  int max_pages = 200;                          // per file
  std::int64_t max_page_pixels = 120'000'000;   // width * height of one page
  std::int64_t max_total_pixels = 1'500'000'000;  // all pages of one file
  double pdf_dpi = 300;                         // PDF raster resolution
};

/// One filled AcroForm widget of an electronically filled PDF.
struct AcroFormValue {
  std::string name;   // fully qualified field name, e.g. "patient.last_name"
  std::string value;  // text as filled; for a checkbox its export state ("Off" = unchecked)
  bool is_checkbox = false;
  int page = 0;       // 1-based page of the widget
  double x = 0, y = 0, w = 0, h = 0;  // widget rectangle in PDF points, origin bottom-left
};

struct DecodedPage {
  int number = 0;     // 1-based position in the file
  GrayImage image;
  bool bilevel = false;  // the source page was 1 bit per pixel (fax)
};

struct DecodedFile {
  FileKind kind = FileKind::kUnknown;
  std::vector<DecodedPage> pages;
  std::optional<std::string> station_id;     // TIFF ImageDescription (fax sender)
  std::optional<std::string> received_time;  // TIFF DateTime, "YYYY:MM:DD HH:MM:SS"
  std::vector<AcroFormValue> form_values;    // PDF only; empty when not filled
};

/// Decodes every page of a PDF, TIFF, JPEG or PNG file.
Result<DecodedFile> Decode(std::span<const std::uint8_t> bytes, const DecodeLimits& limits);

/// True when the bytes are a complete PDF that Poppler opens (used by the scan
/// inbox to decide that a batch has finished being written).
bool IsCompletePdf(std::span<const std::uint8_t> bytes);

/// The AcroForm widgets of a PDF with their names, kinds, pages and rectangles
/// (values included): used to build templates from a fillable form.
Result<std::vector<AcroFormValue>> ReadAcroForm(std::span<const std::uint8_t> pdf_bytes);

// ---- Writing faxes (tests, benchmarks and the corpus generator) -----------

enum class FaxCompression { kG3_1D, kG3_2D, kG4, kModifiedHuffman, kLzw, kJpeg, kNone };

struct FaxTiffOptions {
  FaxCompression compression = FaxCompression::kG4;
  std::optional<std::string> station_id;  // written as ImageDescription
  std::optional<std::string> date_time;   // written as DateTime "YYYY:MM:DD HH:MM:SS"
};

/// Writes pages as one multi-page TIFF. Bilevel compressions (G3, G4, MH)
/// threshold at 128 and write class-F style 1-bit pages with each page's
/// dpi_x / dpi_y as its resolution; LZW, JPEG and None write 8-bit gray.
Result<std::vector<std::uint8_t>> EncodeTiff(const std::vector<GrayImage>& pages, const FaxTiffOptions& options);

// ---- Writing PNG (the review app) -----------------------------------------

/// The page as an 8-bit grayscale PNG.
Result<std::vector<std::uint8_t>> EncodePng(const GrayImage& image);

// ---- Writing PDFs (the corpus generator) ---------------------------------

/// PDF content-stream operators drawn over page `page` (1-based) of a PDF,
/// e.g. a signature drawn with a mouse: "0 0 0.5 RG 1 w 100 200 m 150 210 l S".
struct PdfOverlay {
  int page = 1;
  std::string content;
};

/// Fills a fillable PDF as a PDF editor saves it: each text field named in
/// `values` (fully qualified name) gets the value as /V; each checkbox named
/// gets its on state in /V and /AS unless its value is "Off"; NeedAppearances
/// is set so viewers draw the values; `overlays` are drawn over their pages.
/// The same input gives the same bytes.
Result<std::vector<std::uint8_t>> FillAcroForm(std::span<const std::uint8_t> pdf_bytes,
                                               const std::map<std::string, std::string>& values,
                                               const std::vector<PdfOverlay>& overlays = {});

/// The PDF locked with a user password (RC4, 128 bits), as senders protect
/// attachments. The same input gives the same bytes.
Result<std::vector<std::uint8_t>> EncryptPdf(std::span<const std::uint8_t> pdf_bytes, const std::string& user_password);

/// Renders one page of a PDF at the given resolution on each axis (e.g. 204 x 98
/// for a normal-resolution fax). Used to fax the shipped forms in tests.
Result<GrayImage> RenderPdfPage(std::span<const std::uint8_t> pdf_bytes, int page_number, double dpi_x, double dpi_y);

}  // namespace intake
