// calendar/calendar.h: business days and the due dates of each work queue.
//
// The calendar is data: calendar/holidays.toml states the weekend, the
// holiday rules (fixed dates with their observance rule, n-th weekdays), the
// site's one-off closures and each queue's deadlines. That file is compiled
// in as the default; a site may load its own copy instead. Loading checks
// everything and reports every error at once (file, key, why).
//
//   auto calendar = LoadCalendar(std::nullopt);  // the shipped default
//   if (!calendar) for (const CalendarError& e : calendar.error()) std::cerr << Describe(e) << "\n";
//   auto receipt = ParseReceipt("2026-11-22T10:14:00-05:00");
//   QueueDue due = calendar->DueFor("records", *receipt);
//
// Counting (domain-rules.md 9.3, also documented in holidays.toml): day 0 is
// the receipt date, or the next business day when the receipt is on a day
// that is not a business day or at or after the cut-off time. N business
// days end on the N-th business day after day 0. N calendar days end N days
// after the receipt date itself and, when that is not a business day, move
// earlier to the business day before, never later. Receipt times are taken
// as written in the stamp (its own offset); no time-zone conversion is done.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

namespace intake {

using Date = std::chrono::year_month_day;

/// "YYYY-MM-DD" exactly, and a real date; otherwise nullopt.
std::optional<Date> ParseDate(std::string_view text);
std::string FormatDate(Date date);
/// Today's date on this machine's clock, in its time zone (the hospital's).
Date LocalToday();

/// When a document was received: its date and, if the stamp has one, the
/// time of day (minutes since midnight, as written in the stamp).
struct Receipt {
  Date date;
  std::optional<std::chrono::minutes> time_of_day;
};

/// Reads an ISO 8601 stamp ("2026-11-22T10:14:00-05:00" or just a date).
std::optional<Receipt> ParseReceipt(std::string_view iso);

/// A deadline length: N business days or N calendar days.
struct Period {
  enum class Unit { kBusinessDays, kCalendarDays };
  int days = 0;
  Unit unit = Unit::kBusinessDays;
};

struct QueueDeadlines {
  std::optional<Period> target;
  std::optional<Period> statutory;
};

struct QueueDue {
  std::optional<Date> target;
  std::optional<Date> statutory;
};

/// One holiday in one year: the day it falls on and the day that closes.
struct ObservedHoliday {
  std::string name;
  Date actual;
  Date observed;
};

struct CalendarError {
  std::string file;  // "(built-in)" for the compiled-in default
  std::string key;   // e.g. "holiday[4].date" (1-based), "deadline.records.target"
  std::string why;
};

std::string Describe(const CalendarError& error);

class BusinessCalendar {
 public:
  /// Not a weekend day, not a holiday's observed day, not a closure.
  bool IsBusinessDay(Date date) const;
  /// The name of the holiday or closure that closes `date`, if any
  /// (weekends are not named).
  std::optional<std::string> ClosedFor(Date date) const;
  /// The n-th business day after `date` (before it when n < 0); `date`
  /// itself when n == 0. `date` need not be a business day.
  Date AddBusinessDays(Date date, int n) const;
  /// Business days from `today` to `due`, counting `due` and not `today`:
  /// 0 when due today, negative when overdue (the days left a clerk sees).
  int BusinessDaysUntil(Date today, Date due) const;
  /// `date` if it is a business day, else the nearest business day before it.
  Date OnOrBeforeBusinessDay(Date date) const;
  /// Day 0 of a receipt (see the file comment).
  Date ClockStart(const Receipt& receipt) const;
  /// Receipt date + `days` calendar days, moved earlier onto a business day.
  Date StatutoryDue(Date received, int days) const;
  /// The end of `period` counted from `receipt`.
  Date DueAfter(const Receipt& receipt, const Period& period) const;
  /// Target and statutory due dates of `queue`; both empty for a queue the
  /// calendar has no deadlines for (e.g. "review").
  QueueDue DueFor(std::string_view queue, const Receipt& receipt) const;

  /// Every holiday whose actual date is in `year`, in file order. An
  /// observed day may fall in the year before (January 1 on a Saturday).
  std::vector<ObservedHoliday> Holidays(int year) const;
  const std::map<std::string, QueueDeadlines>& deadlines() const { return deadlines_; }

 private:
  friend class CalendarParser;

  enum class Observance { kNone, kFederal, kSundayToMonday };
  struct HolidayRule {
    std::string name;
    std::optional<std::chrono::month_day> fixed;  // a fixed date, or
    std::chrono::month month{1};                  // the week-th weekday of month
    std::chrono::weekday weekday;
    int week = 0;                                 // 1..4, or -1 for the last
    Observance observance = Observance::kNone;
    int since = 0;
  };

  std::optional<ObservedHoliday> InYear(const HolidayRule& rule, int year) const;

  std::optional<std::chrono::minutes> cutoff_;
  std::vector<std::chrono::weekday> weekend_;
  std::vector<HolidayRule> holidays_;
  std::map<Date, std::string> closures_;
  std::map<std::string, QueueDeadlines> deadlines_;
};

using CalendarResult = tl::expected<BusinessCalendar, std::vector<CalendarError>>;

/// Loads a calendar file; `path` empty: the compiled-in calendar/holidays.toml.
CalendarResult LoadCalendar(const std::optional<std::filesystem::path>& path);
/// Parses calendar text; `file` names it in errors.
CalendarResult ParseCalendar(std::string_view toml_text, const std::string& file);
/// The text of the shipped calendar/holidays.toml.
std::string_view DefaultCalendarText();

}  // namespace intake
