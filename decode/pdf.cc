// PDF through Poppler (page rasters) and qpdf (AcroForm widgets and values).
//
// A PDF is refused before any page is drawn when it does not open, is locked
// by a user password, lacks its end marker (cut short while being sent or
// written), has too many pages, or has a page whose raster would exceed the
// limits.

// qpdf 11: PointerHolder is std::shared_ptr already; say so to silence its warning.
#define POINTERHOLDER_TRANSITION 4
#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-global.h>
#include <poppler/cpp/poppler-page-renderer.h>
#include <poppler/cpp/poppler-page.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <memory>
#include <mutex>
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFAcroFormDocumentHelper.hh>
#include <qpdf/QPDFExc.hh>
#include <qpdf/QPDFLogger.hh>
#include <qpdf/QPDFPageDocumentHelper.hh>
#include <string>
#include <string_view>
#include <vector>

#include "decode/codecs.h"

namespace intake {
namespace {

constexpr char kEncryptedMessage[] = "PDF is password-protected: ask the sender for an unprotected copy";
constexpr char kTruncatedMessage[] = "PDF is incomplete (truncated): ask the sender to send it again";
constexpr char kCorruptMessage[] = "PDF is damaged and cannot be opened: ask the sender to send it again";

// Writers end every PDF with %%EOF; readers look for it within the last KiB
// because some writers add a few bytes after it.
bool HasEndMarker(std::span<const std::uint8_t> bytes) {
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  return text.substr(text.size() - std::min<std::size_t>(text.size(), 1024)).find("%%EOF") != std::string_view::npos;
}

std::unique_ptr<poppler::document> OpenWithPoppler(std::span<const std::uint8_t> bytes) {
  static std::once_flag silenced;
  std::call_once(silenced, [] { poppler::set_debug_error_function([](const std::string&, void*) {}, nullptr); });
  if (bytes.size() > static_cast<std::size_t>(INT_MAX)) return nullptr;
  // Poppler reads the caller's bytes in place; they outlive the document here.
  return std::unique_ptr<poppler::document>(poppler::document::load_from_raw_data(
      reinterpret_cast<const char*>(bytes.data()), static_cast<int>(bytes.size())));
}

Result<std::unique_ptr<poppler::document>> OpenForPages(std::span<const std::uint8_t> bytes) {
  std::unique_ptr<poppler::document> document = OpenWithPoppler(bytes);
  const bool complete = HasEndMarker(bytes);
  if (!document) {
    return complete ? Fail(ErrorCode::kCorruptFile, kCorruptMessage)
                    : Fail(ErrorCode::kTruncatedFile, kTruncatedMessage);
  }
  if (document->is_locked()) return Fail(ErrorCode::kEncryptedPdf, kEncryptedMessage);
  // Poppler rebuilds a broken cross-reference table and opens a cut file, showing
  // only the pages that arrived; such a file must not pass as whole.
  if (!complete) return Fail(ErrorCode::kTruncatedFile, kTruncatedMessage);
  if (document->pages() <= 0) return Fail(ErrorCode::kEmptyFile, "PDF has no pages: ask the sender to send it again");
  return document;
}

Error PageDamaged(int number) {
  return {ErrorCode::kCorruptFile,
          "PDF page " + std::to_string(number) + " is damaged and cannot be drawn: ask the sender to send it again"};
}

// Opens page `number` (1-based) and charges its raster size to `budget`
// before anything is drawn.
Result<std::unique_ptr<poppler::page>> OpenPage(const poppler::document& document, int number, double dpi_x,
                                                double dpi_y, decode_detail::PageBudget& budget) {
  std::unique_ptr<poppler::page> page(document.create_page(number - 1));
  if (!page) return tl::unexpected(PageDamaged(number));
  const poppler::rectf box = page->page_rect(poppler::crop_box);
  const bool sideways =
      page->orientation() == poppler::page::landscape || page->orientation() == poppler::page::seascape;
  // Poppler applies the horizontal resolution to the drawn (rotated) x axis.
  const double width = std::ceil((sideways ? box.height() : box.width()) * dpi_x / 72);
  const double height = std::ceil((sideways ? box.width() : box.height()) * dpi_y / 72);
  if (!(width >= 1 && height >= 1)) return tl::unexpected(PageDamaged(number));
  constexpr double kHuge = 1e12;  // clamps absurd sizes so the budget refuses them without overflow
  if (auto fits = budget.Charge(number, static_cast<std::int64_t>(std::min(width, kHuge)),
                                static_cast<std::int64_t>(std::min(height, kHuge)));
      !fits) {
    return tl::unexpected(fits.error());
  }
  return page;
}

Result<GrayImage> DrawPage(const poppler::page& page, int number, double dpi_x, double dpi_y) {
  poppler::page_renderer renderer;
  renderer.set_image_format(poppler::image::format_gray8);
  renderer.set_render_hints(poppler::page_renderer::antialiasing | poppler::page_renderer::text_antialiasing);
  const poppler::image raster = renderer.render_page(&page, dpi_x, dpi_y);
  if (!raster.is_valid() || raster.format() != poppler::image::format_gray8 || raster.width() <= 0 ||
      raster.height() <= 0) {
    return tl::unexpected(PageDamaged(number));
  }
  GrayImage image;
  image.width = raster.width();
  image.height = raster.height();
  image.dpi_x = dpi_x;
  image.dpi_y = dpi_y;
  image.pixels.resize(static_cast<std::size_t>(image.width) * image.height);
  for (int y = 0; y < image.height; ++y) {
    std::memcpy(image.pixels.data() + static_cast<std::size_t>(y) * image.width,
                raster.const_data() + static_cast<std::size_t>(y) * raster.bytes_per_row(), image.width);
  }
  return image;
}

// A field value as text: strings decoded to UTF-8, names without their '/'.
std::string ValueText(QPDFObjectHandle value) {
  if (value.isString()) return value.getUTF8Value();
  if (value.isName()) return value.getName().substr(1);
  return {};
}

// Every widget on every page, in page order. Throws qpdf's exceptions.
std::vector<AcroFormValue> ReadWidgets(std::span<const std::uint8_t> bytes) {
  QPDF pdf;
  decode_detail::OpenPdfQuietly(pdf, bytes);
  QPDFAcroFormDocumentHelper forms(pdf);
  std::vector<AcroFormValue> widgets;
  if (!forms.hasAcroForm()) return widgets;
  int number = 0;
  for (QPDFPageObjectHelper& page : QPDFPageDocumentHelper(pdf).getAllPages()) {
    ++number;
    for (QPDFAnnotationObjectHelper& annotation : forms.getWidgetAnnotationsForPage(page)) {
      QPDFFormFieldObjectHelper field = forms.getFieldForAnnotation(annotation);
      if (field.isNull()) continue;
      AcroFormValue widget;
      widget.name = field.getFullyQualifiedName();
      widget.is_checkbox = field.isCheckbox() || field.isRadioButton();
      if (widget.is_checkbox) {
        // The widget's appearance state is what the sender saw ticked; /V is
        // shared by all widgets of a field.
        const std::string state = annotation.getAppearanceState();
        widget.value = state.size() > 1 ? state.substr(1) : ValueText(field.getValue());
        if (widget.value.empty()) widget.value = "Off";
      } else {
        widget.value = ValueText(field.getValue());
      }
      const QPDFObjectHandle::Rectangle rect = annotation.getRect();
      widget.page = number;
      widget.x = std::min(rect.llx, rect.urx);
      widget.y = std::min(rect.lly, rect.ury);
      widget.w = std::abs(rect.urx - rect.llx);
      widget.h = std::abs(rect.ury - rect.lly);
      widgets.push_back(std::move(widget));
    }
  }
  return widgets;
}

Result<std::vector<AcroFormValue>> ReadWidgetsSafely(std::span<const std::uint8_t> bytes) {
  try {
    return ReadWidgets(bytes);
  } catch (const QPDFExc& e) {
    if (e.getErrorCode() == qpdf_e_password) return Fail(ErrorCode::kEncryptedPdf, kEncryptedMessage);
    return Fail(ErrorCode::kCorruptFile, kCorruptMessage);
  } catch (const std::exception&) {
    return Fail(ErrorCode::kCorruptFile, kCorruptMessage);
  }
}

}  // namespace

namespace decode_detail {

void OpenPdfQuietly(QPDF& pdf, std::span<const std::uint8_t> bytes) {
  std::shared_ptr<QPDFLogger> logger = QPDFLogger::create();
  logger->setInfo(logger->discard());
  logger->setWarn(logger->discard());
  logger->setError(logger->discard());
  pdf.setLogger(logger);
  pdf.setSuppressWarnings(true);
  pdf.processMemoryFile("pdf", reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

Result<DecodedFile> DecodePdf(std::span<const std::uint8_t> bytes, const DecodeLimits& limits) {
  if (!(limits.pdf_dpi > 0)) return Fail(ErrorCode::kInternal, "PDF render resolution must be positive");
  Result<std::unique_ptr<poppler::document>> document = OpenForPages(bytes);
  if (!document) return tl::unexpected(document.error());
  PageBudget budget(limits);
  const int count = (*document)->pages();
  if (auto pages = budget.CheckPageCount(count); !pages) return tl::unexpected(pages.error());
  std::vector<std::unique_ptr<poppler::page>> pages;
  for (int number = 1; number <= count; ++number) {
    auto page = OpenPage(**document, number, limits.pdf_dpi, limits.pdf_dpi, budget);
    if (!page) return tl::unexpected(page.error());
    pages.push_back(std::move(*page));
  }

  Result<std::vector<AcroFormValue>> widgets = ReadWidgetsSafely(bytes);
  if (!widgets) return tl::unexpected(widgets.error());
  DecodedFile decoded;
  decoded.kind = FileKind::kPdf;
  for (AcroFormValue& widget : *widgets) {
    const bool filled = widget.is_checkbox ? widget.value != "Off" : !widget.value.empty();
    if (filled) decoded.form_values.push_back(std::move(widget));
  }
  for (int number = 1; number <= count; ++number) {
    Result<GrayImage> image = DrawPage(*pages[number - 1], number, limits.pdf_dpi, limits.pdf_dpi);
    if (!image) return tl::unexpected(image.error());
    decoded.pages.push_back({.number = number, .image = std::move(*image), .bilevel = false});
  }
  return decoded;
}

}  // namespace decode_detail

bool IsCompletePdf(std::span<const std::uint8_t> bytes) {
  return SniffKind(bytes) == FileKind::kPdf && HasEndMarker(bytes) && OpenWithPoppler(bytes) != nullptr;
}

Result<std::vector<AcroFormValue>> ReadAcroForm(std::span<const std::uint8_t> pdf_bytes) {
  return ReadWidgetsSafely(pdf_bytes);
}

Result<GrayImage> RenderPdfPage(std::span<const std::uint8_t> pdf_bytes, int page_number, double dpi_x, double dpi_y) {
  if (!(dpi_x > 0 && dpi_y > 0)) return Fail(ErrorCode::kInternal, "render resolution must be positive");
  Result<std::unique_ptr<poppler::document>> document = OpenForPages(pdf_bytes);
  if (!document) return tl::unexpected(document.error());
  if (page_number < 1 || page_number > (*document)->pages()) {
    return Fail(ErrorCode::kInternal, "PDF has no page " + std::to_string(page_number));
  }
  const DecodeLimits limits;
  decode_detail::PageBudget budget(limits);
  auto page = OpenPage(**document, page_number, dpi_x, dpi_y, budget);
  if (!page) return tl::unexpected(page.error());
  return DrawPage(**page, page_number, dpi_x, dpi_y);
}

}  // namespace intake
