// Tests of the business-day calendar against research/domain-rules.md
// section 9: the 2026 and 2027 holiday tables (actual and observed days),
// the weekday closures of both years, the worked examples, and the rule that
// a calendar-day deadline on a closed day moves earlier. All through the
// shipped calendar/holidays.toml.
#include "calendar/calendar.h"

#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/test_support.h"

namespace intake {
namespace {

namespace chr = std::chrono;
using testing::TempDir;
using testing::WriteFile;

Date D(const char* text) {
  const std::optional<Date> date = ParseDate(text);
  if (!date) throw std::invalid_argument(text);
  return *date;
}

Receipt At(const char* date, int hour = 10, int minute = 0) {
  return Receipt{D(date), chr::hours(hour) + chr::minutes(minute)};
}

const BusinessCalendar& Shipped() {
  static const BusinessCalendar calendar = [] {
    auto loaded = LoadCalendar(std::nullopt);
    if (!loaded) throw std::runtime_error(Describe(loaded.error().front()));
    return *loaded;
  }();
  return calendar;
}

struct Row {
  const char* name;
  const char* actual;
  const char* observed;
};

void ExpectHolidays(int year, const std::vector<Row>& rows) {
  const std::vector<ObservedHoliday> holidays = Shipped().Holidays(year);
  ASSERT_EQ(holidays.size(), rows.size());
  for (const Row& row : rows) {
    auto it = std::find_if(holidays.begin(), holidays.end(), [&](const ObservedHoliday& h) { return h.name == row.name; });
    ASSERT_NE(it, holidays.end()) << row.name;
    EXPECT_EQ(FormatDate(it->actual), row.actual) << row.name;
    EXPECT_EQ(FormatDate(it->observed), row.observed) << row.name;
    EXPECT_FALSE(Shipped().IsBusinessDay(it->observed)) << row.name;
  }
}

// Every Monday-to-Friday of `year` that is not a business day.
std::set<std::string> ClosedWeekdays(int year) {
  std::set<std::string> out;
  for (chr::sys_days day = chr::sys_days(chr::year(year) / 1 / 1); day <= chr::sys_days(chr::year(year) / 12 / 31);
       day += chr::days(1)) {
    const chr::weekday w(day);
    if (w != chr::Saturday && w != chr::Sunday && !Shipped().IsBusinessDay(Date(day))) out.insert(FormatDate(Date(day)));
  }
  return out;
}

TEST(CalendarTest, Holidays2026MatchTheDomainRulesTableWithObservedDays) {
  ExpectHolidays(2026, {{"New Year's Day", "2026-01-01", "2026-01-01"},
                        {"Martin Luther King Jr. Day", "2026-01-19", "2026-01-19"},
                        {"Washington's Birthday (Presidents' Day)", "2026-02-16", "2026-02-16"},
                        {"Evacuation Day", "2026-03-17", "2026-03-17"},
                        {"Patriots' Day", "2026-04-20", "2026-04-20"},
                        {"Memorial Day", "2026-05-25", "2026-05-25"},
                        {"Bunker Hill Day", "2026-06-17", "2026-06-17"},
                        {"Juneteenth", "2026-06-19", "2026-06-19"},
                        {"Independence Day", "2026-07-04", "2026-07-03"},
                        {"Labor Day", "2026-09-07", "2026-09-07"},
                        {"Columbus Day (Indigenous Peoples' Day)", "2026-10-12", "2026-10-12"},
                        {"Veterans Day", "2026-11-11", "2026-11-11"},
                        {"Thanksgiving Day", "2026-11-26", "2026-11-26"},
                        {"Christmas Day", "2026-12-25", "2026-12-25"}});
}

TEST(CalendarTest, Holidays2027MatchTheDomainRulesTableWithObservedDays) {
  ExpectHolidays(2027, {{"New Year's Day", "2027-01-01", "2027-01-01"},
                        {"Martin Luther King Jr. Day", "2027-01-18", "2027-01-18"},
                        {"Washington's Birthday (Presidents' Day)", "2027-02-15", "2027-02-15"},
                        {"Evacuation Day", "2027-03-17", "2027-03-17"},
                        {"Patriots' Day", "2027-04-19", "2027-04-19"},
                        {"Memorial Day", "2027-05-31", "2027-05-31"},
                        {"Bunker Hill Day", "2027-06-17", "2027-06-17"},
                        {"Juneteenth", "2027-06-19", "2027-06-18"},
                        {"Independence Day", "2027-07-04", "2027-07-05"},
                        {"Labor Day", "2027-09-06", "2027-09-06"},
                        {"Columbus Day (Indigenous Peoples' Day)", "2027-10-11", "2027-10-11"},
                        {"Veterans Day", "2027-11-11", "2027-11-11"},
                        {"Thanksgiving Day", "2027-11-25", "2027-11-25"},
                        {"Christmas Day", "2027-12-25", "2027-12-24"}});
}

TEST(CalendarTest, SaturdayNewYear2028IsObservedOnFridayDecember31Of2027) {
  const std::vector<ObservedHoliday> holidays = Shipped().Holidays(2028);
  ASSERT_FALSE(holidays.empty());
  EXPECT_EQ(holidays.front().name, "New Year's Day");
  EXPECT_EQ(FormatDate(holidays.front().actual), "2028-01-01");
  EXPECT_EQ(FormatDate(holidays.front().observed), "2027-12-31");
  EXPECT_EQ(Shipped().ClosedFor(D("2027-12-31")), "New Year's Day");
}

TEST(CalendarTest, ClosedWeekdaysOf2026AreExactlyTheDomainRulesList) {
  EXPECT_EQ(ClosedWeekdays(2026),
            (std::set<std::string>{"2026-01-01", "2026-01-19", "2026-02-16", "2026-03-17", "2026-04-20", "2026-05-25",
                                   "2026-06-17", "2026-06-19", "2026-07-03", "2026-09-07", "2026-10-12", "2026-11-11",
                                   "2026-11-26", "2026-12-25"}));
}

TEST(CalendarTest, ClosedWeekdaysOf2027AreExactlyTheDomainRulesList) {
  EXPECT_EQ(ClosedWeekdays(2027),
            (std::set<std::string>{"2027-01-01", "2027-01-18", "2027-02-15", "2027-03-17", "2027-04-19", "2027-05-31",
                                   "2027-06-17", "2027-06-18", "2027-07-05", "2027-09-06", "2027-10-11", "2027-11-11",
                                   "2027-11-25", "2027-12-24", "2027-12-31"}));
}

TEST(CalendarTest, BusinessDaysUntilADueDateSkipsClosedDaysAndGoesNegativeWhenOverdue) {
  EXPECT_EQ(Shipped().BusinessDaysUntil(D("2026-12-24"), D("2026-12-24")), 0);
  EXPECT_EQ(Shipped().BusinessDaysUntil(D("2026-12-24"), D("2026-12-28")), 1) << "Christmas, then a weekend";
  EXPECT_EQ(Shipped().BusinessDaysUntil(D("2026-12-28"), D("2026-12-24")), -1);
  EXPECT_EQ(Shipped().BusinessDaysUntil(D("2026-11-25"), D("2026-11-30")), 2) << "Thanksgiving is closed";
  EXPECT_EQ(Shipped().BusinessDaysUntil(D("2026-11-23"), D("2026-12-14")), 14) << "three weeks less Thanksgiving";
  // The observed Independence Day (Friday 2026-07-03) and the weekend.
  EXPECT_EQ(Shipped().BusinessDaysUntil(D("2026-07-02"), D("2026-07-07")), 2);
}

TEST(CalendarTest, WorkedExamplesOfFifteenBusinessDaysFromDomainRules) {
  EXPECT_EQ(FormatDate(Shipped().AddBusinessDays(D("2026-06-08"), 15)), "2026-07-01");
  EXPECT_EQ(FormatDate(Shipped().AddBusinessDays(D("2027-06-07"), 15)), "2027-06-30");
  EXPECT_EQ(FormatDate(Shipped().AddBusinessDays(D("2026-12-14"), 15)), "2027-01-06");
  // The same three as records-queue targets of a morning receipt.
  EXPECT_EQ(FormatDate(*Shipped().DueFor("records", At("2026-06-08")).target), "2026-07-01");
  EXPECT_EQ(FormatDate(*Shipped().DueFor("records", At("2027-06-07")).target), "2027-06-30");
  EXPECT_EQ(FormatDate(*Shipped().DueFor("records", At("2026-12-14")).target), "2027-01-06");
}

TEST(CalendarTest, StatutoryDueOnAClosedDayMovesEarlierNeverLater) {
  // 2026-06-04 + 30 = Saturday 2026-07-04; Friday the 3rd is the observed
  // Independence Day, so the due date is Thursday the 2nd.
  EXPECT_EQ(FormatDate(Shipped().StatutoryDue(D("2026-06-04"), 30)), "2026-07-02");
  EXPECT_EQ(FormatDate(*Shipped().DueFor("records", At("2026-06-04")).statutory), "2026-07-02");
  // 2027-11-24 + 30 = Friday 2027-12-24, the observed Christmas: Thursday.
  EXPECT_EQ(FormatDate(*Shipped().DueFor("imaging_cd", At("2027-11-24")).statutory), "2027-12-23");
  // On a business day it stays: 2026-11-22 + 30 = Tuesday 2026-12-22.
  EXPECT_EQ(FormatDate(Shipped().StatutoryDue(D("2026-11-22"), 30)), "2026-12-22");
}

TEST(CalendarTest, StatutoryDaysCountFromTheReceiptDateEvenAfterHours) {
  // Friday 2026-06-05 at 18:00: business days count from Monday the 8th,
  // calendar days from the 5th itself.
  const Receipt late = At("2026-06-05", 18, 0);
  EXPECT_EQ(FormatDate(Shipped().ClockStart(late)), "2026-06-08");
  EXPECT_EQ(FormatDate(*Shipped().DueFor("records", late).statutory), "2026-07-02");  // 07-05 is a Sunday
}

TEST(CalendarTest, ClockStartsNextBusinessDayForWeekendHolidayOrAfterCutoff) {
  EXPECT_EQ(FormatDate(Shipped().ClockStart(At("2026-06-08", 16, 59))), "2026-06-08");
  EXPECT_EQ(FormatDate(Shipped().ClockStart(At("2026-06-08", 17, 0))), "2026-06-09");
  EXPECT_EQ(FormatDate(Shipped().ClockStart(At("2026-06-06"))), "2026-06-08");       // Saturday
  EXPECT_EQ(FormatDate(Shipped().ClockStart(At("2026-06-19"))), "2026-06-22");       // Juneteenth, a Friday
  EXPECT_EQ(FormatDate(Shipped().ClockStart(At("2026-06-16", 17, 30))), "2026-06-18");  // 17th is Bunker Hill Day
  // A stamp without a time counts as received during the day.
  EXPECT_EQ(FormatDate(Shipped().ClockStart(Receipt{D("2026-06-08"), std::nullopt})), "2026-06-08");
  // Sunday 2026-11-22: day 0 is Monday the 23rd, 15 business days later
  // (skipping Thanksgiving) is Tuesday 2026-12-15.
  EXPECT_EQ(FormatDate(*Shipped().DueFor("records", At("2026-11-22", 10, 14)).target), "2026-12-15");
}

TEST(CalendarTest, SuffolkDaysOnSaturdayStayOnSaturdayAndOnSundayMoveToMonday) {
  // Evacuation Day 2029 is a Saturday: the Friday before stays open.
  EXPECT_TRUE(Shipped().IsBusinessDay(D("2029-03-16")));
  // Bunker Hill Day 2028 is a Saturday: the Friday before stays open.
  EXPECT_TRUE(Shipped().IsBusinessDay(D("2028-06-16")));
  // Evacuation Day 2030 is a Sunday: Monday the 18th closes.
  EXPECT_EQ(Shipped().ClosedFor(D("2030-03-18")), "Evacuation Day");
  EXPECT_FALSE(Shipped().IsBusinessDay(D("2030-03-18")));
}

TEST(CalendarTest, JuneteenthIsNotAHolidayBefore2021) {
  EXPECT_TRUE(Shipped().IsBusinessDay(D("2020-06-19")));
  EXPECT_FALSE(Shipped().IsBusinessDay(D("2023-06-19")));
}

TEST(CalendarTest, EachQueueGetsTheDeadlinesOfSpecSection6) {
  const Receipt receipt = At("2026-06-04");  // a Thursday
  QueueDue records = Shipped().DueFor("records", receipt);
  EXPECT_EQ(FormatDate(*records.target), FormatDate(Shipped().AddBusinessDays(receipt.date, 15)));
  EXPECT_EQ(FormatDate(*records.statutory), "2026-07-02");
  QueueDue imaging = Shipped().DueFor("imaging_cd", receipt);
  EXPECT_EQ(FormatDate(*imaging.target), "2026-06-11");  // 5, 8, 9, 10, 11 June
  EXPECT_EQ(FormatDate(*imaging.statutory), "2026-07-02");
  QueueDue amendments = Shipped().DueFor("amendments", receipt);
  EXPECT_EQ(FormatDate(*amendments.target), "2026-07-02");     // 30 calendar days, moved earlier
  EXPECT_EQ(FormatDate(*amendments.statutory), "2026-08-03");  // 60 calendar days, a Monday
  QueueDue verbal = Shipped().DueFor("verbal_authorization", receipt);
  EXPECT_EQ(FormatDate(*verbal.target), "2026-06-08");  // Friday 5, Monday 8
  EXPECT_FALSE(verbal.statutory);
  QueueDue review = Shipped().DueFor("review", receipt);
  EXPECT_FALSE(review.target);
  EXPECT_FALSE(review.statutory);
}

TEST(CalendarTest, AddBusinessDaysCountsBackwardsAndZeroIsTheSameDay) {
  EXPECT_EQ(FormatDate(Shipped().AddBusinessDays(D("2026-07-06"), -1)), "2026-07-02");  // skips the weekend and July 3
  EXPECT_EQ(FormatDate(Shipped().AddBusinessDays(D("2026-07-04"), 0)), "2026-07-04");
  EXPECT_EQ(FormatDate(Shipped().OnOrBeforeBusinessDay(D("2026-07-05"))), "2026-07-02");
}

TEST(CalendarTest, ShippedFileOnDiskLoadsLikeTheCompiledInDefault) {
  auto from_disk = LoadCalendar(testing::SourceDir() / "calendar/holidays.toml");
  ASSERT_TRUE(from_disk) << Describe(from_disk.error().front());
  const std::vector<std::uint8_t> bytes = testing::ReadFile(testing::SourceDir() / "calendar/holidays.toml");
  EXPECT_EQ(std::string(DefaultCalendarText()), std::string(bytes.begin(), bytes.end()));
  for (int year : {2026, 2027, 2031}) {
    const auto a = from_disk->Holidays(year);
    const auto b = Shipped().Holidays(year);
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].observed, b[i].observed);
  }
}

