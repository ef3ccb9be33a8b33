#include "extract/reading.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <set>
#include <sstream>
#include <string_view>

#include "extract/fields.h"

namespace intake {
namespace {

// ---- Dates --------------------------------------------------------------------

// Dates outside these spans are read but doubted: nobody is older than
// kOldestPersonYears; other dates on these forms lie within a century back
// and kLatestFutureYears ahead (an expiration date).
constexpr int kOldestPersonYears = 120;
constexpr int kEarliestPastYears = 100;
constexpr int kLatestFutureYears = 30;

constexpr std::string_view kDigits = "0123456789";
constexpr std::string_view kUpper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
constexpr std::string_view kLower = "abcdefghijklmnopqrstuvwxyz";
constexpr std::string_view kAccented = "ÁÉÍÓÚÜÑáéíóúüñ";
constexpr std::string_view kAccentedUpper = "ÁÉÍÓÚÜÑ";

std::string Join(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view p : parts) out += p;
  return out;
}

// Checks strict enough that a misread character rarely passes them.
bool StrictFormat(FieldFormat format) {
  return format == FieldFormat::kDate || format == FieldFormat::kMrn || format == FieldFormat::kZip ||
         format == FieldFormat::kPhone || format == FieldFormat::kState;
}

std::size_t LetterCount(const std::string& text) {
  const std::string folded = FoldLetters(text);
  return static_cast<std::size_t>(
      std::count_if(folded.begin(), folded.end(), [](char c) { return c >= 'A' && c <= 'Z'; }));
}

// Names, places and words: what the lexicon (recognizer/lexicon.h) holds.
bool ReadInWords(FieldFormat format) {
  return format == FieldFormat::kName || format == FieldFormat::kCity || format == FieldFormat::kStreet ||
         format == FieldFormat::kText || format == FieldFormat::kRelationship;
}

bool Checked(FieldFormat format) { return format != FieldFormat::kText && format != FieldFormat::kStreet; }

std::string FoldSpaces(const std::string& text) {
  std::string out;
  for (char c : text) {
    const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (space) {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

DateRole RoleOf(std::string_view key) { return key.ends_with("dob") ? DateRole::kPast : DateRole::kNearToday; }

bool Plausible(const std::string& iso, DateRole role, const ReadingContext& today) {
  const int year = std::stoi(iso.substr(0, 4));
  if (role == DateRole::kPast) return iso <= today.today && year >= today.year - kOldestPersonYears;
  return year >= today.year - kEarliestPastYears && year <= today.year + kLatestFutureYears;
}

// Tesseract reads a written or faxed '@' as '0', 'O' or 'Q' more often than
// as '@'. When a reading has no '@' and exactly one such character, made an
// '@', gives an address whose domain has no digit, that is the address.
std::optional<std::string> RepairEmail(const std::string& text) {
  if (text.find('@') != std::string::npos) return std::nullopt;
  std::optional<std::string> found;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '0' && text[i] != 'O' && text[i] != 'Q') continue;
    std::string candidate = text;
    candidate[i] = '@';
    const std::optional<std::string> address = NormalizeValue(FieldFormat::kEmail, candidate, "");
    if (!address || std::any_of(address->begin() + address->find('@'), address->end(), ::isdigit)) continue;
    if (found && *found != *address) return std::nullopt;
    found = address;
  }
  return found;
}

// The top-level domains an address here ends in: the generic ones, and the
// countries patients and their families write from most.
bool KnownTopLevelDomain(std::string_view label) {
  static const std::set<std::string_view> kDomains = {
      "com", "org", "net", "edu", "gov", "mil", "int", "info", "biz", "io", "co", "me", "us", "ca", "mx", "pr",
      "do",  "es",  "pt",  "br",  "ar",  "cl",  "pe",  "ve",   "ec",  "gt", "hn", "sv", "ni", "cr", "pa", "cu",
      "bo",  "py",  "uy",  "uk",  "ie",  "de",  "fr",  "it",   "nl",  "in", "cn", "jp", "ph", "vn", "ht", "cv"};
  return kDomains.count(label) > 0;
}

// An address (as NormalizeEmail gives it) whose top-level domain is none we
// know, mended when one reading of the mistake explains it: the dot before
// it lost ("inbox.examplenet"), or one letter of it misread ("example.crg",
// "example.or").
std::optional<std::string> RepairEmailDomain(const std::string& address) {
  const std::size_t dot = address.rfind('.');
  if (dot == std::string::npos || dot < address.find('@')) return std::nullopt;
  const std::string_view label = std::string_view(address).substr(dot + 1);
  if (KnownTopLevelDomain(label)) return std::nullopt;
  static const std::vector<std::string_view> kGeneric = {"com", "org", "net", "edu", "gov"};
  std::optional<std::string> found;
  for (std::string_view generic : kGeneric) {
    std::optional<std::string> mended;
    if (label.size() >= generic.size() + 2 && label.ends_with(generic)) {
      mended = address.substr(0, address.size() - generic.size()) + "." + std::string(generic);
    } else if (label.size() <= 4 && EditDistance(label, generic) == 1) {
      mended = address.substr(0, dot + 1) + std::string(generic);
    }
    if (!mended) continue;
    if (found) return std::nullopt;  // two mistakes explain it: neither is taken
    found = mended;
  }
  return found;
}

// ---- Marks in names and sentences ---------------------------------------------

std::vector<std::string> Words(const std::string& text) {
  std::vector<std::string> words;
  std::istringstream in(text);
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

std::string Joined(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& word : words) out += (out.empty() ? "" : " ") + word;
  return out;
}

bool AsciiLetter(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }

std::string Upper(std::string word) {
  for (char& c : word) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return word;
}

// Titles and suffixes that take a period in a name ("Ruth Q. Lewis, Esq.").
bool NameAbbreviation(const std::string& word) {
  static const std::set<std::string> kAbbreviations = {"JR", "SR", "ESQ", "DR", "MR", "MRS", "MS", "MD", "PHD", "RN"};
  return kAbbreviations.count(Upper(word)) > 0;
}

// Written with a period as a rule: the titles before a name and the suffixes
// after it ("MD" and "RN" are as often written without).
bool Title(const std::string& word) {
  static const std::set<std::string> kTitles = {"DR", "MR", "MRS", "MS"};
  return kTitles.count(Upper(word)) > 0;
}
bool Suffix(const std::string& word) {
  static const std::set<std::string> kSuffixes = {"JR", "SR", "ESQ"};
  return kSuffixes.count(Upper(word)) > 0;
}

bool HasLowerCase(const std::string& word) {
  return std::any_of(word.begin(), word.end(), [](char c) { return std::islower(static_cast<unsigned char>(c)); });
}

// The small marks of a written name as OCR misreads them. The dot after a
// middle initial lost ("LUIS E GONZÁLEZ": the dot is a pixel or two on a
// fax, and a middle initial takes one), read as a comma ("PRIYA U, COSTA"),
// as a small letter in a name written in capitals ("STEVEN Zo DAVIS") or as
// the initial doubled in the other case ("JUAN kK, FLORES"). A speck after a
// whole word read as a period ("GUADALUPE. PEREZ": only an initial or a
// title takes one), and a title's period lost ("Dr Ann Lee").
std::string RepairNameMarks(const std::string& text) {
  std::vector<std::string> words = Words(text);
  for (std::size_t i = 0; i < words.size(); ++i) {
    std::string& word = words[i];
    const bool middle = i > 0 && i + 1 < words.size();
    const char end = word.empty() ? 0 : word.back();
    std::string body = end == '.' || end == ',' ? word.substr(0, word.size() - 1) : word;
    const bool initial = body.size() == 1 && AsciiLetter(body[0]);
    const bool doubled =
        body.size() == 2 && AsciiLetter(body[0]) &&
        std::toupper(static_cast<unsigned char>(body[0])) == std::toupper(static_cast<unsigned char>(body[1])) &&
        body[0] != body[1];
    const bool in_capitals = std::none_of(
        words.begin(), words.end(), [&](const std::string& other) { return &other != &word && HasLowerCase(other); });
    const bool dot_as_letter = body.size() == 2 && std::isupper(static_cast<unsigned char>(body[0])) &&
                               std::islower(static_cast<unsigned char>(body[1])) && in_capitals;
    if (middle && (initial || ((end == ',' || end == '.') && doubled) || (end != '.' && dot_as_letter))) {
      word = std::string(1, static_cast<char>(std::toupper(static_cast<unsigned char>(body[0])))) + ".";
    } else if (end == '.' && body.size() >= 2 && std::all_of(body.begin(), body.end(), AsciiLetter) &&
               !NameAbbreviation(body)) {
      word = body;
    } else if (end != '.' && (i == 0 ? Title(body) : i + 1 == words.size() && Suffix(body))) {
      word += ".";
    }
  }
  return Joined(words);
}

// A city's name ends in a letter: a period after its last whole word is a
// speck ("Portland."); an abbreviation keeps its own ("Ft.").
std::string RepairCityMarks(const std::string& text) {
  std::vector<std::string> words = Words(text);
  if (!words.empty() && words.back().size() > 4 && words.back().back() == '.') words.back().pop_back();
  return Joined(words);
}

// A sentence does not end in a comma (a period read with its tail), a
// lone '|' is the pronoun I, and a title opening a name, first or after a
// comma, keeps its period ("Dr Jorge Figueroa" and "DR, RAHUL WHITE" are
// Dr. and DR.; "12 OAK DR, MALDEN" is a drive).
std::string RepairSentenceMarks(const std::string& text) {
  static const std::set<std::string> kTitles = {"DR", "MR", "MRS"};
  std::vector<std::string> words = Words(text);
  for (std::size_t i = 0; i < words.size(); ++i) {
    std::string& word = words[i];
    if (word == "|") word = "I";
    const bool opens = i == 0 || words[i - 1].back() == ',';
    const bool before_name = i + 1 < words.size() && std::isupper(static_cast<unsigned char>(words[i + 1][0]));
    const std::string bare = word.back() == ',' ? word.substr(0, word.size() - 1) : word;
    if (opens && before_name && kTitles.count(Upper(bare)) > 0) word = bare + ".";
  }
  if (!words.empty() && words.back().size() > 1 && words.back().back() == ',') words.back().back() = '.';
  return Joined(words);
}

// Hand-written dates lose or gain a separator in OCR ("1129/2026" for
// 11/29/2026, "225/26" for 2/25/26). The digits are split every way a month,
// a day and a year (2 or 4 digits, last) can be cut from them, keeping the
// separators that were read; when exactly one split is a plausible date,
// that is the date.
std::optional<std::string> RepairDate(const std::string& text, const std::string& language, DateRole role,
                                      const ReadingContext& today) {
  std::vector<std::string> groups(1);
  for (char c : text) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      groups.back().push_back(c);
    } else if (!groups.back().empty()) {
      groups.emplace_back();
    }
  }
  if (groups.back().empty()) groups.pop_back();
  if (groups.empty() || groups.size() > 2) return std::nullopt;
  std::set<std::string> dates;
  auto try_split = [&](const std::string& month, const std::string& day, const std::string& year) {
    if (month.empty() || day.empty() || month.size() > 2 || day.size() > 2) return;
    if (year.size() != 2 && year.size() != 4) return;
    const std::optional<std::string> date = NormalizeDate(month + "/" + day + "/" + year, language, role, today.year);
    // Month first only: a split is a reading of what was written, not a guess at its order.
    if (date && std::stoi(date->substr(5, 2)) == std::stoi(month) && Plausible(*date, role, today)) {
      dates.insert(*date);
    }
  };
  const std::string all = groups.size() == 1 ? groups[0] : groups[0] + groups[1];
  for (std::size_t m = 1; m <= 2 && m < all.size(); ++m) {
    for (std::size_t d = 1; d <= 2 && m + d < all.size(); ++d) {
      const std::size_t cut = m + d;
      // A separator that was read must fall at a cut.
      if (groups.size() == 2 && groups[0].size() != m && groups[0].size() != cut) continue;
      try_split(all.substr(0, m), all.substr(m, d), all.substr(cut));
    }
  }
  if (dates.size() != 1) return std::nullopt;
  return *dates.begin();
}

