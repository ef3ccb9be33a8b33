// review/render.h: a document's pages as the reviewer sees them.
//
// A request names its pages as parts of the archived file (an e-mail's
// attachments, a fax's pages) plus its supporting pages; `PagesOf` lists
// them in that order and the review app addresses them by 1-based position.
// A form page is shown registered onto its template, the way the fields were
// read, so every field's box (template pixels, see extract/fields.h) lands on
// what it boxes; a page that is no form, or that cannot be registered, is
// shown as received (square pixels). Pages are scaled down to screen
// resolution and written as PNG.
//
//   std::vector<PageRef> pages = PagesOf(request);
//   Result<std::vector<std::uint8_t>> png = RenderPage(request, pages[0], archived_bytes, templates, limits);
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/request.h"
#include "decode/decode.h"
#include "templates/template.h"

namespace intake {

struct PageRef {
  std::optional<std::string> attachment;  // e-mail attachment file name; null for a fax or scan
  int page = 1;                           // 1-based page of the file or attachment
  bool supporting = false;                // a cover sheet or attached page, not the form itself
};

std::vector<PageRef> PagesOf(const Request& request);

/// The template page (1-based) a page of the request's form is, found from
/// the fields read on it; nullopt for a page no field was read on.
std::optional<int> TemplatePageOf(const Request& request, const FormTemplate& form, const PageRef& page);

/// Pages are scaled down by a whole factor until at most this wide.
inline constexpr int kScreenWidth = 1100;

Result<std::vector<std::uint8_t>> RenderPage(const Request& request, const PageRef& page,
                                             std::span<const std::uint8_t> file_bytes, const TemplateSet& templates,
                                             const DecodeLimits& limits);

}  // namespace intake
