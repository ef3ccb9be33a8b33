#include "calendar/calendar.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <initializer_list>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

namespace intake {

namespace chr = std::chrono;

namespace {

constexpr std::array<std::string_view, 7> kWeekdayNames = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                           "Thursday", "Friday", "Saturday"};

std::optional<chr::weekday> WeekdayFromName(std::string_view name) {
  for (unsigned i = 0; i < kWeekdayNames.size(); ++i) {
    if (kWeekdayNames[i] == name) return chr::weekday(i);
  }
  return std::nullopt;
}

chr::weekday WeekdayOf(Date date) { return chr::weekday(chr::sys_days(date)); }

Date Plus(Date date, int days) { return Date(chr::sys_days(date) + chr::days(days)); }

// Reads `count` decimal digits at `pos`; -1 if any is not a digit.
int Digits(std::string_view text, std::size_t pos, std::size_t count) {
  int value = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

// "HH:MM" as minutes since midnight.
std::optional<chr::minutes> ParseClock(std::string_view text) {
  if (text.size() < 5 || text[2] != ':') return std::nullopt;
  const int hours = Digits(text, 0, 2);
  const int minutes = Digits(text, 3, 2);
  if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59) return std::nullopt;
  return chr::minutes(hours * 60 + minutes);
}

}  // namespace

std::optional<Date> ParseDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  const int year = Digits(text, 0, 4);
  const int month = Digits(text, 5, 2);
  const int day = Digits(text, 8, 2);
  if (year < 0 || month < 0 || day < 0) return std::nullopt;
  const Date date{chr::year(year), chr::month(static_cast<unsigned>(month)), chr::day(static_cast<unsigned>(day))};
  if (!date.ok()) return std::nullopt;
  return date;
}

std::string FormatDate(Date date) {
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                     static_cast<unsigned>(date.day()));
}

std::optional<Receipt> ParseReceipt(std::string_view iso) {
  if (iso.size() < 10) return std::nullopt;
  const std::optional<Date> date = ParseDate(iso.substr(0, 10));
  if (!date) return std::nullopt;
  if (iso.size() == 10) return Receipt{*date, std::nullopt};
  if (iso[10] != 'T' && iso[10] != ' ') return std::nullopt;
  const std::optional<chr::minutes> time = ParseClock(iso.substr(11));
  if (!time) return std::nullopt;
  return Receipt{*date, time};
}

std::string Describe(const CalendarError& error) {
  std::string text = error.file;
  if (!error.key.empty()) text += ": " + error.key;
  return text + ": " + error.why;
}

// ---------------------------------------------------------------------------
// BusinessCalendar

std::optional<ObservedHoliday> BusinessCalendar::InYear(const HolidayRule& rule, int year) const {
  if (year < rule.since) return std::nullopt;
  const chr::year y(year);
  if (rule.fixed) {
    const Date actual = y / rule.fixed->month() / rule.fixed->day();
    Date observed = actual;
    const chr::weekday day = WeekdayOf(actual);
    if (rule.observance == Observance::kFederal && day == chr::Saturday) observed = Plus(actual, -1);
    if (rule.observance != Observance::kNone && day == chr::Sunday) observed = Plus(actual, 1);
    return ObservedHoliday{rule.name, actual, observed};
  }
  const Date date = rule.week > 0 ? Date(chr::sys_days(y / rule.month / rule.weekday[static_cast<unsigned>(rule.week)]))
                                  : Date(chr::sys_days(y / rule.month / rule.weekday[chr::last]));
  return ObservedHoliday{rule.name, date, date};
}

std::optional<std::string> BusinessCalendar::ClosedFor(Date date) const {
  if (auto it = closures_.find(date); it != closures_.end()) return it->second;
  // An observed day can fall in the year before or after its holiday's own.
  const int year = static_cast<int>(date.year());
  for (int y = year - 1; y <= year + 1; ++y) {
    for (const HolidayRule& rule : holidays_) {
      const std::optional<ObservedHoliday> holiday = InYear(rule, y);
      if (holiday && holiday->observed == date) return holiday->name;
    }
  }
  return std::nullopt;
}

bool BusinessCalendar::IsBusinessDay(Date date) const {
  const chr::weekday day = WeekdayOf(date);
  for (const chr::weekday& w : weekend_) {
    if (w == day) return false;
  }
  return !ClosedFor(date);
}

Date LocalToday() {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  return Date{std::chrono::year(local.tm_year + 1900), std::chrono::month(local.tm_mon + 1),
              std::chrono::day(local.tm_mday)};
}