cv::Mat View(const GrayImage& image) {
  return cv::Mat(image.height, image.width, CV_8UC1, const_cast<std::uint8_t*>(image.pixels.data()));
}

// The crop with every stroke a pixel thicker, and the crop at kSmallScale:
// Tesseract's reading of a hand-printed digit it is unsure of changes under
// such small changes, while a sound reading stays.
constexpr double kSmallScale = 0.75;

GrayImage Thickened(const GrayImage& crop) {
  GrayImage out = crop;
  cv::Mat m(out.height, out.width, CV_8UC1, out.pixels.data());
  cv::erode(m, m, cv::getStructuringElement(cv::MORPH_RECT, {2, 2}));
  return out;
}

GrayImage Smaller(const GrayImage& crop) {
  cv::Mat small;
  cv::resize(View(crop), small, {}, kSmallScale, kSmallScale, cv::INTER_AREA);
  GrayImage out = GrayImage::Blank(small.cols, small.rows, crop.dpi_x * kSmallScale, crop.dpi_y * kSmallScale);
  for (int y = 0; y < small.rows; ++y) {
    std::copy_n(small.ptr<std::uint8_t>(y), small.cols, &out.pixels[static_cast<std::size_t>(y) * small.cols]);
  }
  return out;
}

// The dot after a written initial ("THOMAS L. MITCHELL") is a few pixels
// that OCR often misses, and people also leave it out: a name with a bare
// one-letter word is doubted (a feature of the confidence).
bool HasBareInitial(const std::string& name) {
  std::istringstream words(name);
  for (std::string word; words >> word;) {
    if (word.size() == 1 && std::isalpha(static_cast<unsigned char>(word[0]))) return true;
  }
  return false;
}

