#include "decode/decode.h"

#include <algorithm>
#include <array>
#include <climits>
#include <string>
#include <string_view>

#include "decode/codecs.h"

namespace intake {
namespace {

std::string_view AsText(std::span<const std::uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

bool StartsWith(std::span<const std::uint8_t> bytes, std::string_view magic) {
  return AsText(bytes).starts_with(magic);
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return std::ranges::equal(
      a, b, [](char x, char y) { return (x >= 'A' && x <= 'Z' ? x + 32 : x) == (y >= 'A' && y <= 'Z' ? y + 32 : y); });
}

// A header field name (RFC 5322 section 3.6.8: printable ASCII but ':'),
// followed by ':'. Returns the name, or empty when the line is not a field.
std::string_view HeaderFieldName(std::string_view line) {
  const std::size_t colon = line.find(':');
  if (colon == 0 || colon == std::string_view::npos) return {};
  const std::string_view name = line.substr(0, colon);
  const bool valid = std::ranges::all_of(name, [](char c) { return c > ' ' && c < 127; });
  return valid ? name : std::string_view{};
}

// An e-mail message opens with header fields, and delivered messages carry
// at least one of these. Requiring a known name keeps a text file that happens
// to start with "Note: ..." out.
bool LooksLikeEmail(std::string_view text) {
  static constexpr std::array<std::string_view, 14> kKnownFields = {
      "received", "from",       "return-path",   "mime-version", "delivered-to", "to",     "subject",
      "date",     "message-id", "x-original-to", "reply-to",     "content-type", "sender", "dkim-signature"};
  text = text.substr(0, 16 * 1024);
  if (text.starts_with("From ")) text.remove_prefix(std::min(text.size(), text.find('\n') + 1));
  bool first = true;
  while (!text.empty()) {
    const std::size_t eol = std::min(text.find('\n'), text.size());
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(std::min(text.size(), eol + 1));
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line.empty()) return false;  // end of the header block without a known field
    if (line[0] == ' ' || line[0] == '\t') {
      if (first) return false;
      continue;  // folded continuation of the previous field
    }
    const std::string_view name = HeaderFieldName(line);
    if (name.empty()) return false;
    first = false;
    if (std::ranges::any_of(kKnownFields, [&](std::string_view known) { return EqualsIgnoreCase(name, known); }))
      return true;
  }
  return false;
}

}  // namespace

std::string_view ToString(FileKind kind) {
  switch (kind) {
    case FileKind::kUnknown: return "unknown";
    case FileKind::kTiff: return "tiff";
    case FileKind::kPdf: return "pdf";
    case FileKind::kJpeg: return "jpeg";
    case FileKind::kPng: return "png";
    case FileKind::kEmail: return "email";
    case FileKind::kWord: return "word";
    case FileKind::kZip: return "zip";
  }
  return "unknown";
}

FileKind SniffKind(std::span<const std::uint8_t> bytes) {
  using namespace std::string_view_literals;
  // Classic and BigTIFF, both byte orders.
  for (std::string_view magic : {"II*\0"sv, "MM\0*"sv, "II+\0"sv, "MM\0+"sv}) {
    if (StartsWith(bytes, magic)) return FileKind::kTiff;
  }
  if (StartsWith(bytes, "%PDF-")) return FileKind::kPdf;
  if (StartsWith(bytes, "\xFF\xD8\xFF")) return FileKind::kJpeg;
  if (StartsWith(bytes, "\x89PNG\r\n\x1A\n")) return FileKind::kPng;
  if (StartsWith(bytes, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")) return FileKind::kWord;
  if (StartsWith(bytes, "PK\x03\x04") || StartsWith(bytes, "PK\x05\x06")) {
    // Entry names are stored uncompressed in the local headers; a .docx keeps
    // its body under word/.
    return AsText(bytes).find("word/") != std::string_view::npos ? FileKind::kWord : FileKind::kZip;
  }
  if (LooksLikeEmail(AsText(bytes))) return FileKind::kEmail;
  // Some writers put a few bytes before the header; readers accept it within 1 KiB.
  if (AsText(bytes).substr(0, 1024).find("%PDF-") != std::string_view::npos) return FileKind::kPdf;
  return FileKind::kUnknown;
}

Result<DecodedFile> Decode(std::span<const std::uint8_t> bytes, const DecodeLimits& limits) {
  if (bytes.empty()) return Fail(ErrorCode::kEmptyFile, "file is empty (0 bytes): ask the sender to send it again");
  if (static_cast<std::int64_t>(bytes.size()) > limits.max_bytes) {
    return Fail(ErrorCode::kTooLarge, "file is too large (" + std::to_string(bytes.size() >> 20) + " MiB, limit " +
                                          std::to_string(limits.max_bytes >> 20) +
                                          " MiB): ask the sender to split it into smaller files");
  }
  switch (SniffKind(bytes)) {
    case FileKind::kTiff: return decode_detail::DecodeTiff(bytes, limits);
    case FileKind::kPdf: return decode_detail::DecodePdf(bytes, limits);
    case FileKind::kJpeg: return decode_detail::DecodeJpeg(bytes, limits);
    case FileKind::kPng: return decode_detail::DecodePng(bytes, limits);
    case FileKind::kWord:
      return Fail(ErrorCode::kUnsupportedFormat, "Word document: ask the sender to send a PDF or a fax");
    case FileKind::kZip:
      return Fail(ErrorCode::kUnsupportedFormat, "ZIP archive: ask the sender to send the PDF or TIFF itself");
    case FileKind::kEmail:
      return Fail(ErrorCode::kUnsupportedFormat, "e-mail message: it is read by the e-mail inbox, not as a page file");
    case FileKind::kUnknown: break;
  }
  return Fail(ErrorCode::kUnsupportedFormat, "not a PDF, TIFF, JPEG or PNG file");
}

namespace decode_detail {

Result<void> PageBudget::CheckPageCount(std::int64_t pages) const {
  if (pages <= limits_.max_pages) return {};
  return Fail(ErrorCode::kTooLarge, "file has more than " + std::to_string(limits_.max_pages) +
                                        " pages (the limit): ask the sender to split it");
}

Result<void> PageBudget::Charge(int page, std::int64_t width, std::int64_t height) {
  const std::int64_t pixels = width * height;
  if (width > INT_MAX || height > INT_MAX || pixels > limits_.max_page_pixels) {
    return Fail(ErrorCode::kTooLarge, "page " + std::to_string(page) + " is too large to read (" +
                                          std::to_string(width) + " x " + std::to_string(height) +
                                          " pixels): ask the sender to send it at a normal page size");
  }
  total_pixels_ += pixels;
  if (total_pixels_ > limits_.max_total_pixels) {
    return Fail(ErrorCode::kTooLarge, "the pages of this file are too large to read together (over " +
                                          std::to_string(limits_.max_total_pixels / 1'000'000) +
                                          " million pixels at page " + std::to_string(page) +
                                          "): ask the sender to split it");
  }
  return {};
}

}  // namespace decode_detail
}  // namespace intake
