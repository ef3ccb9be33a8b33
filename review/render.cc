// A document's page images for the review app (review/render.h).
#include "review/render.h"

#include <algorithm>

#include "classifiers/identify.h"
#include "email/message.h"
#include "preprocess/prepare.h"

namespace intake {
namespace {

// Averages `factor` x `factor` blocks: a whole-factor reduction keeps thin
// fax strokes visible where resampling would drop them.
GrayImage Reduce(const GrayImage& image, int factor) {
  if (factor <= 1) return image;
  GrayImage out = GrayImage::Blank(image.width / factor, image.height / factor, image.dpi_x / factor,
                                   image.dpi_y / factor);
  for (int y = 0; y < out.height; ++y) {
    for (int x = 0; x < out.width; ++x) {
      int sum = 0;
      for (int dy = 0; dy < factor; ++dy) {
        for (int dx = 0; dx < factor; ++dx) sum += image.At(x * factor + dx, y * factor + dy);
      }
      out.At(x, y) = static_cast<std::uint8_t>(sum / (factor * factor));
    }
  }
  return out;
}

bool ReadOnPage(const Request& request, const PageRef& page, const FieldReading& reading) {
  if (reading.page != page.page) return false;
  // E-mail: a field's page is its attachment's; the request's first part is the form.
  return request.source.parts.empty() || request.source.parts.front().attachment == page.attachment;
}

Result<std::vector<std::uint8_t>> BytesOf(const PageRef& page, std::span<const std::uint8_t> file_bytes,
                                          std::vector<std::uint8_t>& holder) {
  if (!page.attachment) return std::vector<std::uint8_t>(file_bytes.begin(), file_bytes.end());
  Result<MailMessage> message = ParseMessage(file_bytes);
  if (!message) return tl::unexpected(message.error());
  for (MailAttachment& attachment : message->attachments) {
    if (attachment.filename == *page.attachment) {
      holder = std::move(attachment.bytes);
      return holder;
    }
  }
  return Fail(ErrorCode::kCorruptFile, "the e-mail no longer holds the attachment this page came from");
}

}  // namespace

std::vector<PageRef> PagesOf(const Request& request) {
  std::vector<PageRef> pages;
  for (const PagesRef& part : request.source.parts) {
    for (int page : part.pages) pages.push_back({part.attachment, page, false});
  }
  for (const PagesRef& part : request.supporting_pages) {
    for (int page : part.pages) pages.push_back({part.attachment, page, true});
  }
  return pages;
}

std::optional<int> TemplatePageOf(const Request& request, const FormTemplate& form, const PageRef& page) {
  if (page.supporting) return std::nullopt;
  for (const auto& [key, reading] : request.fields) {
    if (!ReadOnPage(request, page, reading)) continue;
    if (const TemplateField* field = form.Field(key)) return field->page;
    for (const TemplateField& field : form.fields) {
      if (field.group == key) return field.page;
    }
  }
  return std::nullopt;
}

Result<std::vector<std::uint8_t>> RenderPage(const Request& request, const PageRef& page,
                                             std::span<const std::uint8_t> file_bytes, const TemplateSet& templates,
                                             const DecodeLimits& limits) {
  std::vector<std::uint8_t> holder;
  Result<std::vector<std::uint8_t>> bytes = BytesOf(page, file_bytes, holder);
  if (!bytes) return tl::unexpected(bytes.error());
  Result<DecodedFile> decoded = Decode(*bytes, limits);
  if (!decoded) return tl::unexpected(decoded.error());
  const auto found = std::find_if(decoded->pages.begin(), decoded->pages.end(),
                                  [&](const DecodedPage& p) { return p.number == page.page; });
  if (found == decoded->pages.end()) return Fail(ErrorCode::kCorruptFile, "the file has no such page");
  GrayImage image = ToSquarePixels(found->image);
  const FormTemplate* form = request.form_code ? templates.Find(*request.form_code) : nullptr;
  if (form) {
    if (const std::optional<int> template_page = TemplatePageOf(request, *form, page)) {
      if (Result<RegisteredPage> registered = RegisterPage(image, *form, *template_page)) {
        image = std::move(registered->image);
      }
    }
  }
  const int factor = std::max(1, (image.width + kScreenWidth - 1) / kScreenWidth);
  return EncodePng(Reduce(image, factor));
}

}  // namespace intake