// Readings of the recognizer's beam tried against the format.
constexpr int kRecognizerBeams = 8;

// A strict-format value holding this share of the recognizer's beam was right
// in 2170 of 2176 held-out corpus crops, 333 of 337 in fonts it never saw
// (extract/calibrate/README.md).
constexpr double kSureShare = 0.97;

// How much less probable (natural log) the recognizer's reading in words may
// be than its free reading and still be its pick: fitted on held-out crops
// (extract/calibrate/README.md).
constexpr double kWordsMargin = 1.0;

// The grammar's verdicts from worst to best; a value of free text has none to fail.
int Rank(FormatCheck check) {
  switch (check) {
    case FormatCheck::kFailed:
      return 0;
    case FormatCheck::kRepaired:
      return 1;
    case FormatCheck::kImplausible:
      return 2;
    case FormatCheck::kPassed:
    case FormatCheck::kNone:
      return 3;
  }
  return 0;
}

bool Accepted(FormatCheck check) { return check == FormatCheck::kPassed || check == FormatCheck::kNone; }

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

double LogAdd(double a, double b) {
  if (a == kNegInf) return b;
  if (b == kNegInf) return a;
  return std::max(a, b) + std::log1p(std::exp(-std::abs(a - b)));
}

// One network per worker thread: FieldRecognizer serializes calls on one
// object. nullptr when the model cannot be loaded (fields are then read by
// Tesseract alone).
const FieldRecognizer* ThreadRecognizer() {
  thread_local const Result<FieldRecognizer> recognizer = FieldRecognizer::Load(DefaultRecognizerModel());
  return recognizer ? &*recognizer : nullptr;
}

}  // namespace