TEST(CalendarTest, SiteClosuresAndOwnDeadlinesComeFromItsFile) {
  TempDir dir;
  WriteFile(dir.path() / "site.toml", R"(
weekend = ["Saturday", "Sunday"]
[[closure]]
date = "2026-12-24"
name = "Christmas Eve, hospital closed"
[deadline.records]
target = { business_days = 1 }
)");
  auto calendar = LoadCalendar(dir.path() / "site.toml");
  ASSERT_TRUE(calendar) << Describe(calendar.error().front());
  EXPECT_EQ(calendar->ClosedFor(D("2026-12-24")), "Christmas Eve, hospital closed");
  EXPECT_EQ(FormatDate(*calendar->DueFor("records", At("2026-12-23")).target), "2026-12-25");  // no holidays listed
  EXPECT_FALSE(calendar->DueFor("records", At("2026-12-23")).statutory);
}

TEST(CalendarTest, BrokenCalendarFileIsRefusedWithEveryError) {
  auto calendar = ParseCalendar(R"(
cutoff = "5pm"
weekend = ["Saturday", "Caturday"]
colour = "blue"
[[holiday]]
date = "02-29"
observed = "saturday_to_friday"
[[holiday]]
name = "Odd"
month = 13
weekday = "Monday"
week = 5
observed = "federal"
[[holiday]]
name = "Both"
date = "01-01"
month = 1
[[closure]]
date = "2026-13-01"
name = "Bad"
[deadline.records]
target = { weeks = 3 }
statutory = { calendar_days = -1 }
)",
                                "site.toml");
  ASSERT_FALSE(calendar);
  std::vector<std::string> errors;
  for (const CalendarError& e : calendar.error()) {
    EXPECT_EQ(e.file, "site.toml");
    errors.push_back(e.key + ": " + e.why);
  }
  using ::testing::HasSubstr;
  EXPECT_THAT(errors, ::testing::IsSupersetOf({
                          HasSubstr("cutoff: must be a time of day"),
                          HasSubstr("weekend: each entry must be a day name"),
                          HasSubstr("colour: unknown key"),
                          HasSubstr("holiday[1].name: is required"),
                          HasSubstr("holiday[1].date: must be a month and day"),
                          HasSubstr("holiday[1].observed: must be"),
                          HasSubstr("holiday[2].observed: applies only to a fixed date"),
                          HasSubstr("holiday[2].month: must be a month number"),
                          HasSubstr("holiday[2].week: must be 1, 2, 3, 4 or -1"),
                          HasSubstr("holiday[3]: give either date"),
                          HasSubstr("closure[1].date: must be a date"),
                          HasSubstr("deadline.records.target: must be { business_days = N }"),
                          HasSubstr("deadline.records.statutory: the number of days must be"),
                      }));
  EXPECT_EQ(errors.size(), 13u);
}