int BusinessCalendar::BusinessDaysUntil(Date today, Date due) const {
  using std::chrono::days;
  using std::chrono::sys_days;
  const int sign = sys_days(due) >= sys_days(today) ? 1 : -1;
  const sys_days from = sign > 0 ? sys_days(today) : sys_days(due);
  const sys_days to = sign > 0 ? sys_days(due) : sys_days(today);
  int count = 0;
  for (sys_days day = from + days(1); day <= to; day += days(1)) count += IsBusinessDay(Date(day));
  return sign * count;
}

// Terminates: loading refuses a weekend of seven days, and holidays and
// closures close finitely many days in any year.
Date BusinessCalendar::AddBusinessDays(Date date, int n) const {
  const int step = n < 0 ? -1 : 1;
  for (int left = n < 0 ? -n : n; left > 0;) {
    date = Plus(date, step);
    if (IsBusinessDay(date)) --left;
  }
  return date;
}

Date BusinessCalendar::OnOrBeforeBusinessDay(Date date) const {
  while (!IsBusinessDay(date)) date = Plus(date, -1);
  return date;
}

Date BusinessCalendar::ClockStart(const Receipt& receipt) const {
  const bool after_hours = cutoff_ && receipt.time_of_day && *receipt.time_of_day >= *cutoff_;
  if (after_hours || !IsBusinessDay(receipt.date)) return AddBusinessDays(receipt.date, 1);
  return receipt.date;
}

Date BusinessCalendar::StatutoryDue(Date received, int days) const {
  return OnOrBeforeBusinessDay(Plus(received, days));
}

Date BusinessCalendar::DueAfter(const Receipt& receipt, const Period& period) const {
  if (period.unit == Period::Unit::kCalendarDays) return StatutoryDue(receipt.date, period.days);
  return AddBusinessDays(ClockStart(receipt), period.days);
}

QueueDue BusinessCalendar::DueFor(std::string_view queue, const Receipt& receipt) const {
  const auto it = deadlines_.find(std::string(queue));
  if (it == deadlines_.end()) return {};
  QueueDue due;
  if (it->second.target) due.target = DueAfter(receipt, *it->second.target);
  if (it->second.statutory) due.statutory = DueAfter(receipt, *it->second.statutory);
  return due;
}