std::string OcrCharacters(FieldFormat format) {
  switch (format) {
    case FieldFormat::kDate:
      return Join({kDigits, "/-."});
    case FieldFormat::kPhone:
      return Join({kDigits, "()-.+ "});
    case FieldFormat::kMrn:
      return std::string(kDigits);
    case FieldFormat::kZip:
      return Join({kDigits, "-"});
    case FieldFormat::kState:
      return std::string(kUpper);
    case FieldFormat::kEmail:
      return Join({kUpper, kLower, kDigits, "@._-+"});
    case FieldFormat::kName:
    case FieldFormat::kCity:
      return Join({kUpper, kLower, kAccented, " -.,'"});
    case FieldFormat::kRelationship:
      return Join({kUpper, kLower, kAccented, " -'"});
    // Initials are written in capitals; allowing lower case only invites
    // "l" for "I" and "Cc" for "C".
    case FieldFormat::kInitial:
    case FieldFormat::kInitials:
      return Join({kUpper, kAccentedUpper, "."});
    case FieldFormat::kStreet:
    case FieldFormat::kText:
      return "";
  }
  return "";
}

ReadingContext ReadingContext::Now(std::string language) {
  const std::chrono::year_month_day ymd(std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()));
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return {std::move(language), static_cast<int>(ymd.year()), buffer};
}