TEST(CalendarTest, UnreadableOrSyntacticallyBadFileNamesTheFile) {
  TempDir dir;
  auto missing = LoadCalendar(dir.path() / "absent.toml");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().front().file, (dir.path() / "absent.toml").string());
  auto bad = ParseCalendar("weekend = [", "site.toml");
  ASSERT_FALSE(bad);
  EXPECT_THAT(Describe(bad.error().front()), ::testing::HasSubstr("line 1"));
}

TEST(CalendarTest, ReceiptAndDateParsingAreStrict) {
  auto receipt = ParseReceipt("2026-11-22T10:14:00-05:00");
  ASSERT_TRUE(receipt);
  EXPECT_EQ(FormatDate(receipt->date), "2026-11-22");
  EXPECT_EQ(receipt->time_of_day, chr::minutes(10 * 60 + 14));
  EXPECT_TRUE(ParseReceipt("2026-11-22"));
  EXPECT_FALSE(ParseReceipt("2026-11-22T25:00"));
  EXPECT_FALSE(ParseReceipt("22/11/2026"));
  EXPECT_FALSE(ParseDate("2026-02-29"));
  EXPECT_TRUE(ParseDate("2028-02-29"));
  EXPECT_FALSE(ParseDate("2026-1-05"));
}

}  // namespace
}  // namespace intake