std::vector<ObservedHoliday> BusinessCalendar::Holidays(int year) const {
  std::vector<ObservedHoliday> out;
  for (const HolidayRule& rule : holidays_) {
    if (auto holiday = InYear(rule, year)) out.push_back(*holiday);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Loading: every problem is collected, none stops the reading.

class CalendarParser {
 public:
  explicit CalendarParser(std::string file) : file_(std::move(file)) {}

  CalendarResult Parse(std::string_view text) {
    toml::table root;
    try {
      root = toml::parse(text, file_);
    } catch (const toml::parse_error& e) {
      std::ostringstream why;
      why << e.description() << " (line " << e.source().begin.line << ", column " << e.source().begin.column << ")";
      Error("", why.str());
      return tl::unexpected(errors_);
    }
    OnlyKeys(root, "", {"cutoff", "weekend", "holiday", "closure", "deadline"});
    ReadCutoff(root);
    ReadWeekend(root);
    ReadHolidays(root);
    ReadClosures(root);
    ReadDeadlines(root);
    if (!errors_.empty()) return tl::unexpected(errors_);
    return std::move(calendar_);
  }

 private:
  using HolidayRule = BusinessCalendar::HolidayRule;
  using Observance = BusinessCalendar::Observance;

  void Error(std::string key, std::string why) { errors_.push_back({file_, std::move(key), std::move(why)}); }

  void OnlyKeys(const toml::table& table, const std::string& prefix, std::initializer_list<std::string_view> known) {
    for (const auto& [key, node] : table) {
      if (std::find(known.begin(), known.end(), key.str()) == known.end()) {
        Error(prefix + std::string(key.str()), "unknown key");
      }
    }
  }

  // The string at `key`, or nullopt (with an error when present but not a string).
  std::optional<std::string> String(const toml::table& table, const std::string& prefix, const char* key) {
    const toml::node* node = table.get(key);
    if (!node) return std::nullopt;
    if (auto value = node->value_exact<std::string>()) return *value;
    Error(prefix + key, "must be a string");
    return std::nullopt;
  }

  std::optional<int64_t> Integer(const toml::table& table, const std::string& prefix, const char* key) {
    const toml::node* node = table.get(key);
    if (!node) return std::nullopt;
    if (auto value = node->value_exact<int64_t>()) return *value;
    Error(prefix + key, "must be a whole number");
    return std::nullopt;
  }

  // An array of tables at `key` (absent: empty).
  std::vector<const toml::table*> Tables(const toml::table& root, const char* key) {
    std::vector<const toml::table*> out;
    const toml::node* node = root.get(key);
    if (!node) return out;
    const toml::array* array = node->as_array();
    if (!array) {
      Error(key, std::string("must be a list of [[") + key + "]] tables");
      return out;
    }
    for (std::size_t i = 0; i < array->size(); ++i) {
      if (const toml::table* table = (*array)[i].as_table()) {
        out.push_back(table);
      } else {
        Error(fmt::format("{}[{}]", key, i + 1), "must be a table");
        out.push_back(nullptr);
      }
    }
    return out;
  }

  void ReadCutoff(const toml::table& root) {
    std::optional<std::string> text = String(root, "", "cutoff");
    if (!text) return;
    calendar_.cutoff_ = text->size() == 5 ? ParseClock(*text) : std::nullopt;
    if (!calendar_.cutoff_) Error("cutoff", "must be a time of day as HH:MM, e.g. \"17:00\"");
  }

  void ReadWeekend(const toml::table& root) {
    const toml::node* node = root.get("weekend");
    const toml::array* array = node ? node->as_array() : nullptr;
    if (!array) {
      Error("weekend", "must be a list of day names, e.g. [\"Saturday\", \"Sunday\"]");
      return;
    }
    for (const toml::node& item : *array) {
      const std::optional<std::string> name = item.value_exact<std::string>();
      const std::optional<chr::weekday> day = name ? WeekdayFromName(*name) : std::nullopt;
      if (!day) {
        Error("weekend", "each entry must be a day name, Monday to Sunday");
      } else if (std::find(calendar_.weekend_.begin(), calendar_.weekend_.end(), *day) != calendar_.weekend_.end()) {
        Error("weekend", *name + " is listed twice");
      } else {
        calendar_.weekend_.push_back(*day);
      }
    }
    if (calendar_.weekend_.size() == 7) Error("weekend", "leaves no working day in the week");
  }

  void ReadHolidays(const toml::table& root) {
    const std::vector<const toml::table*> tables = Tables(root, "holiday");
    for (std::size_t i = 0; i < tables.size(); ++i) {
      if (tables[i]) ReadHoliday(*tables[i], fmt::format("holiday[{}].", i + 1));
    }
  }

  void ReadHoliday(const toml::table& table, const std::string& prefix) {
    OnlyKeys(table, prefix, {"name", "date", "observed", "month", "weekday", "week", "since"});
    HolidayRule rule;
    const std::optional<std::string> name = String(table, prefix, "name");
    if (!name || name->empty()) Error(prefix + "name", "is required");
    rule.name = name.value_or("");
    bool ok = name && !name->empty();

    const bool has_date = table.contains("date");
    const bool has_weekday_rule = table.contains("month") || table.contains("weekday") || table.contains("week");
    if (has_date == has_weekday_rule) {
      Error(prefix.substr(0, prefix.size() - 1), "give either date = \"MM-DD\" or month, weekday and week");
      return;
    }
    if (has_date) {
      ok = ReadFixedDate(table, prefix, rule) && ok;
    } else {
      ok = ReadWeekdayRule(table, prefix, rule) && ok;
    }
    if (std::optional<int64_t> since = Integer(table, prefix, "since")) {
      if (*since < 1 || *since > 9999) {
        Error(prefix + "since", "must be a year");
        ok = false;
      }
      rule.since = static_cast<int>(*since);
    } else if (table.contains("since")) {
      ok = false;
    }
    if (ok) calendar_.holidays_.push_back(std::move(rule));
  }

  bool ReadFixedDate(const toml::table& table, const std::string& prefix, HolidayRule& rule) {
    bool ok = true;
    const std::optional<std::string> text = String(table, prefix, "date");
    const std::optional<Date> date = text && text->size() == 5 ? ParseDate("2001-" + *text) : std::nullopt;
    if (!date) {
      // 2001 is not a leap year, so February 29 is refused too: it would
      // close nothing three years in four.
      Error(prefix + "date", "must be a month and day as \"MM-DD\", e.g. \"07-04\"");
      ok = false;
    } else {
      rule.fixed = date->month() / date->day();
    }
    const std::optional<std::string> observed = String(table, prefix, "observed");
    if (observed == "federal") {
      rule.observance = Observance::kFederal;
    } else if (observed == "sunday_to_monday") {
      rule.observance = Observance::kSundayToMonday;
    } else if (observed == "none") {
      rule.observance = Observance::kNone;
    } else {
      Error(prefix + "observed", "must be \"federal\", \"sunday_to_monday\" or \"none\"");
      ok = false;
    }
    return ok;
  }

  bool ReadWeekdayRule(const toml::table& table, const std::string& prefix, HolidayRule& rule) {
    bool ok = true;
    if (table.contains("observed")) {
      Error(prefix + "observed", "applies only to a fixed date (a weekday rule never falls on a weekend)");
      ok = false;
    }
    const std::optional<int64_t> month = Integer(table, prefix, "month");
    if (!month || *month < 1 || *month > 12) {
      Error(prefix + "month", "must be a month number, 1 to 12");
      ok = false;
    } else {
      rule.month = chr::month(static_cast<unsigned>(*month));
    }
    const std::optional<std::string> weekday = String(table, prefix, "weekday");
    if (const std::optional<chr::weekday> day = weekday ? WeekdayFromName(*weekday) : std::nullopt) {
      rule.weekday = *day;
    } else {
      Error(prefix + "weekday", "must be a day name, Monday to Sunday");
      ok = false;
    }
    const std::optional<int64_t> week = Integer(table, prefix, "week");
    if (!week || !((*week >= 1 && *week <= 4) || *week == -1)) {
      Error(prefix + "week", "must be 1, 2, 3, 4 or -1 (the last)");
      ok = false;
    } else {
      rule.week = static_cast<int>(*week);
    }
    return ok;
  }

  void ReadClosures(const toml::table& root) {
    const std::vector<const toml::table*> tables = Tables(root, "closure");
    for (std::size_t i = 0; i < tables.size(); ++i) {
      if (!tables[i]) continue;
      const std::string prefix = fmt::format("closure[{}].", i + 1);
      OnlyKeys(*tables[i], prefix, {"date", "name"});
      const std::optional<std::string> text = String(*tables[i], prefix, "date");
      const std::optional<Date> date = text ? ParseDate(*text) : std::nullopt;
      const std::optional<std::string> name = String(*tables[i], prefix, "name");
      if (!date) Error(prefix + "date", "must be a date as \"YYYY-MM-DD\"");
      if (!name || name->empty()) Error(prefix + "name", "is required");
      if (!date || !name || name->empty()) continue;
      if (!calendar_.closures_.emplace(*date, *name).second) Error(prefix + "date", *text + " is listed twice");
    }
  }

  void ReadDeadlines(const toml::table& root) {
    const toml::node* node = root.get("deadline");
    if (!node) return;
    const toml::table* queues = node->as_table();
    if (!queues) {
      Error("deadline", "must be a table of queues, e.g. [deadline.records]");
      return;
    }
    for (const auto& [key, value] : *queues) {
      const std::string queue(key.str());
      const std::string prefix = "deadline." + queue + ".";
      const toml::table* table = value.as_table();
      if (!table) {
        Error("deadline." + queue, "must be a table with target and/or statutory");
        continue;
      }
      OnlyKeys(*table, prefix, {"target", "statutory"});
      QueueDeadlines deadlines;
      deadlines.target = ReadPeriod(*table, prefix, "target");
      deadlines.statutory = ReadPeriod(*table, prefix, "statutory");
      if (!table->contains("target") && !table->contains("statutory")) {
        Error("deadline." + queue, "needs a target, a statutory deadline or both");
      }
      calendar_.deadlines_[queue] = deadlines;
    }
  }

  std::optional<Period> ReadPeriod(const toml::table& table, const std::string& prefix, const char* key) {
    const toml::node* node = table.get(key);
    if (!node) return std::nullopt;
    const toml::table* period = node->as_table();
    const std::string where = prefix + key;
    const char* kShape = "must be { business_days = N } or { calendar_days = N }";
    if (!period || period->size() != 1) {
      Error(where, kShape);
      return std::nullopt;
    }
    const auto entry = period->begin();
    const std::string_view unit = entry->first.str();
    Period out;
    if (unit == "business_days") {
      out.unit = Period::Unit::kBusinessDays;
    } else if (unit == "calendar_days") {
      out.unit = Period::Unit::kCalendarDays;
    } else {
      Error(where, kShape);
      return std::nullopt;
    }
    const std::optional<int64_t> days = entry->second.value_exact<int64_t>();
    if (!days || *days < 0 || *days > 3650) {
      Error(where, "the number of days must be a whole number from 0 to 3650");
      return std::nullopt;
    }
    out.days = static_cast<int>(*days);
    return out;
  }

  std::string file_;
  std::vector<CalendarError> errors_;
  BusinessCalendar calendar_;
};

CalendarResult ParseCalendar(std::string_view toml_text, const std::string& file) {
  return CalendarParser(file).Parse(toml_text);
}

CalendarResult LoadCalendar(const std::optional<std::filesystem::path>& path) {
  if (!path) return ParseCalendar(DefaultCalendarText(), "(built-in)");
  std::ifstream in(*path, std::ios::binary);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  if (!in) {
    return tl::unexpected(std::vector<CalendarError>{
        {path->string(), "", std::string("cannot read the calendar file: ") + std::strerror(errno)}});
  }
  return ParseCalendar(text.str(), path->string());
}

}  // namespace intake