// Hand printing is spaced wide, and a reader breaks a word where a gap
// is: two neighbours of which one is no word, and which together are one,
// are that word ("SEBAS TIAN", "Moth er"). A lone letter is an initial, and
// a word ending in a mark ends there.
std::string JoinBrokenWords(const std::string& text, const Lexicon& lexicon) {
  std::vector<std::string> words = Words(text);
  auto joinable = [](const std::string& word) {
    const std::string folded = FoldLetters(word);
    return folded.size() > 1 && std::isalpha(static_cast<unsigned char>(folded.back()));
  };
  for (std::size_t i = 0; i + 1 < words.size();) {
    const std::string& a = words[i];
    const std::string& b = words[i + 1];
    if (joinable(a) && joinable(b) && (!lexicon.Contains(a) || !lexicon.Contains(b)) && lexicon.Contains(a + b)) {
      words[i] = a + b;
      words.erase(words.begin() + static_cast<std::ptrdiff_t>(i) + 1);
    } else {
      ++i;
    }
  }
  return Joined(words);
}

// A street's suffix run into its name ("COLUMBUSAVE") is set apart when the
// name is a word and the rest a suffix.
std::string SplitStreetSuffix(const std::string& text, const Lexicon& lexicon) {
  static const std::vector<std::string> kSuffixes = {"AVE",  "ST",  "RD",  "DR",   "LN", "CT",  "PL",
                                                     "BLVD", "WAY", "TER", "PKWY", "SQ", "CIR", "HWY"};
  std::vector<std::string> words = Words(text);
  for (std::string& word : words) {
    const std::string folded = FoldLetters(word);
    if (folded.size() != word.size() || lexicon.Contains(word)) continue;  // accents, or a word already
    for (const std::string& suffix : kSuffixes) {
      if (folded.size() >= suffix.size() + 3 && folded.ends_with(suffix) &&
          lexicon.Contains(word.substr(0, word.size() - suffix.size()))) {
        word.insert(word.size() - suffix.size(), " ");
        break;
      }
    }
  }
  return Joined(words);
}

Interpretation Interpret(const TemplateField& field, const std::string& read, const ReadingContext& context) {
  const DateRole role = RoleOf(field.key);
  std::string text = field.format == FieldFormat::kName   ? RepairNameMarks(read)
                     : field.format == FieldFormat::kCity ? RepairCityMarks(read)
                     : field.format == FieldFormat::kText ? RepairSentenceMarks(read)
                                                          : read;
  if (ReadInWords(field.format)) text = JoinBrokenWords(text, LexiconOf(field.format));
  if (field.format == FieldFormat::kStreet) text = SplitStreetSuffix(text, LexiconOf(field.format));
  const std::optional<std::string> normal = field.format == FieldFormat::kDate
                                                ? NormalizeDate(text, context.language, role, context.year)
                                                : NormalizeValue(field.format, text, context.language);
  if (!normal && field.format == FieldFormat::kEmail) {
    if (std::optional<std::string> repaired = RepairEmail(text)) return {*repaired, FormatCheck::kRepaired};
  }
  if (normal && field.format == FieldFormat::kEmail) {
    if (std::optional<std::string> repaired = RepairEmailDomain(*normal)) return {*repaired, FormatCheck::kRepaired};
  }
  if (!normal && field.format == FieldFormat::kDate) {
    if (std::optional<std::string> repaired = RepairDate(text, context.language, role, context)) {
      return {*repaired, FormatCheck::kRepaired};
    }
  }
  if (!normal) return {FoldSpaces(text), FormatCheck::kFailed};
  if (!Checked(field.format)) return {*normal, FormatCheck::kNone};
  // Initials are a first and a last name's: one letter alone is a letter lost.
  if (field.format == FieldFormat::kInitials && LetterCount(*normal) < 2) return {*normal, FormatCheck::kImplausible};
  if (field.format == FieldFormat::kDate && !Plausible(*normal, role, context)) {
    return {*normal, FormatCheck::kImplausible};
  }
  return {*normal, FormatCheck::kPassed};
}

