#include "processors/deadline/working_calendar.h"

#include <gtest/gtest.h>

#include <climits>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "tests/unit/temp_dir.h"

namespace minsheng::processors {
namespace {

const absl::TimeZone kBeijing = absl::FixedTimeZone(8 * 60 * 60);

// A local time in Beijing.
absl::Time At(int year, int month, int day, int hour, int minute) {
  return absl::FromCivil(absl::CivilSecond(year, month, day, hour, minute, 0), kBeijing);
}

// An instant as Beijing local time, so failures show the wall clock.
std::string Local(absl::Time time) {
  if (time == absl::InfiniteFuture()) return "never";
  return absl::FormatTime("%Y-%m-%d %H:%M", time, kBeijing);
}

// Working hours and weekend only, no holidays.
constexpr char kPlainCalendar[] = R"(
utc_offset: "+08:00"
working_hours: [["08:30", "12:00"], ["14:00", "17:30"]]
weekend: [saturday, sunday]
)";

WorkingCalendar Plain() {
  absl::StatusOr<WorkingCalendar> calendar = WorkingCalendar::Parse(kPlainCalendar);
  EXPECT_TRUE(calendar.ok()) << calendar.status();
  return *std::move(calendar);
}

std::string ShippedPath() {
  return absl::StrCat(MINSHENG_SOURCE_DIR, "/deploy/calendar/cn-2025-2026.yaml");
}

// deploy/calendar/cn-2025-2026.yaml, the default calendar.
absl::StatusOr<WorkingCalendar> Shipped() { return WorkingCalendar::Load(ShippedPath()); }

// 2025-03-07 is a Friday, 2025-03-10 the Monday after; no holidays in between.
TEST(WorkingCalendarTest, FourWorkingHoursFromFridayAfternoonEndMondayMorning) {
  const WorkingCalendar calendar = Plain();
  // Friday 16:00-17:30 is 1.5 h; the other 2.5 h run Monday 08:30-11:00.
  EXPECT_EQ(Local(calendar.AddWorkingTime(At(2025, 3, 7, 16, 0), absl::Hours(4))),
            "2025-03-10 11:00");
  // 1.5 h exactly: the end of Friday, not Monday's start.
  EXPECT_EQ(Local(calendar.AddWorkingTime(At(2025, 3, 7, 16, 0), absl::Minutes(90))),
            "2025-03-07 17:30");
}

TEST(WorkingCalendarTest, LunchBreakDoesNotCount) {
  const WorkingCalendar calendar = Plain();
  // 11:00-12:00 is 1 h, then 14:00 + 1 h.
  EXPECT_EQ(Local(calendar.AddWorkingTime(At(2025, 3, 10, 11, 0), absl::Hours(2))),
            "2025-03-10 15:00");
  // A result exactly at the end of the morning stays at 12:00.
  EXPECT_EQ(Local(calendar.AddWorkingTime(At(2025, 3, 10, 11, 0), absl::Hours(1))),
            "2025-03-10 12:00");
  // One minute more runs into the afternoon.
  EXPECT_EQ(Local(calendar.AddWorkingTime(At(2025, 3, 10, 11, 0), absl::Minutes(61))),
            "2025-03-10 14:01");
}

TEST(WorkingCalendarTest, StartOutsideWorkingHoursBeginsAtTheNextPeriod) {
  const WorkingCalendar calendar = Plain();
  // In the lunch break: from 14:00.
  EXPECT_EQ(Local(calendar.AddWorkingTime(At(2025, 3, 10, 12, 30), absl::Hours(1))),
            "2025-03-10 15:00");
  // Exactly at the end of the morning: from 14:00.
  EXPECT_EQ(Local(calendar.AddWorkingTime(At(2025, 3, 10, 12, 0), absl::Minutes(30))),
            "2025-03-10 14:30");
  // Before opening: from 08:30.
  EXPECT_EQ(Local(calendar.AddWorkingTime(At(2025, 3, 10, 7, 0), absl::Hours(1))),
            "2025-03-10 09:30");
  // After closing: from 08:30 the next day.
  EXPECT_EQ(Local(calendar.AddWorkingTime(At(2025, 3, 10, 18, 0), absl::Hours(1))),
            "2025-03-11 09:30");
  // On Saturday: from Monday 08:30; 3.5 h to 12:00, then 14:00 + 0.5 h.
  EXPECT_EQ(Local(calendar.AddWorkingTime(At(2025, 3, 8, 10, 0), absl::Hours(4))),
            "2025-03-10 14:30");
}

TEST(WorkingCalendarTest, ZeroOrNegativeWorkingTimeIsTheStart) {
  const WorkingCalendar calendar = Plain();
  const absl::Time lunch = At(2025, 3, 10, 12, 30);
  EXPECT_EQ(Local(calendar.AddWorkingTime(lunch, absl::ZeroDuration())), Local(lunch));
  EXPECT_EQ(Local(calendar.AddWorkingTime(lunch, -absl::Hours(3))), Local(lunch));
  EXPECT_EQ(Local(calendar.AddWorkingDays(lunch, 0)), Local(lunch));
  EXPECT_EQ(Local(calendar.AddWorkingDays(lunch, -2)), Local(lunch));
}

TEST(WorkingCalendarTest, StartOnAHolidayBeginsOnTheNextWorkingDay) {
  absl::StatusOr<WorkingCalendar> calendar = Shipped();
  ASSERT_TRUE(calendar.ok()) << calendar.status();
  // 清明 2025: Friday 04-04 to Sunday 04-06 off; Monday 04-07 08:30 + 2 h.
  EXPECT_EQ(Local(calendar->AddWorkingTime(At(2025, 4, 4, 10, 0), absl::Hours(2))),
            "2025-04-07 10:30");
  // Without the holiday the same start would end on Friday.
  EXPECT_EQ(Local(Plain().AddWorkingTime(At(2025, 4, 4, 10, 0), absl::Hours(2))),
            "2025-04-04 12:00");
}

TEST(WorkingCalendarTest, SpringFestival2025) {
  absl::StatusOr<WorkingCalendar> calendar = Shipped();
  ASSERT_TRUE(calendar.ok()) << calendar.status();
  // Monday 01-27 16:00-17:30 is 1.5 h; 01-28..02-04 are off; Wednesday 02-05 08:30-12:00 is
  // 3.5 h; the last 3 h end at 14:00 + 3 h.
  EXPECT_EQ(Local(calendar->AddWorkingTime(At(2025, 1, 27, 16, 0), absl::Hours(8))),
            "2025-02-05 17:00");
  // 16 h: 1.5 (01-27) + 7 (02-05) + 7 (02-06) + 0.5 on Friday 02-07.
  EXPECT_EQ(Local(calendar->AddWorkingTime(At(2025, 1, 27, 16, 0), absl::Hours(16))),
            "2025-02-07 09:00");
}

TEST(WorkingCalendarTest, AdjustedWorkingDaysCount) {
  absl::StatusOr<WorkingCalendar> calendar = Shipped();
  ASSERT_TRUE(calendar.ok()) << calendar.status();
  EXPECT_TRUE(calendar->IsWorkingDay(absl::CivilDay(2025, 2, 8)));    // Saturday, 调休
  EXPECT_FALSE(calendar->IsWorkingDay(absl::CivilDay(2025, 2, 9)));   // Sunday
  EXPECT_TRUE(calendar->IsWorkingDay(absl::CivilDay(2025, 1, 26)));   // Sunday, 调休
  EXPECT_FALSE(calendar->IsWorkingDay(absl::CivilDay(2025, 1, 28)));  // 春节
  EXPECT_TRUE(calendar->IsWorkingDay(absl::CivilDay(2025, 2, 5)));    // Wednesday
  // Friday 02-07 16:00-17:30 is 1.5 h; the other 2.5 h on Saturday 02-08 from 08:30.
  EXPECT_EQ(Local(calendar->AddWorkingTime(At(2025, 2, 7, 16, 0), absl::Hours(4))),
            "2025-02-08 11:00");
  // Friday 01-24 17:00-17:30 is 0.5 h; the other 0.5 h on Sunday 01-26.
  EXPECT_EQ(Local(calendar->AddWorkingTime(At(2025, 1, 24, 17, 0), absl::Hours(1))),
            "2025-01-26 09:00");
}

TEST(WorkingCalendarTest, AddWorkingDaysKeepsTheClockTime) {
  const WorkingCalendar calendar = Plain();
  // Friday 10:00 + 1 working day: Monday 10:00.
  EXPECT_EQ(Local(calendar.AddWorkingDays(At(2025, 3, 7, 10, 0), 1)), "2025-03-10 10:00");
  // Monday 20:00 (after hours on a working day) + 5: the next Monday 20:00.
  EXPECT_EQ(Local(calendar.AddWorkingDays(At(2025, 3, 10, 20, 0), 5)), "2025-03-17 20:00");
  // Saturday 15:00: counted from Monday 08:30, so + 1 is Tuesday 08:30.
  EXPECT_EQ(Local(calendar.AddWorkingDays(At(2025, 3, 8, 15, 0), 1)), "2025-03-11 08:30");
}

TEST(WorkingCalendarTest, SevenWorkingDaysAcrossNationalDay2025) {
  absl::StatusOr<WorkingCalendar> calendar = Shipped();
  ASSERT_TRUE(calendar.ok()) << calendar.status();
  // From Monday 09-29: 09-30 (1), 10-01..10-08 off, 10-09 (2), 10-10 (3), Saturday 10-11 (4,
  // 调休), 10-13 (5), 10-14 (6), 10-15 (7).
  EXPECT_EQ(Local(calendar->AddWorkingDays(At(2025, 9, 29, 10, 0), 7)), "2025-10-15 10:00");
  // Received on a holiday: counted from 10-09 08:30; 10-10, 10-11, 10-13, 10-14, 10-15, 10-16,
  // 10-17.
  EXPECT_EQ(Local(calendar->AddWorkingDays(At(2025, 10, 3, 15, 0), 7)), "2025-10-17 08:30");
  // Received on Sunday 09-28, a 调休 working day: + 1 is Monday.
  EXPECT_EQ(Local(calendar->AddWorkingDays(At(2025, 9, 28, 9, 0), 1)), "2025-09-29 09:00");
}

TEST(WorkingCalendarTest, UrgentCasesCountClockHours) {
  absl::StatusOr<WorkingCalendar> calendar = Shipped();
  ASSERT_TRUE(calendar.ok()) << calendar.status();
  const absl::Time friday = At(2025, 3, 7, 16, 0);
  EXPECT_EQ(Local(calendar->Deadline(friday, absl::Hours(4), /*clock_hours=*/true)),
            "2025-03-07 20:00");
  EXPECT_EQ(Local(calendar->Deadline(friday, absl::Hours(4), /*clock_hours=*/false)),
            "2025-03-10 11:00");
  // On a holiday, an urgent case is due on the holiday.
  const absl::Time national_day = At(2025, 10, 1, 10, 0);
  EXPECT_EQ(Local(calendar->Deadline(national_day, absl::Hours(2), /*clock_hours=*/true)),
            "2025-10-01 12:00");
  EXPECT_EQ(Local(calendar->Deadline(national_day, absl::Hours(2), /*clock_hours=*/false)),
            "2025-10-09 10:30");
}

TEST(WorkingCalendarTest, ShippedCalendarLoads) {
  absl::StatusOr<WorkingCalendar> calendar = Shipped();
  ASSERT_TRUE(calendar.ok()) << calendar.status();
  EXPECT_TRUE(calendar->IsWorkingDay(absl::CivilDay(2026, 2, 14)));   // Saturday, 调休
  EXPECT_FALSE(calendar->IsWorkingDay(absl::CivilDay(2026, 2, 16)));  // Monday, 春节
  EXPECT_TRUE(calendar->IsWorkingDay(absl::CivilDay(2026, 1, 4)));    // Sunday, 调休
  EXPECT_FALSE(calendar->IsWorkingDay(absl::CivilDay(2026, 1, 2)));   // Friday, 元旦
  EXPECT_TRUE(calendar->IsWorkingDay(absl::CivilDay(2026, 2, 24)));   // Tuesday after 春节
  EXPECT_FALSE(calendar->IsWorkingDay(absl::CivilDay(2026, 10, 7)));  // Wednesday, 国庆
  EXPECT_TRUE(calendar->IsWorkingDay(absl::CivilDay(2026, 10, 10)));  // Saturday, 调休
  EXPECT_EQ(calendar->time_zone(), kBeijing);
}

// Weekdays less weekday holidays plus 调休 days, counted by hand from the notices:
// 2025: 261 - 18 + 5; 2026: 261 - 19 + 6.
TEST(WorkingCalendarTest, ShippedCalendarHas248WorkingDaysEachYear) {
  absl::StatusOr<WorkingCalendar> calendar = Shipped();
  ASSERT_TRUE(calendar.ok()) << calendar.status();
  for (int year : {2025, 2026}) {
    int working = 0;
    for (absl::CivilDay day(year, 1, 1); day.year() == year; ++day) {
      working += calendar->IsWorkingDay(day) ? 1 : 0;
    }
    EXPECT_EQ(working, 248) << year;
  }
}

TEST(WorkingCalendarTest, OtherOffsetsAndWholeDayPeriods) {
  absl::StatusOr<WorkingCalendar> utc = WorkingCalendar::Parse(R"(
utc_offset: "+00:00"
working_hours: [["09:00", "17:00"]]
)");
  ASSERT_TRUE(utc.ok()) << utc.status();
  // Beijing 16:00 is 08:00 UTC: from 09:00 UTC, 1 h ends at 10:00 UTC, 18:00 in Beijing.
  EXPECT_EQ(Local(utc->AddWorkingTime(At(2025, 3, 10, 16, 0), absl::Hours(1))), "2025-03-10 18:00");

  absl::StatusOr<WorkingCalendar> always = WorkingCalendar::Parse(R"(
utc_offset: "+08:00"
working_hours: [["00:00", "24:00"]]
)");
  ASSERT_TRUE(always.ok()) << always.status();
  EXPECT_EQ(Local(always->AddWorkingTime(At(2025, 3, 8, 23, 0), absl::Hours(50))),
            "2025-03-11 01:00");
}

TEST(WorkingCalendarTest, NoWorkingTimeTerminates) {
  absl::StatusOr<WorkingCalendar> closed = WorkingCalendar::Parse(R"(
utc_offset: "+08:00"
working_hours: [["08:30", "12:00"]]
weekend: [monday, tuesday, wednesday, thursday, friday, saturday, sunday]
)");
  ASSERT_TRUE(closed.ok()) << closed.status();
  const absl::Time start = At(2025, 3, 10, 10, 0);
  EXPECT_EQ(closed->AddWorkingTime(start, absl::Minutes(1)), absl::InfiniteFuture());
  EXPECT_EQ(closed->AddWorkingDays(start, 1), absl::InfiniteFuture());
  EXPECT_EQ(closed->Deadline(start, absl::Hours(4), /*clock_hours=*/false), absl::InfiniteFuture());

  absl::StatusOr<WorkingCalendar> no_hours = WorkingCalendar::Parse(R"(
utc_offset: "+08:00"
working_hours: []
)");
  ASSERT_TRUE(no_hours.ok()) << no_hours.status();
  EXPECT_EQ(no_hours->AddWorkingTime(start, absl::Minutes(1)), absl::InfiniteFuture());
  EXPECT_EQ(no_hours->AddWorkingDays(start, 1), absl::InfiniteFuture());
}

TEST(WorkingCalendarTest, FarDeadlinesAreNever) {
  const WorkingCalendar calendar = Plain();
  const absl::Time start = At(2025, 3, 10, 10, 0);
  EXPECT_EQ(calendar.AddWorkingTime(start, absl::InfiniteDuration()), absl::InfiniteFuture());
  // 200 years of clock time is far more than a hundred years of working time.
  EXPECT_EQ(calendar.AddWorkingTime(start, absl::Hours(24 * 365 * 200)), absl::InfiniteFuture());
  EXPECT_EQ(calendar.AddWorkingDays(start, INT_MAX), absl::InfiniteFuture());
  // A year of working days is still a date: 2025-03-10 + 261 weekdays is 2026-03-10.
  EXPECT_EQ(Local(calendar.AddWorkingDays(start, 261)), "2026-03-10 10:00");
}

struct BadCalendar {
  std::string yaml;
  std::string error;
};

TEST(WorkingCalendarTest, ValidationErrorsNameTheKeyAndEntry) {
  const std::string offset = "utc_offset: \"+08:00\"\n";
  const std::string hours = "working_hours: [[\"08:30\", \"12:00\"], [\"14:00\", \"17:30\"]]\n";
  const std::string weekend = "weekend: [saturday, sunday]\n";
  const std::vector<BadCalendar> cases = {
      {offset + hours +
           "holidays: [\"2025-01-01\", \"2025-02-01\", \"2025-03-01\", \"2025-13-01\"]",
       "holidays[3]: not a date: 2025-13-01"},
      {offset + hours + "holidays: [\"2025-01-01..2025-02-30\"]",
       "holidays[0]: not a date: 2025-02-30"},
      {offset + hours + "holidays: [\"2025-1-1\"]", "holidays[0]: not a date: 2025-1-1"},
      {offset + hours + "holidays: [\"2025-02-04..2025-01-28\"]",
       "holidays[0]: range ends before it starts: 2025-02-04..2025-01-28"},
      {offset + hours + "holidays: [\"2025-01-01..2026-01-02\"]",
       "holidays[0]: range longer than 366 days: 2025-01-01..2026-01-02"},
      {offset + hours + "holidays: [{new_year: \"2025-01-01\"}]",
       "holidays[0]: expected a date YYYY-MM-DD or a range YYYY-MM-DD..YYYY-MM-DD"},
      {offset + hours + "holidays: \"2025-01-01\"", "holidays: expected a list"},
      {offset + "working_hours: [[\"08:30\", \"12:00\"], [\"11:00\", \"17:30\"]]",
       "working_hours[1]: 11:00 is before the previous period ends at 12:00"},
      {offset + "working_hours: [[\"14:00\", \"17:30\"], [\"08:30\", \"12:00\"]]",
       "working_hours[1]: 08:30 is before the previous period ends at 17:30"},
      {offset + "working_hours: [[\"12:00\", \"08:30\"]]",
       "working_hours[0]: ends at 08:30, not after its start 12:00"},
      {offset + "working_hours: [[\"08:30\", \"08:30\"]]",
       "working_hours[0]: ends at 08:30, not after its start 08:30"},
      {offset + "working_hours: [[\"08:30\", \"12:00\"], [\"14:00\", \"25:00\"]]",
       "working_hours[1]: not a time: 25:00"},
      {offset + "working_hours: [[\"8:30\", \"12:00\"]]", "working_hours[0]: not a time: 8:30"},
      {offset + "working_hours: [[\"24:00\", \"24:00\"]]", "working_hours[0]: not a time: 24:00"},
      {offset + "working_hours: [[\"08:30\"]]",
       "working_hours[0]: expected [start, end] like [\"08:30\", \"12:00\"]"},
      {offset, "working_hours: missing"},
      {offset + "working_hours: \"08:30-17:30\"", "working_hours: expected a list"},
      {hours, "utc_offset: missing"},
      {"utc_offset: \"+8\"\n" + hours, "utc_offset: not an offset like +08:00: +8"},
      {offset + hours + "weekend: [saturday, sundy]", "weekend[1]: not a weekday: sundy"},
      {offset + hours + "weekend: [saturday, Saturday]", "weekend[1]: saturday is listed twice"},
      {offset + hours + weekend +
           "holidays: [\"2025-01-28..2025-02-04\"]\nworking_days: [\"2025-01-26\", \"2025-02-01\"]",
       "working_days[1]: 2025-02-01 is also in holidays"},
      {offset + hours + weekend + "working_days: [\"2025-02-07\"]",
       "working_days[0]: 2025-02-07 is a friday, not a weekend day, so it is a working day "
       "already"},
      {offset + hours + weekend + "working_days: [\"2025-02-29\"]",
       "working_days[0]: not a date: 2025-02-29"},
      {offset + hours + "holiday: [\"2025-01-01\"]",
       "unknown key holiday (expected utc_offset, working_hours, weekend, holidays, "
       "working_days)"},
      {"- 2025-01-01", "expected a mapping with utc_offset and working_hours"},
      {"", "expected a mapping with utc_offset and working_hours"},
  };
  for (const BadCalendar& bad : cases) {
    absl::StatusOr<WorkingCalendar> calendar = WorkingCalendar::Parse(bad.yaml);
    ASSERT_FALSE(calendar.ok()) << "accepted:\n" << bad.yaml;
    EXPECT_EQ(calendar.status().code(), absl::StatusCode::kInvalidArgument) << bad.yaml;
    EXPECT_EQ(calendar.status().message(), bad.error) << bad.yaml;
  }

  absl::StatusOr<WorkingCalendar> broken = WorkingCalendar::Parse("working_hours: [[");
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(broken.status().message(), "not valid YAML: ")) << broken.status();
}

TEST(WorkingCalendarTest, LoadNamesTheFile) {
  minsheng::testing::TempDir dir;
  const std::string missing = dir.path() + "/missing.yaml";
  absl::StatusOr<WorkingCalendar> none = WorkingCalendar::Load(missing);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(absl::StartsWith(none.status().message(), missing + ": cannot open"))
      << none.status();

  const std::string bad = dir.path() + "/bad.yaml";
  std::ofstream(bad) << "utc_offset: \"+08:00\"\nworking_hours: [[\"08:30\", \"12:00\"]]\n"
                     << "holidays: [\"2025-13-01\"]\n";
  absl::StatusOr<WorkingCalendar> invalid = WorkingCalendar::Load(bad);
  ASSERT_FALSE(invalid.ok());
  EXPECT_EQ(invalid.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(invalid.status().message(), bad + ": holidays[0]: not a date: 2025-13-01");
}

}  // namespace
}  // namespace minsheng::processors
