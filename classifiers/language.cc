// The language of a page that is not one of our forms, or of a message body.
//
// Counts the short function words that make up a large share of any English
// or Spanish prose ("the", "and", "of" against "el", "los", "que"); a letter
// or a cover sheet has plenty of them. Reading a band of the page through
// the middle is enough for that and costs a fraction of the whole page.
#include <algorithm>
#include <cctype>
#include <set>

#include "classifiers/identify.h"

namespace intake {
namespace {

// Words frequent in one language and rare in the other (no "a", "y" or "no":
// both languages use them, and OCR makes stray one-letter words).
const std::set<std::string>& EnglishWords() {
  static const std::set<std::string> words = {
      "the",  "and",  "of",   "to",    "for",  "is",   "this", "that", "with", "my",    "your", "you",
      "are",  "be",   "have", "from",  "our",  "we",   "will", "please", "by", "on",  "at",   "it",
      "which", "records", "request", "patient", "information", "regards", "sincerely", "pages", "fax"};
  return words;
}

const std::set<std::string>& SpanishWords() {
  static const std::set<std::string> words = {
      "el",    "la",   "los",   "las",  "de",   "del",  "que",   "para", "por",   "con",   "una",  "un",
      "su",    "mi",   "es",    "se",   "al",   "lo",   "como",  "sus",  "mis",   "esta",  "este", "favor",
      "usted", "nos",  "atentamente", "saludos", "expediente", "registros", "paciente", "solicitud", "información"};
  return words;
}

// Lower-cased words of letters only (UTF-8 letters kept as they are).
std::vector<std::string> Words(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  auto flush = [&] {
    if (!word.empty()) words.push_back(word);
    word.clear();
  };
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalpha(u)) {
      word += static_cast<char>(std::tolower(u));
    } else if (u >= 0x80) {
      word += c;
    } else {
      flush();
    }
  }
  flush();
  return words;
}

// Fewer telling words than this and the text says nothing either way.
constexpr int kMinEvidence = 3;

}  // namespace

std::optional<std::string> LanguageOfText(std::string_view text) {
  int english = 0, spanish = 0;
  for (const std::string& word : Words(text)) {
    english += EnglishWords().contains(word);
    spanish += SpanishWords().contains(word);
  }
  if (english + spanish < kMinEvidence) return std::nullopt;
  return spanish > english ? "es" : "en";
}

std::optional<std::string> LanguageOfPage(const GrayImage& page, OcrEngine& ocr) {
  // A band across the middle holds the body of a letter; the top of a cover
  // sheet and the heading of another hospital's form are read when the
  // middle says nothing.
  for (auto [top, height] : {std::pair{0.30, 0.30}, std::pair{0.05, 0.25}}) {
    // The band is read as an image of its own: Tesseract's layout analysis
    // of a rectangle inside a larger page found only specks here.
    const int first_row = static_cast<int>(page.height * top);
    const int rows = std::min(page.height - first_row, static_cast<int>(page.height * height));
    GrayImage band = GrayImage::Blank(page.width, rows, page.dpi_x, page.dpi_y);
    std::copy_n(page.pixels.begin() + static_cast<std::ptrdiff_t>(first_row) * page.width,
                static_cast<std::size_t>(rows) * page.width, band.pixels.begin());
    Result<OcrText> text = ocr.ReadRegion(band, Box{}, OcrMode::kAuto);
    if (!text) continue;
    if (std::optional<std::string> language = LanguageOfText(text->text)) return language;
  }
  return std::nullopt;
}

}  // namespace intake