// A relationship is said in a few dozen words; anything else in words of a
// dictionary is more likely a misreading of one of them ("OTHER" for MOTHER).
const Lexicon& LexiconOf(FieldFormat format) {
  return format == FieldFormat::kRelationship ? Lexicon::Relationships() : Lexicon::Default();
}

WritingEvidence GatherEvidence(const TemplateField& field, const GrayImage& crop, OcrEngine& ocr, int tesseract_reads,
                               WritingEvidence evidence) {
  const std::string whitelist = OcrCharacters(field.format);
  const OcrMode mode = field.lines > 1 ? OcrMode::kBlock : OcrMode::kSingleLine;
  auto read = [&](const GrayImage& image) {
    OcrReading out;
    Result<OcrText> text = ocr.ReadRegion(image, Box{}, mode, whitelist);
    if (!text || text->words.empty()) return out;
    out.text = text->text;
    out.confidence = 1.0;
    for (const OcrWord& word : text->words) out.confidence = std::min(out.confidence, word.confidence);
    return out;
  };
  for (int i = static_cast<int>(evidence.tesseract.size()); i < std::min(tesseract_reads, 3); ++i) {
    evidence.tesseract.push_back(read(i == 0 ? crop : i == 1 ? Thickened(crop) : Smaller(crop)));
  }
  const FieldRecognizer* recognizer = ThreadRecognizer();
  if (!evidence.recognizer_read && recognizer && field.lines <= 1) {
    evidence.recognizer = recognizer->Recognize(crop, field.format, kRecognizerBeams,
                                                ReadInWords(field.format) ? &LexiconOf(field.format) : nullptr);
    evidence.recognizer_read = true;
  }
  return evidence;
}

