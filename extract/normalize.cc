// Normalization of field values by format (SPEC section 4).
#include "extract/fields.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <regex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace intake {
namespace {

// ---- UTF-8 ------------------------------------------------------------------

std::u32string Decode(std::string_view text) {
  std::u32string out;
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const int extra = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xE ? 2 : (c >> 3) == 0x1E ? 3 : -1;
    if (extra < 0 || i + extra >= text.size()) {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    char32_t cp = extra == 0 ? c : c & (0x3F >> extra);
    bool ok = true;
    for (int k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc >> 6) != 0x2) ok = false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    out.push_back(ok ? cp : 0xFFFD);
    i += ok ? extra + 1 : 1;
  }
  return out;
}

std::string Encode(std::u32string_view text) {
  std::string out;
  for (char32_t cp : text) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }
  return out;
}

bool IsSpace(char32_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0xA0; }
bool IsDigit(char32_t c) { return c >= '0' && c <= '9'; }
// Latin letters, accented ones included (Latin-1 Supplement and Extended-A).
bool IsLetter(char32_t c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= 0xC0 && c <= 0x17F && c != 0xD7 && c != 0xF7);
}

// Trims and folds every run of white space into one space.
std::u32string Fold(std::u32string_view text) {
  std::u32string out;
  for (char32_t c : text) {
    if (IsSpace(c)) {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::u32string WithoutSpaces(std::u32string_view text) {
  std::u32string out;
  for (char32_t c : text) {
    if (!IsSpace(c)) out.push_back(c);
  }
  return out;
}

// Upper-case ASCII with accents dropped, for comparing names of places and months.
std::string Plain(std::u32string_view text) {
  static constexpr std::string_view kLatin1 =  // U+00C0..U+00FF without accents
      "AAAAAAACEEEEIIIIDNOOOOOxOUUUUYTSAAAAAAACEEEEIIIIDNOOOOO/OUUUUYTY";
  static_assert(kLatin1.size() == 0x40);
  std::string out;
  for (char32_t c : text) {
    if (c < 0x80) {
      out.push_back(static_cast<char>(std::toupper(static_cast<int>(c))));
    } else if (c >= 0xC0 && c <= 0xFF) {
      out.push_back(kLatin1[c - 0xC0]);
    } else {
      out.push_back('?');
    }
  }
  return out;
}

// ---- Dates ------------------------------------------------------------------

constexpr int kMinYear = 1900;
constexpr int kMaxYear = 2099;
// A two-digit year of a date near today lies at most this far ahead of it.
constexpr int kNearTodayYearsAhead = 19;

bool ValidDate(int y, int m, int d) {
  if (y < kMinYear || y > kMaxYear || m < 1 || m > 12 || d < 1) return false;
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

std::string Iso(int y, int m, int d) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d", y, m, d);
  return buffer;
}

int FullYear(const std::string& digits, DateRole role, int reference_year) {
  const int value = std::stoi(digits);
  if (digits.size() != 2) return value;
  int year = reference_year / 100 * 100 + value;
  if (role == DateRole::kPast) {
    if (year > reference_year) year -= 100;
  } else {
    if (year > reference_year + kNearTodayYearsAhead) year -= 100;
    if (year <= reference_year + kNearTodayYearsAhead - 100) year += 100;
  }
  return year;
}

// Month first, as every shipped form asks; day first only when that is the
// one reading that is a date.
std::optional<std::string> MonthDayYear(int a, int b, int year) {
  if (ValidDate(year, a, b)) return Iso(year, a, b);
  if (ValidDate(year, b, a)) return Iso(year, b, a);
  return std::nullopt;
}

struct Month {
  std::string_view name;
  int number;
};

constexpr Month kEnglishMonths[] = {
    {"JANUARY", 1}, {"FEBRUARY", 2}, {"MARCH", 3},     {"APRIL", 4},    {"MAY", 5},       {"JUNE", 6},
    {"JULY", 7},    {"AUGUST", 8},   {"SEPTEMBER", 9}, {"OCTOBER", 10}, {"NOVEMBER", 11}, {"DECEMBER", 12},
    {"JAN", 1},     {"FEB", 2},      {"MAR", 3},       {"APR", 4},      {"JUN", 6},       {"JUL", 7},
    {"AUG", 8},     {"SEP", 9},      {"SEPT", 9},      {"OCT", 10},     {"NOV", 11},      {"DEC", 12},
};
constexpr Month kSpanishMonths[] = {
    {"ENERO", 1},      {"FEBRERO", 2},   {"MARZO", 3},   {"ABRIL", 4},    {"MAYO", 5},       {"JUNIO", 6},
    {"JULIO", 7},      {"AGOSTO", 8},    {"SEPTIEMBRE", 9}, {"SETIEMBRE", 9}, {"OCTUBRE", 10}, {"NOVIEMBRE", 11},
    {"DICIEMBRE", 12}, {"ENE", 1},       {"FEB", 2},     {"MAR", 3},      {"ABR", 4},        {"MAY", 5},
    {"JUN", 6},        {"JUL", 7},       {"AGO", 8},     {"SEP", 9},      {"SEPT", 9},       {"SET", 9},
    {"OCT", 10},       {"NOV", 11},      {"DIC", 12},
};

// 1..12, or 0 when `word` (upper case, no accents) names no month in `language`.
int MonthNumber(const std::string& word, const std::string& language) {
  const std::span<const Month> months = language == "es" ? std::span<const Month>(kSpanishMonths)
                                                         : std::span<const Month>(kEnglishMonths);
  for (const Month& m : months) {
    if (word == m.name) return m.number;
  }
  return 0;
}

// "March 5, 2026", "5 Mar 2026", "5 de marzo de 2026": one month name, the
// day, then the year.
std::optional<std::string> WrittenDate(const std::string& plain, const std::string& language, DateRole role,
                                       int reference_year) {
  std::vector<std::string> words, numbers;
  std::string token;
  auto flush = [&] {
    if (token.empty()) return;
    if (std::isdigit(static_cast<unsigned char>(token[0]))) {
      numbers.push_back(token);
    } else if (token != "DE" && token != "DEL") {
      words.push_back(token);
    }
    token.clear();
  };
  for (char c : plain) {
    const bool digit = std::isdigit(static_cast<unsigned char>(c)) != 0;
    if (!digit && !std::isalpha(static_cast<unsigned char>(c))) {
      flush();
      continue;
    }
    if (!token.empty() && (std::isdigit(static_cast<unsigned char>(token[0])) != 0) != digit) flush();
    token.push_back(c);
  }
  flush();
  if (words.size() != 1 || numbers.size() != 2) return std::nullopt;
  const int month = MonthNumber(words[0], language);
  if (month == 0 || numbers[0].size() > 2 || (numbers[1].size() != 2 && numbers[1].size() != 4)) {
    return std::nullopt;
  }
  const int day = std::stoi(numbers[0]);
  const int year = FullYear(numbers[1], role, reference_year);
  if (!ValidDate(year, month, day)) return std::nullopt;
  return Iso(year, month, day);
}

int CurrentYear() {
  const auto today = std::chrono::year_month_day(std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()));
  return static_cast<int>(today.year());
}

// ---- Places -----------------------------------------------------------------

struct State {
  std::string_view code;
  std::string_view name;
};

// The 50 states, DC and the inhabited territories, with the Spanish names
// that differ from the English ones.
constexpr State kStates[] = {
    {"AL", "ALABAMA"},        {"AK", "ALASKA"},          {"AZ", "ARIZONA"},          {"AR", "ARKANSAS"},
    {"CA", "CALIFORNIA"},     {"CO", "COLORADO"},        {"CT", "CONNECTICUT"},      {"DE", "DELAWARE"},
    {"FL", "FLORIDA"},        {"GA", "GEORGIA"},         {"HI", "HAWAII"},           {"ID", "IDAHO"},
    {"IL", "ILLINOIS"},       {"IN", "INDIANA"},         {"IA", "IOWA"},             {"KS", "KANSAS"},
    {"KY", "KENTUCKY"},       {"LA", "LOUISIANA"},       {"ME", "MAINE"},            {"MD", "MARYLAND"},
    {"MA", "MASSACHUSETTS"},  {"MI", "MICHIGAN"},        {"MN", "MINNESOTA"},        {"MS", "MISSISSIPPI"},
    {"MO", "MISSOURI"},       {"MT", "MONTANA"},         {"NE", "NEBRASKA"},         {"NV", "NEVADA"},
    {"NH", "NEW HAMPSHIRE"},  {"NJ", "NEW JERSEY"},      {"NM", "NEW MEXICO"},       {"NY", "NEW YORK"},
    {"NC", "NORTH CAROLINA"}, {"ND", "NORTH DAKOTA"},    {"OH", "OHIO"},             {"OK", "OKLAHOMA"},
    {"OR", "OREGON"},         {"PA", "PENNSYLVANIA"},    {"RI", "RHODE ISLAND"},     {"SC", "SOUTH CAROLINA"},
    {"SD", "SOUTH DAKOTA"},   {"TN", "TENNESSEE"},       {"TX", "TEXAS"},            {"UT", "UTAH"},
    {"VT", "VERMONT"},        {"VA", "VIRGINIA"},        {"WA", "WASHINGTON"},       {"WV", "WEST VIRGINIA"},
    {"WI", "WISCONSIN"},      {"WY", "WYOMING"},         {"DC", "DISTRICT OF COLUMBIA"}, {"AS", "AMERICAN SAMOA"},
    {"GU", "GUAM"},           {"MP", "NORTHERN MARIANA ISLANDS"}, {"PR", "PUERTO RICO"}, {"VI", "US VIRGIN ISLANDS"},
    {"VI", "VIRGIN ISLANDS"}, {"HI", "HAWAI"},           {"LA", "LUISIANA"},         {"MS", "MISISIPI"},
    {"NH", "NUEVO HAMPSHIRE"}, {"NJ", "NUEVA JERSEY"},   {"NM", "NUEVO MEXICO"},     {"NY", "NUEVA YORK"},
    {"NC", "CAROLINA DEL NORTE"}, {"ND", "DAKOTA DEL NORTE"}, {"PA", "PENSILVANIA"}, {"SC", "CAROLINA DEL SUR"},
    {"SD", "DAKOTA DEL SUR"}, {"WV", "VIRGINIA OCCIDENTAL"}, {"DC", "DISTRITO DE COLUMBIA"}, {"VI", "ISLAS VIRGENES"},
};

std::optional<std::string> NormalizeState(std::u32string_view text) {
  std::string plain;
  for (char c : Plain(Fold(text))) {
    if (c != '.') plain.push_back(c);
  }
  if (plain.size() == 2) {
    for (const State& s : kStates) {
      if (plain == s.code) return std::string(s.code);
    }
    return std::nullopt;
  }
  for (const State& s : kStates) {
    if (plain == s.name) return std::string(s.code);
  }
  return std::nullopt;
}

// ---- Numbers ----------------------------------------------------------------

// The characters of `text` that are digits, provided everything else is one
// of `separators`.
std::optional<std::string> DigitsOnly(std::u32string_view text, std::u32string_view separators) {
  std::string digits;
  for (char32_t c : text) {
    if (IsDigit(c)) {
      digits.push_back(static_cast<char>(c));
    } else if (!IsSpace(c) && separators.find(c) == std::u32string_view::npos) {
      return std::nullopt;
    }
  }
  return digits;
}

std::optional<std::string> NormalizePhone(std::u32string_view text) {
  std::optional<std::string> digits = DigitsOnly(text, U"()-.+/");
  if (!digits) return std::nullopt;
  if (digits->size() == 11 && (*digits)[0] == '1') digits->erase(0, 1);
  // North American numbers: neither the area code nor the exchange starts with 0 or 1.
  if (digits->size() != 10 || (*digits)[0] < '2' || (*digits)[3] < '2') return std::nullopt;
  return digits;
}

std::optional<std::string> NormalizeZip(std::u32string_view text) {
  const std::u32string compact = WithoutSpaces(text);
  const std::size_t dash = compact.find(U'-');
  if (dash != std::u32string::npos && dash != 5) return std::nullopt;
  std::optional<std::string> digits = DigitsOnly(compact, U"-");
  if (!digits || (digits->size() != 5 && digits->size() != 9) || digits->substr(0, 5) == "00000") {
    return std::nullopt;
  }
  if (digits->size() == 9) return digits->substr(0, 5) + "-" + digits->substr(5);
  return digits;
}

std::optional<std::string> NormalizeMrn(std::u32string_view text) {
  std::optional<std::string> digits = DigitsOnly(text, U"-");
  const int length = digits ? static_cast<int>(digits->size()) : 0;
  if (length < kMrnMinDigits || length > kMrnMaxDigits) return std::nullopt;
  return digits;
}

std::optional<std::string> NormalizeEmail(std::u32string_view text) {
  std::string lower;
  for (char32_t c : WithoutSpaces(text)) {
    if (c >= 0x80) return std::nullopt;
    lower.push_back(static_cast<char>(std::tolower(static_cast<int>(c))));
  }
  static const std::regex kShape(R"(^[a-z0-9_%+-]+(\.[a-z0-9_%+-]+)*@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$)");
  if (!std::regex_match(lower, kShape)) return std::nullopt;
  return lower;
}

// ---- Words ------------------------------------------------------------------

bool NameChar(char32_t c) {
  return IsLetter(c) || c == ' ' || c == '-' || c == '.' || c == ',' || c == '\'' || c == 0x2019;
}

// Every word of a name has a letter: a lone "'" or "-" is a speck or the
// end of a printed line that OCR read as a character, and is dropped.
std::optional<std::string> NormalizeName(std::u32string_view text) {
  const std::u32string folded = Fold(text);
  if (!std::all_of(folded.begin(), folded.end(), NameChar)) return std::nullopt;
  std::u32string kept;
  for (std::size_t start = 0; start < folded.size();) {
    std::size_t end = folded.find(U' ', start);
    if (end == std::u32string::npos) end = folded.size();
    const std::u32string_view word = std::u32string_view(folded).substr(start, end - start);
    if (std::any_of(word.begin(), word.end(), IsLetter)) {
      if (!kept.empty()) kept += U' ';
      kept += word;
    }
    start = end + 1;
  }
  if (kept.empty()) return std::nullopt;
  return Encode(kept);
}

// `max_letters` letters, each with an optional dot after it ("M", "M.", "M.D.", "BJ").
std::optional<std::string> NormalizeInitials(std::u32string_view text, int max_letters) {
  const std::u32string compact = WithoutSpaces(text);
  int letters = 0;
  for (std::size_t i = 0; i < compact.size(); ++i) {
    if (IsLetter(compact[i])) {
      ++letters;
    } else if (compact[i] != '.' || i == 0 || compact[i - 1] == '.') {
      return std::nullopt;
    }
  }
  if (letters == 0 || letters > max_letters) return std::nullopt;
  return Encode(compact);
}

// A last word of punctuation alone (" .", " ‘") is a speck or the end of a
// printed line read as a character: nobody ends an address with it.
std::optional<std::string> NormalizeFreeText(std::u32string_view text) {
  std::u32string folded = Fold(text);
  while (!folded.empty()) {
    const std::size_t space = folded.rfind(U' ');
    const std::size_t start = space == std::u32string::npos ? 0 : space + 1;
    const std::u32string_view last = std::u32string_view(folded).substr(start);
    if (std::any_of(last.begin(), last.end(), [](char32_t c) { return IsLetter(c) || (c >= U'0' && c <= U'9'); })) break;
    folded.erase(space == std::u32string::npos ? 0 : space);
  }
  if (folded.empty()) return std::nullopt;
  return Encode(folded);
}

}  // namespace

std::optional<std::string> NormalizeDate(const std::string& text, const std::string& language, DateRole role,
                                         int reference_year) {
  std::u32string folded = Fold(Decode(text));
  while (!folded.empty() && folded.back() == '.') folded.pop_back();
  const std::string plain = Plain(folded);
  static const std::regex kNumeric(R"(^(\d{1,4}) ?[/.\- ] ?(\d{1,2}) ?[/.\- ] ?(\d{1,4})$)");
  std::smatch m;
  if (std::regex_match(plain, m, kNumeric)) {
    const std::string first = m[1], second = m[2], third = m[3];
    if (first.size() == 4 && third.size() <= 2) {  // YYYY-MM-DD
      const int y = std::stoi(first), mo = std::stoi(second), d = std::stoi(third);
      if (!ValidDate(y, mo, d)) return std::nullopt;
      return Iso(y, mo, d);
    }
    if (first.size() > 2 || (third.size() != 2 && third.size() != 4)) return std::nullopt;
    return MonthDayYear(std::stoi(first), std::stoi(second), FullYear(third, role, reference_year));
  }
  static const std::regex kRun(R"(^\d{6}$|^\d{8}$)");  // MMDDYY, MMDDYYYY
  if (std::regex_match(plain, kRun)) {
    return MonthDayYear(std::stoi(plain.substr(0, 2)), std::stoi(plain.substr(2, 2)),
                        FullYear(plain.substr(4), role, reference_year));
  }
  return WrittenDate(plain, language, role, reference_year);
}

std::optional<std::string> NormalizeValue(FieldFormat format, const std::string& text, const std::string& language) {
  const std::u32string value = Decode(text);
  switch (format) {
    case FieldFormat::kDate: return NormalizeDate(text, language, DateRole::kNearToday, CurrentYear());
    case FieldFormat::kPhone: return NormalizePhone(value);
    case FieldFormat::kZip: return NormalizeZip(value);
    case FieldFormat::kState: return NormalizeState(value);
    case FieldFormat::kMrn: return NormalizeMrn(value);
    case FieldFormat::kEmail: return NormalizeEmail(value);
    case FieldFormat::kName:
    case FieldFormat::kCity:
    case FieldFormat::kRelationship: return NormalizeName(value);
    case FieldFormat::kInitial: return NormalizeInitials(value, 1);
    case FieldFormat::kInitials: return NormalizeInitials(value, 4);
    case FieldFormat::kStreet:
    case FieldFormat::kText: return NormalizeFreeText(value);
  }
  return std::nullopt;
}

}  // namespace intake