WritingDecision DecideWriting(const TemplateField& field, const WritingEvidence& evidence,
                              const ReadingContext& context) {
  // Every value some reading gives, with who gives it.
  struct Support {
    FormatCheck check = FormatCheck::kFailed;
    int tesseract = 0;        // readings giving it
    double ocr = 0;           // Tesseract's best score for it
    std::size_t first = 99;   // the first Tesseract reading giving it
    bool recognizer = false;  // the recognizer's pick
    bool known = false;       // a value in words: every word is in the lexicon
  };
  const bool in_words = ReadInWords(field.format);
  const Lexicon& lexicon = LexiconOf(field.format);
  std::map<std::string, Support> values;
  int tesseract_read = 0;
  for (std::size_t i = 0; i < evidence.tesseract.size(); ++i) {
    const OcrReading& read = evidence.tesseract[i];
    if (read.text.empty()) continue;
    ++tesseract_read;
    const Interpretation meant = Interpret(field, read.text, context);
    Support& support = values[meant.value];
    if (support.tesseract == 0 || Rank(meant.check) > Rank(support.check)) support.check = meant.check;
    support.known = in_words && lexicon.Knows(meant.value);
    ++support.tesseract;
    support.ocr = std::max(support.ocr, read.confidence);
    support.first = std::min(support.first, i);
  }
  // The recognizer's pick: its reading in words when that is about as
  // probable as its free one (a word it read a stroke off, a space inside a
  // word), else its most probable reading the grammar accepts.
  std::vector<Interpretation> beam;
  for (const Candidate& candidate : evidence.recognizer.beam) beam.push_back(Interpret(field, candidate.text, context));
  std::optional<Interpretation> pick;
  if (evidence.recognizer.words && !evidence.recognizer.beam.empty() &&
      evidence.recognizer.words->log_prob >= evidence.recognizer.beam.front().log_prob - kWordsMargin) {
    pick = Interpret(field, evidence.recognizer.words->text, context);
  }
  for (const Interpretation& meant : beam) {
    if (pick && Accepted(pick->check) && !pick->value.empty()) break;
    pick = meant;
  }
  if (pick && Accepted(pick->check) && !pick->value.empty()) {
    Support& support = values[pick->value];
    if (support.tesseract == 0) support.check = pick->check;
    support.recognizer = true;
    support.known = in_words && lexicon.Knows(pick->value);
  }
  WritingDecision decision;
  if (values.empty()) return decision;
  // The best verdict of the grammar; for names, places and text a value in
  // known words (a misread letter seldom makes another word); then the most
  // readings; on a tie the recognizer's reading of a strict format (it reads
  // digits better, and state codes), else Tesseract's first.
  const bool strict = StrictFormat(field.format);
  auto better = [strict](const Support& a, const Support& b) {
    if (Rank(a.check) != Rank(b.check)) return Rank(a.check) > Rank(b.check);
    if (a.known != b.known) return a.known;
    const int votes_a = a.tesseract + (a.recognizer ? 1 : 0), votes_b = b.tesseract + (b.recognizer ? 1 : 0);
    if (votes_a != votes_b) return votes_a > votes_b;
    if (strict && a.recognizer != b.recognizer) return a.recognizer;
    return a.first < b.first;
  };
  auto chosen = values.begin();
  for (auto it = values.begin(); it != values.end(); ++it) {
    if (better(it->second, chosen->second)) chosen = it;
  }
  const Support& support = chosen->second;
  decision.value = chosen->first;
  // Confirmed: every engine asked gave it, and the grammar accepts it.
  decision.confirmed = support.recognizer && Accepted(support.check) &&
                       (evidence.tesseract.empty() || (support.tesseract > 0 && support.tesseract == tesseract_read));
  decision.engine = support.tesseract > 0 && support.recognizer ? "both"
                    : support.tesseract > 0                     ? "tesseract"
                                                                : "recognizer";
  double total = kNegInf, share = 0;
  for (const Candidate& candidate : evidence.recognizer.beam) total = LogAdd(total, candidate.log_prob);
  for (std::size_t i = 0; i < beam.size(); ++i) {
    if (beam[i].value == decision.value) share += std::exp(evidence.recognizer.beam[i].log_prob - total);
  }
  decision.recognizer_share = share;
  decision.confidence =
      TextConfidence({.format = support.check,
                      .strict_format = strict,
                      .ocr = support.ocr,
                      .tesseract_agreeing = support.tesseract,
                      .tesseract_disagreeing = tesseract_read - support.tesseract,
                      .recognizer_read = evidence.recognizer_read,
                      .tesseract_asked = !evidence.tesseract.empty(),
                      .recognizer_agrees = support.recognizer,
                      .recognizer_share = share,
                      .bare_initial = field.format == FieldFormat::kName && HasBareInitial(decision.value),
                      .known_words = support.known});
  return decision;
}

FieldReading ReadWriting(const TemplateField& field, const GrayImage& crop, const ReadingContext& context,
                         OcrEngine& ocr) {
  auto reading_of = [](const WritingDecision& decision) {
    FieldReading reading;
    reading.value = decision.value;
    reading.read_by = decision.engine;
    reading.confidence = decision.value.empty() ? 0 : decision.confidence;
    return reading;
  };
  if (ThreadRecognizer() == nullptr || field.lines > 1) {
    return reading_of(DecideWriting(field, GatherEvidence(field, crop, ocr, 3), context));
  }
  // The recognizer first (a few ms): digits it is all but sure of are not
  // worth Tesseract's 40. Then Tesseract once; for letters once more when the
  // two engines disagree, which adds a point of accuracy there and nothing on
  // digits, where the recognizer is the better reader (extract/calibrate/README.md).
  WritingEvidence evidence = GatherEvidence(field, crop, ocr, 0);
  WritingDecision decision = DecideWriting(field, evidence, context);
  if (StrictFormat(field.format) && decision.confirmed && decision.recognizer_share >= kSureShare) {
    return reading_of(decision);
  }
  evidence = GatherEvidence(field, crop, ocr, 1, std::move(evidence));
  decision = DecideWriting(field, evidence, context);
  if (!StrictFormat(field.format) && !decision.confirmed) {
    evidence = GatherEvidence(field, crop, ocr, 2, std::move(evidence));
    decision = DecideWriting(field, evidence, context);
  }
  return reading_of(decision);
}

}  // namespace intake
